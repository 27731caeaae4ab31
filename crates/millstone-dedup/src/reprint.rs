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

/// `FOLD[b]`: ASCII byte `b` lower-cased if it is a letter or digit, else 0 (skipped).
const FOLD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Per-thread buffers of [`anchors`]: the folded characters of the last text and each one's
/// byte range in it, the sampled windows in text order, and bucket counts for ordering them.
#[derive(Default, Debug)]
pub struct AnchorScratch {
    codes: Vec<u32>,
    starts: Vec<u32>,
    ends: Vec<u32>,
    sampled: Vec<Anchor>,
    counts: Vec<u32>,
}

/// A bucket of [`by_hash`] holding more than this many anchors (a text repeating itself, or
/// n-grams chosen to collide) sends the whole text to a comparison sort.
const MAX_BUCKET: u32 = 64;

/// Put `sampled` into `out` ordered by hash, then position. The hashes are uniform, so a
/// counting sort on their top bits into about one bucket per anchor leaves only neighbours out
/// of order, and an insertion sort finishes in linear time; equal hashes keep their text order
/// (the scatter is stable).
fn by_hash(sampled: &[Anchor], counts: &mut Vec<u32>, out: &mut Vec<Anchor>) {
    let key = |a: &Anchor| (a.hash, a.start);
    let bits = sampled.len().next_power_of_two().trailing_zeros().min(20);
    let bucket = |a: &Anchor| {
        if bits == 0 {
            0
        } else {
            (a.hash >> (32 - bits)) as usize
        }
    };
    counts.clear();
    counts.resize((1 << bits) + 1, 0);
    for a in sampled {
        counts[bucket(a) + 1] += 1;
    }
    let crowded = counts.iter().any(|&c| c > MAX_BUCKET);
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    out.clear();
    out.resize(
        sampled.len(),
        Anchor {
            hash: 0,
            start: 0,
            end: 0,
        },
    );
    for a in sampled {
        let slot = &mut counts[bucket(a)];
        out[*slot as usize] = *a;
        *slot += 1;
    }
    if crowded {
        out.sort_unstable_by_key(key);
        return;
    }
    for i in 1..out.len() {
        let x = out[i];
        let mut j = i;
        while j > 0 && key(&out[j - 1]) > key(&x) {
            out[j] = out[j - 1];
            j -= 1;
        }
        out[j] = x;
    }
}

/// The anchors of `text` into `out` (cleared), ordered by hash, then position: the order
/// [`compare`] takes. (Positions increase with text order, so the text order is one sort by
/// `start` away.)
///
/// Two passes: the letters and digits are folded into `scratch` (a table lookup and an
/// unconditional write per ASCII byte), then a rolling polynomial hash runs over them,
/// `h = Σ c_i · MUL^(n-1-i)` over the last `n` characters, and each window's mixed hash is tested
/// against the sample (every window is written, the sampled ones are kept: no branch to
/// mispredict). Last, [`by_hash`].
pub fn anchors(text: &str, p: &ReprintParams, scratch: &mut AnchorScratch, out: &mut Vec<Anchor>) {
    out.clear();
    let bytes = text.as_bytes();
    let AnchorScratch {
        codes,
        starts,
        ends,
        sampled,
        counts,
    } = scratch;
    // At most one character per byte; only grown, never cleared (slots past `w` are stale).
    if codes.len() < bytes.len() {
        codes.resize(bytes.len(), 0);
        starts.resize(bytes.len(), 0);
        ends.resize(bytes.len(), 0);
    }
    let mut w = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            // Written whatever the byte is; kept (w advances) only for a letter or digit.
            let c = FOLD[usize::from(b)];
            codes[w] = u32::from(c);
            starts[w] = i as u32;
            ends[w] = i as u32 + 1;
            w += usize::from(c != 0);
            i += 1;
            continue;
        }
        let ch = text[i..].chars().next().expect("a char starts here");
        let len = ch.len_utf8();
        if ch.is_alphanumeric() {
            codes[w] = ch.to_lowercase().next().unwrap_or(ch) as u32;
            starts[w] = i as u32;
            ends[w] = (i + len) as u32;
            w += 1;
        }
        i += len;
    }
    let n = p.ngram;
    if n == 0 || w < n {
        return;
    }
    let (codes, starts, ends) = (&codes[..w], &starts[..w], &ends[..w]);
    let windows = w + 1 - n;
    if sampled.len() < windows {
        sampled.resize(
            windows,
            Anchor {
                hash: 0,
                start: 0,
                end: 0,
            },
        );
    }
    let mut pow = 1u64;
    for _ in 0..n {
        pow = pow.wrapping_mul(MUL);
    }
    // `pow` = MUL^n: taking character `c` and dropping `old` is h·MUL + c − old·MUL^n.
    // A window is kept when the top `log2(sample)` bits of its mixed hash are zero.
    let reject = !(u64::MAX >> p.sample.trailing_zeros());
    let mut h = 0u64;
    for &c in &codes[..n - 1] {
        h = h.wrapping_mul(MUL).wrapping_add(u64::from(c));
    }
    let mut kept = 0usize;
    // Window `first` covers characters `first ..= first + n - 1`; it takes the last one and
    // drops character `first - 1` (nothing for the first window).
    for first in 0..windows {
        let last = first + n - 1;
        let old = if first == 0 { 0 } else { codes[first - 1] };
        h = h
            .wrapping_mul(MUL)
            .wrapping_add(u64::from(codes[last]))
            .wrapping_sub(u64::from(old).wrapping_mul(pow));
        let m = mix(h);
        sampled[kept] = Anchor {
            hash: m as u32,
            start: starts[first],
            end: ends[last],
        };
        kept += usize::from(m & reject == 0);
    }
    by_hash(&sampled[..kept], counts, out);
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
    /// `a.start << 32 | index into a` of each match, sorted into text order of `a`.
    matches: Vec<u64>,
    /// For a match at index `i` of `a`: its index in `b`.
    partner: Vec<u32>,
}

