//! Reprint detection (`dedup` with `method = "reprints"`): anchors sampled from a document's
//! character n-grams, and the verification of a candidate pair — exact overlap of the two anchor
//! sets, containment of the smaller in the larger, and the passages the two texts share, in
//! order, with byte offsets in both.
//!
//! A document's *anchors* are the character n-grams of its letters and digits (lower-cased;
//! spaces, punctuation and line breaks skipped, so re-wrapping, hyphenation at line ends and
//! punctuation changes do not matter) whose 64-bit hash falls in a fixed 1/`sample` share of the
//! hash range. The same n-gram is sampled in every text it occurs in, so two copies of a story
//! keep the same anchors wherever their text agrees, and each anchor records where it is (byte
//! offsets into the original text). The MinHash signature that feeds LSH candidates is taken over
//! the anchors' hashes ([`crate::minhash::Signer::signature_of_shingles`]).
//!
//! [`compare`] is exact on the anchors: the shared anchors are counted, not estimated; a
//! *passage* is a run of shared anchors (each occurring once in both texts) that advances in both
//! texts with gaps of at most `gap` bytes that differ by at most `gap / 8` (a sentence dropped
//! from one text ends a passage; a rewritten one, or character noise, does not); `aligned` is the share of the smaller text's anchors
//! that lie in passages of at least `min_run` anchors. Scattered coincidences (common words, a
//! topic's vocabulary) form no passage; a shared template forms one passage that covers only the
//! template's share of the smaller text.
//!
//! Not for: candidate generation or clustering (`cluster`), the stage's bookkeeping (`stage`).

use serde::Deserialize;

/// One sampled n-gram: its hash and where it is in the original text (`start..end`, bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub hash: u32,
    pub start: u32,
    pub end: u32,
}

/// Bytes of one anchor in a spill record.
pub const ANCHOR_BYTES: usize = 12;

impl Anchor {
    pub fn to_bytes(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.hash.to_le_bytes());
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.end.to_le_bytes());
    }

    /// Anchors from [`Anchor::to_bytes`]'s bytes (a trailing partial record is ignored).
    pub fn from_bytes(b: &[u8], out: &mut Vec<Anchor>) {
        out.clear();
        out.extend(b.chunks_exact(ANCHOR_BYTES).map(|c| {
            let u = |i: usize| u32::from_le_bytes(c[i..i + 4].try_into().expect("4 bytes"));
            Anchor {
                hash: u(0),
                start: u(4),
                end: u(8),
            }
        }));
    }
}

/// Reprint options (`[stage]` keys of `method = "reprints"`). Defaults chosen on the tune part
/// of the reprint set (bench/dedup/README.md, "Reprints").
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReprintParams {
    /// Characters (letters and digits) per n-gram.
    pub ngram: usize,
    /// One n-gram in `sample` is an anchor.
    pub sample: u32,
    /// Candidate pairs whose estimated Jaccard (signature) is below this are rejected without
    /// comparing anchors.
    pub min_estimate: f64,
    /// A pair is a reprint if the exact Jaccard of its anchor sets is at least this …
    pub min_similarity: f64,
    /// … or if at least this share of the smaller text's anchors lies in aligned passages.
    pub min_aligned: f64,
    /// Largest gap (bytes, in either text) inside one passage.
    pub gap: u32,
    /// Fewest shared anchors in a passage.
    pub min_run: usize,
}

impl Default for ReprintParams {
    fn default() -> Self {
        ReprintParams {
            ngram: 6,
            sample: 8,
            min_estimate: 0.1,
            min_similarity: 0.4,
            min_aligned: 0.6,
            gap: 400,
            min_run: 4,
        }
    }
}

