#!/usr/bin/env python3
"""Check a make_synthetic.py corpus: exact J of its planted copies, and (optionally) a dedup run on it.

usage: /work/venv-dt/bin/python bench/dedup/synthetic_check.py CORPUS.jsonl.zst [--clusters RUN/clusters.jsonl]
           [--sample 2000] [--seed 0]

Reads the corpus once (keeps only ids, dup_of, noise, and the texts of the sampled pairs).
- J of SAMPLE random planted copies to their original, per noise level (exact Jaccard of the
  5-gram shingle sets, as make_neardup.py): share with J >= 0.8, p10 / p50 / p90.
- With --clusters: per noise level, the share of ALL copies that the run put in their original's
  cluster; the cluster-size histogram; for the 5 largest clusters, how many members are planted
  copies of the representative's original and the exact J of each member to the representative.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def jaccard(a: str, b: str) -> float:
    A, B = common.shingle_set(a), common.shingle_set(b)
    i = len(np.intersect1d(A, B, assume_unique=True))
    u = len(A) + len(B) - i
    return i / u if u else 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--clusters", default=None)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    meta = {}
    for d in common.read_jsonl(args.corpus):
        meta[d["id"]] = (d["dup_of"], d["noise"])
    copies = [i for i, (o, _) in meta.items() if o]
    rng = random.Random(args.seed)
    sample = rng.sample(copies, min(args.sample, len(copies)))
    pred, big = {}, []
    if args.clusters:
        sizes = Counter()
        rows = []
        with open(args.clusters) as f:
            for line in f:
                if line.strip():
                    c = json.loads(line)
                    rows.append(c)
                    sizes[len(c["members"])] += 1
                    for m in c["members"]:
                        pred[m] = c["cluster"]
        rows.sort(key=lambda c: -len(c["members"]))
        big = rows[:5]
    need = set(sample) | {meta[i][0] for i in sample}
    for c in big:
        need |= set(c["members"])
    texts = {d["id"]: d["text"] for d in common.read_jsonl(args.corpus) if d["id"] in need}

    print(f"{args.corpus}: {len(meta)} documents, {len(copies)} planted copies "
          f"({dict(Counter(n for _, n in meta.values() if n))})")
    js: dict[str, list[float]] = {}
    for i in sample:
        js.setdefault(meta[i][1], []).append(jaccard(texts[i], texts[meta[i][0]]))
    print(f"exact J of {len(sample)} sampled copies to their original:")
    for lv in ("exact", "light", "medium", "heavy"):
        if lv in js:
            a = np.array(js[lv])
            q = np.quantile(a, [0.1, 0.5, 0.9])
            print(f"  {lv:7} n={len(a):5d}  J>=0.8 {100 * (a >= 0.8).mean():5.1f} %  p10 {q[0]:.3f}  p50 {q[1]:.3f}  p90 {q[2]:.3f}")
    if args.clusters:
        hit, tot = Counter(), Counter()
        for i, (o, n) in meta.items():
            if o:
                tot[n] += 1
                hit[n] += i in pred and pred.get(o) == pred[i]
        print(f"{args.clusters}: {sum(sizes.values())} clusters, sizes {dict(sorted(sizes.items()))}")
        print("  copies put in their original's cluster: " +
              ", ".join(f"{n} {hit[n]}/{tot[n]} ({hit[n] / tot[n]:.3f})" for n in ("exact", "light", "medium", "heavy") if tot[n]))
        for c in big:
            rep = c.get("representative") or c["members"][0]
            root = meta[rep][0] or rep
            planted = sum(1 for m in c["members"] if m == root or meta[m][0] == root)
            jr = sorted(round(jaccard(texts[rep], texts[m]), 2) for m in c["members"] if m != rep)
            print(f"  size {len(c['members'])}: {planted} are {root} or its planted copies; J to rep {jr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
