#!/usr/bin/env python3
"""Build a labelled near-duplicate set from real texts, with labels from EXACT Jaccard.

usage: /work/venv-dt/bin/python bench/dedup/make_neardup.py -o OUTDIR
           [--seed 4] [--web-bases 200] [--dclm-bases 60] [--distractors 300]
           [--variants 2] [--processes 2]

Recipe (everything below is drawn from one random.Random(seed); same arguments -> same bytes):

Base documents (real, unchanged): `main_content` of webpages-dev pages (human-extracted main
text) with 200..4,000 whitespace words, and DCLM documents (majority_data.jsonl) with 200..4,000
words. --web-bases / --dclm-bases are sampled from those (sorted by id first).

For every base: the original (level `orig`) and VARIANTS documents per noise level:
  exact    variant 1 is a byte-identical copy; every further one is a normalisation-only copy
           (digits replaced by other digits, some words' case flipped, some punctuation replaced by
           other punctuation, spaces doubled, blank lines added) -- identical after simplify_text.
  light / medium / heavy / extreme: each op below is applied with a level-dependent probability,
           with parameters drawn from level-dependent ranges (see LEVELS), in this order:
    headline      the first line is replaced by the title (first line, 3..25 words, <= 150 chars) of another real page
                  (when the first line is longer than 300 chars, the title is put above it)
    shuffle       k random pairs of paragraphs (blank-line blocks, else lines) are swapped;
                  extreme shuffles all paragraphs
    words         word edits at rate r of the words: substitution / insertion / deletion, 1/3 each;
                  inserted and substituting words are drawn from the words of the real texts
    boilerplate   n lines labelled `boilerplate` in other webpages-dev pages (15..300 chars) are
                  inserted, half at the top or bottom, half between random lines
    ocr           character noise at rate c of the characters: OCR confusions (rn<->m, cl<->d,
                  l<->1, O<->0, vv<->w, e<->c, i<->l, h<->b), else a dropped or a doubled character
    truncate      only the first fraction f of the characters is kept (cut back to a space)
  The applied ops and their drawn parameters are recorded in the document's `ops` field.
Distractors (level `distractor`): real documents that are not bases -- webpages-dev pages (their
`main_content` or their whole crawl `text`, coin flip) and DCLM documents, >= 50 words.
All documents are shuffled (seeded) and numbered; ids say what they are:
`b0042.orig`, `b0042.light.1`, `x0007` (distractor).

Labels: exact Jaccard J(a, b) = |S(a) & S(b)| / |S(a) | S(b)| of the shingle SETS, S = the
xxh64 hashes of the word 5-grams of datatrove's spaCy English tokens of simplify_text(text)
(the set MinHash estimates; bench/dedup/common.py). J is computed for EVERY pair of documents
that shares a shingle (inverted index), so the J >= 0.8 graph is complete. A document with
fewer than 5 tokens has no shingles and is nobody's duplicate.

Level of a pair = the higher of its two documents' levels in the order
orig = distractor < exact < light < medium < heavy < extreme.

Outputs in OUTDIR:
  docs.jsonl.zst          id, text, base (null for distractors), level, ops, source
  pairs-<level>.jsonl     {"a","b","duplicate": J >= 0.8,"jaccard": J,"kind"} for
                          kind=within: every pair of two documents of the same base;
                          kind=cross-overlap: every cross-base pair with J >= 0.05;
                          kind=cross-random: a random sample of other cross-base pairs, as many
                          as there are `within` pairs of that level (orig: as many as bases)
                          -- each pair in the file of its pair level. pairs-all.jsonl = all.
  clusters-<level>.jsonl  {"id","cluster"} for every document of that level plus every `orig`
                          and `distractor` document; cluster = connected component of the
                          J >= 0.8 graph over the WHOLE set (so a run over the whole set is
                          judged on the same components). clusters-all.jsonl = every document.
  overlaps.jsonl.zst      {"a","b","jaccard"} for every pair with J >= 0.05 (any pair not in it
                          has J < 0.05): lets a scorer judge every predicted pair.
  stats.json              counts and the J distribution per level; also printed.
  recipe.json             the arguments, the levels table and library versions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

THRESHOLD = 0.8
OVERLAP_MIN = 0.05
LEVEL_ORDER = ["orig", "exact", "light", "medium", "heavy", "extreme"]
RANK = {"orig": 0, "distractor": 0, "exact": 1, "light": 2, "medium": 3, "heavy": 4, "extreme": 5}

# op -> (probability, parameter range) per level
LEVELS = {
    "light": {
        "headline": 0.3,
        "shuffle": (0.2, (1, 1)),
        "words": (1.0, (0.002, 0.008)),
        "boilerplate": (0.5, (1, 3)),
        "ocr": (0.3, (0.0005, 0.0015)),
        "truncate": (0.2, (0.95, 0.99)),
    },
    "medium": {
        "headline": 0.5,
        "shuffle": (0.5, (1, 3)),
        "words": (1.0, (0.005, 0.015)),
        "boilerplate": (0.6, (2, 6)),
        "ocr": (0.4, (0.001, 0.003)),
        "truncate": (0.3, (0.85, 0.97)),
    },
    "heavy": {
        "headline": 0.7,
        "shuffle": (0.7, (2, 6)),
        "words": (1.0, (0.015, 0.04)),
        "boilerplate": (0.8, (4, 12)),
        "ocr": (0.5, (0.003, 0.01)),
        "truncate": (0.5, (0.65, 0.90)),
    },
    "extreme": {
        "headline": 1.0,
        "shuffle": (1.0, ("all", "all")),
        "words": (1.0, (0.05, 0.12)),
        "boilerplate": (1.0, (10, 30)),
        "ocr": (0.7, (0.01, 0.04)),
        "truncate": (0.7, (0.40, 0.70)),
    },
}

OCR_PAIRS = [("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("vv", "w"), ("w", "vv"), ("l", "1"), ("1", "l"),
             ("O", "0"), ("0", "O"), ("e", "c"), ("c", "e"), ("i", "l"), ("h", "b")]
OCR_TWO = {a: b for a, b in OCR_PAIRS if len(a) == 2}
OCR_ONE = {a: b for a, b in OCR_PAIRS if len(a) == 1}

SPLIT_WS = re.compile(r"(\s+)")
NORM_PUNCT = {",": ";", ";": ",", "!": ".", "(": "[", ")": "]", ":": " -", "\"": "'", "-": "\u2013"}


# --- ops ---------------------------------------------------------------------------------------

def op_headline(text: str, rng: random.Random, titles: list[str]) -> tuple[str, dict]:
    title = rng.choice(titles)
    lines = text.split("\n")
    if len(lines[0]) <= 300:  # a headline: replace it
        lines[0] = title
        mode = "replace"
    else:  # the first line is a paragraph (or the whole text): put the title above it
        lines.insert(0, title)
        mode = "prepend"
    return "\n".join(lines), {"op": "headline", "mode": mode, "title": title[:80]}


def paragraphs(text: str) -> tuple[list[str], str]:
    if "\n\n" in text:
        return text.split("\n\n"), "\n\n"
    return text.split("\n"), "\n"


def op_shuffle(text: str, rng: random.Random, k) -> tuple[str, dict]:
    paras, sep = paragraphs(text)
    if len(paras) < 2:
        return text, {"op": "shuffle", "swaps": 0, "paragraphs": len(paras)}
    if k == "all":
        rng.shuffle(paras)
        return sep.join(paras), {"op": "shuffle", "swaps": "all", "paragraphs": len(paras)}
    for _ in range(k):
        i, j = rng.sample(range(len(paras)), 2)
        paras[i], paras[j] = paras[j], paras[i]
    return sep.join(paras), {"op": "shuffle", "swaps": k, "paragraphs": len(paras)}


def op_words(text: str, rng: random.Random, rate: float, vocab: list[str]) -> tuple[str, dict]:
    parts = SPLIT_WS.split(text)  # words at even indices, separators at odd
    word_idx = [i for i in range(0, len(parts), 2) if parts[i]]
    n = max(1, round(rate * len(word_idx)))
    chosen = sorted(rng.sample(word_idx, min(n, len(word_idx))), reverse=True)
    counts = {"sub": 0, "ins": 0, "del": 0}
    for i in chosen:
        kind = rng.choice(("sub", "ins", "del"))
        counts[kind] += 1
        if kind == "sub":
            parts[i] = rng.choice(vocab)
        elif kind == "ins":
            parts[i] = parts[i] + " " + rng.choice(vocab)
        else:
            parts[i] = ""
    out = "".join(parts)
    out = re.sub(r"[ \t]{2,}", " ", out)
    return out, {"op": "words", "rate": round(rate, 4), "words": len(word_idx), **counts}


def op_boilerplate(text: str, rng: random.Random, n: int, boiler: list[str]) -> tuple[str, dict]:
    lines = text.split("\n")
    added = []
    for _ in range(n):
        b = rng.choice(boiler)
        added.append(b)
        r = rng.random()
        if r < 0.25:
            lines.insert(0, b)
        elif r < 0.5:
            lines.append(b)
        else:
            lines.insert(rng.randrange(len(lines) + 1), b)
    return "\n".join(lines), {"op": "boilerplate", "lines": n, "first": added[0][:60]}


def op_ocr(text: str, rng: random.Random, rate: float) -> tuple[str, dict]:
    chars = list(text)
    n = max(1, round(rate * len(chars)))
    positions = sorted(rng.sample(range(len(chars)), min(n, len(chars))), reverse=True)
    counts = {"confuse": 0, "drop": 0, "double": 0}
    for p in positions:
        if p >= len(chars):
            continue
        two = "".join(chars[p : p + 2])
        if len(two) == 2 and two in OCR_TWO and rng.random() < 0.9:
            chars[p : p + 2] = list(OCR_TWO[two])
            counts["confuse"] += 1
        elif chars[p] in OCR_ONE and rng.random() < 0.8:
            chars[p : p + 1] = list(OCR_ONE[chars[p]])
            counts["confuse"] += 1
        elif chars[p].isspace():
            continue
        elif rng.random() < 0.5:
            del chars[p]
            counts["drop"] += 1
        else:
            chars.insert(p, chars[p])
            counts["double"] += 1
    return "".join(chars), {"op": "ocr", "rate": round(rate, 4), **counts}


def op_truncate(text: str, rng: random.Random, keep: float) -> tuple[str, dict]:
    cut = int(len(text) * keep)
    sp = text.rfind(" ", 0, cut)
    if sp > len(text) * keep * 0.8:
        cut = sp
    return text[:cut].rstrip(), {"op": "truncate", "keep": round(keep, 3)}


def normalisation_only(text: str, rng: random.Random) -> tuple[str, dict]:
    """Changes that simplify_text() erases: digits, letter case, punctuation, whitespace."""
    out = []
    digits = case = punct = spaces = 0
    for k, ch in enumerate(text):
        near_digit = text[k - 1 : k].isdigit() or text[k + 1 : k + 2].isdigit()
        if ch.isdigit() and ch in "0123456789":
            out.append(str((int(ch) + 1 + rng.randrange(9)) % 10))
            digits += 1
        elif ch in NORM_PUNCT and not near_digit and rng.random() < 0.3:
            out.append(NORM_PUNCT[ch])
            punct += 1
        elif ch == " " and rng.random() < 0.05:
            out.append("  ")
            spaces += 1
        elif ch == "\n" and rng.random() < 0.3:
            out.append("\n\n")
            spaces += 1
        else:
            out.append(ch)
    s = "".join(out)
    # flip the case of some words
    parts = SPLIT_WS.split(s)
    for i in range(0, len(parts), 2):
        if parts[i] and rng.random() < 0.1:
            parts[i] = parts[i].upper() if rng.random() < 0.5 else parts[i].lower()
            case += 1
    return "".join(parts), {"op": "normalise", "digits": digits, "punct": punct, "spaces": spaces, "case": case}


def _draw(rng: random.Random, lo, hi):
    if lo == "all":
        return "all"
    if isinstance(lo, int):
        return rng.randint(lo, hi)
    return rng.uniform(lo, hi)


def make_variant(text: str, level: str, rng: random.Random, pools: dict) -> tuple[str, list[dict]]:
    spec = LEVELS[level]
    ops = []
    if rng.random() < spec["headline"]:
        text, o = op_headline(text, rng, pools["titles"])
        ops.append(o)
    p, (lo, hi) = spec["shuffle"]
    if rng.random() < p:
        text, o = op_shuffle(text, rng, _draw(rng, lo, hi))
        ops.append(o)
    p, (lo, hi) = spec["words"]
    if rng.random() < p:
        text, o = op_words(text, rng, _draw(rng, lo, hi), pools["vocab"])
        ops.append(o)
    p, (lo, hi) = spec["boilerplate"]
    if rng.random() < p:
        text, o = op_boilerplate(text, rng, _draw(rng, lo, hi), pools["boiler"])
        ops.append(o)
    p, (lo, hi) = spec["ocr"]
    if rng.random() < p:
        text, o = op_ocr(text, rng, _draw(rng, lo, hi))
        ops.append(o)
    p, (lo, hi) = spec["truncate"]
    if rng.random() < p:
        text, o = op_truncate(text, rng, _draw(rng, lo, hi))
        ops.append(o)
    return text, ops


# --- exact Jaccard of every overlapping pair ----------------------------------------------------

def overlapping_pairs(sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, intersection) for every pair a < b of documents sharing at least one shingle."""
    n = len(sets)
    doc = np.concatenate([np.full(len(s), i, dtype=np.int64) for i, s in enumerate(sets)])
    sh = np.concatenate(sets)
    order = np.lexsort((doc, sh))
    sh, doc = sh[order], doc[order]
    starts = np.flatnonzero(np.r_[True, sh[1:] != sh[:-1]])
    sizes = np.diff(np.r_[starts, len(sh)])
    codes = []
    for k in np.unique(sizes):
        if k < 2:
            continue
        g = starts[sizes == k]
        block = doc[g[:, None] + np.arange(k)[None, :]]  # (groups, k), doc ids ascending per row
        for i in range(k - 1):
            for j in range(i + 1, k):
                codes.append(block[:, i] * n + block[:, j])
    if not codes:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e
    codes = np.concatenate(codes)
    uniq, inter = np.unique(codes, return_counts=True)
    return uniq // n, uniq % n, inter


