#!/usr/bin/env bash
# Create (or reuse) the venv with the Python extraction and WARC peers (requirements.txt).
#   bench/extract/setup.sh [VENV]      default VENV: bench/extract/.venv
# Idempotent: if VENV already imports the pinned versions, nothing is installed.
# PYTHON=python3.11 picks the interpreter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/.venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"

check() {
    "$venv/bin/python" - "$req" <<'PY' 2>/dev/null
import importlib.metadata as m, sys
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        pkg, ver = line.split("==")
        assert m.version(pkg) == ver, (pkg, m.version(pkg), ver)
import trafilatura, resiliparse.extract.html2text, fastwarc.warc, warcio.archiveiterator  # noqa: F401
trafilatura.extract("<html><body><article><p>" + "word " * 50 + "</p></article></body></html>")
PY
}

if [ -x "$venv/bin/python" ] && check; then
    echo "setup: $venv is ready"
    exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "setup: creating $venv with $($python -V 2>&1)"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet -r "$req"
check || { echo "setup: $venv still fails the import check" >&2; exit 1; }
"$venv/bin/python" -m pip freeze > "$venv/freeze.txt"
echo "setup: $venv is ready (full list of installed versions: $venv/freeze.txt)"
