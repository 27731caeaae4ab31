#!/usr/bin/env python3
"""Export the Unicode facts millstone-dedup's `simplify_text` needs, as Python 3.11 sees them.

Run with the parity venv (Python 3.11 = Unicode 14, the `regex` module datatrove imports, spaCy):

    tools/parity/setup_venv.sh && tools/parity/.venv/bin/python tools/dedup-tables/dump_tables.py

It writes crates/millstone-text/src/generated/simplify.rs.

datatrove's `simplify_text` mixes two Unicode databases: `str.lower()`, `str.strip()`, `re`'s `\\s` and
`unicodedata` (NFD, category Mn) are CPython's (Unicode 14 in Python 3.11), while the number pattern
`\\p{Nd}` is evaluated by the third-party `regex` module, which ships newer tables (110 more digits).
Rust's std and the unicode-normalization crate follow yet other versions, so every table here is
computed by calling those very Python functions on every code point, never read from a spec.

Tables:
* FLAGS        - a two-stage lookup (256-code-point blocks) of per-character flags, see FLAG_* below.
* LOWER        - `str.lower()` of every non-ASCII character it changes (the Final_Sigma context rule
                 for U+03A3 is applied by the Rust code with the CASE_IGNORABLE / CASED flags).
* NFD          - `unicodedata.normalize("NFD", c)` of every character it changes, except the Hangul
                 syllables (decomposed algorithmically; checked here).
* ASCII_CLASS  - what the ASCII fast path does with each byte value (bytes >= 0x80 start or continue
                 a multi-byte character and go to the general path).
* ALPHA_SPECIALS - spaCy's English special cases (tokenizer exceptions) made of ASCII lower-case
                 letters only: in simplified text, a space-separated chunk of such letters is one
                 token unless it is one of these (millstone-text's tokenizer has the same fast path).
* CCC          - canonical combining class of every character whose class is > 0 (the relative order
                 of those that are not Mn survives NFD's canonical reordering and the Mn removal, and
                 any class-0 character, Mn or not, ends a reordering run).

The script also asserts the properties the single-pass Rust implementation relies on (for example
that lower-casing never creates or removes a digit), so a Python or `regex` upgrade that breaks one
of them stops here instead of producing a subtly wrong table.
"""

import os
import re
import sys
import unicodedata

import regex
import spacy
from datatrove.utils.text import NUMBERS_PATTERN, PUNCTUATION, WHITESPACE_PATTERN

# Shared with the other table generator in tools/.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rust_literals import rs_char, rs_str  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "millstone-text", "src", "generated", "simplify.rs")
CMD = "tools/parity/.venv/bin/python tools/dedup-tables/dump_tables.py"
MAX_CP = 0x110000
BLOCK = 256

FLAG_LOWER = 1  # str.lower() changes the character
FLAG_DIGIT = 2  # regex \p{Nd}
FLAG_MN = 4  # unicodedata.category == "Mn": dropped after NFD
FLAG_NFD = 8  # NFD changes the character (Hangul syllables included)
FLAG_CASE_IGNORABLE = 16  # skipped by the Final_Sigma context scan
FLAG_CASED = 32  # cased and not case-ignorable: ends the Final_Sigma context scan as "cased"
FLAG_CCC = 64  # not Mn, canonical combining class > 0 (see CCC)
FLAG_SPACE = 128  # becomes a space: in datatrove's PUNCTUATION, or Python whitespace

SEPARATORS = ".,،٫⎖⎗⎘"
HANGUL = range(0xAC00, 0xD7A4)


def chars():
    for c in range(MAX_CP):
        if 0xD800 <= c <= 0xDFFF:
            continue
        yield c, chr(c)


def hangul_nfd(c):
    s = c - 0xAC00
    lead, vowel, trail = 0x1100 + s // 588, 0x1161 + (s % 588) // 28, 0x11A7 + s % 28
    return chr(lead) + chr(vowel) + (chr(trail) if trail != 0x11A7 else "")


