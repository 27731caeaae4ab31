//! MinHash signatures straight from raw text, bit-identical to datatrove 0.10.1's
//! `MinhashDedupSignature` for word shingles, plus the band hashes LSH buckets on.
//!
//! A [`Signer`] holds the permutation constants; [`Signer::signature`] does, per document:
//! 1. [`simplify_text`] (datatrove's normal form);
//! 2. shingle units: spaCy English words of the simplified text ([`ShingleKind::Word`]; chunks of
//!    plain letters skip `millstone_text::EnglishTokenizer`, see [`simplified_words`]) or its
//!    Unicode characters ([`ShingleKind::Char`]);
//! 3. one xxh64 (seed 0) per window of `n_grams` units — for words, of the words joined by single
//!    spaces (`" ".join(tokens[i:i+n])`), for characters, of the window's UTF-8 bytes; repeated
//!    windows are kept (they cannot change a minimum);
//! 4. for each of the `bands * rows` hash functions `j`:
//!    `sig[j] = min over shingles s of ((s * a[j] + b[j]) mod 2^64) mod (2^61 - 1)` — datatrove's
//!    numpy `uint64` arithmetic, which wraps before the Mersenne modulus. `a` and `b` are numpy's
//!    `RandomState(seed).randint(1, P, n)` then `.randint(0, P, n)` (reimplemented in `rng`).
//!
//! A text with fewer than `n_grams` units has no signature (datatrove: it is never deduplicated).
//!
//! [`ShingleKind::Char`] has no datatrove counterpart: it is millstone's own option for text where
//! word tokens are a poor unit (scripts written without spaces). Character windows include the
//! spaces of the simplified text.
//!
//! [`band_hashes`] reduces each band of `rows` values to one xxh64 (of their little-endian bytes),
//! so two documents share a bucket when a band hash is equal — datatrove compares the `rows`
//! values themselves; the two differ only on a 64-bit hash collision.
//!
//! The 112 multiply-add-mod-min per shingle run in a loop compiled for AVX-512 or AVX2 when the
//! CPU has them ([`Kernel`], chosen at run time; same bits). `benches/signatures.rs` measures each
//! stage.
//!
//! Not for: bucketing, clustering or anything across documents, and no I/O.

mod kernel;
mod rng;
mod words;
mod xxh;

use std::ops::Range;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh64::{xxh64, Xxh64};

use crate::normalize::{simplify_text, simplify_text_chunks, Chunk};
pub use kernel::Kernel;
use kernel::P;

/// What a shingle is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShingleKind {
    /// spaCy English words of the simplified text (datatrove's shingles).
    Word,
    /// Unicode characters (code points) of the simplified text, spaces included (no datatrove
    /// equivalent).
    Char,
}

/// MinHash parameters. The defaults are datatrove's `MinhashConfig()`: 5-word shingles,
/// 14 bands × 8 rows, seed 1. Missing fields deserialize to their defaults.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct MinHashParams {
    /// Shingle unit.
    pub shingle: ShingleKind,
    /// Units per shingle (datatrove `n_grams`).
    pub n_grams: usize,
    /// LSH bands (datatrove `num_buckets`).
    pub bands: usize,
    /// Signature values per band (datatrove `hashes_per_bucket`).
    pub rows: usize,
    /// Seed of the permutation constants (datatrove `seed`; numpy accepts 0 ..= 2^32 - 1).
    pub seed: u64,
}

impl Default for MinHashParams {
    fn default() -> Self {
        Self {
            shingle: ShingleKind::Word,
            n_grams: 5,
            bands: 14,
            rows: 8,
            seed: 1,
        }
    }
}

/// At most this many hash functions (`bands * rows`): far above any useful setting, low enough
/// that a typo cannot make a signer allocate gigabytes.
pub const MAX_HASHES: usize = 1 << 16;

/// Invalid [`MinHashParams`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("minhash n_grams must be at least 1")]
    ZeroNGrams,
    #[error("minhash bands and rows must be at least 1 (got bands = {bands}, rows = {rows})")]
    ZeroBands { bands: usize, rows: usize },
    #[error(
        "minhash bands * rows must be at most {MAX_HASHES} (got bands = {bands}, rows = {rows})"
    )]
    TooManyHashes { bands: usize, rows: usize },
    #[error("minhash seed must be at most 4294967295, numpy's limit (got {0})")]
    SeedOutOfRange(u64),
}

impl MinHashParams {
    /// `bands * rows` (saturating).
    pub fn num_hashes(&self) -> usize {
        self.bands.saturating_mul(self.rows)
    }

    /// Check the parameters (what [`Signer::try_new`] does).
    pub fn validate(&self) -> Result<(), ParamsError> {
        if self.n_grams == 0 {
            return Err(ParamsError::ZeroNGrams);
        }
        if self.bands == 0 || self.rows == 0 {
            return Err(ParamsError::ZeroBands {
                bands: self.bands,
                rows: self.rows,
            });
        }
        if self.num_hashes() > MAX_HASHES {
            return Err(ParamsError::TooManyHashes {
                bands: self.bands,
                rows: self.rows,
            });
        }
        if u32::try_from(self.seed).is_err() {
            return Err(ParamsError::SeedOutOfRange(self.seed));
        }
        Ok(())
    }
}

