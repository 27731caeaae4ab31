"""Helpers shared by the dedup benchmark scripts (bench/dedup/).

Reading: JSON lines are split on b"\\n" only (the texts contain U+2028/U+2029, which
str.splitlines() would treat as line ends); `.zst` files are decompressed as a stream.

Shingles: the MinHash shingle set of a text, defined as datatrove 0.10.1 defines it
(MinhashConfig defaults): word 5-grams of the spaCy blank-English tokens of
`simplify_text(text)`, each 5-gram joined with single spaces and hashed with xxh64 (seed 0).
As a *set* (duplicates removed), which is what the Jaccard similarity of two documents is
computed on. Needs datatrove + spaCy, i.e. /work/venv-dt/bin/python; everything else here
only needs the standard library, zstandard and numpy.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Iterable, Iterator

DATA = os.environ.get("MILLSTONE_SHARED_DATA", "/work/shared/data")
WEBPAGES = os.path.join(DATA, "webpages-dev.jsonl.zst")
DCLM = os.path.join(DATA, "dclm-quality", "majority_data.jsonl")  # agreement_data.jsonl is a subset of it

N_GRAMS = 5


def open_binary(path: str):
    """A binary reader of PATH, transparently decompressing .zst."""
    f = open(path, "rb")
    if path.endswith(".zst"):
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(f, closefd=True), 1 << 20)
    return f


def read_jsonl(path: str) -> Iterator[dict]:
    """Yield one object per non-empty line (lines end at b"\\n" only)."""
    with open_binary(path) as f:
        for line in f:  # BufferedReader iterates on b"\n" only
            line = line.strip(b"\r\n")
            if line.strip():
                yield json.loads(line)


class JsonlZstWriter:
    """Write objects as JSON lines into a .zst file (or plain when the name does not end in .zst)."""

    def __init__(self, path: str, level: int = 3, threads: int = 0):
        self.path = path
        self._raw = open(path, "wb")
        if path.endswith(".zst"):
            import zstandard

            self._out = zstandard.ZstdCompressor(level=level, threads=threads).stream_writer(self._raw, closefd=False)
        else:
            self._out = self._raw
        self.bytes_in = 0
        self.lines = 0

    def write(self, obj: dict) -> None:
        data = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
        self._out.write(data)
        self.bytes_in += len(data)
        self.lines += 1

    def close(self) -> None:
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_jsonl(path: str, rows: Iterable[dict]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def load_webpages() -> list[dict]:
    return list(read_jsonl(WEBPAGES))


def load_dclm() -> list[dict]:
    """The 499 DCLM documents, given ids dclm-NNNN in file order."""
    docs = []
    for i, d in enumerate(read_jsonl(DCLM)):
        docs.append({"id": f"dclm-{i:04d}", "text": d["text"], "label": d.get("label")})
    return docs


# --- shingles (datatrove's MinHash definition) -------------------------------------------------

_TOKENIZER = None


def _tokenizer():
    global _TOKENIZER
    if _TOKENIZER is None:
        from datatrove.utils.word_tokenizers import load_word_tokenizer

        _TOKENIZER = load_word_tokenizer("en")
    return _TOKENIZER


def shingle_strings(text: str, n: int = N_GRAMS) -> list[str]:
    """The word n-grams (duplicates kept, in order) that datatrove's MinHash stage 1 hashes."""
    from datatrove.utils.text import simplify_text

    toks = _tokenizer().word_tokenize(simplify_text(text))
    return [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]


def shingle_set(text: str, n: int = N_GRAMS):
    """Sorted unique uint64 xxh64 hashes of the shingles (numpy array; empty if < n tokens)."""
    import numpy as np
    import xxhash

    h = [xxhash.xxh64_intdigest(s.encode("utf-8")) for s in shingle_strings(text, n)]
    return np.unique(np.array(h, dtype=np.uint64))


def _shingle_set_worker(text: str):
    return shingle_set(text)


def shingle_sets(texts: list[str], processes: int = 2):
    """shingle_set of every text, in order, over PROCESSES worker processes."""
    if processes <= 1 or len(texts) < 50:
        return [shingle_set(t) for t in texts]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(processes) as pool:
        return list(pool.imap(_shingle_set_worker, texts, chunksize=16))


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)
