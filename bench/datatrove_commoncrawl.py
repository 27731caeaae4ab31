#!/usr/bin/env python3
"""datatrove's FineWeb recipe from WARC, one worker: the peer of `millstone run --preset commoncrawl`.

usage: bench/.venv-commoncrawl/bin/python bench/datatrove_commoncrawl.py WARC OUT_DIR
           [--timeout S]
       (bench/datatrove_commoncrawl_setup.sh makes the venv: datatrove[io,processing] 0.10.1 and
        what its steps import, pinned in bench/datatrove_commoncrawl_requirements.txt)

Pipeline (datatrove 0.10.1, LocalPipelineExecutor, tasks=1, workers=1), as FineWeb's
examples/fineweb.py sets it up, then the PII step of its last stage:
  WarcReader(WARC)                       response records; HTML by WARC-Identified-Payload-Type,
                                         else libmagic on the payload; UTF-8 else cchardet
  URLFilter()                            datatrove's block lists (no extra domains/words)
  Trafilatura(favour_precision=True)     = trafilatura.extract(html, favor_precision=True,
                                         include_comments=False, deduplicate=True) in a child
                                         process with datatrove's per-page timeout (1 s wall)
  LanguageFilter(languages=["en"])       fastText lid.176, English score > 0.65 (the model: the
                                         compressed lid.176.ftz embedded in millstone-filters'
                                         assets, which millstone's `language` stage uses too: the
                                         machine has no route to the .bin's download host)
  GopherRepetitionFilter()
  GopherQualityFilter()
  C4QualityFilter(filter_no_terminal_punct=False)
  FineWebQualityFilter()
  PIIFormatter()                         e-mail and public IP replacement (drops nothing)
  JsonlWriter(OUT_DIR/kept)              the kept documents (gzip JSONL, datatrove's default)
Between the steps a small step records the id (WARC-Record-ID) of every document that reaches
it, so each document's fate is known: OUT_DIR/verdicts.jsonl has one line per document read,
{"id", "url", "kept": bool, "dropped_by": step name or null}; OUT_DIR/kept_ids.txt lists the
kept ids. Compare with millstone's kept/ ids for both / only one / neither.

Speed: CPU seconds of this process and its children (resource.getrusage: user + system of
RUSAGE_SELF and RUSAGE_CHILDREN, the Trafilatura sandbox process included) over
executor.run(), imports excluded; documents/s per core = documents read / those CPU seconds.
Printed as one JSON object and written to OUT_DIR/summary.json with datatrove's own step stats.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LID_FTZ = REPO / "crates" / "millstone-filters" / "assets" / "lid.176.ftz"
STEPS = ("read", "url_filter", "trafilatura", "language", "gopher_repetition", "gopher_quality",
         "c4_quality", "fineweb_quality", "kept")


def cpu_seconds() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("warc", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--timeout", type=float, default=None,
                    help="Trafilatura's per-page wall-clock limit (default: datatrove's, 1 s)")
    args = ap.parse_args()
    if not args.warc.is_file():
        sys.exit(f"error: no WARC file {args.warc}")
    if not LID_FTZ.is_file():
        sys.exit(f"error: no language model {LID_FTZ}")
    args.out.mkdir(parents=True, exist_ok=True)
    taps = args.out / "taps"
    taps.mkdir(exist_ok=True)
    for f in taps.glob("*.jsonl"):
        f.unlink()

    import importlib.metadata as md

    from datatrove.data import DocumentsPipeline
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
        URLFilter,
    )
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.lid import FT176LID

    FT176LID.MODEL_URL = LID_FTZ.as_uri()

    class Tap(PipelineStep):
        """Writes the id and URL of every document passing by to taps/NAME.jsonl."""

        name = "tap"
        type = "tap"

        def __init__(self, step: str):
            super().__init__()
            self.step = step

        def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
            with open(taps / f"{self.step}.jsonl", "a", encoding="utf-8") as fh:
                for doc in data:
                    fh.write(json.dumps({"id": doc.id, "url": doc.metadata.get("url")}) + "\n")
                    yield doc

    trafilatura = (Trafilatura(favour_precision=True) if args.timeout is None
                   else Trafilatura(favour_precision=True, timeout=args.timeout))
    pipeline = [
        WarcReader(str(args.warc.parent), glob_pattern=args.warc.name),
        Tap("read"),
        URLFilter(),
        Tap("url_filter"),
        trafilatura,
        Tap("trafilatura"),
        LanguageFilter(languages=["en"]),
        Tap("language"),
        GopherRepetitionFilter(),
        Tap("gopher_repetition"),
        GopherQualityFilter(),
        Tap("gopher_quality"),
        C4QualityFilter(filter_no_terminal_punct=False),
        Tap("c4_quality"),
        FineWebQualityFilter(),
        Tap("fineweb_quality"),
        PIIFormatter(),
        Tap("kept"),
        JsonlWriter(str(args.out / "kept")),
    ]
    executor = LocalPipelineExecutor(pipeline=pipeline, tasks=1, workers=1,
                                     logging_dir=str(args.out / "logs"), skip_completed=False)
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    executor.run()
    cpu, wall = cpu_seconds() - cpu0, time.monotonic() - wall0

    passed = {}
    for step in STEPS:
        f = taps / f"{step}.jsonl"
        passed[step] = [json.loads(line) for line in f.open()] if f.exists() else []
    reached = {step: {d["id"] for d in passed[step]} for step in STEPS}
    verdicts = []
    for d in passed["read"]:
        dropped_by = None
        for prev, step in zip(STEPS, STEPS[1:]):
            if d["id"] in reached[prev] and d["id"] not in reached[step]:
                dropped_by = step
                break
        verdicts.append({"id": d["id"], "url": d["url"], "kept": d["id"] in reached["kept"],
                         "dropped_by": dropped_by})
    with open(args.out / "verdicts.jsonl", "w", encoding="utf-8") as fh:
        for v in verdicts:
            fh.write(json.dumps(v) + "\n")
    (args.out / "kept_ids.txt").write_text("".join(d["id"] + "\n" for d in passed["kept"]))

    stats = json.loads((args.out / "logs" / "stats.json").read_text())
    trafilatura_stats = next((s.get("stats", {}) for s in stats if "Trafilatura" in s.get("name", "")),
                             {})
    read = len(passed["read"])
    summary = {
        "warc": str(args.warc),
        "warc_bytes": args.warc.stat().st_size,
        "versions": {p: md.version(p) for p in ("datatrove", "trafilatura", "spacy", "warcio")},
        "trafilatura_timeout_s": trafilatura.timeout,
        "documents_read": read,
        "reached": {step: len(passed[step]) for step in STEPS},
        "dropped_by": {step: sum(1 for v in verdicts if v["dropped_by"] == step)
                       for step in STEPS[1:-1]},
        "trafilatura_timeouts": trafilatura_stats.get("timeout", 0),
        "kept": len(passed["kept"]),
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "docs_per_cpu_second": read / cpu if cpu else None,
        "datatrove_stats": stats,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "datatrove_stats"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
