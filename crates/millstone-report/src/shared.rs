//! Which passages a duplicate shares with its survivor, for the side-by-side view.
//!
//! For: marking, in two texts, every word that lies in a run of [`SHINGLE`] words (compared
//! case-folded) that both contain. Not for: deciding duplicates (the dedup stage does that with
//! its own shingles); this is only what a reader needs to see the overlap.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// Words per compared run.
pub const SHINGLE: usize = 5;

/// A text cut into `(passage, shared with the other text)` pieces, in order.
pub type Segments = Vec<(String, bool)>;

/// Both texts cut into segments that concatenate back to the texts.
pub fn mark_shared(a: &str, b: &str) -> (Segments, Segments) {
    let wa = words(a);
    let wb = words(b);
    let ha = window_hashes(a, &wa);
    let hb = window_hashes(b, &wb);
    let set_a: HashSet<u64> = ha.iter().copied().collect();
    let set_b: HashSet<u64> = hb.iter().copied().collect();
    (
        segments(a, &wa, &covered(&wa, &ha, &set_b)),
        segments(b, &wb, &covered(&wb, &hb, &set_a)),
    )
}

/// Byte ranges of whitespace-separated words.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        match (ch.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// One hash per window of [`SHINGLE`] words (one window for shorter texts).
fn window_hashes(text: &str, words: &[(usize, usize)]) -> Vec<u64> {
    if words.is_empty() {
        return Vec::new();
    }
    let n = SHINGLE.min(words.len());
    (0..=words.len() - n)
        .map(|i| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for &(s, e) in &words[i..i + n] {
                for ch in text[s..e].chars().flat_map(char::to_lowercase) {
                    ch.hash(&mut h);
                }
                0u8.hash(&mut h);
            }
            h.finish()
        })
        .collect()
}

/// Words covered by a window whose hash the other text also has.
fn covered(words: &[(usize, usize)], hashes: &[u64], other: &HashSet<u64>) -> Vec<bool> {
    let mut out = vec![false; words.len()];
    let n = SHINGLE.min(words.len());
    for (i, h) in hashes.iter().enumerate() {
        if other.contains(h) {
            out[i..i + n].iter_mut().for_each(|c| *c = true);
        }
    }
    out
}

/// Cut `text` where the marking changes; whitespace between two shared words is shared.
fn segments(text: &str, words: &[(usize, usize)], shared: &[bool]) -> Segments {
    let mut out: Segments = Vec::new();
    let mut push = |piece: &str, mark: bool| {
        if piece.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((s, m)) if *m == mark => s.push_str(piece),
            _ => out.push((piece.to_owned(), mark)),
        }
    };
    let mut pos = 0;
    for (i, &(s, e)) in words.iter().enumerate() {
        let gap_shared = i > 0 && shared[i - 1] && shared[i];
        push(&text[pos..s], gap_shared);
        push(&text[s..e], shared[i]);
        pos = e;
    }
    push(&text[pos..], false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(segs: &[(String, bool)]) -> String {
        segs.iter().map(|(s, _)| s.as_str()).collect()
    }

    #[test]
    fn shared_run_is_marked_in_both_texts() {
        let a = "Breaking: the council voted to close the old bridge on Monday. Weather next.";
        let b = "The council voted to close the old bridge on Monday, officials said.";
        let (sa, sb) = mark_shared(a, b);
        assert_eq!(joined(&sa), a);
        assert_eq!(joined(&sb), b);
        let marked_a: String = sa.iter().filter(|s| s.1).map(|s| s.0.as_str()).collect();
        assert!(marked_a.contains("council voted to close the old bridge on"));
        assert!(!marked_a.contains("Weather"));
        assert!(!marked_a.contains("Breaking"));
        let marked_b: String = sb.iter().filter(|s| s.1).map(|s| s.0.as_str()).collect();
        assert!(marked_b.starts_with("The council"));
        assert!(!marked_b.contains("officials"));
    }

    #[test]
    fn unrelated_texts_share_nothing_and_empty_texts_work() {
        let (sa, sb) = mark_shared("one two three four five six", "seven eight nine ten eleven");
        assert!(sa.iter().all(|s| !s.1) && sb.iter().all(|s| !s.1));
        let (sa, sb) = mark_shared("", "  ");
        assert!(sa.is_empty());
        assert_eq!(sb, vec![("  ".to_owned(), false)]);
    }
}
