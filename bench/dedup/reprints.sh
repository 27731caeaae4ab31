#!/bin/sh
# The reprint benchmark end to end: peers' venvs (from PyPI), the set, the held-out scores.
#
#   sh bench/dedup/reprints.sh [OUT]          # OUT default /tmp/reprints
#
# Venvs (created if missing; override with DT_VENV / TD_VENV):
#   $DT_VENV  datatrove 0.10.1 + spaCy and the extras its MinHash needs (regex, tokenizers,
#             xxhash<4, orjson) — bench/dedup/dt_minhash.py
#   $TD_VENV  text-dedup 0.4.0 — `python -m text_dedup.minhash`
# The millstone binary: $MILLSTONE, else target/release/millstone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/reprints}
dt=${DT_VENV:-/tmp/rp-venv-dt}
td=${TD_VENV:-/tmp/rp-venv-td}
if [ ! -x "$dt/bin/python" ]; then
    python3 -m venv "$dt"
    "$dt/bin/pip" install -q 'datatrove==0.10.1' 'spacy==3.8.18' regex tokenizers 'xxhash<4' orjson numpy
fi
if [ ! -x "$td/bin/python" ]; then
    python3 -m venv "$td"
    "$td/bin/pip" install -q 'text-dedup==0.4.0'
fi
python3 "$here/make_reprints.py" -o "$out/set" --slice 4
python3 "$here/score_reprints.py" "$out/set/tune" --work "$out/score-tune" --json "$out/tune.json" \
    --setting "reprints=--method reprints --keep-all"
python3 "$here/score_reprints.py" "$out/set/heldout" --work "$out/score-heldout" \
    --json "$out/heldout.json" \
    --setting "reprints=--method reprints --keep-all" \
    --setting "minhash=--method minhash" \
    --setting "minhash-char5=--method minhash --shingle char --ngrams 5 --bands 20 --rows 5 --threshold 0.5" \
    --datatrove "$dt/bin/python" --textdedup "$td/bin/python"
