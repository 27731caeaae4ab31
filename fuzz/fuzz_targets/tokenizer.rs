//! Arbitrary UTF-8 through the spaCy-compatible tokenizer and sentencizer.
//!
//! Asserts: words are non-empty, in order, non-overlapping, on char boundaries and free of Python
//! whitespace; `words_into` keeps what was in the vector; `count_sentences(t) ==
//! sentences(t).len()`; `sentences(t).concat() == t`; and the two facts `c4_quality` relies on to
//! tokenize a document once: the words of a (stripped) line are the document's words inside it,
//! and `count_sentences_in_words` on them equals `count_sentences` of the line.
#![no_main]

use std::ops::Range;

use libfuzzer_sys::fuzz_target;
use millstone_text::{py, EnglishTokenizer};

fn check_words(text: &str, words: &[Range<usize>]) {
    let mut prev_end = 0;
    for w in words {
        assert!(w.start < w.end, "empty word {w:?} in {text:?}");
        assert!(
            w.start >= prev_end,
            "overlapping/unordered word {w:?} in {text:?}"
        );
        let s = text
            .get(w.clone())
            .unwrap_or_else(|| panic!("{w:?} not on char boundaries of {text:?}"));
        assert!(
            !s.chars().any(py::isspace),
            "word {s:?} contains whitespace ({text:?})"
        );
        prev_end = w.end;
    }
}

fuzz_target!(|text: &str| {
    let tok = EnglishTokenizer::global();

    let mut words = vec![0..0];
    tok.words_into(text, &mut words);
    assert_eq!(words[0], 0..0, "words_into dropped an existing element");
    let words = words.split_off(1);
    check_words(text, &words);
    assert_eq!(tok.words(text).len(), words.len());

    let sentences = tok.sentences(text);
    assert_eq!(
        tok.count_sentences(text),
        sentences.len(),
        "count_sentences != sentences().len() for {text:?}"
    );
    assert_eq!(
        sentences.concat(),
        text,
        "sentences do not concatenate to the text"
    );

    // Per line, as c4_quality cuts them.
    let mut line_words = Vec::new();
    for millstone_text::LineWords {
        line,
        words: on_line,
        ..
    } in millstone_text::lines_with_words(text, &words)
    {
        if line.is_empty() {
            continue;
        }
        let from_doc: Vec<&str> = on_line.iter().map(|w| &text[w.clone()]).collect();
        line_words.clear();
        tok.words_into(line, &mut line_words);
        let own: Vec<&str> = line_words.iter().map(|w| &line[w.clone()]).collect();
        assert_eq!(
            from_doc, own,
            "words of line {line:?} differ from the document's words on it"
        );
        assert_eq!(
            tok.count_sentences_in_words(text, on_line),
            tok.count_sentences(line),
            "count_sentences_in_words differs from count_sentences for line {line:?}"
        );
    }
});