/// Computes signatures for one parameter set: holds the `a`/`b` permutation constants. Cheap to
/// share across threads (`&Signer`); each thread keeps its own [`SignScratch`].
#[derive(Clone, Debug)]
pub struct Signer {
    params: MinHashParams,
    /// `bands * rows` constants each; empty when the parameters are invalid.
    a: Vec<u64>,
    b: Vec<u64>,
    kernel: Kernel,
}

/// Reusable per-thread buffers for [`Signer`]: after the first few documents, signing allocates
/// nothing.
#[derive(Default, Debug, Clone)]
pub struct SignScratch {
    simplified: String,
    chunks: Vec<Chunk>,
    tokens: Vec<Range<usize>>,
    shingles: Vec<u64>,
    join: Vec<u8>,
    bounds: Vec<usize>,
}

impl SignScratch {
    /// The simplified text of the last document signed, shingled or split with this scratch.
    pub fn simplified(&self) -> &str {
        &self.simplified
    }

    /// The word byte ranges (into [`SignScratch::simplified`]) of the last document signed or
    /// split with word shingles.
    pub fn words(&self) -> &[Range<usize>] {
        &self.tokens
    }
}

/// datatrove's `word_tokenize(simplify_text(text))` with spaCy English rules: simplify `text`
/// into `scratch` and split it into words, readable with [`SignScratch::simplified`] and
/// [`SignScratch::words`]. (Faster than tokenizing the simplified text with
/// `millstone_text::EnglishTokenizer`, same result: simplified text lets most words skip the
/// tokenizer.)
pub fn simplified_words(text: &str, scratch: &mut SignScratch) {
    simplify_text_chunks(text, &mut scratch.simplified, &mut scratch.chunks);
    scratch.tokens.clear();
    words::words_into(&scratch.simplified, &scratch.chunks, &mut scratch.tokens);
}

impl Signer {
    /// A signer for `params`. Never panics: invalid parameters (see
    /// [`MinHashParams::validate`]) give a signer that signs nothing — check them with
    /// [`Signer::try_new`] or `validate` where the configuration is read.
    pub fn new(params: &MinHashParams) -> Signer {
        Self::try_new(params).unwrap_or_else(|_| Signer {
            params: params.clone(),
            a: Vec::new(),
            b: Vec::new(),
            kernel: Kernel::Portable,
        })
    }

    /// A signer for `params`, or why they are invalid.
    pub fn try_new(params: &MinHashParams) -> Result<Signer, ParamsError> {
        params.validate()?;
        let n = params.num_hashes();
        let seed =
            u32::try_from(params.seed).map_err(|_| ParamsError::SeedOutOfRange(params.seed))?;
        let mut mt = rng::Mt19937::new(seed);
        // datatrove: randint(1, P) then randint(0, P), both dtype uint64, from one RandomState.
        // (The ranges are not empty, so the draws always succeed.)
        let a = mt.randint_closed(1, P - 1, n).unwrap_or_default();
        let b = mt.randint_closed(0, P - 1, n).unwrap_or_default();
        Ok(Signer {
            params: params.clone(),
            a,
            b,
            kernel: Kernel::detect(),
        })
    }

