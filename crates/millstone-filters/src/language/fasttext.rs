//! fastText supervised-model inference: load a `.bin` (dense) or `.ftz` (product-quantized)
//! classifier and predict every label with its probability, as fastText 0.9's Python binding
//! does for `model.predict(text.replace("\n", " "), k=-1)` — what datatrove's `LanguageFilter`
//! calls on `lid.176` and GlotLID.
//!
//! For: classifying text with a fastText model someone else trained (language ID above all).
//! Not for: training, word vectors, or models that are not `supervised`.
//!
//! What is reproduced, and why it matters for matching scores:
//! - tokens are split on the bytes fastText treats as blanks (space, `\t`, `\v`, `\f`, `\r`, `\0`,
//!   and here `\n`, which the caller of the Python binding has to replace by a space); an
//!   end-of-sentence token `</s>` is appended, as the binding's trailing newline adds one (and, as
//!   in fastText, a literal `</s>` in the text ends it: what follows is not read);
//! - tokens starting with `__label__` are ignored, as fastText reads them as labels;
//! - a known word contributes its own row and its character n-grams, an unknown one only its
//!   n-grams (of `<word>`, `minn..=maxn` characters, UTF-8 aware, hashed with fastText's FNV-1a
//!   that sign-extends each byte), then word n-grams (`wordNgrams > 1`) are added;
//! - a quantized model's pruned n-gram table (`pruneidx`) maps bucket ids to rows;
//! - the hidden vector is the mean of those rows, in fastText's order, in `f32`;
//! - hierarchical softmax (lid.176) walks the Huffman tree built from the label counts, pruning
//!   branches below probability 1e-5 (fastText's `threshold = 0`, so rare labels are absent);
//!   softmax and one-vs-all score every label; probabilities are `exp(log(p + 1e-5))`, as fastText
//!   returns them.
//!
//! A model file is untrusted input: every size is checked against the bytes that are actually
//! there before anything is allocated, so a truncated or random file is an [`ModelError`], never a
//! panic or a huge allocation.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

const MAGIC: i32 = 793_712_314;
const MAX_VERSION: i32 = 12;
const EOS: &[u8] = b"</s>";
const LABEL_PREFIX: &[u8] = b"__label__";
/// Product quantizers use 8-bit codes: 256 centroids per sub-quantizer.
const KSUB: usize = 256;
/// Larger than any published fastText model; bounds the per-document scratch a bad header can ask for.
const MAX_DIM: usize = 4096;
const MAX_WORD_NGRAMS: i32 = 64;
/// A quantized input matrix up to this size as `f32` is expanded once at load: adding a dense row
/// is several times cheaper than decoding one, and gives the same floats (`alpha * centroid` is
/// what fastText adds). lid.176.ftz: 50,000 x 16 → 3.2 MB.
const DEQUANTIZE_MAX_BYTES: usize = 64 << 20;

/// A model file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read fastText model {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{name} is not a usable fastText model: {problem} (at byte {offset})")]
    Invalid {
        name: String,
        offset: u64,
        problem: String,
    },
}

/// How the output layer turns the hidden vector into label probabilities (fastText's `loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    HierarchicalSoftmax,
    NegativeSampling,
    Softmax,
    OneVsAll,
}

/// One label's probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Index into [`FastText::labels`].
    pub label: u32,
    pub prob: f32,
}

/// A loaded supervised fastText model.
pub struct FastText {
    dim: usize,
    minn: usize,
    maxn: usize,
    bucket: u32,
    word_ngrams: usize,
    loss: Loss,
    nwords: u32,
    words: WordTable,
    /// Rows each in-vocabulary word contributes (its own, then its n-grams): `subwords[starts[i]..starts[i+1]]`.
    subwords: Vec<u32>,
    subword_starts: Vec<u32>,
    prune: Prune,
    labels: Vec<String>,
    input: Matrix,
    /// The file's input matrix was quantized (it may have been decoded at load).
    quantized_input: bool,
    output: Matrix,
    /// Hierarchical softmax only: children of internal node `osz + i` at `tree[i]`.
    tree: Vec<[u32; 2]>,
    /// Sigmoid lookup table (one-vs-all and negative sampling score labels with it).
    sigmoid_table: Vec<f32>,
}

enum Prune {
    /// Every bucket has a row (`nwords + bucket id`).
    None,
    /// The model kept no n-gram rows at all.
    All,
    /// Quantized with a cutoff: bucket id → row offset after the words.
    Map(FxHashMap<u32, u32>),
}

