#!/usr/bin/env python3
"""datatrove's FineWeb quality cascade as a datatrove pipeline, for bench/vs_datatrove.sh.

  JsonlReader(INPUT_DIR) -> GopherRepetitionFilter() -> GopherQualityFilter()
    -> C4QualityFilter(filter_no_terminal_punct=False) -> FineWebQualityFilter()
    -> JsonlWriter(OUTPUT_DIR, compression="zstd")          (kept documents only)

run by LocalPipelineExecutor with TASKS tasks and as many worker processes. datatrove shards by
file, so INPUT_DIR should hold at least TASKS files. Prints one JSON line with datatrove's own
counts (documents read, kept) taken from the merged stats.

usage: datatrove_fineweb.py INPUT_DIR OUTPUT_DIR LOGGING_DIR TASKS
"""

import json
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    input_dir, output_dir, logging_dir, tasks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    executor = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(input_dir),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(filter_no_terminal_punct=False),
            FineWebQualityFilter(),
            JsonlWriter(output_dir, compression="zstd"),
        ],
        tasks=tasks,
        workers=tasks,
        logging_dir=logging_dir,
        skip_completed=False,
    )
    executor.run()

    stats = json.loads((Path(logging_dir) / "stats.json").read_text())
    read = kept = None
    for step in stats:
        name, counts = step.get("name", ""), step.get("stats", {})
        if "Reader" in name or "READER" in name:
            read = _n(counts.get("documents"))
        if "Writer" in name or "WRITER" in name:
            kept = _n(counts.get("total"))
    print(json.dumps({"datatrove_read": read, "datatrove_kept": kept}))
    return 0


def _n(v):
    """A datatrove stat is either a number or a MetricStats dict with a `total`."""
    if isinstance(v, dict):
        return v.get("total")
    return v


if __name__ == "__main__":
    sys.exit(main())
