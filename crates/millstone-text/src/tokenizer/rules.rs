//! The prefix / suffix / infix rules of spaCy's English tokenizer, as data plus a tiny matcher.
//!
//! spaCy compiles each rule list into one Python regex (`^a|^b…`, `a$|b$…`, `a|b…`). Every
//! alternative of the English lists has the same simple shape: an optional fixed-width
//! look-behind (a sequence of character sets), a body (a set of single characters, an ordered
//! list of literal strings, or a run of one character such as `\.\.+`), and an optional one-character
//! look-ahead (positive or negative). The generator checks that shape, so this module can match
//! the alternatives directly, with Python's semantics, and without a regex engine:
//!
//! - prefix (`re.search` with `^`): the first alternative, in order, that matches at 0;
//! - suffix (`re.search` with `$`): the leftmost start from which some alternative reaches the
//!   end, i.e. the longest suffix any alternative matches;
//! - infix (`re.finditer`): scan left to right, first alternative in order at each position,
//!   continue after the match.
//!
//! Look-behinds see only the string being searched (spaCy passes slices), exactly as Python does.

use rustc_hash::FxHashMap;

use crate::py::in_ranges;

/// One alternative as written by the generator.
pub(crate) struct AltDef {
    /// Look-behind: one set per character, left to right, ending just before the match.
    pub behind: &'static [&'static [(u32, u32)]],
    pub body: Body,
    /// One-character look-ahead right after the match.
    pub ahead: Option<&'static [(u32, u32)]>,
    /// Whether `ahead` is a negative look-ahead `(?!…)`.
    pub ahead_negative: bool,
}

/// What an alternative consumes.
pub(crate) enum Body {
    /// One character from the set.
    Set(&'static [(u32, u32)]),
    /// The first literal, in order, for which the rest of the alternative also matches.
    Lits(&'static [&'static str]),
    /// `ch` repeated at least `min` times, greedy.
    Run { ch: char, min: usize },
}

/// A character set with an ASCII bitmap in front of the range table.
#[derive(Clone, Debug)]
pub(crate) struct CharSet {
    ascii: u128,
    ranges: Vec<(u32, u32)>,
}

impl CharSet {
    pub(crate) fn from_ranges(ranges: &[(u32, u32)]) -> Self {
        let mut ascii = 0u128;
        for &(lo, hi) in ranges {
            for c in lo..=hi.min(127) {
                ascii |= 1 << c;
            }
        }
        let mut ranges = ranges.to_vec();
        ranges.sort_unstable();
        Self { ascii, ranges }
    }

    pub(crate) fn from_chars(chars: impl IntoIterator<Item = char>) -> Self {
        let mut r: Vec<(u32, u32)> = chars.into_iter().map(|c| (c as u32, c as u32)).collect();
        r.sort_unstable();
        r.dedup();
        // Merge neighbours so the binary search stays exact on disjoint ranges.
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(r.len());
        for (lo, hi) in r {
            match merged.last_mut() {
                Some(last) if last.1 + 1 >= lo => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Self::from_ranges(&merged)
    }

    #[inline]
    pub(crate) fn contains(&self, c: char) -> bool {
        let u = c as u32;
        if u < 128 {
            self.ascii >> u & 1 == 1
        } else {
            in_ranges(&self.ranges, u)
        }
    }

    /// The ASCII members, as a bitmap (for fast byte scans).
    pub(crate) fn ascii_bits(&self) -> u128 {
        self.ascii
    }
}

enum BodyRt {
    Set(CharSet),
    Lits(&'static [&'static str]),
    Run { ch: char, min: usize },
}

/// One alternative, ready to match.
pub(crate) struct Alt {
    behind: Vec<CharSet>,
    body: BodyRt,
    ahead: Option<CharSet>,
    ahead_negative: bool,
}

impl Alt {
    fn new(def: &AltDef) -> Self {
        let body = match def.body {
            Body::Set(r) => BodyRt::Set(CharSet::from_ranges(r)),
            Body::Lits(l) => {
                assert!(l.iter().all(|s| !s.is_empty()), "empty literal in a rule");
                BodyRt::Lits(l)
            }
            Body::Run { ch, min } => {
                assert!(min >= 1, "a run must consume something");
                BodyRt::Run { ch, min }
            }
        };
        Self {
            behind: def.behind.iter().map(|r| CharSet::from_ranges(r)).collect(),
            body,
            ahead: def.ahead.map(CharSet::from_ranges),
            ahead_negative: def.ahead_negative,
        }
    }

    #[inline]
    fn behind_ok(&self, s: &str, pos: usize) -> bool {
        if self.behind.is_empty() {
            return true;
        }
        let mut before = s[..pos].chars().rev();
        for set in self.behind.iter().rev() {
            match before.next() {
                Some(c) if set.contains(c) => {}
                _ => return false,
            }
        }
        true
    }

    #[inline]
    fn ahead_ok(&self, s: &str, end: usize) -> bool {
        match &self.ahead {
            None => true,
            Some(set) => {
                let hit = s[end..].chars().next().is_some_and(|c| set.contains(c));
                hit != self.ahead_negative
            }
        }
    }