impl FastText {
    /// Load a model file (`.bin` or `.ftz`), reading it as a stream.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let io = |source| ModelError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut reader = Reader::new(
            std::io::BufReader::with_capacity(1 << 16, file),
            len,
            path.display().to_string(),
        );
        match Self::parse(&mut reader) {
            Err(ParseError::Io(source)) => Err(io(source)),
            Err(ParseError::Invalid(e)) => Err(e),
            Ok(m) => Ok(m),
        }
    }

    /// Load a model held in memory; `name` says where it came from in errors.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self, ModelError> {
        let mut reader = Reader::new(bytes, bytes.len() as u64, name.to_owned());
        match Self::parse(&mut reader) {
            Err(ParseError::Io(source)) => Err(ModelError::Invalid {
                name: name.to_owned(),
                offset: reader.pos,
                problem: source.to_string(),
            }),
            Err(ParseError::Invalid(e)) => Err(e),
            Ok(m) => Ok(m),
        }
    }

    /// Labels as stored in the model, e.g. `__label__en` or `__label__eng_Latn`.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn loss(&self) -> Loss {
        self.loss
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// One line about the model: sizes and kind, for logs and benchmarks.
    pub fn summary(&self) -> String {
        let matrix = |m: &Matrix| match m {
            Matrix::Dense { rows, cols, .. } => format!("{rows}x{cols} dense"),
            Matrix::Quant(q) => format!(
                "{}x{} quantized ({} sub-quantizers{})",
                q.rows,
                q.cols,
                q.pq.nsubq,
                if q.norms.is_some() { ", norms" } else { "" }
            ),
        };
        let pruned = match &self.prune {
            Prune::None => "not pruned".to_owned(),
            Prune::All => "no n-gram rows".to_owned(),
            Prune::Map(m) => format!("{} n-gram rows kept", m.len()),
        };
        format!(
            "{} labels, {:?}, {} words, char n-grams {}..={}, word n-grams {}, {} buckets ({pruned}), input {}{}, output {}",
            self.labels.len(),
            self.loss,
            self.nwords,
            self.minn,
            self.maxn,
            self.word_ngrams,
            self.bucket,
            matrix(&self.input),
            match (&self.input, self.quantized_input) {
                (Matrix::Dense { .. }, true) => " (quantized in the file, decoded at load)",
                _ => "",
            },
            matrix(&self.output)
        )
    }

    /// Every label fastText returns for `text` with `k = -1`, most probable first. `\n` counts as
    /// a space (datatrove replaces it before calling fastText). Empty only when the text gives no
    /// input row at all, which fastText answers with no prediction.
    pub fn predict(&self, text: &str) -> Vec<Prediction> {
        let mut out = Vec::new();
        self.predict_into(text, &mut Scratch::default(), &mut out);
        out
    }

    /// [`FastText::predict`] with reusable buffers.
    pub fn predict_into(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<Prediction>) {
        out.clear();
        scratch.hidden.clear();
        scratch.hidden.resize(self.dim, 0.0);
        scratch.word_hashes.clear();
        let mut rows = 0usize;
        let mut ended = false;
        for token in tokens(text.as_bytes()) {
            rows += self.add_token(token, scratch);
            // fastText stops reading the line at an end-of-sentence token, even a literal `</s>`.
            if token == EOS {
                ended = true;
                break;
            }
        }
        if !ended {
            rows += self.add_token(EOS, scratch);
        }
        if self.word_ngrams > 1 {
            rows += self.add_word_ngrams(scratch);
        }
        if rows == 0 {
            return;
        }
        let scale = (1.0f64 / rows as f64) as f32;
        for h in scratch.hidden.iter_mut() {
            *h *= scale;
        }
        match self.loss {
            Loss::HierarchicalSoftmax => {
                self.predict_tree(&scratch.hidden, &mut scratch.stack, out)
            }
            Loss::Softmax => self.predict_softmax(&scratch.hidden, out),
            Loss::OneVsAll | Loss::NegativeSampling => self.predict_sigmoid(&scratch.hidden, out),
        }
        out.sort_by(|a, b| b.prob.total_cmp(&a.prob));
    }

    /// Add the rows of one token to the hidden sum; returns how many rows were added.
    fn add_token(&self, token: &[u8], s: &mut Scratch) -> usize {
        if token.starts_with(LABEL_PREFIX) {
            return 0;
        }
        let h = fnv1a(token);
        if self.word_ngrams > 1 {
            s.word_hashes.push(h);
        }
        if let Some(id) = self.words.get(token, h) {
            let (a, b) = (
                self.subword_starts[id as usize] as usize,
                self.subword_starts[id as usize + 1] as usize,
            );
            for &row in &self.subwords[a..b] {
                self.input.add_row(&mut s.hidden, row as usize);
            }
            return b - a;
        }
        if token == EOS || self.maxn == 0 {
            return 0;
        }
        s.word.clear();
        s.word.push(b'<');
        s.word.extend_from_slice(token);
        s.word.push(b'>');
        let mut added = 0;
        let Scratch { word, hidden, .. } = s;
        char_ngrams(word, self.minn, self.maxn, |hash| {
            if let Some(row) = self.ngram_row(hash % self.bucket) {
                self.input.add_row(hidden, row);
                added += 1;
            }
        });
        added
    }

    fn add_word_ngrams(&self, s: &mut Scratch) -> usize {
        let hashes = &s.word_hashes;
        let mut added = 0;
        for i in 0..hashes.len() {
            // fastText keeps word hashes as int32 and widens them to uint64 (sign-extending).
            let mut h = hashes[i] as i32 as i64 as u64;
            for &next in hashes.iter().take(i + self.word_ngrams).skip(i + 1) {
                h = h
                    .wrapping_mul(116_049_371)
                    .wrapping_add(next as i32 as i64 as u64);
                if let Some(row) = self.ngram_row((h % self.bucket as u64) as u32) {
                    self.input.add_row(&mut s.hidden, row);
                    added += 1;
                }
            }
        }
        added
    }

    #[inline]
    fn ngram_row(&self, bucket_id: u32) -> Option<usize> {
        let offset = match &self.prune {
            Prune::None => bucket_id,
            Prune::All => return None,
            Prune::Map(map) => *map.get(&bucket_id)?,
        };
        Some(self.nwords as usize + offset as usize)
    }

    fn predict_tree(&self, hidden: &[f32], stack: &mut Vec<(u32, f32)>, out: &mut Vec<Prediction>) {
        let osz = self.labels.len();
        let floor = std_log(0.0);
        stack.clear();
        stack.push(((2 * osz - 2) as u32, 0.0));
        // Depth first, right child popped last so leaves come in fastText's visiting order.
        while let Some((node, score)) = stack.pop() {
            if score < floor {
                continue;
            }
            let node = node as usize;
            if node < osz {
                out.push(Prediction {
                    label: node as u32,
                    prob: score.exp(),
                });
                continue;
            }
            let f = self.output.dot_row(hidden, node - osz);
            let f = (1.0f64 / (1.0f32 + (-f).exp()) as f64) as f32;
            let [left, right] = self.tree[node - osz];
            stack.push((right, score + std_log(f)));
            stack.push((left, score + std_log((1.0f64 - f as f64) as f32)));
        }
    }

    fn predict_softmax(&self, hidden: &[f32], out: &mut Vec<Prediction>) {
        let n = self.labels.len();
        let mut scores: Vec<f32> = (0..n).map(|i| self.output.dot_row(hidden, i)).collect();
        let max = scores.iter().copied().fold(scores[0], f32::max);
        let mut z = 0.0f32;
        for s in scores.iter_mut() {
            *s = (*s - max).exp();
            z += *s;
        }
        for (i, s) in scores.iter().enumerate() {
            out.push(Prediction {
                label: i as u32,
                prob: std_log(s / z).exp(),
            });
        }
    }

    fn predict_sigmoid(&self, hidden: &[f32], out: &mut Vec<Prediction>) {
        for i in 0..self.labels.len() {
            let p = self.sigmoid(self.output.dot_row(hidden, i));
            out.push(Prediction {
                label: i as u32,
                prob: std_log(p).exp(),
            });
        }
    }

    /// fastText's table sigmoid (512 steps over [-8, 8]).
    fn sigmoid(&self, x: f32) -> f32 {
        if x < -8.0 {
            0.0
        } else if x > 8.0 {
            1.0
        } else {
            let i = ((x + 8.0) * 512.0 / 8.0 / 2.0) as usize;
            self.sigmoid_table[i.min(512)]
        }
    }

    fn parse<R: Read>(r: &mut Reader<R>) -> Result<Self, ParseError> {
        let magic = r.i32()?;
        if magic != MAGIC {
            return Err(r.invalid("no fastText signature (wrong magic number)"));
        }
        let version = r.i32()?;
        if !(0..=MAX_VERSION).contains(&version) {
            return Err(r.invalid(format!("unsupported file format version {version}")));
        }
        // Args, in file order.
        let dim = r.i32()?;
        let _ws = r.i32()?;
        let _epoch = r.i32()?;
        let _min_count = r.i32()?;
        let _neg = r.i32()?;
        let word_ngrams = r.i32()?;
        let loss = r.i32()?;
        let model = r.i32()?;
        let bucket = r.i32()?;
        let minn = r.i32()?;
        let mut maxn = r.i32()?;
        let _lr_update_rate = r.i32()?;
        let _t = r.f64()?;
        if model != 3 {
            return Err(r.invalid(format!(
                "model type {model} is not `supervised` (3): word-vector models cannot classify"
            )));
        }
        let loss = match loss {
            1 => Loss::HierarchicalSoftmax,
            2 => Loss::NegativeSampling,
            3 => Loss::Softmax,
            4 => Loss::OneVsAll,
            other => return Err(r.invalid(format!("unknown loss {other}"))),
        };
        if dim <= 0 || dim as usize > MAX_DIM {
            return Err(r.invalid(format!("dimension {dim} out of range 1..={MAX_DIM}")));
        }
        if !(1..=MAX_WORD_NGRAMS).contains(&word_ngrams) {
            return Err(r.invalid(format!("wordNgrams {word_ngrams} out of range")));
        }
        if version == 11 {
            // fastText: supervised models of format 11 did not use character n-grams.
            maxn = 0;
        }
        if minn < 0 || maxn < 0 || bucket < 0 {
            return Err(r.invalid("negative minn, maxn or bucket"));
        }
        if bucket == 0 && (maxn > 0 || word_ngrams > 1) {
            return Err(r.invalid("n-grams are used but bucket is 0"));
        }
        let dim = dim as usize;

        // Dictionary.
        let size = r.i32()?;
        let nwords = r.i32()?;
        let nlabels = r.i32()?;
        let _ntokens = r.i64()?;
        let prune_size = r.i64()?;
        if size < 0 || nwords < 0 || nlabels <= 0 || size as i64 != nwords as i64 + nlabels as i64 {
            return Err(r.invalid(format!(
                "dictionary sizes do not add up (size {size}, words {nwords}, labels {nlabels})"
            )));
        }
        // Each entry is at least 10 bytes (empty word, NUL, count, type).
        r.ensure(size as u64 * 10, "dictionary")?;
        let mut arena = Vec::new();
        let mut word_ends = Vec::with_capacity(nwords as usize);
        let mut labels = Vec::with_capacity(nlabels as usize);
        let mut label_counts = Vec::with_capacity(nlabels as usize);
        for i in 0..size {
            let start = arena.len();
            r.until_nul(&mut arena)?;
            let count = r.i64()?;
            let kind = r.u8()?;
            let want = if i < nwords { 0 } else { 1 };
            if kind != want {
                return Err(r.invalid(format!(
                    "dictionary entry {i} has type {kind}, expected {want} (words, then labels)"
                )));
            }
            if i < nwords {
                word_ends.push(arena.len());
            } else {
                labels.push(String::from_utf8_lossy(&arena[start..]).into_owned());
                label_counts.push(count);
                arena.truncate(start);
            }
        }
        let prune = if prune_size < 0 {
            Prune::None
        } else if prune_size == 0 {
            Prune::All
        } else {
            r.ensure(prune_size as u64 * 8, "pruned n-gram index")?;
            let mut map = FxHashMap::default();
            map.reserve(prune_size as usize);
            for _ in 0..prune_size {
                let from = r.i32()?;
                let to = r.i32()?;
                if from < 0 || to < 0 {
                    return Err(r.invalid("negative entry in the pruned n-gram index"));
                }
                map.insert(from as u32, to as u32);
            }
            Prune::Map(map)
        };

        let quant_input = r.bool()?;
        let input = Matrix::read(r, quant_input, "input matrix")?;
        if !quant_input && !matches!(prune, Prune::None) {
            return Err(r.invalid("a pruned dictionary needs a quantized input matrix"));
        }
        let qout = r.bool()?;
        let output = Matrix::read(r, quant_input && qout, "output matrix")?;

        if input.cols() != dim || output.cols() != dim {
            return Err(r.invalid(format!(
                "matrix widths {}/{} differ from dim {dim}",
                input.cols(),
                output.cols()
            )));
        }
        if output.rows() != nlabels as usize {
            return Err(r.invalid(format!(
                "output matrix has {} rows for {nlabels} labels",
                output.rows()
            )));
        }
        let ngram_rows = input.rows().checked_sub(nwords as usize).ok_or_else(|| {
            r.invalid(format!(
                "input matrix has {} rows for {nwords} words",
                input.rows()
            ))
        })?;
        let needs_rows = match &prune {
            Prune::None if maxn > 0 || word_ngrams > 1 => bucket as usize,
            Prune::Map(map) => map.values().max().map_or(0, |&v| v as usize + 1),
            _ => 0,
        };
        if ngram_rows < needs_rows {
            return Err(r.invalid(format!(
                "input matrix has {ngram_rows} n-gram rows, the n-gram index needs {needs_rows}"
            )));
        }

        let mut m = FastText {
            dim,
            minn: minn as usize,
            maxn: maxn as usize,
            bucket: bucket as u32,
            word_ngrams: word_ngrams as usize,
            loss,
            nwords: nwords as u32,
            words: WordTable::default(),
            subwords: Vec::new(),
            subword_starts: Vec::with_capacity(nwords as usize + 1),
            prune,
            labels,
            input,
            quantized_input: quant_input,
            output,
            tree: Vec::new(),
            sigmoid_table: Vec::new(),
        };
        m.input = m.input.dequantized(DEQUANTIZE_MAX_BYTES);
        m.words = WordTable::new(arena, word_ends);
        m.init_subwords();
        match m.loss {
            Loss::HierarchicalSoftmax => m.tree = huffman_tree(&label_counts),
            Loss::OneVsAll | Loss::NegativeSampling => {
                m.sigmoid_table = (0..=512)
                    .map(|i| {
                        let x = (i * 16) as f32 / 512.0 - 8.0;
                        (1.0 / (1.0 + (-x).exp() as f64)) as f32
                    })
                    .collect();
            }
            Loss::Softmax => {}
        }
        Ok(m)
    }

    /// fastText's `initNgrams`: each word's row, then its character n-grams.
    fn init_subwords(&mut self) {
        let mut word = Vec::new();
        self.subword_starts.clear();
        self.subword_starts.push(0);
        let mut subwords = Vec::new();
        for id in 0..self.nwords {
            subwords.push(id);
            let w = self.words.word(id);
            if w != EOS && self.maxn > 0 {
                word.clear();
                word.push(b'<');
                word.extend_from_slice(w);
                word.push(b'>');
                char_ngrams(&word, self.minn, self.maxn, |hash| {
                    if let Some(row) = self.ngram_row(hash % self.bucket) {
                        subwords.push(row as u32);
                    }
                });
            }
            self.subword_starts.push(subwords.len() as u32);
        }
        self.subwords = subwords;
    }
}

