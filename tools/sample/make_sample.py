#!/usr/bin/env python3
"""Build data/sample/ from ../shared/data/webpages-dev.jsonl.zst: the first N crawled pages as
crawl-style JSONL (id, url, page_type, text), zstd-compressed. Needs the `zstd` command-line tool. Usage: tools/sample/make_sample.py [N]"""
import io
import json
import pathlib
import shutil
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[2]
src = root.parent / "shared" / "data" / "webpages-dev.jsonl.zst"
out = root / "data" / "sample" / "webpages.jsonl.zst"
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000

raw = subprocess.run(["zstd", "-dc", str(src)], check=True, capture_output=True).stdout
lines = []
for line in io.BytesIO(raw):
    d = json.loads(line)
    lines.append(json.dumps({"id": d["id"], "url": d["url"], "page_type": d["page_type"], "text": d["text"]},
                            ensure_ascii=False))
    if len(lines) == n:
        break
data = ("\n".join(lines) + "\n").encode()
out.parent.mkdir(parents=True, exist_ok=True)
subprocess.run(["zstd", "-19", "-q", "-f", "-o", str(out)], input=data, check=True)
print(f"wrote {len(lines)} documents ({len(data)/1e6:.1f} MB of JSONL) to {out}")
