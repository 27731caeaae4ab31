//! Cross-document line counts (CCNet-style): in how many documents does a line occur, in the
//! whole corpus and on the document's own site?
//!
//! Counting happens in a pass over the corpus before the boilerplate stage runs (the executor
//! drives it through [`millstone_core::CorpusPass`]). Memory is fixed up front: a count-min
//! sketch of `sketch_mb` MiB, four rows of 32-bit atomic counters. Counts can only be
//! overestimated (when many distinct lines share counters), never underestimated, and the
//! error shrinks as the sketch grows. Increments are atomic adds, so the result does not depend
//! on thread count or document order: runs stay byte-identical.
//!
//! Each document adds one to each of its distinct lines (a line repeated inside one page counts
//! once; that is within-document evidence) and, when it has a URL, one to each (host, line).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use millstone_core::{Document, Value};
use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_64;

const ROWS: usize = 4;

/// Counts of documents per line hash and per (host, line hash).
pub(crate) struct LineCounts {
    counters: Vec<AtomicU32>,
    /// Counters per row (a power of two).
    width: usize,
    url_field: String,
    /// Set once the pass has seen the corpus; before that there is nothing to look up.
    ready: AtomicBool,
}

impl LineCounts {
    pub(crate) fn new(sketch_mb: u32, url_field: &str) -> Self {
        let bytes = (sketch_mb as usize).max(1) << 20;
        let width = (bytes / 4 / ROWS).next_power_of_two();
        LineCounts {
            counters: (0..width * ROWS).map(|_| AtomicU32::new(0)).collect(),
            width,
            url_field: url_field.to_owned(),
            ready: AtomicBool::new(false),
        }
    }

    fn slots(&self, key: u64) -> impl Iterator<Item = usize> + '_ {
        let (h1, h2) = (key as u32 as usize, ((key >> 32) as usize) | 1);
        (0..ROWS)
            .map(move |r| r * self.width + (h1.wrapping_add(r.wrapping_mul(h2)) & (self.width - 1)))
    }

    fn add(&self, key: u64) {
        for s in self.slots(key) {
            // Saturate rather than wrap: a line seen 4 billion times is still "very common".
            let _ = self.counters[s]
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| c.checked_add(1));
        }
    }

    fn get(&self, key: u64) -> u32 {
        self.slots(key)
            .map(|s| self.counters[s].load(Ordering::Relaxed))
            .min()
            .unwrap_or(0)
    }

    pub(crate) fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
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

    /// Count one document's distinct lines.
    pub(crate) fn observe(&self, doc: &Document, seen: &mut FxHashSet<u64>, lower: &mut String) {
        seen.clear();
        let host = self.host_key(doc);
        for line in doc.text().split('\n') {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let h = line_hash(line, lower);
            if seen.insert(h) {
                self.add(h);
                if let Some(host) = host {
                    self.add(host_line_key(host, h));
                }
            }
        }
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
        for (url, text) in [
            (
                Some("https://a.com/1"),
                "Latest articles\nStory one.\nLatest articles",
            ),
            (Some("https://a.com/2"), "latest  ARTICLES\nStory two."),
            (Some("https://b.com/1"), "Latest articles\nStory three."),
            (None, "Latest articles"),
        ] {
            counts.observe(&doc(url, text), &mut seen, &mut lower);
        }
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