impl ReprintParams {
    pub fn validate(&self) -> Result<(), String> {
        if !(2..=64).contains(&self.ngram) {
            return Err("`reprints.ngram` must be between 2 and 64".into());
        }
        if self.sample == 0 || !self.sample.is_power_of_two() {
            return Err("`reprints.sample` must be a power of two".into());
        }
        for (name, v) in [
            ("min_estimate", self.min_estimate),
            ("min_similarity", self.min_similarity),
            ("min_aligned", self.min_aligned),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("`reprints.{name}` must be between 0 and 1"));
            }
        }
        if self.min_run == 0 {
            return Err("`reprints.min_run` must be at least 1".into());
        }
        Ok(())
    }
}

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// A 64-bit mix (murmur3's finaliser): every input bit affects every output bit.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The anchors of `text`, in text order, into `out` (cleared). `window` is scratch.
pub fn anchors(text: &str, p: &ReprintParams, window: &mut Vec<(u32, u32)>, out: &mut Vec<Anchor>) {
    out.clear();
    window.clear();
    let n = p.ngram;
    // A rolling polynomial hash over the last `n` characters: h = Σ c_i · MUL^(n-1-i).
    let mut pow = 1u64;
    for _ in 1..n {
        pow = pow.wrapping_mul(MUL);
    }
    let shift = p.sample.trailing_zeros();
    let mut h = 0u64;
    // Ring of the last `n` characters' (code, byte start); `window` is its storage.
    window.resize(n, (0, 0));
    let mut filled = 0usize;
    let mut head = 0usize;
    let bytes = text.as_bytes();
    let mut push = |c: u32, start: u32, end: u32, h: &mut u64| {
        if filled == n {
            let (old, _) = window[head];
            *h = h.wrapping_sub(u64::from(old).wrapping_mul(pow));
        } else {
            filled += 1;
        }
        *h = h.wrapping_mul(MUL).wrapping_add(u64::from(c));
        window[head] = (c, start);
        head += 1;
        if head == n {
            head = 0;
        }
        if filled == n {
            let m = mix(*h);
            if shift == 0 || m >> (64 - shift) == 0 {
                out.push(Anchor {
                    hash: m as u32,
                    start: window[head].1,
                    end,
                });
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            // ASCII fast path.
            if b.is_ascii_alphanumeric() {
                let c = u32::from(b.to_ascii_lowercase());
                push(c, i as u32, i as u32 + 1, &mut h);
            }
            i += 1;
            continue;
        }
        let ch = text[i..].chars().next().expect("a char starts here");
        let len = ch.len_utf8();
        if ch.is_alphanumeric() {
            let c = ch.to_lowercase().next().unwrap_or(ch) as u32;
            push(c, i as u32, (i + len) as u32, &mut h);
        }
        i += len;
    }
}

/// What anchors are made of: the letters and digits of `s`, lower-cased. Two passages of a
/// [`Comparison`] without character noise between them fold to the same string.
pub fn folded(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One shared passage: byte ranges in the two texts (`a` = the first argument of [`compare`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Passage {
    pub a_start: u32,
    pub a_end: u32,
    pub b_start: u32,
    pub b_end: u32,
    /// Shared anchors in it.
    pub anchors: u32,
}

/// What [`compare`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Exact Jaccard of the two distinct anchor sets.
    pub similarity: f64,
    /// Shared distinct anchors over the smaller set's distinct anchors.
    pub containment: f64,
    /// Share of the smaller set's distinct anchors that lie in passages.
    pub aligned: f64,
    pub passages: Vec<Passage>,
}

impl Comparison {
    pub fn is_reprint(&self, p: &ReprintParams) -> bool {
        self.similarity >= p.min_similarity || self.aligned >= p.min_aligned
    }
}

/// Scratch for [`compare`], kept per thread.
#[derive(Default)]
pub struct CompareScratch {
    a: Prepared,
    b: Prepared,
    matches: Vec<u64>,
}

/// One side of a comparison made ready once: its anchors' hashes sorted, with repeats marked.
/// A cluster's survivor is compared with every member; [`Prepared::set`] it once and call
/// [`compare_prepared`] per member instead of sorting it again each time.
#[derive(Default)]
pub struct Prepared {
    /// `hash << 32 | index into the anchors`, sorted (one u64 sorts faster than a pair); the
    /// index is `u32::MAX` for a hash that occurs more than once (a repeated n-gram cannot
    /// anchor an alignment).
    keys: Vec<u64>,
    distinct: usize,
}

const REPEATED: u64 = u32::MAX as u64;

impl Prepared {
    pub fn set(&mut self, anchors: &[Anchor]) {
        let keys = &mut self.keys;
        keys.clear();
        keys.extend(
            anchors
                .iter()
                .enumerate()
                .map(|(i, a)| u64::from(a.hash) << 32 | i as u64),
        );
        keys.sort_unstable();
        let mut distinct = 0;
        let mut i = 0;
        while i < keys.len() {
            let hash = keys[i] >> 32;
            let mut j = i + 1;
            while j < keys.len() && keys[j] >> 32 == hash {
                j += 1;
            }
            distinct += 1;
            if j - i > 1 {
                for k in &mut keys[i..j] {
                    *k = hash << 32 | REPEATED;
                }
            }
            i = j;
        }
        self.distinct = distinct;
    }
}

/// Compare two documents' anchors (see the module docs).
pub fn compare(
    a: &[Anchor],
    b: &[Anchor],
    p: &ReprintParams,
    s: &mut CompareScratch,
) -> Comparison {
    let mut pb = std::mem::take(&mut s.b);
    pb.set(b);
    let c = compare_prepared(a, b, &pb, p, s);
    s.b = pb;
    c
}

/// [`compare`] with `b` already prepared (`pb` = [`Prepared::set`] of `b`).
pub fn compare_prepared(
    a: &[Anchor],
    b: &[Anchor],
    pb: &Prepared,
    p: &ReprintParams,
    s: &mut CompareScratch,
) -> Comparison {
    s.a.set(a);
    let (ka, kb) = (&s.a.keys, &pb.keys);
    let (da, db) = (s.a.distinct, pb.distinct);
    if da == 0 || db == 0 {
        return Comparison::default();
    }
    // Merge the two sorted lists: shared distinct hashes, and matches of hashes unique in both.
    let mut shared = 0usize;
    s.matches.clear();
    let (mut i, mut j) = (0, 0);
    while i < ka.len() && j < kb.len() {
        let (ha, hb) = (ka[i] >> 32, kb[j] >> 32);
        if ha < hb {
            i += 1;
        } else if hb < ha {
            j += 1;
        } else {
            shared += 1;
            let (ia, ib) = (ka[i] & REPEATED, kb[j] & REPEATED);
            if ia != REPEATED && ib != REPEATED {
                s.matches.push(ia << 32 | ib);
            }
            while i < ka.len() && ka[i] >> 32 == ha {
                i += 1;
            }
            while j < kb.len() && kb[j] >> 32 == hb {
                j += 1;
            }
        }
    }
    s.matches.sort_unstable();
    let mut passages = Vec::new();
    let mut in_passages = 0usize;
    let mut run: Option<(Passage, u32, u32)> = None; // (passage, last a index, last b index)
    let close = |run: &mut Option<(Passage, u32, u32)>,
                 passages: &mut Vec<Passage>,
                 in_passages: &mut usize| {
        if let Some((ps, _, _)) = run.take() {
            if ps.anchors as usize >= p.min_run {
                *in_passages += ps.anchors as usize;
                passages.push(ps);
            }
        }
    };
    for &m in &s.matches {
        let (ia, ib) = ((m >> 32) as u32, m as u32);
        let (x, y) = (a[ia as usize], b[ib as usize]);
        let extends = run.as_ref().is_some_and(|(_, la, lb)| {
            let (px, py) = (a[*la as usize], b[*lb as usize]);
            let (da, db) = (x.start - px.start, y.start.saturating_sub(py.start));
            ib > *lb && da <= p.gap && db <= p.gap && da.abs_diff(db) <= p.gap / 8
        });
        if extends {
            let (ps, la, lb) = run.as_mut().expect("a run is open");
            ps.a_end = ps.a_end.max(x.end);
            ps.b_end = ps.b_end.max(y.end);
            ps.anchors += 1;
            *la = ia;
            *lb = ib;
        } else {
            close(&mut run, &mut passages, &mut in_passages);
            run = Some((
                Passage {
                    a_start: x.start,
                    a_end: x.end,
                    b_start: y.start,
                    b_end: y.end,
                    anchors: 1,
                },
                ia,
                ib,
            ));
        }
    }
    close(&mut run, &mut passages, &mut in_passages);
    let small = da.min(db) as f64;
    Comparison {
        similarity: shared as f64 / (da + db - shared) as f64,
        containment: shared as f64 / small,
        aligned: (in_passages as f64 / small).min(1.0),
        passages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors_of(text: &str, p: &ReprintParams) -> Vec<Anchor> {
        let mut out = Vec::new();
        anchors(text, p, &mut Vec::new(), &mut out);
        out
    }

    fn story() -> String {
        // Real prose, long enough to carry anchors (from the WCXB dev article 0003, CC-BY-4.0).
        "The Nutrition 2025 meeting hosted annually by the American Society for Nutrition \
         brought together leading experts, thought leaders, and clinicians to Orlando to \
         showcase the latest in nutrition science and practice. Artificial intelligence made a \
         strong showing as researchers demonstrated its growing role in nutrition science, from \
         lab to literature. One session explored how AI is reshaping research and publishing, \
         with experts from academia and industry sharing how they use AI tools to accelerate \
         and improve data analysis and literature reviews. Beyond scientific publishing, AI is \
         also driving discovery of novel nutrients and bioactive compounds. Sessions on \
         ultra-processed foods were abundant, and speakers debated how the category should be \
         defined before it is regulated."
            .to_owned()
    }

    /// Every 7-gram an anchor.
    fn all() -> ReprintParams {
        ReprintParams {
            ngram: 7,
            sample: 1,
            min_run: 2,
            ..ReprintParams::default()
        }
    }

    #[test]
    fn anchors_skip_case_punctuation_and_line_breaks() {
        let p = all();
        let a = anchors_of("Hello, World! Again", &p);
        let b = anchors_of("hello\nwor-\nld again", &p);
        let hashes = |v: &[Anchor]| v.iter().map(|x| x.hash).collect::<Vec<_>>();
        assert_eq!(hashes(&a), hashes(&b));
        // "helloworldagain" has 15 characters: 15 - 7 + 1 windows.
        assert_eq!(a.len(), 9);
        // Offsets are bytes of the original text: the first window is "Hello, Wo".
        assert_eq!((a[0].start, a[0].end), (0, 9));
        assert_eq!(
            &"hello\nwor-\nld again"[b[2].start as usize..b[2].end as usize],
            "llo\nwor-\nl"
        );
    }

    #[test]
    fn anchors_take_multibyte_offsets() {
        let p = all();
        let text = "Größe des Änderungsdienstes";
        for a in anchors_of(text, &p) {
            assert!(
                text.is_char_boundary(a.start as usize) && text.is_char_boundary(a.end as usize)
            );
        }
        assert_eq!(anchors_of("ÄNDERUNGEN", &p), anchors_of("änderungen", &p));
    }

    #[test]
    fn sampling_keeps_the_same_ngrams_in_both_texts() {
        let p = ReprintParams::default();
        let text = story();
        let a = anchors_of(&text, &p);
        let b = anchors_of(&format!("PREFIX LINE\n{text}"), &p);
        assert!(!a.is_empty());
        let ha: Vec<u32> = a.iter().map(|x| x.hash).collect();
        let hb: Vec<u32> = b.iter().map(|x| x.hash).collect();
        assert!(ha.iter().all(|h| hb.contains(h)));
        // About one n-gram in `sample`.
        let windows = text.chars().filter(|c| c.is_alphanumeric()).count() + 1 - p.ngram;
        assert!(
            a.len() * 4 > windows / 8 && a.len() < windows / 4,
            "{} of {windows}",
            a.len()
        );
    }

    #[test]
    fn identical_texts_align_completely() {
        let p = all();
        let a = anchors_of(&story(), &p);
        let c = compare(&a, &a, &p, &mut CompareScratch::default());
        assert_eq!((c.similarity, c.containment), (1.0, 1.0));
        assert!(c.aligned > 0.95, "{c:?}");
        assert!(c.is_reprint(&p));
    }

    #[test]
    fn an_excerpt_is_contained_and_aligned_at_its_offsets() {
        let p = all();
        let text = story();
        let cut = text.find("One session").unwrap();
        let end = text.find(" Sessions on").unwrap();
        let excerpt = format!("Wire -- {}", &text[cut..end]);
        let (a, b) = (anchors_of(&excerpt, &p), anchors_of(&text, &p));
        let c = compare(&a, &b, &p, &mut CompareScratch::default());
        assert!(c.containment > 0.95 && c.similarity < 0.5, "{c:?}");
        assert_eq!(c.passages.len(), 1, "{c:?}");
        let ps = c.passages[0];
        // The passage is the excerpt's text in both (it may start a few letters early where the
        // prefix happens to continue as the story did) and ends at its last letter.
        let (a0, a1, b0, b1) = (
            ps.a_start as usize,
            ps.a_end as usize,
            ps.b_start as usize,
            ps.b_end as usize,
        );
        assert_eq!(folded(&excerpt[a0..a1]), folded(&text[b0..b1]));
        assert!(
            a0 <= "Wire -- ".len() && b0 <= cut && b0 + 10 >= cut,
            "{ps:?}"
        );
        assert_eq!((a1, b1), (excerpt.len() - 1, end - 1));
        assert!(c.is_reprint(&p));
    }

    #[test]
    fn reordered_paragraphs_give_one_passage_each() {
        let p = all();
        let text = story();
        let mid = text.find("One session").unwrap();
        let (first, second) = text.split_at(mid);
        let swapped = format!("{second}\n\n{first}");
        let c = compare(
            &anchors_of(&swapped, &p),
            &anchors_of(&text, &p),
            &p,
            &mut CompareScratch::default(),
        );
        assert_eq!(c.passages.len(), 2, "{c:?}");
        assert!(c.aligned > 0.95 && c.is_reprint(&p));
        // The first passage of the swapped text is the original's second half.
        assert!(c.passages[0].b_start as usize >= mid - 6);
    }

    #[test]
    fn scattered_coincidences_make_no_passage() {
        // Shared words of 9..10 letters (3..4 shared 7-grams each, fewer than `min_run`), far
        // apart; the fillers repeat their n-grams, so none of them can anchor anything.
        let p = ReprintParams {
            min_run: 5,
            ..all()
        };
        let (fa, fb) = ("qwxq ".repeat(100), "zkvz ".repeat(100));
        let a = anchors_of(&format!("nutrition {fa} literature {fa} societies"), &p);
        let b = anchors_of(&format!("literature {fb} nutrition {fb} societies"), &p);
        let c = compare(&a, &b, &p, &mut CompareScratch::default());
        assert!(c.containment > 0.0, "{c:?}");
        assert!(c.passages.is_empty() && c.aligned == 0.0, "{c:?}");
        // The same words side by side do make a passage.
        let d = anchors_of("nutrition literature societies", &p);
        let c = compare(&d, &a, &p, &mut CompareScratch::default());
        assert!(c.passages.is_empty(), "{c:?}");
        let c = compare(
            &d,
            &anchors_of("the nutrition literature societies", &p),
            &p,
            &mut CompareScratch::default(),
        );
        assert_eq!(c.passages.len(), 1, "{c:?}");
    }

    #[test]
    fn a_shared_template_covers_only_its_share() {
        let p = all();
        let template = "Subscribe to our newsletter for the latest updates. Privacy policy and terms of use apply to every page of this site.";
        let one = format!("{template}\n{}", story());
        let other = format!(
            "{template}\nThe city council voted on Tuesday to extend the tram line to the airport, a project delayed for a decade by disputes over cost and route."
        );
        let c = compare(
            &anchors_of(&one, &p),
            &anchors_of(&other, &p),
            &p,
            &mut CompareScratch::default(),
        );
        assert!(c.aligned < 0.6 && c.similarity < 0.3, "{c:?}");
        assert!(!c.is_reprint(&ReprintParams::default()));
    }

    #[test]
    fn empty_inputs_compare_as_nothing_shared() {
        let p = all();
        let a = anchors_of(&story(), &p);
        let c = compare(&a, &[], &p, &mut CompareScratch::default());
        assert_eq!(c, Comparison::default());
        assert!(anchors_of("short", &p).is_empty());
    }

    #[test]
    fn anchors_round_trip_through_bytes() {
        let a = anchors_of(&story(), &all());
        let mut bytes = Vec::new();
        a.iter().for_each(|x| x.to_bytes(&mut bytes));
        let mut back = Vec::new();
        Anchor::from_bytes(&bytes, &mut back);
        assert_eq!(a, back);
    }

    #[test]
    fn params_are_checked() {
        assert!(ReprintParams::default().validate().is_ok());
        for bad in [
            ReprintParams {
                ngram: 1,
                ..Default::default()
            },
            ReprintParams {
                sample: 3,
                ..Default::default()
            },
            ReprintParams {
                min_aligned: 1.5,
                ..Default::default()
            },
            ReprintParams {
                min_run: 0,
                ..Default::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
