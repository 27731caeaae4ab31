//! Cross-document line counts (CCNet-style): in how many documents does a line occur, in the
//! whole corpus and on the document's own site?
//!
//! Counting is a pass over the corpus before the boilerplate stage runs, in explicit steps
//! (the stage's [`millstone_core::CorpusSteps`]): each document adds one to each of its distinct
//! lines (a line repeated inside one page counts once; that is within-document evidence) and,
//! when it has a URL, one to each (host, line) — into a [`LinePartial`], exact counts per key
//! while they are few, the sketch itself once they are many; partials merge by adding. The
//! finished counts ([`LineDecisions`]) are a count-min sketch of `sketch_mb` MiB, four rows of
//! 32-bit counters: counts can only be overestimated (when many distinct lines share
//! counters), never underestimated. Counters saturate; sums of counts do not depend on how
//! the corpus was split or in which order partials merged: runs stay byte-identical.

use std::sync::OnceLock;

use millstone_core::{Document, Value};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

const ROWS: usize = 4;

/// Counts of some documents: per key (line hash, or host and line), exactly while `sketch` is
/// empty; then added into `sketch` (the counters of [`LineDecisions`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePartial {
    pub keys: FxHashMap<u64, u32>,
    pub sketch: Vec<u32>,
}

/// The corpus's counts: the sketch's counters, `ROWS` rows of the configured width.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDecisions {
    pub counters: Vec<u32>,
}

/// The counting pass and, once installed, its counts.
pub(crate) struct LineCounts {
    /// Counters per row (a power of two).
    width: usize,
    url_field: String,
    /// Set once the pass has seen the corpus; before that there is nothing to look up.
    counters: OnceLock<Vec<u32>>,
}

impl LineCounts {
    pub(crate) fn new(sketch_mb: u32, url_field: &str) -> Self {
        let bytes = (sketch_mb as usize).max(1) << 20;
        let width = (bytes / 4 / ROWS).next_power_of_two();
        LineCounts {
            width,
            url_field: url_field.to_owned(),
            counters: OnceLock::new(),
        }
    }

    fn slots(&self, key: u64) -> impl Iterator<Item = usize> + '_ {
        let (h1, h2) = (key as u32 as usize, ((key >> 32) as usize) | 1);
        (0..ROWS)
            .map(move |r| r * self.width + (h1.wrapping_add(r.wrapping_mul(h2)) & (self.width - 1)))
    }

    /// Add `n` documents of `key` to the sketch `counters`.
    fn add(&self, counters: &mut [u32], key: u64, n: u32) {
        for s in self.slots(key) {
            // Saturate rather than wrap: a line seen 4 billion times is still "very common".
            counters[s] = counters[s].saturating_add(n);
        }
    }

    fn get(&self, key: u64) -> u32 {
        let Some(counters) = self.counters.get() else {
            return 0;
        };
        self.slots(key).map(|s| counters[s]).min().unwrap_or(0)
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.counters.get().is_some()
    }

    /// The host of `doc`'s URL field, hashed, if it has one.
    pub(crate) fn host_key(&self, doc: &Document) -> Option<u64> {
        match doc.field(&self.url_field) {
            Some(Value::String(url)) => host_of(url).map(|h| xxh3_64(h.as_bytes())),
            _ => None,
        }
    }

    /// Documents (corpus-wide) containing the line with hash `line`.
    pub(crate) fn corpus_count(&self, line: u64) -> u32 {
        self.get(line)
    }

    /// Documents of the same host containing the line.
    pub(crate) fn host_count(&self, host: u64, line: u64) -> u32 {
        self.get(host_line_key(host, line))
    }

    /// Count one key in `partial`.
    fn count(&self, partial: &mut LinePartial, key: u64) {
        if partial.sketch.is_empty() {
            let n = partial.keys.entry(key).or_default();
            *n = n.saturating_add(1);
        } else {
            self.add(&mut partial.sketch, key, 1);
        }
    }

    /// Count one document's distinct lines into `partial`.
    pub(crate) fn observe_into(
        &self,
        partial: &mut LinePartial,
        doc: &Document,
        seen: &mut FxHashSet<u64>,
        lower: &mut String,
    ) {
        seen.clear();
        let host = self.host_key(doc);
        for line in doc.text().split('\n') {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let h = line_hash(line, lower);
            if seen.insert(h) {
                self.count(partial, h);
                if let Some(host) = host {
                    self.count(partial, host_line_key(host, h));
                }
            }
        }
    }

    /// Turn `partial`'s exact counts into sketch counters (once they are many, or at the end).
    fn densify(&self, partial: &mut LinePartial) {
        if partial.sketch.is_empty() {
            partial.sketch = vec![0; self.width * ROWS];
        }
        for (key, n) in std::mem::take(&mut partial.keys) {
            self.add(&mut partial.sketch, key, n);
        }
    }

    /// Add `other` to `into`.
    pub(crate) fn merge(&self, into: &mut LinePartial, mut other: LinePartial) {
        let sparse = into.sketch.is_empty() && other.sketch.is_empty();
        if sparse && into.keys.len() + other.keys.len() <= self.width {
            for (key, n) in other.keys {
                let m = into.keys.entry(key).or_default();
                *m = m.saturating_add(n);
            }
            return;
        }
        self.densify(into);
        if !other.sketch.is_empty() && other.sketch.len() == into.sketch.len() {
            for (a, b) in into.sketch.iter_mut().zip(&other.sketch) {
                *a = a.saturating_add(*b);
            }
        }
        for (key, n) in std::mem::take(&mut other.keys) {
            self.add(&mut into.sketch, key, n);
        }
    }

    /// The corpus's counts from the merge of every partial.
    pub(crate) fn finish(&self, mut partial: LinePartial) -> LineDecisions {
        self.densify(&mut partial);
        LineDecisions {
            counters: partial.sketch,
        }
    }

    /// Look counts up in `decisions` from now on. Counts of another sketch size are refused.
    pub(crate) fn install(&self, decisions: LineDecisions) -> bool {
        decisions.counters.len() == self.width * ROWS
            && self.counters.set(decisions.counters).is_ok()
    }
}

