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

use millstone_core::options::Range;
use serde::{Deserialize, Deserializer};

/// A minimum that datatrove lets users switch off with `-1`: its checks compare
/// `value < minimum` (or skip the check when the minimum is -1), so -1 never fires.
pub(crate) const AT_LEAST_0_OR_OFF: Range = Range::at_least(0.0).or(-1.0, "no limit");

/// A minimum count read as datatrove takes it: `-1` means no limit, which is 0 (off) here. The
/// option's range ([`AT_LEAST_0_OR_OFF`]) refuses other negative numbers first.
pub(crate) fn min_count<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n = i64::deserialize(d)?;
    if n == -1 {
        return Ok(0);
    }
    usize::try_from(n).map_err(|_| {
        serde::de::Error::custom(format!("{n} is not a count (0 or more; -1: no limit)"))
    })
}

/// `part / whole > threshold`, as Python computes it (true division of ints, IEEE compare).
/// A zero denominator is treated as "check does not fire" where datatrove would raise
/// `ZeroDivisionError` (unreachable with default thresholds).
#[inline]
pub(crate) fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}