/// End of the run of equal hashes that starts at `i`.
fn group_end(v: &[Anchor], i: usize) -> usize {
    let h = v[i].hash;
    let mut j = i + 1;
    while j < v.len() && v[j].hash == h {
        j += 1;
    }
    j
}

/// Compare two documents' anchors (see the module docs), both as [`anchors`] orders them (by
/// hash, then position).
pub fn compare(
    a: &[Anchor],
    b: &[Anchor],
    p: &ReprintParams,
    s: &mut CompareScratch,
) -> Comparison {
    debug_assert!(a.is_sorted_by_key(|x| (x.hash, x.start)));
    debug_assert!(b.is_sorted_by_key(|x| (x.hash, x.start)));
    if a.is_empty() || b.is_empty() {
        return Comparison::default();
    }
    // Merge the two hash-ordered lists: distinct hashes of each, shared distinct hashes, and
    // matches of hashes that occur once in both (a repeated n-gram cannot anchor an alignment).
    let (mut da, mut db, mut shared) = (0usize, 0usize, 0usize);
    s.matches.clear();
    if s.partner.len() < a.len() {
        s.partner.resize(a.len(), 0);
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (ha, hb) = (a[i].hash, b[j].hash);
        if ha < hb {
            i = group_end(a, i);
            da += 1;
        } else if hb < ha {
            j = group_end(b, j);
            db += 1;
        } else {
            let (ie, je) = (group_end(a, i), group_end(b, j));
            if ie == i + 1 && je == j + 1 {
                s.matches.push(u64::from(a[i].start) << 32 | i as u64);
                s.partner[i] = j as u32;
            }
            (da, db, shared) = (da + 1, db + 1, shared + 1);
            (i, j) = (ie, je);
        }
    }
    while i < a.len() {
        i = group_end(a, i);
        da += 1;
    }
    while j < b.len() {
        j = group_end(b, j);
        db += 1;
    }
    // Positions increase with text order: this is the text order of `a`.
    s.matches.sort_unstable();
    let mut passages = Vec::new();
    let mut in_passages = 0usize;
    // The open passage and its last anchors in `a` and `b`.
    let mut run: Option<(Passage, Anchor, Anchor)> = None;
    let close = |run: &mut Option<(Passage, Anchor, Anchor)>,
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
        let ia = m as u32 as usize;
        let (x, y) = (a[ia], b[s.partner[ia] as usize]);
        // `b`'s anchors advance when their position does.
        let extends = run.as_ref().is_some_and(|(_, px, py)| {
            let (da, db) = (x.start - px.start, y.start.saturating_sub(py.start));
            y.start > py.start && da <= p.gap && db <= p.gap && da.abs_diff(db) <= p.gap / 8
        });
        if extends {
            let (ps, px, py) = run.as_mut().expect("a run is open");
            ps.a_end = ps.a_end.max(x.end);
            ps.b_end = ps.b_end.max(y.end);
            ps.anchors += 1;
            *px = x;
            *py = y;
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
                x,
                y,
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
        anchors(text, p, &mut AnchorScratch::default(), &mut out);
        out
    }

    fn in_text_order(text: &str, p: &ReprintParams) -> Vec<Anchor> {
        let mut out = anchors_of(text, p);
        out.sort_by_key(|a| a.start);
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
        let a = in_text_order("Hello, World! Again", &p);
        let b = in_text_order("hello\nwor-\nld again", &p);
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

    /// The rolling hash gives what hashing each window from scratch gives, on mixed scripts,
    /// and the anchors come ordered by hash, then position.
    #[test]
    fn rolling_hash_matches_a_direct_hash_of_each_window() {
        let mixed = format!(
            "{} Größe DES Änderungsdienstes — 東京都 İstanbul 1999!",
            story()
        );
        // Repeated 80 times, every anchor's hash is too: ordering falls back to a full sort.
        let repeated = story().repeat(80);
        for (text, p) in [
            (&mixed, all()),
            (&mixed, ReprintParams::default()),
            (&repeated, ReprintParams::default()),
        ] {
            let chars: Vec<(usize, usize, u32)> = text
                .char_indices()
                .filter(|(_, c)| c.is_alphanumeric())
                .map(|(i, c)| {
                    (
                        i,
                        i + c.len_utf8(),
                        c.to_lowercase().next().unwrap_or(c) as u32,
                    )
                })
                .collect();
            let mut expected: Vec<Anchor> = chars
                .windows(p.ngram)
                .filter_map(|w| {
                    let h = w.iter().fold(0u64, |h, &(_, _, c)| {
                        h.wrapping_mul(MUL).wrapping_add(u64::from(c))
                    });
                    let m = mix(h);
                    let bits = p.sample.trailing_zeros();
                    (bits == 0 || m >> (64 - bits) == 0).then_some(Anchor {
                        hash: m as u32,
                        start: w[0].0 as u32,
                        end: w[p.ngram - 1].1 as u32,
                    })
                })
                .collect();
            expected.sort_by_key(|a| (a.hash, a.start));
            assert!(!expected.is_empty());
            assert_eq!(&anchors_of(text, &p), &expected);
        }
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
