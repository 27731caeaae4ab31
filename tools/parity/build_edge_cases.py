#!/usr/bin/env python3
"""Build the edge-case parity input: real documents with seeded, recorded mutations that the
crawl texts rarely contain, plus real text in many scripts.

Output: crates/millstone-filters/tests/fixtures/edge-cases/input.jsonl.zst (`id`, `text`, `recipe`).
Sources: the parity input (WCXB pages CC-BY-4.0, DCLM MIT) and ../shared/data/udhr2 (UDHR,
public domain). Record datatrove's decisions on it with
  tools/parity/record.py crates/millstone-filters/tests/fixtures/edge-cases/input.jsonl.zst \
      crates/millstone-filters/tests/fixtures/edge-cases/datatrove-0.10.1.jsonl.zst

Recipes (one per document, seed 2026):
  crlf          every "\\n" -> "\\r\\n"
  unicode_breaks 25 % of "\\n" -> one of \\u2028 \\u2029 \\x85 \\x0b \\x0c \\x1c \\x1d \\x1e \\r
  ragged        trailing spaces/tabs/NBSP on 40 % of lines, leading spaces on 20 %, some blank
                lines made of whitespace only
  markup        citations ([3], [edit], [citation needed], []) at line ends, a `{` or
                "JavaScript" or "cookie policy" in a few lines, "…"/"..." line ends, bullets,
                hashtags, "İ"/"ß"/"K" (Kelvin sign) letters
  repeats       a paragraph, a line and a 12-word run repeated
  udhr          a UDHR translation (whole, or its first 2,000 characters)
"""
import io
import json
import pathlib
import random
import subprocess

root = pathlib.Path(__file__).resolve().parents[2]
shared = root.parent / "shared" / "data"
fixtures = root / "crates/millstone-filters/tests/fixtures"
rng = random.Random(2026)


def zstd_lines(path):
    raw = subprocess.run(["zstd", "-dc", str(path)], check=True, capture_output=True).stdout
    return [json.loads(l) for l in io.BytesIO(raw)]


base = [d for d in zstd_lines(fixtures / "parity/input.jsonl.zst") if d["text"].strip()]
rng.shuffle(base)

BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r"]


def crlf(t):
    return t.replace("\n", "\r\n")


def unicode_breaks(t):
    return "".join(rng.choice(BREAKS) if c == "\n" and rng.random() < 0.25 else c for c in t)


def ragged(t):
    out = []
    for line in t.split("\n"):
        if rng.random() < 0.4:
            line += rng.choice([" ", "  ", "\t", "\u00a0", " \u3000"])
        if rng.random() < 0.2:
            line = rng.choice([" ", "\t", "   "]) + line
        out.append(line)
        if rng.random() < 0.05:
            out.append(rng.choice([" ", "\t", "\u00a0"]))
    return "\n".join(out)


def markup(t):
    out = []
    for line in t.split("\n"):
        r = rng.random()
        if r < 0.10:
            line += rng.choice([" [3]", "[12]", " [edit]", " [citation needed]", " []", "[1][2]"])
        elif r < 0.12:
            line += rng.choice(["…", "...", " ...", "...."])
        elif r < 0.14:
            line = rng.choice(["• ", "- ", "  - ", "* "]) + line
        elif r < 0.15:
            line += rng.choice([" #news #today", " #1"])
        elif r < 0.16:
            line = line.replace("i", "\u0130", 1).replace("ss", "\u00df", 1)
        elif r < 0.165:
            line += rng.choice([" Enable JavaScript to continue.", " See our coo\u212aie policy.", " x = {a: 1}."])
        out.append(line)
    return "\n".join(out)


def repeats(t):
    paras = t.split("\n\n")
    if len(paras) > 2:
        paras.insert(rng.randrange(len(paras)), rng.choice(paras))
    lines = "\n\n".join(paras).split("\n")
    if len(lines) > 3:
        lines.insert(rng.randrange(len(lines)), rng.choice(lines))
    words = " ".join(lines).split(" ")
    if len(words) > 30:
        i = rng.randrange(len(words) - 12)
        lines.append(" ".join(words[i : i + 12]))
    return "\n".join(lines)


RECIPES = [("crlf", crlf), ("unicode_breaks", unicode_breaks), ("ragged", ragged), ("markup", markup), ("repeats", repeats)]
docs = []
for i, d in enumerate(base[:500]):
    name, f = RECIPES[i % len(RECIPES)]
    docs.append({"id": f"edge-{name}-{i:04d}", "text": f(d["text"]), "recipe": name})

udhr = sorted((shared / "udhr2").glob("*.txt"))
for j, path in enumerate(udhr[::3]):
    text = path.read_text(encoding="utf-8")
    if j % 2:
        text = text[:2000]
    docs.append({"id": f"edge-udhr-{path.stem}", "text": text, "recipe": "udhr"})

out = fixtures / "edge-cases/input.jsonl.zst"
out.parent.mkdir(parents=True, exist_ok=True)
data = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()
subprocess.run(["zstd", "-19", "-q", "-f", "-o", str(out)], input=data, check=True)
print(f"wrote {len(docs)} documents ({len(data) / 1e6:.1f} MB) to {out}")
