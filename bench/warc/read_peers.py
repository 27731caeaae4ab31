#!/usr/bin/env python3
"""WARC read throughput of the Python peers: FastWARC and warcio, on the same .warc.gz files.

usage: bench/extract/.venv/bin/python bench/warc/read_peers.py [--rounds N] [--min-cpu S]
                                                               [--millstone BIN] [--json OUT]
                                                               [FILE.warc.gz ...]

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
  millstone with --millstone BIN (build it with `cargo build --release -p millstone-io
            --example warc_read`; BIN = target/release/examples/warc_read): millstone's reader,
            which does more per record than the two above: it also decodes every HTML payload to
            UTF-8 (BOM, HTTP header, <meta>, else chardetng) and builds the document. Run as
            `BIN FILE --repeat N`; its CPU seconds are those of its reading thread, as it prints.
Versions: bench/extract/requirements.txt (bench/extract/setup.sh makes the venv).

Speed = compressed file size / CPU seconds of the process (time.process_time(): this process
only, user + system, so other work on the machine does not count), as MB/s (10^6 bytes) of
.warc.gz per core. A file is read repeatedly until a pass has used --min-cpu seconds; each round
runs the readers one after the other (alternated order), and the median over --rounds is
reported.
"""

import argparse
import json
import re
import statistics
import subprocess
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


def millstone_reader(binary: Path):
    """A reader for `timed_millstone`: the warc_read example, repeated inside one process."""
    def run(path: Path, repeat: int):
        out = subprocess.run([str(binary), str(path), "--repeat", str(repeat)], check=True,
                             capture_output=True, text=True).stdout
        cpu = float(re.search(r"^cpu\s+([0-9.]+) s", out, re.M).group(1))
        records = sum(int(n) for n in re.findall(r": (\d+)", re.search(r"^records\s+(.*)$", out,
                                                                       re.M).group(1)))
        return cpu, records
    return run


def timed_millstone(run, path: Path, min_cpu: float):
    """Like `timed`, with the repeats inside the millstone process (its start-up not counted)."""
    repeat = 1
    while True:
        cpu, records = run(path, repeat)
        if cpu >= min_cpu or repeat >= 1 << 16:
            return path.stat().st_size * repeat / cpu / 1e6, repeat, (records // repeat, None)
        repeat = max(repeat * 2, int(repeat * min_cpu / max(cpu, 1e-3) * 1.2) + 1)


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
    ap.add_argument("--millstone", type=Path, metavar="BIN",
                    help="also time millstone's reader (the warc_read example binary)")
    args = ap.parse_args()
    files = args.files or [f for f in DEFAULT_FILES if f.exists()]
    if not files:
        sys.exit("error: no WARC files (run tools/sample-warc/build.py first)")
    import importlib.metadata as md
    versions = {"fastwarc": md.version("fastwarc"), "warcio": md.version("warcio")}
    print(f"# WARC read speed, MB/s of .warc.gz per CPU second (median of {args.rounds} rounds); "
          f"fastwarc {versions['fastwarc']}, warcio {versions['warcio']}\n")
    readers = dict(READERS)
    if args.millstone:
        readers["millstone"] = millstone_reader(args.millstone)
    ms = "millstone MB/s | millstone / fastwarc | " if args.millstone else ""
    print(f"| file | MB | records | payload bytes (fastwarc / warcio) | fastwarc MB/s | warcio MB/s | "
          f"{ms}fastwarc / warcio |")
    print("|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if args.millstone else "") + "---:|")
    report = {"versions": versions, "files": {}}
    failed = False
    for path in files:
        speeds = {name: [] for name in readers}
        counts = {}
        for r in range(args.rounds):
            names = list(readers) if r % 2 == 0 else list(readers)[::-1]
            for name in names:
                if name == "millstone":
                    speed, _, c = timed_millstone(readers[name], path, args.min_cpu)
                else:
                    speed, _, c = timed(readers[name], path, args.min_cpu)
                speeds[name].append(speed)
                counts[name] = c
        if len({c[0] for c in counts.values()}) != 1:
            print(f"error: {path}: the readers read different numbers of records: {counts}",
                  file=sys.stderr)
            failed = True
        med = {n: statistics.median(v) for n, v in speeds.items()}
        records, payload = counts["fastwarc"]
        print(f"| {path.name} | {path.stat().st_size / 1e6:.2f} | {records} | "
              f"{payload:,} / {counts['warcio'][1]:,} "
              f"| {med['fastwarc']:.1f} | {med['warcio']:.1f} | "
              + (f"{med['millstone']:.1f} | {med['millstone'] / med['fastwarc']:.2f} | "
                 if args.millstone else "")
              + f"{med['fastwarc'] / med['warcio']:.2f} |")
        report["files"][str(path)] = {"bytes": path.stat().st_size, "records": records,
                                      "payload_bytes": payload, "mb_per_cpu_s": speeds,
                                      "median": med, "counts": counts}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
