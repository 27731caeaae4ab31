//! `gopher_quality`: Gopher's document quality heuristics (Rae et al. 2021), as datatrove's
//! `GopherQualityFilter` decides them.
//!
//! Checks, in order (first failure drops; a threshold of 0 disables its check). "Words" are all
//! spaCy-compatible tokens, punctuation tokens included; "non-symbol words" are tokens with at
//! least one character outside datatrove's punctuation set.
//! - `gopher_short_doc` / `gopher_long_doc`: non-symbol words outside
//!   `[min_doc_words, max_doc_words]`;
//! - `gopher_below_avg_threshold` / `gopher_above_avg_threshold`: mean non-symbol word length (code
//!   points) outside `[min_avg_word_length, max_avg_word_length]`;
//! - `gopher_too_many_hashes` / `gopher_too_many_ellipsis`: raw counts of `#`, and of `...` plus
//!   `…`, over all words, above `max_symbol_word_ratio`;
//! - `gopher_too_many_bullets`: share of lines starting (after leading whitespace) with `•` or `-`
//!   above `max_bullet_lines_ratio`;
//! - `gopher_too_many_end_ellipsis`: share of lines ending with `...` or `…` above
//!   `max_ellipsis_lines_ratio`;
//! - `gopher_below_alpha_threshold`: share of words with an alphabetic character *below*
//!   `max_non_alpha_words_ratio` (datatrove's misnomer: it is a minimum);
//! - `gopher_enough_stop_words`: fewer than `min_stop_words` distinct stop words present
//!   (case-sensitive: `The` does not count as `the`).

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{Document, Stage, StageOptions, StageStats, Value, Verdict};
use millstone_text::consts::is_punctuation;
use millstone_text::py;
use serde::{Deserialize, Serialize};

use super::ratio;
use crate::registry::StageConfig;
use crate::text::words;
use crate::ConfigError;

pub const NAME: &str = "gopher_quality";
pub const SUMMARY: &str =
    "drop documents failing Gopher's word-count, word-length, symbol, bullet, alpha and stop-word rules (datatrove GopherQualityFilter)";

const DEFAULT_STOP_WORDS: [&str; 8] = ["the", "be", "to", "of", "and", "that", "have", "with"];

/// Options, with datatrove's names and defaults (0 disables a check; so does datatrove's -1 for
/// the minimums, whose `n < -1` never holds).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    #[serde(deserialize_with = "super::min_count")]
    pub min_doc_words: usize,
    pub max_doc_words: usize,
    pub min_avg_word_length: f64,
    pub max_avg_word_length: f64,
    pub max_symbol_word_ratio: f64,
    pub max_bullet_lines_ratio: f64,
    pub max_ellipsis_lines_ratio: f64,
    pub max_non_alpha_words_ratio: f64,
    #[serde(deserialize_with = "super::min_count")]
    pub min_stop_words: usize,
    pub stop_words: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            min_doc_words: 50,
            max_doc_words: 100_000,
            min_avg_word_length: 3.0,
            max_avg_word_length: 10.0,
            max_symbol_word_ratio: 0.1,
            max_bullet_lines_ratio: 0.9,
            max_ellipsis_lines_ratio: 0.3,
            max_non_alpha_words_ratio: 0.8,
            min_stop_words: 2,
            stop_words: DEFAULT_STOP_WORDS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new("min_doc_words", T::Integer, "drop below this many non-symbol words (0: off)")
            .range(super::AT_LEAST_0_OR_OFF),
        Opt::new("max_doc_words", T::Integer, "drop above this many non-symbol words (0: off)")
            .range(Range::at_least(0.0)),
        Opt::new("min_avg_word_length", T::Number, "drop if the mean non-symbol word length (characters) is below this (0: off)")
            .range(super::AT_LEAST_0_OR_OFF),
        Opt::new("max_avg_word_length", T::Number, "drop if the mean non-symbol word length is above this (0: off)")
            .range(Range::at_least(0.0)),
        Opt::new("max_symbol_word_ratio", T::Number, "drop if `#`, or `...` and `…`, per word exceed this (0: off)")
            .range(Range::at_least(0.0)),
        Opt::new("max_bullet_lines_ratio", T::Number, "drop if more than this share of lines start with a bullet (0: off)")
            .range(Range::FRACTION),
        Opt::new("max_ellipsis_lines_ratio", T::Number, "drop if more than this share of lines end with an ellipsis (0: off)")
            .range(Range::FRACTION),
        Opt::new("max_non_alpha_words_ratio", T::Number, "drop if fewer than this share of words hold a letter (datatrove's name; a minimum; 0: off)")
            .range(Range::FRACTION),
        Opt::new("min_stop_words", T::Integer, "drop if fewer distinct stop words occur (0: off)")
            .range(super::AT_LEAST_0_OR_OFF),
        Opt::new("stop_words", T::StringList, "the stop words (case-sensitive)"),
    ];
}

