#!/usr/bin/env python3
"""Score HTML main-content extractors on WCXB pages with WCXB's own word-F1 rules.

usage: bench/extract/score.py [--data DIR] [--split all|tune|heldout] [--json OUT.json]
                              [--per-page OUT.jsonl] PRED.jsonl [NAME=PRED.jsonl ...]

Predictions: one JSONL file per extractor, one line per page,
    {"id": "0001", "text": "...", "cpu_ms": 12.3}
`id` is the page's file stem in DATA/html and DATA/ground-truth (`0001` for 0001.html.gz and
0001.json). The extractor's name is NAME if given, else the file stem. A page absent from a file is
scored as an empty prediction (as WCXB's evaluate.py does) and counted in the `missing` column; its
CPU time is unknown and left out of the CPU mean. A page given twice is an error.

Scoring (the rules of evaluate.py in github.com/Murrough-Foley/web-content-extraction-benchmark):
- tokens: the text lowercased (str.lower), then every match of the regex `\\w+` (Unicode);
- per page: overlap = size of the multiset intersection of predicted and reference tokens;
  P = overlap / predicted tokens, R = overlap / reference tokens, F1 = 2PR / (P + R) (0 if P+R = 0);
  an empty reference scores 1/1/1 against an empty prediction and 0/0/0 otherwise; an empty
  prediction against a non-empty reference scores 0/0/0;
- the reference is ground_truth.main_content; a ground-truth file whose `ground_truth` is not an
  object is not a page;
- page type: _internal.page_type.primary (a plain string is taken as is; missing = article;
  `category` is counted as `collection`);
- reported P, R and F1 are means of the per-page values (macro), overall and per page type.
WCXB also reports `with`/`without` snippet rates; they are in --json, not in the table.

Splits: heldout = sha1("dev-" + id) % 5 == 0, tune = the rest. The id "dev-NNNN" is the id these
pages carry in ../shared/data/webpages-dev.jsonl.zst, so the split is the same page for page as
bench/boilerplate_score.py's (it uses that file and `split_of` below is its function).

Speed: mean of cpu_ms over the pages that have it, and pages/s per core = 1000 / that mean.

Standard library only.
"""

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from boilerplate_score import split_of  # noqa: E402  (same split rule, one definition)

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
PAGE_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")
ALL = "all"
TOKEN = re.compile(r"\w+")


def tokenize(text: str) -> list:
    """WCXB's tokens: lowercase first, then `\\w+` runs."""
    if not text:
        return []
    return TOKEN.findall(text.lower())


def word_prf(predicted: str, reference: str) -> tuple:
    """(precision, recall, f1) of one page, with WCXB's edge cases."""
    pred = tokenize(predicted)
    ref = tokenize(reference)
    if not ref:
        return (1.0, 1.0, 1.0) if not pred else (0.0, 0.0, 0.0)
    if not pred:
        return (0.0, 0.0, 0.0)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    p = overlap / len(pred)
    r = overlap / len(ref)
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return (p, r, f1)


def snippet_rate(text: str, snippets: list) -> float:
    """Share of `snippets` found (case-insensitive substring) in `text`; 1.0 if there are none."""
    if not snippets:
        return 1.0
    low = text.lower()
    return sum(1 for s in snippets if s.lower() in low) / len(snippets)


def page_type_of(gt: dict) -> str:
    pt = (gt.get("_internal") or {}).get("page_type", {})
    if isinstance(pt, dict):
        pt = pt.get("primary", "article")
    elif not isinstance(pt, str):
        pt = "article"
    return "collection" if pt == "category" else pt


def page_split(page_id: str) -> str:
    return split_of(f"dev-{page_id}")


def load_truth(data: Path) -> dict:
    """id -> {reference, with, without, page_type, split}, sorted by id."""
    gt_dir = data / "ground-truth"
    files = sorted(gt_dir.glob("*.json"))
    if not files:
        sys.exit(f"error: no ground-truth files in {gt_dir}")
    truth = {}
    for f in files:
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            sys.exit(f"error: {f}: {e}")
        gt = rec.get("ground_truth")
        if not isinstance(gt, dict):
            continue
        truth[f.stem] = {
            "reference": gt.get("main_content") or "",
            "with": gt.get("with") or [],
            "without": gt.get("without") or [],
            "page_type": page_type_of(rec),
            "split": page_split(f.stem),
        }
    return truth


def load_predictions(path: Path, truth: dict, warnings: list) -> dict:
    """id -> {"text", "cpu_ms"} from one JSONL file."""
    preds = {}
    unknown = 0
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                page_id = str(rec["id"])
                text = rec.get("text") or ""
                cpu = rec.get("cpu_ms")
                if not isinstance(text, str) or not (cpu is None or isinstance(cpu, (int, float))):
                    raise ValueError("`text` must be a string and `cpu_ms` a number")
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"error: {path} line {n}: {e}")
            if page_id in preds:
                sys.exit(f"error: {path} line {n}: page {page_id} given twice")
            if page_id not in truth:
                unknown += 1
                continue
            preds[page_id] = {"text": text, "cpu_ms": None if cpu is None else float(cpu)}
    if unknown:
        warnings.append(f"{path}: {unknown} ids not in the ground truth, ignored")
    return preds


