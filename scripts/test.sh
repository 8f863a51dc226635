#!/usr/bin/env bash
# Set up with the test tools, then run every check: ruff, mypy and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# System tools some tests use (Chromium for the browser tests, Graphviz for DOT, docker-compose for the
# compose file): installed from Debian when we are root and they are missing; without them those tests skip.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test.sh: installing ${missing[*]} from Debian"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
    || echo "test.sh: could not install ${missing[*]}; the tests that need them will skip"
fi
bash scripts/setup.sh --test
.venv/bin/ruff check graph api tests benchmarks scripts
.venv/bin/mypy
.venv/bin/pytest -q "$@"
