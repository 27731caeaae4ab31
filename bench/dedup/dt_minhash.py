#!/usr/bin/env python3
"""datatrove 0.10.1's 4-stage MinHash dedup, default MinhashConfig, under LocalPipelineExecutor.

usage: /work/venv-dt/bin/python bench/dedup/dt_minhash.py INPUT_DIR WORK_DIR [--tasks N]
           [--glob '*.jsonl'] [--clusters OUT.jsonl]

INPUT_DIR holds JSONL files with `id` and `text` (datatrove parallelises over whole files: use at
least N files for N tasks). Stages (anchors/datatrove.md §10.1, §14.2):
  1 MinhashDedupSignature   JsonlReader -> signatures, N tasks
  2 MinhashDedupBuckets     14 tasks (one per band), N workers
  3 MinhashDedupCluster     1 task
  4 MinhashDedupFilter      JsonlReader -> kept docs (JsonlWriter, gzip) + removed docs
                            (exclusion writer), N tasks
MinhashConfig() defaults: word 5-grams of spaCy tokens of simplify_text, 14 buckets x 8 hashes,
64-bit xxhash, seed 1. Prints one JSON line with the wall time of each stage and the counts.

--clusters OUT.jsonl additionally saves the cluster ids (stage 3 save_cluster_id=True, stage 4
load_cluster_ids=True; default off, as in datatrove's defaults and in the timing runs) and writes
the clusters of >= 2 documents in millstone's clusters.jsonl shape:
{"cluster": n, "size": k, "representative": kept id, "members": [ids]}.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("input_dir")
    ap.add_argument("work_dir")
    ap.add_argument("--tasks", type=int, default=1)
    ap.add_argument("--glob", default="*.jsonl")
    ap.add_argument("--clusters", default=None)
    args = ap.parse_args()

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    w = args.work_dir
    want_ids = args.clusters is not None
    config = MinhashConfig()
    n_files = len(glob.glob(os.path.join(args.input_dir, args.glob)))
    if n_files < args.tasks:
        print(f"dt_minhash: {n_files} input files < {args.tasks} tasks: some tasks get no file", file=sys.stderr)

    def reader():
        return JsonlReader(args.input_dir, glob_pattern=args.glob, text_key="text", id_key="id")

    stages = [
        ("signatures", LocalPipelineExecutor(
            [reader(), MinhashDedupSignature(output_folder=f"{w}/signatures", config=config, language="en")],
            tasks=args.tasks, logging_dir=f"{w}/logs/1")),
        ("buckets", LocalPipelineExecutor(
            [MinhashDedupBuckets(input_folder=f"{w}/signatures", output_folder=f"{w}/buckets", config=config)],
            tasks=config.num_buckets, workers=args.tasks, logging_dir=f"{w}/logs/2")),
        ("cluster", LocalPipelineExecutor(
            [MinhashDedupCluster(input_folder=f"{w}/buckets", output_folder=f"{w}/remove_ids", config=config,
                                 save_cluster_id=want_ids)],
            tasks=1, logging_dir=f"{w}/logs/3")),
        ("filter", LocalPipelineExecutor(
            [reader(),
             MinhashDedupFilter(input_folder=f"{w}/remove_ids", load_cluster_ids=want_ids,
                                exclusion_writer=JsonlWriter(f"{w}/removed")),
             JsonlWriter(output_folder=f"{w}/kept")],
            tasks=args.tasks, logging_dir=f"{w}/logs/4")),
    ]
    times = {}
    t_all = time.time()
    for name, ex in stages:
        t = time.time()
        ex.run()
        times[name] = round(time.time() - t, 2)
    times["total_in_process"] = round(time.time() - t_all, 2)

    def docs(folder):
        for path in sorted(glob.glob(f"{w}/{folder}/*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)

    kept = removed = 0
    clusters: dict[int, dict] = {}
    for folder in ("kept", "removed"):
        for d in docs(folder):
            if folder == "kept":
                kept += 1
            else:
                removed += 1
            if want_ids:
                c = d.get("metadata", {}).get("minhash_cluster_id", -1)
                if c != -1:
                    e = clusters.setdefault(c, {"members": [], "representative": None})
                    e["members"].append(d["id"])
                    if folder == "kept":
                        e["representative"] = d["id"]
    result = {"stage_seconds": times, "kept": kept, "removed": removed, "tasks": args.tasks}
    if want_ids:
        n = 0
        with open(args.clusters, "w") as f:
            for c in sorted(clusters):
                m = clusters[c]["members"]
                if len(m) < 2:
                    continue
                n += 1
                f.write(json.dumps({"cluster": int(c), "size": len(m), "representative": clusters[c]["representative"],
                                    "members": m}) + "\n")
        result["clusters"] = n
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
