"""Python package throughput against the command line on the same rows, one core each, CPU
seconds (user + sys) as medians of alternated rounds:

- ``cli``: ``millstone run --preset P --threads 1`` on a JSONL.zst file (reads, decompresses,
  processes, writes kept/ and dropped/ zstd JSONL).
- ``py-arrow``: ``Pipeline.process`` on an Arrow table already in memory (RAYON_NUM_THREADS=1).
- ``py-arrow+io``: pyarrow reads the same JSONL.zst, a new pipeline is built (as the command line
  builds one: the token vocabulary included), ``process``, then the kept and dropped tables are
  written as Parquet (what a Python user's job does end to end).
- ``py-dicts``: ``Pipeline.process`` on the same rows as a list of dicts.
- ``ray`` (``--ray``): ``millstone.ray.process`` on a local cluster (head + 2 worker nodes, one
  CPU each), wall seconds, against ``cli --threads 2`` wall seconds.

usage: RAYON_NUM_THREADS=1 python bench/python/bench.py --millstone target/release/millstone
           [--input data/sample/webpages.jsonl.zst] [--preset fineweb] [--rounds 3] [--ray]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def read_rows(path: str):
    data = pa.input_stream(path, compression="zstd" if path.endswith(".zst") else None).read()
    return [json.loads(line) for line in data.decode().split("\n") if line]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millstone", required=True)
    ap.add_argument("--input", default="data/sample/webpages.jsonl.zst")
    ap.add_argument("--preset", default="fineweb")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ray", action="store_true")
    args = ap.parse_args()
    if os.environ.get("RAYON_NUM_THREADS") != "1":
        sys.exit("run with RAYON_NUM_THREADS=1 (one core for the Python side)")
    import millstone

    rows = read_rows(args.input)
    table = pa.Table.from_pylist(rows)
    mb = table.column("text").nbytes / 1e6
    results = {k: [] for k in ("cli", "py-arrow", "py-arrow+io", "py-dicts")}
    tmp = tempfile.mkdtemp()
    for _ in range(args.rounds):
        before = cpu_children()
        subprocess.run(
            [args.millstone, "run", "--preset", args.preset, "--threads", "1", "-q", "--no-report", "--force", "-o", f"{tmp}/cli", args.input],
            check=True,
        )
        results["cli"].append(cpu_children() - before)
        p = millstone.Pipeline.from_preset(args.preset)
        before = cpu_self()
        p.process(table)
        results["py-arrow"].append(cpu_self() - before)
        before = cpu_self()
        t = pj.read_json(pa.input_stream(args.input, compression="zstd"))
        r = millstone.Pipeline.from_preset(args.preset).process(t)
        pq.write_table(r.kept, f"{tmp}/kept.parquet")
        pq.write_table(r.dropped, f"{tmp}/dropped.parquet")
        results["py-arrow+io"].append(cpu_self() - before)
        before = cpu_self()
        p.process(rows)
        results["py-dicts"].append(cpu_self() - before)
    cli = statistics.median(results["cli"])
    print(f"{len(rows)} documents, {mb:.1f} MB of text, preset {args.preset}, {args.rounds} rounds; CPU s (median), MB/s per core, vs cli")
    for k, v in results.items():
        m = statistics.median(v)
        print(f"  {k:12s} {m:6.2f} s  {mb / m:6.2f} MB/s  {cli / m:5.2f}x  (rounds: {', '.join(f'{x:.2f}' for x in v)})")
    if args.ray:
        import ray
        import ray.data
        from ray.cluster_utils import Cluster

        import millstone.ray as mr

        t0 = time.time()
        subprocess.run(
            [args.millstone, "run", "--preset", args.preset, "--threads", "2", "-q", "--no-report", "--force", "-o", f"{tmp}/cli2", args.input],
            check=True,
        )
        cli_wall = time.time() - t0
        c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
        for _ in range(2):
            c.add_node(num_cpus=1)
        ray.init(address=c.address, logging_level="ERROR", log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        size = -(-table.num_rows // 8)
        ds = ray.data.from_arrow([table.slice(i * size, size) for i in range(8)])
        t0 = time.time()
        n = len(mr.process(ds, args.preset, batch_size=256).take_all())
        ray_wall = time.time() - t0
        print(f"  ray (3 nodes x 1 CPU) {ray_wall:.2f} s wall for {n} rows; cli --threads 2 {cli_wall:.2f} s wall; ratio {cli_wall / ray_wall:.2f}x")
        ray.shutdown()
        c.shutdown()


if __name__ == "__main__":
    main()
