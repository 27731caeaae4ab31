#!/usr/bin/env python3
"""Score millstone's line-level `boilerplate` stage against human line labels.

usage: bench/boilerplate_score.py [--millstone PATH] [--data PATH] [--ground-truth DIR]
                                  [--pipeline TOML] [--workdir DIR] [--json OUT.json]
                                  [--threads N] [--dump-errors N]

Data: ../shared/data/webpages-dev.jsonl.zst (1,497 real pages; `text` is split with
text.split("\\n"), one `line_labels` entry per line: content / boilerplate / neutral).

Runs `MILLSTONE run --pipeline P --force --compression none -q -o WORKDIR/out DATA`, reads
WORKDIR/out/kept/*.jsonl and WORKDIR/out/dropped/*.jsonl and takes the removed lines from
`millstone.removed_lines` = [{"line": index into the ORIGINAL text's lines, "reason": "..."}].
A document dropped by the `boilerplate` stage counts as every line removed.

Metrics (content = positive class, kept = predicted positive, neutral lines ignored), micro-averaged
over lines: precision, recall (content kept), F1, boilerplate removed (share of boilerplate lines
removed). Splits: heldout = sha1(id) % 5 == 0 (see `split_of`), tune = the rest. Rows: all
pages, each page type, and "news/blog" = the articles whose WCXB ground truth (--ground-truth,
default ../shared/data/wcxb-dev/ground-truth) has a publish date. Two baselines on
the same documents: keep everything, and datatrove's C4QualityFilter line rules alone.

Standard library only; `.zst` input is read through the `zstd -dc` command.
"""

import argparse
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "webpages-dev.jsonl.zst"
DEFAULT_MILLSTONE = REPO / "target" / "release" / "millstone"
DEFAULT_GROUND_TRUTH = REPO.parent / "shared" / "data" / "wcxb-dev" / "ground-truth"
DEFAULT_PIPELINE = '[[stage]]\ntype = "boilerplate"\n'
STAGE = "boilerplate"

SPLITS = ("tune", "heldout", "all")
PAGE_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")
ALL_PAGES = "all pages"
# Articles whose WCXB ground truth has a publish date: dated posts, i.e. news stories and blog
# posts (659 of the 793 dev articles). A row of its own next to the page types.
NEWS = "news/blog"
SYSTEMS = ("millstone boilerplate", "C4 line rules", "keep everything")
MILLSTONE, C4, KEEP_ALL = SYSTEMS


def split_of(doc_id: str) -> str:
    """"heldout" for one document in five (by sha1 of the id), "tune" for the rest."""
    return "heldout" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 5 == 0 else "tune"


# --- baseline: datatrove C4QualityFilter, line-level rules only ------------------------------
# datatrove/pipeline/filters/c4_filters.py (0.10.1) with its defaults, per line (after str.strip()):
#   max_word_length=1000  -> drop a line with a word over 1000 characters
#   remove_citations=True -> delete "[1]", "[edit]", "[citation needed]" before the next checks
#   filter_no_terminal_punct -> drop a line not ending in END_PUNCTUATION, or ending in "..."
#   min_words_per_line=3  -> drop a line with fewer than 3 words (words counted before citation
#                            removal, as datatrove does); this also drops empty lines
#   filter_javascript     -> drop a line containing "javascript" (lowercased)
#   filter_policy         -> drop a line containing one of POLICY_SUBSTRINGS (lowercased)
# Not applied, being document-level: lorem ipsum and curly bracket (drop the page),
# min_num_sentences=5 (drops the page after line filtering).
C4_END_PUNCTUATION = (".", "?", "!", '"', "'")
C4_ELLIPSIS = "..."
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
C4_POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


def c4_line_rule(line: str):
    """The C4 line rule that removes `line`, or None if the line is kept."""
    line = line.strip()
    words = line.split()
    if any(len(w) > 1000 for w in words):
        return "too_long_word"
    line = C4_CITATION.sub("", line)
    if not line.endswith(C4_END_PUNCTUATION) or line.endswith(C4_ELLIPSIS):
        return "no_terminal_punct"
    if len(words) < 3:
        return "too_few_words"
    lower = line.lower()
    if "javascript" in lower:
        return "javascript"
    if any(p in lower for p in C4_POLICY_SUBSTRINGS):
        return "policy"
    return None


