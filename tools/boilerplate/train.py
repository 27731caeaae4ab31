#!/usr/bin/env python3
"""Train the `boilerplate` stage's line model and write it into the crate.

Data: ../shared/data/webpages-dev.jsonl.zst (1,497 real pages, WCXB dev split, CC-BY-4.0), whose
`line_labels` say for each line content / boilerplate / neutral. Neutral lines are not trained on.
Only the *tune* split is used for training and for choosing the threshold; the *held-out* split
(`split_of` in bench/boilerplate_score.py: sha1(id) % 5 == 0, 291 pages) is never seen here.

Features come from the Rust code itself (the `boilerplate_features` example), so training and the
stage cannot disagree on what a feature means. Two LightGBM ensembles:
  1. lines' own and neighbourhood evidence → content probability;
  2. the same plus window means of model 1's probabilities around the line (learned smoothing).
Model 1's probabilities for model 2's training rows are out-of-fold (5 folds by page), so model 2
learns from the scores model 1 gives on pages it has not seen, as at run time.

The threshold is the highest one whose out-of-fold content recall on tune-split articles is still
>= --target-recall (default 0.97).

Usage (from the repository root, in a venv with lightgbm and numpy):
  python3 tools/boilerplate/train.py [--data PATH] [--out crates/millstone-filters/src/boilerplate/model.json]
Needs `zstd` and cargo. Deterministic: fixed seeds, LightGBM `deterministic=True`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import lightgbm as lgb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from boilerplate_score import split_of  # noqa: E402

# Trees are exported as complete binary trees of this depth (model.rs walks them branch-free).
DEPTH = 4
PARAMS = dict(
    objective="binary",
    n_estimators=int(os.environ.get("BP_TREES", 50)),
    num_leaves=int(os.environ.get("BP_LEAVES", 15)),
    max_depth=DEPTH,
    learning_rate=float(os.environ.get("BP_RATE", 0.15)),
    min_child_samples=50,
    subsample=0.8,
    subsample_freq=1,
    colsample_bytree=0.8,
    random_state=1,
    deterministic=True,
    force_row_wise=True,
    n_jobs=2,
    verbose=-1,
)
SCORE_WINDOWS = [1, 2, 4, 8, 16]  # must match features.rs
FOLDS = 5


def load(data, workdir):
    plain = os.path.join(workdir, "pages.jsonl")
    with open(plain, "wb") as f:
        subprocess.run(["zstd", "-dc", data], stdout=f, check=True)
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "millstone-filters", "--example", "boilerplate_features"],
        cwd=ROOT, check=True)
    prefix = os.path.join(workdir, "features")
    subprocess.run([os.path.join(ROOT, "target", "release", "examples", "boilerplate_features"), plain, prefix],
                   check=True)
    with open(prefix + ".index.jsonl") as f:
        header = json.loads(f.readline())
        index = [json.loads(l) for l in f]
    names = header["features"]
    X = np.fromfile(prefix + ".f64", dtype="<f8").reshape(-1, len(names))
    pages = {}
    with open(plain, encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if raw:
                d = json.loads(raw)
                pages[d["id"]] = d
    return names, X, index, pages


def label_rows(index, pages):
    """Per feature row: its page's (start, end) row range, label (1 content, 0 boilerplate, -1
    neutral), whether the page is in the tune split, page number, whether it is an article."""
    bounds, y, tune_row, page_no, article = [], [], [], [], []
    at = 0
    for pno, entry in enumerate(index):
        page = pages[entry["id"]]
        labels = page["line_labels"]
        n = len(entry["lines"])
        bounds.append((at, at + n))
        at += n
        sp = split_of(entry["id"])
        for li in entry["lines"]:
            y.append({"content": 1, "boilerplate": 0}.get(labels[li], -1))
            tune_row.append(sp == "tune")
            page_no.append(pno)
            article.append(page["page_type"] == "article")
    return (bounds, *map(np.array, (y, tune_row, page_no, article)))


def context(p, bounds):
    """Window means of p over ±k lines within each page, as features.rs computes them."""
    out = np.zeros((len(p), len(SCORE_WINDOWS) + 1))
    for s, e in bounds:
        q = p[s:e]
        n = e - s
        cs = np.concatenate([[0.0], np.cumsum(q)])
        j = np.arange(n)
        for w, k in enumerate(SCORE_WINDOWS):
            lo = np.maximum(j - k, 0)
            hi = np.minimum(j + k + 1, n)
            out[s:e, w] = (cs[hi] - cs[lo]) / (hi - lo)
        out[s:e, len(SCORE_WINDOWS)] = q
    return out


def export(booster):
    """Each tree as a complete binary tree of depth DEPTH in heap order (children of node i are
    2i+1 and 2i+2): 2^DEPTH - 1 split nodes, 2^DEPTH leaves. A LightGBM leaf above the last level
    becomes splits that always go left (threshold +inf, i.e. `x <= inf`) with its value copied
    into every leaf below it."""
    n_nodes = 2 ** DEPTH - 1
    trees = []
    for info in booster.dump_model()["tree_info"]:
        feats = [0] * n_nodes
        thresholds = [float("inf")] * n_nodes
        leaves = [0.0] * (n_nodes + 1)

        def fill(t, i, depth):
            if "split_feature" not in t:
                # A leaf at heap position i: every leaf under i gets its value.
                lo, hi = i, i
                for _ in range(DEPTH - depth):
                    lo, hi = 2 * lo + 1, 2 * hi + 2
                for j in range(lo, hi + 1):
                    leaves[j - n_nodes] = t["leaf_value"]
                return
            assert depth < DEPTH, "tree deeper than DEPTH"
            assert t["decision_type"] == "<=", t["decision_type"]
            assert t.get("missing_type", "None") in ("None", "NaN"), t.get("missing_type")
            feats[i] = t["split_feature"]
            thresholds[i] = t["threshold"]
            fill(t["left_child"], 2 * i + 1, depth + 1)
            fill(t["right_child"], 2 * i + 2, depth + 1)

        fill(info["tree_structure"], 0, 0)
        # JSON has no infinity: an always-left split is written as null.
        trees.append({"features": feats,
                      "thresholds": [None if v == float("inf") else v for v in thresholds],
                      "leaves": leaves})
    return {"depth": DEPTH, "trees": trees}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "webpages-dev.jsonl.zst"))
    ap.add_argument("--out", default=os.path.join(ROOT, "crates", "millstone-filters", "src", "boilerplate", "model.json"))
    ap.add_argument("--target-recall", type=float, default=0.97)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        names, X, index, pages = load(args.data, tmp)

    bounds, y, tune_row, page_no, article = label_rows(index, pages)
    labelled = y >= 0
    train = labelled & tune_row
    fold = page_no % FOLDS
    print(f"{len(index)} pages, {len(y)} lines, {train.sum()} training lines "
          f"({(y[train] == 1).sum()} content)", file=sys.stderr)

    def fit(rows, feats):
        return lgb.LGBMClassifier(**PARAMS).fit(feats[rows], y[rows]).booster_

    # Model 1, with out-of-fold scores on the tune split.
    p1 = np.zeros(len(y))
    for f in range(FOLDS):
        b = fit(train & (fold != f), X)
        rows = tune_row & (fold == f)
        p1[rows] = b.predict(X[rows])
    first = fit(train, X)
    p1[~tune_row] = first.predict(X[~tune_row])
    X2 = np.hstack([X, context(p1, bounds)])

    # Model 2; its own out-of-fold scores on tune choose the threshold.
    p2 = np.zeros(len(y))
    for f in range(FOLDS):
        b = fit(train & (fold != f), X2)
        rows = tune_row & (fold == f)
        p2[rows] = b.predict(X2[rows])
    second = fit(train, X2)

    sel = train & article
    threshold = 0.5
    for t in np.arange(0.95, 0.01, -0.01):
        kept = p2[sel] >= t
        recall = (kept & (y[sel] == 1)).sum() / (y[sel] == 1).sum()
        if recall >= args.target_recall:
            threshold = round(float(t), 2)
            break
    kept = p2[sel] >= threshold
    removed_bp = (~kept & (y[sel] == 0)).sum() / (y[sel] == 0).sum()
    print(f"threshold {threshold}: tune articles (out-of-fold) content recall "
          f"{(kept & (y[sel] == 1)).sum() / (y[sel] == 1).sum():.3f}, boilerplate removed {removed_bp:.3f}",
          file=sys.stderr)

    # For information only (the threshold is already fixed): the held-out split.
    p2[~tune_row] = second.predict(X2[~tune_row])
    for name, rows in (("held-out all pages", labelled & ~tune_row), ("held-out articles", labelled & ~tune_row & article)):
        kept = p2[rows] >= threshold
        yy = y[rows]
        tp = (kept & (yy == 1)).sum()
        print(f"{name}: precision {tp / max(kept.sum(), 1):.3f} recall {tp / (yy == 1).sum():.3f} "
              f"boilerplate removed {(~kept & (yy == 0)).sum() / (yy == 0).sum():.3f}", file=sys.stderr)

    model = {
        "format": "millstone-boilerplate-gbdt-2",
        "trained_on": "webpages-dev tune split (sha1(id) % 5 != 0), lightgbm " + lgb.__version__,
        "features": names,
        "context_features": [f"score_window{k}" for k in SCORE_WINDOWS] + ["score"],
        "threshold": threshold,
        "stage1": export(first),
        "stage2": export(second),
    }
    with open(args.out, "w") as f:
        json.dump(model, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out) // 1024} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