/// Buffers [`FastText::predict_into`] reuses between calls.
#[derive(Default)]
pub struct Scratch {
    hidden: Vec<f32>,
    word: Vec<u8>,
    word_hashes: Vec<u32>,
    stack: Vec<(u32, f32)>,
}

/// fastText's `std_log`: `log(x + 1e-5)`, computed in double and stored as float.
#[inline]
fn std_log(x: f32) -> f32 {
    (x as f64 + 1e-5).ln() as f32
}

/// fastText's FNV-1a: each byte is sign-extended first (its models were trained that way).
#[inline]
fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for &b in bytes {
        h = (h ^ (b as i8 as u32)).wrapping_mul(16_777_619);
    }
    h
}

/// Hashes of the character n-grams of `word` (already wrapped in `<` `>`), `minn..=maxn`
/// characters long, in fastText's order; single characters at either end are skipped.
#[inline]
fn char_ngrams(word: &[u8], minn: usize, maxn: usize, mut emit: impl FnMut(u32)) {
    let len = word.len();
    for i in 0..len {
        if word[i] & 0xC0 == 0x80 {
            continue;
        }
        let mut h: u32 = 2_166_136_261;
        let mut j = i;
        let mut n = 1;
        while j < len && n <= maxn {
            h = (h ^ (word[j] as i8 as u32)).wrapping_mul(16_777_619);
            j += 1;
            while j < len && word[j] & 0xC0 == 0x80 {
                h = (h ^ (word[j] as i8 as u32)).wrapping_mul(16_777_619);
                j += 1;
            }
            if n >= minn && !(n == 1 && (i == 0 || j == len)) {
                emit(h);
            }
            n += 1;
        }
    }
}

