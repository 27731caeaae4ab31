#!/usr/bin/env python3
"""Build WARC files of real pages: WCXB dev HTML as crawl records, plus real crawl records.

usage: tools/sample-warc/build.py [--shared DIR] [--seed N] [--sample OUT.warc.gz]
                                  [--bench OUT.warc.gz] [--sample-pages N] [--no-bench]

Writes two WARC/1.1 files, one gzip member per record:
  --sample (default data/sample-warc/sample.warc.gz, committed): SAMPLE_PAGES pages of the *tune*
           split only (split = bench/boilerplate_score.py's split_of("dev-NNNN")), drawn with the
           seed from the tune pages whose gzipped HTML is at most SAMPLE_MAX_GZ bytes (to keep the
           file to a few MB), proportionally per page type;
  --bench  (default bench/extract/out/bench.warc.gz, not committed): all 1,497 pages.
Both end with every record of the two real WARC files in
SHARED/data/warc/dolma/tests/data/warc/ (copied byte for byte, gzip member by gzip member: their
own warcinfo, request, response, resource and metadata records).

Each WCXB page becomes, in a seeded shuffled order:
  - a `request` record (GET of the page's URL, HTTP/1.1, Host, User-Agent, Accept headers);
  - a `response` record: `HTTP/1.1 200 OK`, `Content-Type: text/html; charset=utf-8` (the stored
    HTML is UTF-8 whatever its <meta> says), Content-Length, Date; the HTML as the payload;
    WARC-Identified-Payload-Type text/html (as Common Crawl writes it); WARC-Concurrent-To the
    request; WARC-Target-URI = the page's URL from SHARED/data/webpages-dev.jsonl.zst (for the
    5 pages stored without one: the page's <link rel="canonical">, else
    https://wcxb-dev.invalid/page/NNNN).
Seeded extras, as a crawl has them (REDIRECT_SHARE, NOT_FOUND_SHARE of the pages):
  - before some pages, a request + `301 Moved Permanently` response for the page's URL with
    `http://` (Location: the https URL, empty payload), when the URL is https;
  - some pages get a request + `404 Not Found` response for URL + "/missing" with a small HTML
    body (a real crawl keeps such error pages).
Every record has WARC-Record-ID (urn:uuid from the seeded generator), WARC-Date (increasing by a
seeded step from 2025-10-01T00:00:00Z), WARC-Warcinfo-ID, Content-Length and WARC-Block-Digest
(sha1 of the block, base32); responses also WARC-Payload-Digest (sha1 of the HTTP body). The file
opens with one `warcinfo` record naming this script and the sources.

Validation: the output is read back with warcio and FastWARC when they can be imported (run with
bench/extract/.venv/bin/python; `bench/extract/setup.sh` makes it): both must read every record
without error, the counts must match what was written, and each WCXB response payload must be the
page's HTML byte for byte and match its digests. Without them the script says so and exits 1
after writing (use --no-validate to accept that).
"""

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import io
import json
import random
import re
import subprocess
import sys
import uuid
import zlib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "bench"))
from boilerplate_score import split_of  # noqa: E402  (the tune/heldout split, one definition)

SEED = 20261207
SAMPLE_PAGES = 200
SAMPLE_MAX_GZ = 32_000
REDIRECT_SHARE = 0.04
NOT_FOUND_SHARE = 0.01
START = dt.datetime(2025, 10, 1, tzinfo=dt.timezone.utc)
USER_AGENT = "millstone-sample-warc/1 (a rebuilt crawl of benchmark pages)"
# Host for the pages WCXB stores without a URL or canonical link (.invalid is reserved, RFC 2606).
NO_URL_HOST = "wcxb-dev.invalid"
DOLMA_FILES = ("sample-0000.warc.gz", "sample-0001.warc.gz")


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


