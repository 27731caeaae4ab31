#!/usr/bin/env python3
"""Train the `html_extract` block classifier and write it into crates/millstone-html/src/model.json.

Data: ../shared/data/wcxb-dev (1,497 pages with WCXB ground truth, CC-BY-4.0). Only the *tune*
split is trained on and used to choose thresholds; the *held-out* split (sha1("dev-" + id) % 5 == 0,
the rule of bench/boilerplate_score.py) is only scored, at the end, for the log.

Blocks and their features come from the Rust code itself (the `block_features` example), so the
model and the extractor cannot disagree on what a feature means. A block's label: the share of its
word bigrams (one word: the word) not yet claimed by an earlier positive block in the page's
ground-truth main content is >= 0.5 (a positive block claims them, so repeated text counts once).
Blocks are weighted by their words over the square root of the page's words, so long pages do not
drown short ones (WCXB averages F1 per page).

Two LightGBM ensembles, as in crates/millstone-html/src/model.rs:
  1. block features -> content probability;
  2. block features + summaries of model 1's probabilities around the block (`context` below,
     the same computation as model.rs's `context`), model 1's being out-of-fold (5 folds by page).
Thresholds maximise the mean per-page F-beta on tune (out-of-fold): beta 1 (balanced),
0.5 (precision), 2 (recall).

usage (repository root, in a venv with lightgbm and numpy):
  cargo run --release -p millstone-html --example block_features -- ../shared/data/wcxb-dev/html /tmp/feats.jsonl
  python3 tools/html_extract/train.py /tmp/feats.jsonl [--out crates/millstone-html/src/model.json]
Deterministic: fixed seeds, LightGBM `deterministic=True`.
"""
import argparse
import hashlib
import json
import math
import os
import pickle
import re
from collections import Counter

import lightgbm as lgb
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "wcxb-dev")
TOKEN = re.compile(r"\w+")
PARAMS = dict(
    objective="binary",
    n_estimators=int(os.environ.get("HX_TREES", 150)),
    num_leaves=int(os.environ.get("HX_LEAVES", 31)),
    learning_rate=float(os.environ.get("HX_RATE", 0.08)),
    min_child_samples=40,
    subsample=0.8,
    subsample_freq=1,
    colsample_bytree=0.7,
    reg_lambda=1.0,
    random_state=1,
    deterministic=True,
    force_row_wise=True,
    verbose=-1,
    num_threads=1,
)


def split_of(doc_id):
    """"heldout" for one page in five (sha1 of "dev-" + id), "tune" for the rest."""
    return "heldout" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 5 == 0 else "tune"


def truth(page_id):
    rec = json.load(open(os.path.join(DATA, "ground-truth", page_id + ".json"), encoding="utf-8"))
    gt = rec.get("ground_truth")
    pt = (rec.get("_internal") or {}).get("page_type", {})
    pt = pt.get("primary", "article") if isinstance(pt, dict) else (pt or "article")
    return (gt.get("main_content") or "") if isinstance(gt, dict) else None, pt


def tokens(text):
    return TOKEN.findall(text.lower())


def label(block_tokens, uni, bi):
    """Share of the block's bigrams (one word: the word) still unclaimed in the reference;
    a positive block claims them, so a text repeated on the page is content once per copy in
    the reference, not more."""
    if not block_tokens:
        return 0.0
    if len(block_tokens) == 1:
        share = float(uni[block_tokens[0]] > 0)
        if share >= 0.5:
            uni[block_tokens[0]] -= 1
        return share
    pairs = list(zip(block_tokens, block_tokens[1:]))
    share = sum(bi[p] > 0 for p in pairs) / len(pairs)
    if share >= 0.5:
        for p in pairs:
            if bi[p] > 0:
                bi[p] -= 1
        for t in block_tokens:
            if uni[t] > 0:
                uni[t] -= 1
    return share


def context(chars, containers, p1):
    """model.rs `context`: the same numbers from stage-1 probabilities of one page's blocks."""
    n = len(p1)
    w = np.sqrt(np.asarray(chars, dtype=np.float64))
    page = float((p1 * w).sum() / w.sum()) if n and w.sum() > 0 else 0.0
    sums = [dict(), dict()]
    for k in range(n):
        for j in range(2):
            c = containers[k][j]
            if c >= 0:
                s = sums[j].setdefault(c, [0.0, 0.0])
                s[0] += p1[k] * w[k]
                s[1] += w[k]
    srt = np.sort(p1)
    out = np.zeros((n, 9), dtype=np.float32)
    for k in range(n):
        def win(r):
            lo, hi = max(0, k - r), min(n, k + r + 1)
            return p1[lo:hi].mean()

        def cont(j):
            c = containers[k][j]
            if c < 0 or c not in sums[j]:
                return page
            s, ww = sums[j][c]
            return s / ww if ww > 0 else page

        rank = np.searchsorted(srt, p1[k], side="left") / max(n, 1)
        out[k] = [p1[k], p1[k - 1] if k > 0 else 0.0, p1[k + 1] if k + 1 < n else 0.0,
                  win(2), win(5), cont(0), cont(1), page, rank]
    return out


