//! `gopher_repetition`: drop documents whose text repeats itself (Gopher, Rae et al. 2021),
//! as datatrove's `GopherRepetitionFilter` decides it.
//!
//! Checks, in order (first failure drops; a threshold of 0 disables its check):
//! - `dup_para_frac`, `dup_para_char_frac`: paragraphs (split on `\n\n+` of the stripped text)
//!   that repeat an earlier one, as a share of paragraphs / of the text's characters;
//! - `dup_line_frac`, `dup_line_char_frac`: the same for lines (split on `\n+` of the *unstripped*
//!   text, so a leading and a trailing newline make two empty "lines" — datatrove's quirk);
//! - `top_{n}_gram` for each `(n, frac)` of `top_n_grams`: characters of the most frequent word
//!   n-gram (`" "`-joined) times its count, over the text's characters. It fires on short
//!   documents even without any repetition (one n-gram alone can exceed the fraction);
//! - `duplicated_{n}_n_grams` for each `(n, frac)` of `dup_n_grams`: characters of n-grams
//!   (`""`-joined, so equality is on the concatenation) already seen, scanning left to right and
//!   jumping past each duplicate window.
//!
//! An empty text is dropped with reason `empty`.
//!
//! N-grams are compared by 64-bit polynomial hashes computed in O(1) per window from prefix
//! sums, not by building strings; two different n-grams would have to collide on 64 bits to be
//! confused.

use std::cell::RefCell;

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{Document, Stage, StageOptions, StageStats, Verdict};
use serde::{Deserialize, Serialize};

use super::ratio;
use crate::registry::StageConfig;
use crate::text::{char_len, find_duplicates, words};
use crate::ConfigError;

pub const NAME: &str = "gopher_repetition";
pub const SUMMARY: &str =
    "drop documents with repeated paragraphs, lines or word n-grams (datatrove GopherRepetitionFilter)";

/// Options, with datatrove's names and defaults.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub dup_line_frac: f64,
    pub dup_para_frac: f64,
    pub dup_line_char_frac: f64,
    pub dup_para_char_frac: f64,
    /// `[[n, max_fraction], …]`.
    pub top_n_grams: Vec<(usize, f64)>,
    /// `[[n, max_fraction], …]`.
    pub dup_n_grams: Vec<(usize, f64)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dup_line_frac: 0.3,
            dup_para_frac: 0.3,
            dup_line_char_frac: 0.2,
            dup_para_char_frac: 0.2,
            top_n_grams: vec![(2, 0.2), (3, 0.18), (4, 0.16)],
            dup_n_grams: vec![
                (5, 0.15),
                (6, 0.14),
                (7, 0.13),
                (8, 0.12),
                (9, 0.11),
                (10, 0.10),
            ],
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new("dup_line_frac", T::Number, "drop if more than this share of lines repeat an earlier line (0: off)")
            .range(Range::FRACTION),
        Opt::new("dup_para_frac", T::Number, "drop if more than this share of paragraphs repeat an earlier one (0: off)")
            .range(Range::FRACTION),
        Opt::new("dup_line_char_frac", T::Number, "drop if repeated lines hold more than this share of the characters (0: off)")
            .range(Range::FRACTION),
        Opt::new("dup_para_char_frac", T::Number, "drop if repeated paragraphs hold more than this share of the characters (0: off)")
            .range(Range::FRACTION),
        Opt::new("top_n_grams", T::PairList, "[n, frac]: drop if the most frequent word n-gram covers more than frac of the characters (n >= 1)"),
        Opt::new("dup_n_grams", T::PairList, "[n, frac]: drop if repeated word n-grams cover more than frac of the characters (n >= 1)"),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        for &(n, _) in self.top_n_grams.iter().chain(&self.dup_n_grams) {
            if n == 0 {
                return Err(ConfigError::invalid(NAME, "n-gram size must be at least 1"));
            }
        }
        let top_reasons = self
            .top_n_grams
            .iter()
            .map(|(n, _)| format!("top_{n}_gram"))
            .collect();
        let dup_reasons = self
            .dup_n_grams
            .iter()
            .map(|(n, _)| format!("duplicated_{n}_n_grams"))
            .collect();
        Ok(Box::new(GopherRepetition {
            config: self,
            top_reasons,
            dup_reasons,
        }))
    }
}

pub struct GopherRepetition {
    config: Config,
    top_reasons: Vec<String>,
    dup_reasons: Vec<String>,
}

