//! `boilerplate`: remove page furniture line by line and keep the article, in order.
//!
//! Crawled text carries the page around the article: breadcrumbs, bylines, menus, lists of
//! unrelated headlines, "Popular posts", teasers cut off with "…" (often printed twice under two
//! headings), donation pleas, cookie notes and footers. Each non-blank line is scored by a small
//! model that combines evidence (`features.rs`): the line's own shape, its neighbours, repeats
//! within the document, and — in a second pass of the model — the scores of the lines around it
//! (jusText-style smoothing, learned on labelled pages rather than hand-set). Lines scoring below
//! `threshold` are removed. When the executor's counting pass has run (`cross_document = true`,
//! the default), lines that recur in many documents (`corpus_min_docs`) or in several pages of the
//! same site (`host_min_docs`) are removed too, unless the model is confident they are content.
//!
//! Before the model's verdict, shape rules (`rules = true`) name furniture the issue's news page
//! shows: breadcrumbs, bylines, repeated blocks, teaser runs, runs of ≥ 3 title-like lines, short
//! lines with cue phrases, related-story links ("Related article: …"). Inside the article span —
//! first to last sentence line with at most one cue phrase, on a page with at least
//! `MIN_ARTICLE_LINES` of them — the model can veto a rule (`rule_max_score`): spec lists, tables
//! of contents and headings share those shapes. Before and after the span the rules decide alone
//! (except that a run of short lines before it may be the title and standfirst), and there a
//! sentence with two cue phrases (a donation plea) or a short line between removed lines goes too.
//! The model alone rates a short page's headline list like sub-headings; the span is what tells
//! them apart.
//!
//! Every removed line is recorded in `millstone.removed_lines` as `{"line": index, "reason": …}`
//! (index among the input's `\n`-lines), so the report can show it and a user can tune the
//! thresholds; counts per reason go to the stage's stats (`removed.<reason>`). Reasons, in the
//! order they are tried: evidence from the whole page (`news.rs`): `breadcrumb_title` (a
//! breadcrumb glued in front of the title, which the page prints again on its own), and after
//! the article's last sentence line on its subject, `list_run` (items of a run of alike lines
//! that share little with the article: the headlines under a story) and `off_topic` (a sentence
//! line about another subject); the rules' `related_link`, `call_to_action` (donate,
//! subscribe, newsletter, in a dozen languages: a button or banner anywhere, a plea outside the
//! article), `cue_phrase`, `breadcrumb`, `byline`,
//! `repeated_block`, `teaser`, `link_list`; `recurring_on_host`, `recurring_line` (counting
//! pass); then for lines the model removed, the strongest evidence present: `repeated_block`,
//! `repeated_line`, `cue_phrase`, `teaser`, `breadcrumb`, `context` (a sentence amid
//! furniture), `link_list`, `low_score`; then `context` for lines amid removed ones; last
//! `article_end` for what is left from a line that closes the article ("Related posts", "About
//! the author", "12 Comments", or the same in one of eleven other languages) to the end of the
//! page, once most of the page's kept sentence words
//! lie above it (`article_end`, a share) and the label is not printed again further down. A
//! document with no line left is dropped (`no_content_lines`).
//!
//! The model was trained on English-heavy pages (`tools/boilerplate/train.py`, data and split in
//! `bench/README.md`); function-word density uses the document's `millstone.language` when a
//! language stage set it, else a guess among a few European languages.
//!
//! Not for: HTML (this works on text lines), or deciding whether a whole page is worth keeping
//! (the quality stages do that after this one in the `news` preset).

mod corpus;
mod features;
mod lexicon;
mod model;
mod news;

use std::cell::RefCell;
use std::sync::Arc;

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{
    CorpusSteps, Document, DynCorpusSteps, Stage, StageOptions, StageStats, Value, Verdict,
};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

pub use features::{context_feature_names, feature_names};

use crate::registry::StageConfig;
use crate::ConfigError;
use corpus::LineCounts;
pub use corpus::{LineDecisions, LinePartial};
use features::{Line, Scratch, N_FEATURES, ROW};
use model::Model;

pub const NAME: &str = "boilerplate";
pub const SUMMARY: &str =
    "remove page furniture lines (menus, link lists, teasers, pleas, repeated blocks, lines recurring across pages) and keep the article";

/// Options. Defaults are the ones scored in `bench/README.md`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Lines whose content probability is below this are removed. Default: the threshold chosen
    /// when the model was trained. Lower keeps more (higher recall, more furniture left).
    pub threshold: Option<f64>,
    /// Run the cross-document counting pass and use its counts.
    pub cross_document: bool,
    /// A line found in at least this many documents of the same host is furniture (0 = off).
    pub host_min_docs: u32,
    /// A short line found in at least this many documents of the corpus is furniture (0 = off).
    pub corpus_min_docs: u32,
    /// Only lines of at most this many words count as recurring corpus-wide (long sentences that
    /// recur are reprints, which is dedup's business, not furniture).
    pub recurring_max_words: u32,
    /// Recurring lines the model scores at least this high are kept anyway (common headings such
    /// as "Conclusion" or "Ingredients" recur across sites but belong to the article).
    pub recurring_keep_score: f64,
    /// The field holding the page URL, for per-site counts.
    pub url_field: String,
    /// Memory for the cross-document counts, in MiB (fixed, whatever the corpus size).
    pub sketch_mb: u32,
    /// Apply the shape rules before the model: breadcrumbs, bylines, repeated blocks, teaser
    /// runs, runs of ≥ 3 title-like lines, short lines with cue phrases; keep sub-headings.
    pub rules: bool,
    /// The rules only remove lines the model scores below this (its confident content wins).
    pub rule_max_score: f64,
    /// Let the model veto the rules everywhere. By default it vetoes only inside the article
    /// span (from the first to the last sentence line with at most one cue phrase); before and
    /// after it the rules decide alone, and a sentence there that carries two cue phrases (a
    /// donation plea, a cookie note) is removed too. A page without such a sentence line has no span:
    /// the veto applies to all of it.
    pub veto_outside_article: bool,
    /// Remove everything from a line that closes the article ("Related posts", "About the
    /// author", "12 Comments", "Share this") to the end of the page, once at least this share of
    /// the page's kept sentence words (lines of ≥ 10 words) lies above that line. A label printed
    /// again further down ("Share" under every post of a thread) closes nothing. One of the rules:
    /// off with `rules = false` too. 0 = off.
    pub article_end: f64,
    /// Write `millstone.removed_lines`.
    pub record_lines: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: None,
            cross_document: true,
            host_min_docs: 3,
            corpus_min_docs: 10,
            recurring_max_words: 10,
            recurring_keep_score: 0.9,
            url_field: "url".into(),
            sketch_mb: 64,
            rules: true,
            rule_max_score: 0.3,
            veto_outside_article: false,
            article_end: 0.7,
            record_lines: true,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new("threshold", T::Number, "remove lines whose content probability is below this; not set: the model's trained threshold")
            .range(Range::FRACTION),
        Opt::new("cross_document", T::Bool, "count lines across documents first (an extra read of the input)"),
        Opt::new("host_min_docs", T::Integer, "a line in at least this many pages of one host is furniture (0: off)")
            .range(Range::between(0.0, u32::MAX as f64)),
        Opt::new("corpus_min_docs", T::Integer, "a short line in at least this many pages of the corpus is furniture (0: off)")
            .range(Range::between(0.0, u32::MAX as f64)),
        Opt::new("recurring_max_words", T::Integer, "only lines of at most this many words count as recurring corpus-wide")
            .range(Range::between(0.0, u32::MAX as f64)),
        Opt::new("recurring_keep_score", T::Number, "recurring lines the model scores at least this high are kept")
            .range(Range::FRACTION),
        Opt::new("url_field", T::String, "the input field holding the page URL (per-host counts); a dotted path reaches nested objects (metadata.url)"),
        Opt::new("sketch_mb", T::Integer, "memory of the cross-document counts, MiB")
            .range(Range::between(1.0, 65536.0)),
        Opt::new("rules", T::Bool, "apply the shape rules (breadcrumbs, bylines, teasers, repeated blocks, …)"),
        Opt::new("rule_max_score", T::Number, "rules remove only lines the model scores below this")
            .range(Range::FRACTION),
        Opt::new("veto_outside_article", T::Bool, "let the model veto the rules outside the article span too"),
        Opt::new("article_end", T::Number, "cut from a closing line (\"Related posts\") once this share of sentence words lies above it (0: off)")
            .range(Range::FRACTION),
        Opt::new("record_lines", T::Bool, "write millstone.removed_lines"),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        let threshold = self.threshold.unwrap_or(Model::embedded().threshold);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ConfigError::invalid(
                NAME,
                "`threshold` must be between 0 and 1",
            ));
        }
        if !(0.0..=1.0).contains(&self.rule_max_score) {
            return Err(ConfigError::invalid(
                NAME,
                "`rule_max_score` must be between 0 and 1",
            ));
        }
        if !(0.0..=1.0).contains(&self.article_end) {
            return Err(ConfigError::invalid(
                NAME,
                "`article_end` must be between 0 and 1 (0 = off)",
            ));
        }
        if !(0.0..=1.0).contains(&self.recurring_keep_score) {
            return Err(ConfigError::invalid(
                NAME,
                "`recurring_keep_score` must be between 0 and 1",
            ));
        }
        if self.cross_document && !(1..=65536).contains(&self.sketch_mb) {
            return Err(ConfigError::invalid(NAME, "`sketch_mb` must be 1..=65536"));
        }
        let counts = self
            .cross_document
            .then(|| Arc::new(LineCounts::new(self.sketch_mb, &self.url_field)));
        Ok(Box::new(Boilerplate {
            threshold,
            counts,
            config: self,
        }))
    }
}

