//! Text helpers shared by the quality stages: the cached word segmentation and datatrove's
//! duplicate counters.

use std::ops::Range;

use millstone_core::Document;
use millstone_text::EnglishTokenizer;
use rustc_hash::FxHashSet;

/// The document's text and its words (spaCy-compatible English tokens), tokenizing only if no
/// earlier stage did so for the current text.
pub(crate) fn words(doc: &mut Document) -> (&str, &[Range<usize>]) {
    doc.words_with(|text, out| EnglishTokenizer::global().words_into(text, out))
}

/// Number of Unicode code points (Python's `len`).
#[inline]
pub(crate) fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// datatrove's `find_duplicates`: every element equal to an earlier one counts, with its length
/// in code points. Returns `(duplicate elements, duplicate chars)`.
pub(crate) fn find_duplicates<'a>(items: impl IntoIterator<Item = &'a str>) -> (usize, usize) {
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    let (mut elems, mut chars) = (0, 0);
    for item in items {
        if !seen.insert(item) {
            elems += 1;
            chars += char_len(item);
        }
    }
    (elems, chars)
}

/// Lower-case for substring tests against ASCII phrases; ASCII text (the common case) avoids the
/// full Unicode mapping.
pub(crate) fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(s.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(s)
        }
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_count_every_repeat() {
        assert_eq!(find_duplicates(["a", "bb", "a", "bb", "a"]), (3, 4));
        assert_eq!(find_duplicates(["é", "é"]), (1, 1));
    }
}