impl Stage for GopherRepetition {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, _stats: &mut StageStats) -> Verdict {
        let c = &self.config;
        let text = doc.text();
        if text.is_empty() {
            return Verdict::drop("empty");
        }
        let text_len = char_len(text);
        // `part / whole` when it exceeds a non-zero `thr`: the drop's measure.
        let exceeds = |part: usize, whole: usize, thr: f64| {
            ratio(part, whole).filter(|&r| thr != 0.0 && r > thr)
        };

        let stripped = millstone_text::py::strip(text);
        let (paras, para_chars) = {
            let mut n = 0usize;
            let dups = find_duplicates(split_min_newlines(stripped, 2).inspect(|_| n += 1));
            ((dups.0, n), dups.1)
        };
        if let Some(r) = exceeds(paras.0, paras.1, c.dup_para_frac) {
            return Verdict::drop_measured("dup_para_frac", r, c.dup_para_frac);
        }
        if let Some(r) = exceeds(para_chars, text_len, c.dup_para_char_frac) {
            return Verdict::drop_measured("dup_para_char_frac", r, c.dup_para_char_frac);
        }

        let mut n_lines = 0usize;
        let (line_dups, line_chars) =
            find_duplicates(split_min_newlines(text, 1).inspect(|_| n_lines += 1));
        if let Some(r) = exceeds(line_dups, n_lines, c.dup_line_frac) {
            return Verdict::drop_measured("dup_line_frac", r, c.dup_line_frac);
        }
        if let Some(r) = exceeds(line_chars, text_len, c.dup_line_char_frac) {
            return Verdict::drop_measured("dup_line_char_frac", r, c.dup_line_char_frac);
        }

        if c.top_n_grams.is_empty() && c.dup_n_grams.is_empty() {
            return Verdict::Keep;
        }
        let (text, spans) = words(doc);
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            s.prepare(text, spans);
            for (i, &(n, frac)) in c.top_n_grams.iter().enumerate() {
                if let Some(top) = s.top_duplicate(n) {
                    if let Some(r) = ratio(top, text_len).filter(|&r| r > frac) {
                        return Verdict::drop_measured(self.top_reasons[i].clone(), r, frac);
                    }
                }
            }
            for (i, &(n, frac)) in c.dup_n_grams.iter().enumerate() {
                let rep = s.all_duplicate(n);
                if let Some(r) = ratio(rep, text_len).filter(|&r| r > frac) {
                    return Verdict::drop_measured(self.dup_reasons[i].clone(), r, frac);
                }
            }
            Verdict::Keep
        })
    }
}

/// Split like Python's `re.split(r"\n{k,}", s)`: runs of at least `k` newlines separate pieces
/// (shorter runs stay inside a piece); leading/trailing runs yield empty pieces.
fn split_min_newlines(s: &str, k: usize) -> impl Iterator<Item = &str> {
    let bytes = s.as_bytes();
    let mut start = 0usize;
    let mut pos = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some(off) = memchr::memchr(b'\n', &bytes[pos..]) {
            let run_start = pos + off;
            let mut run_end = run_start;
            while run_end < bytes.len() && bytes[run_end] == b'\n' {
                run_end += 1;
            }
            pos = run_end;
            if run_end - run_start >= k {
                let piece = &s[start..run_start];
                start = run_end;
                return Some(piece);
            }
        }
        done = true;
        Some(&s[start..])
    })
}

thread_local! {
    static SCRATCH: RefCell<NgramScratch> = RefCell::new(NgramScratch::default());
}

/// Odd base for the polynomial hashes (arithmetic mod 2^64) and its multiplicative inverse.
const BASE: u64 = 0x9E37_79B9_7F4A_7C15 | 1;
const BASE_INV: u64 = inverse(BASE);

