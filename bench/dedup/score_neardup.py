#!/usr/bin/env python3
"""Score `millstone dedup` on the labelled near-duplicate set, and look for false clusters on real sets.

usage: /work/venv-dt/bin/python bench/dedup/score_neardup.py [--millstone BIN] [--set DIR] [--work DIR]
           [--setting NAME='ARGS' ...] [--no-datatrove] [--no-real] [--json OUT.json]

  BIN   default $MILLSTONE, else target/release/millstone (of this checkout)
  DIR   the set written by make_neardup.py (default /work/bench-data/neardup; made if missing)
  WORK  run folders (default /work/bench-data/score); datatrove's results are cached there

Near-duplicate set (docs.jsonl.zst, all levels in ONE run per setting):
  for each setting: `BIN dedup --method ... -o WORK/<setting> docs.jsonl.zst`, then per level L
  `BIN evaluate --labels pairs-L.jsonl clusters.jsonl --json` (pair P/R/F1, positives = J >= 0.8)
  and `BIN evaluate --labels clusters-L.jsonl clusters.jsonl --json` (ARI), both re-computed by
  dedup_eval.py (mismatches are flagged). For the cluster labels the predicted clusters are first
  restricted to the level's documents (<setting>.clusters-L.jsonl next to clusters.jsonl), as
  `millstone evaluate` counts every predicted document; pair labels judge only their pairs.
  Default settings: minhash (defaults: verified, estimated J >= 0.7), minhash --no-verify,
  minhash --threshold 0.8, minhash --threshold 0.9, exact. Reference rows, scored the same way:
    oracle     the true clusters (connected components of J >= 0.8 pairs): the best any
               connected-component clustering can do on pair precision
    datatrove  datatrove 0.10.1's 4-stage MinHash, default config (dt_minhash.py)
  Columns: P R F1 = pair metrics on the labelled pairs of the level; ARI; Pall = precision over
  EVERY predicted pair of that level (all pairs inside predicted clusters, judged by exact J from
  overlaps.jsonl.zst), not just the labelled ones. Then detection rate of the within-base pairs by
  exact-J bin (the LSH S-curve, after verification if any).

Real sets (as they are, no synthetic noise): webpages-dev `text` (1,497 crawl-style pages) and the
499 DCLM documents, run with the default minhash setting (and datatrove): number of clusters,
documents in clusters, how many clustered documents have exact J < 0.8 to their cluster's
representative, and every cluster of size > 5 with a few member ids and the exact J of its
members to its representative (min / median) -- the target is no cluster > 5.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import dedup_eval  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LEVELS = ["exact", "light", "medium", "heavy", "extreme", "orig"]
RANK = {"orig": 0, "distractor": 0, "exact": 1, "light": 2, "medium": 3, "heavy": 4, "extreme": 5}
DEFAULT_SETTINGS = [
    ("minhash", "--method minhash"),
    ("minhash-no-verify", "--method minhash --no-verify"),
    ("minhash-t0.8", "--method minhash --threshold 0.8"),
    ("minhash-t0.9", "--method minhash --threshold 0.9"),
    ("exact", "--method exact"),
]
J_BINS = [0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001]


def millstone_ok(binary: str) -> bool:
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        return False
    r = subprocess.run([binary, "dedup", "--help"], capture_output=True, text=True)
    return r.returncode == 0


def run_dedup(binary: str, args: str, out: str, inputs: list[str]) -> dict:
    if os.path.exists(out):
        shutil.rmtree(out)
    cmd = [binary, "dedup", *shlex.split(args), "-o", out, *inputs]
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t
    if r.returncode != 0:
        raise SystemExit(f"score_neardup: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return {"cmd": " ".join(cmd), "wall_s": round(wall, 2)}


def find_metric(obj, names):
    """First numeric value under a key in NAMES (case-insensitive), searching nested dicts."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.lower() in names and isinstance(v, (int, float)):
                return float(v)
        for v in obj.values():
            x = find_metric(v, names)
            if x is not None:
                return x
    return None