/// fastText's blanks; `\n` included because the text is one line for fastText (see module docs).
#[inline]
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c | 0)
}

fn tokens(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| is_blank(b)).filter(|t| !t.is_empty())
}

/// fastText's Huffman tree over label counts (sorted by decreasing count in the dictionary).
/// Internal node `osz + i` is `tree[i] = [left, right]`; the root is the last one.
fn huffman_tree(counts: &[i64]) -> Vec<[u32; 2]> {
    let osz = counts.len();
    let mut count: Vec<i64> = counts.to_vec();
    count.resize(2 * osz - 1, 1_000_000_000_000_000);
    let mut tree = Vec::with_capacity(osz.saturating_sub(1));
    let mut leaf = osz as isize - 1;
    let mut node = osz;
    for i in osz..2 * osz - 1 {
        let mut pick = [0usize; 2];
        for p in pick.iter_mut() {
            // `node < i`: only nodes built so far can be picked (fastText would read an unbuilt
            // one if a hostile file gave counts of 1e15 or more).
            if leaf >= 0 && (node >= i || count[leaf as usize] < count[node]) {
                *p = leaf as usize;
                leaf -= 1;
            } else {
                *p = node;
                node += 1;
            }
        }
        count[i] = count[pick[0]].saturating_add(count[pick[1]]);
        tree.push([pick[0] as u32, pick[1] as u32]);
    }
    tree
}

