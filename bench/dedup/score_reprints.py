#!/usr/bin/env python3
"""Score reprint clusterings on a set from make_reprints.py: millstone settings, datatrove's and
text-dedup's MinHash, same input, same run.

usage: python3 bench/dedup/score_reprints.py SET_DIR [--work DIR] [--setting NAME='ARGS' ...]
           [--datatrove PY] [--textdedup PY] [--json OUT.json] [--threads N]

SET_DIR is one part of the set (e.g. /tmp/rp/set/heldout) with docs.jsonl. The millstone binary:
$MILLSTONE, else target/release/millstone. A setting's ARGS are `millstone dedup` arguments, or
`toml:` followed by the dedup stage's TOML options (run through `millstone run --pipeline`).
Without --setting: `reprints` (--method reprints --keep-all, the defaults) and `minhash`
(--method minhash, datatrove's configuration, verified).

Peers (skipped when their Python is not given or fails; the error is printed):
  --datatrove PY   bench/dedup/dt_minhash.py with that interpreter (datatrove 0.10.1, default
                   MinhashConfig, cluster ids saved)
  --textdedup PY   `python -m text_dedup.minhash` (text-dedup 0.4.0 from PyPI, its defaults:
                   5-grams, 250 permutations, threshold 0.7, sha1; --debug to keep its
                   union-find, which gives the clusters)

Labels are by story (the `story` field): any two documents of one story are a true pair. Per
noise model M: P = share of predicted pairs with an M copy that are true, R = share of true
pairs with an M copy that are predicted (a pair of two copies counts for both models);
`negative`: predicted pairs with a template-sharing negative (all false). ARI over all
documents (unclustered = singleton). CPU = user + sys seconds of the run's processes
(getrusage of children); MB/s per core = text bytes / CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shlex
import subprocess
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from math import comb

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, **kw) -> tuple[float, float]:
    c0, w0 = cpu_children(), time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    return cpu_children() - c0, time.time() - w0


def read_clusters(path) -> list[list[str]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line)["members"])
    return out


def millstone(binary, args, docs, work, threads):
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "out")
    if args.startswith("toml:"):
        pipe = os.path.join(work, "pipeline.toml")
        with open(pipe, "w") as f:
            f.write('[[stage]]\ntype = "dedup"\n' + args[5:].replace(";", "\n") + "\n")
        cmd = [binary, "run", "--pipeline", pipe]
    else:
        cmd = [binary, "dedup", *shlex.split(args)]
    cmd += ["-q", "--force", "--threads", str(threads), "-o", out, docs]
    cpu, wall = run(cmd)
    return read_clusters(os.path.join(out, "clusters.jsonl")), cpu, wall


def datatrove(py, docs, work):
    inp = os.path.join(work, "input")
    os.makedirs(inp, exist_ok=True)
    dst = os.path.join(inp, "docs.jsonl")
    if not os.path.exists(dst):
        os.symlink(os.path.abspath(docs), dst)
    clusters = os.path.join(work, "clusters.jsonl")
    cpu, wall = run([py, os.path.join(HERE, "dt_minhash.py"), inp, os.path.join(work, "dt"),
                     "--tasks", "1", "--clusters", clusters])
    return read_clusters(clusters), cpu, wall


def textdedup(py, docs, work):
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "out")
    cpu, wall = run([py, "-m", "text_dedup.minhash", "--path", "json", "--data_files",
                     os.path.abspath(docs), "--split", "train", "--cache_dir",
                     os.path.join(work, "cache"), "--output", out, "--column", "text",
                     "--idx_column", "id", "--num_proc", "1", "--debug"], cwd=work)
    code = ("import pickle,json,sys,collections\n"
            "uf=pickle.load(open(sys.argv[1],'rb'))\n"
            "g=collections.defaultdict(list)\n"
            "for x in list(uf.parent): g[uf.find(x)].append(x)\n"
            "print(json.dumps([m for m in g.values() if len(m)>1]))\n")
    p = subprocess.run([py, "-c", code, os.path.join(out, "uf.pkl")], capture_output=True,
                       text=True, check=True)
    return json.loads(p.stdout), cpu, wall


def ari(labels_true: dict, labels_pred: dict) -> float:
    ids = list(labels_true)
    cont = Counter((labels_true[i], labels_pred[i]) for i in ids)
    a = Counter(labels_true[i] for i in ids)
    b = Counter(labels_pred[i] for i in ids)
    index = sum(comb(v, 2) for v in cont.values())
    sa = sum(comb(v, 2) for v in a.values())
    sb = sum(comb(v, 2) for v in b.values())
    total = comb(len(ids), 2)
    expected = sa * sb / total
    top = (sa + sb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def score(docs: dict, clusters: list[list[str]]) -> dict:
    story = {i: d["story"] for i, d in docs.items()}
    model = {i: d["model"] for i, d in docs.items()}
    pred = set()
    label = {i: f"single:{i}" for i in docs}
    for k, members in enumerate(clusters):
        members = [m for m in members if m in docs]
        for m in members:
            label[m] = f"c{k}"
        for a, b in combinations(sorted(members), 2):
            pred.add((a, b))
    by_story = defaultdict(list)
    for i, s in story.items():
        by_story[s].append(i)
    true = {(a, b) for ms in by_story.values() for a, b in combinations(sorted(ms), 2)}
    models = sorted({m for m in model.values() if m not in ("orig",)})
    rows = {}
    for m in models:
        pm = [p for p in pred if model[p[0]] == m or model[p[1]] == m]
        tm = [p for p in true if model[p[0]] == m or model[p[1]] == m]
        hit_p = sum(1 for p in pm if p in true)
        hit_t = sum(1 for p in tm if p in pred)
        rows[m] = {"predicted": len(pm), "true": len(tm),
                   "P": hit_p / len(pm) if pm else None, "R": hit_t / len(tm) if tm else None,
                   "false": len(pm) - hit_p}
    hit = len(pred & true)
    return {"P": hit / len(pred) if pred else None, "R": hit / len(true) if true else None,
            "predicted": len(pred), "true": len(true), "false": len(pred) - hit,
            "ARI": ari(story, label), "models": rows}


def fmt(v):
    return "–" if v is None else f"{v:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("set_dir")
    ap.add_argument("--work", default="/tmp/rp/score")
    ap.add_argument("--setting", action="append", default=[])
    ap.add_argument("--datatrove")
    ap.add_argument("--textdedup")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    args = ap.parse_args()
    docs_path = os.path.join(args.set_dir, "docs.jsonl")
    docs = {}
    with open(docs_path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs[d["id"]] = d
    size = sum(len(d["text"].encode()) for d in docs.values())
    binary = os.environ.get("MILLSTONE") or os.path.join(HERE, "..", "..", "target", "release",
                                                         "millstone")
    settings = [s.split("=", 1) for s in args.setting] or [
        ["reprints", "--method reprints --keep-all"], ["minhash", "--method minhash"]]
    results = {}
    for name, sargs in settings:
        try:
            cl, cpu, wall = millstone(binary, sargs, docs_path, os.path.join(args.work, name),
                                      args.threads)
            results[name] = {"args": sargs, "cpu": cpu, "wall": wall, **score(docs, cl)}
        except RuntimeError as e:
            print(f"{name}: {e}", file=sys.stderr)
    for name, py, fn in [("datatrove", args.datatrove, datatrove),
                         ("text-dedup", args.textdedup, textdedup)]:
        if not py:
            continue
        try:
            cl, cpu, wall = fn(py, docs_path, os.path.join(args.work, name))
            results[name] = {"cpu": cpu, "wall": wall, **score(docs, cl)}
        except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError) as e:
            print(f"{name}: {e}", file=sys.stderr)
    models = sorted({m for r in results.values() for m in r["models"]})
    print(f"{len(docs)} documents, {size / 1e6:.1f} MB of text, {args.set_dir}\n")
    print("| run | " + " | ".join(f"{m} P / R" for m in models if m != "negative")
          + " | negative false pairs | all P / R | ARI | CPU s | MB/s per core |")
    print("|---" * (len(models) + 5) + "|")
    for name, r in results.items():
        cells = [f"{fmt(r['models'][m]['P'])} / {fmt(r['models'][m]['R'])}"
                 for m in models if m != "negative"]
        neg = r["models"].get("negative", {}).get("false", 0)
        print(f"| {name} | " + " | ".join(cells) + f" | {neg} | {fmt(r['P'])} / {fmt(r['R'])}"
              f" | {r['ARI']:.3f} | {r['cpu']:.2f} | {size / 1e6 / max(r['cpu'], 1e-9):.1f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"set": args.set_dir, "documents": len(docs), "bytes": size,
                       "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
