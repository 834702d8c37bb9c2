# Sourced by scripts/demo, scripts/test and scripts/check-newcomer: find a Python >= 3.12 (Django 6 needs it),
# create a virtualenv, and install the pinned dependencies when they changed.
#   source scripts/_bootstrap.sh REQUIREMENTS...
# installs into .venv and puts it first on PATH. MESHPORTAL_VENV=DIR uses a dedicated virtualenv at DIR instead,
# rebuilt from nothing whenever the requirements change (tests/platform/test_demo.py runs the demo that way).
# It also defines ensure_venv for scripts that need a second virtualenv (scripts/check-newcomer).
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

# The requirement files and those they pull in with -r/-c, each once.
requirements_closure() {
  local file include
  for file in "$@"; do
    echo "$file"
    sed -n 's/^-[rc][[:space:]]*//p' "$file" | while read -r include; do
      requirements_closure "$(dirname "$file")/$include"
    done
  done | sort -u
}

# ensure_venv DIR [--fresh] REQUIREMENTS...: DIR holds exactly the pinned REQUIREMENTS once this returns.
# A stamp (hash of the files and what they include) skips pip when nothing changed. --fresh rebuilds DIR
# from nothing when they did change, so a package dropped from the files cannot linger and hide an import
# that would fail on a clean install (the throw-away virtualenvs of the newcomer check and the demo test).
ensure_venv() {
  local venv="$1" fresh=0 py requirement hash stamp
  local -a args=()
  shift
  if [ "${1:-}" = "--fresh" ]; then fresh=1; shift; fi
  stamp="$venv/.installed-$(basename -a "$@" | tr '\n' '+' | sed 's/+$//')"
  hash="$(requirements_closure "$@" | xargs cat | sha256sum | cut -c1-16)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    return 0
  fi
  if [ "$fresh" = 1 ] && [ -e "$venv" ]; then
    echo "==> requirements changed: rebuilding $(basename "$venv") from nothing"
    rm -rf "$venv" || return 1
  fi
  if [ ! -x "$venv/bin/python" ]; then
    if ! py="$(find_python)" && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      # Debian ships venv/ensurepip separately (python3.X-venv); install it for any Python >= 3.12 present.
      for v in 3.13 3.12; do
        if command -v "python$v" >/dev/null; then
          apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$v-venv" >/dev/null || true
        fi
      done
      py="$(find_python)" || true
    fi
    [ -n "${py:-}" ] || { echo "MeshPortal needs Python 3.12 or newer with venv (Django 6). Install python3.12+ (and python3.12-venv) and retry, or set PYTHON=/path/to/python3.12." >&2; exit 1; }
    echo "==> creating $(basename "$venv") with $py"
    # Every failure returns explicitly: callers may run this where `set -e` does not apply (in an `if`).
    "$py" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
      2> >(grep -v "is ignored: it is neither" >&2) || return 1
  fi
  echo "==> installing $* into $(basename "$venv")"
  for requirement in "$@"; do args+=(-r "$requirement"); done
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" \
    2> >(grep -v "is ignored: it is neither" >&2) || return 1
  echo "$hash" > "$stamp"
}

[ "$#" -gt 0 ] || { echo "usage: source scripts/_bootstrap.sh REQUIREMENTS..." >&2; exit 2; }
if [ -n "${MESHPORTAL_VENV:-}" ]; then
  VENV="$MESHPORTAL_VENV"
  ensure_venv "$VENV" --fresh "$@"
else
  VENV="$ROOT/.venv"
  ensure_venv "$VENV" "$@"
fi
export PATH="$VENV/bin:$PATH"
