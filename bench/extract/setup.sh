#!/usr/bin/env bash
# Create (or reuse) the venv with the Python extraction and WARC peers (requirements.txt).
#   bench/extract/setup.sh [VENV]      default VENV: bench/extract/.venv
# Idempotent: if VENV already imports the pinned versions, nothing is installed.
# PYTHON=python3.11 picks the interpreter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../venv.sh"
ensure_venv "${1:-$here/.venv}" "$here/requirements.txt" '
import importlib.metadata as m, sys
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        pkg, ver = line.split("==")
        assert m.version(pkg) == ver, (pkg, m.version(pkg), ver)
import trafilatura, resiliparse.extract.html2text, fastwarc.warc, warcio.archiveiterator
trafilatura.extract("<html><body><article><p>" + "word " * 50 + "</p></article></body></html>")
'