const fn inverse(b: u64) -> u64 {
    // Newton's iteration: each step doubles the number of correct low bits.
    let mut x = b;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(b.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// Reused per-thread buffers for n-gram hashing (no allocation per document once warm).
#[derive(Default)]
struct NgramScratch {
    /// Prefix sums over the concatenation of words without separators (`""`-join).
    cat: Prefix,
    /// The same over words each followed by a space (`" "`-join, i.e. sequence equality).
    spaced: Prefix,
    /// Prefix sums of word lengths in code points.
    chars: Vec<usize>,
    table: HashTable,
}

/// Open-addressing table of 64-bit n-gram hashes with a count and a first position each,
/// sized per document (so resetting costs in proportion to the document, not to the largest
/// one seen) and probed linearly. The keys are already hashes, so a multiplicative spread of
/// the high bits picks the slot; key and value share one 16-byte slot (one cache miss per
/// probe). hashbrown's generality cost a third of this filter's time.
#[derive(Default)]
struct HashTable {
    slots: Vec<Slot>,
    shift: u32,
    /// The most common entry so far: `(count, first position)`, ties to the earliest.
    best: (u32, u32),
}

#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    /// 0 marks an empty slot.
    count: u32,
    first: u32,
}

impl HashTable {
    /// Empty the table, with room for `n` keys at a load factor of at most 1/2.
    fn reset(&mut self, n: usize) {
        let cap = (2 * n).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(cap, Slot::default());
        self.shift = 64 - cap.trailing_zeros();
        self.best = (0, 0);
    }

    /// Count `key`, remembering `pos` if it is new. Returns the count before this one.
    #[inline]
    fn add(&mut self, key: u64, pos: u32) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        loop {
            let slot = &mut self.slots[i];
            if slot.count == 0 {
                *slot = Slot {
                    key,
                    count: 1,
                    first: pos,
                };
                if self.best.0 == 0 {
                    self.best = (1, pos);
                }
                return 0;
            }
            if slot.key == key {
                slot.count += 1;
                let (count, first) = (slot.count, slot.first);
                // Counter.most_common(1): the highest count; among equals, the first inserted.
                if count > self.best.0 || (count == self.best.0 && first < self.best.1) {
                    self.best = (count, first);
                }
                return count - 1;
            }
            i = (i + 1) & mask;
        }
    }

    /// The entry with the highest count; among equal counts, the smallest first position.
    fn most_common(&self) -> (u32, u32) {
        self.best
    }
}

#[derive(Default)]
struct Prefix {
    /// `sum(c_t * B^t)` over all bytes before word k (positions global in the concatenation).
    sum: Vec<u64>,
    /// `B^-(bytes before word k)`, to normalise a window's sum to start at position 0.
    inv: Vec<u64>,
}

impl Prefix {
    fn clear(&mut self) {
        self.sum.clear();
        self.inv.clear();
        self.sum.push(0);
        self.inv.push(1);
    }

    /// Hash of words `i..j`.
    #[inline]
    fn window(&self, i: usize, j: usize) -> u64 {
        self.sum[j]
            .wrapping_sub(self.sum[i])
            .wrapping_mul(self.inv[i])
    }
}

impl NgramScratch {
    fn prepare(&mut self, text: &str, spans: &[std::ops::Range<usize>]) {
        self.cat.clear();
        self.spaced.clear();
        self.chars.clear();
        self.chars.push(0);
        let (mut cat_pow, mut sp_pow) = (1u64, 1u64); // B^(bytes so far)
        let (mut cat_inv, mut sp_inv) = (1u64, 1u64);
        let (mut cat_sum, mut sp_sum) = (0u64, 0u64);
        let mut chars = 0usize;
        for span in spans {
            let w = &text.as_bytes()[span.clone()];
            // Bytes are offset by one so that a zero byte still changes the hash.
            let (mut h, mut p) = (0u64, 1u64);
            for &b in w {
                h = h.wrapping_add((b as u64 + 1).wrapping_mul(p));
                p = p.wrapping_mul(BASE);
            }
            let p_inv = if w.len() < POW_TABLE {
                INV_POWS[w.len()]
            } else {
                pow(BASE_INV, w.len() as u64)
            };
            cat_sum = cat_sum.wrapping_add(h.wrapping_mul(cat_pow));
            cat_pow = cat_pow.wrapping_mul(p);
            cat_inv = cat_inv.wrapping_mul(p_inv);
            let h_sp = h.wrapping_add((b' ' as u64 + 1).wrapping_mul(p));
            sp_sum = sp_sum.wrapping_add(h_sp.wrapping_mul(sp_pow));
            sp_pow = sp_pow.wrapping_mul(p.wrapping_mul(BASE));
            sp_inv = sp_inv.wrapping_mul(p_inv.wrapping_mul(BASE_INV));
            self.cat.sum.push(cat_sum);
            self.cat.inv.push(cat_inv);
            self.spaced.sum.push(sp_sum);
            self.spaced.inv.push(sp_inv);
            let s = &text[span.clone()];
            chars += char_len(s);
            self.chars.push(chars);
        }
    }

    fn n_words(&self) -> usize {
        self.chars.len() - 1
    }

    /// datatrove's `find_top_duplicate(get_n_grams(words, n))`: length of the `" "`-joined most
    /// frequent n-gram times its count (ties: the n-gram that occurs first). `None` when the
    /// document has fewer than `n` words.
    fn top_duplicate(&mut self, n: usize) -> Option<usize> {
        let nw = self.n_words();
        if nw < n {
            return None;
        }
        self.table.reset(nw - n + 1);
        for i in 0..=nw - n {
            self.table.add(self.spaced.window(i, i + n), i as u32);
        }
        let (count, first) = self.table.most_common();
        let first = first as usize;
        let len = self.chars[first + n] - self.chars[first] + (n - 1);
        Some(len * count as usize)
    }

