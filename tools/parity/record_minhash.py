#!/usr/bin/env python3
"""Record datatrove 0.10.1's own MinHash signatures and simplify_text output (millstone-dedup parity).

Usage (the parity venv: Python 3.11, datatrove 0.10.1, spaCy 3.8.18, numpy, xxhash, regex):

    tools/parity/setup_venv.sh && tools/parity/.venv/bin/python tools/parity/record_minhash.py

Writes under crates/millstone-dedup/tests/fixtures/:

* minhash_datatrove.jsonl.zst  one JSON line per document. Documents: every line of the quality
  parity input (crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst, 3,774 real pages and
  DCLM documents; not copied: the Rust test reads that file), then the EDGE_CASES below (their text is
  stored). Per document:
    id, text_xxh64 (of the input text, to notice a changed input), simplified_xxh64 (of datatrove's
    `simplify_text(text)`), n_words (spaCy words of the simplified text), n_shingles, signed (datatrove
    writes a signature), bands (the 14 band hashes of the default config, hex), and for the first
    FULL_SIGS real documents and every edge case: sig (all 112 values, hex), simplified (edge cases).
    alt_bands: band hashes under ALT_CONFIG for the first FULL_SIGS real documents and the edge cases.
  The first line is metadata (versions, configs, counts).
  Band hash = xxh64(seed 0) of the band's values packed little-endian (`struct.pack("<8Q", ...)`):
  millstone-dedup's `band_hashes`; it covers every signature value.
  Signatures come from datatrove's own code path: `MinhashDedupSignature.get_shingles(text)` then
  `.get_signature(shingles)` on an instance built with `MinhashConfig()` (and ALT_CONFIG).
* numpy_randint.json  numpy `RandomState(seed).randint(low, high, size, dtype=np.uint64)` draws, in
  sequence per seed, for several seeds, ranges (each code path of numpy's bounded uint64 draw) and sizes.
* simplify_codepoints.json  datatrove `simplify_text` of a few contexts around every code point
  (surrogates excepted), hashed per block of 1024 code points: checks every table behind
  millstone-dedup's simplify_text (lower-casing and Final_Sigma, digits, punctuation, whitespace, NFD,
  Mn) against the Python that datatrove runs on.

Takes about 2 minutes on one core.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import xxhash
import zstandard

REPO = Path(__file__).resolve().parents[2]
INPUT = REPO / "crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst"
OUT_DIR = REPO / "crates/millstone-dedup/tests/fixtures"
FULL_SIGS = 300
ALT = dict(n_grams=3, num_buckets=9, hashes_per_bucket=13, seed=7)
CP_BLOCK = 1024
P = (1 << 61) - 1

EDGE_CASES = [
    ("empty", ""),
    ("whitespace", "   \n\t  \r\n "),
    ("two-words", "Hello world"),
    ("four-words", "one two three four"),
    ("five-words", "one two three four five"),
    ("numbers-only-commas", "1,2,3,4,5,6"),
    ("numbers", "In 2024, 1,000,000 people paid $3.14 each; ١٢٣ and ٣٫١٤ and १२३४ and 12.5% on 01/02/2003."),
    ("punctuation-only", "!!! ??? ... --- *** ((( ))) “” «» 。、，"),
    ("diacritics", "Ça, c'est l'été à Zürich — naïve façade, Ångström, São Paulo, Dvořák, Łódź, Nguyễn."),
    ("cjk", "我们的产品是最好的。今天天气很好，我们去公园散步吧！東京タワーに行きました。"),
    ("arabic-harakat", "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ الْحَمْدُ لِلَّهِ رَبِّ الْعَالَمِينَ ١٢٣"),
    ("devanagari", "नमस्ते दुनिया, यह एक परीक्षण वाक्य है। हिन्दी भाषा में लिखा गया है॥ १२३"),
    ("emoji", "I love it 😀😀 so much 👍🏽 family 👨‍👩‍👧‍👦 flags 🇫🇷🇩🇪 ok ❤️ done 100%"),
    ("crlf", "Line one here\r\nLine two there\r\nLine three everywhere\r\n\r\nEnd of text now"),
    ("nbsp", "Price:\u00a0100\u00a0EUR per\u00a0unit and\u202fmore\u2009thin spaces\u3000here too"),
    ("greek-sigma", "ΟΔΟΣ ΣΟΦΟΣ ΚΑΙ Σ. ΑΣ' ΛΟΓΟΣ: Η ΟΔΟΣ ΤΟΥ ΚΟΣΜΟΥ ΕΙΝΑΙ ΜΑΚΡΙΑ ΣΑΣ"),
    ("turkish-i", "İSTANBUL İZMİR Iğdır ıi İi büyük şehirler ve köyler"),
    ("spacy-exceptions", "I cannot believe you dont know im gonna do it, wanna come? lets go 5mm £5 10°C"),
    ("line-separators", "first line\u2028second line\u2029third para with more words\x85next"),
    ("controls", "tab\tseparated\x0bvertical\x0cform\x1cfile\x1dgroup\x1erecord\x1funit\x00nul\x7fdel\x9fend"),
    ("hangul", "한국어 텍스트 처리는 어렵습니다 정말로 그렇습니다"),
    ("isolated-marks", "word \u0301 next \u0301\u0302 more words here and there \u0301"),
    ("zalgo", "ź̷̢a̴l̸g̶o̵ t̷e̴x̸t̶ i̵s̷ h̴e̸r̶e̵ n̷o̴w̸"),
    ("nfd-makes-punctuation", "a\u037eb c\u1fefd e\u2329f g h i j k"),
    ("urls", "Visit https://example.com/path?q=1 or mail john.doe@example.org today please now"),
    ("repeated", "the same words again " * 10),
    ("versions-dates", "Version 2.0.1 released on 2023-10-05 with 15% faster 3D rendering at 60fps"),
    ("fullwidth", "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　１２３　ａｎｄ　ｍｏｒｅ！　ｏｋ"),
    ("long-word", "a" * 5000 + " b c d e"),
    ("abbreviations", "U.S.A. e.g. i.e. Dr. Smith vs. Mr. Jones etc. and so on"),
    ("math-alnum", "𝐀𝐁𝐂 𝕏 ℌ ℵ ① ② ⅷ ¼ ½ x² y³ Ⅻ"),
    ("german-sharp-s", "STRASSE straße Maße ẞ GROẞ groß"),
    ("new-digits", "kawi \U00011f50\U00011f51 garay \U00010d40\U00010d41 x y z w"),
    ("mojibake", "Ã©tÃ© cafÃ© naÃ¯ve rÃ©sumÃ© more words here"),
    ("tabs-only-separators", "alpha\tbeta\tgamma\tdelta\tepsilon\tzeta"),
    ("reordering", "x\U0001d16d\U0001d165 y\U0001d16d\u0941\U0001d165 z w v u"),
]


def h64(b: bytes) -> str:
    return "%016x" % xxhash.xxh64_intdigest(b)


def band_hashes(sig: list[list[int]]) -> list[str]:
    return [h64(struct.pack(f"<{len(band)}Q", *band)) for band in sig]


def flat(sig: list[list[int]]) -> list[str]:
    return ["%016x" % v for band in sig for v in band]


def read_input():
    with open(INPUT, "rb") as f:
        reader = zstandard.ZstdDecompressor().stream_reader(f)
        # Iterating the text file object splits on "\n" only (texts contain U+2028).
        for line in io.TextIOWrapper(reader, encoding="utf-8"):
            rec = json.loads(line)
            yield rec["id"], rec["text"]


def record_docs(tmp: str):
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    from datatrove.utils.text import simplify_text

    default = MinhashDedupSignature(output_folder=f"{tmp}/default", config=MinhashConfig())
    alt = MinhashDedupSignature(output_folder=f"{tmp}/alt", config=MinhashConfig(**ALT))
    tok = default.word_tokenizer

    docs = [(i, t, False) for i, t in read_input()] + [(f"edge:{i}", t, True) for i, t in EDGE_CASES]
    lines = []
    counts = {"real": 0, "edge": 0, "signed": 0, "full_sigs": 0, "alt": 0}
    for n, (doc_id, text, edge) in enumerate(docs):
        simplified = simplify_text(text)
        words = tok.word_tokenize(simplified)
        shingles = default.get_shingles(text)
        rec = {
            "id": doc_id,
            "text_xxh64": h64(text.encode("utf-8")),
            "simplified_xxh64": h64(simplified.encode("utf-8")),
            "n_words": len(words),
            "n_shingles": int(shingles.size),
            "signed": shingles.size != 0,
        }
        if edge:
            rec["text"] = text
            rec["simplified"] = simplified
        if shingles.size != 0:
            sig = default.get_signature(shingles)
            rec["bands"] = band_hashes(sig)
            counts["signed"] += 1
            if edge or n < FULL_SIGS:
                rec["sig"] = flat(sig)
                counts["full_sigs"] += 1
        if edge or n < FULL_SIGS:
            alt_sh = alt.get_shingles(text)
            rec["alt_signed"] = alt_sh.size != 0
            if alt_sh.size != 0:
                rec["alt_bands"] = band_hashes(alt.get_signature(alt_sh))
            counts["alt"] += 1
        counts["edge" if edge else "real"] += 1
        lines.append(json.dumps(rec, ensure_ascii=False))
    meta = {
        "meta": {
            "datatrove": version("datatrove"),
            "spacy": version("spacy"),
            "numpy": np.__version__,
            "xxhash": version("xxhash"),
            "regex": version("regex"),
            "python": sys.version.split()[0],
            "input": str(INPUT.relative_to(REPO)),
            "default_config": dict(n_grams=5, num_buckets=14, hashes_per_bucket=8, seed=1),
            "alt_config": ALT,
            "band_hash": "xxh64 seed 0 of struct.pack('<{rows}Q', *band)",
            "counts": counts,
        }
    }
    body = "\n".join([json.dumps(meta)] + lines) + "\n"
    (OUT_DIR / "minhash_datatrove.jsonl.zst").write_bytes(zstandard.ZstdCompressor(level=19).compress(body.encode()))
    return counts


def record_randint():
    # (low, high exclusive, size): datatrove's two draws first, then every branch of numpy's
    # bounded uint64 draw: one-value range, masked 32-bit, full 32-bit, masked 64-bit, full 64-bit.
    draws = [
        (1, P, 112),
        (0, P, 112),
        (5, 6, 3),
        (0, 10, 50),
        (100, 100 + 2**31 + 7, 20),
        (0, 2**32, 7),
        (2**40, 2**40 + 2**35, 10),
        (3, 2**63 + 12345, 10),
        (0, 2**64, 5),
        (1, P, 1000),
        (0, P, 1),
    ]
    cases = []
    for seed in [0, 1, 2, 42, 1234567, 2**31, 2**32 - 1]:
        rs = np.random.RandomState(seed)
        out = []
        for low, high, size in draws:
            vals = rs.randint(low, high, size=size, dtype=np.uint64)
            out.append({"low": low, "high_inclusive": high - 1, "size": size, "values": [int(v) for v in vals]})
        cases.append({"seed": seed, "draws": out})
    (OUT_DIR / "numpy_randint.json").write_text(json.dumps({"numpy": np.__version__, "cases": cases}) + "\n")
    return sum(len(c["draws"]) for c in cases)


def codepoint_contexts(ch: str) -> list[str]:
    """What each code point is simplified in: alone, around Σ (Final_Sigma), between digits
    (number separators), among combining marks (reordering), after a space, after a letter."""
    return [ch, f"a{ch}Σ", f"AΣ{ch}", f"{ch}Σ b", f"1{ch}2", f"x{ch}\u0316{ch}\u0301y", f" {ch}\u0301 z", f"Ĉ{ch}"]


def record_codepoints():
    from datatrove.utils.text import simplify_text

    hashes = []
    for start in range(0, 0x110000, CP_BLOCK):
        parts = []
        for c in range(start, start + CP_BLOCK):
            if 0xD800 <= c <= 0xDFFF:
                continue
            ch = chr(c)
            parts.append("\x00".join(simplify_text(t) for t in codepoint_contexts(ch)))
        hashes.append(h64("\x01".join(parts).encode("utf-8")))
    doc = {
        "block": CP_BLOCK,
        "contexts": ["{c}", "a{c}Σ", "AΣ{c}", "{c}Σ b", "1{c}2", "x{c}\\u0316{c}\\u0301y", " {c}\\u0301 z", "Ĉ{c}"],
        "join": "contexts of one code point joined by \\x00, code points of a block (surrogates skipped) by \\x01",
        "hashes": hashes,
    }
    (OUT_DIR / "simplify_codepoints.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n")
    return len(hashes)


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    n_draws = record_randint()
    print(f"numpy_randint.json: {n_draws} draw sequences", flush=True)
    n_blocks = record_codepoints()
    print(f"simplify_codepoints.json: {n_blocks} blocks ({time.time() - t0:.0f} s)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        counts = record_docs(tmp)
    print(f"minhash_datatrove.jsonl.zst: {counts} ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
