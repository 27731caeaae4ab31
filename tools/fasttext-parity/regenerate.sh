#!/usr/bin/env bash
# Regenerate the fastText reference fixtures (crates/millstone-filters/tests/fixtures/fasttext/):
#   1. a venv with Python fastText 0.9.2 (fasttext-numpy2-wheel), made once
#   2. record.py: Python fastText's predictions with the embedded lid.176.ftz on ~400 texts, three
#      tiny models trained on UDHR paragraphs and their predictions
# usage: tools/fasttext-parity/regenerate.sh [--shared PATH] [--venv PATH]
# Takes ~10 s once the venv exists. Then run: cargo test -p millstone-filters --test fasttext_parity
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --shared) args+=(--shared "$2"); shift 2 ;;
        --venv) venv="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "regenerate: unknown argument $1" >&2; exit 2 ;;
    esac
done
if ! "$venv/bin/python" -c 'import fasttext, zstandard' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
fi
"$venv/bin/python" "$here/record.py" "${args[@]}"
