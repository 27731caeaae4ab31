#!/usr/bin/env python3
"""Which WARC records millstone and datatrove each kept: both, only one, neither.

usage: bench/commoncrawl_compare.py DATATROVE_OUT MILLSTONE_OUT [--list N]

DATATROVE_OUT: the folder bench/datatrove_commoncrawl.py wrote (verdicts.jsonl: one line per
document datatrove read, with `kept` and `dropped_by`).
MILLSTONE_OUT: a `millstone run --preset commoncrawl -o MILLSTONE_OUT` folder; its kept/ and
dropped/ parts (.jsonl, .jsonl.gz or .jsonl.zst; `.zst` read through the `zstd -dc` command)
give the ids millstone kept and dropped, and `millstone.drop` the stage that dropped a document.
Ids are WARC-Record-IDs in both (compared without their `<…>`). A document one tool read and the other did not (e.g. a record
one reader skipped) is listed apart, with its verdict.

Standard library only.
"""

import argparse
import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path


def read_jsonl(path: Path):
    if path.name.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", str(path)], check=True, capture_output=True).stdout
        lines = data.decode("utf-8").splitlines()
    elif path.name.endswith(".gz"):
        lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError as e:
                sys.exit(f"error: {path} line {n}: {e}")


def norm_id(record_id) -> str:
    """A WARC-Record-ID with or without its angle brackets, compared without them."""
    return str(record_id).strip().removeprefix("<").removesuffix(">")


def drop_reason(rec: dict) -> str:
    drop = (rec.get("millstone") or {}).get("drop")
    if isinstance(drop, dict):
        return str(drop.get("stage") or drop.get("reason") or drop)
    return str(drop) if drop else "?"


def millstone_verdicts(out: Path) -> dict:
    """id -> (kept, drop reason or None)."""
    verdicts = {}
    for sub, kept in (("kept", True), ("dropped", False)):
        for f in sorted((out / sub).glob("*.jsonl*")):
            for rec in read_jsonl(f):
                verdicts[norm_id(rec["id"])] = (kept, None if kept else drop_reason(rec))
    if not verdicts:
        sys.exit(f"error: no documents in {out}/kept or {out}/dropped")
    return verdicts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("datatrove", type=Path)
    ap.add_argument("millstone", type=Path)
    ap.add_argument("--list", type=int, default=5, metavar="N",
                    help="show N example ids per disagreement (default 5)")
    args = ap.parse_args()
    dt = {norm_id(v["id"]): v for v in read_jsonl(args.datatrove / "verdicts.jsonl")}
    ms = millstone_verdicts(args.millstone)

    both = [i for i in dt if i in ms]
    table = Counter()
    examples = {}
    for i in both:
        key = {(True, True): "both kept", (True, False): "only datatrove kept",
               (False, True): "only millstone kept", (False, False): "neither kept"}[
            (dt[i]["kept"], ms[i][0])]
        table[key] += 1
        if key.startswith("only"):
            why = (f"millstone: {ms[i][1]}" if key == "only datatrove kept"
                   else f"datatrove: {dt[i]['dropped_by']}")
            examples.setdefault((key, why), []).append(f"{i} {dt[i].get('url')}")
    only_dt = [i for i in dt if i not in ms]
    only_ms = [i for i in ms if i not in dt]

    print(f"documents: datatrove read {len(dt)}, millstone read {len(ms)}, both {len(both)}")
    for key in ("both kept", "only datatrove kept", "only millstone kept", "neither kept"):
        print(f"  {key:22} {table[key]:6}")
    agree = table["both kept"] + table["neither kept"]
    if both:
        print(f"  agreement {agree / len(both):.1%}")
    for (key, why), ids in sorted(examples.items(), key=lambda kv: -len(kv[1])):
        print(f"{key}, {why}: {len(ids)}")
        for line in ids[: args.list]:
            print(f"    {line}")
    if only_dt:
        print(f"read by datatrove only: {len(only_dt)} (kept {sum(dt[i]['kept'] for i in only_dt)})")
        for i in only_dt[: args.list]:
            print(f"    {i} {dt[i].get('url')}")
    if only_ms:
        print(f"read by millstone only: {len(only_ms)} (kept {sum(ms[i][0] for i in only_ms)})")
        for i in only_ms[: args.list]:
            print(f"    {i}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
