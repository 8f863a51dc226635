#!/usr/bin/env bash
# Set up, ingest the sample corpus into ./data (or $MKG_DATA_DIR), then serve the API on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/mkg ingest corpus/
exec .venv/bin/mkg serve --host "${MKG_HOST:-127.0.0.1}" --port "${MKG_PORT:-8000}"
