//! `c4_quality`: C4's line and document rules (Raffel et al. 2020), as datatrove's
//! `C4QualityFilter` applies them. This stage **rewrites the text**: it keeps only the lines that
//! pass, stripped, joined with `\n` (blank lines vanish).
//!
//! Per line (of Python `splitlines()`; or per spaCy sentence when `split_paragraph = false`),
//! after stripping, in order:
//! - a word (whitespace-split) longer than `max_word_length` → line removed (`-1` disables);
//! - citations `[12]`, `[edit]`, `[citation needed]` are deleted when `remove_citations`;
//! - `filter_no_terminal_punct`: a line not ending in `. ? ! " '`, or ending in `...`, is removed;
//! - fewer than `min_words_per_line` words (counted before citation removal) → removed;
//! - "lorem ipsum" → the whole document is dropped (`lorem_ipsum`);
//! - "javascript" → removed (`filter_javascript`);
//! - `{` → the whole document is dropped (`curly_bracket`);
//! - a policy phrase ("terms of use", "privacy policy", "cookie policy", "uses cookies",
//!   "use of cookies", "use cookies") → removed (`filter_policy`).
//!
//! Kept lines' sentences (spaCy sentencizer) are counted; fewer than `min_num_sentences` drops
//! the document (`too_few_sentences`; `-1` disables). As in datatrove, the document-level rules
//! only see lines that survived the line rules before them. Line removals are counted in the
//! stage's stats under datatrove's names (`line-filter-too_long_word`, …). The C4 bad-words
//! list is not part of this stage.

use millstone_core::{Document, Stage, StageStats, Value, Verdict};
use millstone_text::{py, EnglishTokenizer};
use regex::Regex;
use serde::Deserialize;

use crate::registry::StageConfig;
use crate::text::{char_len, lower};
use crate::ConfigError;

pub const NAME: &str = "c4_quality";
pub const SUMMARY: &str =
    "keep lines ending in punctuation with enough words; drop pages with lorem ipsum, `{` or too few sentences (datatrove C4QualityFilter)";

const END_PUNCTUATION: [char; 5] = ['.', '?', '!', '"', '\''];
const POLICY_SUBSTRINGS: [&str; 6] = [
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
];

/// Options, with datatrove's names and defaults. FineWeb uses `filter_no_terminal_punct = false`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub split_paragraph: bool,
    pub remove_citations: bool,
    pub filter_no_terminal_punct: bool,
    pub min_num_sentences: i64,
    pub min_words_per_line: usize,
    pub max_word_length: i64,
    pub filter_lorem_ipsum: bool,
    pub filter_javascript: bool,
    pub filter_curly_bracket: bool,
    pub filter_policy: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            split_paragraph: true,
            remove_citations: true,
            filter_no_terminal_punct: true,
            min_num_sentences: 5,
            min_words_per_line: 3,
            max_word_length: 1000,
            filter_lorem_ipsum: true,
            filter_javascript: true,
            filter_curly_bracket: true,
            filter_policy: true,
        }
    }
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        if self.max_word_length < -1 || self.min_num_sentences < -1 {
            return Err(ConfigError::invalid(
                NAME,
                "max_word_length and min_num_sentences must be >= 0, or -1 to disable",
            ));
        }
        let citation = Regex::new(r"\[\d*\]|\[edit\]|\[citation needed\]").expect("static regex");
        Ok(Box::new(C4Quality {
            config: self,
            citation,
        }))
    }
}

pub struct C4Quality {
    config: Config,
    citation: Regex,
}

impl Stage for C4Quality {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let c = &self.config;
        let tok = EnglishTokenizer::global();
        let text = doc.text();
        let pieces: Vec<&str> = if c.split_paragraph {
            py::splitlines(text).collect()
        } else {
            tok.sentences(text)
        };

