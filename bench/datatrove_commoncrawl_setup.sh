#!/usr/bin/env bash
# Create (or reuse) the venv for bench/datatrove_commoncrawl.py (datatrove_commoncrawl_requirements.txt).
#   bench/datatrove_commoncrawl_setup.sh [VENV]      default VENV: bench/.venv-commoncrawl
# Idempotent: if VENV already imports the pinned versions, nothing is installed. WarcReader's
# python-magic needs the libmagic1 Debian package (apt-get install libmagic1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/.venv-commoncrawl}"
python="${PYTHON:-python3}"
req="$here/datatrove_commoncrawl_requirements.txt"

check() {
    "$venv/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m
want = {"datatrove": "0.10.1", "trafilatura": "1.11.0", "spacy": "3.8.18", "warcio": "1.8.2"}
for pkg, ver in want.items():
    assert m.version(pkg) == ver, (pkg, m.version(pkg))
import magic, cchardet, tldextract, fasttext, trafilatura, spacy  # noqa: F401
from datatrove.pipeline.readers import WarcReader  # noqa: F401
from datatrove.pipeline.filters import URLFilter, LanguageFilter  # noqa: F401
trafilatura.extract("<html><body><article><p>" + "word " * 50 + "</p></article></body></html>")
spacy.blank("en")
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
echo "setup: $venv is ready (installed versions: $venv/freeze.txt)"
