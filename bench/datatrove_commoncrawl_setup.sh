#!/usr/bin/env bash
# Create (or reuse) the venv for bench/datatrove_commoncrawl.py (datatrove_commoncrawl_requirements.txt).
#   bench/datatrove_commoncrawl_setup.sh [VENV]      default VENV: bench/.venv-commoncrawl
# Idempotent: if VENV already imports the pinned versions, nothing is installed. WarcReader's
# python-magic needs the libmagic1 Debian package (apt-get install libmagic1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/venv.sh"
ensure_venv "${1:-$here/.venv-commoncrawl}" "$here/datatrove_commoncrawl_requirements.txt" '
import importlib.metadata as m
want = {"datatrove": "0.10.1", "trafilatura": "1.11.0", "spacy": "3.8.18", "warcio": "1.8.2"}
for pkg, ver in want.items():
    assert m.version(pkg) == ver, (pkg, m.version(pkg))
import magic, cchardet, tldextract, fasttext, trafilatura, spacy
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.filters import URLFilter, LanguageFilter
trafilatura.extract("<html><body><article><p>" + "word " * 50 + "</p></article></body></html>")
spacy.blank("en")
'