def score(truth: dict, preds: dict, split: str):
    """Per-scope sums and the per-page rows of one extractor."""
    sums = defaultdict(lambda: Counter())
    rows = []
    for page_id, t in truth.items():
        if split != ALL and t["split"] != split:
            continue
        pred = preds.get(page_id)
        text = pred["text"] if pred else ""
        p, r, f1 = word_prf(text, t["reference"])
        row = {"id": page_id, "page_type": t["page_type"], "split": t["split"],
               "precision": p, "recall": r, "f1": f1,
               "with": snippet_rate(text, t["with"]), "without": snippet_rate(text, t["without"]),
               "missing": pred is None, "cpu_ms": pred["cpu_ms"] if pred else None}
        rows.append(row)
        for scope in (ALL, t["page_type"]):
            s = sums[scope]
            s["pages"] += 1
            s["missing"] += row["missing"]
            for k in ("precision", "recall", "f1", "with", "without"):
                s[k] += row[k]
            if row["cpu_ms"] is not None:
                s["timed"] += 1
                s["cpu_ms"] += row["cpu_ms"]
    return sums, rows


def summary(s: Counter) -> dict:
    n = s["pages"]
    out = {"pages": n, "missing": s["missing"]}
    for k in ("precision", "recall", "f1", "with", "without"):
        out[k] = s[k] / n if n else None
    out["cpu_ms_per_page"] = s["cpu_ms"] / s["timed"] if s["timed"] else None
    out["pages_per_cpu_s"] = (1000.0 / out["cpu_ms_per_page"]
                              if out["cpu_ms_per_page"] else None)
    return out


def scopes_of(sums: dict) -> list:
    extra = sorted(k for k in sums if k != ALL and k not in PAGE_TYPES)
    return [k for k in (ALL,) + PAGE_TYPES if k in sums] + extra


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def print_tables(results: dict, split: str, truth: dict):
    n_split = Counter(t["split"] for t in truth.values())
    print(f"## split: {split} (tune {n_split['tune']}, heldout {n_split['heldout']}; "
          f"heldout = sha1(\"dev-\" + id) % 5 == 0)\n")
    print("### overall\n")
    print("| extractor | pages | missing | P | R | F1 | CPU ms/page | pages/s per core |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, res in results.items():
        a = res[ALL]
        print(f"| {name} | {a['pages']} | {a['missing']} | {fmt(a['precision'], '.3f')} | "
              f"{fmt(a['recall'], '.3f')} | {fmt(a['f1'], '.3f')} | "
              f"{fmt(a['cpu_ms_per_page'], '.2f')} | {fmt(a['pages_per_cpu_s'], '.1f')} |")
    scopes = []
    for res in results.values():
        scopes += [s for s in res if s not in scopes and s != ALL]
    scopes = scopes_of({s: 1 for s in scopes})
    print("\n### F1 per page type (P / R below)\n")
    counts = {}
    for res in results.values():
        for s in scopes:
            counts.setdefault(s, res[s]["pages"] if s in res else None)
    print("| extractor | " + " | ".join(f"{s} ({counts[s]})" for s in scopes) + " |")
    print("|---|" + "---:|" * len(scopes))
    for name, res in results.items():
        print(f"| {name} | " + " | ".join(fmt(res[s]["f1"], ".3f") if s in res else "—"
                                          for s in scopes) + " |")
    print()
    print("| extractor | " + " | ".join(f"{s} P / R" for s in scopes) + " |")
    print("|---|" + "---:|" * len(scopes))
    for name, res in results.items():
        print(f"| {name} | " + " | ".join(
            f"{fmt(res[s]['precision'], '.3f')} / {fmt(res[s]['recall'], '.3f')}"
            if s in res else "—" for s in scopes) + " |")
    print()


def parse_pred_arg(arg: str):
    if "=" in arg and not Path(arg).exists():
        name, path = arg.split("=", 1)
        return name, Path(path)
    return Path(arg).stem, Path(arg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("predictions", nargs="+", metavar="[NAME=]PRED.jsonl")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="WCXB split folder holding ground-truth/ (default: %(default)s)")
    ap.add_argument("--split", choices=("all", "tune", "heldout"), default="all")
    ap.add_argument("--json", type=Path, help="write every figure as JSON here")
    ap.add_argument("--per-page", type=Path, metavar="OUT.jsonl",
                    help="write one line per extractor and page (id, type, split, P, R, F1)")
    args = ap.parse_args()

    truth = load_truth(args.data)
    warnings = []
    results, all_rows = {}, []
    for arg in args.predictions:
        name, path = parse_pred_arg(arg)
        if name in results:
            sys.exit(f"error: extractor name {name} given twice")
        if not path.exists():
            sys.exit(f"error: no prediction file {path}")
        preds = load_predictions(path, truth, warnings)
        sums, rows = score(truth, preds, args.split)
        results[name] = {scope: summary(s) for scope, s in sums.items()}
        all_rows += [{"extractor": name, **r} for r in rows]
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)

    print(f"# word F1 (WCXB rules) on {args.data} ({len(truth)} pages with ground truth)\n")
    print_tables(results, args.split, truth)
    if args.json:
        args.json.write_text(json.dumps({"data": str(args.data), "split": args.split,
                                         "results": results, "warnings": warnings},
                                        indent=1) + "\n")
    if args.per_page:
        with open(args.per_page, "w", encoding="utf-8") as fh:
            for r in all_rows:
                fh.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
