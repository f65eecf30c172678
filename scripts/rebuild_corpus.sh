#!/usr/bin/env bash
# Rebuild the default knowledge base from scratch into DATA_DIR (default ./data), through its
# followed sources, so the result is what a nightly sync would keep up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR="${1:-${CLOUT_DATA_DIR:-data}}"
CLOUT="${CLOUT:-.venv/bin/clout}"
if [ -e "$DATA_DIR" ]; then
  backup="$DATA_DIR.old.$(date +%Y%m%d-%H%M%S)"
  mv "$DATA_DIR" "$backup"
  echo "moved the old knowledge base to $backup"
fi
"$CLOUT" --data-dir "$DATA_DIR" sources import corpus/sources.toml
"$CLOUT" --data-dir "$DATA_DIR" sync
"$CLOUT" --data-dir "$DATA_DIR" stats
