#!/usr/bin/env python3
"""Time MinHash signatures of rensa and datasketch on pre-shingled text (signature part only).

usage: RAYON_NUM_THREADS=1 /work/venv-peers/bin/python bench/dedup/peers_sig.py TOKENS_DIR [--perm 112]

TOKENS_DIR is what peers_shingle.py wrote: tokens-*.jsonl (one JSON list of datatrove/spaCy tokens
of simplify_text(text) per document) and shingle-times.json (the text bytes they came from).
Per document the word 5-grams are joined into shingle strings (timed as `join`; utf-8 encoding
for datasketch timed as `encode`), then, each timed alone with time.process_time() (this
process's CPU; RAYON_NUM_THREADS=1 keeps rensa on one thread):
  rensa RMinHash   RMinHash(num_perm, seed=1); .update(shingle strings); .digest()
  rensa CMinHash   CMinHash(num_perm, seed=1); .update(shingle strings); .digest()
  datasketch       MinHash(num_perm, seed=1) (default sha1 32-bit hash); .update_batch(bytes); .digest()
Each library hashes the shingle strings itself, so its time includes that hashing.
MB/s per core = original text bytes / CPU seconds. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tokens")
    ap.add_argument("--perm", type=int, default=112)
    args = ap.parse_args()
    import datasketch
    import rensa

    meta = json.load(open(os.path.join(args.tokens, "shingle-times.json")))
    cpu = {"join": 0.0, "encode": 0.0, "rensa_RMinHash": 0.0, "rensa_CMinHash": 0.0, "datasketch": 0.0}
    wall = dict.fromkeys(cpu, 0.0)
    pt, wt = time.process_time, time.perf_counter
    docs = shingles = 0
    for path in sorted(glob.glob(os.path.join(args.tokens, "tokens-*.jsonl"))):
        with open(path, "rb") as f:
            for line in f:
                toks = json.loads(line)
                docs += 1
                if len(toks) < 5:
                    continue
                a, aw = pt(), wt()
                grams = [" ".join(toks[i : i + 5]) for i in range(len(toks) - 4)]
                b, bw = pt(), wt()
                enc = [g.encode("utf-8") for g in grams]
                c, cw = pt(), wt()
                m = rensa.RMinHash(num_perm=args.perm, seed=1)
                m.update(grams)
                m.digest()
                d, dw = pt(), wt()
                m = rensa.CMinHash(num_perm=args.perm, seed=1)
                m.update(grams)
                m.digest()
                e, ew = pt(), wt()
                m = datasketch.MinHash(num_perm=args.perm, seed=1)
                m.update_batch(enc)
                m.digest()
                g, gw = pt(), wt()
                for k, (x, y, xw, yw) in {"join": (a, b, aw, bw), "encode": (b, c, bw, cw),
                                          "rensa_RMinHash": (c, d, cw, dw), "rensa_CMinHash": (d, e, dw, ew),
                                          "datasketch": (e, g, ew, gw)}.items():
                    cpu[k] += y - x
                    wall[k] += yw - xw
                shingles += len(grams)
    mb = meta["bytes"] / 1e6
    out = {"text_MB": round(mb, 2), "docs": docs, "shingles": shingles, "num_perm": args.perm,
           "rensa": rensa.__version__ if hasattr(rensa, "__version__") else "0.5.0",
           "datasketch": datasketch.__version__,
           "cpu_s": {k: round(v, 2) for k, v in cpu.items()}, "wall_s": {k: round(v, 2) for k, v in wall.items()},
           "MB_per_s_per_core": {k: round(mb / v, 2) for k, v in cpu.items() if v > 0},
           "RAYON_NUM_THREADS": os.environ.get("RAYON_NUM_THREADS")}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