fn host_line_key(host: u64, line: u64) -> u64 {
    // Mix so that (host, line) keys do not collide with plain line keys.
    xxh3_64(&[host.to_le_bytes(), line.to_le_bytes()].concat())
}

/// Lower-case `line`'s words into `out`, joined by single spaces: the form lines are compared in.
pub(crate) fn normalise_into(line: &str, out: &mut String) {
    out.clear();
    if line.is_ascii() {
        // Same result as the general loop below: copy each run of non-space bytes, then
        // lower-case the whole buffer once.
        let bytes = line.as_bytes();
        let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && !is_space(bytes[i]) {
                i += 1;
            }
            if i > start {
                if !out.is_empty() {
                    out.push(' ');
                }
                // ASCII: every index is a char boundary.
                out.push_str(&line[start..i]);
            }
        }
        out.make_ascii_lowercase();
        return;
    }
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let at = out.len();
            out.push_str(word);
            out[at..].make_ascii_lowercase();
        } else {
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
}

/// The hash of a line's normalised form ([`normalise_into`]); `features::scan_lines` computes
/// the same for the lines it scores.
pub(crate) fn line_hash(line: &str, lower: &mut String) -> u64 {
    normalise_into(line, lower);
    xxh3_64(lower.as_bytes())
}

/// [`line_hash`] of an ASCII line whose only whitespace is single spaces between words (most
/// lines): its normal form is the line lower-cased, one copy and one lower-casing pass instead
/// of [`normalise_into`]'s word-by-word copy. The caller knows the shape from its own scan.
pub(crate) fn single_spaced_ascii_hash(line: &str, lower: &mut String) -> u64 {
    debug_assert!(line.is_ascii() && !line.starts_with(' ') && !line.ends_with(' '));
    debug_assert!(!line.contains("  ") && !line.contains(['\t', '\n', '\x0b', '\x0c', '\r']));
    lower.clear();
    lower.push_str(line);
    lower.make_ascii_lowercase();
    xxh3_64(lower.as_bytes())
}

/// [`line_hash`] of a line whose only whitespace is single ASCII spaces between words, not all
/// ASCII (lines with curly quotes or dashes): its normal form is the line with every character
/// lower-cased, so ASCII runs are copied whole and only the other characters go through
/// `char::to_lowercase`, where [`normalise_into`] decoded every character to find the words.
/// The caller knows the shape from its own scan.
pub(crate) fn single_spaced_hash(line: &str, lower: &mut String) -> u64 {
    debug_assert!(!line.starts_with(' ') && !line.ends_with(' ') && !line.contains("  "));
    debug_assert!(!line.contains(|c: char| c.is_whitespace() && c != ' '));
    lower.clear();
    let mut rest = line;
    while let Some(i) = rest.bytes().position(|b| !b.is_ascii()) {
        lower.push_str(&rest[..i]);
        let ch = rest[i..].chars().next().expect("a character starts here");
        lower.extend(ch.to_lowercase());
        rest = &rest[i + ch.len_utf8()..];
    }
    lower.push_str(rest);
    // The ASCII runs' letters (what `to_lowercase` wrote is lower case already).
    lower.make_ascii_lowercase();
    xxh3_64(lower.as_bytes())
}