    /// End of this alternative's match starting at `pos`, with backtracking over the body's
    /// options in Python's order.
    fn match_at(&self, s: &str, pos: usize) -> Option<usize> {
        if !self.behind_ok(s, pos) {
            return None;
        }
        let rest = &s[pos..];
        match &self.body {
            BodyRt::Set(set) => {
                let c = rest.chars().next()?;
                let end = pos + c.len_utf8();
                (set.contains(c) && self.ahead_ok(s, end)).then_some(end)
            }
            BodyRt::Lits(lits) => lits
                .iter()
                .filter(|l| rest.starts_with(**l))
                .map(|l| pos + l.len())
                .find(|&end| self.ahead_ok(s, end)),
            BodyRt::Run { ch, min } => {
                let run = rest.chars().take_while(|c| c == ch).count();
                (*min..=run)
                    .rev()
                    .map(|n| pos + n * ch.len_utf8())
                    .find(|&end| self.ahead_ok(s, end))
            }
        }
    }

    /// Length of the longest match of this alternative that ends exactly at the end of `s`.
    fn longest_suffix(&self, s: &str) -> Option<usize> {
        let n = s.len();
        if !self.ahead_ok(s, n) {
            return None;
        }
        match &self.body {
            BodyRt::Set(set) => {
                let c = s.chars().next_back()?;
                let p = n - c.len_utf8();
                (set.contains(c) && self.behind_ok(s, p)).then_some(n - p)
            }
            BodyRt::Lits(lits) => lits
                .iter()
                .filter(|l| s.ends_with(**l) && self.behind_ok(s, n - l.len()))
                .map(|l| l.len())
                .max(),
            BodyRt::Run { ch, min } => {
                let run = s.chars().rev().take_while(|c| c == ch).count();
                let w = ch.len_utf8();
                // Leftmost start first: the longest run whose look-behind holds.
                (*min..=run)
                    .rev()
                    .map(|k| k * w)
                    .find(|&len| self.behind_ok(s, n - len))
            }
        }
    }
}

/// How an indexed entry matches.
#[derive(Clone, Copy)]
enum Probe {
    /// One literal of a `Lits` body.
    Lit(&'static str),
    /// The whole alternative (a `Run` body).
    Whole,
}

/// One candidate for a given boundary character.
#[derive(Clone, Copy)]
struct Entry {
    alt: u16,
    probe: Probe,
}

/// Alternatives indexed by the character their body starts (prefix, infix) or ends (suffix)
/// with, so a lookup tries only the few that can match. `Set` bodies stay in a short side list,
/// checked by membership.
struct Index {
    ascii: Vec<Vec<Entry>>,
    other: FxHashMap<char, Vec<Entry>>,
    /// Alternatives with a `Set` body, in order.
    set_alts: Vec<u16>,
    /// ASCII characters with any candidate (including set members).
    ascii_any: u128,
}

impl Index {
    fn new(alts: &[Alt], at_end: bool) -> Self {
        let mut ascii = vec![Vec::new(); 128];
        let mut other: FxHashMap<char, Vec<Entry>> = FxHashMap::default();
        let mut set_alts = Vec::new();
        let mut ascii_any = 0u128;
        for (i, alt) in alts.iter().enumerate() {
            let i = i as u16;
            let mut add = |c: char, probe: Probe| {
                if c.is_ascii() {
                    ascii[c as usize].push(Entry { alt: i, probe });
                    ascii_any |= 1 << (c as u32);
                } else {
                    other.entry(c).or_default().push(Entry { alt: i, probe });
                }
            };
            match &alt.body {
                BodyRt::Set(set) => {
                    set_alts.push(i);
                    ascii_any |= set.ascii_bits();
                }
                BodyRt::Lits(lits) => {
                    for lit in lits.iter() {
                        let c = if at_end {
                            lit.chars().next_back()
                        } else {
                            lit.chars().next()
                        };
                        if let Some(c) = c {
                            add(c, Probe::Lit(lit));
                        }
                    }
                }
                BodyRt::Run { ch, .. } => add(*ch, Probe::Whole),
            }
        }
        Self {
            ascii,
            other,
            set_alts,
            ascii_any,
        }
    }

    #[inline]
    fn entries(&self, c: char) -> &[Entry] {
        if c.is_ascii() {
            &self.ascii[c as usize]
        } else {
            self.other.get(&c).map_or(&[], Vec::as_slice)
        }
    }

