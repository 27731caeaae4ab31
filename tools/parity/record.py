#!/usr/bin/env python3
"""Record datatrove 0.10.1's own quality-filter decisions, one JSON line per input document.

Usage: record.py [INPUT] [OUTPUT] [--processes N] [--limit N]
  INPUT   JSONL(.zst) with `id`, `text` (default: the parity input.jsonl.zst)
  OUTPUT  JSONL .zst written at zstd level 19 (default: the parity datatrove-0.10.1.jsonl.zst);
          a `summary.json` with the counts is written beside it.

Per document:
  {"id": ...,
   "fineweb": {"keep", "stage", "reason"[, "text" if kept]},
   "independent": {"gopher_repetition": {"keep", "reason"}, "gopher_quality": {...},
                   "c4_quality": {"keep", "reason"[, "text" if kept]},
                   "c4_quality_fineweb": {... same, C4 with filter_no_terminal_punct=False},
                   "fineweb_quality": {...}}}

`fineweb` is the FineWeb recipe cascade GopherRepetitionFilter() -> GopherQualityFilter() ->
C4QualityFilter(filter_no_terminal_punct=False) -> FineWebQualityFilter(), every other parameter at
its default, each filter seeing `doc.text` as left by the previous one (C4 rewrites it). `stage` names
the filter that dropped the document (null if kept); `reason` is the string the filter returned.
`independent` runs each filter alone, default parameters, on a fresh Document with the original text.

The verdict is read the way `BaseFilter.run` reads it: `filter()` returns a bool or `(False, reason)`;
truthy = keep. Documents whose text is empty are recorded too (datatrove's JsonlReader would skip them
silently): the filters are called on them directly. If a filter raises, its record is
`{"error": "<ExceptionType>: <message>"}` (in the cascade `{"error": ..., "stage": <filter>}`) instead
of crashing the run (in a datatrove pipeline the exception would fail the task).
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import io
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

import orjson
import zstandard

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "crates/millstone-filters/tests/fixtures/parity"

CASCADE = ("gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality")
INDEPENDENT = ("gopher_repetition", "gopher_quality", "c4_quality", "c4_quality_fineweb", "fineweb_quality")
MUTATING = {"c4_quality", "c4_quality_fineweb"}  # record the rewritten text when kept

_filters: dict | None = None


def make_filters() -> dict:
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    return {
        "cascade": {
            "gopher_repetition": GopherRepetitionFilter(),
            "gopher_quality": GopherQualityFilter(),
            "c4_quality": C4QualityFilter(filter_no_terminal_punct=False),
            "fineweb_quality": FineWebQualityFilter(),
        },
        "independent": {
            "gopher_repetition": GopherRepetitionFilter(),
            "gopher_quality": GopherQualityFilter(),
            "c4_quality": C4QualityFilter(),
            "c4_quality_fineweb": C4QualityFilter(filter_no_terminal_punct=False),
            "fineweb_quality": FineWebQualityFilter(),
        },
    }


def init_worker() -> None:
    global _filters
    from loguru import logger

    logger.remove()  # datatrove logs through loguru; keep the workers quiet
    _filters = make_filters()


def apply(filt, doc) -> tuple[dict, float]:
    """One `filter()` call, read like BaseFilter.run: truthy = keep, `(False, reason)` = drop with reason."""
    from datatrove.pipeline.filters.base_filter import get_filter_result

    t0 = time.process_time()
    try:
        res = filt.filter(doc)
    except Exception as e:  # noqa: BLE001 - recorded, not fatal
        return {"error": f"{type(e).__name__}: {e}"}, time.process_time() - t0
    dt = time.process_time() - t0
    keep, reason = get_filter_result(res)
    return {"keep": bool(keep), "reason": None if keep else reason}, dt


def record_one(item: tuple[int, str, str, dict]) -> tuple[int, bytes, dict]:
    from datatrove.data import Document

    idx, doc_id, text, extras = item
    times: dict[str, float] = {}

    independent = {}
    for name in INDEPENDENT:
        doc = Document(text=text, id=doc_id, metadata=dict(extras))
        res, dt = apply(_filters["independent"][name], doc)
        times[f"independent.{name}"] = dt
        if res.get("keep") and name in MUTATING:
            res["text"] = doc.text
        independent[name] = res

    doc = Document(text=text, id=doc_id, metadata=dict(extras))
    fineweb = None
    for name in CASCADE:
        res, dt = apply(_filters["cascade"][name], doc)
        times[f"fineweb.{name}"] = dt
        if "error" in res:
            fineweb = {"error": res["error"], "stage": name}
            break
        if not res["keep"]:
            fineweb = {"keep": False, "stage": name, "reason": res["reason"]}
            break
    if fineweb is None:
        fineweb = {"keep": True, "stage": None, "reason": None, "text": doc.text}

    line = orjson.dumps({"id": doc_id, "fineweb": fineweb, "independent": independent}) + b"\n"
    return idx, line, times


def read_input(path: Path, limit: int):
    if path.suffix == ".zst":
        raw = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"))
        lines = io.TextIOWrapper(raw, encoding="utf-8")
    else:
        lines = open(path, encoding="utf-8")
    with lines:
        for idx, line in enumerate(lines):
            if 0 <= limit <= idx:
                break
            d = json.loads(line)
            doc_id, text = d.pop("id"), d.pop("text", "") or ""
            yield idx, doc_id, text, d


def outcome(res: dict) -> str:
    if "error" in res:
        return "error: " + res["error"].split(":")[0]
    return "kept" if res["keep"] else str(res["reason"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", type=Path, default=FIXTURES / "input.jsonl.zst")
    ap.add_argument("output", nargs="?", type=Path, default=FIXTURES / "datatrove-0.10.1.jsonl.zst")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--limit", type=int, default=-1, help="only the first N docs (for trying things out)")
    ap.add_argument("--level", type=int, default=19, help="zstd level of OUTPUT (default 19)")
    args = ap.parse_args()

    make_filters()  # fail here, not in a pool initializer (a failing initializer makes Pool respawn forever)

    items = list(read_input(args.input, args.limit))
    total_chars = sum(len(t) for _, _, t, _ in items)
    print(f"record: {len(items)} docs, {total_chars:,} chars from {args.input}; {args.processes} processes",
          file=sys.stderr, flush=True)

    # Biggest documents first so the two workers finish together; results are re-ordered below.
    order = sorted(items, key=lambda it: -len(it[2]))
    lines: list[bytes | None] = [None] * len(items)
    times: collections.Counter = collections.Counter()
    t0 = time.time()
    done = 0
    with mp.get_context("fork").Pool(args.processes, initializer=init_worker) as pool:
        for idx, line, dt in pool.imap_unordered(record_one, order, chunksize=1):
            lines[idx] = line
            times.update(dt)
            done += 1
            if done % 250 == 0 or done == len(items):
                el = time.time() - t0
                print(f"record: {done}/{len(items)} docs, {el:.0f} s", file=sys.stderr, flush=True)
    wall = time.time() - t0

    raw = b"".join(lines)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(zstandard.ZstdCompressor(level=args.level, write_content_size=True).compress(raw))

    fineweb = collections.Counter()
    independent = {name: collections.Counter() for name in INDEPENDENT}
    text_changed = 0
    by_id_text = {doc_id: text for _, doc_id, text, _ in items}
    for line in lines:
        rec = orjson.loads(line)
        fw = rec["fineweb"]
        key = "kept" if fw.get("keep") else f"{fw['stage']}/{fw.get('reason') or fw.get('error')}"
        fineweb[key] += 1
        if fw.get("keep") and fw["text"] != by_id_text[rec["id"]]:
            text_changed += 1
        for name, res in rec["independent"].items():
            independent[name][outcome(res)] += 1

    def ordered(c: collections.Counter) -> dict:
        return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))

    summary = {
        "input": args.input.name,
        "docs": len(items),
        "chars": total_chars,
        "empty_text_docs": [doc_id for _, doc_id, text, _ in items if not text],
        "versions": {
            "datatrove": importlib.metadata.version("datatrove"),
            "spacy": importlib.metadata.version("spacy"),
            "python": platform.python_version(),
        },
        "fineweb": {"kept": fineweb.get("kept", 0), "kept_text_changed": text_changed,
                    "outcomes": ordered(fineweb)},
        "independent": {name: ordered(c) for name, c in independent.items()},
    }
    summary_path = args.output.parent / "summary.json"
    if args.limit < 0:
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    cpu = {k: round(v, 1) for k, v in sorted(times.items())}
    print(f"record: wall {wall:.0f} s for {len(items)} docs ({len(items)/wall:.1f} docs/s with "
          f"{args.processes} processes); filter CPU s: {cpu}", file=sys.stderr)
    print(f"record: wrote {args.output} ({args.output.stat().st_size/1e6:.2f} MB)"
          + (f" and {summary_path}" if args.limit < 0 else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
