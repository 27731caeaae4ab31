#!/usr/bin/env python3
"""Build the parity input corpus from real documents in ../shared/data.

Output (JSONL, zstd level 19), one document a line, fields `id`, `text` and extras:

  wp-<id>-page     webpages-dev.jsonl.zst `text` (whole page, boilerplate included)  + url, page_type
  wp-<id>-main     webpages-dev.jsonl.zst `main_content` (human ground truth)        + url, page_type
  dclm-agree-NNNN  dclm-quality/agreement_data.jsonl line NNNN (0-based)             + label
  dclm-major-NNNN  dclm-quality/majority_data.jsonl line NNNN (0-based)              + label

Order: for each webpages line its -page then its -main doc, then agreement, then majority.
A missing/null `main_content` becomes "" (the doc is still written; datatrove's JsonlReader
would silently skip it, record.py calls the filters on it directly).

Usage: build_input.py [--shared PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path

import zstandard

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst"


def read_jsonl(path: Path):
    if path.suffix == ".zst":
        with open(path, "rb") as raw:
            reader = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), encoding="utf-8")
            for line in reader:
                if line.strip():
                    yield json.loads(line)
    else:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def documents(shared: Path):
    for page in read_jsonl(shared / "webpages-dev.jsonl.zst"):
        extras = {"url": page["url"], "page_type": page["page_type"]}
        yield {"id": f"wp-{page['id']}-page", "text": page["text"] or "", **extras}
        yield {"id": f"wp-{page['id']}-main", "text": page["main_content"] or "", **extras}
    for name, tag in (("agreement_data.jsonl", "agree"), ("majority_data.jsonl", "major")):
        for i, doc in enumerate(read_jsonl(shared / "dclm-quality" / name)):
            yield {"id": f"dclm-{tag}-{i:04d}", "text": doc["text"] or "", "label": doc["label"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data",
                    help="the shared data folder (default: <repo>/../shared/data)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--level", type=int, default=19, help="zstd level (default 19)")
    args = ap.parse_args()

    shared = args.shared
    if not (shared / "webpages-dev.jsonl.zst").exists() and (shared / "data" / "webpages-dev.jsonl.zst").exists():
        shared = shared / "data"  # accept ../shared as well as ../shared/data
    if not (shared / "webpages-dev.jsonl.zst").exists():
        print(f"build_input: no webpages-dev.jsonl.zst under {shared}", file=sys.stderr)
        return 1

    buf = io.BytesIO()
    n = chars = empty = 0
    seen = set()
    for doc in documents(shared):
        assert doc["id"] not in seen, doc["id"]
        seen.add(doc["id"])
        n += 1
        chars += len(doc["text"])
        empty += not doc["text"]
        buf.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        buf.write(b"\n")
    raw = buf.getvalue()
    packed = zstandard.ZstdCompressor(level=args.level, write_content_size=True).compress(raw)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(packed)
    print(f"build_input: {n} docs ({empty} with empty text), {chars:,} chars, {len(raw)/1e6:.1f} MB JSONL "
          f"-> {args.out} {len(packed)/1e6:.2f} MB zstd-{args.level}, "
          f"sha256(jsonl)={hashlib.sha256(raw).hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