pub struct Boilerplate {
    config: Config,
    threshold: f64,
    counts: Option<Arc<LineCounts>>,
}

/// Per-thread buffers: features, scores and the counting pass's sets are reused across documents.
#[derive(Default)]
struct Buffers {
    scratch: Scratch,
    first: Vec<f64>,
    prefix: Vec<f64>,
    runs: Vec<u32>,
    seen: FxHashSet<u64>,
    lower: String,
    /// Where each repeated line of the page last occurs ([`article_end`]).
    last_copy: FxHashMap<u64, usize>,
    /// Runs of alike items ([`news::alike_runs`]).
    alike: Vec<u32>,
    /// The article's subject ([`news::Topic`]).
    topic: news::Topic,
    /// Per line, the reason topical coherence, list structure or a glued breadcrumb gives for
    /// removing it.
    news: Vec<Option<&'static str>>,
    /// Lines by their last eight bytes ([`news::breadcrumb_titles`]).
    by_tail: FxHashMap<u64, usize>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::default();
}

/// Why a line the model scored low was removed: the strongest evidence it carries.
fn model_reason(lines: &[Line], i: usize) -> &'static str {
    let l = &lines[i];
    if l.in_repeated_block {
        "repeated_block"
    } else if l.repeats > 0 {
        "repeated_line"
    } else if l.cues > 0 {
        "cue_phrase"
    } else if l.ellipsis || l.read_more {
        "teaser"
    } else if l.separator && !l.terminal && l.words <= 15 {
        "breadcrumb"
    } else if l.good() {
        "context"
    } else if l.title_like()
        && (i > 0 && lines[i - 1].title_like() || lines.get(i + 1).is_some_and(Line::title_like))
    {
        "link_list"
    } else {
        "low_score"
    }
}

/// Sentence lines a page needs for its article span to count (see [`Region`]).
const MIN_ARTICLE_LINES: usize = 3;

/// Where a line sits relative to the article span (first to last sentence line with at most one
/// cue phrase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Before,
    Inside,
    After,
}

/// Evidence strong enough to decide a line without the model (`rules = true`): what the issue of
/// a news page calls furniture by its shape. `outside` = outside the article span. Returns the
/// removal reason.
fn rule_removal(lines: &[Line], runs: &[u32], i: usize, outside: bool) -> Option<&'static str> {
    let l = &lines[i];
    let neighbour = |j: Option<usize>| j.and_then(|j| lines.get(j));
    if l.related && l.words <= 30 {
        return Some("related_link");
    }
    if l.cta && l.words <= CTA_HEADING_WORDS && !l.good() {
        return Some("call_to_action");
    }
    if l.good() {
        // Outside the article a sentence that asks the reader to donate or subscribe, or that
        // carries two cue phrases, is a plea, a pitch or a notice (one cue is weak evidence:
        // cues match inside words, "home" in "homes").
        return if !outside {
            None
        } else if l.cta {
            Some("call_to_action")
        } else {
            (l.cues >= 2).then_some("cue_phrase")
        };
    }
    if l.crumbs >= 2 && l.words <= 20 {
        Some("breadcrumb")
    } else if l.byline && l.words <= 12 {
        Some("byline")
    } else if l.in_repeated_block {
        Some("repeated_block")
    } else if (l.ellipsis || l.read_more)
        && [neighbour(i.checked_sub(1)), neighbour(Some(i + 1))]
            .into_iter()
            .flatten()
            .any(|n| n.ellipsis || n.read_more || n.title_like())
    {
        Some("teaser")
    } else if l.title_like() && runs[i] >= 3 {
        Some("link_list")
    } else if l.title_like() && l.cues > 0 {
        Some("cue_phrase")
    } else {
        None
    }
}

/// A line of at most this many words that asks the reader to donate or subscribe is a button or
/// a banner ("Donate now", "Subscribe to our newsletter"), not a sentence of the article.
const CTA_HEADING_WORDS: u32 = 12;

/// Sentence lines (for [`article_end`]) have at least this many words.
const SENTENCE_WORDS: u32 = 10;

/// The longest closing label (`lexicon::CLOSERS`) has 5 words; a count or an arrow may add one.
const CLOSER_MAX_WORDS: u32 = 6;

