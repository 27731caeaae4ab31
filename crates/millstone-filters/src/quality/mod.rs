//! Quality filters mirroring datatrove 0.10.1, one file each.
//!
//! Each keeps datatrove's parameter names and defaults (so a datatrove user's settings carry over
//! unchanged), its check order and its reason strings, and reproduces its quirks — e.g. the Gopher
//! alpha ratio divides by all tokens, punctuation included; `top_n_gram` fires on short documents
//! without any repetition. "Words" are spaCy-compatible English tokens from `millstone-text`,
//! computed once per version of the text and shared between stages.
//!
//! Other languages: the tokenizer is spaCy's *English* rule set, which is also what datatrove uses
//! for English. For languages datatrove tokenizes differently (CJK, Thai, …) the word counts here
//! will differ from datatrove's; the thresholds were tuned on English in any case.

pub mod c4_quality;
pub mod fineweb_quality;
pub mod gopher_quality;
pub mod gopher_repetition;

/// `part / whole > threshold`, as Python computes it (true division of ints, IEEE compare).
/// A zero denominator is treated as "check does not fire" where datatrove would raise
/// `ZeroDivisionError` (unreachable with default thresholds).
#[inline]
pub(crate) fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}
