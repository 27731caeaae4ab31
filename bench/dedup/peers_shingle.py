#!/usr/bin/env python3
"""Pre-shingle the peer corpus the datatrove way, timing each part; also time datatrove's signature.

usage: /work/venv-dt/bin/python bench/dedup/peers_shingle.py CORPUS_DIR OUT_DIR [--processes 2] [--limit-mb X]

One worker process per part-*.jsonl file of CORPUS_DIR (at most --processes at a time). Per
document, each step timed with time.process_time() (CPU of that process only):
  simplify   datatrove simplify_text(text) (TextNormConfig defaults)
  tokenize   datatrove's English word tokenizer (spaCy blank "en") on the simplified text
  join       the word 5-grams joined with spaces (the shingle strings)
  xxh64      xxh64 of each shingle (utf-8), as a uint64 numpy array
  dt_sig     datatrove MinhashDedupSignature.get_signature() on those hashes (numpy, 112 = 14x8
             hashes, default MinhashConfig): datatrove's signature part alone
Writes OUT_DIR/tokens-NNNNN.jsonl (one JSON list of tokens per document; documents with < 5
tokens get []) for peers_sig.py, and prints one JSON line: text bytes, docs, shingles, CPU
seconds per step, summed over the workers. --limit-mb stops each file after X MB of text.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def work(job):
    path, out, limit = job
    import numpy as np
    import xxhash
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    from datatrove.utils.text import simplify_text

    tok = common._tokenizer()
    sig = MinhashDedupSignature(output_folder=os.path.join(out, "_unused"), config=MinhashConfig(), language="en")
    t = {"simplify": 0.0, "tokenize": 0.0, "join": 0.0, "xxh64": 0.0, "dt_sig": 0.0}
    nbytes = docs = shingles = 0
    pt = time.process_time
    with open(out_path(out, path), "w") as fo:
        for d in common.read_jsonl(path):
            text = d["text"]
            nbytes += len(text.encode("utf-8"))
            docs += 1
            a = pt()
            s = simplify_text(text)
            b = pt()
            toks = tok.word_tokenize(s)
            c = pt()
            grams = [" ".join(toks[i : i + 5]) for i in range(len(toks) - 4)]
            e = pt()
            h = np.fromiter((xxhash.xxh64_intdigest(g.encode("utf-8")) for g in grams), dtype=np.uint64,
                            count=len(grams)).reshape((-1, 1))
            f = pt()
            if len(grams):
                sig.get_signature(h)
            g = pt()
            t["simplify"] += b - a
            t["tokenize"] += c - b
            t["join"] += e - c
            t["xxh64"] += f - e
            t["dt_sig"] += g - f
            shingles += len(grams)
            fo.write(json.dumps(toks if len(grams) else [], ensure_ascii=False) + "\n")
            if limit and nbytes >= limit * 1e6:
                break
    return {"bytes": nbytes, "docs": docs, "shingles": shingles, "cpu": t}


def out_path(out, path):
    n = os.path.basename(path).replace("part-", "tokens-")
    return os.path.join(out, n)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--limit-mb", type=float, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    parts = sorted(glob.glob(os.path.join(args.corpus, "part-*.jsonl")))
    t0 = time.time()
    with mp.get_context("fork").Pool(args.processes) as pool:
        res = pool.map(work, [(p, args.out, args.limit_mb) for p in parts], chunksize=1)
    tot = {"bytes": 0, "docs": 0, "shingles": 0, "cpu": {}}
    for r in res:
        for k in ("bytes", "docs", "shingles"):
            tot[k] += r[k]
        for k, v in r["cpu"].items():
            tot["cpu"][k] = round(tot["cpu"].get(k, 0.0) + v, 2)
    tot["wall_s"] = round(time.time() - t0, 1)
    tot["processes"] = args.processes
    with open(os.path.join(args.out, "shingle-times.json"), "w") as f:
        json.dump(tot, f)
    print(json.dumps(tot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
