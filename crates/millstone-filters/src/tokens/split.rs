//! The pre-tokenizers: cut a text into the pieces that tiktoken's split regexes give, without a
//! regex engine.
//!
//! tiktoken first splits a text with a regex (letters with an optional leading space or
//! punctuation mark, groups of up to three digits, punctuation runs, whitespace runs …) and then
//! runs BPE inside each piece. The regexes need a backtracking engine (`fancy-regex`: a
//! negative look-ahead, possessive quantifiers), which is most of tiktoken's time. Every
//! alternative of both patterns can instead be decided by looking at character classes from the
//! current position onwards; [`Splitter::o200k_end`] and [`Splitter::cl100k_end`] do that, one
//! alternative at a time in the pattern's order, giving the match a backtracking engine finds
//! first. The reasoning for each alternative is written next to its code.
//!
//! The character classes (`\p{Lu}`, `\p{M}`, `\s`, the case-insensitive letters of `'s`, …) are
//! read from `regex-syntax`, the crate whose tables the reference regex itself is compiled
//! from, so both agree on the Unicode version.
//!
//! Not here: BPE (`bpe.rs`) and special tokens (`<|endoftext|>` is ordinary text to a counter).

use regex_syntax::hir::{Class, HirKind};
use rustc_hash::FxHashMap;

use super::TokenizerError;

/// The classes the split patterns tell apart; every code point is in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub(crate) enum Cat {
    /// Anything below: punctuation, symbols, emoji, controls that are not whitespace, unassigned.
    Other = 0,
    /// `\p{Lu}`, `\p{Lt}`.
    Upper = 1,
    /// `\p{Ll}`.
    Lower = 2,
    /// `\p{Lm}`, `\p{Lo}` (in both of o200k's case classes).
    Letter = 3,
    /// `\p{M}`: in both of o200k's case classes, but not a letter (`\p{L}`) for cl100k.
    Mark = 4,
    /// `\p{N}`.
    Number = 5,
    /// `\s` except `\r` and `\n`.
    Space = 6,
    /// `\r`, `\n`.
    Newline = 7,
}

const fn set(cats: &[Cat]) -> u8 {
    let mut bits = 0u8;
    let mut i = 0;
    while i < cats.len() {
        bits |= 1 << cats[i] as u8;
        i += 1;
    }
    bits
}

/// `\p{L}`.
const LETTER: u8 = set(&[Cat::Upper, Cat::Lower, Cat::Letter]);
/// o200k's `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`.
const CASED_UPPER: u8 = set(&[Cat::Upper, Cat::Letter, Cat::Mark]);
/// o200k's `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
const CASED_LOWER: u8 = set(&[Cat::Lower, Cat::Letter, Cat::Mark]);
/// `[^\r\n\p{L}\p{N}]`: what may stand before a word.
const PREFIX: u8 = set(&[Cat::Other, Cat::Mark, Cat::Space]);
/// `[^\s\p{L}\p{N}]`.
const PUNCT: u8 = set(&[Cat::Other, Cat::Mark]);
/// `\s`.
const WHITESPACE: u8 = set(&[Cat::Space, Cat::Newline]);

#[inline]
fn is_in(cat: Cat, mask: u8) -> bool {
    mask & (1 << cat as u8) != 0
}

/// Which split pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    O200k,
    Cl100k,
    /// GPT-2's (tiktoken's `gpt2` and `r50k_base`).
    Gpt2,
}

/// Code point → [`Cat`] for all of Unicode, plus the case-insensitive letters of the
/// contractions (`'s`, `'ll`, …).
pub(crate) struct Classes {
    ascii: [Cat; 128],
    /// Block (code point >> 8) → index into `blocks`; most blocks are shared.
    index: Vec<u16>,
    blocks: Vec<[Cat; 256]>,
    /// Code point → the ASCII letter it matches case-insensitively, for the letters of the
    /// contraction suffixes (`s` is also matched by U+017F LONG S).
    folds: Vec<(u32, u8)>,
}

const CODE_POINTS: usize = 0x11_0000;

/// The code point ranges of a one-character class, as `regex-syntax` compiles it.
fn class_ranges(pattern: &str) -> Result<Vec<(u32, u32)>, TokenizerError> {
    let err = |message: String| TokenizerError::Unicode {
        class: pattern.to_owned(),
        message,
    };
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|e| err(e.to_string()))?;
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Ok(class
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect()),
        HirKind::Literal(lit) => match std::str::from_utf8(&lit.0).ok().map(|s| s.chars()) {
            Some(mut chars) => match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(vec![(c as u32, c as u32)]),
                _ => Err(err("not a single character".into())),
            },
            None => Err(err("not a single character".into())),
        },
        other => Err(err(format!("not a character class: {other:?}"))),
    }
}

