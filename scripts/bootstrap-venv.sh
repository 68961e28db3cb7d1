#!/usr/bin/env bash
# Create the venv with the Python of .python-version and install the pinned runtime.
# Usage: scripts/bootstrap-venv.sh VERSION VENV REQUIREMENTS
set -euo pipefail
version="$1"; venv="$2"; requirements="$3"

find_python() {
  for candidate in "$HOME/.pyenv/versions/$version/bin/python" "$(command -v "python${version%.*}" || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
      echo "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null && pyenv prefix "$version" >/dev/null 2>&1; then
    echo "$(pyenv prefix "$version")/bin/python"; return 0
  fi
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  python=$(find_python) || {
    echo "error: Python $version is needed (Rasa 3.6 does not install on 3.11+)." >&2
    echo "       Install it, e.g. 'pyenv install $version', then run make again." >&2
    exit 1
  }
  echo "Creating $venv with $python..."
  "$python" -m venv "$venv"
fi
echo "Installing the pinned requirements (first time: a few minutes)..."
"$venv/bin/pip" install --quiet --disable-pip-version-check pip==26.3
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" -c constraints.txt