impl StageConfig for Config {
    fn build(mut self) -> Result<Box<dyn Stage>, ConfigError> {
        self.stop_words.sort();
        self.stop_words.dedup();
        if self.min_stop_words > self.stop_words.len() {
            return Err(ConfigError::invalid(
                NAME,
                format!(
                    "min_stop_words = {} but only {} distinct stop_words are given",
                    self.min_stop_words,
                    self.stop_words.len()
                ),
            ));
        }
        let max_stop_len = self.stop_words.iter().map(|w| w.len()).max().unwrap_or(0);
        Ok(Box::new(GopherQuality {
            config: self,
            max_stop_len,
        }))
    }
}

pub struct GopherQuality {
    config: Config,
    max_stop_len: usize,
}

/// What one pass over the words measures.
#[derive(Default)]
struct WordCounts {
    words: usize,
    non_symbol: usize,
    non_symbol_chars: usize,
    with_alpha: usize,
    /// Distinct stop words seen (bit i: `stop_words[i]`, for the first 64).
    stop_bits: u64,
    /// Distinct stop words seen beyond the first 64 (only with a long user list).
    stop_more: std::collections::BTreeSet<usize>,
}

/// One pass over the words: counts for every check, stop words included.
fn measure(text: &str, spans: &[std::ops::Range<usize>], stage: &GopherQuality) -> WordCounts {
    let stop_words = &stage.config.stop_words;
    let mut c = WordCounts {
        words: spans.len(),
        ..Default::default()
    };
    for span in spans {
        let w = &text[span.clone()];
        if w.len() <= stage.max_stop_len {
            if let Ok(i) = stop_words.binary_search_by(|s| s.as_str().cmp(w)) {
                if i < 64 {
                    c.stop_bits |= 1 << i;
                } else {
                    c.stop_more.insert(i);
                }
            }
        }
        if w.is_ascii() {
            let b = w.as_bytes();
            if b.iter().any(|&ch| !is_punctuation(ch as char)) {
                c.non_symbol += 1;
                c.non_symbol_chars += b.len();
            }
            if b.iter().any(|ch| ch.is_ascii_alphabetic()) {
                c.with_alpha += 1;
            }
        } else {
            let mut non_symbol = false;
            let mut alpha = false;
            let mut n = 0;
            for ch in w.chars() {
                n += 1;
                non_symbol |= !is_punctuation(ch);
                alpha |= py::isalpha(ch);
            }
            if non_symbol {
                c.non_symbol += 1;
                c.non_symbol_chars += n;
            }
            c.with_alpha += alpha as usize;
        }
    }
    c
}

impl Stage for GopherQuality {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, _stats: &mut StageStats) -> Verdict {
        let c = &self.config;
        let (text, spans) = words(doc);
        let m = measure(text, spans, self);

