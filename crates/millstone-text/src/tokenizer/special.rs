//! spaCy's special cases (tokenizer exceptions) and its final special-case pass.
//!
//! A special case maps a whole string (`"don't"`, `"U.S."`, `":)"`) to fixed tokens whose texts
//! concatenate back to it, so a special-case token is always a substring of the input.
//!
//! After the affix/infix tokenization spaCy runs a PhraseMatcher over the token texts to find
//! sequences that spell a special case split differently (`x-and/or` → `x - and / or` → the
//! `and/or` case), and replaces a match by the special case's tokens if the matched text is
//! exactly the special-case string (no whitespace inside). Overlaps are resolved like spaCy's
//! `_filter_special_spans`: longest first, then leftmost; a span is kept if neither its first nor
//! its last token was claimed, and every span (kept or not) claims its tokens. Single-token
//! patterns are left out: a one-token match replaces a token by itself and, being processed
//! last, never blocks anything.

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

/// Special cases: chunk → token byte lengths.
pub(crate) struct Specials {
    map: FxHashMap<&'static str, (u32, u32)>,
    lens: Vec<u32>,
    max_len: usize,
}

impl Specials {
    pub(crate) fn new(cases: &[(&'static str, &'static [&'static str])]) -> Self {
        let mut map = FxHashMap::default();
        let mut lens = Vec::new();
        let mut max_len = 0;
        for &(chunk, toks) in cases {
            debug_assert_eq!(toks.concat(), chunk);
            let start = lens.len() as u32;
            lens.extend(toks.iter().map(|t| t.len() as u32));
            map.insert(chunk, (start, toks.len() as u32));
            max_len = max_len.max(chunk.len());
        }
        Self { map, lens, max_len }
    }

    /// The token byte lengths of `s` if it is a special case.
    #[inline]
    pub(crate) fn get(&self, s: &str) -> Option<&[u32]> {
        if s.len() > self.max_len {
            return None;
        }
        let &(start, n) = self.map.get(s)?;
        Some(&self.lens[start as usize..(start + n) as usize])
    }

    /// Push the special-case tokens of the text starting at `at`.
    #[inline]
    pub(crate) fn push(lens: &[u32], mut at: usize, out: &mut Vec<Range<usize>>) {
        for &l in lens {
            out.push(at..at + l as usize);
            at += l as usize;
        }
    }
}

/// The final special-case pass (spaCy's `_apply_special_cases`).
pub(crate) struct PhrasePass {
    /// Patterns (special case, token texts without special cases), at least two tokens each.
    patterns: Vec<(&'static str, &'static [&'static str])>,
    by_first: FxHashMap<&'static str, Vec<u32>>,
    /// Bitmap over (first byte of token i, first byte of token i+1) of every pattern's first two
    /// tokens: a cheap rejection for almost all token pairs.
    pairs: Box<[u64; 1024]>,
}

impl PhrasePass {
    pub(crate) fn new(patterns: &[(&'static str, &'static [&'static str])]) -> Self {
        let patterns: Vec<_> = patterns
            .iter()
            .copied()
            .filter(|(_, t)| t.len() >= 2)
            .collect();
        let mut by_first: FxHashMap<&'static str, Vec<u32>> = FxHashMap::default();
        let mut pairs = Box::new([0u64; 1024]);
        for (id, &(_, toks)) in patterns.iter().enumerate() {
            assert!(
                toks.iter()
                    .all(|t| !t.is_empty() && !t.chars().any(crate::py::isspace)),
                "a multi-token special-case pattern contains whitespace"
            );
            by_first.entry(toks[0]).or_default().push(id as u32);
            let key = (toks[0].as_bytes()[0] as usize) << 8 | toks[1].as_bytes()[0] as usize;
            pairs[key >> 6] |= 1 << (key & 63);
        }
        Self {
            patterns,
            by_first,
            pairs,
        }
    }

    #[inline]
    fn pair_possible(&self, a: u8, b: u8) -> bool {
        let key = (a as usize) << 8 | b as usize;
        self.pairs[key >> 6] >> (key & 63) & 1 == 1
    }

    /// Apply the pass to `toks[from..]` (tokens of `text`, whitespace tokens included).
    pub(crate) fn apply(
        &self,
        text: &str,
        toks: &mut Vec<Range<usize>>,
        from: usize,
        specials: &Specials,
    ) {
        let bytes = text.as_bytes();
        // (start, end, pattern) of every match, as spaCy's PhraseMatcher reports them.
        let mut matches: Vec<(usize, usize, u32)> = Vec::new();
        for i in from..toks.len().saturating_sub(1) {
            let (a, b) = (&toks[i], &toks[i + 1]);
            if !self.pair_possible(bytes[a.start], bytes[b.start]) {
                continue;
            }
            let Some(ids) = self.by_first.get(&text[a.clone()]) else {
                continue;
            };
            for &id in ids {
                let pat = self.patterns[id as usize].1;
                let end = i + pat.len();
                if end <= toks.len()
                    && pat
                        .iter()
                        .zip(&toks[i..end])
                        .all(|(p, t)| *p == &text[t.clone()])
                {
                    matches.push((i, end, id));
                }
            }
        }
        if matches.is_empty() {
            return;
        }
        // Longest first, then leftmost (spaCy sorts by length, then start descending, and walks
        // the list from the back).
        matches.sort_by(|x, y| (y.1 - y.0).cmp(&(x.1 - x.0)).then(x.0.cmp(&y.0)));
        let mut seen: FxHashSet<usize> = FxHashSet::default();
        let mut kept: Vec<(usize, usize, u32)> = Vec::new();
        for &(s, e, id) in &matches {
            if !seen.contains(&s) && !seen.contains(&(e - 1)) {
                kept.push((s, e, id));
            }
            seen.extend(s..e);
        }
        kept.sort_unstable_by_key(|m| m.0);

        let mut replaced: Option<Vec<Range<usize>>> = None;
        let mut copied_to = from;
        for &(s, e, id) in &kept {
            let rule = self.patterns[id as usize].0;
            let span = toks[s].start..toks[e - 1].end;
            if &text[span.clone()] != rule {
                continue; // whitespace inside: spaCy finds no rule for the span text
            }
            let Some(lens) = specials.get(rule) else {
                continue;
            };
            let same = lens.len() == e - s
                && lens
                    .iter()
                    .zip(&toks[s..e])
                    .all(|(&l, t)| l as usize == t.len());
            if same {
                continue;
            }
            let buf = replaced.get_or_insert_with(Vec::new);
            buf.extend(toks[copied_to..s].iter().cloned());
            Specials::push(lens, span.start, buf);
            copied_to = e;
        }
        if let Some(mut buf) = replaced {
            buf.extend(toks[copied_to..].iter().cloned());
            toks.truncate(from);
            toks.append(&mut buf);
        }
    }
}
