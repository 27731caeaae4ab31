//! `fineweb_quality`: FineWeb's extra line-shape rules (Penedo et al. 2024), as datatrove's
//! `FineWebQualityFilter` decides them.
//!
//! On the non-blank lines of `text.split("\n")` (unstripped, so trailing spaces or `\r` defeat
//! the punctuation test, as in datatrove), in order:
//! - `line_punct_ratio`: share of lines ending in a terminal punctuation mark (`stop_chars`,
//!   default datatrove's 159 sentence terminators — not quotes) below `line_punct_thr` (unless
//!   the share is 0 and `line_punct_exclude_zero`);
//! - `short_line_ratio`: share of lines of at most `short_line_length` characters above
//!   `short_line_thr`;
//! - `char_dup_ratio`: characters of lines repeating an earlier line over all non-newline
//!   characters above `char_duplicates_ratio`;
//! - `list_ratio`: newlines (blank lines included) per word above `new_line_ratio`.
//!
//! A text with no non-blank line is dropped as `empty`.

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{Document, Stage, StageOptions, StageStats, Verdict};
use millstone_text::consts::is_terminal_punctuation;
use serde::{Deserialize, Serialize};

use super::ratio;
use crate::registry::StageConfig;
use crate::text::{char_len, find_duplicates, words};
use crate::ConfigError;

pub const NAME: &str = "fineweb_quality";
pub const SUMMARY: &str =
    "drop documents with few punctuated lines, many short or duplicated lines, or list-like layout (datatrove FineWebQualityFilter)";

/// Options, with datatrove's names and defaults.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub line_punct_thr: f64,
    pub line_punct_exclude_zero: bool,
    /// Characters that end a "punctuated" line; empty = datatrove's terminal punctuation set.
    pub stop_chars: Vec<String>,
    pub short_line_thr: f64,
    pub short_line_length: usize,
    pub char_duplicates_ratio: f64,
    pub new_line_ratio: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            line_punct_thr: 0.12,
            line_punct_exclude_zero: false,
            stop_chars: Vec::new(),
            short_line_thr: 0.67,
            short_line_length: 30,
            char_duplicates_ratio: 0.01,
            new_line_ratio: 0.3,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "line_punct_thr",
            T::Number,
            "drop if fewer than this share of non-blank lines end in terminal punctuation",
        )
        // datatrove's -1: the share is never below it.
        .range(Range::FRACTION.or(-1.0, "no limit")),
        Opt::new(
            "line_punct_exclude_zero",
            T::Bool,
            "do not apply line_punct_thr when no line at all ends in punctuation",
        ),
        Opt::new(
            "stop_chars",
            T::StringList,
            "endings that count as punctuation; [] = datatrove's terminal punctuation set",
        ),
        Opt::new(
            "short_line_thr",
            T::Number,
            "drop if more than this share of lines are short",
        )
        .range(Range::FRACTION),
        Opt::new(
            "short_line_length",
            T::Integer,
            "a line of at most this many characters is short",
        )
        .range(Range::at_least(0.0)),
        Opt::new(
            "char_duplicates_ratio",
            T::Number,
            "drop if characters of repeated lines exceed this share of all characters",
        )
        .range(Range::FRACTION),
        Opt::new(
            "new_line_ratio",
            T::Number,
            "drop if newlines per word exceed this (list-like pages)",
        )
        .range(Range::at_least(0.0)),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        if self.stop_chars.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::invalid(
                NAME,
                "stop_chars entries must not be empty",
            ));
        }
        Ok(Box::new(FineWebQuality { config: self }))
    }
}

pub struct FineWebQuality {
    config: Config,
}

impl FineWebQuality {
    fn ends_punctuated(&self, line: &str) -> bool {
        if self.config.stop_chars.is_empty() {
            line.chars()
                .next_back()
                .is_some_and(is_terminal_punctuation)
        } else {
            self.config
                .stop_chars
                .iter()
                .any(|s| line.ends_with(s.as_str()))
        }
    }
}

impl Stage for FineWebQuality {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, _stats: &mut StageStats) -> Verdict {
        let c = &self.config;
        let text = doc.text();
        let lines = || {
            text.split('\n')
                .filter(|l| !millstone_text::py::strip(l).is_empty())
        };
        let (mut n_lines, mut punctuated, mut short) = (0usize, 0usize, 0usize);
        for line in lines() {
            n_lines += 1;
            punctuated += self.ends_punctuated(line) as usize;
            short += (char_len(line) <= c.short_line_length) as usize;
        }
        if n_lines == 0 {
            return Verdict::drop("empty");
        }
        let r = punctuated as f64 / n_lines as f64;
        if r < c.line_punct_thr && !(r == 0.0 && c.line_punct_exclude_zero) {
            return Verdict::drop_measured("line_punct_ratio", r, c.line_punct_thr);
        }
        if let Some(r) = ratio(short, n_lines).filter(|&r| r > c.short_line_thr) {
            return Verdict::drop_measured("short_line_ratio", r, c.short_line_thr);
        }
        let (_, dup_chars) = find_duplicates(lines());
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let non_newline_chars = char_len(text) - newlines;
        if let Some(r) =
            ratio(dup_chars, non_newline_chars).filter(|&r| r > c.char_duplicates_ratio)
        {
            return Verdict::drop_measured("char_dup_ratio", r, c.char_duplicates_ratio);
        }
        let (_, spans) = words(doc);
        if let Some(r) = ratio(newlines, spans.len()).filter(|&r| r > c.new_line_ratio) {
            return Verdict::drop_measured("list_ratio", r, c.new_line_ratio);
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Verdict {
        crate::registry::run_on(Config::default(), text)
    }

    #[test]
    fn menus_and_lists() {
        assert_eq!(run("  \n\n ").reason(), Some("empty"));
        assert_eq!(
            run("Home\nNews\nSport\nWeather\nContact us").reason(),
            Some("line_punct_ratio")
        );
        let short = "Yes.\nNo.\nMaybe.\nA longer line that is long enough to count as prose here.";
        assert_eq!(run(short).reason(), Some("short_line_ratio"));
    }

    #[test]
    fn duplicated_lines() {
        let line = "This sentence is long enough to not be a short line at all.";
        let text =
            format!("{line}\n{line}\nAnother sentence that is also long enough to count here.");
        let v = run(&text);
        assert_eq!(v.reason(), Some("char_dup_ratio"));
        // The repeated line's characters over all non-newline characters, against 0.01.
        let m = v.measured().unwrap();
        let want = char_len(line) as f64 / (char_len(&text) - 2) as f64;
        assert_eq!(m.value.as_f64(), Some(want));
        assert_eq!(m.threshold.as_f64(), Some(0.01));
    }

    #[test]
    fn trailing_space_defeats_punctuation() {
        let text = "A line that ends with a full stop and a space. \n\
            Second line that also ends with a full stop but a space. ";
        assert_eq!(run(text).reason(), Some("line_punct_ratio"));
    }

    #[test]
    fn prose_is_kept() {
        let text = "The museum reopened its east wing this week after a long renovation.\n\
            Visitors can again see the collection of maps and early printed books.\n\
            Admission remains free for children under twelve, the director said.";
        assert_eq!(run(text), Verdict::Keep);
    }
}
