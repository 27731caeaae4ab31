//! spaCy's rule-based `sentencizer`, as datatrove uses it.
//!
//! The sentencizer walks the tokens (whitespace tokens included): a token whose text is one of
//! the `punct_chars` sets "seen period"; the next token that is neither lexically punctuation
//! (`is_punct`: every character in Unicode category P*) nor a `punct_char` starts a new sentence.
//! So whitespace after a period starts the next sentence, and closing quotes/brackets stay with
//! the previous one.
//!
//! datatrove's `split_into_sentences` then cuts the text at each sentence's end (the end of its
//! last token) and lets the last piece run to the end of the text: whitespace between sentences
//! goes to the following piece, and a text without tokens (`""`) is one piece.

use std::ops::Range;

use crate::generated::spacy_en::SENT_PUNCT_CHARS;
use crate::generated::unicode::PY_PUNCT_CATEGORY;
use crate::tokenizer::rules::CharSet;

pub(crate) struct Sentencizer {
    punct_chars: CharSet,
    punct_category: CharSet,
}

impl Sentencizer {
    pub(crate) fn new() -> Self {
        Self {
            punct_chars: CharSet::from_chars(SENT_PUNCT_CHARS.iter().copied()),
            punct_category: CharSet::from_ranges(PY_PUNCT_CATEGORY),
        }
    }

    /// spaCy's lexical `is_punct`.
    #[inline]
    fn is_punct(&self, t: &str) -> bool {
        t.chars().all(|c| self.punct_category.contains(c))
    }

    #[inline]
    fn is_punct_char(&self, t: &str) -> bool {
        let mut it = t.chars();
        matches!((it.next(), it.next()), (Some(c), None) if self.punct_chars.contains(c))
    }

    /// Calls `f(i)` for every token index `i > 0` that starts a sentence.
    pub(crate) fn for_each_start(
        &self,
        text: &str,
        toks: &[Range<usize>],
        mut f: impl FnMut(usize),
    ) {
        let mut seen_period = false;
        for (i, t) in toks.iter().enumerate() {
            let t = &text[t.clone()];
            let in_punct_chars = self.is_punct_char(t);
            if seen_period && !in_punct_chars && !self.is_punct(t) {
                f(i);
                seen_period = false;
            } else if in_punct_chars {
                seen_period = true;
            }
        }
    }

    /// Number of sentence starts after the first, from the *non-whitespace* tokens of a text
    /// (`words_into`), without re-tokenizing. spaCy puts one whitespace token in a gap between
    /// two tokens unless the gap is empty or exactly one `' '` (then it is the previous token's
    /// trailing space); a whitespace token is never punctuation, so after a period it starts a
    /// sentence. Leading and trailing whitespace of the text are not looked at.
    pub(crate) fn count_starts_in_words(&self, text: &str, words: &[Range<usize>]) -> usize {
        let mut seen_period = false;
        let mut starts = 0;
        let mut prev_end: Option<usize> = None;
        for w in words {
            if let Some(end) = prev_end {
                let gap = &text[end..w.start];
                if seen_period && !gap.is_empty() && gap != " " {
                    starts += 1;
                    seen_period = false;
                }
            }
            prev_end = Some(w.end);
            let t = &text[w.clone()];
            let in_punct_chars = self.is_punct_char(t);
            if seen_period && !in_punct_chars && !self.is_punct(t) {
                starts += 1;
                seen_period = false;
            } else if in_punct_chars {
                seen_period = true;
            }
        }
        starts
    }
}
