//! A port of spaCy 3.8's rule-based English tokenizer (`spacy.blank("en")`).
//!
//! The algorithm follows spaCy's `Tokenizer.__call__`:
//! 1. Split the text into runs of whitespace and non-whitespace (Python `str.isspace`). A run of
//!    whitespace is one token, except that a single `' '` right after a non-whitespace run is
//!    only that token's trailing-space flag (and is dropped from the run).
//! 2. Each non-whitespace chunk: if it is a special case, emit its tokens. Otherwise strip
//!    prefixes and suffixes in a loop (`_split_affixes`: stop at a special case; after finding a
//!    prefix, stop if the rest is a special case; likewise after a suffix), then for the middle:
//!    a special case, else a URL (`url_match`) as one token, else split at infixes.
//! 3. Re-apply special cases across token boundaries ([`special::PhrasePass`]).
//!
//! spaCy's chunk cache is not reproduced: it stores results of this same pure function, so it
//! never changes the output. Tokens are byte ranges into the input; every token is a substring
//! (special cases concatenate back to their chunk), so nothing is copied.
//!
//! One datatrove behaviour is deliberately not reproduced: inside datatrove's `memory_zone`,
//! spaCy 3.8 raises an `AssertionError` when a token's text is exactly `IS_ALPHA` (a spaCy
//! attribute name; no other symbol name does this) — on every such document after the first one
//! in the process.
//! datatrove catches the error and re-tokenizes `text.replace("IS_ALPHA", "")`, so its words are
//! then not substrings of the input (`"x IS_ALPHA y"` → `x y`, `"a/IS_ALPHA"` → `a/`). This
//! tokenizer always returns spaCy's answer for the text as given (`x IS_ALPHA y`).

pub(crate) mod rules;
mod special;
mod url;

use std::cell::RefCell;
use std::ops::Range;
use std::sync::OnceLock;

use crate::generated::spacy_en::{INFIXES, PREFIXES, SPECIAL_CASES, SPECIAL_PATTERNS, SUFFIXES};
use crate::py;
use crate::sentences::Sentencizer;
use rules::Affixes;
use special::{PhrasePass, Specials};
use url::UrlMatcher;

/// The spaCy-compatible English tokenizer (rules built once; cheap to share across threads).
///
/// ```
/// use millstone_text::EnglishTokenizer;
/// let tok = EnglishTokenizer::global();
/// assert_eq!(tok.words("It's 10°C, see https://example.com/a."),
///            ["It", "'s", "10", "°", "C", ",", "see", "https://example.com/a", "."]);
/// assert_eq!(tok.count_sentences("One. Two! Three"), 3);
/// ```
pub struct EnglishTokenizer {
    affixes: Affixes,
    url: UrlMatcher,
    specials: Specials,
    phrases: PhrasePass,
    sentencizer: Sentencizer,
}

/// Byte classes for the whitespace scan: 0 = never starts whitespace, 1 = ASCII whitespace,
/// 2 = lead byte of a multi-byte character that may be whitespace (U+0085, U+00A0, U+1680,
/// U+2000–U+205F, U+3000).
static WS_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let ascii_ws: [u8; 10] = [
        b'\t', b'\n', 0x0b, 0x0c, b'\r', 0x1c, 0x1d, 0x1e, 0x1f, b' ',
    ];
    let mut i = 0;
    while i < ascii_ws.len() {
        t[ascii_ws[i] as usize] = 1;
        i += 1;
    }
    t[0xC2] = 2;
    t[0xE1] = 2;
    t[0xE2] = 2;
    t[0xE3] = 2;
    t
};

