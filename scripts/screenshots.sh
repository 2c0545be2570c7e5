#!/usr/bin/env bash
# The README's screenshots, made again into docs/screenshots from what the code
# draws today: the demo table's moments and its signed extract (table-app demo,
# offscreen), and the screens and PDFs the tests bring to the state each
# picture shows (tests/screenshots.py: $TABLE_APP_SCREENSHOTS). Only the
# pictures the README shows are replaced; those still made by hand are named.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
made=$(mktemp -d)
trap 'rm -rf "$made"' EXIT

.venv/bin/table-app demo --dir "$made/demo" --screenshots "$made/shots" >"$made/demo.log"
extract=("$made"/demo/donnees/exports/*/signées/2026-002_*.pdf)
pdftoppm -r 80 -png -singlefile -f 1 -l 1 "${extract[0]}" "$made/shots/extrait-2026-002"
TABLE_APP_SCREENSHOTS="$made/shots" .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/screens/test_readability.py \
    tests/screens/test_private_notes.py \
    tests/screens/test_remote_seat.py \
    tests/screens/test_seats_admin.py \
    tests/screens/test_convocation_dialog.py \
    tests/screens/test_answers_ahead.py \
    tests/screens/test_admin_panel.py

for picture in $(grep -o 'docs/screenshots/[^)]*\.png' README.md | sort -u); do
    name=$(basename "$picture")
    if [ -f "$made/shots/$name" ]; then
        cp "$made/shots/$name" "$picture"
        echo "refaite : $picture"
    else
        echo "à refaire à la main : $picture"
    fi
done
