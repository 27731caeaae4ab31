//! Evidence that news and blog pages need, from their text alone: what the article is about
//! (topical coherence) and runs of alike items (the list of forty headlines under a story).
//!
//! - **Topical coherence.** The article's core is its sentence lines (≥ 10 words, terminal
//!   punctuation, at most one cue phrase) that are not items of a long run (below). Each line's
//!   content words (`features::TOPIC_MIN_BYTES`, compared by their first
//!   `features::TOPIC_STEM_BYTES` bytes) are looked up in the core: the share found there is
//!   the line's overlap. A core line's own words do not count for it (a word must occur in
//!   another core line). A block about another subject shares almost nothing, however
//!   sentence-like its lines are.
//! - **List structure.** A run of consecutive item-shaped lines (2 to 20 words, at most one
//!   sentence mark, few commas) whose word counts are alike is a list: headlines, links, a
//!   table of contents, or the short paragraphs of a listicle. Which one the overlap tells: a
//!   list whose items share little with the core is furniture (`list_run`).
//!
//! Pages whose words are not separated by spaces (Chinese, Japanese, Thai) have no content words
//! here, and a page whose core is too small to know its subject gets no decision: both are left
//! to the other evidence.
//!
//! Not here: the decisions that use these figures (`mod.rs`), or the model's features.

use rustc_hash::FxHashMap;

use super::features::Line;

/// Items in a run of alike lines before it counts as a list.
pub(crate) const LIST_MIN_ITEMS: u32 = 5;
/// Distinct content-word stems the core needs before overlaps are computed.
const CORE_MIN_STEMS: usize = 40;
/// A line needs this many content words for its own overlap to say anything.
pub(crate) const MIN_TOPIC_WORDS: u32 = 3;

/// Longest item of a list, in words: headlines are shorter; a news story's one-sentence
/// paragraphs are mostly longer, and stay part of the core.
const ITEM_MAX_WORDS: u32 = 20;

/// Whether a line can be one item of a list: a headline, a link, a one-sentence paragraph.
fn item(l: &Line) -> bool {
    // base[11] = sentence marks, base[12] = commas per word.
    (2..=ITEM_MAX_WORDS).contains(&l.words) && l.base[11] <= 1.0 && l.base[12] <= 0.15 && !l.related
}

/// Two consecutive items are alike when their word counts are within a factor of 2.5.
fn alike(a: &Line, b: &Line) -> bool {
    let (lo, hi) = if a.words < b.words {
        (a.words, b.words)
    } else {
        (b.words, a.words)
    };
    2 * hi <= 5 * lo
}