# --- input and millstone output --------------------------------------------------------------
def read_jsonl(path: Path):
    """Records of a .jsonl, .jsonl.gz or .jsonl.zst file (zstd through the `zstd` command)."""
    name = path.name
    if name.endswith(".zst"):
        if shutil.which("zstd") is None:
            sys.exit("error: reading .zst needs the `zstd` command (apt-get install zstd)")
        proc = subprocess.Popen(["zstd", "-dcq", str(path)], stdout=subprocess.PIPE)
        try:
            for raw in proc.stdout:
                if raw.strip():
                    yield json.loads(raw)
        finally:
            proc.stdout.close()
            if proc.wait() != 0:
                sys.exit(f"error: zstd -dc {path} failed (exit {proc.returncode})")
        return
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rb") as f:
        for raw in f:
            if raw.strip():
                yield json.loads(raw)


def dated_ids(ground_truth: Path):
    """Ids ("dev-NNNN") of the pages whose WCXB ground truth (NNNN.json) has a publish date."""
    ids = set()
    if not ground_truth.is_dir():
        print(f"warning: no ground truth folder {ground_truth}: no {NEWS} row", file=sys.stderr)
        return ids
    for path in sorted(ground_truth.glob("*.json")):
        try:
            gt = json.loads(path.read_text()).get("ground_truth") or {}
        except (OSError, ValueError) as e:
            print(f"warning: {path}: {e}", file=sys.stderr)
            continue
        if isinstance(gt, dict) and gt.get("publish_date"):
            ids.add(f"dev-{path.stem}")
    return ids


def load_docs(path: Path, dated=frozenset()):
    """id -> {page_type, lines, labels, split, news}, in input order."""
    docs = {}
    for rec in read_jsonl(path):
        doc_id = rec["id"]
        lines = rec["text"].split("\n")  # never splitlines(): labels follow "\n" only
        labels = rec["line_labels"]
        if len(labels) != len(lines):
            sys.exit(f"error: {doc_id}: {len(labels)} labels for {len(lines)} lines")
        if doc_id in docs:
            sys.exit(f"error: duplicate id {doc_id} in {path}")
        docs[doc_id] = {
            "page_type": rec.get("page_type", "?"),
            "lines": lines,
            "labels": labels,
            "split": split_of(doc_id),
            "news": rec.get("page_type") == "article" and doc_id in dated,
        }
    return docs


def run_millstone(args, workdir: Path):
    """Run the pipeline into WORKDIR/out; returns (out, wall seconds)."""
    out = workdir / "out"
    if args.pipeline:
        pipeline = Path(args.pipeline)
    else:
        pipeline = workdir / "pipeline.toml"
        pipeline.write_text(DEFAULT_PIPELINE)
    cmd = [str(args.millstone), "run", "--pipeline", str(pipeline), "--force",
           "--compression", "none", "-q", "-o", str(out), str(args.data)]
    if args.threads:
        cmd[2:2] = ["--threads", str(args.threads)]
    print("$ " + " ".join(cmd), file=sys.stderr)
    t0 = time.monotonic()
    proc = subprocess.run(cmd)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"error: millstone exited with code {proc.returncode}")
    print(f"millstone: {wall:.2f} s wall", file=sys.stderr)
    return out, wall


