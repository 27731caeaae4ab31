//! The [`Document`]: the unit every stage sees.

use std::ops::Range;
use std::sync::Arc;

use crate::Map;

/// Where a document came from: the input file and its record number there.
///
/// `record` is 1-based: the line number for JSONL, the row number for Parquet, 1 for a text file,
/// the record number (counting every record) for WARC and ARC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    pub file: Arc<str>,
    pub record: u64,
    /// Position of `file` in the run's sorted input list (set by the executor).
    pub input: u32,
    /// The WARC/ARC record type the document came from (`response`, `resource`, `conversion`),
    /// counted under `records` in `stats.json`; empty for other inputs.
    pub record_type: &'static str,
}

impl Source {
    /// A number that orders documents as the run reads them (input file, then record), stable
    /// across runs over the same inputs: what "first seen" means for dedup.
    pub fn ordinal(&self) -> u64 {
        (u64::from(self.input) << 40) | (self.record & ((1 << 40) - 1))
    }
}

/// One document: id, text, provenance, pass-through fields and measured attributes.
///
/// The text is private so that every rewrite goes through [`Document::set_text`], which
/// invalidates the cached word segmentation: stages share one tokenization per version of the
/// text (tokenizing is the expensive part of quality filtering), and a stale cache would silently
/// give a later stage the words of an earlier text.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Unique id: the input's id field, or `<file>/<record>` when the input has none.
    pub id: String,
    text: String,
    /// Provenance, for error messages and the report.
    pub source: Source,
    /// Every field of the input record, in input order. The text field's slot holds `Null`
    /// (its value lives in `text`); writers put the current text back in that slot.
    pub fields: Map,
    /// What stages measured, written under the `millstone` key of each output record.
    pub attributes: Map,
    words: Option<Vec<Range<usize>>>,
}

impl Document {
    /// A document with no input fields (tests, text files).
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document {
            id: id.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Replace the text (e.g. after removing lines). Drops the cached words.
    pub fn set_text(&mut self, text: String) {
        self.text = text;
        self.words = None;
    }

    /// Replace the text together with its words, when the stage that rewrote the text already
    /// knows them (e.g. it kept whole lines of a text whose words were known). The caller
    /// guarantees `words` are exactly what the tokenizer would give for `text`.
    pub fn set_text_with_words(&mut self, text: String, words: Vec<Range<usize>>) {
        self.text = text;
        self.words = Some(words);
    }

    /// Take the text out, leaving an empty one (used by writers that consume documents).
    pub fn take_text(&mut self) -> String {
        self.words = None;
        std::mem::take(&mut self.text)
    }

    /// The text and the byte ranges of its words, computing them with `tokenize` the first time
    /// they are asked for after the text was set. The tokenizer is passed in (not owned here) so
    /// that this crate stays free of language rules.
    pub fn words_with(
        &mut self,
        tokenize: impl FnOnce(&str, &mut Vec<Range<usize>>),
    ) -> (&str, &[Range<usize>]) {
        if self.words.is_none() {
            let mut spans = Vec::new();
            tokenize(&self.text, &mut spans);
            self.words = Some(spans);
        }
        (&self.text, self.words.as_deref().unwrap_or(&[]))
    }

    /// The cached word ranges, if a stage already computed them for the current text.
    pub fn cached_words(&self) -> Option<&[Range<usize>]> {
        self.words.as_deref()
    }

    /// The input field at `path` (a top-level key or a dotted path, see [`crate::field`]).
    pub fn field(&self, path: &str) -> Option<&crate::Value> {
        crate::field::get(&self.fields, path)
    }

    /// Length of the text in bytes.
    pub fn len_bytes(&self) -> usize {
        self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_text_invalidates_words() {
        let mut doc = Document::new("x", "a b");
        let (_, w) = doc.words_with(|t, out| {
            out.extend(t.split(' ').scan(0, |pos, w| {
                let r = *pos..*pos + w.len();
                *pos += w.len() + 1;
                Some(r)
            }))
        });
        assert_eq!(w.len(), 2);
        doc.set_text("a b c".into());
        assert!(doc.cached_words().is_none());
        let (_, w) = doc.words_with(|_, out| out.push(0..1));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0], 0..1);
    }
}