def page_prf(kept_tokens, ref):
    if not ref:
        return (1.0, 1.0, 1.0) if not kept_tokens else (0.0, 0.0, 0.0)
    if not kept_tokens:
        return (0.0, 0.0, 0.0)
    ov = sum((Counter(kept_tokens) & ref).values())
    p, r = ov / len(kept_tokens), ov / sum(ref.values())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(pages, probs, threshold, beta=1.0):
    """Mean per-page (P, R, F-beta) and per type F1 when blocks with prob >= threshold are kept."""
    tot = np.zeros(3)
    fb = 0.0
    by_type = {}
    for pg, pr in zip(pages, probs):
        kept = [t for toks, p in zip(pg["tokens"], pr) if p >= threshold for t in toks]
        p, r, f = page_prf(kept, pg["ref"])
        tot += (p, r, f)
        b2 = beta * beta
        fb += (1 + b2) * p * r / (b2 * p + r) if (b2 * p + r) else 0.0
        by_type.setdefault(pg["type"], []).append(f)
    n = max(len(pages), 1)
    return tot / n, fb / n, {k: (np.mean(v), len(v)) for k, v in sorted(by_type.items())}


def export(booster, names):
    trees = []
    for info in booster.dump_model()["tree_info"]:
        f, t, l, r, v = [], [], [], [], []

        def walk(node):
            i = len(f)
            f.append(-1), t.append(0.0), l.append(0), r.append(0), v.append(0.0)
            if "leaf_value" in node:
                v[i] = node["leaf_value"]
                return i
            assert node["decision_type"] == "<=", node["decision_type"]
            f[i] = node["split_feature"]
            t[i] = node["threshold"]
            l[i] = walk(node["left_child"])
            r[i] = walk(node["right_child"])
            return i

        walk(info["tree_structure"])
        trees.append({"f": f, "t": t, "l": l, "r": r, "v": v})
    return {"features": names, "trees": trees}


class Fitted:
    """A trained booster with the `predict_proba`/`booster_` shape the code below uses."""

    def __init__(self, booster):
        self.booster_ = booster

    def predict_proba(self, x):
        p = self.booster_.predict(x)
        return np.stack([1 - p, p], axis=1)