/// `https://www.Example.com:8080/a?b` → `example.com`. `None` without a host.
pub(crate) fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_once(']')
            .map_or(host, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host.split_once(':').map_or(host, |(h, _)| h)
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: Option<&str>, text: &str) -> Document {
        let mut d = Document::new("d", text);
        if let Some(u) = url {
            d.fields.insert("url".into(), Value::String(u.into()));
        }
        d
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://www.Example.com:8080/a?b").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            host_of("http://user@news.site.org").as_deref(),
            Some("news.site.org")
        );
        assert_eq!(host_of("http://[::1]:80/x").as_deref(), Some("::1"));
        assert_eq!(host_of("example.com/path").as_deref(), Some("example.com"));
        assert_eq!(host_of("").as_deref(), None);
    }

    #[test]
    fn counts_documents_not_occurrences_and_per_host() {
        let counts = LineCounts::new(1, "url");
        let (mut seen, mut lower) = (FxHashSet::default(), String::new());
        let mut partial = LinePartial::default();
        for (url, text) in [
            (
                Some("https://a.com/1"),
                "Latest articles\nStory one.\nLatest articles",
            ),
            (Some("https://a.com/2"), "latest  ARTICLES\nStory two."),
            (Some("https://b.com/1"), "Latest articles\nStory three."),
            (None, "Latest articles"),
        ] {
            counts.observe_into(&mut partial, &doc(url, text), &mut seen, &mut lower);
        }
        assert!(counts.install(counts.finish(partial)));
        let h = line_hash("Latest articles", &mut lower);
        assert_eq!(counts.corpus_count(h), 4);
        let a = counts
            .host_key(&doc(Some("http://www.a.com/x"), ""))
            .unwrap();
        let b = counts.host_key(&doc(Some("http://b.com/x"), "")).unwrap();
        assert_eq!(counts.host_count(a, h), 2);
        assert_eq!(counts.host_count(b, h), 1);
        assert_eq!(counts.corpus_count(line_hash("Story one.", &mut lower)), 1);
    }

    /// A few lines, so that documents share many of them; hosts from a few sites.
    fn corpus() -> impl proptest::strategy::Strategy<Value = Vec<(Option<String>, String)>> {
        use proptest::prelude::*;
        let line = proptest::sample::select(vec![
            "Latest articles",
            "Sign up for our newsletter",
            "Story of the day.",
            "All rights reserved",
            "A unique sentence about the weather.",
        ]);
        let text = proptest::collection::vec(line, 1..6).prop_map(|l| l.join("\n"));
        let url = proptest::option::of(
            proptest::sample::select(vec![
                "https://a.com/x",
                "https://b.org/y",
                "http://www.a.com/z",
            ])
            .prop_map(str::to_owned),
        );
        proptest::collection::vec((url, text), 0..30)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Shards observed apart, their partials sent through JSON and merged in any order,
        /// give the counts of one pass — also when partials turn into sketches on the way
        /// (the width below makes a merge of more than 4 keys dense).
        #[test]
        fn shards_merged_in_any_order_count_as_one_pass(
            docs in corpus(),
            cuts in proptest::collection::vec(0usize..30, 0..6),
            order_seed in 0u64..1000,
        ) {
            let mut counts = LineCounts::new(1, "url");
            counts.width = 4;
            let (mut seen, mut lower) = (FxHashSet::default(), String::new());
            let docs: Vec<Document> = docs.iter().map(|(u, t)| doc(u.as_deref(), t)).collect();
            let mut whole = LinePartial::default();
            for d in &docs {
                counts.observe_into(&mut whole, d, &mut seen, &mut lower);
            }
            let one_pass = counts.finish(whole);
            let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(docs.len())).collect();
            bounds.extend([0, docs.len()]);
            bounds.sort_unstable();
            let mut partials: Vec<LinePartial> = bounds
                .windows(2)
                .map(|w| {
                    let mut p = LinePartial::default();
                    for d in &docs[w[0]..w[1]] {
                        counts.observe_into(&mut p, d, &mut seen, &mut lower);
                    }
                    serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap()
                })
                .collect();
            let mut merged = LinePartial::default();
            let mut state = order_seed;
            while !partials.is_empty() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let next = partials.swap_remove((state >> 33) as usize % partials.len());
                counts.merge(&mut merged, next);
            }
            proptest::prop_assert_eq!(counts.finish(merged), one_pass);
        }
    }

    #[test]
    fn host_from_a_dotted_url_field() {
        let nested = LineCounts::new(1, "metadata.url");
        let mut d = Document::new("d", "");
        d.fields = serde_json::from_str(r#"{"metadata":{"url":"https://www.a.com/1"}}"#).unwrap();
        assert_eq!(nested.host_key(&d), Some(xxh3_64(b"a.com")));
        // A top-level `url` is not what this stage was told to read.
        assert_eq!(nested.host_key(&doc(Some("http://a.com/2"), "")), None);
        let top = LineCounts::new(1, "url");
        assert_eq!(top.host_key(&d), None);
        assert_eq!(
            top.host_key(&doc(Some("http://a.com/2"), "")),
            Some(xxh3_64(b"a.com"))
        );
    }
}