class DSU:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, x):
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def describe(js: list[float]) -> dict:
    if not js:
        return {"pairs": 0}
    a = np.array(js)
    hist, _ = np.histogram(a, bins=np.linspace(0, 1, 11))
    # J == 1.0 falls in the last bin (numpy closes the last bin)
    return {
        "pairs": int(len(a)),
        "duplicates": int((a >= THRESHOLD).sum()),
        "share_dup": round(float((a >= THRESHOLD).mean()), 4),
        "min": round(float(a.min()), 4),
        "p10": round(float(np.quantile(a, 0.1)), 4),
        "p50": round(float(np.quantile(a, 0.5)), 4),
        "p90": round(float(np.quantile(a, 0.9)), 4),
        "max": round(float(a.max()), 4),
        "hist_0.1": [int(x) for x in hist],
        "in_0.7_0.8": int(((a >= 0.7) & (a < 0.8)).sum()),
        "in_0.8_0.9": int(((a >= 0.8) & (a < 0.9)).sum()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--web-bases", type=int, default=200)
    ap.add_argument("--dclm-bases", type=int, default=60)
    ap.add_argument("--distractors", type=int, default=300)
    ap.add_argument("--variants", type=int, default=2, help="documents per base per noise level")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    t0 = time.time()

    pages = sorted(common.load_webpages(), key=lambda r: r["id"])
    dclm = common.load_dclm()

    def nwords(t):
        return len(t.split()) if t else 0

    web_ok = [p for p in pages if 200 <= nwords(p["main_content"]) <= 4000]
    dclm_ok = [d for d in dclm if 200 <= nwords(d["text"]) <= 4000]
    web_b = rng.sample(web_ok, args.web_bases)
    dclm_b = rng.sample(dclm_ok, args.dclm_bases)
    used_pages = {p["id"] for p in web_b}
    used_dclm = {d["id"] for d in dclm_b}

    # pools for the ops: titles, boilerplate lines and vocabulary from OTHER real pages
    titles = [p["text"].split("\n", 1)[0] for p in pages if p["id"] not in used_pages and p["text"].strip()]
    titles = [t for t in titles if 3 <= len(t.split()) <= 25 and len(t) <= 150]  # real headlines, not sprite dumps
    boiler = []
    for p in pages:
        if p["id"] in used_pages:
            continue
        for line, lab in zip(p["text"].split("\n"), p["line_labels"]):
            if lab == "boilerplate" and 15 <= len(line.strip()) <= 300:
                boiler.append(line.strip())
    vocab_rng = random.Random(args.seed + 1)
    all_words = [w for p in pages if p["main_content"] for w in p["main_content"].split()]
    vocab = [vocab_rng.choice(all_words) for _ in range(50_000)]
    pools = {"titles": titles, "boiler": boiler, "vocab": vocab}

    docs = []  # dicts without final ids first
    bases = [("webpages-dev:" + p["id"] + ":main_content", p["main_content"]) for p in web_b]
    bases += [("dclm:" + d["id"], d["text"]) for d in dclm_b]
    for bi, (src, text) in enumerate(bases):
        bid = f"b{bi:04d}"
        docs.append({"id": f"{bid}.orig", "text": text, "base": bid, "level": "orig", "ops": [], "source": src})
        for v in range(1, args.variants + 1):
            if v == 1:
                t, ops = text, [{"op": "copy"}]
            else:
                t, o = normalisation_only(text, rng)
                ops = [o]
            docs.append({"id": f"{bid}.exact.{v}", "text": t, "base": bid, "level": "exact", "ops": ops, "source": src})
        for level in LEVELS:
            for v in range(1, args.variants + 1):
                t, ops = make_variant(text, level, rng, pools)
                docs.append({"id": f"{bid}.{level}.{v}", "text": t, "base": bid, "level": level, "ops": ops,
                             "source": src})
    pool = [("webpages-dev:" + p["id"] + ":text", p["text"]) for p in pages if p["id"] not in used_pages]
    pool += [("webpages-dev:" + p["id"] + ":main_content", p["main_content"]) for p in pages
             if p["id"] not in used_pages and p["main_content"]]
    pool += [("dclm:" + d["id"], d["text"]) for d in dclm if d["id"] not in used_dclm]
    pool = [x for x in pool if nwords(x[1]) >= 50]
    chosen_pages = set()
    xi = 0
    for src, text in rng.sample(pool, len(pool)):
        if xi >= args.distractors:
            break
        page = src.rsplit(":", 1)[0] if src.startswith("webpages-dev") else src
        if page in chosen_pages:  # never both the text and the main content of one page
            continue
        chosen_pages.add(page)
        docs.append({"id": f"x{xi:04d}", "text": text, "base": None, "level": "distractor", "ops": [], "source": src})
        xi += 1
    rng.shuffle(docs)
    common.log(f"make_neardup: {len(docs)} documents ({len(bases)} bases, {xi} distractors) in {time.time()-t0:.1f} s")

    with common.JsonlZstWriter(os.path.join(args.out, "docs.jsonl.zst"), level=10) as w:
        for d in docs:
            w.write(d)
    text_mb = sum(len(d["text"].encode()) for d in docs) / 1e6

    t1 = time.time()
    sets = common.shingle_sets([d["text"] for d in docs], args.processes)
    common.log(f"make_neardup: shingled {text_mb:.1f} MB in {time.time()-t1:.1f} s")
    t2 = time.time()
    a, b, inter = overlapping_pairs(sets)
    size = np.array([len(s) for s in sets], dtype=np.int64)
    jac = inter / (size[a] + size[b] - inter)
    common.log(f"make_neardup: {len(a)} overlapping pairs, exact Jaccard in {time.time()-t2:.1f} s")
    J = {}
    for x, y, j in zip(a.tolist(), b.tolist(), jac.tolist()):
        J[(x, y)] = j

    def jaccard(x, y):
        if x > y:
            x, y = y, x
        return J.get((x, y), 0.0)

    ids = [d["id"] for d in docs]
    n = len(docs)
    keep = jac >= OVERLAP_MIN
    with common.JsonlZstWriter(os.path.join(args.out, "overlaps.jsonl.zst")) as w:
        for x, y, j in zip(a[keep].tolist(), b[keep].tolist(), jac[keep].tolist()):
            w.write({"a": ids[x], "b": ids[y], "jaccard": round(j, 6)})

    # true clusters: components of the J >= 0.8 graph over the whole set
    dsu = DSU(n)
    dup = jac >= THRESHOLD
    for x, y in zip(a[dup].tolist(), b[dup].tolist()):
        dsu.union(x, y)
    comp, cluster_of = {}, []
    for i in range(n):
        r = dsu.find(i)
        comp.setdefault(r, len(comp))
        cluster_of.append(comp[r])

    def pair_level(x, y):
        return max(docs[x]["level"], docs[y]["level"], key=lambda l: RANK[l]).replace("distractor", "orig")

    by_base = {}
    for i, d in enumerate(docs):
        if d["base"]:
            by_base.setdefault(d["base"], []).append(i)
    pairs = {lv: [] for lv in LEVEL_ORDER}
    seen = set()

    def add(x, y, kind):
        if x > y:
            x, y = y, x
        if (x, y) in seen:
            return
        seen.add((x, y))
        j = jaccard(x, y)
        pairs[pair_level(x, y)].append({"a": ids[x], "b": ids[y], "duplicate": j >= THRESHOLD,
                                        "jaccard": round(j, 6), "kind": kind})

    for members in by_base.values():
        for i in range(len(members)):
            for k in range(i + 1, len(members)):
                add(members[i], members[k], "within")
    within = {lv: len(p) for lv, p in pairs.items()}
    for x, y, j in zip(a[keep].tolist(), b[keep].tolist(), jac[keep].tolist()):
        if docs[x]["base"] is None or docs[x]["base"] != docs[y]["base"]:
            add(x, y, "cross-overlap")
    by_level = {lv: [i for i, d in enumerate(docs) if d["level"] == lv] for lv in RANK}
    low = by_level["orig"] + by_level["distractor"]
    srng = random.Random(args.seed + 2)
    for lv in LEVEL_ORDER:
        want = within[lv] if lv != "orig" else len(bases)
        src = low if lv == "orig" else by_level[lv]
        partners = [i for i in range(n) if RANK[docs[i]["level"]] <= RANK[lv]]
        got = tries = 0
        while got < want and tries < 50 * want:
            tries += 1
            x, y = srng.choice(src), srng.choice(partners)
            if x == y or (docs[x]["base"] is not None and docs[x]["base"] == docs[y]["base"]):
                continue
            if (min(x, y), max(x, y)) in seen or pair_level(x, y) != lv:
                continue
            add(x, y, "cross-random")
            got += 1

    allpairs = []
    for lv in LEVEL_ORDER:
        common.write_jsonl(os.path.join(args.out, f"pairs-{lv}.jsonl"), pairs[lv])
        allpairs += pairs[lv]
        members = sorted(set(low + by_level.get(lv, [])))
        common.write_jsonl(os.path.join(args.out, f"clusters-{lv}.jsonl"),
                           ({"id": ids[i], "cluster": cluster_of[i]} for i in members))
    common.write_jsonl(os.path.join(args.out, "pairs-all.jsonl"), allpairs)
    common.write_jsonl(os.path.join(args.out, "clusters-all.jsonl"),
                       ({"id": ids[i], "cluster": cluster_of[i]} for i in range(n)))

    # J distribution: every within-base pair of the level, and variant-vs-its-original pairs
    stats = {"documents": n, "bases": len(bases), "distractors": xi, "text_MB": round(text_mb, 2),
             "docs_without_shingles": int((size == 0).sum()), "overlapping_pairs": int(len(a)),
             "pairs_J>=0.05": int(keep.sum()), "true_clusters_size>=2": int(sum(1 for c in
             np.bincount(cluster_of) if c >= 2)), "levels": {}}
    orig_of = {d["base"]: i for i, d in enumerate(docs) if d["level"] == "orig"}
    for lv in LEVEL_ORDER:
        w = [p["jaccard"] for p in pairs[lv] if p["kind"] == "within"]
        vs = [jaccard(i, orig_of[docs[i]["base"]]) for i in by_level[lv]] if lv != "orig" else []
        cross = [p for p in pairs[lv] if p["kind"] != "within"]
        stats["levels"][lv] = {
            "docs": len(by_level[lv]) + (len(by_level["distractor"]) if lv == "orig" else 0),
            "within_pairs": describe(w),
            "variant_vs_original": describe(vs),
            "cross_pairs": len(cross),
            "cross_pairs_duplicate": sum(p["duplicate"] for p in cross),
            "cross_pairs_max_J": round(max((p["jaccard"] for p in cross), default=0.0), 4),
            "label_pairs": len(pairs[lv]),
            "label_positives": sum(p["duplicate"] for p in pairs[lv]),
        }
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    import datatrove
    import spacy

    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump({"args": vars(args), "threshold": THRESHOLD, "levels": LEVELS, "ocr_pairs": OCR_PAIRS,
                   "datatrove": datatrove.__version__ if hasattr(datatrove, "__version__") else "0.10.1",
                   "spacy": spacy.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}, f, indent=1)

    print(f"near-duplicate set: {n} docs, {text_mb:.1f} MB of text, {len(bases)} bases x "
          f"({1 + args.variants} + {args.variants} x {len(LEVELS)} levels), {xi} distractors -> {args.out}")
    print("J = exact Jaccard of the 5-gram shingle sets; dup = J >= 0.8")
    print(f"{'level':8} {'what':22} {'pairs':>6} {'dup%':>6} {'min':>6} {'p10':>6} {'p50':>6} {'p90':>6} {'max':>6}"
          f"  histogram 0.0..1.0 (0.1 bins)")
    for lv in LEVEL_ORDER:
        s = stats["levels"][lv]
        for what, key in (("within-base pairs", "within_pairs"), ("variant vs original", "variant_vs_original")):
            d = s[key]
            if not d.get("pairs"):
                continue
            print(f"{lv:8} {what:22} {d['pairs']:6d} {100*d['share_dup']:6.1f} {d['min']:6.3f} {d['p10']:6.3f} "
                  f"{d['p50']:6.3f} {d['p90']:6.3f} {d['max']:6.3f}  {d['hist_0.1']}")
        print(f"{lv:8} {'cross-base pairs':22} {s['cross_pairs']:6d}   duplicates {s['cross_pairs_duplicate']}, "
              f"max J {s['cross_pairs_max_J']}")
    print(f"true clusters (J >= 0.8 components) of size >= 2: {stats['true_clusters_size>=2']}; "
          f"total {time.time()-t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
