#!/usr/bin/env python3
"""An independent scorer of a dedup run's clusters (a cross-check of `millstone evaluate`).

usage: python3 bench/dedup/dedup_eval.py --labels LABELS.jsonl CLUSTERS.jsonl [--json]

CLUSTERS.jsonl: one line per predicted cluster of >= 2 documents, `{"cluster", "members": [ids]}`
(millstone's clusters.jsonl; extra fields ignored). A document in no cluster is a singleton.
LABELS.jsonl, one kind per file (the kind is taken from the first line):
  {"a", "b", "duplicate": bool}   pair labels: predicted duplicate = a and b in the same cluster;
                                  precision / recall / F1 over the labelled pairs
  {"id", "cluster"}               cluster labels: universe = the labelled ids; pair precision /
                                  recall / F1 over all pairs of the universe, and the adjusted
                                  Rand index (Hubert & Arabie) of predicted vs true partition
  {"members": [ids]}              same as cluster labels; ids only in the clusters file are ignored
Predicted clusters are restricted to the labelled ids before scoring (a cluster that spans
levels is judged on its members in the label file).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter


def load_predicted(path: str) -> dict[str, int]:
    """id -> predicted cluster number (only documents in clusters of >= 2)."""
    of = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            c = json.loads(line)
            key = c.get("cluster", n)
            for m in c["members"]:
                of[str(m)] = key
    return of


def load_labels(path: str):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    if not rows:
        raise SystemExit(f"dedup_eval: no labels in {path}")
    first = rows[0]
    if "a" in first and "b" in first:
        return "pairs", rows
    if "members" in first:
        truth = {}
        for k, r in enumerate(rows):
            for m in r["members"]:
                truth[str(m)] = k
        return "clusters", truth
    return "clusters", {str(r["id"]): r["cluster"] for r in rows}


def prf(tp: int, fp: int, fn: int) -> dict:
    # undefined (None) when nothing was predicted / there is nothing to find
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = (2 * p * r / (p + r) if p + r else 0.0) if p is not None and r is not None else None
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def c2(n: int) -> int:
    return n * (n - 1) // 2


def score_pairs(pred: dict[str, int], rows: list[dict]) -> dict:
    tp = fp = fn = tn = 0
    for r in rows:
        a, b = str(r["a"]), str(r["b"])
        same = a in pred and b in pred and pred[a] == pred[b]
        if r["duplicate"]:
            tp += same
            fn += not same
        else:
            fp += same
            tn += not same
    out = prf(tp, fp, fn)
    out.update({"tn": tn, "pairs": len(rows), "positives": tp + fn})
    return out


def score_clusters(pred: dict[str, int], truth: dict) -> dict:
    """Pair P/R/F1 over all pairs of the labelled universe + adjusted Rand index."""
    ids = list(truth)
    # predicted label restricted to the universe; singletons get a unique label
    p_lab = {i: ("c", pred[i]) if i in pred else ("s", i) for i in ids}
    t_lab = {i: truth[i] for i in ids}
    cont = Counter((p_lab[i], t_lab[i]) for i in ids)
    a = Counter(p_lab[i] for i in ids)
    b = Counter(t_lab[i] for i in ids)
    n = len(ids)
    s_ij = sum(c2(v) for v in cont.values())
    s_a = sum(c2(v) for v in a.values())
    s_b = sum(c2(v) for v in b.values())
    total = c2(n)
    expected = s_a * s_b / total if total else 0.0
    maximum = (s_a + s_b) / 2
    ari = (s_ij - expected) / (maximum - expected) if maximum != expected else 1.0
    out = prf(s_ij, s_a - s_ij, s_b - s_ij)
    out.update({"ari": ari, "docs": n, "true_pairs": s_b, "predicted_pairs": s_a})
    return out


def evaluate(labels_path: str, clusters_path: str) -> dict:
    pred = load_predicted(clusters_path)
    kind, data = load_labels(labels_path)
    res = score_pairs(pred, data) if kind == "pairs" else score_clusters(pred, data)
    res["labels"] = kind
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", required=True)
    ap.add_argument("clusters")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = evaluate(args.labels, args.clusters)
    if args.json:
        print(json.dumps(res))
    else:
        def f(x):
            return "-" if x is None else f"{x:.4f}"

        line = f"precision {f(res['precision'])}  recall {f(res['recall'])}  F1 {f(res['f1'])}"
        if "ari" in res:
            line += f"  ARI {f(res['ari'])}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
