#!/usr/bin/env python3
"""The best pair precision / recall ANY clustering can reach on the labelled near-duplicate set.

usage: python3 bench/dedup/partition_bound.py [--set DIR] [--level L ...] [--json OUT.json]

  DIR  the set written by make_neardup.py (default /work/bench-data/neardup)
  L    levels to bound (default: exact light medium heavy all)

`score_neardup.py` scores a clustering on a level's labelled pairs: a pair is predicted a
duplicate when both documents are in one cluster; positives are the pairs with exact J >= 0.8.
A clustering is a partition, so it cannot hold A~B and B~C together while keeping A, C apart: where
the noise leaves pairs of one story on both sides of 0.8, every partition pays in precision or in
recall. This script finds, per level, the exact trade-off curve of the best partitions -- chosen
with the exact Jaccard labels in hand, separately for each level -- so no real clustering
(estimated similarities, one partition for all levels) can do better than it.

How. Labelled pairs that join two different bases are cross-base pairs; the only positive among them
is one pair of real distractors (assumed found: the bound takes the best case) and their negatives
are assumed never clustered (best case again). Within a base, the original and its two `exact`
copies have identical shingle sets (checked), so they are one node of weight 3 -- an optimal
partition never separates identical documents (they gain and lose the same). Variants whose pairs
are all negative (every `extreme` one) stay alone in an optimal partition and are dropped. What is
left is at most 7 nodes per base: every partition of them is enumerated (Bell(7) = 877) and its
(true positive, false positive) pair counts recorded. A multiple-choice knapsack over the bases
then gives, for every total number of false positives F, the largest total of true positives --
the exact frontier. Printed: the largest recall at precision >= 0.99, the largest precision at
recall >= 0.95, and a few points of the curve.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CORE = ("orig", "exact.1", "exact.2")


def partitions(nodes: list[str]):
    """Every partition of `nodes` (as lists of blocks)."""
    if not nodes:
        yield []
        return
    head, rest = nodes[0], nodes[1:]
    for p in partitions(rest):
        yield [[head]] + p
        for i in range(len(p)):
            yield p[:i] + [[head] + p[i]] + p[i + 1 :]


def base_of(doc: str) -> str | None:
    """`b0231.light.1` -> `b0231`; distractors (`x…`) have no base."""
    return doc.split(".", 1)[0] if doc.startswith("b") and "." in doc else None


def node_of(doc: str) -> str:
    base, rest = doc.split(".", 1)
    return f"{base}.core" if rest in CORE else doc


def frontier(rows: list[dict]) -> dict:
    positives = sum(r["duplicate"] for r in rows)
    fixed_tp = 0  # pairs every optimal partition gets right for free
    # per base: {(node, node): [positives, negatives]}
    pairs: dict[str, dict[frozenset, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in rows:
        a, b = r["a"], r["b"]
        ba, bb = base_of(a), base_of(b)
        if ba is None or ba != bb:
            fixed_tp += r["duplicate"]  # cross-base: best case, positives found, negatives apart
            continue
        na, nb = node_of(a), node_of(b)
        if na == nb:
            if not (r["duplicate"] and r["jaccard"] == 1.0):
                raise SystemExit(f"partition_bound: {a} and {b} were assumed identical (J {r['jaccard']})")
            fixed_tp += 1
            continue
        pairs[ba][frozenset((na, nb))][0 if r["duplicate"] else 1] += 1

    options = []  # per base: {fp: best tp}
    for per_pair in pairs.values():
        # A node none of whose pairs is positive is best left alone (joining only adds negatives).
        useful = sorted({n for k, (pos, _) in per_pair.items() if pos for n in k})
        best: dict[int, int] = {}
        for p in partitions(useful):
            tp = fp = 0
            for block in p:
                for i in range(len(block)):
                    for j in range(i + 1, len(block)):
                        pos, neg = per_pair.get(frozenset((block[i], block[j])), (0, 0))
                        tp += pos
                        fp += neg
            if best.get(fp, -1) < tp:
                best[fp] = tp
        options.append(best)

    # Multiple-choice knapsack: most[f] = largest true-positive total with exactly f false positives.
    most = {0: fixed_tp}
    for best in options:
        nxt: dict[int, int] = {}
        for f, tp in most.items():
            for bf, btp in best.items():
                k = f + bf
                if nxt.get(k, -1) < tp + btp:
                    nxt[k] = tp + btp
        most = nxt
    curve = []
    top = -1
    for f in sorted(most):
        if most[f] > top:  # keep only points not dominated by fewer false positives
            top = most[f]
            curve.append((f, most[f]))
    points = [
        {"fp": f, "tp": tp, "precision": tp / (tp + f) if tp + f else 1.0, "recall": tp / positives if positives else 1.0}
        for f, tp in curve
    ]
    at_p = [p["recall"] for p in points if p["precision"] >= 0.99]
    at_r = [p["precision"] for p in points if p["recall"] >= 0.95]
    return {
        "positives": positives,
        "bases": len(options),
        "max_recall_at_p99": max(at_p) if at_p else None,
        "max_precision_at_r95": max(at_r) if at_r else None,
        "curve": points,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="/work/bench-data/neardup")
    ap.add_argument("--level", action="append")
    ap.add_argument("--json")
    args = ap.parse_args()
    levels = args.level or ["exact", "light", "medium", "heavy", "all"]
    out = {}
    for level in levels:
        path = os.path.join(args.set, f"pairs-{level}.jsonl")
        if not os.path.exists(path):
            sys.exit(f"partition_bound: {path} missing (make it with make_neardup.py)")
        res = frontier(list(common.read_jsonl(path)))
        out[level] = res
        fmt = lambda v: "none" if v is None else f"{v:.4f}"  # noqa: E731
        print(
            f"{level:>7}: {res['positives']:>5} positive pairs, {res['bases']} bases | "
            f"best recall at P >= 0.99: {fmt(res['max_recall_at_p99'])} | "
            f"best precision at R >= 0.95: {fmt(res['max_precision_at_r95'])}"
        )
        pts = res["curve"]
        middle = [p for p in pts[1:-1] if p["recall"] >= 0.9 or p["precision"] >= 0.98]
        shown = [pts[0]] + middle[:: max(1, len(pts) // 12)] + pts[1:][-1:]
        for p in shown:
            print(f"         FP {p['fp']:>4}  TP {p['tp']:>5}  P {p['precision']:.4f}  R {p['recall']:.4f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
