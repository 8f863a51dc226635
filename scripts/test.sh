#!/usr/bin/env bash
# Set up with the test tools, then run every check: ruff, mypy and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check graph api tests benchmarks
.venv/bin/mypy
.venv/bin/pytest -q "$@"
