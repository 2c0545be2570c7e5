#!/usr/bin/env bash
# Full check: lint, types, import contract, then the tests (arguments go to pytest).
# Stops at the first failing step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "ruff check"
.venv/bin/ruff check .

step "mypy"
.venv/bin/mypy

step "lint-imports"
.venv/bin/lint-imports

step "pytest"
status=0
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests; treated as a failure" >&2
    exit 1
fi
exit "$status"
