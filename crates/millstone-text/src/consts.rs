//! datatrove's punctuation constants (`datatrove/utils/text.py`) as fast predicates.
//!
//! - [`is_punctuation`]: membership in `PUNCTUATION_SET = set(PUNCTUATION) ∪ TERMINAL_PUNCTUATION`
//!   (Gopher's "symbol word" test).
//! - [`in_punctuation_string`]: membership in `PUNCTUATION` alone (what `simplify_text` replaces
//!   by spaces).
//! - [`is_terminal_punctuation`]: membership in `TERMINAL_PUNCTUATION` (FineWeb's line-end test).
//!
//! The character lists are generated from the installed datatrove by
//! `tools/spacy-rules/dump_rules.py`. Not for: spaCy's notion of punctuation (that is
//! Unicode category P*, used by the sentencizer inside the tokenizer module).

use std::sync::OnceLock;

use crate::generated::datatrove::{PUNCTUATION, TERMINAL_PUNCTUATION};

/// An ASCII bitmap plus a sorted list of the non-ASCII members.
struct CharTable {
    ascii: u128,
    other: Vec<char>,
}

impl CharTable {
    fn new<'a>(lists: impl IntoIterator<Item = &'a [char]>) -> Self {
        let mut ascii = 0u128;
        let mut other = Vec::new();
        for list in lists {
            for &c in list {
                if c.is_ascii() {
                    ascii |= 1 << (c as u32);
                } else {
                    other.push(c);
                }
            }
        }
        other.sort_unstable();
        other.dedup();
        Self { ascii, other }
    }

    #[inline]
    fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            self.ascii >> (c as u32) & 1 == 1
        } else {
            self.other.binary_search(&c).is_ok()
        }
    }
}

fn punctuation_set() -> &'static CharTable {
    static T: OnceLock<CharTable> = OnceLock::new();
    T.get_or_init(|| CharTable::new([PUNCTUATION, TERMINAL_PUNCTUATION]))
}

fn punctuation_only() -> &'static CharTable {
    static T: OnceLock<CharTable> = OnceLock::new();
    T.get_or_init(|| CharTable::new([PUNCTUATION]))
}

fn terminal() -> &'static CharTable {
    static T: OnceLock<CharTable> = OnceLock::new();
    T.get_or_init(|| CharTable::new([TERMINAL_PUNCTUATION]))
}

/// `c in PUNCTUATION_SET` (datatrove's `PUNCTUATION` ∪ `TERMINAL_PUNCTUATION`).
#[inline]
pub fn is_punctuation(c: char) -> bool {
    punctuation_set().contains(c)
}

/// `c in PUNCTUATION` (the string only, without the terminal set).
#[inline]
pub fn in_punctuation_string(c: char) -> bool {
    punctuation_only().contains(c)
}

/// `c in TERMINAL_PUNCTUATION`.
#[inline]
pub fn is_terminal_punctuation(c: char) -> bool {
    terminal().contains(c)
}

/// The distinct characters of datatrove's `PUNCTUATION`, sorted by code point.
pub fn punctuation_chars() -> &'static [char] {
    PUNCTUATION
}

/// datatrove's `TERMINAL_PUNCTUATION`, sorted by code point.
pub fn terminal_punctuation_chars() -> &'static [char] {
    TERMINAL_PUNCTUATION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_datatrove() {
        assert_eq!(PUNCTUATION.len(), 129);
        assert_eq!(TERMINAL_PUNCTUATION.len(), 159);
    }

    #[test]
    fn membership() {
        // \t and \n are not in PUNCTUATION, \r is; … is in PUNCTUATION but not terminal.
        assert!(!is_punctuation('\t') && !is_punctuation('\n') && is_punctuation('\r'));
        assert!(is_punctuation('…') && !is_terminal_punctuation('…'));
        assert!(
            is_terminal_punctuation('.')
                && is_terminal_punctuation('。')
                && is_terminal_punctuation('𝪈')
        );
        assert!(!is_terminal_punctuation('"') && !is_terminal_punctuation(':'));
        // Terminal-only characters are in the union but not in the string.
        assert!(is_punctuation('।') && !in_punctuation_string('।'));
        assert!(!is_punctuation('a') && !is_punctuation(' '));
    }
}