def read_predictions(out: Path, docs, warnings):
    """id -> {"removed": {line index: reason}, "all": reason or None (dropped by the stage)}.

    Documents dropped by another stage of the pipeline are returned separately: the boilerplate
    stage never saw them, so they are left out of every system's scores."""
    preds, other_drops = {}, {}
    bad_entries = 0
    text_mismatch = 0
    for folder in ("kept", "dropped"):
        files = sorted((out / folder).glob("*.jsonl"))
        if not files and any((out / folder).glob("*")):
            sys.exit(f"error: {out / folder} holds no *.jsonl (was --compression none ignored?)")
        for path in files:
            for rec in read_jsonl(path):
                doc_id = rec.get("id")
                if doc_id not in docs:
                    warnings.append(f"output record {doc_id!r} ({path.name}) is not in the data")
                    continue
                if doc_id in preds or doc_id in other_drops:
                    warnings.append(f"{doc_id} is in the output twice; the first one counts")
                    continue
                n = len(docs[doc_id]["lines"])
                ms = rec.get("millstone") or {}
                removed = {}
                for e in ms.get("removed_lines") or []:
                    if isinstance(e, dict):
                        idx, reason = e.get("line"), e.get("reason")
                    else:
                        idx, reason = e, None
                    if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < n:
                        bad_entries += 1
                        continue
                    removed[idx] = str(reason) if reason is not None else "(no reason)"
                drop = ms.get("drop") if folder == "dropped" else None
                if folder == "dropped":
                    stage = (drop or {}).get("stage")
                    if stage != STAGE:
                        other_drops[doc_id] = str(stage)
                        continue
                    preds[doc_id] = {"removed": removed,
                                     "all": f"(doc dropped) {(drop or {}).get('reason')}"}
                else:
                    preds[doc_id] = {"removed": removed, "all": None}
                    text = rec.get("text")
                    lines = docs[doc_id]["lines"]
                    expect = "\n".join(l for i, l in enumerate(lines) if i not in removed)
                    if text is not None and text != expect:
                        text_mismatch += 1
    if bad_entries:
        warnings.append(f"{bad_entries} removed_lines entries without a valid line index ignored")
    return preds, other_drops, text_mismatch


# --- scoring ---------------------------------------------------------------------------------
def new_counts():
    # tp: content kept, fn: content removed, fp: boilerplate kept, tn: boilerplate removed
    return {"tp": 0, "fn": 0, "fp": 0, "tn": 0}


def finish(c):
    def div(a, b):
        return a / b if b else None

    p = div(c["tp"], c["tp"] + c["fp"])
    r = div(c["tp"], c["tp"] + c["fn"])
    f1 = div(2 * p * r, p + r) if p is not None and r is not None else None
    return {
        "precision": p,
        "recall": r,
        "f1": f1,
        "boilerplate_removed": div(c["tn"], c["tn"] + c["fp"]),
        "content_lines": c["tp"] + c["fn"],
        "boilerplate_lines": c["tn"] + c["fp"],
        **c,
    }


def score(docs, preds):
    counts = {s: {sp: defaultdict(new_counts) for sp in SPLITS} for s in SYSTEMS}
    # reason -> per split: removed lines by label
    reasons = {sp: defaultdict(Counter) for sp in SPLITS}
    errors = {"content_removed": [], "boilerplate_kept": []}
    for doc_id, d in docs.items():
        pred = preds[doc_id]
        removed, whole = pred["removed"], pred["all"]
        splits = (d["split"], "all")
        scopes = (ALL_PAGES, d["page_type"]) + ((NEWS,) if d["news"] else ())
        for i, (line, label) in enumerate(zip(d["lines"], d["labels"])):
            ms_removed = whole is not None or i in removed
            reason = removed.get(i) or whole
            if ms_removed:
                for sp in splits:
                    reasons[sp][reason][label] += 1
            if label not in ("content", "boilerplate"):
                continue  # neutral: not scored
            content = label == "content"
            for system, kept in ((MILLSTONE, not ms_removed),
                                 (C4, c4_line_rule(line) is None),
                                 (KEEP_ALL, True)):
                key = ("tp" if kept else "fn") if content else ("fp" if kept else "tn")
                for sp in splits:
                    for scope in scopes:
                        counts[system][sp][scope][key] += 1
            if d["split"] == "heldout":
                # an order that mixes documents, so examples do not all come from one page
                order = hashlib.sha1(f"{doc_id}\n{i}".encode()).hexdigest()
                ex = {"id": doc_id, "page_type": NEWS if d["news"] else d["page_type"],
                      "line": i, "text": line}
                if content and ms_removed:
                    errors["content_removed"].append((order, {**ex, "reason": reason}))
                elif not content and not ms_removed:
                    errors["boilerplate_kept"].append((order, ex))
    metrics = {s: {sp: {scope: finish(c) for scope, c in counts[s][sp].items()} for sp in SPLITS}
               for s in SYSTEMS}
    reason_table = {}
    for sp in SPLITS:
        rows = {}
        for reason, by_label in sorted(reasons[sp].items(), key=lambda kv: -sum(kv[1].values())):
            c, b = by_label.get("content", 0), by_label.get("boilerplate", 0)
            rows[reason] = {
                "removed_lines": sum(by_label.values()),
                "content": c,
                "boilerplate": b,
                "neutral": by_label.get("neutral", 0),
                "content_share": c / (c + b) if c + b else None,
            }
        reason_table[sp] = rows
    for k in errors:
        errors[k] = [ex for _, ex in sorted(errors[k], key=lambda t: t[0])]
    return metrics, reason_table, errors