class Writer:
    """Writes WARC/1.1 records, one gzip member each, with seeded ids and dates."""

    def __init__(self, fh, rng: random.Random):
        self.fh = fh
        self.rng = rng
        self.now = START
        self.warcinfo_id = None
        self.counts = Counter()

    def new_id(self) -> str:
        return f"<urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}>"

    def tick(self) -> str:
        self.now += dt.timedelta(milliseconds=self.rng.randint(200, 4000))
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def record(self, rec_type: str, block: bytes, content_type: str, headers=(), payload=None):
        rec_id = self.new_id()
        fields = [("WARC-Type", rec_type), ("WARC-Record-ID", rec_id), ("WARC-Date", self.tick())]
        if self.warcinfo_id and rec_type != "warcinfo":
            fields.append(("WARC-Warcinfo-ID", self.warcinfo_id))
        fields += list(headers)
        fields.append(("Content-Type", content_type))
        fields.append(("WARC-Block-Digest", sha1_b32(block)))
        if payload is not None:
            fields.append(("WARC-Payload-Digest", sha1_b32(payload)))
        fields.append(("Content-Length", str(len(block))))
        head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
        raw = head.encode("utf-8") + block + b"\r\n\r\n"
        # mtime=0: the same input and seed give the same bytes
        self.fh.write(gzip.compress(raw, compresslevel=6, mtime=0))
        self.counts[rec_type] += 1
        return rec_id

    def warcinfo(self, filename: str, description: str):
        body = (f"software: tools/sample-warc/build.py (millstone)\r\n"
                f"format: WARC File Format 1.1\r\n"
                f"filename: {filename}\r\n"
                f"description: {description}\r\n").encode()
        self.warcinfo_id = self.record("warcinfo", body, "application/warc-fields",
                                       [("WARC-Filename", filename)])

    def exchange(self, url: str, status: str, http_headers: list, body: bytes,
                 payload_type=None):
        """A request record and its response record; returns the response's record id."""
        host = url.split("/")[2]
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        req = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
               "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
               "Accept-Encoding: identity\r\n\r\n").encode("utf-8")
        req_id = self.record("request", req, "application/http;msgtype=request",
                             [("WARC-Target-URI", url)])
        date_hdr = self.now.strftime("%a, %d %b %Y %H:%M:%S GMT")
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in
                                                 http_headers + [("Date", date_hdr),
                                                                 ("Content-Length",
                                                                  str(len(body)))]) + "\r\n"
        extra = [("WARC-Target-URI", url), ("WARC-Concurrent-To", req_id)]
        if payload_type:
            extra.append(("WARC-Identified-Payload-Type", payload_type))
        return self.record("response", head.encode("utf-8") + body,
                           "application/http;msgtype=response", extra, payload=body)

    def copy_members(self, path: Path):
        """Copy every gzip member of an existing per-record .warc.gz unchanged."""
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            d = zlib.decompressobj(31)
            d.decompress(data[pos:])
            if not d.eof:
                sys.exit(f"error: {path}: gzip member at byte {pos} is truncated")
            end = len(data) - len(d.unused_data)
            self.fh.write(data[pos:end])
            self.counts["copied"] += 1
            pos = end


CANONICAL = re.compile(rb"""<link\s[^>]*rel=["']?canonical["']?[^>]*>""", re.I)
HREF = re.compile(rb"""href=["']?(https?://[^"' >]+)""", re.I)


def page_url_from_html(html: bytes):
    """The page's <link rel="canonical"> URL, for the few pages WCXB stores without one."""
    m = CANONICAL.search(html)
    h = HREF.search(m.group(0)) if m else None
    return h.group(1).decode("utf-8", "replace") if h else None


def load_pages(shared: Path) -> list:
    """[{id, url, page_type, split, html, gz_size}] for every WCXB dev page, by id."""
    raw = subprocess.run(["zstd", "-dc", str(shared / "data" / "webpages-dev.jsonl.zst")],
                         check=True, capture_output=True).stdout
    urls = {}
    for line in io.BytesIO(raw):
        d = json.loads(line)
        urls[d["id"]] = (d["url"], d["page_type"])
    pages = []
    for f in sorted((shared / "data" / "wcxb-dev" / "html").glob("*.html.gz")):
        pid = f.name.removesuffix(".html.gz")
        if f"dev-{pid}" not in urls:
            sys.exit(f"error: page {pid} is not in webpages-dev.jsonl.zst")
        url, page_type = urls[f"dev-{pid}"]
        gz = f.read_bytes()
        html = gzip.decompress(gz)
        if not (url or "").startswith(("http://", "https://")):
            url = page_url_from_html(html) or f"https://{NO_URL_HOST}/page/{pid}"
        pages.append({"id": pid, "url": url, "page_type": page_type, "split": split_of(f"dev-{pid}"),
                      "html": html, "gz_size": len(gz)})
    return pages


def choose_sample(pages: list, n: int, rng: random.Random) -> list:
    """n tune pages of at most SAMPLE_MAX_GZ gzipped bytes, shares per page type as in the pool."""
    pool = [p for p in pages if p["split"] == "tune" and p["gz_size"] <= SAMPLE_MAX_GZ]
    if len(pool) < n:
        sys.exit(f"error: only {len(pool)} tune pages under {SAMPLE_MAX_GZ} bytes, {n} asked")
    by_type = defaultdict(list)
    for p in pool:
        by_type[p["page_type"]].append(p)
    chosen = []
    for t in sorted(by_type):
        chosen += rng.sample(by_type[t], round(n * len(by_type[t]) / len(pool)))
    rest = [p for p in pool if p not in chosen]
    while len(chosen) < n:
        chosen.append(rest.pop(rng.randrange(len(rest))))
    return sorted(chosen[:n], key=lambda p: p["id"])


