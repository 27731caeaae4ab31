//! Text primitives every millstone filter shares, built to give the *same answers as datatrove*.
//!
//! - [`EnglishTokenizer`]: a port of spaCy 3.8's rule-based English tokenizer (`spacy.blank("en")`)
//!   with datatrove's word and sentence splitting on top: [`EnglishTokenizer::words_into`] is
//!   datatrove's `split_into_words(text, "eng")`, [`EnglishTokenizer::sentences`] its
//!   `split_into_sentences(text, "eng")`. Tokens are returned as byte ranges of the input, never
//!   copied.
//! - [`py`]: Python string semantics the filters depend on (`str.isspace`, `str.isalpha`, `strip`,
//!   `splitlines`, `len`), which differ from Rust's `char` methods in small but decisive ways.
//! - [`consts`]: datatrove's `PUNCTUATION` / `TERMINAL_PUNCTUATION` sets as fast predicates.
//!
//! ```
//! use millstone_text::EnglishTokenizer;
//!
//! let tok = EnglishTokenizer::global();
//! assert_eq!(tok.words("Don't e-mail U.S.A. folks, ok?"),
//!            ["Do", "n't", "e", "-", "mail", "U.S.A.", "folks", ",", "ok", "?"]);
//! assert_eq!(tok.sentences("Hello world.  This is Dr. Smith."), ["Hello world.", "  This is Dr. Smith."]);
//! ```
//!
//! [`normalize`] is datatrove's `simplify_text`, the text form dedup compares. Every generated
//! text table of the project is here, under `src/generated/`: the tokenizer's rules, Python's
//! predicates and datatrove's punctuation (`tools/spacy-rules/dump_rules.py`) and
//! `simplify_text`'s Unicode facts (`tools/dedup-tables/dump_tables.py`); a test checks that the
//! two scripts' tables agree where they overlap. The crate itself needs no Python.
//!
//! Not in this crate: n-grams, anything stateful or document-shaped.

pub mod consts;
mod lines;
pub mod normalize;
pub mod py;
mod sentences;
mod tokenizer;

/// Data written by `tools/spacy-rules/dump_rules.py`; never edit by hand.
mod generated {
    #[rustfmt::skip]
    pub(crate) mod datatrove; /// Written by `tools/dedup-tables/dump_tables.py`: the Unicode facts of `simplify_text`.
    #[rustfmt::skip]
    pub(crate) mod simplify;
    #[rustfmt::skip]
    pub(crate) mod spacy_en;
    #[rustfmt::skip]
    pub(crate) mod unicode;
}

/// spaCy's English special cases made of ASCII lower-case letters only (`"cannot"`, `"gonna"`):
/// a letter-only chunk of simplified text is one word unless it is one of these.
pub use generated::simplify::ALPHA_SPECIALS;
pub use generated::spacy_en::SPACY_VERSION;
pub use generated::unicode::UNICODE_VERSION;
pub use lines::{lines_with_words, LineWords};
pub use tokenizer::EnglishTokenizer;
