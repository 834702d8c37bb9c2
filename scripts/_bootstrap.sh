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
       "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

REQS="${1:-requirements/dev.txt}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  PY="$(find_python)" || { echo "MeshPortal needs Python 3.12 or newer (Django 6). Install python3.12+ and retry, or set PYTHON=/path/to/python3.12." >&2; exit 1; }
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
