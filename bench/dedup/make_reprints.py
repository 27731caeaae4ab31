#!/usr/bin/env python3
"""Build a labelled reprint set: real article text, seeded noisy copies, template-sharing negatives.

usage: python3 bench/dedup/make_reprints.py -o OUTDIR [--seed 18] [--stories 300] [--negatives 200]
           [--wcxb /work/shared/data/wcxb-dev] [--slice N]

Standard library only. Same arguments -> the same bytes (everything is drawn from one
random.Random(seed) in a fixed order; inputs are read sorted by file name).

Source: the `main_content` (human-extracted main text) of the `article` pages of the WCXB dev
split's ground truth (CC-BY-4.0, Murrough Foley; the licence is copied to OUTDIR/LICENSE-wcxb and
kept with any committed slice). Articles with 250..2,500 whitespace words are used; the WCXB test
split is never read.

A *story* is one article. Its documents are the original (model `orig`) and one copy per noise
model (each applied to the original):

  wire        an agency header line and dateline before the text, credit and copyright lines
              after it (templates shared by every wire copy of every story)
  reorder     paragraphs shuffled
  edited      5..15 % of sentences dropped, 5..15 % rewritten (a third of their words replaced by
              words of other articles, or the sentence's two halves swapped), typos at 0.3 % of
              characters
  ocr         OCR-like character noise at 1..5 % of characters (look-alike substitutions such as
              rn->m, cl->d, l->1, e->c, other letters replaced, characters inserted, deleted),
              then the text re-wrapped into 45..75-column lines with some words hyphenated
  truncated   only the first 50..90 % of the characters (cut back to a space)
  ocr_trunc   ocr at 1..3 %, then truncated to 50..90 %
  excerpt     a contiguous run of 50..80 % of the sentences starting anywhere

Hard negatives (model `negative`): other articles (never a story's), in groups of four that
share one site template -- a header and a footer cut from real WCXB pages of other types
(service, product, listing ...), 400..1,200 characters each -- so unrelated stories share a
sizeable block of identical text. Every negative is its own story.

Split: each story (and each negative) goes to `tune` or `heldout` by a coin flip of the seeded
generator; defaults are chosen on `tune` only. Labels are by story: any two documents of one
story are a true pair however noisy; documents of different stories are not.

Outputs in OUTDIR:
  tune/docs.jsonl, heldout/docs.jsonl   {"id","text","story","model","ops"}; ids `s0042.orig`,
                                        `s0042.ocr`, `n0007` (negative)
  tune/clusters.jsonl, heldout/...      {"id","cluster"} (cluster = story), for `millstone evaluate`
  LICENSE-wcxb, recipe.json, stats.json
--slice N additionally writes slice/docs.jsonl: the first N held-out stories (all their copies)
and 2N held-out negatives, for a small committed test set.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import shutil

MODELS = ["wire", "reorder", "edited", "ocr", "truncated", "ocr_trunc", "excerpt"]

AGENCIES = [
    ("Associated Press", "AP"), ("Reuters", "Reuters"), ("Agence France-Presse", "AFP"),
    ("United Press International", "UPI"), ("Press Association", "PA"),
]
CITIES = ["LONDON", "NEW YORK", "WASHINGTON", "PARIS", "SYDNEY", "TORONTO", "CHICAGO", "DUBLIN"]
FOOTERS = [
    "Copyright {year} The {agency}. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed without permission.",
    "Reporting by staff; editing by the {short} desk. Our standards: The {agency} Trust Principles.",
    "Distributed by {agency} wire service. For syndication rights contact the licensing department.",
]

OCR_LOOKALIKE = [("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("vv", "w"), ("l", "1"),
                 ("1", "l"), ("O", "0"), ("0", "O"), ("e", "c"), ("c", "e"), ("i", "l"),
                 ("h", "b"), ("t", "f"), ("u", "n")]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SENT = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s for s in SENT.split(text) if s.strip()]


def op_wire(text, rng, year):
    name, short = rng.choice(AGENCIES)
    city = rng.choice(CITIES)
    head = f"{short} -- {rng.choice(['Top stories', 'World news', 'National desk', 'Business wire'])}"
    body = f"{city} ({short}) -- {text}"
    foot = "\n".join(f.format(year=year, agency=name, short=short)
                     for f in rng.sample(FOOTERS, rng.randint(1, 3)))
    return f"{head}\n\n{body}\n\n{foot}", {"op": "wire", "agency": short}


def op_reorder(text, rng):
    paras = [p for p in text.split("\n") if p.strip()]
    rng.shuffle(paras)
    return "\n\n".join(paras), {"op": "reorder", "paragraphs": len(paras)}


def op_typos(text, rng, rate):
    chars = list(text)
    n = max(1, round(rate * len(chars)))
    for p in sorted(rng.sample(range(len(chars)), min(n, len(chars))), reverse=True):
        if chars[p].isalpha():
            chars[p] = rng.choice(LETTERS)
    return "".join(chars)


def op_edited(text, rng, vocab):
    paras = text.split("\n")
    drop = rng.uniform(0.05, 0.15)
    rewrite = rng.uniform(0.05, 0.15)
    counts = {"dropped": 0, "rewritten": 0}
    out = []
    for para in paras:
        kept = []
        for s in sentences(para):
            r = rng.random()
            if r < drop:
                counts["dropped"] += 1
                continue
            if r < drop + rewrite:
                counts["rewritten"] += 1
                words = s.split()
                if rng.random() < 0.5 and len(words) > 6:
                    mid = len(words) // 2
                    words = words[mid:] + words[:mid]
                else:
                    for k in range(len(words)):
                        if rng.random() < 0.33:
                            words[k] = rng.choice(vocab)
                s = " ".join(words)
            kept.append(s)
        if kept:
            out.append(" ".join(kept))
    text = op_typos("\n".join(out), rng, 0.003)
    return text, {"op": "edited", "drop": round(drop, 3), "rewrite": round(rewrite, 3), **counts}


def op_ocr(text, rng, rate):
    chars = list(text)
    n = max(1, round(rate * len(chars)))
    counts = {"lookalike": 0, "sub": 0, "ins": 0, "del": 0}
    for p in sorted(rng.sample(range(len(chars)), min(n, len(chars))), reverse=True):
        if p >= len(chars) or chars[p].isspace():
            continue
        two = "".join(chars[p:p + 2])
        r = rng.random()
        done = False
        if r < 0.45:
            for a, b in OCR_LOOKALIKE:
                if two.startswith(a):
                    chars[p:p + len(a)] = list(b)
                    counts["lookalike"] += 1
                    done = True
                    break
        if done:
            continue
        r = rng.random()
        if r < 0.4:
            chars[p] = rng.choice(LETTERS)
            counts["sub"] += 1
        elif r < 0.7:
            chars.insert(p, rng.choice(LETTERS + ".,'"))
            counts["ins"] += 1
        else:
            del chars[p]
            counts["del"] += 1
    text = "".join(chars)
    # Re-wrap into columns, hyphenating some words at the line end (as scanned pages are).
    width = rng.randint(45, 75)
    lines = []
    for para in text.split("\n"):
        line = ""
        for w in para.split():
            if line and len(line) + 1 + len(w) > width:
                if len(w) > 7 and rng.random() < 0.3:
                    cut = rng.randint(3, len(w) - 3)
                    lines.append(f"{line} {w[:cut]}-")
                    line = w[cut:]
                    continue
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        if line:
            lines.append(line)
        lines.append("")
    return "\n".join(lines).strip(), {"op": "ocr", "rate": round(rate, 4), "width": width, **counts}


def op_truncate(text, rng, keep):
    cut = int(len(text) * keep)
    sp = text.rfind(" ", 0, cut)
    if sp > cut * 0.8:
        cut = sp
    return text[:cut].rstrip(), {"op": "truncate", "keep": round(keep, 3)}


def op_excerpt(text, rng):
    sents = [s for para in text.split("\n") for s in sentences(para)]
    share = rng.uniform(0.5, 0.8)
    k = max(1, round(share * len(sents)))
    start = rng.randint(0, len(sents) - k)
    return " ".join(sents[start:start + k]), {"op": "excerpt", "share": round(share, 3), "start": start}


def copy(text, model, rng, vocab, year):
    if model == "wire":
        t, o = op_wire(text, rng, year)
        return t, [o]
    if model == "reorder":
        t, o = op_reorder(text, rng)
        return t, [o]
    if model == "edited":
        t, o = op_edited(text, rng, vocab)
        return t, [o]
    if model == "ocr":
        t, o = op_ocr(text, rng, rng.uniform(0.01, 0.05))
        return t, [o]
    if model == "truncated":
        t, o = op_truncate(text, rng, rng.uniform(0.5, 0.9))
        return t, [o]
    if model == "ocr_trunc":
        t, o1 = op_ocr(text, rng, rng.uniform(0.01, 0.03))
        t, o2 = op_truncate(t, rng, rng.uniform(0.5, 0.9))
        return t, [o1, o2]
    if model == "excerpt":
        t, o = op_excerpt(text, rng)
        return t, [o]
    raise ValueError(model)


def cut_block(text, rng, lo, hi):
    """A run of whole lines of `text` of lo..hi characters (or the whole text if shorter)."""
    lines = [l for l in text.split("\n") if l.strip()]
    want = rng.randint(lo, hi)
    start = rng.randrange(len(lines))
    out = []
    for l in lines[start:] + lines[:start]:
        out.append(l)
        if sum(len(x) for x in out) >= want:
            break
    return "\n".join(out)[: hi]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--stories", type=int, default=300)
    ap.add_argument("--negatives", type=int, default=200)
    ap.add_argument("--wcxb", default="/work/shared/data/wcxb-dev")
    ap.add_argument("--slice", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    articles, others = [], []
    for f in sorted(glob.glob(os.path.join(args.wcxb, "ground-truth", "*.json"))):
        d = json.load(open(f, encoding="utf-8"))
        text = (d.get("ground_truth") or {}).get("main_content") or ""
        kind = d["_internal"]["page_type"]["primary"]
        if kind == "article" and 250 <= len(text.split()) <= 2500:
            articles.append((d["file_id"], text.strip()))
        elif kind != "article" and len(text) >= 1500:
            others.append((d["file_id"], text.strip()))
    rng.shuffle(articles)
    need = args.stories + args.negatives
    if len(articles) < need:
        raise SystemExit(f"only {len(articles)} articles, need {need}")
    bases, negs = articles[: args.stories], articles[args.stories:need]
    vocab = sorted({w for _, t in articles for w in t.split() if w.isalpha() and 3 <= len(w) <= 12})

    docs = {"tune": [], "heldout": []}
    for i, (fid, text) in enumerate(bases):
        split = "tune" if rng.random() < 0.5 else "heldout"
        story = f"s{i:04d}"
        year = 2020 + rng.randrange(7)
        docs[split].append({"id": f"{story}.orig", "text": text, "story": story, "model": "orig",
                            "ops": [], "source": f"wcxb-dev/{fid}"})
        for m in MODELS:
            t, ops = copy(text, m, rng, vocab, year)
            docs[split].append({"id": f"{story}.{m}", "text": t, "story": story, "model": m,
                                "ops": ops, "source": f"wcxb-dev/{fid}"})
    groups = [negs[k:k + 4] for k in range(0, len(negs), 4)]
    for g, group in enumerate(groups):
        (hid, htext), (fid_, ftext) = rng.sample(others, 2)
        header = cut_block(htext, rng, 400, 1200)
        footer = cut_block(ftext, rng, 400, 1200)
        split = "tune" if rng.random() < 0.5 else "heldout"
        for j, (fid, text) in enumerate(group):
            n = g * 4 + j
            docs[split].append({"id": f"n{n:04d}", "text": f"{header}\n\n{text}\n\n{footer}",
                                "story": f"n{n:04d}", "model": "negative",
                                "ops": [{"op": "template", "header": f"wcxb-dev/{hid}",
                                         "footer": f"wcxb-dev/{fid_}"}],
                                "source": f"wcxb-dev/{fid}"})

    os.makedirs(args.out, exist_ok=True)
    stats = {}
    for split, ds in docs.items():
        rng.shuffle(ds)
        d = os.path.join(args.out, split)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "docs.jsonl"), "w", encoding="utf-8") as f:
            for doc in ds:
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        with open(os.path.join(d, "clusters.jsonl"), "w", encoding="utf-8") as f:
            for doc in ds:
                f.write(json.dumps({"id": doc["id"], "cluster": doc["story"]}) + "\n")
        stats[split] = {"documents": len(ds), "stories": len({x["story"] for x in ds}),
                        "bytes": sum(len(x["text"].encode()) for x in ds)}
    if args.slice:
        held = docs["heldout"]
        stories = sorted({x["story"] for x in held if x["model"] != "negative"})[: args.slice]
        negatives = sorted({x["story"] for x in held if x["model"] == "negative"})[: 2 * args.slice]
        keep = set(stories) | set(negatives)
        d = os.path.join(args.out, "slice")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "docs.jsonl"), "w", encoding="utf-8") as f:
            for doc in held:
                if doc["story"] in keep:
                    f.write(json.dumps({k: doc[k] for k in ("id", "text", "story", "model")},
                                       ensure_ascii=False) + "\n")
    shutil.copyfile(os.path.join(args.wcxb, "LICENSE"), os.path.join(args.out, "LICENSE-wcxb"))
    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump({"args": {k: v for k, v in vars(args).items() if k != "out"}, "models": MODELS},
                  f, indent=1)
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
