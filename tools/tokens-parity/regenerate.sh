#!/usr/bin/env bash
# Regenerate the GPT-2 token-count fixture (crates/millstone-filters/tests/fixtures/tokens/):
#   1. a venv with Python tiktoken from PyPI, made once
#   2. record.py: tiktoken's counts (encode_ordinary) of every page of webpages-dev, every UDHR
#      text and a few edge cases, with the `gpt2` / `r50k_base` vocabulary
# tiktoken would download its vocabulary files; instead it is given the copies the tiktoken-rs
# crate ships (found with `cargo metadata`), which tiktoken checks against OpenAI's SHA-256.
# usage: tools/tokens-parity/regenerate.sh [--shared PATH] [--venv PATH]
# Takes ~20 s once the venv exists. Then run: cargo test -p millstone-filters --features tokens --test tokens
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --shared) args+=(--shared "$2"); shift 2 ;;
        --venv) venv="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "regenerate: unknown argument $1" >&2; exit 2 ;;
    esac
done
if ! "$venv/bin/python" -c 'import tiktoken, zstandard' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
fi
manifest="$(cd "$here/../.." && cargo metadata --format-version 1 --locked |
    "$venv/bin/python" -c 'import json, sys
pkgs = json.load(sys.stdin)["packages"]
print(next(p["manifest_path"] for p in pkgs if p["name"] == "tiktoken-rs"))')"
"$venv/bin/python" "$here/record.py" --assets "$(dirname "$manifest")/assets" "${args[@]}"