/// Vocabulary lookup keyed by the fastText hash already computed for each token.
#[derive(Default)]
struct WordTable {
    arena: Vec<u8>,
    ends: Vec<usize>,
    /// Open addressing: word id + 1, 0 = empty.
    slots: Vec<u32>,
    mask: usize,
}

impl WordTable {
    fn new(arena: Vec<u8>, ends: Vec<usize>) -> Self {
        let cap = (ends.len() * 2).next_power_of_two().max(16);
        let mut t = WordTable {
            arena,
            ends,
            slots: vec![0; cap],
            mask: cap - 1,
        };
        for id in 0..t.ends.len() as u32 {
            let w = t.word(id);
            if t.get(w, fnv1a(w)).is_some() {
                continue; // a repeated entry: the first one wins, as in fastText's lookup
            }
            let mut slot = fnv1a(w) as usize & t.mask;
            while t.slots[slot] != 0 {
                slot = (slot + 1) & t.mask;
            }
            t.slots[slot] = id + 1;
        }
        t
    }

    fn word(&self, id: u32) -> &[u8] {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.arena[start..self.ends[id]]
    }

    #[inline]
    fn get(&self, w: &[u8], h: u32) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mut slot = h as usize & self.mask;
        loop {
            let v = self.slots[slot];
            if v == 0 {
                return None;
            }
            if self.word(v - 1) == w {
                return Some(v - 1);
            }
            slot = (slot + 1) & self.mask;
        }
    }
}