    /// The same signer running `kernel` (if this CPU supports it; else the portable one). Results
    /// do not depend on the kernel; this is for benchmarks and tests.
    pub fn with_kernel(mut self, kernel: Kernel) -> Signer {
        self.kernel = kernel.or_supported();
        self
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The parameters this signer was built with.
    pub fn params(&self) -> &MinHashParams {
        &self.params
    }

    /// The permutation constants `(a, b)`, `bands * rows` each (empty for invalid parameters).
    pub fn constants(&self) -> (&[u64], &[u64]) {
        (&self.a, &self.b)
    }

    /// Signature of `text` (`bands * rows` values) into `out`; `false` (and `out` empty) when the
    /// text has fewer than `n_grams` shingle units — datatrove then writes no signature and never
    /// deduplicates the document.
    pub fn signature(&self, text: &str, scratch: &mut SignScratch, out: &mut Vec<u64>) -> bool {
        let mut shingles = std::mem::take(&mut scratch.shingles);
        self.shingles(text, scratch, &mut shingles);
        let signed = self.signature_of_shingles(&shingles, out);
        scratch.shingles = shingles;
        signed
    }

    /// The shingle hashes of `text` in document order, duplicates included (datatrove's
    /// `get_shingles`), into `out` (cleared). Empty when the text has fewer than `n_grams` units.
    pub fn shingles(&self, text: &str, scratch: &mut SignScratch, out: &mut Vec<u64>) {
        out.clear();
        let n = self.params.n_grams;
        if n == 0 || self.a.is_empty() {
            simplify_text(text, &mut scratch.simplified);
            return;
        }
        match self.params.shingle {
            ShingleKind::Word => {
                simplified_words(text, scratch);
                word_shingles(
                    &scratch.simplified,
                    &scratch.tokens,
                    n,
                    &mut scratch.join,
                    out,
                );
            }
            ShingleKind::Char => {
                simplify_text(text, &mut scratch.simplified);
                char_shingles(&scratch.simplified, n, &mut scratch.bounds, out);
            }
        }
    }

    /// The signature of a set of shingle hashes (datatrove's `get_signature`); `false` and `out`
    /// empty when `shingles` is empty.
    pub fn signature_of_shingles(&self, shingles: &[u64], out: &mut Vec<u64>) -> bool {
        self.sign(shingles, out)
    }

    /// [`Signer::signature_of_shingles`] of 32-bit shingle hashes (reprint anchors): the same
    /// values as for the hashes widened to `u64`, with one multiply fewer per value and hash.
    pub fn signature_of_u32(&self, shingles: &[u32], out: &mut Vec<u64>) -> bool {
        self.sign(shingles, out)
    }

    fn sign<S: kernel::Lane>(&self, shingles: &[S], out: &mut Vec<u64>) -> bool {
        out.clear();
        if shingles.is_empty() || self.a.is_empty() {
            return false;
        }
        out.resize(self.a.len(), u64::MAX);
        kernel::update(self.kernel, shingles, &self.a, &self.b, out);
        true
    }
}

/// xxh64 of each window of `n` words joined by single spaces. Usually the words of a window are
/// separated by exactly one space in the text, and the joined string is a slice of it; otherwise
/// (spaCy split a chunk, as in `cannot` → `can not`, or removed marks left two spaces) it is
/// built in `join`.
fn word_shingles(
    text: &str,
    toks: &[Range<usize>],
    n: usize,
    join: &mut Vec<u8>,
    out: &mut Vec<u64>,
) {
    if n == 0 || toks.len() < n {
        return;
    }
    let bytes = text.as_bytes();
    // Gap k lies between token k and token k + 1.
    let plain = |k: usize| toks[k + 1].start == toks[k].end + 1 && bytes[toks[k].end] == b' ';
    let mut odd_gaps = (0..n - 1).filter(|&k| !plain(k)).count();
    out.reserve(toks.len() + 1 - n);
    for i in 0..=toks.len() - n {
        if i > 0 && n > 1 {
            // The window moved: gap i - 1 left it, gap i + n - 2 entered it.
            odd_gaps -= usize::from(!plain(i - 1));
            odd_gaps += usize::from(!plain(i + n - 2));
        }
        let window = &toks[i..i + n];
        let h = if odd_gaps == 0 {
            xxh::xxh64_at(bytes, window[0].start, window[n - 1].end - window[0].start)
        } else {
            join.clear();
            for (k, t) in window.iter().enumerate() {
                if k > 0 {
                    join.push(b' ');
                }
                join.extend_from_slice(&bytes[t.clone()]);
            }
            // Padding: xxh64_at reads up to 64 bytes from the start.
            let len = join.len();
            join.resize(len + 64, 0);
            xxh::xxh64_at(join, 0, len)
        };
        out.push(h);
    }
}

/// xxh64 of the UTF-8 bytes of each window of `n` characters.
fn char_shingles(text: &str, n: usize, bounds: &mut Vec<usize>, out: &mut Vec<u64>) {
    let bytes = text.as_bytes();
    if text.is_ascii() {
        // Every window has the same length: the plain xxh64's branches are predictable here.
        if bytes.len() >= n {
            out.extend(bytes.windows(n).map(|w| xxh64(w, 0)));
        }
        return;
    }
    bounds.clear();
    bounds.extend(text.char_indices().map(|(i, _)| i));
    bounds.push(text.len());
    // bounds holds chars + 1 offsets.
    if bounds.len() > n {
        out.extend(
            bounds
                .windows(n + 1)
                .map(|w| xxh::xxh64_at(bytes, w[0], w[n] - w[0])),
        );
    }
}

/// One 64-bit hash per band of `rows` consecutive signature values (for LSH bucketing): xxh64
/// (seed 0) of the band's values as little-endian bytes — in Python,
/// `xxhash.xxh64_intdigest(struct.pack(f"<{rows}Q", *band))`. A trailing partial band is ignored;
/// `rows == 0` gives no bands. `out` is cleared first.
pub fn band_hashes(signature: &[u64], rows: usize, out: &mut Vec<u64>) {
    out.clear();
    if rows == 0 {
        return;
    }
    out.extend(signature.chunks_exact(rows).map(|band| {
        let mut h = Xxh64::new(0);
        for v in band {
            h.update(&v.to_le_bytes());
        }
        h.digest()
    }));
}

/// Share of equal positions: the estimated Jaccard similarity of two signatures of the same
/// parameters. Positions beyond the shorter signature count as unequal; two empty signatures
/// give 0.
pub fn estimated_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let len = a.len().max(b.len());
    if len == 0 {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / len as f64
}

#[cfg(test)]
mod tests;
