#!/usr/bin/env python3
"""Is the boilerplate model short of capacity or of evidence? Train variants the way train.py does
and score held-out articles with the model alone (no rules, no counts).

Variants (`--variant`, repeatable; default: shipped big):
  shipped   train.py's parameters (50 trees of depth 4 per stage)
  big       400 trees, 63 leaves, no depth limit, learning rate 0.05 (8x the trees)
  lexical   shipped parameters plus one more feature: a bag-of-words line model (hashed word
            uni- and bigrams, logistic regression), out-of-fold on the tune split like model 1

Each: model 1 out-of-fold on tune → window means → model 2, threshold = the highest with
out-of-fold tune-article recall ≥ 0.97 (as train.py), then held-out articles at that threshold,
the best F1 over thresholds chosen on held-out itself (optimistic), and the most boilerplate
removed at held-out recall ≥ 0.97. Nothing is written into the crate.

Usage (repository root, the venv of train.py plus scikit-learn for `lexical`):
  python3 tools/boilerplate/capacity_check.py [--variant big] [--variant lexical]
Takes a few minutes on 2 cores (`big` most of it).
"""
import argparse
import os
import sys
import tempfile

import lightgbm as lgb
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

VARIANTS = {
    "shipped": dict(T.PARAMS),
    "big": dict(T.PARAMS, n_estimators=400, num_leaves=63, max_depth=-1, learning_rate=0.05),
    "lexical": dict(T.PARAMS),
}


def lexical_scores(texts, y, tune_row, fold):
    """Out-of-fold (tune) / tune-trained (held-out) scores of a bag-of-words line model."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression

    hv = HashingVectorizer(n_features=2**18, ngram_range=(1, 2), binary=True, alternate_sign=False,
                           norm="l2", lowercase=True)
    H = hv.transform(texts)
    train = (y >= 0) & tune_row
    out = np.zeros(len(y))
    for f in range(T.FOLDS):
        fit_rows = train & (fold != f)
        rows = tune_row & (fold == f)
        out[rows] = LogisticRegression(max_iter=300).fit(H[fit_rows], y[fit_rows]).decision_function(H[rows])
    out[~tune_row] = LogisticRegression(max_iter=300).fit(H[train], y[train]).decision_function(H[~tune_row])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(T.ROOT, "..", "shared", "data", "webpages-dev.jsonl.zst"))
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    args = ap.parse_args()
    variants = args.variant or ["shipped", "big"]

    with tempfile.TemporaryDirectory() as tmp:
        _, X0, index, pages = T.load(args.data, tmp)
    bounds, y, tune_row, page_no, article = T.label_rows(index, pages)
    texts = []
    for entry in index:
        lines = pages[entry["id"]]["text"].split("\n")
        texts.extend(lines[li] for li in entry["lines"])
    train = (y >= 0) & tune_row
    fold = page_no % T.FOLDS
    held = (y >= 0) & ~tune_row & article

    for name in variants:
        X = X0
        if name == "lexical":
            X = np.hstack([X0, lexical_scores(texts, y, tune_row, fold)[:, None]])
        params = VARIANTS[name]

        def fit(rows, feats):
            return lgb.LGBMClassifier(**params).fit(feats[rows], y[rows]).booster_

        p1 = np.zeros(len(y))
        for f in range(T.FOLDS):
            rows = tune_row & (fold == f)
            p1[rows] = fit(train & (fold != f), X).predict(X[rows])
        p1[~tune_row] = fit(train, X).predict(X[~tune_row])
        X2 = np.hstack([X, T.context(p1, bounds)])
        p2 = np.zeros(len(y))
        for f in range(T.FOLDS):
            rows = tune_row & (fold == f)
            p2[rows] = fit(train & (fold != f), X2).predict(X2[rows])
        p2[~tune_row] = fit(train, X2).predict(X2[~tune_row])

        sel = train & article
        threshold = next(round(float(t), 2) for t in np.arange(0.95, 0.01, -0.01)
                         if ((p2[sel] >= t) & (y[sel] == 1)).sum() / (y[sel] == 1).sum() >= 0.97)

        def score(t):
            kept = p2[held] >= t
            yy = y[held]
            tp = (kept & (yy == 1)).sum()
            p = tp / max(kept.sum(), 1)
            r = tp / (yy == 1).sum()
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            return p, r, f1, (~kept & (yy == 0)).sum() / (yy == 0).sum()

        grid = np.arange(0.01, 0.99, 0.01)
        print(f"{name}: threshold {threshold} (tune, out-of-fold): held-out articles "
              "P %.3f R %.3f F1 %.3f removed %.3f" % score(threshold))
        best = max(grid, key=lambda t: score(t)[2])
        print(f"{name}: best F1 over held-out thresholds (optimistic) at {best:.2f}: "
              "P %.3f R %.3f F1 %.3f removed %.3f" % score(best))
        at_recall = [score(t) for t in grid if score(t)[1] >= 0.97]
        top = max(at_recall, key=lambda v: v[3])
        print(f"{name}: most boilerplate removed at held-out recall >= 0.97: {top[3]:.3f} "
              f"(P {top[0]:.3f} F1 {top[2]:.3f})", flush=True)


if __name__ == "__main__":
    main()