impl Classes {
    pub(crate) fn new() -> Result<Classes, TokenizerError> {
        let mut flat = vec![Cat::Other; CODE_POINTS];
        let assignments = [
            (r"[\p{Lu}\p{Lt}]", Cat::Upper),
            (r"\p{Ll}", Cat::Lower),
            (r"[\p{Lm}\p{Lo}]", Cat::Letter),
            (r"\p{M}", Cat::Mark),
            (r"\p{N}", Cat::Number),
            (r"\s", Cat::Space),
        ];
        for (pattern, cat) in assignments {
            for (start, end) in class_ranges(pattern)? {
                for cp in start..=end {
                    let slot = &mut flat[cp as usize];
                    if *slot != Cat::Other {
                        return Err(TokenizerError::Unicode {
                            class: pattern.to_owned(),
                            message: format!("U+{cp:04X} is also in {slot:?}"),
                        });
                    }
                    *slot = cat;
                }
            }
        }
        flat[usize::from(b'\r')] = Cat::Newline;
        flat[usize::from(b'\n')] = Cat::Newline;

        let mut ascii = [Cat::Other; 128];
        ascii.copy_from_slice(&flat[..128]);
        let mut index = Vec::with_capacity(CODE_POINTS / 256);
        let mut blocks: Vec<[Cat; 256]> = Vec::new();
        let mut seen: FxHashMap<[Cat; 256], u16> = FxHashMap::default();
        for chunk in flat.chunks_exact(256) {
            let mut block = [Cat::Other; 256];
            block.copy_from_slice(chunk);
            let next = blocks.len() as u16;
            let id = *seen.entry(block).or_insert(next);
            if id == next {
                blocks.push(block);
            }
            index.push(id);
        }

        let mut folds = Vec::new();
        for letter in *b"stmdrevl" {
            for (start, end) in class_ranges(&format!("(?i:{})", letter as char))? {
                folds.extend((start..=end).map(|cp| (cp, letter)));
            }
        }
        Ok(Classes {
            ascii,
            index,
            blocks,
            folds,
        })
    }

    #[inline]
    pub(crate) fn cat(&self, cp: u32) -> Cat {
        if cp < 128 {
            self.ascii[cp as usize]
        } else {
            let block = self.index[(cp >> 8) as usize & 0x1fff] as usize;
            self.blocks[block][(cp & 0xff) as usize]
        }
    }

    /// The contraction letter `cp` matches case-insensitively, if any.
    fn fold(&self, cp: u32) -> Option<u8> {
        self.folds.iter().find(|(c, _)| *c == cp).map(|&(_, l)| l)
    }
}

/// The code point at byte `i` of valid UTF-8 and its length in bytes.
#[inline]
fn decode(b: &[u8], i: usize) -> (u32, usize) {
    let b0 = u32::from(b[i]);
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xe0 {
        (((b0 & 0x1f) << 6) | (u32::from(b[i + 1]) & 0x3f), 2)
    } else if b0 < 0xf0 {
        (
            ((b0 & 0x0f) << 12)
                | ((u32::from(b[i + 1]) & 0x3f) << 6)
                | (u32::from(b[i + 2]) & 0x3f),
            3,
        )
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((u32::from(b[i + 1]) & 0x3f) << 12)
                | ((u32::from(b[i + 2]) & 0x3f) << 6)
                | (u32::from(b[i + 3]) & 0x3f),
            4,
        )
    }
}

/// Splits one text. Positions are byte offsets at character boundaries.
pub(crate) struct Splitter<'a> {
    b: &'a [u8],
    classes: &'a Classes,
}

impl<'a> Splitter<'a> {
    pub(crate) fn new(text: &'a str, classes: &'a Classes) -> Self {
        Splitter {
            b: text.as_bytes(),
            classes,
        }
    }