        let mut num_sentences: i64 = 0;
        let mut kept = String::with_capacity(text.len());
        let mut n_kept = 0u64;
        let mut counts = LineCounts::default();
        for piece in pieces {
            counts.total += 1;
            let line = py::strip(piece);
            // Words are counted on the line before citations are removed (datatrove's order).
            let (mut n_words, mut too_long) = (0usize, false);
            for w in line.split(py::isspace).filter(|w| !w.is_empty()) {
                n_words += 1;
                too_long |= c.max_word_length != -1 && char_len(w) as i64 > c.max_word_length;
            }
            if too_long {
                counts.too_long_word += 1;
                continue;
            }
            let line = if c.remove_citations && line.contains('[') {
                self.citation.replace_all(line, "")
            } else {
                std::borrow::Cow::Borrowed(line)
            };
            if c.filter_no_terminal_punct
                && (!line.ends_with(END_PUNCTUATION) || line.ends_with("..."))
            {
                counts.no_terminal_punct += 1;
                continue;
            }
            if n_words < c.min_words_per_line {
                counts.too_few_words += 1;
                continue;
            }
            let line_l = lower(&line);
            if c.filter_lorem_ipsum && line_l.contains("lorem ipsum") {
                counts.flush(stats);
                return Verdict::drop("lorem_ipsum");
            }
            if c.filter_javascript && line_l.contains("javascript") {
                counts.javascript += 1;
                continue;
            }
            if c.filter_curly_bracket && line.contains('{') {
                counts.flush(stats);
                return Verdict::drop("curly_bracket");
            }
            if c.filter_policy && POLICY_SUBSTRINGS.iter().any(|p| line_l.contains(p)) {
                counts.policy += 1;
                continue;
            }
            if c.min_num_sentences != -1 {
                num_sentences += if c.split_paragraph {
                    tok.count_sentences(&line) as i64
                } else {
                    1
                };
            }
            if n_kept > 0 {
                kept.push(if c.split_paragraph { '\n' } else { ' ' });
            }
            kept.push_str(&line);
            n_kept += 1;
        }
        counts.kept = n_kept;
        counts.flush(stats);
        if num_sentences < c.min_num_sentences {
            return Verdict::drop("too_few_sentences");
        }
        let removed = counts.total - n_kept;
        let new_text = py::strip(&kept);
        if new_text.len() != kept.len() {
            kept = new_text.to_owned();
        }
        if kept != doc.text() {
            doc.set_text(kept);
        }
        doc.attributes
            .insert("c4_lines_removed".into(), Value::from(removed));
        Verdict::Keep
    }
}

/// Line outcomes, flushed into the stage's counters under datatrove's stat names.
#[derive(Default)]
struct LineCounts {
    total: u64,
    kept: u64,
    too_long_word: u64,
    no_terminal_punct: u64,
    too_few_words: u64,
    javascript: u64,
    policy: u64,
}

impl LineCounts {
    fn flush(&self, stats: &mut StageStats) {
        for (key, n) in [
            ("line-total", self.total),
            ("line-kept", self.kept),
            ("line-filter-too_long_word", self.too_long_word),
            ("line-filter-no_terminal_punc", self.no_terminal_punct),
            ("line-filter-too_few_words", self.too_few_words),
            ("line-filter-javascript", self.javascript),
            ("line-filter-policy", self.policy),
        ] {
            if n > 0 {
                stats.count(key, n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(config: Config, text: &str) -> (Verdict, String, StageStats) {
        let stage = config.build().unwrap();
        let mut doc = Document::new("t", text);
        let mut stats = StageStats::default();
        let v = stage.process(&mut doc, &mut stats);
        (v, doc.text().to_owned(), stats)
    }

    const ARTICLE: &str = "Home | News | Sport\n\
        The bridge reopened on Monday after three months of repairs.\n\
        Engineers replaced the worn cables and resurfaced the deck [3].\n\
        Traffic was light in the morning, officials said.\n\
        \n\
        Share this article\n\
        Drivers welcomed the news. Many had faced long detours!\n\
        Please enable JavaScript to view the comments.\n\
        Read our privacy policy and terms of use.\n\
        The council thanked residents for their patience.";

    #[test]
    fn keeps_sentences_and_removes_furniture() {
        let (v, text, stats) = run_with(Config::default(), ARTICLE);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(
            text,
            "The bridge reopened on Monday after three months of repairs.\n\
             Engineers replaced the worn cables and resurfaced the deck .\n\
             Traffic was light in the morning, officials said.\n\
             Drivers welcomed the news. Many had faced long detours!\n\
             The council thanked residents for their patience."
        );
        assert_eq!(stats.counters["line-filter-javascript"], 1);
        assert_eq!(stats.counters["line-filter-policy"], 1);
        assert_eq!(stats.counters["line-total"], 10);
    }

    #[test]
    fn curly_bracket_only_counts_on_surviving_lines() {
        let text = format!("{ARTICLE}\nfunction() {{ return 1 }}");
        assert_eq!(run_with(Config::default(), &text).0, Verdict::Keep);
        let text = format!("{ARTICLE}\nThe set {{a, b}} was printed on the sign.");
        assert_eq!(
            run_with(Config::default(), &text).0,
            Verdict::drop("curly_bracket")
        );
    }

    #[test]
    fn too_few_sentences_and_lorem() {
        assert_eq!(
            run_with(Config::default(), "One good sentence here.").0,
            Verdict::drop("too_few_sentences")
        );
        let text = format!("{ARTICLE}\nLorem ipsum dolor sit amet.");
        assert_eq!(
            run_with(Config::default(), &text).0,
            Verdict::drop("lorem_ipsum")
        );
    }

    #[test]
    fn fineweb_setting_keeps_lines_without_punctuation() {
        let config = Config {
            filter_no_terminal_punct: false,
            ..Config::default()
        };
        let (v, text, _) = run_with(config, ARTICLE);
        assert_eq!(v, Verdict::Keep);
        assert!(text.starts_with("Home | News | Sport\n"));
        assert!(text.contains("Share this article"));
    }
}
