#!/usr/bin/env bash
# Create (or reuse) the Python venv that runs datatrove for the parity fixtures and the benchmark.
#   tools/parity/setup_venv.sh [VENV]      default VENV: tools/parity/.venv
# Idempotent: if VENV already has the pinned versions importable, nothing is installed.
# PYTHON=python3.11 picks the interpreter (any Python >= 3.10 works for datatrove 0.10.1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/.venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"

check() {
    "$venv/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m
want = {"datatrove": "0.10.1", "spacy": "3.8.18"}
for pkg, ver in want.items():
    assert m.version(pkg) == ver, (pkg, m.version(pkg))
import datatrove.pipeline.filters, datatrove.pipeline.readers, datatrove.pipeline.dedup.minhash, orjson, zstandard, spacy, xxhash  # noqa: F401
spacy.blank("en")
PY
}

if [ -x "$venv/bin/python" ] && check; then
    echo "setup_venv: $venv is ready (datatrove 0.10.1, spaCy 3.8.18)"
    exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "setup_venv: creating $venv with $($python -V 2>&1)"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
check || { echo "setup_venv: $venv still fails the import check" >&2; exit 1; }
echo "setup_venv: $venv is ready (datatrove 0.10.1, spaCy 3.8.18)"
