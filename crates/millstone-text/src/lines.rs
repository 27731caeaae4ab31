//! A document's lines with their words, without tokenizing each line again.
//!
//! Tokens never cross whitespace, and every Python line break is whitespace, so the words of a
//! line are exactly the document's words that fall on it (checked on every line of the real
//! documents by `tests/spacy_parity.rs` and by the `tokenizer` fuzz target). Not for text that
//! was changed after it was tokenized: the word ranges must be `words_into` of this `text`.

use std::ops::Range;

use crate::py;

/// One line of `text` (Python `splitlines()`, stripped) and its words.
#[derive(Debug, Clone, Copy)]
pub struct LineWords<'a> {
    /// The stripped line.
    pub line: &'a str,
    /// Byte offset of `line` in the text.
    pub start: usize,
    /// The document's word ranges (offsets in the text) that fall on this line.
    pub words: &'a [Range<usize>],
}

/// The lines of `text` with their slice of `words`, the word ranges of the whole `text`.
pub fn lines_with_words<'a>(
    text: &'a str,
    words: &'a [Range<usize>],
) -> impl Iterator<Item = LineWords<'a>> {
    let base = text.as_ptr() as usize;
    let mut cursor = 0usize; // first word not before the current line
    py::splitlines(text).map(move |raw| {
        let line = py::strip(raw);
        let start = line.as_ptr() as usize - base;
        let end = start + line.len();
        while cursor < words.len() && words[cursor].start < start {
            cursor += 1;
        }
        let lo = cursor;
        while cursor < words.len() && words[cursor].end <= end {
            cursor += 1;
        }
        LineWords {
            line,
            start,
            words: &words[lo..cursor],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnglishTokenizer;

    #[test]
    fn each_line_gets_its_own_words() {
        let text = "  Hello, world!\n\nDon't stop.\r\nlast";
        let mut words = Vec::new();
        EnglishTokenizer::global().words_into(text, &mut words);
        let got: Vec<(&str, Vec<&str>)> = lines_with_words(text, &words)
            .map(|l| (l.line, l.words.iter().map(|w| &text[w.clone()]).collect()))
            .collect();
        assert_eq!(
            got,
            [
                ("Hello, world!", vec!["Hello", ",", "world", "!"]),
                ("", vec![]),
                ("Don't stop.", vec!["Do", "n't", "stop", "."]),
                ("last", vec!["last"]),
            ]
        );
    }
}