/// Byte length of the whitespace character at `i`, or 0 if the character there is not whitespace.
#[inline]
fn ws_len(text: &str, i: usize) -> usize {
    match WS_CLASS[text.as_bytes()[i] as usize] {
        0 => 0,
        1 => 1,
        _ => match text[i..].chars().next() {
            Some(c) if py::isspace(c) => c.len_utf8(),
            _ => 0,
        },
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<Range<usize>>> = const { RefCell::new(Vec::new()) };
}

impl EnglishTokenizer {
    /// Build the tokenizer from the generated rule tables (a few milliseconds; prefer
    /// [`EnglishTokenizer::global`]).
    pub fn new() -> Self {
        Self {
            affixes: Affixes::new(PREFIXES, SUFFIXES, INFIXES),
            url: UrlMatcher::new(),
            specials: Specials::new(SPECIAL_CASES),
            phrases: PhrasePass::new(SPECIAL_PATTERNS),
            sentencizer: Sentencizer::new(),
        }
    }

    /// The process-wide tokenizer, built on first use.
    pub fn global() -> &'static EnglishTokenizer {
        static GLOBAL: OnceLock<EnglishTokenizer> = OnceLock::new();
        GLOBAL.get_or_init(EnglishTokenizer::new)
    }

    /// Append the byte ranges of all spaCy tokens of `text`, whitespace tokens included
    /// (`[t for t in nlp(text)]`; a whitespace token is a run of Python whitespace).
    pub fn tokens_into(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let from = out.len();
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut i = 0;
        while i < n {
            // Non-whitespace run.
            let start = i;
            while i < n {
                let b = bytes[i];
                if WS_CLASS[b as usize] != 0 && ws_len(text, i) != 0 {
                    break;
                }
                i += 1;
            }
            if i > start {
                self.tokenize_chunk(text, start, i, out);
            }
            if i >= n {
                break;
            }
            // Whitespace run.
            let mut ws_start = i;
            loop {
                let l = if i < n { ws_len(text, i) } else { 0 };
                if l == 0 {
                    break;
                }
                i += l;
            }
            if ws_start > start && bytes[ws_start] == b' ' {
                // The single space after a word is that word's trailing-space flag.
                ws_start += 1;
            }
            if i > ws_start {
                out.push(ws_start..i);
            }
        }
        self.phrases.apply(text, out, from, &self.specials);
    }

    /// Append the byte ranges of the non-whitespace tokens of `text`: exactly datatrove's
    /// `split_into_words(text, "eng")` = `[t.text.strip() for t in spacy(text) if t.text.strip()]`
    /// (except for texts with a token `IS_ALPHA`; see the module docs). Existing elements of
    /// `out` are kept.
    pub fn words_into(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let from = out.len();
        self.tokens_into(text, out);
        // Drop whitespace tokens in place. A non-whitespace token never contains whitespace, so
        // `strip()` leaves it unchanged.
        let mut w = from;
        for r in from..out.len() {
            let t = out[r].clone();
            if ws_len(text, t.start) == 0 {
                out[w] = t;
                w += 1;
            }
        }
        out.truncate(w);
    }

    /// datatrove's `split_into_words(text, "eng")` as string slices.
    pub fn words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut spans = Vec::new();
        self.words_into(text, &mut spans);
        spans.into_iter().map(|r| &text[r]).collect()
    }

    /// datatrove's `split_into_sentences(text, "eng")`: the text cut after each sentence the spaCy
    /// sentencizer finds; whitespace between sentences starts the next piece, the last piece runs
    /// to the end, and a text with no tokens is a single piece (so `""` gives `[""]`).
    pub fn sentences<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.with_tokens(text, |toks| {
            let mut pieces = Vec::new();
            let mut prev = 0;
            self.sentencizer.for_each_start(text, toks, |i| {
                let end = toks[i - 1].end;
                pieces.push(&text[prev..end]);
                prev = end;
            });
            pieces.push(&text[prev..]);
            pieces
        })
    }

    /// `len(split_into_sentences(text, "eng"))`, without building the pieces.
    pub fn count_sentences(&self, text: &str) -> usize {
        self.with_tokens(text, |toks| {
            let mut n = 1;
            self.sentencizer.for_each_start(text, toks, |_| n += 1);
            n
        })
    }

    /// Run `f` on all tokens of `text` (whitespace tokens included), in a reused per-thread
    /// buffer (a fresh one if `f` itself tokenizes).
    fn with_tokens<R>(&self, text: &str, f: impl FnOnce(&[Range<usize>]) -> R) -> R {
        SCRATCH.with(|cell| {
            let mut guard = cell.try_borrow_mut();
            let mut local = Vec::new();
            let toks: &mut Vec<Range<usize>> = match guard.as_deref_mut() {
                Ok(v) => v,
                Err(_) => &mut local,
            };
            toks.clear();
            self.tokens_into(text, toks);
            f(toks)
        })
    }

    /// `count_sentences(&text[a..b])` for a span `a..b` that starts and ends on a non-whitespace
    /// token, given `words` = the word ranges of `text` inside it — as cut from the words of a
    /// larger text: tokens never cross whitespace, so a line's words are the document's words
    /// on that line, and the sentence count needs no second tokenization.
    pub fn count_sentences_in_words(&self, text: &str, words: &[Range<usize>]) -> usize {
        1 + self.sentencizer.count_starts_in_words(text, words)
    }

    /// Tokenize one non-whitespace chunk `text[lo..hi]`.
    fn tokenize_chunk(&self, text: &str, lo: usize, hi: usize, out: &mut Vec<Range<usize>>) {
        let chunk = &text[lo..hi];
        if let Some(lens) = self.specials.get(chunk) {
            Specials::push(lens, lo, out);
            return;
        }
        // Fast path: ASCII letters only can have no prefix (currency prefixes such as "US$"
        // need a '$'), no suffix (units need a digit before them, "'s" an apostrophe), no
        // infix (all need punctuation) and no URL (needs a '.').
        if chunk.bytes().all(|b| b.is_ascii_alphabetic()) {
            out.push(lo..hi);
            return;
        }
        self.split_affixes(text, lo, hi, out);
    }

    /// spaCy's `_split_affixes` followed by `_attach_tokens`.
    fn split_affixes(&self, text: &str, mut lo: usize, mut hi: usize, out: &mut Vec<Range<usize>>) {
        // Suffix tokens are found outside-in and emitted inside-out: remember them.
        let mut suffixes = SuffixStack::default();
        let mut last_size = usize::MAX;
        while lo < hi && hi - lo != last_size {
            // (English has no token_match.)
            if self.specials.get(&text[lo..hi]).is_some() {
                break;
            }
            last_size = hi - lo;
            let pre_len = if self.may_have_prefix(text, lo) {
                self.affixes.find_prefix(&text[lo..hi])
            } else {
                0
            };
            if pre_len != 0
                && lo + pre_len < hi
                && self.specials.get(&text[lo + pre_len..hi]).is_some()
            {
                out.push(lo..lo + pre_len);
                lo += pre_len;
                break;
            }
            let suf_len = self.affixes.find_suffix(&text[lo + pre_len..hi]);
            if suf_len != 0
                && lo < hi - suf_len
                && self.specials.get(&text[lo..hi - suf_len]).is_some()
            {
                suffixes.push(hi - suf_len, hi);
                hi -= suf_len;
                break;
            }
            if pre_len != 0 {
                out.push(lo..lo + pre_len);
                lo += pre_len;
            }
            if suf_len != 0 {
                suffixes.push(hi - suf_len, hi);
                hi -= suf_len;
            }
        }
        if lo < hi {
            self.attach_middle(text, lo, hi, out);
        }
        suffixes.emit_reversed(out);
    }

    #[inline]
    fn may_have_prefix(&self, text: &str, lo: usize) -> bool {
        let b = text.as_bytes()[lo];
        b >= 128 || self.affixes.ascii_may_start_prefix(b)
    }

    /// The middle of `_attach_tokens`: special case, URL, or infix split.
    fn attach_middle(&self, text: &str, lo: usize, hi: usize, out: &mut Vec<Range<usize>>) {
        let s = &text[lo..hi];
        if let Some(lens) = self.specials.get(s) {
            Specials::push(lens, lo, out);
            return;
        }
        if self.url.is_match(s) {
            out.push(lo..hi);
            return;
        }
        let mut start = 0;
        self.affixes.for_each_infix(s, |a, b| {
            // spaCy skips an infix at the very start of the string (the token then starts with it).
            if a == 0 {
                return;
            }
            if a != start {
                out.push(lo + start..lo + a);
            }
            if a != b {
                out.push(lo + a..lo + b);
            }
            start = b;
        });
        if start < s.len() {
            out.push(lo + start..hi);
        }
    }
}

/// Suffix tokens of one chunk: a few inline, the rest (long runs of closing punctuation) spilled,
/// so the common case allocates nothing.
#[derive(Default)]
struct SuffixStack {
    inline: [(usize, usize); 8],
    n: usize,
    spill: Vec<(usize, usize)>,
}

impl SuffixStack {
    #[inline]
    fn push(&mut self, a: usize, b: usize) {
        if self.n < self.inline.len() {
            self.inline[self.n] = (a, b);
            self.n += 1;
        } else {
            self.spill.push((a, b));
        }
    }

    /// Append the suffixes innermost first (the reverse of discovery).
    #[inline]
    fn emit_reversed(&self, out: &mut Vec<Range<usize>>) {
        out.extend(self.spill.iter().rev().map(|&(a, b)| a..b));
        out.extend(self.inline[..self.n].iter().rev().map(|&(a, b)| a..b));
    }
}

impl Default for EnglishTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for EnglishTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnglishTokenizer")
            .field("spacy_version", &crate::SPACY_VERSION)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