        if c.min_doc_words != 0 && m.non_symbol < c.min_doc_words {
            return Verdict::drop_measured("gopher_short_doc", m.non_symbol, c.min_doc_words);
        }
        if c.max_doc_words != 0 && m.non_symbol > c.max_doc_words {
            return Verdict::drop_measured("gopher_long_doc", m.non_symbol, c.max_doc_words);
        }
        // np.mean of an empty list is NaN: every comparison with it is false.
        let avg = if m.non_symbol == 0 {
            f64::NAN
        } else {
            m.non_symbol_chars as f64 / m.non_symbol as f64
        };
        if c.min_avg_word_length != 0.0 && avg < c.min_avg_word_length {
            return Verdict::drop_measured(
                "gopher_below_avg_threshold",
                avg,
                c.min_avg_word_length,
            );
        }
        if c.max_avg_word_length != 0.0 && avg > c.max_avg_word_length {
            return Verdict::drop_measured(
                "gopher_above_avg_threshold",
                avg,
                c.max_avg_word_length,
            );
        }
        if c.max_symbol_word_ratio != 0.0 {
            let hashes = memchr::memchr_iter(b'#', text.as_bytes()).count();
            if let Some(r) = ratio(hashes, m.words).filter(|&r| r > c.max_symbol_word_ratio) {
                return Verdict::drop_measured(
                    "gopher_too_many_hashes",
                    r,
                    c.max_symbol_word_ratio,
                );
            }
            let ellipses = text.matches("...").count() + text.matches('…').count();
            if let Some(r) = ratio(ellipses, m.words).filter(|&r| r > c.max_symbol_word_ratio) {
                return Verdict::drop_measured(
                    "gopher_too_many_ellipsis",
                    r,
                    c.max_symbol_word_ratio,
                );
            }
        }
        if c.max_bullet_lines_ratio != 0.0 || c.max_ellipsis_lines_ratio != 0.0 {
            let (mut lines, mut bullets, mut end_ellipsis) = (0usize, 0usize, 0usize);
            for line in py::splitlines(text) {
                lines += 1;
                let l = py::lstrip(line);
                bullets += (l.starts_with('•') || l.starts_with('-')) as usize;
                let r = py::rstrip(line);
                end_ellipsis += (r.ends_with("...") || r.ends_with('…')) as usize;
            }
            if let Some(r) = ratio(bullets, lines)
                .filter(|&r| c.max_bullet_lines_ratio != 0.0 && r > c.max_bullet_lines_ratio)
            {
                return Verdict::drop_measured(
                    "gopher_too_many_bullets",
                    r,
                    c.max_bullet_lines_ratio,
                );
            }
            if let Some(r) = ratio(end_ellipsis, lines)
                .filter(|&r| c.max_ellipsis_lines_ratio != 0.0 && r > c.max_ellipsis_lines_ratio)
            {
                return Verdict::drop_measured(
                    "gopher_too_many_end_ellipsis",
                    r,
                    c.max_ellipsis_lines_ratio,
                );
            }
        }
        if let Some(r) = ratio(m.with_alpha, m.words)
            .filter(|&r| c.max_non_alpha_words_ratio != 0.0 && r < c.max_non_alpha_words_ratio)
        {
            return Verdict::drop_measured(
                "gopher_below_alpha_threshold",
                r,
                c.max_non_alpha_words_ratio,
            );
        }
        let stop_words_found = m.stop_bits.count_ones() as usize + m.stop_more.len();
        if c.min_stop_words != 0 && stop_words_found < c.min_stop_words {
            return Verdict::drop_measured(
                "gopher_enough_stop_words",
                stop_words_found,
                c.min_stop_words,
            );
        }
        doc.attributes.insert("words".into(), Value::from(m.words));
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Verdict {
        crate::registry::run_on(Config::default(), text)
    }

    const PROSE: &str =
        "The committee met on Tuesday to review the proposal, and members agreed that the \
        plan should go ahead with a few changes. Residents have asked for more parking near the \
        station, and the council said it would look at the options with the transport office \
        before the summer. A final vote is expected next month, after the public has had time to \
        comment on the revised drawings.";

    #[test]
    fn prose_is_kept() {
        assert_eq!(run(PROSE), Verdict::Keep);
    }

    #[test]
    fn short_doc() {
        let v = run("Only a handful of words here.");
        assert_eq!(v.reason(), Some("gopher_short_doc"));
        // Six non-symbol words (the full stop is a symbol), fewer than 50.
        let m = v.measured().unwrap();
        assert_eq!(
            (m.value.as_u64(), m.threshold.as_u64()),
            (Some(6), Some(50))
        );
    }

    #[test]
    fn hashes_and_bullets() {
        let tagged = format!("{PROSE} {}", "#tag ".repeat(30));
        assert_eq!(run(&tagged).reason(), Some("gopher_too_many_hashes"));
        let bullets: String = (0..60)
            .map(|i| format!("- item number {i} of the list with the words\n"))
            .collect();
        assert_eq!(run(&bullets).reason(), Some("gopher_too_many_bullets"));
    }

    #[test]
    fn stop_words_are_case_sensitive_and_distinct() {
        let text = "The The The ".repeat(10)
            + &"alpha beta gamma delta epsilon zeta theta iota kappa lambda ".repeat(6);
        assert_eq!(run(&text).reason(), Some("gopher_enough_stop_words"));
    }

    #[test]
    fn alpha_ratio_counts_punctuation_tokens() {
        // Many numbers and punctuation tokens: fewer than 80 % of tokens contain a letter.
        let text = "Call 555 - 1234 , 555 - 9876 , or 555 - 0000 to book the room and the hall . "
            .repeat(8);
        assert_eq!(run(&text).reason(), Some("gopher_below_alpha_threshold"));
    }
}