enum Matrix {
    Dense {
        rows: usize,
        cols: usize,
        data: Vec<f32>,
    },
    Quant(Box<QuantMatrix>),
}

struct QuantMatrix {
    rows: usize,
    cols: usize,
    codes: Vec<u8>,
    pq: ProductQuantizer,
    /// Per-row norm code and the one-dimensional quantizer of norms (`qnorm`).
    norms: Option<(Vec<u8>, ProductQuantizer)>,
}

struct ProductQuantizer {
    nsubq: usize,
    dsub: usize,
    lastdsub: usize,
    centroids: Vec<f32>,
}

impl ProductQuantizer {
    fn read<R: Read>(r: &mut Reader<R>, cols: usize, what: &str) -> Result<Self, ParseError> {
        let dim = r.i32()?;
        let nsubq = r.i32()?;
        let dsub = r.i32()?;
        let lastdsub = r.i32()?;
        let consistent = dim as i64 == cols as i64
            && dsub > 0
            && nsubq > 0
            && lastdsub > 0
            && lastdsub <= dsub
            && (nsubq as i64 - 1) * dsub as i64 + lastdsub as i64 == dim as i64;
        if !consistent {
            return Err(r.invalid(format!(
                "{what}: quantizer shape dim {dim}, {nsubq} sub-quantizers of {dsub} (last {lastdsub}) does not fit {cols} columns"
            )));
        }
        let centroids = r.f32s(cols * KSUB, what)?;
        Ok(ProductQuantizer {
            nsubq: nsubq as usize,
            dsub: dsub as usize,
            lastdsub: lastdsub as usize,
            centroids,
        })
    }

    #[inline]
    fn centroid(&self, m: usize, code: u8) -> &[f32] {
        if m == self.nsubq - 1 {
            let start = m * KSUB * self.dsub + code as usize * self.lastdsub;
            &self.centroids[start..start + self.lastdsub]
        } else {
            let start = (m * KSUB + code as usize) * self.dsub;
            &self.centroids[start..start + self.dsub]
        }
    }
}

impl QuantMatrix {
    #[inline]
    fn norm(&self, row: usize) -> f32 {
        match &self.norms {
            Some((codes, npq)) => npq.centroid(0, codes[row])[0],
            None => 1.0,
        }
    }
}

impl Matrix {
    fn read<R: Read>(r: &mut Reader<R>, quantized: bool, what: &str) -> Result<Self, ParseError> {
        if !quantized {
            let rows = r.i64()?;
            let cols = r.i64()?;
            let (rows, cols) = r.shape(rows, cols, what)?;
            let data = r.f32s(rows * cols, what)?;
            return Ok(Matrix::Dense { rows, cols, data });
        }
        let qnorm = r.bool()?;
        let rows = r.i64()?;
        let cols = r.i64()?;
        let (rows, cols) = r.shape(rows, cols, what)?;
        let codesize = r.i32()?;
        let codes = r.bytes(codesize.max(0) as usize, what)?;
        let pq = ProductQuantizer::read(r, cols, what)?;
        if codesize < 0 || codesize as usize != rows * pq.nsubq {
            return Err(r.invalid(format!(
                "{what}: {codesize} code bytes for {rows} rows of {} sub-quantizers",
                pq.nsubq
            )));
        }
        let norms = if qnorm {
            let norm_codes = r.bytes(rows, what)?;
            let npq = ProductQuantizer::read(r, 1, what)?;
            Some((norm_codes, npq))
        } else {
            None
        };
        Ok(Matrix::Quant(Box::new(QuantMatrix {
            rows,
            cols,
            codes,
            pq,
            norms,
        })))
    }

    /// The same matrix with every row decoded, if it is quantized and fits in `max_bytes`.
    fn dequantized(self, max_bytes: usize) -> Matrix {
        match self {
            Matrix::Quant(q) if q.rows.saturating_mul(q.cols).saturating_mul(4) <= max_bytes => {
                let (rows, cols) = (q.rows, q.cols);
                let quant = Matrix::Quant(q);
                let mut data = vec![0.0f32; rows * cols];
                for (row, out) in data.chunks_exact_mut(cols).enumerate() {
                    quant.add_row(out, row);
                }
                Matrix::Dense { rows, cols, data }
            }
            other => other,
        }
    }

    fn rows(&self) -> usize {
        match self {
            Matrix::Dense { rows, .. } => *rows,
            Matrix::Quant(q) => q.rows,
        }
    }