    /// datatrove's `find_all_duplicate(words, n)`.
    fn all_duplicate(&mut self, n: usize) -> usize {
        let nw = self.n_words();
        self.table.reset((nw + 1).saturating_sub(n));
        let mut repeated = 0usize;
        let mut i = 0usize;
        while i + n <= nw {
            let key = self.cat.window(i, i + n);
            if self.table.add(key, i as u32) == 0 {
                i += 1;
            } else {
                repeated += self.chars[i + n] - self.chars[i];
                i += n;
            }
        }
        repeated
    }
}

/// `BASE_INV^k` for short words, so most words need no exponentiation.
const POW_TABLE: usize = 64;
static INV_POWS: [u64; POW_TABLE] = {
    let mut t = [1u64; POW_TABLE];
    let mut k = 1;
    while k < POW_TABLE {
        t[k] = t[k - 1].wrapping_mul(BASE_INV);
        k += 1;
    }
    t
};

fn pow(mut b: u64, mut e: u64) -> u64 {
    let mut acc = 1u64;
    while e > 0 {
        if e & 1 == 1 {
            acc = acc.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        e >>= 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Verdict {
        crate::registry::run_on(Config::default(), text)
    }

    #[test]
    fn inverse_is_an_inverse() {
        assert_eq!(BASE.wrapping_mul(BASE_INV), 1);
    }

    #[test]
    fn split_matches_python_re_split() {
        let v: Vec<_> = split_min_newlines("\na\n\nb\n\n\nc\n", 1).collect();
        assert_eq!(v, ["", "a", "b", "c", ""]);
        let v: Vec<_> = split_min_newlines("a\nb\n\nc", 2).collect();
        assert_eq!(v, ["a\nb", "c"]);
        let v: Vec<_> = split_min_newlines("", 2).collect();
        assert_eq!(v, [""]);
    }

    #[test]
    fn datatrove_examples() {
        // Recorded from datatrove 0.10.1 (anchors §4).
        assert_eq!(run("").reason(), Some("empty"));
        assert_eq!(
            run("one two three four five six").reason(),
            Some("top_2_gram")
        );
        assert_eq!(
            run("A normal sentence with about twelve words in it, nothing repeated at all here.")
                .reason(),
            Some("top_3_gram")
        );
        assert_eq!(
            run("\nThis is a perfectly normal line of text that is long enough.\n").reason(),
            Some("dup_line_frac")
        );
    }

    #[test]
    fn repeated_paragraphs_are_dropped() {
        let p = "The council met on Tuesday to discuss the budget for the coming year.";
        let text =
            format!("{p}\n\n{p}\n\nSomething else entirely was said afterwards by the mayor.");
        let v = run(&text);
        assert_eq!(v.reason(), Some("dup_para_frac"));
        // One of three paragraphs repeats an earlier one: 1/3 > 0.3.
        let m = v.measured().unwrap();
        assert_eq!(m.value.as_f64(), Some(1.0 / 3.0));
        assert_eq!(m.threshold.as_f64(), Some(0.3));
    }

    #[test]
    fn window_hashes_distinguish_join_kinds() {
        let text = "ab c a bc";
        let spans = vec![0..2, 3..4, 5..6, 7..9];
        let mut s = NgramScratch::default();
        s.prepare(text, &spans);
        // "" join: "abc" == "abc"; " " join: "ab c" != "a bc".
        assert_eq!(s.cat.window(0, 2), s.cat.window(2, 4));
        assert_ne!(s.spaced.window(0, 2), s.spaced.window(2, 4));
        assert_eq!(s.all_duplicate(2), 3);
        assert_eq!(s.top_duplicate(2), Some(4)); // "ab c": 4 chars, once (first of the ties)
    }

    #[test]
    fn top_gram_ties_pick_the_first_occurring() {
        let text = "xx y z xx y zzzz";
        let spans = vec![0..2, 3..4, 5..6, 7..9, 10..11, 12..16];
        let mut s = NgramScratch::default();
        s.prepare(text, &spans);
        // "xx y" occurs twice: 4 chars * 2.
        assert_eq!(s.top_duplicate(2), Some(8));
        // all 3-grams occur once; first is "xx y z" (6 chars).
        assert_eq!(s.top_duplicate(3), Some(6));
    }
}