# --- report ----------------------------------------------------------------------------------
def fmt(x):
    return "–" if x is None else f"{x:.3f}"


def scope_label(scope):
    return "articles" if scope == "article" else scope


def print_tables(metrics, reason_table, n_docs):
    for sp in SPLITS:
        print(f"\n### {sp} ({n_docs[sp]:,} docs)\n")
        print("| system | pages | P | R | F1 | boilerplate removed | content lines | boilerplate lines |")
        print("|---|---|---|---|---|---|---|---|")
        for system in SYSTEMS:
            m = metrics[system][sp]
            scopes = [ALL_PAGES, "article", NEWS]
            if system == MILLSTONE:
                scopes += [t for t in PAGE_TYPES if t != "article"]
                scopes += sorted(t for t in m if t not in scopes)  # page types not in the list
            for scope in scopes:
                if scope not in m:
                    continue
                r = m[scope]
                print(f"| {system} | {scope_label(scope)} | {fmt(r['precision'])} | "
                      f"{fmt(r['recall'])} | {fmt(r['f1'])} | {fmt(r['boilerplate_removed'])} | "
                      f"{r['content_lines']:,} | {r['boilerplate_lines']:,} |")
    rows = reason_table["tune"]
    print("\n### millstone removals by reason (tune split)\n")
    print("content share = lines labelled content / (content + boilerplate): wrong removals.\n")
    print("| reason | removed lines | content | boilerplate | neutral | content share |")
    print("|---|---|---|---|---|---|")
    for reason, r in rows.items():
        print(f"| {reason} | {r['removed_lines']:,} | {r['content']:,} | {r['boilerplate']:,} | "
              f"{r['neutral']:,} | {fmt(r['content_share'])} |")
    if not rows:
        print("| (none) | 0 | 0 | 0 | 0 | – |")