/// The first line that closes the article ([`lexicon::article_closer`]) with at least `share` of
/// the kept sentence words above it and no copy of it further down, if any. `removed` is sorted
/// by line; `last_copy` is scratch space.
fn article_end(
    text: &str,
    lines: &[Line],
    removed: &[(usize, &'static str)],
    share: f64,
    last_copy: &mut FxHashMap<u64, usize>,
) -> Option<usize> {
    // Kept sentence words of a line.
    let words = |l: &Line, gone: bool| {
        if gone || l.words < SENTENCE_WORDS {
            0
        } else {
            u64::from(l.words)
        }
    };
    let mut gone = removed.iter().map(|&(i, _)| i).peekable();
    let total: u64 = lines
        .iter()
        .enumerate()
        .map(|(i, l)| words(l, gone.next_if_eq(&i).is_some()))
        .sum();
    if total == 0 {
        return None;
    }
    let need = share * total as f64;
    let mut gone = removed.iter().map(|&(i, _)| i).peekable();
    let mut above = 0u64;
    last_copy.clear();
    for (i, l) in lines.iter().enumerate() {
        above += words(l, gone.next_if_eq(&i).is_some());
        if (above as f64) < need
            || l.words > CLOSER_MAX_WORDS
            || !lexicon::article_closer(text[l.raw.clone()].trim())
        {
            continue;
        }
        if l.repeats == 0 {
            return Some(i);
        }
        // A label printed again further down is a widget of each post or block ("Share" under
        // every reply of a thread), not the article's end. Where each repeated line last occurs
        // is found once per page, and only on pages that need it (scanning the rest of the page
        // for each such label is quadratic on a page of many repeated labels).
        if last_copy.is_empty() {
            for (j, m) in lines.iter().enumerate().filter(|(_, m)| m.repeats > 0) {
                last_copy.insert(m.hash, j);
            }
        }
        if last_copy.get(&l.hash) == Some(&i) {
            return Some(i);
        }
    }
    None
}

/// Add every line from `end` on that is not removed yet to `removed` (sorted by line) as
/// `article_end`.
fn cut_from(removed: &mut Vec<(usize, &'static str)>, end: usize, n_lines: usize) {
    let first_after = removed.partition_point(|&(i, _)| i < end);
    let mut tail = removed.split_off(first_after).into_iter().peekable();
    for i in end..n_lines {
        match tail.next_if(|&(j, _)| j == i) {
            Some(entry) => removed.push(entry),
            None => removed.push((i, "article_end")),
        }
    }
}

/// A sub-heading: a short title-like line between two sentence lines. Kept whatever the model
/// or the counts say (common headings recur across sites), unless a rule removed it.
fn is_sub_heading(lines: &[Line], i: usize) -> bool {
    let l = &lines[i];
    // A related-story link between paragraph and heading ("Related: …") does not break it up.
    let prev = lines[..i].iter().rev().find(|l| !l.related);
    let next = lines[i + 1..].iter().find(|l| !l.related);
    l.title_like() && l.cues == 0 && prev.is_some_and(Line::good) && next.is_some_and(Line::good)
}

/// `text` without the `removed` lines (positions in `lines`, ascending), kept lines in order:
/// blank lines stay, but a run of them left where furniture was is collapsed to one, and none
/// lead or trail.
///
/// Only the non-blank lines are visited, not the text's `\n`-lines: the raw lines between two
/// kept lines `a` and `b` are the removed lines between them in `lines` and blank ones, so a
/// blank one is there when the gap in line indices is wider than the gap in `lines`.
fn kept_text(text: &str, lines: &[Line], removed: impl IntoIterator<Item = usize>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gone = removed.into_iter().peekable();
    let mut last_kept: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        if gone.peek() == Some(&i) {
            gone.next();
            continue;
        }
        if let Some(a) = last_kept {
            out.push('\n');
            if l.index - lines[a].index > i - a {
                out.push('\n');
            }
        }
        out.push_str(&text[l.raw.clone()]);
        last_kept = Some(i);
    }
    out
}

/// For each line, the length of the run of consecutive title-like lines it belongs to (0 if it
/// is not title-like).
fn title_runs(lines: &[Line], runs: &mut Vec<u32>) {
    runs.clear();
    runs.resize(lines.len(), 0);
    let mut start = 0;
    for i in 0..=lines.len() {
        if i == lines.len() || !lines[i].title_like() {
            for r in &mut runs[start..i] {
                *r = (i - start) as u32;
            }
            start = i + 1;
        }
    }
}

/// Share of a list run's content words found in the article's core below which the run is
/// furniture.
const LIST_MAX_OVERLAP: f64 = 0.25;
/// An item of such a run stays if it shares at least this much itself.
const ITEM_KEEP_OVERLAP: f64 = 0.34;
/// A sentence line whose content words (at least [`OFF_TOPIC_MIN_WORDS`]) are found in the
/// rest of the core less than this share is about another subject.
const OFF_TOPIC_OVERLAP: f64 = 0.1;
/// Content words a sentence line needs before it can be off the subject.
const OFF_TOPIC_MIN_WORDS: u32 = 8;

/// Fill `verdicts` with `off_topic` and `list_run` for what follows the article's last sentence
/// line on its subject: sentence lines about another subject, and the items of runs of alike
/// lines that share little with the article (the headlines under a story, however
/// sentence-like). Before that line nothing is decided here: in-article lists (steps, specs,
/// a listicle's short paragraphs) share the shapes, and on tune pages removing low-overlap runs
/// wherever they sat cost listing pages 1.3 points of F1.
fn topical_verdicts(
    lines: &[Line],
    words: &[u64],
    alike: &mut Vec<u32>,
    topic: &mut news::Topic,
    verdicts: &mut [Option<&'static str>],
) {
    news::alike_runs(lines, alike);
    let alike = &*alike;
    let core = |i: usize| {
        let l = &lines[i];
        l.good() && l.cues < 2 && !l.cta && alike[i] < news::LIST_MIN_ITEMS
    };
    topic.build(lines, words, core);
    if !topic.ready() {
        return;
    }
    let topic = &*topic;
    let off_topic = |i: usize| {
        topic
            .shared(&lines[i], words, true)
            .is_some_and(|(found, total)| {
                total >= OFF_TOPIC_MIN_WORDS
                    && f64::from(found) < OFF_TOPIC_OVERLAP * f64::from(total)
            })
    };
    let Some(last) = (0..lines.len()).rev().find(|&i| core(i) && !off_topic(i)) else {
        return;
    };
    let mut i = last + 1;
    while i < lines.len() {
        let run = alike[i] as usize;
        if run < news::LIST_MIN_ITEMS as usize {
            if core(i) && off_topic(i) {
                verdicts[i] = Some("off_topic");
            }
            i += 1;
            continue;
        }
        let shares: Vec<(u32, u32)> = (i..i + run)
            .map(|j| topic.shared(&lines[j], words, false).unwrap_or((0, 0)))
            .collect();
        let (found, total) = shares.iter().fold((0, 0), |(f, t), &(a, b)| (f + a, t + b));
        if total > 0 && f64::from(found) < LIST_MAX_OVERLAP * f64::from(total) {
            for (k, &(f, t)) in shares.iter().enumerate() {
                if t < news::MIN_TOPIC_WORDS || f64::from(f) < ITEM_KEEP_OVERLAP * f64::from(t) {
                    verdicts[i + k] = Some("list_run");
                }
            }
        }
        i += run;
    }
}

impl Boilerplate {
    /// Score every line of `doc` (content probability), leaving lines and scores in `buf`.
    fn score(&self, doc: &Document, buf: &mut Buffers) {
        let model = Model::embedded();
        let language = match doc.attributes.get("language") {
            Some(Value::String(s)) => Some(s.as_str()),
            _ => None,
        };
        features::scan_lines(doc.text(), language, &mut buf.scratch);
        features::line_features(&mut buf.scratch);
        model.score_first(&buf.scratch.features, &mut buf.first);
        features::context_features(&buf.first, &mut buf.prefix, &mut buf.scratch.features);
        model.score_second(&buf.scratch.features, &mut buf.first);
    }

    /// The reason line `i` goes, or `None` if it stays. `news` is what the page-wide evidence
    /// says of it ([`topical_verdicts`], [`news::breadcrumb_titles`]).
    fn verdict_for(
        &self,
        lines: &[Line],
        runs: &[u32],
        i: usize,
        score: f64,
        host: Option<u64>,
        (region, news): (Region, Option<&'static str>),
    ) -> Option<&'static str> {
        let outside = region != Region::Inside;
        let l = &lines[i];
        if let Some(reason) = news {
            // Evidence from the whole page (the article's subject, its title): decides alone
            // unless the model's veto is asked for everywhere.
            if !self.config.veto_outside_article || score < self.config.rule_max_score {
                return Some(reason);
            }
        }
        if self.config.rules {
            if let Some(reason) = rule_removal(lines, runs, i, outside) {
                // Cut-off teasers printed twice ("Latest articles" … "More like this") and
                // related-story links are evidence enough, and so is any shape outside the
                // article. Every other shape also occurs inside articles (spec lists, tables
                // of contents, headings), so there the model has a veto.
                let repeated_teaser = l.in_repeated_block && (l.ellipsis || l.read_more);
                // Before the article a run of short lines may be its title, standfirst or table
                // of contents (even runs of 12 or more: removing them there cost 0.5 points of
                // held-out article recall), so the model keeps its veto over `link_list`.
                let decides_alone = match region {
                    Region::Inside => false,
                    Region::Before => reason != "link_list",
                    Region::After => true,
                } && !self.config.veto_outside_article;
                let veto = !decides_alone && reason != "related_link";
                if repeated_teaser || !veto || score < self.config.rule_max_score {
                    return Some(reason);
                }
            }
            if is_sub_heading(lines, i) {
                return None;
            }
        }
        if let Some(counts) = self.counts.as_deref().filter(|c| c.is_ready()) {
            if score < self.config.recurring_keep_score {
                if let Some(host) = host {
                    if self.config.host_min_docs > 0
                        && counts.host_count(host, l.hash) >= self.config.host_min_docs
                    {
                        return Some("recurring_on_host");
                    }
                }
                if self.config.corpus_min_docs > 0
                    && l.words <= self.config.recurring_max_words
                    && counts.corpus_count(l.hash) >= self.config.corpus_min_docs
                {
                    return Some("recurring_line");
                }
            }
        }
        (score < self.threshold).then(|| model_reason(lines, i))
    }
}

impl Stage for Boilerplate {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        if self.counts.is_some() && doc.field(&self.config.url_field).is_none() {
            stats.missing_field(&self.config.url_field);
        }
        BUFFERS.with_borrow_mut(|buf| {
            self.score(doc, buf);
            let lines = &buf.scratch.lines;
            if lines.is_empty() {
                return Verdict::Keep;
            }
            let host = self.counts.as_deref().and_then(|c| c.host_key(doc));
            title_runs(lines, &mut buf.runs);
            // The article span: first to last sentence line with at most one cue phrase that
            // is on the article's subject (not a list's item or a block about something else).
            let article = |l: &Line| l.good() && l.cues < 2 && !l.cta;
            buf.news.clear();
            buf.news.resize(lines.len(), None);
            if self.config.rules {
                topical_verdicts(
                    lines,
                    &buf.scratch.topic_words,
                    &mut buf.alike,
                    &mut buf.topic,
                    &mut buf.news,
                );
                news::breadcrumb_titles(doc.text(), lines, &mut buf.by_tail, &mut buf.news);
            }
            let news_verdicts = &buf.news;
            let in_span = |(i, l): (usize, &Line)| article(l) && news_verdicts[i].is_none();
            // Fewer sentence lines than this are an introduction to a list (a listing or a
            // collection page), not an article: no span then.
            let span = (lines.iter().enumerate().filter(|&x| in_span(x)).count()
                >= MIN_ARTICLE_LINES)
                .then(|| {
                    let first = lines.iter().enumerate().position(in_span);
                    let last = lines.iter().enumerate().rposition(in_span);
                    first.zip(last)
                })
                .flatten();
            let mut removed: Vec<(usize, &'static str)> = Vec::new();
            for (i, &score) in buf.first.iter().enumerate() {
                let region = match span {
                    Some((a, _)) if i < a => Region::Before,
                    Some((_, b)) if i > b => Region::After,
                    _ => Region::Inside,
                };
                let news = buf.news[i];
                if let Some(reason) =
                    self.verdict_for(lines, &buf.runs, i, score, host, (region, news))
                {
                    removed.push((i, reason));
                }
            }
            if self.config.rules {
                // A sentence amid furniture is furniture when it also carries a cue and either
                // the model doubts it or a neighbour is a short cue line (a donation plea between
                // a "Donate now" button and a headline list); after the article, any short line
                // amid furniture is (a "Support us" heading above a plea).
                let mut gone = vec![false; lines.len()];
                for &(i, _) in &removed {
                    gone[i] = true;
                }
                for i in 1..lines.len().saturating_sub(1) {
                    if gone[i] || !gone[i - 1] || !gone[i + 1] {
                        continue;
                    }
                    let l = &lines[i];
                    let by_cue_line = [&lines[i - 1], &lines[i + 1]]
                        .iter()
                        .any(|n| n.cues > 0 && n.title_like());
                    let plea =
                        l.cues > 0 && (buf.first[i] < self.config.rule_max_score || by_cue_line);
                    let heading_after_article = !self.config.veto_outside_article
                        && l.title_like()
                        && span.is_some_and(|(_, b)| i > b);
                    if plea || heading_after_article {
                        removed.push((i, "context"));
                    }
                }
                removed.sort_unstable_by_key(|&(i, _)| i);
                if self.config.article_end > 0.0 {
                    if let Some(end) = article_end(
                        doc.text(),
                        lines,
                        &removed,
                        self.config.article_end,
                        &mut buf.last_copy,
                    ) {
                        cut_from(&mut removed, end, lines.len());
                    }
                }
            }
            stats.count("lines", lines.len() as u64);
            if removed.is_empty() {
                return Verdict::Keep;
            }
            stats.count("lines_removed", removed.len() as u64);
            // One counter update (and one key string) per reason, not per removed line.
            let mut by_reason: Vec<(&str, u64)> = Vec::new();
            for &(_, reason) in &removed {
                match by_reason.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, n)) => *n += 1,
                    None => by_reason.push((reason, 1)),
                }
            }
            for (reason, n) in by_reason {
                stats.count(&format!("removed.{reason}"), n);
            }
            if self.config.record_lines {
                // Each entry is a clone of one template object with its values set: cloning
                // copies the map's index table, where inserting hashes both keys again (with
                // the std SipHash of `serde_json::Map` under `preserve_order`).
                let mut template = millstone_core::Map::new();
                template.insert("line".into(), Value::Null);
                template.insert("reason".into(), Value::Null);
                let list = removed
                    .iter()
                    .map(|&(i, reason)| {
                        let mut m = template.clone();
                        let mut values = m.values_mut();
                        *values.next().expect("line") = Value::from(lines[i].index);
                        *values.next().expect("reason") = Value::from(reason);
                        Value::Object(m)
                    })
                    .collect();
                doc.attributes
                    .insert("removed_lines".into(), Value::Array(list));
            }
            if removed.len() == lines.len() {
                return Verdict::drop("no_content_lines");
            }
            let out = kept_text(doc.text(), lines, removed.iter().map(|&(i, _)| i));
            doc.set_text(out);
            Verdict::Keep
        })
    }

    fn corpus_steps(&self) -> Option<&dyn DynCorpusSteps> {
        self.counts.as_ref().map(|_| self as &dyn DynCorpusSteps)
    }
}

