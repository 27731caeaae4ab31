#!/usr/bin/env python3
"""WARC read throughput of the Python peers: FastWARC and warcio, on the same .warc.gz files.

usage: bench/extract/.venv/bin/python bench/warc/read_peers.py [--rounds N] [--min-cpu S]
                                                               [--json OUT] [FILE.warc.gz ...]

Default files: bench/extract/out/bench.warc.gz (tools/sample-warc/build.py writes it),
data/sample-warc/sample.warc.gz and ../shared/data/warc/dolma/tests/data/warc/*.warc.gz.

Each reader, for each file: open the file, iterate every record, parse the HTTP headers of
request/response records, and read each record's payload to the end; count records and payload
bytes (the two readers must read the same number of records, else the script fails; payload bytes
differ where a response is sent with `Transfer-Encoding: chunked`: warcio's content_stream()
removes the chunk framing, FastWARC's reader does not). Readers:
  fastwarc  fastwarc.warc.ArchiveIterator(fh, parse_http=True); record.reader.read()
  warcio    warcio.archiveiterator.ArchiveIterator(fh); record.content_stream().read()
            (the way datatrove's WarcReader reads a record)
Versions: bench/extract/requirements.txt (bench/extract/setup.sh makes the venv).

Speed = compressed file size / CPU seconds of the process (time.process_time(): this process
only, user + system, so other work on the machine does not count), as MB/s (10^6 bytes) of
.warc.gz per core. A file is read repeatedly until a pass has used --min-cpu seconds; each round
runs the readers one after the other (alternated order), and the median over --rounds is
reported.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_FILES = [REPO / "bench" / "extract" / "out" / "bench.warc.gz",
                 REPO / "data" / "sample-warc" / "sample.warc.gz",
                 *sorted((REPO.parent / "shared" / "data" / "warc" / "dolma" / "tests" / "data"
                          / "warc").glob("*.warc.gz"))]


def read_fastwarc(path: Path):
    from fastwarc.warc import ArchiveIterator
    records = payload = 0
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh, parse_http=True):
            records += 1
            payload += len(rec.reader.read())
    return records, payload


def read_warcio(path: Path):
    from warcio.archiveiterator import ArchiveIterator
    records = payload = 0
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            records += 1
            payload += len(rec.content_stream().read())
    return records, payload


READERS = {"fastwarc": read_fastwarc, "warcio": read_warcio}


def timed(reader, path: Path, min_cpu: float):
    """(MB/s per CPU second, passes, counts) reading `path` until min_cpu CPU seconds are used."""
    passes, t0 = 0, time.process_time()
    while True:
        counts = reader(path)
        passes += 1
        cpu = time.process_time() - t0
        if cpu >= min_cpu:
            return path.stat().st_size * passes / cpu / 1e6, passes, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-cpu", type=float, default=2.0, metavar="S")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    files = args.files or [f for f in DEFAULT_FILES if f.exists()]
    if not files:
        sys.exit("error: no WARC files (run tools/sample-warc/build.py first)")
    import importlib.metadata as md
    versions = {"fastwarc": md.version("fastwarc"), "warcio": md.version("warcio")}
    print(f"# WARC read speed, MB/s of .warc.gz per CPU second (median of {args.rounds} rounds); "
          f"fastwarc {versions['fastwarc']}, warcio {versions['warcio']}\n")
    print("| file | MB | records | payload bytes (fastwarc / warcio) | fastwarc MB/s | warcio MB/s | fastwarc / warcio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    report = {"versions": versions, "files": {}}
    failed = False
    for path in files:
        speeds = {name: [] for name in READERS}
        counts = {}
        for r in range(args.rounds):
            names = list(READERS) if r % 2 == 0 else list(READERS)[::-1]
            for name in names:
                speed, _, c = timed(READERS[name], path, args.min_cpu)
                speeds[name].append(speed)
                counts[name] = c
        if counts["fastwarc"][0] != counts["warcio"][0]:
            print(f"error: {path}: the readers read different numbers of records: {counts}",
                  file=sys.stderr)
            failed = True
        med = {n: statistics.median(v) for n, v in speeds.items()}
        records, payload = counts["fastwarc"]
        print(f"| {path.name} | {path.stat().st_size / 1e6:.2f} | {records} | "
              f"{payload:,} / {counts['warcio'][1]:,} "
              f"| {med['fastwarc']:.1f} | {med['warcio']:.1f} | "
              f"{med['fastwarc'] / med['warcio']:.2f} |")
        report["files"][str(path)] = {"bytes": path.stat().st_size, "records": records,
                                      "payload_bytes": payload, "mb_per_cpu_s": speeds,
                                      "median": med, "counts": counts}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