def build(out: Path, pages: list, dolma_dir: Path, seed: int, description: str) -> dict:
    rng = random.Random(seed)
    order = pages[:]
    rng.shuffle(order)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = {"pages": {}, "redirects": 0, "not_found": 0}
    with open(out, "wb") as fh:
        w = Writer(fh, rng)
        w.warcinfo(out.name, description)
        for p in order:
            url = p["url"]
            if url.startswith("https://") and rng.random() < REDIRECT_SHARE:
                w.exchange("http://" + url[len("https://"):], "301 Moved Permanently",
                           [("Location", url), ("Content-Type", "text/html")], b"")
                written["redirects"] += 1
            rec_id = w.exchange(url, "200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                p["html"], payload_type="text/html")
            written["pages"][rec_id] = p
            if rng.random() < NOT_FOUND_SHARE:
                body = (b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>"
                        b"<h1>Not Found</h1><p>The requested URL was not found on this server."
                        b"</p></body></html>")
                w.exchange(url.rstrip("/") + "/missing", "404 Not Found",
                           [("Content-Type", "text/html; charset=iso-8859-1")], body,
                           payload_type="text/html")
                written["not_found"] += 1
        for name in DOLMA_FILES:
            w.copy_members(dolma_dir / name)
    written["records"] = dict(w.counts)
    return written


def validate(out: Path, written: dict, dolma_dir: Path) -> list:
    """Read `out` back with warcio and FastWARC; a list of problems (empty = valid)."""
    problems = []
    try:
        from warcio.archiveiterator import ArchiveIterator
        from fastwarc.warc import ArchiveIterator as FastIterator
    except ImportError as e:
        return [f"cannot validate without warcio and fastwarc ({e}); "
                "run with bench/extract/.venv/bin/python"]
    dolma_records = 0
    for name in DOLMA_FILES:
        with open(dolma_dir / name, "rb") as fh:
            dolma_records += sum(1 for _ in ArchiveIterator(fh))
    expected = sum(v for k, v in written["records"].items() if k != "copied") + dolma_records
    # warcio: every record, payload bytes and digests of our pages
    n, seen = 0, 0
    with open(out, "rb") as fh:
        for rec in ArchiveIterator(fh, check_digests="raise"):
            n += 1
            rid = rec.rec_headers.get_header("WARC-Record-ID")
            body = rec.content_stream().read()
            if rid in written["pages"]:
                seen += 1
                if body != written["pages"][rid]["html"]:
                    problems.append(f"warcio: payload of {rid} differs from page "
                                    f"{written['pages'][rid]['id']}")
    if n != expected:
        problems.append(f"warcio read {n} records, {expected} written")
    if seen != len(written["pages"]):
        problems.append(f"warcio found {seen} of {len(written['pages'])} page responses")
    # FastWARC: every record, block digests verified (also payload digests where present)
    n, bad = 0, 0
    with open(out, "rb") as fh:
        for rec in FastIterator(fh, parse_http=False):  # digests cover the raw HTTP block
            n += 1
            if not rec.verify_block_digest():
                bad += 1
            rec.reader.read()
    if n != expected:
        problems.append(f"FastWARC read {n} records, {expected} written")
    if bad:
        problems.append(f"FastWARC: {bad} records fail their block digest")
    bad = 0
    with open(out, "rb") as fh:
        for rec in FastIterator(fh, parse_http=True):
            if "WARC-Payload-Digest" in rec.headers and not rec.verify_payload_digest():
                bad += 1
    if bad:
        problems.append(f"FastWARC: {bad} records fail their payload digest")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--sample", type=Path, default=REPO / "data" / "sample-warc" / "sample.warc.gz")
    ap.add_argument("--bench", type=Path, default=REPO / "bench" / "extract" / "out" / "bench.warc.gz")
    ap.add_argument("--sample-pages", type=int, default=SAMPLE_PAGES)
    ap.add_argument("--no-bench", action="store_true", help="write the sample only")
    ap.add_argument("--no-validate", action="store_true")
    args = ap.parse_args()

    pages = load_pages(args.shared)
    dolma_dir = args.shared / "data" / "warc" / "dolma" / "tests" / "data" / "warc"
    rng = random.Random(args.seed)
    sample = choose_sample(pages, args.sample_pages, rng)
    jobs = [(args.sample, sample, f"{len(sample)} WCXB dev pages (tune split) as crawl records, "
                                  "then the dolma test WARC records")]
    if not args.no_bench:
        jobs.append((args.bench, pages, f"all {len(pages)} WCXB dev pages as crawl records, "
                                        "then the dolma test WARC records"))
    failed = False
    for out, chosen, description in jobs:
        written = build(out, chosen, dolma_dir, args.seed, description)
        types = Counter(p["page_type"] for p in written["pages"].values())
        print(f"{out}: {out.stat().st_size / 1e6:.2f} MB, {len(written['pages'])} pages "
              f"({', '.join(f'{t} {n}' for t, n in sorted(types.items()))}), "
              f"{written['redirects']} redirects, {written['not_found']} 404s, records "
              f"{written['records']} (copied = dolma gzip members)")
        if not args.no_validate:
            problems = validate(out, written, dolma_dir)
            for p in problems:
                print(f"  invalid: {p}", file=sys.stderr)
            failed |= bool(problems)
            if not problems:
                print("  valid: warcio and FastWARC read every record; payloads and digests match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
