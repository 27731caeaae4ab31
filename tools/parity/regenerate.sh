#!/usr/bin/env bash
# Regenerate the datatrove parity fixtures in one go:
#   1. setup_venv.sh   -> a venv with the pinned datatrove 0.10.1 + spaCy 3.8.18 (skipped if ready)
#   2. build_input.py  -> crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst
#   3. record.py       -> .../parity/datatrove-0.10.1.jsonl.zst + summary.json
# usage: tools/parity/regenerate.sh [--shared PATH] [--venv PATH] [--processes N]
# Takes ~6-8 min on 2 cores (record.py dominates).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
build_args=()
record_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --shared) build_args+=(--shared "$2"); shift 2 ;;
        --venv) venv="$2"; shift 2 ;;
        --processes) record_args+=(--processes "$2"); shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "regenerate: unknown argument $1" >&2; exit 2 ;;
    esac
done

"$here/setup_venv.sh" "$venv"
"$venv/bin/python" "$here/build_input.py" "${build_args[@]}"
"$venv/bin/python" "$here/record.py" "${record_args[@]}"
# The edge-case set: seeded mutations of the parity input plus UDHR texts in many scripts.
"$venv/bin/python" "$here/build_edge_cases.py"
edge="$here/../../crates/millstone-filters/tests/fixtures/edge-cases"
"$venv/bin/python" "$here/record.py" "$edge/input.jsonl.zst" "$edge/datatrove-0.10.1.jsonl.zst" "${record_args[@]}"