    fn cols(&self) -> usize {
        match self {
            Matrix::Dense { cols, .. } => *cols,
            Matrix::Quant(q) => q.cols,
        }
    }

    /// `x += row` (fastText's `addRowToVector`, same operation order).
    #[inline]
    fn add_row(&self, x: &mut [f32], row: usize) {
        match self {
            Matrix::Dense { cols, data, .. } => {
                let r = &data[row * cols..(row + 1) * cols];
                for (xi, ri) in x.iter_mut().zip(r) {
                    *xi += *ri;
                }
            }
            Matrix::Quant(q) => {
                let alpha = q.norm(row);
                let pq = &q.pq;
                let code = &q.codes[row * pq.nsubq..(row + 1) * pq.nsubq];
                for (m, (&c, xs)) in code.iter().zip(x.chunks_mut(pq.dsub)).enumerate() {
                    for (xi, ci) in xs.iter_mut().zip(pq.centroid(m, c)) {
                        *xi += alpha * *ci;
                    }
                }
            }
        }
    }

    /// `x · row` (fastText's `dotRow`).
    #[inline]
    fn dot_row(&self, x: &[f32], row: usize) -> f32 {
        match self {
            Matrix::Dense { cols, data, .. } => {
                let r = &data[row * cols..(row + 1) * cols];
                let mut d = 0.0f32;
                for (xi, ri) in x.iter().zip(r) {
                    d += *ri * *xi;
                }
                d
            }
            Matrix::Quant(q) => {
                let alpha = q.norm(row);
                let pq = &q.pq;
                let code = &q.codes[row * pq.nsubq..(row + 1) * pq.nsubq];
                let mut d = 0.0f32;
                for (m, (&c, xs)) in code.iter().zip(x.chunks(pq.dsub)).enumerate() {
                    for (xi, ci) in xs.iter().zip(pq.centroid(m, c)) {
                        d += *xi * *ci;
                    }
                }
                d * alpha
            }
        }
    }
}

enum ParseError {
    Io(std::io::Error),
    Invalid(ModelError),
}

impl From<std::io::Error> for ParseError {
    fn from(e: std::io::Error) -> Self {
        ParseError::Io(e)
    }
}

/// A byte reader that knows how many bytes the model has, so sizes are checked before allocating.
struct Reader<R> {
    inner: R,
    pos: u64,
    len: u64,
    name: String,
}

impl<R: Read> Reader<R> {
    fn new(inner: R, len: u64, name: String) -> Self {
        Reader {
            inner,
            pos: 0,
            len,
            name,
        }
    }

    fn invalid(&self, problem: impl Into<String>) -> ParseError {
        ParseError::Invalid(ModelError::Invalid {
            name: self.name.clone(),
            offset: self.pos,
            problem: problem.into(),
        })
    }

    /// Fail unless at least `n` more bytes are there.
    fn ensure(&self, n: u64, what: &str) -> Result<(), ParseError> {
        let left = self.len.saturating_sub(self.pos);
        if n > left {
            return Err(self.invalid(format!(
                "truncated: {what} needs {n} bytes, {left} left (file is {} bytes)",
                self.len
            )));
        }
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), ParseError> {
        self.ensure(buf.len() as u64, what)?;
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.pos += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                Err(self.invalid(format!("truncated while reading {what}")))
            }
            Err(e) => Err(ParseError::Io(e)),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ParseError> {
        let mut b = [0u8; N];
        self.fill(&mut b, "the header")?;
        Ok(b)
    }

    fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.array::<1>()?[0])
    }

    fn bool(&mut self) -> Result<bool, ParseError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.invalid(format!("flag byte {other} is neither 0 nor 1"))),
        }
    }

    fn i32(&mut self) -> Result<i32, ParseError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, ParseError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn f64(&mut self) -> Result<f64, ParseError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// Append bytes up to (not including) the next NUL.
    fn until_nul(&mut self, out: &mut Vec<u8>) -> Result<(), ParseError> {
        loop {
            let b = self.u8()?;
            if b == 0 {
                return Ok(());
            }
            out.push(b);
        }
    }

    fn bytes(&mut self, n: usize, what: &str) -> Result<Vec<u8>, ParseError> {
        self.ensure(n as u64, what)?;
        let mut v = vec![0u8; n];
        self.fill(&mut v, what)?;
        Ok(v)
    }

    fn f32s(&mut self, n: usize, what: &str) -> Result<Vec<f32>, ParseError> {
        self.ensure(n as u64 * 4, what)?;
        let mut out = Vec::with_capacity(n);
        let mut buf = [0u8; 1 << 14];
        let mut left = n * 4;
        while left > 0 {
            let chunk = left.min(buf.len());
            self.fill(&mut buf[..chunk], what)?;
            out.extend(
                buf[..chunk]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            left -= chunk;
        }
        Ok(out)
    }

    /// A matrix shape that is non-negative and, for a dense matrix, fits in the file.
    fn shape(&self, rows: i64, cols: i64, what: &str) -> Result<(usize, usize), ParseError> {
        if rows < 0 || cols <= 0 || cols as usize > MAX_DIM {
            return Err(self.invalid(format!("{what}: impossible shape {rows} x {cols}")));
        }
        // Even a quantized row costs at least one byte of code.
        self.ensure(rows as u64, what)?;
        Ok((rows as usize, cols as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_sign_extends_bytes() {
        // "é" is C3 A9: both bytes are >= 0x80 and are sign-extended before the xor.
        let mut h: u32 = 2_166_136_261;
        for b in [0xC3u8, 0xA9] {
            h ^= 0xFFFF_FF00 | b as u32;
            h = h.wrapping_mul(16_777_619);
        }
        assert_eq!(fnv1a("é".as_bytes()), h);
        assert_eq!(fnv1a(b""), 2_166_136_261);
    }

    #[test]
    fn char_ngrams_follow_fasttext() {
        let mut seen = Vec::new();
        let word = "<aé>".as_bytes();
        char_ngrams(word, 1, 3, |h| seen.push(h));
        // i=0 "<": n=1 skipped (first char), "<a", "<aé"; i="a": "a", "aé", "aé>";
        // i="é": "é", "é>"; i=">": n=1 skipped (last char).
        let want: Vec<u32> = ["<a", "<aé", "a", "aé", "aé>", "é", "é>"]
            .iter()
            .map(|s| fnv1a(s.as_bytes()))
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn tokens_split_on_fasttext_blanks_only() {
        let t: Vec<&[u8]> = tokens("a\tb\u{a0}c\n\nd\0e\x0bf ".as_bytes()).collect();
        assert_eq!(
            t,
            vec![
                b"a" as &[u8],
                "b\u{a0}c".as_bytes(),
                b"d" as &[u8],
                b"e",
                b"f"
            ]
        );
    }

    #[test]
    fn huffman_tree_pairs_smallest_first() {
        // counts 5, 3, 1: leaves 2 and 1 join first (node 3), then node 3 (4) and leaf 0 (5).
        let tree = huffman_tree(&[5, 3, 1]);
        assert_eq!(tree, vec![[2, 1], [3, 0]]);
        assert!(huffman_tree(&[7]).is_empty());
    }

    fn lid176() -> &'static [u8] {
        include_bytes!("../../assets/lid.176.ftz")
    }

    /// A small deterministic generator for the damaged-file tests.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn the_embedded_model_is_lid176() {
        let m = FastText::from_bytes(lid176(), "lid").unwrap();
        assert_eq!(m.labels().len(), 176);
        assert_eq!(m.labels()[0], "__label__en");
        assert_eq!(m.loss(), Loss::HierarchicalSoftmax);
        assert_eq!(m.dim(), 16);
        let p = m.predict("Bonjour tout le monde, comment allez-vous aujourd'hui ?");
        assert_eq!(m.labels()[p[0].label as usize], "__label__fr");
        assert!(p.windows(2).all(|w| w[0].prob >= w[1].prob));
    }

    #[test]
    fn truncated_model_is_an_error_naming_it() {
        let bytes = lid176();
        let mut cuts: Vec<usize> = (0..200).collect();
        cuts.extend((1..64).map(|i| bytes.len() * i / 64));
        cuts.push(bytes.len() - 1);
        for cut in cuts {
            let err = FastText::from_bytes(&bytes[..cut], "cut.ftz").err();
            let err = err.unwrap_or_else(|| panic!("a model cut at {cut} bytes loaded"));
            assert!(err.to_string().contains("cut.ftz"), "{err}");
        }
    }

    #[test]
    fn random_bytes_are_an_error() {
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for len in [1usize, 7, 64, 1000, 100_000] {
            let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut state) as u8).collect();
            assert!(FastText::from_bytes(&bytes, "random").is_err());
            // Random bytes behind a valid signature and version.
            let mut signed = Vec::from(&lid176()[..8]);
            signed.extend_from_slice(&bytes);
            assert!(FastText::from_bytes(&signed, "random").is_err());
        }
    }

    #[test]
    fn damaged_header_never_panics() {
        // Change each byte of the header and dictionary start: load fails cleanly or the model
        // still predicts without panicking.
        let mut bytes = lid176().to_vec();
        let mut state = 42;
        for i in 0..160 {
            let keep = bytes[i];
            for _ in 0..3 {
                bytes[i] = xorshift(&mut state) as u8;
                if let Ok(m) = FastText::from_bytes(&bytes, "damaged") {
                    m.predict("some text to classify, und noch etwas");
                    m.predict("");
                }
            }
            bytes[i] = keep;
        }
    }

    #[test]
    fn garbage_is_an_error() {
        for bytes in [&b""[..], b"\x00\x01", b"not a model at all, just text"] {
            let err = FastText::from_bytes(bytes, "garbage").err().unwrap();
            assert!(err.to_string().contains("garbage"), "{err}");
        }
    }
}
