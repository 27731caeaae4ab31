#!/usr/bin/env python3
"""The one corpus every dedup tool is timed on (bench/dedup/peers.sh), from real text, seeded.

usage: python3 bench/dedup/make_peer_corpus.py -o DIR [--passes 4] [--shards 2] [--seed 7]

Recipe. Real documents (no synthetic text), in this order:
  webpages-dev `text` (1,497 crawl-style pages, with their navigation/boilerplate lines),
  webpages-dev `main_content` (1,495 non-empty human-extracted main texts of the same pages),
  DCLM majority_data.jsonl (499 Common Crawl documents)
  = 3,472 non-empty documents, 38.9 MB of text (UTF-8). That is pass 0, unchanged.
Passes 1 .. PASSES-1 repeat every real document once more, each with a seeded choice of:
  20 % exact copy
  30 % light near-duplicate: word substitutions/insertions/deletions at 0.2-1 % of the words
  20 % medium near-duplicate: 1-3 % word edits and 0-2 paragraph swaps
  30 % rewrite (not a near-duplicate): all paragraphs shuffled and 10-20 % word edits
(the word-edit and paragraph ops are make_neardup.py's; inserted words come from the real texts).
Documents are dealt round-robin into SHARDS files DIR/part-0000N.jsonl (plain JSONL, `id`,
`text`; datatrove parallelises over files), and DIR/recipe.json records arguments, counts and
sizes. With the defaults: 4 passes -> 13,888 documents, 155.7 MB of text (159.1 MB JSONL), 2 files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from make_neardup import op_shuffle, op_words  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--passes", type=int, default=4)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)

    pages = sorted(common.load_webpages(), key=lambda r: r["id"])
    real = [(f"{p['id']}.text", p["text"]) for p in pages if p["text"]]
    real += [(f"{p['id']}.main", p["main_content"]) for p in pages if p["main_content"]]
    real += [(d["id"], d["text"]) for d in common.load_dclm()]
    words = [w for _, t in real for w in t.split()]
    vocab = [rng.choice(words) for _ in range(50_000)]

    files = [open(os.path.join(args.out, f"part-{i:05d}.jsonl"), "w", encoding="utf-8") for i in range(args.shards)]
    n = 0
    nbytes = 0
    kinds = {"real": 0, "exact": 0, "light": 0, "medium": 0, "rewrite": 0}
    for p in range(args.passes):
        for src, text in real:
            if p == 0:
                kind, t = "real", text
            else:
                r = rng.random()
                if r < 0.2:
                    kind, t = "exact", text
                elif r < 0.5:
                    kind = "light"
                    t, _ = op_words(text, rng, rng.uniform(0.002, 0.01), vocab)
                elif r < 0.7:
                    kind = "medium"
                    t, _ = op_shuffle(text, rng, rng.randint(0, 2)) if rng.random() < 0.5 else (text, None)
                    t, _ = op_words(t, rng, rng.uniform(0.01, 0.03), vocab)
                else:
                    kind = "rewrite"
                    t, _ = op_shuffle(text, rng, "all")
                    t, _ = op_words(t, rng, rng.uniform(0.10, 0.20), vocab)
            kinds[kind] += 1
            doc = {"id": f"p{p}-{src}", "text": t}
            files[n % args.shards].write(json.dumps(doc, ensure_ascii=False) + "\n")
            n += 1
            nbytes += len(t.encode("utf-8"))
    for f in files:
        f.close()
    jsonl = sum(os.path.getsize(f.name) for f in files)
    rec = {"args": vars(args), "documents": n, "text_bytes": nbytes, "jsonl_bytes": jsonl, "kinds": kinds,
           "real_documents": len(real), "files": [os.path.basename(f.name) for f in files]}
    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump(rec, f, indent=1)
    print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
