#!/usr/bin/env bash
# Launch the council table in demo mode (arguments go to `table-app demo`).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/table-app demo "$@"
