//! `c4_quality`: C4's line and document rules (Raffel et al. 2020), as datatrove's
//! `C4QualityFilter` applies them. This stage **rewrites the text**: it keeps only the lines that
//! pass, stripped, joined with `\n` (blank lines vanish).
//!
//! Per line (of Python `splitlines()`; or per spaCy sentence when `split_paragraph = false`),
//! after stripping, in order:
//! - a word (whitespace-split) longer than `max_word_length` → line removed (`-1` disables);
//! - citations `[12]`, `[edit]`, `[citation needed]` are deleted when `remove_citations`;
//! - `filter_no_terminal_punct`: a line not ending in `. ? ! " '`, or ending in `...`, is removed;
//! - fewer than `min_words_per_line` words (counted before citation removal) → removed (`-1`
//!   or `0` disables, as in datatrove);
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

use std::borrow::Cow;
use std::ops::Range;

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range as Bounds};
use millstone_core::{Document, Stage, StageOptions, StageStats, Value, Verdict};
use millstone_text::{lines_with_words, py, EnglishTokenizer, LineWords};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::registry::StageConfig;
use crate::text::{char_len, lower, words};
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
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub split_paragraph: bool,
    pub remove_citations: bool,
    pub filter_no_terminal_punct: bool,
    pub min_num_sentences: i64,
    pub min_words_per_line: i64,
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

/// datatrove's "set to -1 to disable".
const OFF: Bounds = super::AT_LEAST_0_OR_OFF;

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "split_paragraph",
            T::Bool,
            "units are lines (true) or spaCy sentences (false)",
        ),
        Opt::new(
            "remove_citations",
            T::Bool,
            "delete [12], [edit], [citation needed]",
        ),
        Opt::new(
            "filter_no_terminal_punct",
            T::Bool,
            "remove lines not ending in . ? ! \" ' (or ending in ...)",
        ),
        Opt::new(
            "min_num_sentences",
            T::Integer,
            "drop the page if kept lines hold fewer sentences",
        )
        .range(OFF),
        Opt::new(
            "min_words_per_line",
            T::Integer,
            "remove lines with fewer words",
        )
        .range(OFF),
        Opt::new(
            "max_word_length",
            T::Integer,
            "remove lines with a longer word (characters)",
        )
        .range(OFF),
        Opt::new(
            "filter_lorem_ipsum",
            T::Bool,
            "drop pages containing \"lorem ipsum\"",
        ),
        Opt::new(
            "filter_javascript",
            T::Bool,
            "remove lines mentioning javascript",
        ),
        Opt::new(
            "filter_curly_bracket",
            T::Bool,
            "drop pages with a `{` in a kept line",
        ),
        Opt::new(
            "filter_policy",
            T::Bool,
            "remove lines with \"terms of use\", \"privacy policy\", cookie notes",
        ),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
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
        if !self.config.split_paragraph {
            return self.process_sentences(doc, stats);
        }
        let c = &self.config;
        let tok = EnglishTokenizer::global();
        // Lines are whitespace-delimited and tokens never cross whitespace, so each line's words
        // are the document's words on that line: one tokenization serves the sentence counts of
        // every line and the rewritten text (a line whose citations were removed is tokenized
        // again on its own).
        let (text, words) = words(doc);
        let mut out = Rewrite::with_capacity(text.len(), words.len());
        let mut num_sentences: i64 = 0;
        let mut counts = LineCounts::default();
        let mut line_words = Vec::new();
        for LineWords {
            line,
            start,
            words: doc_words,
        } in lines_with_words(text, words)
        {
            counts.total += 1;
            let verdict = match self.check_line(line, &mut counts) {
                LineVerdict::Drop => continue,
                LineVerdict::DropDocument(reason) => {
                    counts.flush(stats);
                    return Verdict::drop(reason);
                }
                LineVerdict::Keep(line_text) => line_text,
            };
            // `src` is the text the word ranges index into; the line starts at `base` in it.
            let (src, base, spans): (&str, usize, &[Range<usize>]) = match &verdict {
                Cow::Borrowed(_) => (text, start, doc_words),
                Cow::Owned(l) => {
                    line_words.clear();
                    tok.words_into(l, &mut line_words);
                    (l.as_str(), 0, &line_words)
                }
            };
            if c.min_num_sentences != -1 {
                num_sentences += tok.count_sentences_in_words(src, spans) as i64;
            }
            let line_text: &str = &verdict;
            out.push_line(line_text, spans, base);
        }
        counts.kept = out.lines;
        counts.flush(stats);
        if num_sentences < c.min_num_sentences {
            return Verdict::drop_measured("too_few_sentences", num_sentences, c.min_num_sentences);
        }
        let removed = counts.total - out.lines;
        let Rewrite {
            text: new_text,
            words: new_words,
            ..
        } = out;
        if new_text != doc.text() {
            // Kept lines are stripped and non-empty (unless `min_words_per_line` <= 0), so the
            // join needs no final strip and the words carry over; otherwise let them be recomputed.
            let stripped = py::strip(&new_text);
            if stripped.len() == new_text.len() {
                debug_assert_eq!(new_words, tok_words(&new_text), "carried-over words differ");
                doc.set_text_with_words(new_text, new_words);
            } else {
                doc.set_text(stripped.to_owned());
            }
        }
        doc.attributes
            .insert("c4_lines_removed".into(), Value::from(removed));
        Verdict::Keep
    }
}

