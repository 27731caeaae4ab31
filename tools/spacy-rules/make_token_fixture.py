#!/usr/bin/env python3
"""Record datatrove's English words and sentences for real documents (millstone-text parity test).

    /work/venv-dt/bin/python tools/spacy-rules/make_token_fixture.py [--data ../shared/data]

Documents, in this order (the Rust test enumerates them the same way):
  1. every line of <data>/webpages-dev.jsonl.zst: its `text`, then its `main_content`
     (ids `webpages:<id>:text`, `webpages:<id>:main_content`);
  2. every line of <data>/dclm-quality/*.jsonl (files sorted by name): its `text`
     (ids `dclm:<file stem>:<line number>`).

Per document the fixture stores: id, xxh64 of the UTF-8 text (to detect changed inputs),
datatrove `split_into_words(text, "eng")` as n_words + xxh64 of "\\x1f".join(words),
`split_into_sentences(text, "eng")` as n_sentences + xxh64 of "\\x1f".join(pieces), and the full word
list for the first FULL_WORDS documents (readable diffs). The inputs are not stored: the test
reads them from ../shared/data beside the checkout.

Output: crates/millstone-text/tests/fixtures/spacy_en_words.jsonl.zst (first line = metadata).
"""

import argparse
import glob
import io
import json
import os
import sys
import time
import types
from importlib.metadata import version

import xxhash
import zstandard

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "millstone-text", "tests", "fixtures", "spacy_en_words.jsonl.zst")
FULL_WORDS = 200
SEP = "\x1f"


def import_datatrove():
    # datatrove.utils.text imports the third-party `regex` module for an unrelated pattern; a stub
    # suffices for the word/sentence functions if it is not installed.
    try:
        import regex  # noqa: F401
    except ImportError:
        stub = types.ModuleType("regex")
        stub.compile = lambda *a, **k: None
        stub.VERBOSE = stub.UNICODE = 0
        sys.modules["regex"] = stub
    from datatrove.utils.text import split_into_sentences, split_into_words

    return split_into_words, split_into_sentences


def documents(data):
    with open(os.path.join(data, "webpages-dev.jsonl.zst"), "rb") as f:
        reader = zstandard.ZstdDecompressor().stream_reader(f)
        for line in io.TextIOWrapper(reader, encoding="utf-8"):
            rec = json.loads(line)
            for field in ("text", "main_content"):
                text = rec.get(field)
                if isinstance(text, str):
                    yield f"webpages:{rec['id']}:{field}", text
    for path in sorted(glob.glob(os.path.join(data, "dclm-quality", "*.jsonl"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                text = json.loads(line).get("text")
                if isinstance(text, str):
                    yield f"dclm:{stem}:{n}", text


def h64(s):
    return "%016x" % xxhash.xxh64(s.encode("utf-8", "surrogatepass")).intdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    args = ap.parse_args()
    split_into_words, split_into_sentences = import_datatrove()

    rows, t0, chars = [], time.time(), 0
    for i, (doc_id, text) in enumerate(documents(args.data)):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            print(f"skip {doc_id}: lone surrogate (not representable in Rust)", file=sys.stderr)
            continue
        words = split_into_words(text, "eng")
        pieces = split_into_sentences(text, "eng")
        row = {
            "id": doc_id,
            "text_xxh64": h64(text),
            "n_words": len(words),
            "words_xxh64": h64(SEP.join(words)),
            "n_sentences": len(pieces),
            "sentences_xxh64": h64(SEP.join(pieces)),
        }
        if len(rows) < FULL_WORDS:
            row["words"] = words
        rows.append(row)
        chars += len(text)
        if i % 500 == 0:
            print(f"{i} docs, {chars / 1e6:.1f} M chars, {time.time() - t0:.0f} s", file=sys.stderr)

    import spacy

    meta = {
        "fixture": "datatrove split_into_words / split_into_sentences, language eng",
        "spacy": spacy.__version__,
        "datatrove": version("datatrove"),
        "python": sys.version.split()[0],
        "documents": len(rows),
        "regenerate": "/work/venv-dt/bin/python tools/spacy-rules/make_token_fixture.py",
    }
    buf = io.StringIO()
    buf.write(json.dumps(meta, ensure_ascii=False) + "\n")
    for row in rows:
        buf.write(json.dumps(row, ensure_ascii=False) + "\n")
    data = zstandard.ZstdCompressor(level=19).compress(buf.getvalue().encode("utf-8"))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(data)
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(rows)} documents, {chars / 1e6:.1f} M chars, "
          f"{len(data) / 1e6:.2f} MB, {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