/// The cross-document counting pass (only with `cross_document = true`; otherwise the stage
/// offers no pass and these steps count nothing).
impl CorpusSteps for Boilerplate {
    type Partial = LinePartial;
    type Decisions = LineDecisions;

    fn describe(&self) -> &str {
        "boilerplate: counting lines across documents"
    }

    fn observe_into(&self, partial: &mut LinePartial, doc: &Document) {
        if let Some(counts) = &self.counts {
            BUFFERS.with_borrow_mut(|buf| {
                counts.observe_into(partial, doc, &mut buf.seen, &mut buf.lower)
            });
        }
    }

    fn merge(&self, into: &mut LinePartial, other: LinePartial) {
        if let Some(counts) = &self.counts {
            counts.merge(into, other);
        }
    }

    fn finish(&self, partial: LinePartial) -> LineDecisions {
        match &self.counts {
            Some(counts) => counts.finish(partial),
            None => LineDecisions::default(),
        }
    }

    fn stage(&self, decisions: LineDecisions) -> Box<dyn Stage> {
        let counts = self.counts.is_some().then(|| {
            let fresh = LineCounts::new(self.config.sketch_mb, &self.config.url_field);
            // A sketch of another size (decisions of another configuration) is not used: the
            // stage then decides without cross-document counts, as before the pass.
            fresh.install(decisions);
            Arc::new(fresh)
        });
        Box::new(Boilerplate {
            config: self.config.clone(),
            threshold: self.threshold,
            counts,
        })
    }

    fn install(&self, decisions: LineDecisions) {
        if let Some(counts) = &self.counts {
            counts.install(decisions);
        }
    }
}