def millstone_evaluate(binary: str, labels: str, clusters: str) -> dict | None:
    r = subprocess.run([binary, "evaluate", "--labels", labels, clusters, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"score_neardup: millstone evaluate failed on {labels}: {r.stderr.strip()[:300]}", file=sys.stderr)
        return None
    try:
        j = json.loads(r.stdout)
    except json.JSONDecodeError:
        print(f"score_neardup: millstone evaluate printed no JSON: {r.stdout[:200]}", file=sys.stderr)
        return None
    return {
        "raw": j,
        "precision": find_metric(j, {"precision", "pair_precision"}),
        "recall": find_metric(j, {"recall", "pair_recall"}),
        "f1": find_metric(j, {"f1", "pair_f1"}),
        "ari": find_metric(j, {"ari", "adjusted_rand_index", "adjusted_rand"}),
    }


class SetInfo:
    def __init__(self, d: str):
        self.dir = d
        self.level = {}
        for doc in common.read_jsonl(os.path.join(d, "docs.jsonl.zst")):
            self.level[doc["id"]] = doc["level"]
        self.J = {}
        for o in common.read_jsonl(os.path.join(d, "overlaps.jsonl.zst")):
            self.J[(o["a"], o["b"])] = o["jaccard"]
            self.J[(o["b"], o["a"])] = o["jaccard"]
        self.within = [p for p in common.read_jsonl(os.path.join(d, "pairs-all.jsonl")) if p["kind"] == "within"]

    def pair_level(self, a, b):
        lv = max(self.level[a], self.level[b], key=lambda x: RANK[x])
        return "orig" if lv == "distractor" else lv

    def predicted_pair_precision(self, clusters_path: str) -> dict:
        """Per pair level: (correct, predicted) over all pairs inside predicted clusters."""
        tot = Counter()
        good = Counter()
        with open(clusters_path) as f:
            for line in f:
                if not line.strip():
                    continue
                m = [str(x) for x in json.loads(line)["members"]]
                for i in range(len(m)):
                    for k in range(i + 1, len(m)):
                        lv = self.pair_level(m[i], m[k])
                        tot[lv] += 1
                        good[lv] += self.J.get((m[i], m[k]), 0.0) >= 0.8
        return {lv: (good[lv], tot[lv]) for lv in tot}

    def s_curve(self, clusters_path: str) -> list[tuple[int, int]]:
        pred = dedup_eval.load_predicted(clusters_path)
        out = [[0, 0] for _ in J_BINS[:-1]]
        for p in self.within:
            j = p["jaccard"]
            for bi in range(len(J_BINS) - 1):
                if J_BINS[bi] <= j < J_BINS[bi + 1]:
                    same = p["a"] in pred and p["b"] in pred and pred[p["a"]] == pred[p["b"]]
                    out[bi][0] += same
                    out[bi][1] += 1
                    break
        return [tuple(x) for x in out]


def fmt(x, w=6):
    return f"{x:{w}.3f}" if isinstance(x, (int, float)) else f"{'-':>{w}}"


def score_setting(name: str, clusters: str, info: SetInfo, binary: str | None, results: dict) -> None:
    rows = {}
    allp = info.predicted_pair_precision(clusters)
    for lv in LEVELS:
        pl = os.path.join(info.dir, f"pairs-{lv}.jsonl")
        cl = os.path.join(info.dir, f"clusters-{lv}.jsonl")
        # the predicted clusters restricted to this level's documents (orig + distractors + level L)
        universe = {r["id"] for r in common.read_jsonl(cl)}
        level_clusters = os.path.join(os.path.dirname(clusters), f"{name}.clusters-{lv}.jsonl")
        with open(clusters) as f, open(level_clusters, "w") as out:
            for line in f:
                if line.strip():
                    c = json.loads(line)
                    m = [x for x in c["members"] if str(x) in universe]
                    if len(m) >= 2:
                        out.write(json.dumps({"cluster": c.get("cluster"), "members": m}) + "\n")
        # pair labels judge only their pairs: the whole clustering; cluster labels: the restriction
        own_p = dedup_eval.evaluate(pl, clusters)
        own_c = dedup_eval.evaluate(cl, level_clusters)
        row = {"own_pairs": own_p, "own_clusters": own_c}
        if binary:
            mp = millstone_evaluate(binary, pl, clusters)
            mc = millstone_evaluate(binary, cl, level_clusters)
            row["millstone_pairs"], row["millstone_clusters"] = mp, mc
            mism = []
            for key, m, o in (("P", mp, own_p), ("R", mp, own_p), ("F1", mp, own_p), ("ARI", mc, own_c)):
                k = {"P": "precision", "R": "recall", "F1": "f1", "ARI": "ari"}[key]
                if m is None:
                    mism.append(key + "?")
                elif m.get(k) is None or o[k] is None:
                    # dedup_eval leaves P (R) undefined when nothing is predicted (positive);
                    # millstone evaluate reports 1.0 there
                    # and F1 then depends on that convention (1.0 with R 0 gives F1 0)
                    if not (o[k] is None and (m.get(k) == 1.0 or key == "F1")):
                        mism.append(f"{key} {m.get(k)}")
                elif abs(m[k] - o[k]) > 1e-4:
                    mism.append(f"{key} {m[k]:.4f}")
            row["mismatch"] = mism
        g, t = allp.get(lv, (0, 0))
        row["pall"] = g / t if t else None
        row["pall_counts"] = [g, t]
        rows[lv] = row
    results[name] = {"levels": rows, "s_curve": info.s_curve(clusters)}


def print_tables(results: dict, runs: dict) -> None:
    print("\nNear-duplicate set: pair metrics per level (positives: exact J >= 0.8)")
    print("P/R/F1 on the labelled pairs, ARI on the cluster labels, Pall = precision over all predicted pairs")
    print("(values from `millstone evaluate` where it ran; [own: ...] = dedup_eval.py disagrees)")
    print(f"{'setting':20} {'level':8} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} {'Pall':>6} {'pred.pairs':>10}  note")
    for name, res in results.items():
        for lv in LEVELS:
            r = res["levels"][lv]
            op, oc = r["own_pairs"], r["own_clusters"]
            mp, mc = r.get("millstone_pairs"), r.get("millstone_clusters")
            # undefined values (nothing predicted / nothing to find) print as "-"
            P = mp["precision"] if mp and op["precision"] is not None else op["precision"]
            R = mp["recall"] if mp and op["recall"] is not None else op["recall"]
            F = mp["f1"] if mp and op["f1"] is not None else op["f1"]
            A = mc["ari"] if mc else oc["ari"]
            note = ""
            if r.get("mismatch"):
                note = f"[own: P {fmt(op['precision'])} R {fmt(op['recall'])} F1 {fmt(op['f1'])} " \
                       f"ARI {fmt(oc['ari'])}; millstone {', '.join(r['mismatch'])}]"
            print(f"{name:20} {lv:8} {fmt(P)} {fmt(R)} {fmt(F)} {fmt(A)} {fmt(r['pall'])} {r['pall_counts'][1]:10d}  {note}")
    print("\nDetection rate of within-base pairs by exact J (same predicted cluster / pairs in bin)")
    head = " ".join(f"{'[%.2f,' % J_BINS[i]:>8}" for i in range(len(J_BINS) - 1))
    print(f"{'setting':20} {head}")
    for name, res in results.items():
        cells = " ".join(f"{(s / n if n else 0):8.3f}" for s, n in res["s_curve"])
        print(f"{name:20} {cells}")
    ns = " ".join(f"{n:8d}" for _, n in next(iter(results.values()))["s_curve"])
    print(f"{'(pairs in bin)':20} {ns}")
    if runs:
        print("\nRun times on the set (wall s, includes start-up):")
        for k, v in runs.items():
            print(f"  {k:20} {v}")


def real_sets(work: str) -> dict[str, str]:
    d = os.path.join(work, "real")
    os.makedirs(d, exist_ok=True)
    paths = {"webpages-dev": os.path.join(d, "webpages-dev", "docs.jsonl"), "dclm": os.path.join(d, "dclm", "docs.jsonl")}
    if not os.path.exists(paths["webpages-dev"]):
        os.makedirs(os.path.dirname(paths["webpages-dev"]), exist_ok=True)
        common.write_jsonl(paths["webpages-dev"], ({"id": p["id"], "text": p["text"]} for p in common.load_webpages()))
    if not os.path.exists(paths["dclm"]):
        os.makedirs(os.path.dirname(paths["dclm"]), exist_ok=True)
        common.write_jsonl(paths["dclm"], ({"id": x["id"], "text": x["text"]} for x in common.load_dclm()))
    return paths


def describe_real(name: str, clusters_path: str, texts: dict[str, str]) -> dict:
    """Cluster sizes, and the exact J of every clustered document to its cluster's representative."""
    import numpy as np

    sets: dict[str, np.ndarray] = {}

    def sh(i):
        if i not in sets:
            sets[i] = common.shingle_set(texts[i])
        return sets[i]

    sizes, big = [], []
    below = members = 0
    with open(clusters_path) as f:
        for line in f:
            if not line.strip():
                continue
            c = json.loads(line)
            m = [str(x) for x in c["members"]]
            sizes.append(len(m))
            rep = str(c.get("representative") or m[0])
            js = []
            for x in m:
                if x == rep:
                    continue
                inter = len(np.intersect1d(sh(rep), sh(x), assume_unique=True))
                uni = len(sh(rep)) + len(sh(x)) - inter
                js.append(inter / uni if uni else 0.0)
            js.sort()
            members += len(js)
            below += sum(j < 0.8 for j in js)
            if len(m) > 5:
                big.append({"size": len(m), "representative": rep, "members": m[:6], "J_min": round(js[0], 3),
                            "J_median": round(js[len(js) // 2], 3)})
    big.sort(key=lambda x: -x["size"])
    return {"clusters": len(sizes), "docs_in_clusters": sum(sizes), "largest": max(sizes, default=0),
            "size_hist": dict(sorted(Counter(sizes).items())), "members_vs_rep": members,
            "members_J_below_0.8": below, "clusters_gt5": big}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millstone", default=os.environ.get("MILLSTONE", os.path.join(ROOT, "target/release/millstone")))
    ap.add_argument("--set", default="/work/bench-data/neardup")
    ap.add_argument("--work", default="/work/bench-data/score")
    ap.add_argument("--setting", action="append", default=None, help="NAME='dedup args' (repeatable)")
    ap.add_argument("--no-datatrove", action="store_true")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if not os.path.exists(os.path.join(args.set, "docs.jsonl.zst")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_neardup.py"), "-o", args.set], check=True)
    settings = DEFAULT_SETTINGS
    if args.setting:
        settings = [tuple(s.split("=", 1)) for s in args.setting]
    binary = args.millstone if millstone_ok(args.millstone) else None
    if binary is None:
        print(f"score_neardup: no working `{args.millstone} dedup` -- scoring the reference rows only", file=sys.stderr)

    info = SetInfo(args.set)
    docs = os.path.join(args.set, "docs.jsonl.zst")
    results, runs = {}, {}
    # reference rows
    score_setting("oracle", _oracle_clusters(args.set, args.work), info, binary, results)
    if not args.no_datatrove:
        dt = _datatrove_clusters(docs, os.path.join(args.work, "datatrove-neardup"))
        runs["datatrove"] = dt["wall_s"]
        score_setting("datatrove", dt["clusters"], info, binary, results)
    if binary:
        for name, a in settings:
            out = os.path.join(args.work, name)
            runs[name] = run_dedup(binary, a, out, [docs])["wall_s"]
            score_setting(name, os.path.join(out, "clusters.jsonl"), info, binary, results)
    print_tables(results, runs)

    real = {}
    if not args.no_real:
        paths = real_sets(args.work)
        for setname, path in paths.items():
            texts = {d["id"]: d["text"] for d in common.read_jsonl(path)}
            if binary:
                out = os.path.join(args.work, f"real-{setname}")
                run_dedup(binary, "--method minhash", out, [path])
                real[f"millstone {setname}"] = describe_real(setname, os.path.join(out, "clusters.jsonl"), texts)
            if not args.no_datatrove:
                dt = _datatrove_clusters(path, os.path.join(args.work, f"datatrove-real-{setname}"))
                real[f"datatrove {setname}"] = describe_real(setname, dt["clusters"], texts)
        print("\nReal sets, default MinHash settings: clusters of >= 2 documents (target: none larger than 5)")
        for k, v in real.items():
            print(f"  {k:24} clusters {v['clusters']:4d}  docs in clusters {v['docs_in_clusters']:4d}  largest {v['largest']:3d}"
                  f"  sizes {v['size_hist']}  members with J to rep < 0.8: {v['members_J_below_0.8']}/{v['members_vs_rep']}")
            for b in v["clusters_gt5"][:10]:
                print(f"      size {b['size']:3d} rep {b['representative']}  J to rep min {b['J_min']} median "
                      f"{b['J_median']}  members {', '.join(b['members'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"neardup": results, "runs": runs, "real": real}, f, indent=1, default=str)
    return 0


def _oracle_clusters(set_dir: str, work: str) -> str:
    """The true J >= 0.8 components as a clusters.jsonl."""
    out = os.path.join(work, "oracle-clusters.jsonl")
    groups = {}
    for r in common.read_jsonl(os.path.join(set_dir, "clusters-all.jsonl")):
        groups.setdefault(r["cluster"], []).append(r["id"])
    with open(out, "w") as f:
        for c, m in sorted(groups.items()):
            if len(m) >= 2:
                f.write(json.dumps({"cluster": c, "size": len(m), "representative": m[0], "members": m}) + "\n")
    return out


def _datatrove_clusters(input_path: str, work: str) -> dict:
    """Run (or reuse) dt_minhash.py on one input file; returns clusters path and wall time."""
    done = os.path.join(work, "result.json")
    if os.path.exists(done):
        return json.load(open(done))
    if os.path.exists(work):
        shutil.rmtree(work)
    inp = os.path.join(work, "input")
    os.makedirs(inp)
    plain = os.path.join(inp, "docs.jsonl")
    if input_path.endswith(".zst"):
        with common.open_binary(input_path) as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        shutil.copy(input_path, plain)
    clusters = os.path.join(work, "clusters.jsonl")
    t = time.time()
    r = subprocess.run([sys.executable, os.path.join(HERE, "dt_minhash.py"), inp, os.path.join(work, "dt"),
                        "--clusters", clusters], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"score_neardup: dt_minhash failed:\n{r.stderr[-3000:]}")
    res = {"clusters": clusters, "wall_s": round(time.time() - t, 1), "dt": json.loads(r.stdout.strip().splitlines()[-1])}
    json.dump(res, open(done, "w"))
    return res


if __name__ == "__main__":
    sys.exit(main())
