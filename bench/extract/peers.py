#!/usr/bin/env python3
"""Run the Python HTML extraction peers on WCXB pages and write their predictions for score.py.

usage: bench/extract/.venv/bin/python bench/extract/peers.py [--data DIR] [--out DIR]
           [--extractors NAME,...] [--limit N]

Peers (from PyPI, pinned in requirements.txt; bench/extract/setup.sh makes the venv):
  trafilatura            trafilatura.extract(html) with its defaults
  trafilatura_precision  trafilatura.extract(html, favor_precision=True, include_comments=False,
                         deduplicate=True): the call datatrove's Trafilatura step makes with
                         favour_precision=True, as FineWeb's recipe sets it (datatrove also runs
                         each page under a time limit, not applied here: see bench/README.md)
  resiliparse            resiliparse.extract.html2text.extract_plain_text(html, main_content=True)
                         (all other options at their defaults)
  trafilatura_bytes      (not run by default) trafilatura.extract(html bytes): its defaults, with
                         trafilatura's own decoding of the page

Input: DATA/html/NNNN.html.gz (every page is UTF-8; decoded once, outside the timed part, and the
same `str` is handed to every peer). No URL is given to any peer.

Output: OUT/NAME.jsonl (OUT/NAME{--suffix}.jsonl), one line per page in file order:
  {"id": "NNNN", "text": "...", "cpu_ms": <CPU time of the extraction call>}
CPU time is time.thread_time() around the one call (this thread only, so other processes on the
machine do not count), after one untimed warm-up call per peer (imports, caches). A peer that
returns None gives "" (scored as an empty prediction); one that raises gives "" and an "error"
field, and is counted on stderr.
"""

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
DEFAULT_OUT = HERE / "out"


def make_trafilatura(**options):
    import trafilatura

    def run(html: str) -> str:
        return trafilatura.extract(html, **options) or ""
    return run


def make_trafilatura_bytes():
    """trafilatura's defaults on the page's bytes, which it then decodes itself."""
    import trafilatura

    def run(html: str) -> str:
        return trafilatura.extract(html.encode("utf-8")) or ""
    return run


def make_resiliparse():
    from resiliparse.extract.html2text import extract_plain_text

    def run(html: str) -> str:
        return extract_plain_text(html, main_content=True) or ""
    return run


PEERS = {
    "trafilatura": lambda: make_trafilatura(),
    "trafilatura_precision": lambda: make_trafilatura(favor_precision=True, include_comments=False,
                                                      deduplicate=True),
    "resiliparse": make_resiliparse,
    "trafilatura_bytes": make_trafilatura_bytes,
}
DEFAULT_PEERS = ("trafilatura", "trafilatura_precision", "resiliparse")


def load_pages(data: Path, limit):
    files = sorted((data / "html").glob("*.html.gz"))
    if not files:
        sys.exit(f"error: no *.html.gz in {data / 'html'}")
    if limit:
        files = files[:limit]
    pages = []
    for f in files:
        raw = gzip.decompress(f.read_bytes())
        pages.append((f.name.removesuffix(".html.gz"), raw.decode("utf-8", errors="replace")))
    return pages


def run_peer(name, run, pages, out: Path):
    errors = 0
    total_ms = 0.0
    run(pages[0][1])  # warm-up, untimed
    with open(out, "w", encoding="utf-8") as fh:
        for page_id, html in pages:
            rec = {"id": page_id}
            t0 = time.thread_time()
            try:
                text = run(html)
            except Exception as e:  # a peer failing on one page must not stop the run
                text = ""
                rec["error"] = f"{type(e).__name__}: {e}"
                errors += 1
            ms = (time.thread_time() - t0) * 1000.0
            total_ms += ms
            rec["text"] = text
            rec["cpu_ms"] = ms
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    n = len(pages)
    print(f"{name}: {n} pages, {total_ms / n:.2f} CPU ms/page, {1000 * n / total_ms:.1f} pages/s "
          f"per core, {errors} errors -> {out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--extractors", default=",".join(DEFAULT_PEERS),
                    help="comma-separated, from: " + ", ".join(PEERS))
    ap.add_argument("--limit", type=int, help="only the first N pages (a quick check)")
    ap.add_argument("--suffix", default="",
                    help="appended to each output name, e.g. `-1.11` when run with another "
                         "trafilatura (datatrove's venv pins 1.11.0)")
    args = ap.parse_args()
    names = [n for n in args.extractors.split(",") if n]
    unknown = [n for n in names if n not in PEERS]
    if unknown:
        sys.exit(f"error: unknown extractor(s) {', '.join(unknown)}; known: {', '.join(PEERS)}")
    pages = load_pages(args.data, args.limit)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        run_peer(name + args.suffix, PEERS[name](), pages, args.out / f"{name}{args.suffix}.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
