//! spaCy English words of *simplified* text, fast: the same result as
//! `EnglishTokenizer::words_into(simplified)`, computed chunk by chunk.
//!
//! Two facts make this exact. spaCy tokenizes every whitespace-separated chunk on its own (its
//! final special-case pass only joins tokens whose text has no whitespace inside), and simplified
//! text has no whitespace but single spaces between chunks ([`Chunk`]). And a chunk of ASCII
//! lower-case letters has no prefix, suffix, infix or URL, so it is one token unless it is one of
//! spaCy's special cases (`cannot` → `can not`, `dont` → `do nt`, …; the generated
//! [`ALPHA_SPECIALS`]). Such chunks — almost all of them — are emitted directly; every other
//! chunk goes to the tokenizer.
//!
//! Not for: text that did not come out of `simplify_text` (use the tokenizer).

use std::ops::Range;
use std::sync::OnceLock;

use millstone_text::EnglishTokenizer;

use crate::normalize::Chunk;
use millstone_text::ALPHA_SPECIALS;

/// Longest chunk length the prefilter distinguishes; longer lengths share the last slot.
const LENS: usize = 16;

/// The special cases by (length, first letter, last letter): a bit per key says whether any
/// special case has it — a chunk whose bit is clear is certainly not one, which spares a lookup
/// for nearly every word — and the few that do are compared whole (no binary search over all
/// of them: its string comparisons were a visible share of signing).
struct Specials {
    bits: Vec<u64>,
    /// `(key, special case)`, sorted by key.
    by_key: Vec<(u16, &'static [u8])>,
}

impl Specials {
    fn key(word: &[u8]) -> Option<usize> {
        let (&first, &last) = (word.first()?, word.last()?);
        let len = word.len().min(LENS - 1);
        let (f, l) = (
            usize::from(first.wrapping_sub(b'a')),
            usize::from(last.wrapping_sub(b'a')),
        );
        (f < 26 && l < 26).then_some((len * 26 + f) * 26 + l)
    }

    fn new() -> Self {
        let mut bits = vec![0u64; (LENS * 26 * 26).div_ceil(64)];
        let mut by_key = Vec::new();
        for s in ALPHA_SPECIALS {
            match Self::key(s.as_bytes()) {
                Some(k) => {
                    bits[k / 64] |= 1 << (k % 64);
                    // LENS * 26 * 26 < 2^16.
                    by_key.push((k as u16, s.as_bytes()));
                }
                // Not letters a-z at both ends: never asked about (see `is_special`), but kept
                // findable under the no-key slot.
                None => by_key.push((u16::MAX, s.as_bytes())),
            }
        }
        by_key.sort_unstable();
        Self { bits, by_key }
    }

    #[inline]
    fn may_contain(&self, word: &[u8]) -> bool {
        Self::key(word).is_none_or(|k| {
            self.bits
                .get(k / 64)
                .is_some_and(|b| b >> (k % 64) & 1 == 1)
        })
    }

    #[inline]
    fn contains(&self, word: &[u8]) -> bool {
        if !self.may_contain(word) {
            return false;
        }
        let k = Self::key(word).map_or(u16::MAX, |k| k as u16);
        let from = self.by_key.partition_point(|&(key, _)| key < k);
        self.by_key[from..]
            .iter()
            .take_while(|&&(key, _)| key == k)
            .any(|&(_, s)| s == word)
    }
}

fn specials() -> &'static Specials {
    static S: OnceLock<Specials> = OnceLock::new();
    S.get_or_init(Specials::new)
}

/// Whether `word` (ASCII lower-case letters) is a spaCy special case.
#[inline]
fn is_special(word: &[u8]) -> bool {
    specials().contains(word)
}

/// Append the word byte ranges of `simplified`, whose chunks are `chunks`.
pub(crate) fn words_into(simplified: &str, chunks: &[Chunk], out: &mut Vec<Range<usize>>) {
    let tok = EnglishTokenizer::global();
    let bytes = simplified.as_bytes();
    for c in chunks {
        let r = c.range.clone();
        if c.letters && !is_special(&bytes[r.clone()]) {
            out.push(r);
        } else {
            let from = out.len();
            tok.words_into(&simplified[r.clone()], out);
            for t in &mut out[from..] {
                *t = t.start + r.start..t.end + r.start;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::simplify_text_chunks;
    use proptest::prelude::*;

    fn both(text: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
        let (mut s, mut chunks) = (String::new(), Vec::new());
        simplify_text_chunks(text, &mut s, &mut chunks);
        let mut fast = Vec::new();
        words_into(&s, &chunks, &mut fast);
        let mut slow = Vec::new();
        EnglishTokenizer::global().words_into(&s, &mut slow);
        (fast, slow)
    }

    #[test]
    fn specials_are_found_and_split_by_the_tokenizer() {
        assert!(is_special(b"cannot") && is_special(b"dont") && is_special(b"youre"));
        assert!(
            !is_special(b"the") && !is_special(b"can") && !is_special(b"") && !is_special(b"zz")
        );
        for s in ALPHA_SPECIALS {
            assert!(specials().may_contain(s.as_bytes()), "{s}");
            assert!(is_special(s.as_bytes()), "{s}");
            let (fast, slow) = both(s);
            assert_eq!(fast, slow, "{s}");
        }
        assert_eq!(
            EnglishTokenizer::global().words("i cannot go"),
            ["i", "can", "not", "go"]
        );
    }

    #[test]
    fn examples_match_the_tokenizer() {
        for text in [
            "I cannot believe you dont know im gonna do it, wanna come? lets go 5mm £5 10°C",
            "Visit https://example.com/path?q=1 or mail john.doe@example.org",
            "a \u{301} b  ΟΔΟΣ naïve 😀x x😀 U.S.A. e.g. 3.14",
            "",
        ] {
            let (fast, slow) = both(text);
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn lowercase_words_match_the_tokenizer(text in "([a-z]{1,12}|cannot|dont|im|gonna|yall|thiss|[A-Z]{1,4}|[0-9]{1,3}|é|£|°|'|-|\\.|@|  | )*") {
            let (fast, slow) = both(&text);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn any_text_matches_the_tokenizer(text in any::<String>()) {
            let (fast, slow) = both(&text);
            prop_assert_eq!(fast, slow);
        }
    }
}