def fit(x, y, w):
    params = dict(PARAMS)
    rounds = params.pop("n_estimators")
    params["bagging_fraction"] = params.pop("subsample")
    params["bagging_freq"] = params.pop("subsample_freq")
    params["feature_fraction"] = params.pop("colsample_bytree")
    params["min_data_in_leaf"] = params.pop("min_child_samples")
    params["seed"] = params.pop("random_state")
    return Fitted(lgb.train(params, lgb.Dataset(x, y, weight=w), num_boost_round=rounds))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("features")
    ap.add_argument("--out", default=os.path.join(ROOT, "crates", "millstone-html", "src", "model.json"))
    args = ap.parse_args()

    pages = []
    names = context_names = None
    cache = args.features + ".pages.pkl"
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(args.features):
        with open(cache, "rb") as fh:
            pages, names, context_names = pickle.load(fh)
    fh = open(args.features, encoding="utf-8") if not pages else []
    with_cache = not pages
    if True:
        for line in fh:
            rec = json.loads(line)
            names = rec.get("names", names)
            context_names = rec.get("context", context_names)
            ref_text, ptype = truth(rec["id"])
            if ref_text is None:
                continue
            ref_toks = tokens(ref_text)
            uni, bi = Counter(ref_toks), Counter(zip(ref_toks, ref_toks[1:]))
            blocks = rec["blocks"]
            toks = [tokens(b["text"]) for b in blocks]
            page_words = max(1, sum(len(t) for t in toks))
            pages.append({
                "id": rec["id"], "type": ptype, "split": split_of("dev-" + rec["id"]),
                "ref": Counter(ref_toks), "tokens": toks,
                "x": np.asarray([b["f"] for b in blocks], dtype=np.float32).reshape(len(blocks), len(names)),
                "y": np.asarray([label(t, uni, bi) >= 0.5 for t in toks], dtype=np.float32),
                "w": np.asarray([max(1, len(t)) / math.sqrt(page_words) for t in toks], dtype=np.float32),
                "chars": [b["chars"] for b in blocks],
                "containers": [b["containers"] for b in blocks],
            })
    if with_cache:
        with open(cache, "wb") as out:
            pickle.dump((pages, names, context_names), out)
    tune = [p for p in pages if p["split"] == "tune"]
    held = [p for p in pages if p["split"] == "heldout"]
    print(f"pages: tune {len(tune)}, heldout {len(held)}; features {len(names)}")

    def stack(ps, key):
        return np.concatenate([p[key] for p in ps]) if ps else np.zeros(0)

    # Stage 1, out-of-fold on tune.
    folds = [i % 5 for i in range(len(tune))]
    oof1 = [None] * len(tune)
    for k in range(5):
        tr = [p for p, f in zip(tune, folds) if f != k]
        m = fit(stack(tr, "x"), stack(tr, "y"), stack(tr, "w"))
        for i, p in enumerate(tune):
            if folds[i] == k and len(p["x"]):
                oof1[i] = m.predict_proba(p["x"])[:, 1]
            elif folds[i] == k:
                oof1[i] = np.zeros(0)
    m1 = fit(stack(tune, "x"), stack(tune, "y"), stack(tune, "w"))

    def with_context(p, p1):
        if not len(p["x"]):
            return np.zeros((0, len(names) + 9), dtype=np.float32)
        return np.hstack([p["x"], context(p["chars"], p["containers"], p1.astype(np.float32))])

    x2 = [with_context(p, o) for p, o in zip(tune, oof1)]
    # Stage 2, out-of-fold for thresholds, then on all of tune.
    oof2 = [None] * len(tune)
    for k in range(5):
        idx = [i for i in range(len(tune)) if folds[i] != k]
        m = fit(np.concatenate([x2[i] for i in idx]), stack([tune[i] for i in idx], "y"),
                stack([tune[i] for i in idx], "w"))
        for i in range(len(tune)):
            if folds[i] == k:
                oof2[i] = m.predict_proba(x2[i])[:, 1] if len(x2[i]) else np.zeros(0)
    m2 = fit(np.concatenate(x2), stack(tune, "y"), stack(tune, "w"))

    grid = np.round(np.arange(0.20, 0.86, 0.02), 2)
    chosen = {}
    for name, beta in (("balanced", 1.0), ("precision", 0.5), ("recall", 2.0)):
        best = max(grid, key=lambda t: evaluate(tune, oof2, t, beta)[1])
        chosen[name] = float(best)
    print("thresholds", chosen)
    for name, t in chosen.items():
        (p, r, f), _, types = evaluate(tune, oof2, t)
        print(f"tune OOF {name}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    (p, r, f), _, types = evaluate(tune, oof2, chosen["balanced"])
    print("tune OOF per type:", {k: f"{v[0]:.3f} ({v[1]})" for k, v in types.items()})

    def predict(p):
        if not len(p["x"]):
            return np.zeros(0)
        p1 = m1.predict_proba(p["x"])[:, 1]
        return m2.predict_proba(with_context(p, p1))[:, 1]

    hp = [predict(p) for p in held]
    for name, t in chosen.items():
        (p, r, f), _, types = evaluate(held, hp, t)
        print(f"heldout {name}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    (p, r, f), _, types = evaluate(held, hp, chosen["balanced"])
    print("heldout per type:", {k: f"{v[0]:.3f} ({v[1]})" for k, v in types.items()})

    model = {
        "format": "millstone-html-gbdt-1",
        "trained_on": f"WCXB dev tune split (sha1('dev-' + id) % 5 != 0), lightgbm {lgb.__version__}",
        "stage1": export(m1.booster_, names),
        "stage2": export(m2.booster_, names + context_names),
        "thresholds": chosen,
    }
    # Exported trees must reproduce LightGBM's own raw scores.
    probe = tune[0]["x"][:50]
    raw = m1.booster_.predict(probe, raw_score=True)
    mine = []
    for row in probe:
        s = 0.0
        for t in model["stage1"]["trees"]:
            i = 0
            while t["f"][i] >= 0:
                i = t["l"][i] if row[t["f"][i]] <= t["t"][i] else t["r"][i]
            s += t["v"][i]
        mine.append(s)
    assert np.allclose(raw, mine, atol=1e-4), "exported trees differ from LightGBM"
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(model, fh, separators=(",", ":"))
        fh.write("\n")
    print("wrote", args.out, os.path.getsize(args.out), "bytes")


if __name__ == "__main__":
    main()