def main():
    # The pattern the Rust number scan implements: digits, optionally one separator and digits.
    assert NUMBERS_PATTERN.pattern == r"\p{Nd}+([.,،٫⎖⎗⎘]{1}\p{Nd}+)?", NUMBERS_PATTERN.pattern
    assert WHITESPACE_PATTERN.pattern == r"\s+"
    punct = set(PUNCTUATION)
    digit_rx = regex.compile(r"\p{Nd}")
    space_rx = re.compile(r"\s")

    flags = [0] * MAX_CP
    lower, nfd, ccc = [], [], []
    for c, ch in chars():
        f = 0
        low = ch.lower()
        is_digit = digit_rx.fullmatch(ch) is not None
        if low != ch:
            f |= FLAG_LOWER
            if c >= 0x80:
                lower.append((c, low))
        if is_digit:
            f |= FLAG_DIGIT
        cat = unicodedata.category(ch)
        if cat == "Mn":
            f |= FLAG_MN
        d = unicodedata.normalize("NFD", ch)
        if d != ch:
            f |= FLAG_NFD
            if c in HANGUL:
                assert d == hangul_nfd(c), hex(c)
            else:
                nfd.append((c, d))
        # Final_Sigma (what CPython's lower() consults around U+03A3), read off lower() itself:
        # "A" + c + "Σ" ends in ς iff c is case-ignorable or cased; c + "Σ" iff cased and not
        # case-ignorable.
        either = ("A" + ch + "Σ").lower()[-1] == "ς"
        cased_not_ci = (ch + "Σ").lower()[-1] == "ς"
        # The same from the right-hand side: "AΣ" + c keeps σ iff c is cased and not ignorable.
        assert (("AΣ" + ch).lower()[1] == "σ") == cased_not_ci, hex(c)
        if either and not cased_not_ci:
            f |= FLAG_CASE_IGNORABLE
        if cased_not_ci:
            f |= FLAG_CASED
        comb = unicodedata.combining(ch)
        if comb:
            ccc.append((c, comb))
            if cat != "Mn":
                f |= FLAG_CCC
        is_space = ch.isspace()
        assert is_space == (space_rx.fullmatch(ch) is not None), hex(c)
        if ch in punct or is_space:
            f |= FLAG_SPACE
        flags[c] = f

        # Properties the single pass relies on.
        # 1. Lower-casing neither creates nor removes digits or number separators, so the number
        #    scan may run on the original text.
        keeps = is_digit or ch in SEPARATORS
        if keeps:
            assert low == ch, hex(c)
        else:
            assert not any(digit_rx.fullmatch(x) or x in SEPARATORS for x in low), hex(c)
        # 2. NFD of a character that is not whitespace yields no whitespace (after the whitespace
        #    step the only whitespace left is " "), and Mn characters are not whitespace.
        if not is_space:
            assert not any(x.isspace() for x in d), hex(c)
        # 3. A decomposition is already in canonical order, and its pieces are not themselves
        #    decomposable (so one table lookup per character suffices).
        if d != ch:
            assert all(unicodedata.normalize("NFD", x) == x for x in d), hex(c)
        # 4. ASCII: the fast path's assumptions.
        if c < 0x80:
            assert low == ch.lower() and d == ch and cat != "Mn" and comb == 0
            assert is_digit == ch.isdigit()
    # 5. lower() expansions are at most 3 characters long (the Rust buffer size).
    assert max(len(low) for _, low in lower) <= 3
    # 6. ASCII lowercase mapping is the plain one; no non-ASCII character lowers to ASCII except
    #    those listed (the Rust code does not care, it looks the result up again).
    for c in range(0x80):
        assert (flags[c] & FLAG_LOWER != 0) == (0x41 <= c <= 0x5A)

    # Byte classes for the ASCII fast path.
    ascii_class = []
    for c in range(256):
        if c >= 0x80:
            ascii_class.append(3)
        elif flags[c] & FLAG_SPACE:
            ascii_class.append(1)
        elif flags[c] & FLAG_DIGIT:
            ascii_class.append(2)
        else:
            # Copied, upper case lowered; nothing else applies to ASCII (asserted above).
            assert flags[c] & ~FLAG_LOWER & ~FLAG_CASED & ~FLAG_CASE_IGNORABLE == 0, hex(c)
            ascii_class.append(0)

    # Two-stage table.
    blocks, index, seen = [], [], {}
    for start in range(0, MAX_CP, BLOCK):
        blk = tuple(flags[start : start + BLOCK])
        if blk not in seen:
            seen[blk] = len(blocks)
            blocks.append(blk)
        index.append(seen[blk])
    assert len(blocks) < 65536

    lines = [
        "// @generated by tools/dedup-tables/dump_tables.py — Unicode facts of datatrove's simplify_text, spaCy's letter-only special cases.\n",
        f"// Source: Python {sys.version.split()[0]} (unicodedata {unicodedata.unidata_version}), "
        f"regex {regex.__version__}, spaCy {spacy.__version__}.\n",
        f"// Regenerate: {CMD}\n",
        "// Do not edit by hand.\n\n",
        f'/// Unicode version of the Python whose `lower()`, `isspace()` and `unicodedata` made these tables.\n'
        f'pub const UNICODE_VERSION: &str = "{unicodedata.unidata_version}";\n',
        f'/// Version of the `regex` module whose `\\p{{Nd}}` made the digit flags.\n'
        f'pub const REGEX_VERSION: &str = "{regex.__version__}";\n\n',
    ]
    for name, val, doc in [
        ("FLAG_LOWER", FLAG_LOWER, "`str.lower()` changes the character."),
        ("FLAG_DIGIT", FLAG_DIGIT, "`regex` `\\p{Nd}`."),
        ("FLAG_MN", FLAG_MN, "General category Mn (dropped after NFD)."),
        ("FLAG_NFD", FLAG_NFD, "NFD changes the character (see [`NFD`]; Hangul syllables algorithmically)."),
        ("FLAG_CASE_IGNORABLE", FLAG_CASE_IGNORABLE, "Case-ignorable for the Final_Sigma rule of `str.lower()`."),
        ("FLAG_CASED", FLAG_CASED, "Cased and not case-ignorable (Final_Sigma rule)."),
        ("FLAG_CCC", FLAG_CCC, "Not Mn but a canonical combining class > 0 (see [`CCC`])."),
        ("FLAG_SPACE", FLAG_SPACE, "In datatrove's `PUNCTUATION` or Python whitespace: becomes a space."),
    ]:
        lines.append(f"/// {doc}\npub const {name}: u8 = {val};\n")
    lines.append(
        "\n/// ASCII fast path, per byte value: 0 = copy (A-Z lowered), 1 = becomes a space, 2 = digit,\n"
        "/// 3 = not ASCII.\n"
    )
    lines.append("pub static ASCII_CLASS: [u8; 256] = [" + ", ".join(str(x) for x in ascii_class) + "];\n")
    lines.append("\n/// Number separators of datatrove's `NUMBERS_PATTERN`.\n")
    lines.append(
        "pub static NUMBER_SEPARATORS: &[char] = &[" + ", ".join(rs_char(ord(x)) for x in SEPARATORS) + "];\n\n"
    )
    lines.append(f"/// Flags of code points `k*{BLOCK} .. (k+1)*{BLOCK}` are `FLAG_BLOCKS[FLAG_INDEX[k]]`.\n")
    lines.append(f"pub static FLAG_INDEX: [u16; {len(index)}] = [")
    lines.append(", ".join(str(i) for i in index))
    lines.append("];\n\n")
    lines.append(f"/// Flag blocks ({len(blocks)} distinct).\n")
    lines.append(f"pub static FLAG_BLOCKS: [[u8; {BLOCK}]; {len(blocks)}] = [\n")
    for blk in blocks:
        lines.append("    [" + ", ".join(str(x) for x in blk) + "],\n")
    lines.append("];\n\n")
    lines.append("/// `str.lower()` of the non-ASCII characters it changes, sorted by character.\n")
    lines.append("pub static LOWER: &[(char, &str)] = &[\n")
    for c, low in lower:
        lines.append(f"    ({rs_char(c)}, {rs_str(low)}),\n")
    lines.append("];\n\n")
    lines.append("/// NFD of the characters it changes (Hangul syllables excepted), sorted by character.\n")
    lines.append("pub static NFD: &[(char, &str)] = &[\n")
    for c, d in nfd:
        lines.append(f"    ({rs_char(c)}, {rs_str(d)}),\n")
    lines.append("];\n\n")
    alpha_specials = sorted(k for k in spacy.blank("en").tokenizer.rules if re.fullmatch(r"[a-z]+", k))
    lines.append(
        f"/// Version of spaCy whose special cases are in [`ALPHA_SPECIALS`] (a test checks it is the one\n"
        f"/// millstone-text's tokenizer was generated from).\n"
        "#[allow(dead_code)]\n"
        f'pub const SPACY_VERSION: &str = "{spacy.__version__}";\n\n'
        "/// spaCy `blank(\"en\")` special cases consisting of ASCII lower-case letters only, sorted.\n"
        "pub static ALPHA_SPECIALS: &[&str] = &[\n"
    )
    for k in alpha_specials:
        lines.append(f"    {rs_str(k)},\n")
    lines.append("];\n\n")
    lines.append("/// Canonical combining class of the characters whose class is > 0, sorted by character.\n")
    lines.append("pub static CCC: &[(char, u8)] = &[\n")
    for c, k in ccc:
        lines.append(f"    ({rs_char(c)}, {k}),\n")
    lines.append("];\n")

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    print(
        f"wrote {os.path.relpath(OUT, ROOT)}: {len(blocks)} flag blocks, {len(lower)} lower, "
        f"{len(nfd)} NFD, {len(ccc)} CCC entries, {len(alpha_specials)} spaCy letter-only special cases"
    )


if __name__ == "__main__":
    main()