/// The tokenizer's words of `text` (for the debug check that carried-over words are right).
fn tok_words(text: &str) -> Vec<Range<usize>> {
    let mut v = Vec::new();
    EnglishTokenizer::global().words_into(text, &mut v);
    v
}

/// What the line rules decide about one stripped line.
enum LineVerdict<'a> {
    Drop,
    DropDocument(&'static str),
    /// Keep it, as this text (citations removed).
    Keep(Cow<'a, str>),
}

/// The rewritten text and its words, built line by line.
struct Rewrite {
    text: String,
    words: Vec<Range<usize>>,
    lines: u64,
}

impl Rewrite {
    fn with_capacity(bytes: usize, words: usize) -> Self {
        Rewrite {
            text: String::with_capacity(bytes),
            words: Vec::with_capacity(words),
            lines: 0,
        }
    }

    /// Append a line; `spans` are its words as ranges of a text in which the line starts at `base`.
    fn push_line(&mut self, line: &str, spans: &[Range<usize>], base: usize) {
        if self.lines > 0 {
            self.text.push('\n');
        }
        let offset = self.text.len();
        self.text.push_str(line);
        self.words.extend(
            spans
                .iter()
                .map(|w| w.start - base + offset..w.end - base + offset),
        );
        self.lines += 1;
    }
}

impl C4Quality {
    /// The line rules, in datatrove's order, for one stripped line.
    fn check_line<'a>(&self, line: &'a str, counts: &mut LineCounts) -> LineVerdict<'a> {
        let c = &self.config;
        // Words are counted on the line before citations are removed (datatrove's order).
        let (mut n_words, mut too_long) = (0usize, false);
        for w in line.split(py::isspace).filter(|w| !w.is_empty()) {
            n_words += 1;
            too_long |= c.max_word_length != -1 && char_len(w) as i64 > c.max_word_length;
        }
        if too_long {
            counts.too_long_word += 1;
            return LineVerdict::Drop;
        }
        let line = if c.remove_citations && line.contains('[') {
            self.citation.replace_all(line, "")
        } else {
            Cow::Borrowed(line)
        };
        if c.filter_no_terminal_punct && (!line.ends_with(END_PUNCTUATION) || line.ends_with("..."))
        {
            counts.no_terminal_punct += 1;
            return LineVerdict::Drop;
        }
        if (n_words as i64) < c.min_words_per_line {
            counts.too_few_words += 1;
            return LineVerdict::Drop;
        }
        let line_l = lower(&line);
        if c.filter_lorem_ipsum && line_l.contains("lorem ipsum") {
            return LineVerdict::DropDocument("lorem_ipsum");
        }
        if c.filter_javascript && line_l.contains("javascript") {
            counts.javascript += 1;
            return LineVerdict::Drop;
        }
        if c.filter_curly_bracket && line.contains('{') {
            return LineVerdict::DropDocument("curly_bracket");
        }
        if c.filter_policy && POLICY_SUBSTRINGS.iter().any(|p| line_l.contains(p)) {
            counts.policy += 1;
            return LineVerdict::Drop;
        }
        LineVerdict::Keep(line)
    }

    /// `split_paragraph = false`: the units are spaCy sentences, which need not end at
    /// whitespace, so each is checked (and the result re-tokenized) on its own.
    fn process_sentences(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let c = &self.config;
        let text = doc.text();
        let mut kept = String::with_capacity(text.len());
        let mut counts = LineCounts::default();
        let mut num_sentences: i64 = 0;
        for piece in EnglishTokenizer::global().sentences(text) {
            counts.total += 1;
            match self.check_line(py::strip(piece), &mut counts) {
                LineVerdict::Drop => continue,
                LineVerdict::DropDocument(reason) => {
                    counts.flush(stats);
                    return Verdict::drop(reason);
                }
                LineVerdict::Keep(line) => {
                    num_sentences += 1;
                    if counts.kept > 0 {
                        kept.push(' ');
                    }
                    kept.push_str(&line);
                    counts.kept += 1;
                }
            }
        }
        counts.flush(stats);
        if c.min_num_sentences != -1 && num_sentences < c.min_num_sentences {
            return Verdict::drop_measured("too_few_sentences", num_sentences, c.min_num_sentences);
        }
        let removed = counts.total - counts.kept;
        let new_text = py::strip(&kept).to_owned();
        if new_text != doc.text() {
            doc.set_text(new_text);
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
            run_with(Config::default(), &text).0.reason(),
            Some("curly_bracket")
        );
    }

    #[test]
    fn too_few_sentences_and_lorem() {
        let v = run_with(Config::default(), "One good sentence here.").0;
        assert_eq!(v.reason(), Some("too_few_sentences"));
        // One sentence kept, five required.
        let m = v.measured().unwrap();
        assert_eq!((m.value.as_i64(), m.threshold.as_i64()), (Some(1), Some(5)));
        let text = format!("{ARTICLE}\nLorem ipsum dolor sit amet.");
        assert_eq!(
            run_with(Config::default(), &text).0.reason(),
            Some("lorem_ipsum")
        );
    }

    #[test]
    fn sentence_mode_keeps_sentences_joined_by_spaces() {
        let config = Config {
            split_paragraph: false,
            min_num_sentences: 2,
            ..Config::default()
        };
        let text =
            "Menu Home. The ferry left at noon on Friday. It carried forty cars and a bus. ok";
        let (v, out, stats) = run_with(config, text);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(
            out,
            "The ferry left at noon on Friday. It carried forty cars and a bus."
        );
        assert_eq!(stats.counters["line-filter-too_few_words"], 1);
        assert_eq!(stats.counters["line-filter-no_terminal_punc"], 1);
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

    /// datatrove's `C4QualityFilter(min_num_sentences=-1, min_words_per_line=-1,
    /// max_word_length=-1)`: each check is off (datatrove compares `len(words) < -1`, never
    /// true, and skips the other two when they are -1).
    #[test]
    fn minus_one_means_no_limit_as_in_datatrove() {
        let build = |options: &str| {
            let table: toml::Table = toml::from_str(options).unwrap();
            crate::build_stage(NAME, &table)
        };
        let long_word = "x".repeat(1200);
        let text = format!("Hi.\nA {long_word} word.");
        let run = |options: &str| {
            let stage = build(options).unwrap();
            let mut doc = Document::new("t", text.as_str());
            let v = stage.process(&mut doc, &mut StageStats::default());
            (v, doc.text().to_owned())
        };
        // Defaults: "Hi." has too few words, the other line a too long word, no sentence is left.
        assert_eq!(run("").0.reason(), Some("too_few_sentences"));
        let (v, out) = run("min_num_sentences = -1\nmin_words_per_line = -1\nmax_word_length = -1");
        assert_eq!(v, Verdict::Keep);
        assert_eq!(out, text);
        // Each alone.
        let (v, out) = run("min_num_sentences = -1\nmin_words_per_line = -1");
        assert_eq!((v, out.as_str()), (Verdict::Keep, "Hi."));
        let (v, out) = run("min_num_sentences = -1\nmax_word_length = -1");
        assert_eq!(v, Verdict::Keep);
        assert_eq!(out, format!("A {long_word} word."));
        // Below -1 is refused, naming the option, the value and the range.
        let err = build("min_words_per_line = -2").err().unwrap().to_string();
        assert_eq!(
            err,
            "stage `c4_quality`: min_words_per_line = -2 is out of range: it must be >= 0 or -1 (no limit)"
        );
    }
}
