#!/usr/bin/env python3
"""Score established main-content extractors (working from the HTML) on the boilerplate line labels.

usage: bench/boilerplate_peers.py [--data PATH] [--wcxb DIR] [--only NAME[,NAME...]]
                                  [--limit N] [--processes N] [--timeout S] [--json OUT.json]

Run it with a Python that has the extractors installed, e.g.
    python3 -m venv /work/venv-extract
    /work/venv-extract/bin/pip install trafilatura justext readability-lxml resiliparse lxml
    /work/venv-extract/bin/python bench/boilerplate_peers.py --json peers.json
An extractor that does not import is left out with a warning.

What it answers: `boilerplate_score.py` scores millstone's text-only stage on the line labels of
../shared/data/webpages-dev.jsonl.zst. Those pages were made from the HTML in
../shared/data/wcxb-dev/html/NNNN.html.gz (record id "dev-NNNN"), so the same labels can score
extractors that see the DOM: how far the state of the art gets on exactly these lines.

Systems, each given the page's HTML (decoded as UTF-8 with replacement, as the labels were):
  trafilatura                  trafilatura.extract(html, url=URL), default settings (text output)
  trafilatura favor_recall     the same with favor_recall=True
  jusText                      justext.justext(html, stoplist); the paragraphs not classified as
                               boilerplate, one per line. The stoplist is the one for the page's
                               <html lang="xx"> when jusText has it, else English (nearly all
                               pages here say "en")
  readability-lxml             readability.Document(html, url=URL).summary(), turned into text
                               with a newline around every block element (so that words of two
                               blocks never run together)
  resiliparse                  resiliparse.extract.html2text.extract_plain_text(html,
                               main_content=True)
  keep everything              every line kept (sanity row: R = 1, removed = 0)
  oracle (ground truth text)   the ground truth title + main_content from
                               ../shared/data/wcxb-dev/ground-truth/NNNN.json as the "extraction":
                               the ceiling of the mapping itself (R = 1 by construction)

Mapping an extraction to our lines: the rule the labels were made with
(../shared/tools/wetify.py). norm(s) = NFKC, lowercase, runs of non-word characters to one space,
trimmed. A line counts as kept when norm(line) is non-empty and is a substring of
norm(extracted text). An extractor that fails, times out (--timeout, SIGALRM in the worker) or
returns nothing keeps no line of that page; failures and timeouts are counted per system.

Metrics: as in boilerplate_score.py (its `load_docs`, which splits with `split_of`, `new_counts`
and `finish` are imported): content = positive class, kept = predicted positive, neutral lines
ignored, micro-averaged over lines; R = content kept, "removed" = share of boilerplate lines not kept.
Scopes: held-out articles, tune articles, held-out all pages, each page type on held-out
(held-out = sha1(id) % 5 == 0).

A second scoring sets aside the lines labelled content only because they equal the ground-truth
title (their norm is not inside norm(main_content)): extractors put the title in metadata, not
in the body text, so those lines (1.8 % of article content lines) cost them recall that says
nothing about the body.

Pages run in N worker processes (default 2). Standard library besides the extractors.

Measured (trafilatura 2.3.1, jusText 3.0.2, readability-lxml 0.9, resiliparse 2.0.1, lxml 6.1.3,
Python 3.11.7; 2 processes, ~150 s wall on 2 cores), held-out articles (159 pages),
P / R / F1 / boilerplate removed:
  trafilatura                 0.812 / 0.936 / 0.870 / 0.910
  trafilatura favor_recall    0.828 / 0.929 / 0.876 / 0.920
  jusText                     0.754 / 0.680 / 0.715 / 0.908
  readability-lxml            0.820 / 0.865 / 0.842 / 0.922
  resiliparse                 0.682 / 0.944 / 0.792 / 0.818
  keep everything             0.293 / 1.000 / 0.453 / 0.000
  oracle (ground truth text)  0.998 / 1.000 / 0.999 / 0.999
No extractor reaches R >= 0.97 with removed >= 0.90, nor F1 >= 0.95. No errors or timeouts;
pages with empty output (nothing kept): trafilatura 10, favor_recall 9, jusText 153,
readability 69, resiliparse 37. jusText's many empty pages come from its own cleaner, which
deletes form controls: where lxml parses a page's article inside a <button> (dev-0044), the
article goes with it.
"""

import argparse
import gzip
import json
import re
import signal
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boilerplate_score import (  # noqa: E402
    DEFAULT_DATA,
    PAGE_TYPES,
    finish,
    fmt,
    load_docs,
    new_counts,
    read_jsonl,
)