    /// Call `f` with each piece of the text in order; the pieces tile the text.
    #[inline]
    pub(crate) fn for_each(&self, pattern: Pattern, mut f: impl FnMut(&'a [u8])) {
        let mut i = 0;
        while i < self.b.len() {
            let end = match pattern {
                Pattern::O200k => self.o200k_end(i),
                Pattern::Cl100k => self.cl100k_end(i),
                Pattern::Gpt2 => self.gpt2_end(i),
            };
            f(&self.b[i..end]);
            i = end;
        }
    }

    /// Class and byte length of the character at `i < len`.
    #[inline]
    fn at(&self, i: usize) -> (Cat, usize) {
        let b0 = self.b[i];
        if b0 < 0x80 {
            (self.classes.ascii[usize::from(b0)], 1)
        } else {
            let (cp, n) = decode(self.b, i);
            (self.classes.cat(cp), n)
        }
    }

    /// Is the character at `i` (if any) in `mask`?
    #[inline]
    fn is(&self, i: usize, mask: u8) -> bool {
        i < self.b.len() && is_in(self.at(i).0, mask)
    }

    /// End of the longest run of `mask` characters from `i`.
    #[inline]
    fn run(&self, mut i: usize, mask: u8) -> usize {
        while i < self.b.len() {
            let (cat, n) = self.at(i);
            if !is_in(cat, mask) {
                break;
            }
            i += n;
        }
        i
    }

    /// End of the longest run of the ASCII bytes `set` from `i`.
    #[inline]
    fn run_bytes(&self, mut i: usize, set: &[u8]) -> usize {
        while i < self.b.len() && set.contains(&self.b[i]) {
            i += 1;
        }
        i
    }

    /// The contraction letter of the character at `i`, if any.
    #[inline]
    fn letter(&self, i: usize) -> Option<(u8, usize)> {
        if i >= self.b.len() {
            return None;
        }
        let (cp, n) = decode(self.b, i);
        self.classes.fold(cp).map(|l| (l, n))
    }

    /// Where a contraction that starts with the letter at `i` (just after the apostrophe) ends:
    /// `s t m d` alone, or `re ve ll`, all case-insensitive.
    fn contraction_from(&self, i: usize) -> Option<usize> {
        let (first, n) = self.letter(i)?;
        let second = match first {
            b's' | b't' | b'm' | b'd' => return Some(i + n),
            b'r' | b'v' => b'e',
            b'l' => b'l',
            _ => return None,
        };
        match self.letter(i + n) {
            Some((l, n2)) if l == second => Some(i + n + n2),
            _ => None,
        }
    }

    /// o200k's optional suffix `(?i:'s|'t|'re|'ve|'m|'ll|'d)?` after a word ending at `e`.
    #[inline]
    fn with_suffix(&self, e: usize) -> usize {
        if self.b.get(e) == Some(&b'\'') {
            self.contraction_from(e + 1).unwrap_or(e)
        } else {
            e
        }
    }

    /// o200k's `[Lu Lt Lm Lo M]*[Ll Lm Lo M]+` from `p`, as a backtracking engine matches it:
    /// the first run takes every upper-class character; if the character after it is
    /// lower-only (`Ll`), the second run goes on from there; otherwise the first run gives back
    /// characters until the last one it holds that is in both classes (`Lm Lo M`), which then
    /// is the whole second run (what follows it in the first run is upper-only). No such
    /// character: no match.
    #[inline]
    fn upper_then_lower(&self, p: usize) -> Option<usize> {
        let mut q = p;
        let mut after_both = None;
        while q < self.b.len() {
            let (cat, n) = self.at(q);
            if !is_in(cat, CASED_UPPER) {
                if is_in(cat, CASED_LOWER) {
                    return Some(self.run(q + n, CASED_LOWER));
                }
                break;
            }
            q += n;
            if is_in(cat, CASED_LOWER) {
                after_both = Some(q);
            }
        }
        after_both
    }

    /// End of the o200k_base piece that starts at `i < len`.
    ///
    /// ```text
    /// [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
    /// |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
    /// |\p{N}{1,3}
    /// | ?[^\s\p{L}\p{N}]+[\r\n/]*
    /// |\s*[\r\n]+
    /// |\s+(?!\S)
    /// |\s+
    /// ```
    pub(crate) fn o200k_end(&self, i: usize) -> usize {
        let (c0, n0) = self.at(i);
        let after0 = i + n0;
        // Alternative 1. The optional prefix is tried taken first, then not taken; the
        // optional suffix never decides whether the alternative matches.
        if is_in(c0, PREFIX) {
            if let Some(e) = self.upper_then_lower(after0) {
                return self.with_suffix(e);
            }
        }
        if let Some(e) = self.upper_then_lower(i) {
            return self.with_suffix(e);
        }
        // Alternative 2: an upper-class run (at least one), then a lower-class run. The
        // upper run stops at a character outside the upper class, so the lower run can start
        // only with a lower-only one and needs no backtracking.
        if is_in(c0, PREFIX) && self.is(after0, CASED_UPPER) {
            let e = self.run(self.run(after0, CASED_UPPER), CASED_LOWER);
            return self.with_suffix(e);
        }
        if is_in(c0, CASED_UPPER) {
            let e = self.run(self.run(i, CASED_UPPER), CASED_LOWER);
            return self.with_suffix(e);
        }
        // Alternative 3: one to three digits.
        if c0 == Cat::Number {
            return self.digits(after0);
        }
        // Alternative 4; after the punctuation run (which holds `/`) only `\r\n` can follow.
        if let Some(e) = self.punctuation(i, c0, after0) {
            return self.run_bytes(e, b"\r\n/");
        }
        // Alternatives 5–7: c0 is whitespace (every other class matched above).
        self.whitespace_end(i, after0, false, true)
    }

    /// End of the cl100k_base piece that starts at `i < len`.
    ///
    /// ```text
    /// '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+
    /// |\s++$|\s*[\r\n]|\s+(?!\S)|\s
    /// ```
    pub(crate) fn cl100k_end(&self, i: usize) -> usize {
        let (c0, n0) = self.at(i);
        let after0 = i + n0;
        // Alternative 1: a contraction on its own.
        if self.b[i] == b'\'' {
            if let Some(e) = self.contraction_from(after0) {
                return e;
            }
        }
        // Alternative 2: the prefix is possessive, but not taking it could not match anyway
        // (a prefix character is not a letter). Marks are not letters here.
        if is_in(c0, PREFIX) {
            if self.is(after0, LETTER) {
                return self.run(after0, LETTER);
            }
        } else if is_in(c0, LETTER) {
            return self.run(after0, LETTER);
        }
        if c0 == Cat::Number {
            return self.digits(after0);
        }
        if let Some(e) = self.punctuation(i, c0, after0) {
            return self.run_bytes(e, b"\r\n");
        }
        self.whitespace_end(i, after0, true, true)
    }

    /// End of the GPT-2 (`gpt2`, `r50k_base`) piece that starts at `i < len`.
    ///
    /// ```text
    /// '(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s
    /// ```
    ///
    /// Unlike the later patterns: contractions are lower-case ASCII only, digit runs are not
    /// cut in threes, and line breaks are whitespace like any other.
    pub(crate) fn gpt2_end(&self, i: usize) -> usize {
        let (c0, n0) = self.at(i);
        let after0 = i + n0;
        // Alternative 1: a contraction, case-sensitive.
        if self.b[i] == b'\'' {
            let rest = &self.b[after0..];
            for suffix in [&b"ll"[..], b"ve", b"re", b"s", b"d", b"m", b"t"] {
                if rest.starts_with(suffix) {
                    return after0 + suffix.len();
                }
            }
        }
        // Alternatives 2 and 3: an optional space, then a run of letters, or of numbers. The
        // run is possessive, but giving back could not help: the space is not in either class.
        for class in [LETTER, set(&[Cat::Number])] {
            if self.b[i] == b' ' && self.is(after0, class) {
                return self.run(after0, class);
            }
            if is_in(c0, class) {
                return self.run(after0, class);
            }
        }
        if let Some(e) = self.punctuation(i, c0, after0) {
            return e;
        }
        self.whitespace_end(i, after0, true, false)
    }

    /// `\p{N}{1,3}` after the first digit, which ends at `i`.
    #[inline]
    fn digits(&self, mut i: usize) -> usize {
        for _ in 0..2 {
            if i >= self.b.len() {
                break;
            }
            let (cat, n) = self.at(i);
            if cat != Cat::Number {
                break;
            }
            i += n;
        }
        i
    }

    /// ` ?[^\s\p{L}\p{N}]+`: the space is taken if punctuation follows it. Either way the
    /// run goes on from `after0` (after the space, or after the first punctuation character).
    #[inline]
    fn punctuation(&self, i: usize, c0: Cat, after0: usize) -> Option<usize> {
        let space_then_punct = self.b[i] == b' ' && self.is(after0, PUNCT);
        (space_then_punct || is_in(c0, PUNCT)).then(|| self.run(after0, PUNCT))
    }

    /// The whitespace alternatives, on the whitespace run starting at `i`:
    /// - cl100k only, `\s++$`: a run that reaches the end of the text is one piece;
    /// - `\s*[\r\n]+` / `\s*[\r\n]` (not in GPT-2's pattern: `breaks = false`): a run holding a
    ///   line break ends after its last one (the leading `\s*` gives back characters until a
    ///   break can follow, from the end);
    /// - `\s+(?!\S)`: a run up to the end of the text is one piece; before anything else the
    ///   run gives back its last character, which then starts the next piece (e.g. a space
    ///   before a word), unless the run is that one character;
    /// - `\s+` / `\s`: that one character.
    fn whitespace_end(&self, i: usize, after0: usize, end_is_piece: bool, breaks: bool) -> usize {
        let len = self.b.len();
        let mut w = i;
        let mut last_start = i;
        let mut after_break = None;
        while w < len {
            let (cat, n) = self.at(w);
            if !is_in(cat, WHITESPACE) {
                break;
            }
            if breaks && cat == Cat::Newline {
                after_break = Some(w + n);
            }
            last_start = w;
            w += n;
        }
        let end = if end_is_piece && w == len {
            w
        } else if let Some(e) = after_break {
            e
        } else if w == len {
            w
        } else if last_start > i {
            last_start
        } else {
            w
        };
        // Never an empty piece, whatever the input (unreachable: `i` is whitespace here).
        end.max(after0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> &'static Classes {
        super::super::classes().expect("Unicode tables")
    }

    fn pieces(pattern: Pattern, text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = 0;
        Splitter::new(text, classes()).for_each(pattern, |p| {
            out.push(&text[at..at + p.len()]);
            at += p.len();
        });
        out
    }

    #[test]
    fn classes_partition_letters_as_regex_syntax_does() {
        let c = classes();
        for (start, end) in class_ranges(r"\p{L}").unwrap() {
            for cp in start..=end {
                assert!(is_in(c.cat(cp), LETTER), "U+{cp:04X}");
            }
        }
        assert_eq!(c.cat('A' as u32), Cat::Upper);
        assert_eq!(c.cat('ǅ' as u32), Cat::Upper); // Lt
        assert_eq!(c.cat('ß' as u32), Cat::Lower);
        assert_eq!(c.cat('中' as u32), Cat::Letter);
        assert_eq!(c.cat(0x301), Cat::Mark);
        assert_eq!(c.cat('½' as u32), Cat::Number);
        assert_eq!(c.cat(0x2028), Cat::Space);
        assert_eq!(c.cat(0x85), Cat::Space);
        assert_eq!(c.cat('\r' as u32), Cat::Newline);
        assert_eq!(c.cat('😀' as u32), Cat::Other);
        assert_eq!(c.fold(0x17f), Some(b's'));
        assert_eq!(c.fold('L' as u32), Some(b'l'));
        assert_eq!(c.fold('x' as u32), None);
    }

    #[test]
    fn o200k_pieces() {
        let p = |t| pieces(Pattern::O200k, t);
        assert_eq!(p("Hello world"), ["Hello", " world"]);
        assert_eq!(p("don't DON'T"), ["don't", " DON'T"]);
        assert_eq!(p("HTMLParser"), ["HTMLParser"]);
        assert_eq!(p("12345"), ["123", "45"]);
        assert_eq!(p("a   b"), ["a", "  ", " b"]);
        assert_eq!(p("a \t!"), ["a", " ", "\t", "!"]);
        assert_eq!(p("x \n\n  y  "), ["x", " \n\n", " ", " y", "  "]);
        assert_eq!(p(" ...//\r\n"), [" ...//\r\n"]);
        assert_eq!(p("\u{301}AB"), ["\u{301}", "AB"]);
        assert_eq!(p(""), Vec::<&str>::new());
    }

    #[test]
    fn cl100k_pieces() {
        let p = |t| pieces(Pattern::Cl100k, t);
        assert_eq!(p("don't we'LL"), ["don", "'t", " we", "'LL"]);
        assert_eq!(p("'sa 'hello"), ["'s", "a", " '", "hello"]);
        assert_eq!(p("'hello"), ["'hello"]);
        assert_eq!(p("e\u{301}t"), ["e", "\u{301}t"]);
        assert_eq!(p("x\n  "), ["x", "\n  "]);
        assert_eq!(p("x\n  y"), ["x", "\n", " ", " y"]);
    }

    #[test]
    fn gpt2_pieces() {
        let p = |t| pieces(Pattern::Gpt2, t);
        assert_eq!(
            p("don't DON'T we'll"),
            ["don", "'t", " DON", "'", "T", " we", "'ll"]
        );
        assert_eq!(p("12345 67"), ["12345", " 67"]);
        assert_eq!(p("x \n\n  y  "), ["x", " \n\n ", " y", "  "]);
        assert_eq!(p("a \t!"), ["a", " ", "\t", "!"]);
        assert_eq!(p(" ...//\r\n"), [" ...//", "\r\n"]);
        assert_eq!(p("e\u{301}t"), ["e", "\u{301}", "t"]);
    }
}
