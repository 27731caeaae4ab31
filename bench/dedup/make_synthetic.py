#!/usr/bin/env python3
"""Seeded generator of N documents recombined from real text, with a known share of near-duplicates.

usage: /work/venv-dt/bin/python bench/dedup/make_synthetic.py -n N -o OUT.jsonl.zst
           [--seed 11] [--dup-share 0.1] [--mean-paragraphs 6] [--processes 2] [--zstd-level 3]

Streams: documents are generated in blocks of 2,000 by worker processes and written in order,
so memory stays flat (~ the pools below + a few blocks) whatever N is; 10 M documents need no
more memory than 1,000. Every document depends only on (seed, its index): the output is the same
bytes for any --processes, and any document can be regenerated alone.

Recipe.
Pools, built once from the real sets (shared/data): the sentences of every webpages-dev
`main_content` line and every DCLM document line (split after . ! ? followed by a space; lines
of < 5 words dropped), kept in source order as "passages" (one per line); titles = first lines
(3..25 words, <= 150 chars)
of the webpages-dev crawl `text`; a 50,000-word sample of their words as the vocabulary.
Original document i (rng = Random(seed * 2^32 + i)):
  a title line, then P paragraphs, P = 1 + Poisson-like (geometric with mean --mean-paragraphs);
  each paragraph = 1..6 consecutive sentences of one random passage (a coherent excerpt), and
  every word is replaced by a random vocabulary word with probability 0.02 (so two documents
  that drew the same excerpt are still not identical).
Near-duplicates: whether document i is one is a pure function of (seed, i) (splitmix64 hash):
  with probability --dup-share it is a copy of an EARLIER original document j (uniform over
  0..i-1, following j's own dup_of when j is itself a copy, so dup_of always names an original)
  regenerated from j's index, then perturbed with make_neardup.py's ops at a noise level drawn
  as exact 25 % / light 35 % / medium 25 % / heavy 15 % (same LEVELS table).
Fields: id ("s000000123"), text, dup_of (id of the original, or null), noise (null, exact,
light, medium, heavy). The known truth is "generated from", not a Jaccard. The documents are
short (mean ~120 words) and the noise levels were set on >= 200-word texts, so the same ops cost
more J here: measured on 2,000 sampled copies of the 100 k test (synthetic_check.py), J >= 0.8
for exact 100 %, light 40 %, medium 9 %, heavy 0 % (medians 1.0 / 0.74 / 0.58 / 0.37).
synthetic_check.py measures that, and scores a dedup run against the planted copies.

Size (measured at 100 k docs, defaults): per million documents 745 MB of text, 817 MB of JSONL,
289 MB .jsonl.zst (level 3) -> 10 M documents ~ 7.5 GB text / 2.9 GB compressed. Printed at the
end of every run, with the generation speed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import make_neardup  # noqa: E402

BLOCK = 2000
MASK = (1 << 64) - 1
NOISE = [("exact", 0.25), ("light", 0.35), ("medium", 0.25), ("heavy", 0.15)]
SENT = re.compile(r"(?<=[.!?])\s+")

POOLS: dict = {}


def splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def build_pools(seed: int) -> dict:
    passages = []
    pages = sorted(common.load_webpages(), key=lambda r: r["id"])
    texts = [p["main_content"] for p in pages if p["main_content"]] + [d["text"] for d in common.load_dclm()]
    for t in texts:
        for line in t.split("\n"):
            if len(line.split()) < 5:
                continue
            sents = [s for s in SENT.split(line.strip()) if s]
            if sents:
                passages.append(sents)
    titles = [p["text"].split("\n", 1)[0] for p in pages if p["text"]]
    titles = [t for t in titles if 3 <= len(t.split()) <= 25 and len(t) <= 150]  # real headlines, not sprite dumps
    rng = random.Random(seed ^ 0x5EED)
    words = [w for t in texts for w in t.split()]
    vocab = [rng.choice(words) for _ in range(50_000)]
    boiler = []
    for p in pages:
        for line, lab in zip(p["text"].split("\n"), p["line_labels"]):
            if lab == "boilerplate" and 15 <= len(line.strip()) <= 300:
                boiler.append(line.strip())
    return {"passages": passages, "titles": titles, "vocab": vocab, "boiler": boiler}


def original_of(seed: int, i: int, share: float) -> int | None:
    """The original document that document i copies, or None if i is an original."""
    h = splitmix64((seed << 40) ^ i)
    if i == 0 or (h & 0xFFFFFFFF) / 2**32 >= share:
        return None
    j = (h >> 32) % i
    while True:
        hj = splitmix64((seed << 40) ^ j)
        if j == 0 or (hj & 0xFFFFFFFF) / 2**32 >= share:
            return j
        j = (hj >> 32) % j


def original_text(seed: int, i: int, mean_par: float) -> str:
    P = POOLS
    rng = random.Random((seed << 32) + i)
    out = [rng.choice(P["titles"])]
    n_par = 1
    q = 1.0 / mean_par
    while rng.random() > q and n_par < 60:
        n_par += 1
    vocab = P["vocab"]
    for _ in range(n_par):
        sents = P["passages"][rng.randrange(len(P["passages"]))]
        k = rng.randrange(len(sents))
        m = rng.randint(1, 6)
        words = " ".join(sents[k : k + m]).split(" ")
        for w in range(len(words)):
            if rng.random() < 0.02:
                words[w] = rng.choice(vocab)
        out.append(" ".join(words))
    return "\n".join(out)


def make_doc(seed: int, i: int, share: float, mean_par: float) -> dict:
    j = original_of(seed, i, share)
    if j is None:
        return {"id": f"s{i:09d}", "text": original_text(seed, i, mean_par), "dup_of": None, "noise": None}
    base = original_text(seed, j, mean_par)
    rng = random.Random((seed << 32) + i)
    r, acc, level = rng.random(), 0.0, "heavy"
    for name, p in NOISE:
        acc += p
        if r < acc:
            level = name
            break
    if level == "exact":
        text = base
    else:
        text, _ = make_neardup.make_variant(base, level, rng, {"titles": POOLS["titles"], "vocab": POOLS["vocab"],
                                                                "boiler": POOLS["boiler"]})
    return {"id": f"s{i:09d}", "text": text, "dup_of": f"s{j:09d}", "noise": level}


def make_block(job) -> tuple[bytes, int, int, dict]:
    seed, start, stop, share, mean_par = job
    lines = []
    nbytes = 0
    kinds = {}
    for i in range(start, stop):
        d = make_doc(seed, i, share, mean_par)
        nbytes += len(d["text"].encode("utf-8"))
        kinds[d["noise"] or "original"] = kinds.get(d["noise"] or "original", 0) + 1
        lines.append(json.dumps(d, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return data, stop - start, nbytes, kinds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--dup-share", type=float, default=0.1)
    ap.add_argument("--mean-paragraphs", type=float, default=6.0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--zstd-level", type=int, default=3)
    args = ap.parse_args()
    t0 = time.time()
    POOLS.update(build_pools(args.seed))
    t_pools = time.time() - t0
    import zstandard

    jobs = [(args.seed, s, min(s + BLOCK, args.n), args.dup_share, args.mean_paragraphs) for s in range(0, args.n, BLOCK)]
    raw = open(args.out, "wb")
    out = zstandard.ZstdCompressor(level=args.zstd_level).stream_writer(raw, closefd=False) \
        if args.out.endswith(".zst") else raw
    docs = text_bytes = jsonl_bytes = 0
    kinds: dict = {}
    t1 = time.time()
    ctx = mp.get_context("fork")
    with ctx.Pool(args.processes) as pool:
        for data, n, nb, k in pool.imap(make_block, jobs, chunksize=1):
            out.write(data)
            docs += n
            text_bytes += nb
            jsonl_bytes += len(data)
            for key, v in k.items():
                kinds[key] = kinds.get(key, 0) + v
            if docs % 1_000_000 < BLOCK:
                common.log(f"make_synthetic: {docs} docs, {text_bytes / 1e6:.0f} MB text, {time.time() - t1:.0f} s")
    if out is not raw:
        out.close()
    raw.close()
    dt = time.time() - t1
    zst = os.path.getsize(args.out)
    per_m = 1e6 / max(docs, 1)
    res = {"docs": docs, "seed": args.seed, "dup_share": args.dup_share, "kinds": kinds,
           "text_MB": round(text_bytes / 1e6, 1), "jsonl_MB": round(jsonl_bytes / 1e6, 1), "file_MB": round(zst / 1e6, 1),
           "per_million_docs_MB": {"text": round(text_bytes / 1e6 * per_m, 0), "jsonl": round(jsonl_bytes / 1e6 * per_m, 0),
                                   "file": round(zst / 1e6 * per_m, 0)},
           "pool_build_s": round(t_pools, 1), "generate_s": round(dt, 1), "processes": args.processes,
           "MB_text_per_s": round(text_bytes / 1e6 / dt, 2), "MB_jsonl_per_s": round(jsonl_bytes / 1e6 / dt, 2),
           "docs_per_s": round(docs / dt)}
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
