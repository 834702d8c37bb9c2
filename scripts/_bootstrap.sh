# Sourced by scripts/demo and scripts/test: find a Python >= 3.12 (Django 6 needs it),
# create .venv, and install the pinned dependencies when they changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.13 python3.12 python3)
  # pyenv keeps interpreters that its shims refuse to run unless selected.
  for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[23]*/bin; do
    [ -d "$d" ] && candidates+=("$d/python3")
  done
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 &&
       "$c" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

REQS="${1:-requirements/dev.txt}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  if ! PY="$(find_python)" && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    # Debian ships venv/ensurepip separately (python3.X-venv); install it for any Python >= 3.12 present.
    for v in 3.13 3.12; do
      if command -v "python$v" >/dev/null; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$v-venv" >/dev/null || true
      fi
    done
    PY="$(find_python)" || true
  fi
  [ -n "${PY:-}" ] || { echo "MeshPortal needs Python 3.12 or newer with venv (Django 6). Install python3.12+ (and python3.12-venv) and retry, or set PYTHON=/path/to/python3.12." >&2; exit 1; }
  echo "==> creating .venv with $PY"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
STAMP="$VENV/.installed-$(basename "$REQS")"
HASH="$(cat requirements/*.txt | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  echo "==> installing $REQS"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS" 2> >(grep -v "is ignored: it is neither" >&2)
  echo "$HASH" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