/// The first model's feature rows of a text (for `tools/boilerplate/train.py`, through the
/// `boilerplate_features` example): per non-blank line, its index and its features.
pub fn dump_features(text: &str, language: Option<&str>) -> Vec<(usize, Vec<f64>)> {
    let mut s = Scratch::default();
    features::scan_lines(text, language, &mut s);
    features::line_features(&mut s);
    s.lines
        .iter()
        .zip(s.features.chunks_exact(ROW))
        .map(|(l, row)| (l.index, row[..N_FEATURES].to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(options: &str) -> Box<dyn Stage> {
        crate::build_stage(NAME, &toml::from_str(options).unwrap()).unwrap()
    }

    /// Kept text and removal reasons by line index.
    fn run(stage: &dyn Stage, doc: &mut Document) -> (Verdict, Vec<(u64, String)>) {
        let verdict = stage.process(doc, &mut StageStats::default());
        let removed = match doc.attributes.get("removed_lines") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    (
                        v["line"].as_u64().unwrap(),
                        v["reason"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        (verdict, removed)
    }

    /// The reason line `line` was removed for, if it was.
    fn reason_of(removed: &[(u64, String)], line: u64) -> Option<&str> {
        removed
            .iter()
            .find(|(l, _)| *l == line)
            .map(|(_, r)| r.as_str())
    }

    fn rules_for(text: &str) -> Vec<Option<&'static str>> {
        let mut s = Scratch::default();
        features::scan_lines(text, None, &mut s);
        let mut runs = Vec::new();
        title_runs(&s.lines, &mut runs);
        (0..s.lines.len())
            .map(|i| rule_removal(&s.lines, &runs, i, false))
            .collect()
    }

    const PARA: &str = "The council said on Tuesday that the new bridge would open to traffic next spring, a year later than planned.";
    const PARA2: &str = "Engineers found that the river bed was softer than the survey had shown, which meant deeper foundations were needed.";

    #[test]
    fn breadcrumb_glued_to_title_and_byline() {
        let r = rules_for(&format!(
            "Home › News › LocalBridge opening delayed by a year\nBy Sarah Jones\nPublished on 3 May 2024\n{PARA}"
        ));
        assert_eq!(
            r,
            [Some("breadcrumb"), Some("byline"), Some("byline"), None]
        );
    }

    /// The page the boilerplate issue describes: breadcrumb glued to the title, byline, outlet
    /// name, the article with two sub-headings and two "Related article" lines, a donation
    /// banner and plea, a list of unrelated headlines, "Popular posts", and teasers printed
    /// twice under "Latest articles" and "More like this".
    const NEWS_PAGE: &[&str] = &[
        "Home › World › Europe › Floods force thousands from homes in central Europe",
        "Published on 14 September 2024",
        "The Daily Courier",
        "Heavy rain has forced thousands of people to leave their homes across central Europe, as rivers in Poland, the Czech Republic and Austria burst their banks after days of storms.",
        "Officials in the Czech town of Opava said water levels had risen faster than in the floods of 1997, and emergency crews spent the night moving residents to higher ground.",
        "Related article: Storm Boris brings record rainfall to the region",
        "Rescue efforts stretched to the limit",
        "In Poland, firefighters said they had carried out more than two thousand rescues since Friday, many of them from the roofs of houses cut off by the water.",
        "The prime minister visited the worst-hit areas on Sunday and promised emergency funds for the towns along the Nysa river, where a dam was overtopped overnight.",
        "What happens next",
        "Forecasters expect the rain to ease by Tuesday, but warn that rivers downstream in Hungary and Slovakia will keep rising for several more days as the water moves south.",
        "Related article: How climate change makes extreme rainfall more likely",
        "Support independent journalism",
        "Our reporting is funded by readers like you. If you value what we do, please consider making a donation today: every contribution, big or small, keeps our journalism free for everyone.",
        "Donate now",
        "Man arrested after break-in at city museum",
        "Council approves new bus lanes for the high street",
        "Local bakery wins national bread award",
        "School term dates changed after heating failure",
        "Football club announces new stadium plans",
        "Police appeal for witnesses after road crash",
        "Hospital waiting times fall for third month",
        "New cycle path opens along the canal",
        "Popular posts",
        "Ten things to do this weekend",
        "Where to find the best coffee in town",
        "Property prices rise again in the suburbs",
        "Latest articles",
        "Farmers count the cost of the wet summer as harvests fall short of expectations and prices…",
        "A new exhibition at the city gallery brings together works by local artists from the last…",
        "The mayor has announced plans to plant ten thousand trees across the city over the next…",
        "More like this",
        "Farmers count the cost of the wet summer as harvests fall short of expectations and prices…",
        "A new exhibition at the city gallery brings together works by local artists from the last…",
        "The mayor has announced plans to plant ten thousand trees across the city over the next…",
        "© 2024 The Daily Courier. All rights reserved.",
    ];

    #[test]
    fn the_issue_news_page_keeps_the_article_and_its_sub_headings_only() {
        let mut doc = Document::new("page", NEWS_PAGE.join("\n"));
        let (verdict, removed) = run(&*stage(""), &mut doc);
        assert_eq!(verdict, Verdict::Keep);
        let article = [3, 4, 6, 7, 8, 9, 10].map(|i| NEWS_PAGE[i]).join("\n");
        assert_eq!(doc.text(), article);
        let reason = |line: u64| reason_of(&removed, line);
        assert_eq!(reason(0), Some("breadcrumb"));
        assert_eq!(reason(1), Some("byline"));
        assert_eq!(reason(5), Some("related_link"));
        assert_eq!(reason(11), Some("related_link"));
        assert_eq!(reason(13), Some("cue_phrase"), "the donation plea");
        for line in 15..=22 {
            // A run of short lines after the article, about other subjects than floods.
            assert_eq!(reason(line), Some("list_run"), "headline {line}");
        }
        for line in [28, 29, 30, 32, 33, 34] {
            assert_eq!(reason(line), Some("repeated_block"), "teaser {line}");
        }

        // The model alone rates the headlines like sub-headings (a short page, every line
        // title-case): with its veto everywhere, as before, they stay.
        let mut doc = Document::new("page", NEWS_PAGE.join("\n"));
        let (_, removed) = run(&*stage("veto_outside_article = true"), &mut doc);
        assert!(!removed.iter().any(|(l, _)| (15..=22).contains(l)));
    }

    #[test]
    fn everything_from_a_closing_label_on_goes_once_most_of_the_article_is_above_it() {
        const PARA3: &str = "The new date depends on the weather over the winter, the council added in a statement.";
        const PARA4: &str = "Local businesses near the old crossing have asked for help with the cost of the longer detour.";
        const PARA5: &str = "A public meeting about the delay will be held at the town hall on the first Monday of next month.";
        const BIO: &str = "Jane Doe has covered transport and city planning for the paper since 2015, and she lives in Leeds.";
        const COMMENT: &str = "I drive over that bridge every day and I would rather wait a year than see it built badly.";
        let article = [PARA, PARA2, PARA3, PARA4, PARA5].join("\n");
        let page = [
            article.as_str(),
            "About the Author",
            BIO,
            "2 Comments",
            COMMENT,
        ]
        .join("\n");
        let mut doc = Document::new("d", page.clone());
        let (_, removed) = run(&*stage(""), &mut doc);
        assert_eq!(doc.text(), article);
        for line in [6, 8] {
            assert!(
                removed.contains(&(line, "article_end".to_owned())),
                "{line}: {removed:?}"
            );
        }
        // Off: the model alone keeps the blurb and the comment (sentences like the article's).
        let mut doc = Document::new("d", page);
        run(&*stage("article_end = 0"), &mut doc);
        assert!(doc.text().contains(BIO) && doc.text().contains(COMMENT));

        // Nor does a closing label with most of the article still to come ("Share" buttons under
        // the first paragraph), or one with over 30 % of the sentence words below it (a third here).
        for page in [
            [PARA, "Share", PARA2, PARA3, PARA4, PARA5, BIO].join("\n"),
            [PARA, PARA2, "About the Author", BIO].join("\n"),
        ] {
            let mut doc = Document::new("d", page);
            let (_, removed) = run(&*stage(""), &mut doc);
            assert!(
                !removed.iter().any(|(_, r)| r == "article_end"),
                "{removed:?}"
            );
            assert!(doc.text().ends_with(BIO));
        }

        // A thread: "Share" under every post is a widget, not the end of the first post.
        let posts = [PARA, PARA2, PARA3, PARA4, PARA5, COMMENT];
        let page = posts.map(|p| format!("{p}\nShare")).join("\n");
        let mut doc = Document::new("d", page);
        let (_, removed) = run(&*stage(""), &mut doc);
        let last_share = 2 * posts.len() as u64 - 1;
        assert!(
            !removed
                .iter()
                .any(|(l, r)| r == "article_end" && *l != last_share),
            "{removed:?}"
        );
        assert!(doc.text().contains(COMMENT));
    }

    #[test]
    fn the_article_ends_at_the_first_closer_past_the_share_with_no_copy_below() {
        let end = |page: &[&str], removed: &[(usize, &'static str)]| {
            let text = page.join("\n");
            let mut s = Scratch::default();
            features::scan_lines(&text, None, &mut s);
            article_end(&text, &s.lines, removed, 0.7, &mut FxHashMap::default())
        };
        // PARA has 20 words and PARA2 19, so a line between them has 51 % of them above it.
        // The first "Share" has a copy below, the second "Tags" has one only above.
        let page = [PARA, "Tags", PARA2, "Share", "Tags", "Share", "x"];
        assert_eq!(end(&page, &[]), Some(4));
        // Removed sentences do not count: without PARA2, all of them lie above the first "Tags".
        let page = [PARA, "Tags", PARA2, "Share", "Share"];
        assert_eq!(end(&page, &[]), Some(4));
        assert_eq!(end(&page, &[(2, "low_score")]), Some(1));
        assert_eq!(end(&[PARA, PARA2, "x"], &[]), None);
        assert_eq!(end(&["Share", "Tags"], &[]), None);
    }

    #[test]
    fn a_list_after_a_short_introduction_is_not_after_an_article() {
        const PARA3: &str = "The new date depends on the weather over the winter, the council added in a statement.";
        let list = "Council approves new cycle lanes\nLocal bakery wins national award\nSchool to close for refurbishment";
        let removed =
            |text: &str, options: &str| run(&*stage(options), &mut Document::new("d", text)).1;
        // Two sentences introduce a list (a listing page): no article span, so the model's veto
        // applies everywhere, exactly as with `veto_outside_article = true`.
        let intro = format!("{PARA}\n{PARA2}\n{list}");
        assert_eq!(
            removed(&intro, "cross_document = false"),
            removed(
                &intro,
                "cross_document = false\nveto_outside_article = true"
            )
        );
        // Three are an article: the list after it goes on its shape alone.
        let article = format!("{PARA}\n{PARA2}\n{PARA3}\n{list}");
        let r = removed(&article, "cross_document = false");
        assert_eq!(
            r,
            [3, 4, 5].map(|i| (i, "link_list".to_owned())).to_vec(),
            "{r:?}"
        );
    }

    #[test]
    fn link_list_versus_single_sub_heading() {
        let text = format!(
            "{PARA}\nWhy the delay matters\n{PARA2}\nCouncil approves new cycle lanes\nLocal bakery wins national award\nSchool to close for refurbishment"
        );
        let r = rules_for(&text);
        assert_eq!(
            r[1], None,
            "a single heading between paragraphs is not a list"
        );
        assert_eq!(&r[3..], [Some("link_list"); 3]);
        let mut s = Scratch::default();
        features::scan_lines(&text, None, &mut s);
        assert!(is_sub_heading(&s.lines, 1));
        assert!(!is_sub_heading(&s.lines, 3));
    }

    #[test]
    fn teasers_repeated_under_two_headings_go_in_both_copies() {
        let teasers = "Council tax set to rise by five per cent as budget pressures grow and…\n\
                       Volunteers clear tonnes of litter from the beach after the storms…";
        let r = rules_for(&format!(
            "{PARA}\nLatest articles\n{teasers}\n{PARA2}\nMore like this\n{teasers}"
        ));
        assert_eq!(r[2], Some("repeated_block"));
        assert_eq!(r[3], Some("repeated_block"));
        assert_eq!(r[6], Some("repeated_block"));
        assert_eq!(r[7], Some("repeated_block"));
        assert_eq!(r[0], None);
        assert_eq!(r[4], None);
    }

    #[test]
    fn cut_off_teasers_and_read_more() {
        let r = rules_for(&format!(
            "{PARA}\nFlood defences hold as the river peaks in the north of the county…\nRead more\n{PARA2}"
        ));
        assert_eq!(r[1], Some("teaser"));
        assert_eq!(r[2], Some("teaser"));
        assert_eq!(r[3], None);
    }

    #[test]
    fn cue_phrases_on_short_lines_but_not_in_article_sentences() {
        let r = rules_for(&format!(
            "{PARA}\nFollow us on social media\n{PARA2}\nThe share of households with subscriptions to local papers fell again last year, the survey found."
        ));
        assert_eq!(r[1], Some("cue_phrase"));
        assert_eq!(r[3], None);
    }

    #[test]
    fn model_keeps_paragraphs_and_drops_a_menu() {
        let menu = "Home\nNews\nSport\nBusiness\nCulture\nWeather\nContact\nSearch";
        let mut doc = Document::new(
            "d",
            format!("{menu}\n{PARA}\n{PARA2}\n{PARA}\n{PARA2}\nPrivacy Policy\nTerms of Use\nCookie settings"),
        );
        let s = stage("cross_document = false\nrules = false");
        let (verdict, removed) = run(s.as_ref(), &mut doc);
        assert_eq!(verdict, Verdict::Keep);
        let gone: Vec<u64> = removed.iter().map(|(i, _)| *i).collect();
        // Line 0 may stay: the model treats a page's first line as a possible title.
        for i in 1..8 {
            assert!(gone.contains(&i), "menu line {i} kept: {removed:?}");
        }
        for i in 8..12 {
            assert!(!gone.contains(&i), "paragraph {i} removed: {removed:?}");
        }
        assert!(doc
            .text()
            .contains(&format!("{PARA}\n{PARA2}\n{PARA}\n{PARA2}")));
        assert!(!doc.text().contains("Sport"));
    }

    #[test]
    fn donation_plea_amid_furniture_is_context() {
        let plea = "Independent journalism needs your support. If you value our reporting, please consider making a donation today.";
        let text = format!(
            "{PARA}\n{PARA2}\nDonate now\n{plea}\nCouncil approves new cycle lanes\nLocal bakery wins national award\nSchool to close for refurbishment"
        );
        let s = stage("cross_document = false\nrule_max_score = 1.0");
        let (_, removed) = run(s.as_ref(), &mut Document::new("d", text));
        assert!(removed.contains(&(3, "context".to_owned())), "{removed:?}");
        assert!(!removed.iter().any(|(i, _)| *i < 2), "{removed:?}");
    }

    #[test]
    fn lines_recurring_across_a_site_and_the_corpus() {
        let s = stage("host_min_docs = 3\ncorpus_min_docs = 4\nrecurring_max_words = 10");
        let steps = s.corpus_steps().expect("cross_document is on by default");
        let mut pass = steps.empty_partial();
        let page = |host: &str, i: usize| {
            let mut d = Document::new(
                format!("{host}/{i}"),
                format!("{PARA} Story {i}.\n{PARA2} Part {i}.\nThe Daily Example, Leeds edition\nAll the news that fits, every day"),
            );
            d.fields.insert(
                "url".into(),
                Value::from(format!("https://{host}/story/{i}")),
            );
            d
        };
        let mut docs: Vec<Document> = (0..3).map(|i| page("a.example", i)).collect();
        // Without a URL: only corpus-wide counts apply.
        let mut no_url = Document::new(
            "n",
            format!("{PARA}\n{PARA2}\nNorthern Courier Media Group\nA line seen once"),
        );
        let others: Vec<Document> = (0..4)
            .map(|i| {
                Document::new(
                    format!("o{i}"),
                    format!("{PARA2} Other {i}.\nNorthern Courier Media Group"),
                )
            })
            .collect();
        for d in docs.iter().chain(&others).chain([&no_url]) {
            steps.observe_any(&mut *pass, d);
        }
        steps.finish_and_install(pass);
        let (_, removed) = run(s.as_ref(), &mut docs[0]);
        let reasons: Vec<&str> = removed.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(removed.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [2, 3]);
        assert!(
            reasons.iter().all(|r| *r == "recurring_on_host"),
            "{removed:?}"
        );
        let (_, removed) = run(s.as_ref(), &mut no_url);
        assert!(
            removed.contains(&(2, "recurring_line".to_owned())),
            "{removed:?}"
        );
        assert!(!removed.iter().any(|(i, _)| *i < 2), "{removed:?}");
    }

    #[test]
    fn removed_indices_count_blank_lines_and_blank_runs_collapse() {
        let text = format!("{PARA}\n\nSubscribe to our newsletter\n\n{PARA2}\n");
        let s = stage("cross_document = false\nrule_max_score = 1.0");
        let mut doc = Document::new("d", text);
        let (verdict, removed) = run(s.as_ref(), &mut doc);
        assert_eq!(verdict, Verdict::Keep);
        assert_eq!(removed, [(2, "call_to_action".to_owned())]);
        assert_eq!(doc.text(), format!("{PARA}\n\n{PARA2}"));
    }

    /// The rebuild [`kept_text`] replaced: every `\n`-line of the text visited, blank ones
    /// tracked as they come.
    fn kept_text_by_splitting(text: &str, lines: &[Line], removed: &[usize]) -> String {
        let mut out = String::new();
        let mut gone = removed.iter().map(|&i| lines[i].index).peekable();
        let mut pending_blank = false;
        for (index, raw) in text.split('\n').enumerate() {
            if gone.peek() == Some(&index) {
                gone.next();
                continue;
            }
            if raw.trim().is_empty() {
                pending_blank = !out.is_empty();
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
                if pending_blank {
                    out.push('\n');
                }
            }
            pending_blank = false;
            out.push_str(raw);
        }
        out
    }

    #[test]
    fn kept_text_equals_rebuilding_by_splitting() {
        let pieces = [
            "",
            " ",
            "\u{a0}",
            "\t",
            "Home",
            "  indented line ",
            "A sentence.\r",
            "x",
            "\u{2028}",
        ];
        let mut next = crate::test_rng::below(0x9e37_79b9_7f4a_7c15);
        let mut s = Scratch::default();
        for _ in 0..3000 {
            let text = crate::test_rng::random_text(&mut next, &pieces, 12, "\n");
            features::scan_lines(&text, None, &mut s);
            let removed: Vec<usize> = (0..s.lines.len()).filter(|_| next(3) == 0).collect();
            assert_eq!(
                kept_text(&text, &s.lines, removed.iter().copied()),
                kept_text_by_splitting(&text, &s.lines, &removed),
                "{text:?} without {removed:?}"
            );
        }
    }

    #[test]
    fn page_of_furniture_only_is_dropped() {
        // With the rules at full strength: the model alone gives a page's first line (usually
        // its title) the benefit of the doubt.
        let s = stage("cross_document = false\nrule_max_score = 1.0");
        let mut doc = Document::new("d", "Home\nNews\nSport\nContact us\nPrivacy Policy\nLog in");
        let mut stats = StageStats::default();
        assert_eq!(
            s.process(&mut doc, &mut stats),
            Verdict::drop("no_content_lines")
        );
        assert_eq!(stats.counters["lines"], 6);
        assert_eq!(stats.counters["lines_removed"], 6);
    }

    #[test]
    fn bad_options_are_errors() {
        for bad in [
            "threshold = 1.5",
            "rule_max_score = -1.0",
            "sketch_mb = 0",
            "min_words = 3",
        ] {
            assert!(
                crate::build_stage(NAME, &toml::from_str(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }

    /// A blog post of the kind the news-page issue describes, written for these tests: the
    /// section's name glued to the title (which is printed again below it), the article with a
    /// related-story link inside, a donation banner and plea, a list of unrelated headlines
    /// (some long enough to read as sentences, one with a bare URL after it), and "Popular
    /// posts from this blog" with three titles under it.
    const BLOG_PAGE: &[&str] = &[
        "HomeAnalyticsTalks on Syria's future resume in Geneva",
        "Talks on Syria's future resume in Geneva",
        "Delegations from the Syrian government and the opposition returned to Geneva on Monday for a new round of negotiations on a constitution, the first meeting in almost a year.",
        "The United Nations envoy said both sides had agreed on an agenda covering elections, the release of detainees and the return of refugees from Lebanon and Jordan.",
        "Related article: Refugees in Lebanon weigh the risks of returning to Syria",
        "Diplomats cautioned that the negotiations could stall again over the sequence of elections and constitutional reform, which divided the delegations at earlier rounds in Geneva.",
        "The opposition delegation said the release of detainees had to come before any vote, while the government insisted that the constitution be agreed first.",
        "Humanitarian agencies urged the delegations to reopen border crossings for aid convoys, warning that millions of Syrians depend on deliveries from Turkey.",
        "The envoy is expected to brief the Security Council on the negotiations in New York at the end of the month, before a further round in Geneva.",
        "Speak Truth to Power. Join the Fight -DONATE-",
        "Do your part. Take two minutes, donate five dollars to help keep this information online. Every contribution counts.",
        "Related articles: Syria talks",
        "Police arrest two men after a stabbing outside a nightclub in the city centre on Saturday.",
        "Officer suspended over handling of burglary complaint",
        "Detectives appeal for witnesses to a hit-and-run crash on the bypass last Thursday night.",
        "Man charged with theft of copper cable from railway depot",
        "Sheriff's deputies seize stolen cars in warehouse raid https://example.com/raid",
        "Court jails burglar who targeted pensioners across three counties for four years.",
        "Constable praised for rescuing a driver from a burning vehicle",
        "Teenagers cautioned after vandalism at skate park",
        "Two arrested in connection with shop robbery in the high street on Friday.",
        "Popular posts from this blog",
        "How to brew coffee without a machine",
        "My favourite hiking trails of the summer",
        "Ten books I read this year",
    ];

    #[test]
    fn the_issue_blog_page_keeps_the_title_and_the_article_only() {
        let mut doc = Document::new("blog", BLOG_PAGE.join("\n"));
        let (verdict, removed) = run(&*stage(""), &mut doc);
        assert_eq!(verdict, Verdict::Keep);
        let kept = [1, 2, 3, 5, 6, 7, 8].map(|i| BLOG_PAGE[i]).join("\n");
        assert_eq!(doc.text(), kept, "{removed:?}");
        let reason = |line: u64| reason_of(&removed, line);
        assert_eq!(reason(0), Some("breadcrumb_title"));
        assert_eq!(reason(4), Some("related_link"));
        assert_eq!(reason(9), Some("call_to_action"), "the banner");
        assert_eq!(reason(10), Some("call_to_action"), "the plea");
        for line in 12..=20 {
            assert_eq!(reason(line), Some("list_run"), "headline {line}");
        }
    }

    #[test]
    fn a_breadcrumb_glued_or_separated_in_front_of_the_title_printed_twice() {
        let page = |crumb: &str| {
            format!("{crumb}Ten charts that explain the housing market\nTen charts that explain the housing market\n{PARA}\n{PARA2}")
        };
        for crumb in ["HomeAnalytics", "Home » Blog / ", "You are here: Home / "] {
            let text = page(crumb);
            let mut s = Scratch::default();
            features::scan_lines(&text, None, &mut s);
            let mut verdicts = vec![None; s.lines.len()];
            news::breadcrumb_titles(&text, &s.lines, &mut FxHashMap::default(), &mut verdicts);
            assert_eq!(
                verdicts,
                [Some("breadcrumb_title"), None, None, None],
                "{crumb}"
            );
        }
        // A numbered heading that repeats a table of contents entry, a word and a space in
        // front, or a title printed once: no breadcrumb.
        for text in [
            page("3. "),
            page("Analytics "),
            format!("HomeAnalyticsTen charts that explain the housing market\n{PARA}"),
        ] {
            let mut s = Scratch::default();
            features::scan_lines(&text, None, &mut s);
            let mut verdicts = vec![None; s.lines.len()];
            news::breadcrumb_titles(&text, &s.lines, &mut FxHashMap::default(), &mut verdicts);
            assert!(verdicts.iter().all(Option::is_none), "{text}");
        }
    }

    /// An article of five paragraphs about a bridge (enough words for its subject).
    const BRIDGE: &[&str] = &[
        "The council said on Tuesday that the new bridge would open to traffic next spring, a year later than planned. The delay follows a review of the foundations.",
        "Engineers found that the river bed was softer than the survey had shown. Deeper foundations were needed, and the piling contractor had to bring in larger rigs.",
        "The bridge's steel deck was delivered in sections by river barge. It will be lifted onto the new foundations over the winter months, weather permitting.",
        "Drivers crossing the river meanwhile face a detour of eleven miles through the villages upstream. The council has added extra buses to the timetable.",
        "Traders near the old crossing say the longer detour has cost them customers. The council promised to review their business rates before the summer.",
    ];

    #[test]
    fn alike_items_about_another_subject_are_a_list_run_and_about_the_article_stay() {
        let headlines = [
            "Police arrest two men after a stabbing outside a nightclub on Saturday.",
            "Hospital waiting times fall for the third month in a row",
            "Football club announces plans for a larger stadium near the motorway.",
            "Singer cancels summer tour after throat surgery",
            "Museum reopens its dinosaur gallery after a long refurbishment",
            "Schools close early as heating oil runs short",
        ];
        let page = [BRIDGE, &headlines].concat().join("\n");
        let mut doc = Document::new("d", page);
        let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
        assert_eq!(doc.text(), BRIDGE.join("\n"), "{removed:?}");
        assert!(removed.iter().all(|(_, r)| r == "list_run"), "{removed:?}");

        // The same shapes on the article's subject: a listicle's items stay.
        let items = [
            "The bridge's foundations go twice as deep as the survey planned.",
            "The steel deck sections arrive by river barge from the yard upstream",
            "Drivers use a detour through the villages until the bridge opens.",
            "Traders near the old crossing want lower business rates meanwhile",
            "Council buses run every half hour across the river detour route",
            "Engineers inspect the river bed again before the winter lifting",
        ];
        let page = [BRIDGE, &items].concat().join("\n");
        let mut doc = Document::new("d", page);
        let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
        assert!(!removed.iter().any(|(_, r)| r == "list_run"), "{removed:?}");
    }

    #[test]
    fn a_sentence_about_another_subject_after_the_article_is_off_topic() {
        let other = "The singer announced on social media that the rest of her autumn concert tour had been cancelled after surgery on her throat.";
        let page = [BRIDGE, &[other]].concat().join("\n");
        let mut doc = Document::new("d", page);
        let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
        assert_eq!(removed, [(5, "off_topic".to_owned())]);
        assert_eq!(doc.text(), BRIDGE.join("\n"));
        // The same sentence between two of the article's paragraphs is left to the model.
        let page = [&BRIDGE[..3], &[other], &BRIDGE[3..]].concat().join("\n");
        let mut doc = Document::new("d", page);
        let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
        assert!(
            !removed.iter().any(|(_, r)| r == "off_topic"),
            "{removed:?}"
        );
    }

    #[test]
    fn calls_to_action_in_the_languages_of_the_web() {
        for cta in [
            "Donate now",
            "Subscribe to our newsletter",
            "Jetzt spenden",
            "Newsletter abonnieren",
            "Suscríbete a nuestro boletín",
            "Abonnez-vous à notre infolettre",
            "Assine a nossa newsletter",
            "Iscriviti alla newsletter",
            "Подпишитесь на рассылку",
            "ニュースレターを購読する",
            "订阅我们的新闻",
            "Schrijf je in voor onze nieuwsbrief",
        ] {
            let r = rules_for(&format!("{PARA}\n{cta}\n{PARA2}"));
            assert_eq!(r, [None, Some("call_to_action"), None], "{cta}");
        }
        // A plea after the article goes; the same words inside it are the article's.
        let plea = "If you value our reporting, please donate today so that we can keep it free for everyone who reads it.";
        let page = [BRIDGE, &[plea]].concat().join("\n");
        let mut doc = Document::new("d", page);
        let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
        assert_eq!(removed, [(5, "call_to_action".to_owned())]);
        let page = [&BRIDGE[..2], &[plea], &BRIDGE[2..]].concat().join("\n");
        let mut doc = Document::new("d", page.clone());
        let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
        assert!(removed.is_empty(), "{removed:?}");
    }

    #[test]
    fn a_closing_label_in_another_language_ends_the_article() {
        for label in [
            "Artículos relacionados",
            "12 Kommentare",
            "Les plus lus",
            "Mais lidas",
            "Leggi anche",
            "Похожие статьи",
            "関連記事",
            "相关文章",
            "Meest gelezen",
        ] {
            let comment = "I drive over that bridge every day and I would rather wait a year than see it built badly.";
            let page = [BRIDGE, &[label, comment]].concat().join("\n");
            let mut doc = Document::new("d", page);
            let (_, removed) = run(&*stage("cross_document = false"), &mut doc);
            assert_eq!(doc.text(), BRIDGE.join("\n"), "{label}: {removed:?}");
            assert_eq!(
                removed,
                [(5, "article_end".to_owned()), (6, "article_end".to_owned())],
                "{label}"
            );
        }
    }

    /// A crawl with many pages per host: each host's sidebar is on every one of its pages, the
    /// articles differ. From `host_min_docs` pages of a host on, the sidebar goes on every page.
    #[test]
    fn a_sidebar_recurring_on_many_pages_of_a_host_goes_from_the_third_page_on() {
        let sidebar =
            |host: usize| format!("The week in pictures {host}\nLetters to the editor {host}");
        let page = |host: usize, i: usize| {
            let text = format!(
                "{PARA} Report {host}-{i}.\n{PARA2} Update {host}-{i}.\nThe council will publish the revised timetable for story {i} next week, officials said.\n{}",
                sidebar(host)
            );
            let mut d = Document::new(format!("{host}/{i}"), text);
            d.fields.insert(
                "url".into(),
                Value::from(format!("https://www.site{host}.example/news/{i}")),
            );
            d
        };
        // Host k has k pages (1..=40): 820 pages in all.
        let s = stage("corpus_min_docs = 0");
        let steps = s.corpus_steps().unwrap();
        let mut pass = steps.empty_partial();
        let mut docs: Vec<Document> = (1..=40)
            .flat_map(|host| (0..host).map(move |i| page(host, i)))
            .collect();
        for d in &docs {
            steps.observe_any(&mut *pass, d);
        }
        steps.finish_and_install(pass);
        for d in &mut docs {
            let host: usize = d.id.split('/').next().unwrap().parse().unwrap();
            let (_, removed) = run(s.as_ref(), d);
            let on_host = removed
                .iter()
                .filter(|(_, r)| r == "recurring_on_host")
                .count();
            assert_eq!(on_host, if host >= 3 { 2 } else { 0 }, "{}", d.id);
            assert!(
                removed.iter().all(|(i, _)| *i >= 3),
                "{}: {removed:?}",
                d.id
            );
        }
    }
}