DEFAULT_WCXB = DEFAULT_DATA.parent / "wcxb-dev"

TRAF, TRAF_RECALL, JUSTEXT, READABILITY, RESILIPARSE = (
    "trafilatura", "trafilatura favor_recall", "jusText", "readability-lxml", "resiliparse")
EXTRACTORS = (TRAF, TRAF_RECALL, JUSTEXT, READABILITY, RESILIPARSE)
KEEP_ALL, ORACLE = "keep everything", "oracle (ground truth text)"

# <html lang> code -> jusText stoplist name (codes of languages jusText has a list for)
JUSTEXT_LANG = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish",
    "nb": "Norwegian_Bokmal", "no": "Norwegian_Bokmal", "fi": "Finnish", "cs": "Czech",
    "ru": "Russian", "tr": "Turkish", "id": "Indonesian",
}
HTML_LANG = re.compile(r"<html\b[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)

# elements that start a new line when readability's summary HTML is turned into text
BLOCK_TAGS = frozenset(
    "address article aside blockquote br caption dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "td tfoot th thead tr ul".split())


def norm(s: str) -> str:
    """The labels' normalisation: NFKC, lowercase, non-word runs to one space, trimmed."""
    s = unicodedata.normalize("NFKC", s).lower()
    return " ".join(re.sub(r"[^\w]+", " ", s).split())


def kept_lines(lines, extracted):
    """Indices of the lines whose non-empty norm is a substring of norm(extracted)."""
    if not extracted:
        return []
    hay = norm(extracted)
    out = []
    for i, line in enumerate(lines):
        k = norm(line)
        if k and k in hay:
            out.append(i)
    return out


# --- extractors (run inside the worker processes) --------------------------------------------
class Timeout(BaseException):
    """Not an Exception: trafilatura catches `Exception` around its fallbacks (readability,
    jusText, the recall retry), which would swallow the alarm and count the page as extracted."""


def _on_alarm(signum, frame):
    raise Timeout()


def available_extractors():
    """name -> callable(html, url) -> text, for the extractors that import; and warnings."""
    found, warnings = {}, []
    try:
        import trafilatura

        found[TRAF] = lambda html, url: trafilatura.extract(html, url=url)
        found[TRAF_RECALL] = lambda html, url: trafilatura.extract(html, url=url, favor_recall=True)
    except ImportError as e:
        warnings.append(f"trafilatura not available: {e}")
    try:
        import justext

        def run_justext(html, url):
            m = HTML_LANG.search(html[:20000])
            lang = JUSTEXT_LANG.get(m.group(1).lower()[:2], "English") if m else "English"
            paragraphs = justext.justext(html, justext.get_stoplist(lang))
            return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

        found[JUSTEXT] = run_justext
    except ImportError as e:
        warnings.append(f"jusText not available: {e}")
    try:
        import lxml.html
        from readability import Document

        def run_readability(html, url):
            summary = Document(html, url=url).summary()
            root = lxml.html.fromstring(summary)
            for el in root.iter():
                if isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS:
                    el.text = "\n" + (el.text or "")
                    el.tail = "\n" + (el.tail or "")
            return root.text_content()

        found[READABILITY] = run_readability
    except ImportError as e:
        warnings.append(f"readability-lxml not available: {e}")
    try:
        from resiliparse.extract.html2text import extract_plain_text

        found[RESILIPARSE] = lambda html, url: extract_plain_text(html, main_content=True)
    except ImportError as e:
        warnings.append(f"resiliparse not available: {e}")
    return found, warnings


_WORKER = {}


def _init_worker(only, timeout):
    signal.signal(signal.SIGALRM, _on_alarm)
    found, _ = available_extractors()
    _WORKER["extractors"] = {k: v for k, v in found.items() if only is None or k in only}
    _WORKER["timeout"] = timeout


def run_page(job):
    """One page through every extractor: {system: {"kept", "status", "seconds"}}."""
    doc_id, html_path, url, lines = job
    html = gzip.open(html_path).read().decode("utf-8", "replace")
    out = {}
    for name, fn in _WORKER["extractors"].items():
        t0 = time.process_time()
        status, text = "ok", None
        signal.alarm(_WORKER["timeout"])
        try:
            text = fn(html, url)
        except Timeout:
            status = "timeout"
        except Exception as e:  # an extractor's failure on one page: nothing kept
            status = f"error: {type(e).__name__}: {str(e)[:200]}"
        finally:
            signal.alarm(0)
        if status == "ok" and not (text or "").strip():
            status = "empty"
        kept = kept_lines(lines, text) if status == "ok" else []
        out[name] = {"kept": kept, "status": status, "seconds": time.process_time() - t0}
    return doc_id, out


# --- scoring ---------------------------------------------------------------------------------
def title_only_lines(d, main_norm):
    """Lines labelled content although their norm is not inside norm(main_content) (the title)."""
    return {i for i, (line, label) in enumerate(zip(d["lines"], d["labels"]))
            if label == "content" and norm(line) not in main_norm}


def score(docs, kept, systems, skip):
    """metrics[mode][system][scope] with scope in held-out/tune x page type and "all pages".

    kept[system][doc_id] = set of kept line indices; skip[doc_id] = title-only content lines,
    set aside in mode "no_title_only"."""
    counts = {mode: {s: defaultdict(new_counts) for s in systems}
              for mode in ("labels", "no_title_only")}
    for doc_id, d in docs.items():
        scopes = [(d["split"], d["page_type"]), (d["split"], "all pages")]
        for s in systems:
            k = kept[s][doc_id]
            for i, label in enumerate(d["labels"]):
                if label == "neutral":
                    continue
                content = label == "content"
                key = ("tp" if i in k else "fn") if content else ("fp" if i in k else "tn")
                for mode in counts:
                    if mode == "no_title_only" and i in skip[doc_id]:
                        continue
                    for scope in scopes:
                        counts[mode][s][scope][key] += 1
    return {mode: {s: {f"{sp}/{pt}": finish(c) for (sp, pt), c in by_scope.items()}
                   for s, by_scope in per_sys.items()}
            for mode, per_sys in counts.items()}


def print_table(title, metrics, systems, scope, n_pages):
    print(f"\n### {title} ({n_pages:,} pages)\n")
    print("| system | P | R | F1 | boilerplate removed | content lines | boilerplate lines |")
    print("|---|---|---|---|---|---|---|")
    for s in systems:
        r = metrics[s].get(scope)
        if r is None:
            continue
        print(f"| {s} | {fmt(r['precision'])} | {fmt(r['recall'])} | {fmt(r['f1'])} | "
              f"{fmt(r['boilerplate_removed'])} | {r['content_lines']:,} | "
              f"{r['boilerplate_lines']:,} |")


def print_page_types(metrics, systems, pages):
    print("\n### held-out, per page type: P / R / F1 / removed\n")
    types = [t for t in PAGE_TYPES if f"heldout/{t}" in metrics[systems[0]]]
    print("| system | " + " | ".join(f"{t} ({pages[('heldout', t)]})" for t in types) + " |")
    print("|---|" + "---|" * len(types))
    for s in systems:
        cells = []
        for t in types:
            r = metrics[s][f"heldout/{t}"]
            cells.append(" / ".join(fmt(r[k]) for k in
                                    ("precision", "recall", "f1", "boilerplate_removed")))
        print(f"| {s} | " + " | ".join(cells) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="labelled pages (default: ../shared/data/webpages-dev.jsonl.zst)")
    ap.add_argument("--wcxb", type=Path, default=DEFAULT_WCXB,
                    help="folder with html/NNNN.html.gz and ground-truth/NNNN.json "
                         "(default: ../shared/data/wcxb-dev)")
    ap.add_argument("--only", help="comma-separated extractor names to run (default: all)")
    ap.add_argument("--limit", type=int, help="score only the first N pages (for a quick check)")
    ap.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds one extractor may spend on one page (default 120)")
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    args = ap.parse_args()

    found, warnings = available_extractors()
    only = set(args.only.split(",")) if args.only else None
    if only:
        unknown = only - set(EXTRACTORS)
        if unknown:
            sys.exit(f"error: unknown extractor(s) {sorted(unknown)}; known: {list(EXTRACTORS)}")
    extractors = [e for e in EXTRACTORS if e in found and (only is None or e in only)]
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)

    docs = load_docs(args.data)
    urls = {}
    for rec in read_jsonl(args.data):
        urls[rec["id"]] = rec.get("url")
    if args.limit:
        docs = dict(list(docs.items())[: args.limit])

    jobs, oracle_text, skip = [], {}, {}
    for doc_id, d in docs.items():
        fid = doc_id.rsplit("-", 1)[1]
        html_path = args.wcxb / "html" / f"{fid}.html.gz"
        gt = json.loads((args.wcxb / "ground-truth" / f"{fid}.json").read_text(encoding="utf-8"))
        gt = gt["ground_truth"]
        main_text = gt.get("main_content") or ""
        oracle_text[doc_id] = (gt.get("title") or "") + "\n" + main_text
        skip[doc_id] = title_only_lines(d, norm(main_text))
        jobs.append((doc_id, str(html_path), urls.get(doc_id), d["lines"]))

    kept = {s: {} for s in (*extractors, KEEP_ALL, ORACLE)}
    status = {s: Counter() for s in extractors}
    failures = {s: [] for s in extractors}
    seconds = Counter()
    for doc_id, d in docs.items():
        kept[KEEP_ALL][doc_id] = set(range(len(d["lines"])))
        kept[ORACLE][doc_id] = set(kept_lines(d["lines"], oracle_text[doc_id]))

    print(f"extractors: {', '.join(extractors)}; {len(jobs):,} pages, "
          f"{args.processes} processes, timeout {args.timeout} s", file=sys.stderr)
    t0 = time.monotonic()
    with Pool(args.processes, initializer=_init_worker, initargs=(only, args.timeout)) as pool:
        for n, (doc_id, res) in enumerate(pool.imap_unordered(run_page, jobs, chunksize=2), 1):
            for s, r in res.items():
                kept[s][doc_id] = set(r["kept"])
                st = r["status"].split(":")[0]
                status[s][st] += 1
                seconds[s] += r["seconds"]
                if st in ("error", "timeout"):
                    failures[s].append(f"{doc_id}: {r['status']}")
            if n % 100 == 0:
                print(f"  {n:,} pages, {time.monotonic() - t0:.0f} s", file=sys.stderr)
    wall = time.monotonic() - t0

    systems = [*extractors, KEEP_ALL, ORACLE]
    metrics = score(docs, kept, systems, skip)
    pages = Counter((d["split"], d["page_type"]) for d in docs.values())
    for sp in ("heldout", "tune"):
        pages[(sp, "all pages")] = sum(1 for d in docs.values() if d["split"] == sp)

    print(f"# main-content extractors vs line labels: {args.data.name}\n")
    print(f"pages: {len(docs):,} (held-out {pages[('heldout', 'all pages')]:,}, "
          f"tune {pages[('tune', 'all pages')]:,}); {args.processes} processes, "
          f"{wall:.0f} s wall")
    print("a line is kept when its non-empty norm() is a substring of norm(extracted text); "
          "content = positive, neutral lines ignored, micro-averaged over lines")
    print("\nper extractor: pages ok / empty output / error / timeout; CPU seconds in the "
          "extractor (summed over workers, mapping included)\n")
    print("| extractor | ok | empty | error | timeout | CPU s |")
    print("|---|---|---|---|---|---|")
    for s in extractors:
        c = status[s]
        print(f"| {s} | {c['ok']:,} | {c['empty']:,} | {c['error']:,} | {c['timeout']:,} | "
              f"{seconds[s]:.0f} |")
    for s in extractors:
        for f in failures[s][:5]:
            print(f"- {s} failed on {f}")
        if len(failures[s]) > 5:
            print(f"- {s}: {len(failures[s]) - 5} more failures")

    m = metrics["labels"]
    print_table("held-out articles", m, systems, "heldout/article", pages[("heldout", "article")])
    print_table("tune articles", m, systems, "tune/article", pages[("tune", "article")])
    print_table("held-out, all pages", m, systems, "heldout/all pages",
                pages[("heldout", "all pages")])
    print_page_types(m, systems, pages)
    m2 = metrics["no_title_only"]
    print("\n## the same with lines that are content only by equalling the ground-truth title "
          "set aside")
    print_table("held-out articles, title-only lines set aside", m2, systems, "heldout/article",
                pages[("heldout", "article")])
    print_table("tune articles, title-only lines set aside", m2, systems, "tune/article",
                pages[("tune", "article")])
    print_table("held-out, all pages, title-only lines set aside", m2, systems,
                "heldout/all pages", pages[("heldout", "all pages")])

    if args.json:
        versions = {}
        for dist in ("trafilatura", "jusText", "readability-lxml", "resiliparse", "lxml"):
            try:
                versions[dist] = version(dist)
            except PackageNotFoundError:
                versions[dist] = None
        report = {
            "data": str(args.data),
            "wcxb": str(args.wcxb),
            "pages": len(docs),
            "processes": args.processes,
            "timeout_seconds": args.timeout,
            "wall_seconds": wall,
            "versions": versions,
            "python": sys.version.split()[0],
            "status": {s: dict(c) for s, c in status.items()},
            "cpu_seconds": dict(seconds),
            "failures": failures,
            "metrics": metrics,
            "warnings": warnings,
        }
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