def clip(s, n=100):
    s = s.replace("\t", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def print_errors(errors, n):
    print(f"\n### held-out: content lines removed (first {n} of "
          f"{len(errors['content_removed']):,}, in hash order)\n")
    for ex in errors["content_removed"][:n]:
        print(f"- [{ex['reason']}] {ex['id']} ({ex['page_type']}) line {ex['line']}: "
              f"{clip(ex['text'])!r}")
    print(f"\n### held-out: boilerplate lines kept (first {n} of "
          f"{len(errors['boilerplate_kept']):,}, in hash order)\n")
    for ex in errors["boilerplate_kept"][:n]:
        print(f"- {ex['id']} ({ex['page_type']}) line {ex['line']}: {clip(ex['text'])!r}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--millstone", type=Path, default=DEFAULT_MILLSTONE,
                    help="millstone binary (default: target/release/millstone)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="labelled pages, .jsonl(.zst|.gz) (default: ../shared/data/webpages-dev.jsonl.zst)")
    ap.add_argument("--ground-truth", type=Path, default=DEFAULT_GROUND_TRUTH,
                    help=f"WCXB ground-truth folder, for the {NEWS} row (default: ../shared/data/wcxb-dev/ground-truth)")
    ap.add_argument("--pipeline", help='pipeline TOML (default: [[stage]] type = "boilerplate")')
    ap.add_argument("--workdir", type=Path, help="where millstone writes out/ (default: a temp dir, removed)")
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    ap.add_argument("--threads", type=int, help="millstone --threads")
    ap.add_argument("--dump-errors", type=int, default=0, metavar="N",
                    help="print N held-out content lines removed and N boilerplate lines kept")
    args = ap.parse_args()

    if not args.data.exists():
        sys.exit(f"error: no data file {args.data}")
    if not (args.millstone.exists() or shutil.which(str(args.millstone))):
        sys.exit(f"error: no millstone binary {args.millstone}")

    docs = load_docs(args.data, dated_ids(args.ground_truth))
    tmp = None
    if args.workdir:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="boilerplate_score.")
        workdir = Path(tmp.name)
    warnings = []
    try:
        out, wall = run_millstone(args, workdir)
        preds, other_drops, text_mismatch = read_predictions(out, docs, warnings)
    finally:
        if tmp is not None:
            tmp.cleanup()

    missing = [i for i in docs if i not in preds and i not in other_drops]
    if missing:
        warnings.append(f"{len(missing)} documents in neither kept/ nor dropped/ (rejected?), "
                        f"left out of every system's scores: {', '.join(missing[:5])}"
                        + (" …" if len(missing) > 5 else ""))
    if other_drops:
        by_stage = Counter(other_drops.values())
        warnings.append(f"{len(other_drops)} documents dropped by other stages "
                        f"({', '.join(f'{s}: {n}' for s, n in by_stage.items())}), "
                        "left out of every system's scores")
    scored = {i: d for i, d in docs.items() if i in preds}
    dropped_by_stage = sum(1 for p in preds.values() if p["all"] is not None)

    n_docs = Counter(d["split"] for d in scored.values())
    n_docs["all"] = len(scored)
    all_docs = Counter(d["split"] for d in docs.values())
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)

    metrics, reason_table, errors = score(scored, preds)

    print(f"# boilerplate stage vs line labels: {args.data.name}\n")
    print(f"documents: {len(docs):,} read; split tune {all_docs['tune']:,}, "
          f"heldout {all_docs['heldout']:,} (sha1(id) % 5 == 0); scored {len(scored):,} "
          f"(tune {n_docs['tune']:,}, heldout {n_docs['heldout']:,}); "
          f"missing from the output {len(missing):,}; dropped by other stages {len(other_drops):,}")
    print(f"millstone: {dropped_by_stage:,} documents dropped whole by `{STAGE}` (all lines count "
          f"as removed); {text_mismatch:,} kept documents whose text is not the original lines "
          f"minus removed_lines joined by \"\\n\"; {wall:.2f} s wall")
    print("metrics: content = positive, kept = predicted positive, neutral lines ignored, "
          "micro-averaged over lines; R = content kept, boilerplate removed = share of "
          "boilerplate lines removed")
    print_tables(metrics, reason_table, n_docs)
    if args.dump_errors:
        print_errors(errors, args.dump_errors)

    if args.json:
        report = {
            "data": str(args.data),
            "millstone": str(args.millstone),
            "pipeline": Path(args.pipeline).read_text() if args.pipeline else DEFAULT_PIPELINE,
            "threads": args.threads,
            "wall_seconds": wall,
            "docs": {
                "read": len(docs),
                "split": {"tune": all_docs["tune"], "heldout": all_docs["heldout"]},
                "scored": dict(n_docs),
                "missing": missing,
                "dropped_by_other_stages": other_drops,
                "dropped_by_boilerplate": dropped_by_stage,
                "text_mismatch": text_mismatch,
            },
            "metrics": metrics,
            "reasons": reason_table,
            "warnings": warnings,
        }
        if args.dump_errors:
            report["errors_heldout"] = {k: v[: args.dump_errors] for k, v in errors.items()}
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