    #[inline]
    fn may_match(&self, c: char, alts: &[Alt]) -> bool {
        if c.is_ascii() {
            self.ascii_any >> (c as u32) & 1 == 1
        } else {
            self.other.contains_key(&c)
                || self
                    .set_alts
                    .iter()
                    .any(|&a| alts[a as usize].set_contains(c))
        }
    }
}

impl Alt {
    #[inline]
    fn set_contains(&self, c: char) -> bool {
        matches!(&self.body, BodyRt::Set(set) if set.contains(c))
    }
}

/// All three rule lists, built once.
pub(crate) struct Affixes {
    prefixes: Vec<Alt>,
    prefix_index: Index,
    suffixes: Vec<Alt>,
    suffix_index: Index,
    infixes: Vec<Alt>,
    infix_index: Index,
}

impl Affixes {
    pub(crate) fn new(prefixes: &[AltDef], suffixes: &[AltDef], infixes: &[AltDef]) -> Self {
        let prefixes: Vec<Alt> = prefixes.iter().map(Alt::new).collect();
        let suffixes: Vec<Alt> = suffixes.iter().map(Alt::new).collect();
        let infixes: Vec<Alt> = infixes.iter().map(Alt::new).collect();
        assert!(prefixes.len().max(suffixes.len()).max(infixes.len()) < u16::MAX as usize);
        Self {
            prefix_index: Index::new(&prefixes, false),
            suffix_index: Index::new(&suffixes, true),
            infix_index: Index::new(&infixes, false),
            prefixes,
            suffixes,
            infixes,
        }
    }

    /// The first alternative (Python order) matching at `pos`, as its end.
    #[inline]
    fn first_match_at(alts: &[Alt], index: &Index, s: &str, pos: usize, c: char) -> Option<usize> {
        let entries = index.entries(c);
        let mut e = 0;
        let mut k = 0;
        loop {
            // Merge the literal entries and the set alternatives by alternative number.
            let next_lit = entries.get(e).map(|x| x.alt);
            let next_set = index.set_alts.get(k).copied();
            let (alt, probe) = match (next_lit, next_set) {
                (None, None) => return None,
                (Some(a), Some(b)) if b < a => {
                    k += 1;
                    (b, None)
                }
                (None, Some(b)) => {
                    k += 1;
                    (b, None)
                }
                (Some(a), _) => {
                    e += 1;
                    (a, Some(entries[e - 1].probe))
                }
            };
            let alt_ref = &alts[alt as usize];
            let end = match probe {
                None | Some(Probe::Whole) => alt_ref.match_at(s, pos),
                Some(Probe::Lit(lit)) => {
                    if s[pos..].starts_with(lit)
                        && alt_ref.behind_ok(s, pos)
                        && alt_ref.ahead_ok(s, pos + lit.len())
                    {
                        Some(pos + lit.len())
                    } else {
                        None
                    }
                }
            };
            if end.is_some() {
                return end;
            }
        }
    }

    /// spaCy's `find_prefix`: byte length of the prefix at the start of `s` (0 = none).
    #[inline]
    pub(crate) fn find_prefix(&self, s: &str) -> usize {
        let Some(c) = s.chars().next() else { return 0 };
        if !self.prefix_index.may_match(c, &self.prefixes) {
            return 0;
        }
        Self::first_match_at(&self.prefixes, &self.prefix_index, s, 0, c).unwrap_or(0)
    }

    /// spaCy's `find_suffix`: byte length of the suffix at the end of `s` (0 = none). Python's
    /// `search` returns the leftmost start from which an alternative reaches the end, i.e. the
    /// longest such suffix, whichever alternative produces it.
    #[inline]
    pub(crate) fn find_suffix(&self, s: &str) -> usize {
        let Some(c) = s.chars().next_back() else {
            return 0;
        };
        let index = &self.suffix_index;
        if !index.may_match(c, &self.suffixes) {
            return 0;
        }
        let n = s.len();
        let mut best = 0;
        for entry in index.entries(c) {
            let alt = &self.suffixes[entry.alt as usize];
            let len = match entry.probe {
                Probe::Lit(lit) => {
                    if lit.len() > best
                        && s.ends_with(lit)
                        && alt.behind_ok(s, n - lit.len())
                        && alt.ahead_ok(s, n)
                    {
                        lit.len()
                    } else {
                        0
                    }
                }
                Probe::Whole => alt.longest_suffix(s).unwrap_or(0),
            };
            best = best.max(len);
        }
        for &a in &index.set_alts {
            best = best.max(self.suffixes[a as usize].longest_suffix(s).unwrap_or(0));
        }
        best
    }

    /// spaCy's `find_infix` (`infix_finditer`): calls `f(start, end)` for every infix match, in order.
    pub(crate) fn for_each_infix(&self, s: &str, mut f: impl FnMut(usize, usize)) {
        let bytes = s.as_bytes();
        let index = &self.infix_index;
        let mut pos = 0;
        while pos < bytes.len() {
            let b = bytes[pos];
            let c = if b < 128 {
                if index.ascii_any >> b & 1 == 0 {
                    pos += 1;
                    continue;
                }
                b as char
            } else {
                s[pos..].chars().next().unwrap_or('\0')
            };
            if b >= 128 && !index.may_match(c, &self.infixes) {
                pos += c.len_utf8();
                continue;
            }
            match Self::first_match_at(&self.infixes, index, s, pos, c) {
                Some(end) => {
                    f(pos, end);
                    pos = end;
                }
                None => pos += c.len_utf8(),
            }
        }
    }

    /// Whether an ASCII byte can start a prefix (false for non-ASCII bytes; check those fully).
    #[inline]
    pub(crate) fn ascii_may_start_prefix(&self, b: u8) -> bool {
        b < 128 && self.prefix_index.ascii_any >> b & 1 == 1
    }
}