/// For each line, the length of the run of alike items it belongs to (0 if it is no item).
pub(crate) fn alike_runs(lines: &[Line], runs: &mut Vec<u32>) {
    runs.clear();
    runs.resize(lines.len(), 0);
    let mut i = 0;
    while i < lines.len() {
        if !item(&lines[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < lines.len() && item(&lines[i]) && alike(&lines[i - 1], &lines[i]) {
            i += 1;
        }
        for r in &mut runs[start..i] {
            *r = (i - start) as u32;
        }
    }
}

/// The article's subject: how often each content-word stem occurs in the core lines.
#[derive(Default)]
pub(crate) struct Topic {
    counts: FxHashMap<u64, u32>,
    ready: bool,
}

impl Topic {
    /// Build the core from the lines for which `core` is true. Afterwards [`Topic::overlap`]
    /// answers only if the core has enough distinct stems.
    pub(crate) fn build(&mut self, lines: &[Line], words: &[u64], core: impl Fn(usize) -> bool) {
        self.counts.clear();
        for (i, l) in lines.iter().enumerate() {
            if core(i) {
                for &w in &words[l.topic.start as usize..l.topic.end as usize] {
                    *self.counts.entry(w).or_insert(0) += 1;
                }
            }
        }
        self.ready = self.counts.len() >= CORE_MIN_STEMS;
    }

    /// Whether the core was large enough to tell the article's subject.
    pub(crate) fn ready(&self) -> bool {
        self.ready
    }

    /// Content words of `l` found in the core and all its content words (`is_core`: `l` is
    /// itself a core line, whose own words do not count). `None` if the core is too small.
    pub(crate) fn shared(&self, l: &Line, words: &[u64], is_core: bool) -> Option<(u32, u32)> {
        if !self.ready {
            return None;
        }
        let own = &words[l.topic.start as usize..l.topic.end as usize];
        // A core line's words are in the core once at least: one of them is shared when it
        // occurs twice (in another line, or twice in this one: rare, and cheap to allow).
        let need = 1 + u32::from(is_core);
        let found = own
            .iter()
            .filter(|w| self.counts.get(w).is_some_and(|&n| n >= need))
            .count() as u32;
        Some((found, own.len() as u32))
    }
}

/// Lines looked at for a breadcrumb glued to the title (the title sits near the top).
const TITLE_LINES: usize = 100;
/// Longest breadcrumb glued in front of a title, in bytes.
const MAX_CRUMB_BYTES: usize = 60;
/// A title is at least this long (bytes) and has at least 3 words, so that a short label that
/// ends a longer line ("Read more") is no title.
const MIN_TITLE_BYTES: usize = 15;

/// Marks `breadcrumb_title` in `verdicts` for each line that is another line of the page (the
/// title, printed twice) with a breadcrumb in front of it: glued to it ("HomeAnalytics" +
/// "Ten charts that explain…", where the page's text lost the links' spacing) or ending in a
/// separator ("Home » Blog / " + title). A numbered heading ("3. " + title, a table of contents
/// entry) is no breadcrumb. Only the page's first lines are compared, each with the few lines
/// that end in the same eight bytes.
pub(crate) fn breadcrumb_titles(
    text: &str,
    lines: &[Line],
    by_tail: &mut FxHashMap<u64, usize>,
    verdicts: &mut [Option<&'static str>],
) {
    let tail = |s: &str| {
        let b = s.as_bytes();
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[b.len() - 8..]);
        u64::from_le_bytes(w)
    };
    let n = lines.len().min(TITLE_LINES);
    by_tail.clear();
    for (i, l) in lines[..n].iter().enumerate() {
        let t = text[l.raw.clone()].trim();
        if t.len() >= MIN_TITLE_BYTES && l.words >= 3 && l.words <= 30 {
            // The shortest line with this tail: a title is shorter than its glued copy.
            by_tail
                .entry(tail(t))
                .and_modify(|j| {
                    if text[lines[*j].raw.clone()].trim().len() > t.len() {
                        *j = i;
                    }
                })
                .or_insert(i);
        }
    }
    if by_tail.len() < 2 {
        return;
    }
    for (i, l) in lines[..n].iter().enumerate() {
        let t = text[l.raw.clone()].trim();
        if t.len() < MIN_TITLE_BYTES + 1 || t.len() > MIN_TITLE_BYTES + 400 {
            continue;
        }
        let Some(&j) = by_tail.get(&tail(t)) else {
            continue;
        };
        let title = text[lines[j].raw.clone()].trim();
        if j == i || title.len() >= t.len() || !t.ends_with(title) {
            continue;
        }
        let crumb = &t[..t.len() - title.len()];
        if crumb.len() > MAX_CRUMB_BYTES || !crumb.chars().any(char::is_alphabetic) {
            continue;
        }
        let glued = crumb.chars().next_back().is_some_and(char::is_alphabetic)
            && title.chars().next().is_some_and(char::is_uppercase);
        let separated = crumb.trim_end().chars().next_back().is_some_and(|c| {
            matches!(c, '›' | '»' | '>' | '/' | '|' | '-' | '–' | '—' | ':' | '·')
        });
        if glued || separated {
            verdicts[i] = Some("breadcrumb_title");
        }
    }
}
