//! `dedup`: drop whole documents that duplicate an earlier (or better) one — exact (same
//! normalised text) or near-duplicate (MinHash-LSH) — and write the clusters.
//!
//! The counting pass computes each document's bucket keys (and MinHash signature), clusters them
//! ([`crate::cluster`]) and picks a survivor per cluster; with `verify`, each connected
//! component is split into stars whose members all have estimated Jaccard ≥ `threshold` to their
//! survivor (a chain A~B~C does not drop C as a copy of an A it does not resemble); `process` then only looks up its
//! document's decision. Kept members of a cluster get `millstone.cluster` and
//! `millstone.cluster_size`; removed ones are dropped with reason `duplicate` and get
//! `millstone.cluster`, `millstone.duplicate_of` (the survivor's id) and `millstone.similarity`
//! (estimated Jaccard to the survivor). `clusters.jsonl` in the output folder lists every cluster
//! of ≥ 2 documents: its members' ids and, when the input has them (`url_field`, default `url`),
//! their URLs in `urls` (same order; `null` for a member without one or from a saved index).
//!
//! With `against = "DIR"` the documents of a saved index take part as earlier documents that
//! always survive (they were published already): a new document that duplicates one of them is
//! dropped with `duplicate_of` naming it. `save_index = "DIR"` writes the kept documents (plus the
//! `against` index, if any) as a new index — an updated index is always written to a new folder,
//! so a resumed run still compares against the index it started with.
//!
//! Memory per document during the run: its id, 8 bytes per band, and 4 bytes per signature value
//! (MinHash: 112 + 448 = 560 bytes + id with the defaults; exact: 8 bytes + id).
//!
//! `memory_limit` (default half the physical memory) bounds that: when the entries pass it, the
//! pass spills ([`crate::spill`]). Documents are then numbered in arrival order; per document
//! only its key (8 bytes, in fixed 512 KiB chunks, so no doubling) and one bit (has band keys)
//! stay in memory; its id goes to an id file (bytes + an end-offset table), its `(band key,
//! document key)` pairs to a buffer that is sorted and written as a run whenever it holds what
//! the keys leave of the limit (at least an eighth of it), and its signature (plus, for
//! `save_index`, its band keys; for `survivor = longest|quality`, its length or quality) to a
//! slot file, record number = arrival number. `finish` sorts the keys and an arrival-number
//! permutation (12 bytes per document, exactly sized), merges each band's runs into buckets in
//! `(key, document)` order — the order the in-memory sort gives — with a union-find parent per
//! document (4 bytes; the parents become the roots in place), numbers the clusters with one
//! more 4-byte array, frees both, then allocates the per-document cluster number and
//! similarity (4 + 4 bytes): at most 20 bytes per document at any point of `finish`, 16 during
//! the output pass (key, cluster, similarity), plus per clustered document its place in its
//! cluster (4–8 bytes) and per cluster ~50 bytes and its survivor's id (read back so that
//! `process` names it without a file). Signatures are read back only for the pairs it
//! verifies, ids only for `clusters.jsonl`, survivors and the saved index, so decisions,
//! `clusters.jsonl` and saved indexes are the same bytes as in memory. Not per document and not
//! in the 20 bytes: the run buffer (sized to the limit), merge buffers (≤ 64 × 1 MiB), file
//! buffers, the executor's read batches and output writers.
//!
//! An `against` index is loaded whole (and counted against the limit) when it takes at most half
//! the limit; otherwise it stays on disk ([`IndexFiles`]) and the pass spills from its first
//! document: each band of its `bands.bin` is a sorted run read alongside the merged runs, its
//! signatures and ids are read by position, and `save_index` copies its ids and signatures and
//! merges its bands with runs of the kept documents' keys. Per indexed document only the
//! union-find parent (4 bytes) and the cluster numbering (4) while clustering.
//!
//! `method = "reprints"` ([`crate::reprint`]) signs sampled character n-gram anchors instead of
//! word shingles and verifies candidates by exact anchor overlap and aligned passages; each
//! document's anchors are kept with its entry (spilled: appended to an anchors file, read back by
//! arrival number for verified pairs), and `clusters.jsonl` gets each member's containment,
//! aligned share and passages. No `against`/`save_index` (an index holds no anchors).
//! `keep_all` (any method) keeps every document, with the same attributes and clusters.
//!
//! Not for: removing repeated paragraphs inside kept documents (`paragraph_dedup`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{CorpusPass, Document, Map, Stage, StageOptions, StageStats, Value, Verdict};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::cluster::{self, ClusterOptions, Members, Survivor};
use crate::index::{Index, IndexFiles};
use crate::minhash::{band_hashes, MinHashParams, ShingleKind, SignScratch, Signer};
use crate::normalize::simplify_text;
use crate::reprint::{self, Anchor, AnchorScratch, CompareScratch, Comparison, ReprintParams};
use crate::spill::{self, Chunked, IdFile, RunSet, SlotFile, SpillError};
use crate::ConfigError;

pub const NAME: &str = "dedup";
/// Reprint defaults (chosen on the tune part of the reprint set, bench/dedup/README.md).
pub const REPRINT_BANDS: usize = 25;
pub const REPRINT_ROWS: usize = 4;

pub const SUMMARY: &str = "drop exact or near-duplicate documents (MinHash-LSH), keep one per cluster, write clusters.jsonl; optional saved index";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Same text after normalisation (`simplify_text` unless `normalize = false`).
    Exact,
    /// MinHash-LSH near-duplicates.
    Minhash,
    /// Reprints: noisy, edited, truncated or excerpted copies of one text ([`crate::reprint`]):
    /// LSH candidates from sampled character n-grams, verified by exact anchor overlap,
    /// containment and aligned passages.
    Reprints,
}

/// Options. MinHash defaults are datatrove's `MinhashConfig` (word 5-grams of the normalised
/// text, 14 bands × 8 rows, seed 1, 64-bit hashes). `bands`, `rows`, `threshold` and
/// `survivor` left out take the method's default (reprints: [`REPRINT_BANDS`] ×
/// [`REPRINT_ROWS`], survivor `longest`; `threshold` does not apply, see `reprints`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub method: Method,
    pub shingle: ShingleKind,
    pub n_grams: usize,
    pub bands: Option<usize>,
    pub rows: Option<usize>,
    pub seed: u64,
    /// Check candidate pairs' estimated Jaccard against `threshold` before joining them.
    pub verify: bool,
    pub threshold: Option<f64>,
    /// Anchors compared per LSH bucket (see `cluster.rs`).
    pub max_anchors: usize,
    /// Which member of a cluster stays.
    pub survivor: Option<Survivor>,
    /// `method = "reprints"`: anchors and verification ([`ReprintParams`]).
    pub reprints: ReprintParams,
    /// Drop nothing: clusters and attributes are written, every document is kept.
    pub keep_all: bool,
    /// Numeric field read for `survivor = "quality"`.
    pub quality_field: Option<String>,
    /// The field whose value `clusters.jsonl` lists beside each member's id (not set: `url`,
    /// without a warning when documents lack it).
    pub url_field: Option<String>,
    /// Exact method only: compare normalised text (`false`: the raw text).
    pub normalize: bool,
    /// Write `clusters.jsonl` into the output folder.
    pub clusters: bool,
    /// Dedup against this saved index (its documents always survive).
    pub against: Option<PathBuf>,
    /// Write the kept documents (plus the `against` index) as an index to this folder.
    pub save_index: Option<PathBuf>,
    /// Memory budget of the pass (`"4G"`, `"256M"`, `"unlimited"`); default: half the physical
    /// memory. Past it, band entries and signatures go to `spill_dir` (see the module docs).
    pub memory_limit: Option<String>,
    /// Where spill files go (a fresh subfolder, removed after the run); default: the system
    /// temporary folder (`TMPDIR`).
    pub spill_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        let p = MinHashParams::default();
        Config {
            method: Method::Minhash,
            shingle: p.shingle,
            n_grams: p.n_grams,
            bands: None,
            rows: None,
            seed: p.seed,
            verify: true,
            threshold: None,
            max_anchors: 8,
            survivor: None,
            reprints: ReprintParams::default(),
            keep_all: false,
            quality_field: None,
            url_field: None,
            normalize: true,
            clusters: true,
            against: None,
            save_index: None,
            memory_limit: None,
            spill_dir: None,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new("method", T::Choice(&["exact", "minhash", "reprints"]), "exact: same normalised text; minhash: near-duplicates by MinHash-LSH; reprints: edited, noisy, truncated or excerpted copies"),
        Opt::new("shingle", T::Choice(&["word", "char"]), "shingles of spaCy words or of characters"),
        Opt::new("n_grams", T::Integer, "shingle size").range(Range::at_least(1.0)),
        Opt::new("bands", T::Integer, "LSH bands (bands x rows <= 1024)").range(Range::between(1.0, 1024.0)),
        Opt::new("rows", T::Integer, "hashes per band").range(Range::between(1.0, 1024.0)),
        Opt::new("seed", T::Integer, "seed of the hash permutations (datatrove: 1)").range(Range::at_least(0.0)),
        Opt::new("verify", T::Bool, "join a candidate pair only if its estimated Jaccard reaches threshold"),
        Opt::new("threshold", T::Number, "minimum estimated Jaccard of a verified pair").range(Range::FRACTION),
        Opt::new("max_anchors", T::Integer, "anchors compared per LSH bucket").range(Range::at_least(1.0)),
        Opt::new("survivor", T::Choice(&["first", "longest", "quality"]), "which member of a cluster stays (reprints: longest)"),
        Opt::new("reprints", T::Table, "method = \"reprints\": ngram, sample, min_estimate, min_similarity, min_aligned, gap, min_run"),
        Opt::new("keep_all", T::Bool, "drop nothing: write clusters and attributes, keep every document"),
        Opt::new("quality_field", T::String, "numeric field (a dotted path reaches nested objects) maximised by survivor = \"quality\"; not set: none"),
        Opt::new("url_field", T::String, "field listed beside each member in clusters.jsonl's urls (a dotted path reaches nested objects); not set: url, if documents have it"),
        Opt::new("normalize", T::Bool, "exact: compare simplify_text(text), not the raw text"),
        Opt::new("clusters", T::Bool, "write clusters.jsonl"),
        Opt::new("against", T::Path, "dedup against this saved index (its documents always survive)"),
        Opt::new("save_index", T::Path, "save the kept documents as an index in this new folder"),
        Opt::new("memory_limit", T::Size, "memory budget (\"4G\", \"unlimited\"); past half of it the pass spills to disk; not set: half the physical memory"),
        Opt::new("spill_dir", T::Path, "where spill files go; not set: $TMPDIR"),
    ];
}

/// The `dedup` stage from a pipeline file's `[[stage]]` table (without `type`), as the
/// registry builds it.
pub fn from_toml(options: &toml::Table) -> Result<Box<dyn Stage>, ConfigError> {
    millstone_core::config::build_stage_as::<Config, _>(NAME, toml::Value::Table(options.clone()))
}

impl millstone_core::StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        Ok(Box::new(Config::build(self)?))
    }
}

impl Config {
    pub fn build(self) -> Result<Dedup, ConfigError> {
        let invalid = |m: &str| ConfigError::invalid(NAME, m);
        if self.method == Method::Reprints {
            self.reprints.validate().map_err(|m| invalid(&m))?;
            if self.threshold.is_some() {
                return Err(invalid(
                    "`threshold` does not apply to `method = \"reprints\"` (see `reprints.min_similarity` and `reprints.min_aligned`)",
                ));
            }
            if self.against.is_some() || self.save_index.is_some() {
                return Err(invalid(
                    "`against` and `save_index` are not available with `method = \"reprints\"` (a saved index holds no anchors)",
                ));
            }
        }
        if self.method != Method::Exact {
            if self.n_grams == 0 || self.bands() == 0 || self.rows() == 0 {
                return Err(invalid("`n_grams`, `bands` and `rows` must be at least 1"));
            }
            if self.bands() * self.rows() > 1024 {
                return Err(invalid("`bands` × `rows` must be at most 1024"));
            }
        }
        if !(0.0..=1.0).contains(&self.threshold()) {
            return Err(invalid("`threshold` must be between 0 and 1"));
        }
        if self.survivor() == Survivor::Quality && self.quality_field.is_none() {
            return Err(invalid("`survivor = \"quality\"` needs `quality_field`"));
        }
        if self.against.is_some() && self.against == self.save_index {
            return Err(invalid(
                "`save_index` must be a new folder, not the `against` index (a resumed run must still see the old index)",
            ));
        }
        let limit = match &self.memory_limit {
            Some(s) => spill::parse_limit(s).map_err(|e| ConfigError::invalid(NAME, e))?,
            None => spill::default_limit(),
        };
        let signer = (self.method != Method::Exact).then(|| Signer::new(&self.params()));
        // An index that would take more than half the limit in memory stays on disk and is
        // read by position; the new corpus then spills from its first document.
        let against = match &self.against {
            Some(dir) => {
                let files =
                    IndexFiles::open(dir, &self.method_json(), self.key_count(), self.width())
                        .map_err(|e| ConfigError::invalid(NAME, e.to_string()))?;
                let bytes = usize::try_from(files.loaded_bytes()).unwrap_or(usize::MAX);
                if limit.is_some_and(|l| bytes > usize::try_from(l / 2).unwrap_or(usize::MAX)) {
                    Against::Files(files)
                } else {
                    let index = files
                        .load()
                        .map_err(|e| ConfigError::invalid(NAME, e.to_string()))?;
                    Against::Memory(index, bytes)
                }
            }
            None => Against::Memory(Index::default(), 0),
        };
        Ok(Dedup {
            config: self,
            signer,
            against,
            limit: limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
            store: Mutex::new(Store::Memory {
                entries: Vec::new(),
                bytes: 0,
            }),
            state: OnceLock::new(),
            failure: Mutex::new(None),
            spilled: Mutex::new(None),
            recording: AtomicBool::new(false),
            recorded: Mutex::new(HashMap::new()),
        })
    }

    pub fn bands(&self) -> usize {
        self.bands.unwrap_or(match self.method {
            Method::Reprints => REPRINT_BANDS,
            _ => MinHashParams::default().bands,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows.unwrap_or(match self.method {
            Method::Reprints => REPRINT_ROWS,
            _ => MinHashParams::default().rows,
        })
    }

    /// Reprints: candidates are joined when [`Dedup::reprint_score`] is 1.
    pub fn threshold(&self) -> f64 {
        match self.method {
            Method::Reprints => 0.5,
            _ => self.threshold.unwrap_or(0.7),
        }
    }

    pub fn survivor(&self) -> Survivor {
        self.survivor.unwrap_or(match self.method {
            // The longest copy is the most complete: excerpts and truncations resemble it.
            Method::Reprints => Survivor::Longest,
            _ => Survivor::First,
        })
    }

    fn params(&self) -> MinHashParams {
        MinHashParams {
            shingle: self.shingle,
            n_grams: self.n_grams,
            bands: self.bands(),
            rows: self.rows(),
            seed: self.seed,
        }
    }

    /// Bucket keys per document.
    pub(crate) fn key_count(&self) -> usize {
        match self.method {
            Method::Exact => 1,
            Method::Minhash | Method::Reprints => self.bands(),
        }
    }

    /// Stored signature values per document.
    pub(crate) fn width(&self) -> usize {
        match self.method {
            Method::Exact => 0,
            Method::Minhash | Method::Reprints => self.bands() * self.rows(),
        }
    }

    /// What makes two runs' keys comparable (stored in saved indexes).
    pub(crate) fn method_json(&self) -> Value {
        match self.method {
            Method::Exact => serde_json::json!({"method": "exact", "normalize": self.normalize}),
            Method::Minhash => serde_json::json!({
                "method": "minhash",
                "shingle": self.shingle,
                "n_grams": self.n_grams,
                "bands": self.bands(),
                "rows": self.rows(),
                "seed": self.seed,
            }),
            Method::Reprints => serde_json::json!({
                "method": "reprints",
                "ngram": self.reprints.ngram,
                "sample": self.reprints.sample,
                "bands": self.bands(),
                "rows": self.rows(),
                "seed": self.seed,
            }),
        }
    }
}

/// One document as the counting pass saw it.
pub(crate) struct Entry {
    key: u64,
    id: String,
    /// The document's URL (`url_field`), empty when it has none.
    pub(crate) url: String,
    pub(crate) len: u64,
    pub(crate) quality: f64,
    /// Empty when the document takes no part (too short for a signature, or empty).
    pub(crate) buckets: Vec<u64>,
    pub(crate) signature: Vec<u32>,
    /// Reprints only: the sampled n-grams and where they are.
    anchors: Vec<Anchor>,
}

impl Entry {
    /// Bytes this entry holds in memory besides its place in the entries' vector.
    fn bytes(&self) -> usize {
        self.id.capacity()
            + self.url.capacity()
            + self.buckets.capacity() * 8
            + self.signature.capacity() * 4
            + self.anchors.capacity() * std::mem::size_of::<Anchor>()
    }
}

/// What the counting pass holds: everything in memory until the memory limit, then spilled.
enum Store {
    Memory {
        entries: Vec<Entry>,
        bytes: usize,
    },
    Spilled(Box<Spilled>),
    /// Spilling failed; `finish` reports it.
    Failed(SpillError),
}

/// The counting pass past the memory limit. Documents are numbered in arrival order; document
/// `a`'s slot record and id are number `a` of the slot and id files. In memory per document:
/// its key (8 bytes, in fixed chunks) and one bit (has band keys); its `(band key, document
/// key)` pairs go to sorted runs, its signature (and, for `save_index`, its band keys; for
/// `survivor = longest|quality`, its length or quality) to the slot file, its id to the id file.
struct Spilled {
    dir: tempfile::TempDir,
    keys: Chunked,
    /// Bit `a`: document `a` has band keys (takes part in clustering).
    signed: Vec<u64>,
    runs: RunSet,
    /// Records per band the run buffer holds before it is written (see `spill_entry`).
    run_records: usize,
    slots: SlotFile,
    ids: IdFile,
    /// Each document's URL (record number = arrival number; empty: none).
    urls: IdFile,
    /// Reprints: each document's anchors (record number = arrival number).
    anchors: Option<IdFile>,
    /// One slot record (see [`Dedup::record_len`]).
    record: Vec<u8>,
}

impl Spilled {
    /// Bytes the per-document state holds.
    fn resident_bytes(&self) -> usize {
        self.keys.bytes() + self.signed.capacity() * 8
    }
}

/// What the output steps still need from a spilled pass: freed by `write_outputs`.
struct SpillTail {
    dir: tempfile::TempDir,
    slots: SlotFile,
    ids: IdFile,
    urls: IdFile,
    /// Per new document (in key order): its arrival number (slot and id number).
    arrival: Vec<u32>,
}

/// Runs merged at once: open files and read buffers while merging.
const FAN_IN: usize = 64;
/// The smallest run (records), so that a tiny limit still makes progress.
const MIN_RUN_RECORDS: usize = 64;

/// What `process` needs, computed once by `finish`.
struct State {
    /// Document keys in input order (binary-searched by `process`).
    keys: Vec<u64>,
    /// Per new document: its cluster number, or `NONE`.
    cluster_of: Vec<u32>,
    /// Per new document in a cluster: estimated similarity to the survivor.
    similarity: Vec<f32>,
    clusters: Vec<cluster::Cluster>,
    /// In memory: ids of all documents, the index's first, then the new ones. Spilled: empty
    /// (ids are read from the id file), and `survivor_ids` holds each cluster's survivor id.
    ids: Vec<String>,
    /// Spilled: the survivors' ids concatenated, and where each cluster's ends.
    survivor_ids: Option<(String, Vec<u64>)>,
    /// In memory: the new documents' URLs (empty: none), in `ids` order after the index's.
    /// Spilled: empty (read from the URL file).
    urls: Vec<String>,
    /// Documents numbered below this come from the `against` index.
    n_old: u32,
    /// Kept new documents' index records, for `save_index` (empty when spilled: then the
    /// records are read back from the slot file, at `kept_slots`).
    kept_keys: Vec<u64>,
    kept_signatures: Vec<u32>,
    kept_slots: Vec<u32>,
    /// Kept new documents' numbers (indices into `ids`), for `save_index`.
    kept_docs: Vec<u32>,
    candidates: u64,
    rejected: u64,
    /// Reprints: per cluster, per member (in `members` order) its comparison with the
    /// survivor (`None` for the survivor itself). Empty for the other methods.
    reprints: Vec<Vec<Option<Comparison>>>,
}

const NONE: u32 = u32::MAX;

/// The `against` index: loaded whole (with its size in bytes), or on disk.
enum Against {
    Memory(Index, usize),
    Files(IndexFiles),
}

impl Against {
    fn len(&self) -> usize {
        match self {
            Against::Memory(i, _) => i.len(),
            Against::Files(f) => f.len(),
        }
    }

    fn id(&self, d: usize) -> Result<std::borrow::Cow<'_, str>, SpillError> {
        Ok(match self {
            Against::Memory(i, _) => i.ids[d].as_str().into(),
            Against::Files(f) => f.id(d)?.into(),
        })
    }

    fn memory(&self) -> &Index {
        match self {
            Against::Memory(i, _) => i,
            Against::Files(_) => unreachable!("an index on disk makes the pass spill"),
        }
    }
}

pub struct Dedup {
    pub(crate) config: Config,
    signer: Option<Signer>,
    against: Against,
    /// Memory budget in bytes (`None`: unlimited).
    limit: Option<usize>,
    store: Mutex<Store>,
    state: OnceLock<State>,
    /// Why `finish` could not compute the state (reported by `write_outputs`).
    failure: Mutex<Option<SpillError>>,
    /// The spill folder, slot and id files, kept until `write_outputs` has written
    /// `clusters.jsonl` and saved the index.
    spilled: Mutex<Option<SpillTail>>,
    /// Reprints, while clusters are split into stars: every pair verified as a reprint is
    /// recorded with its comparison, `(member, centre)` → what `compare(member, centre)` gave,
    /// so that `reprint_details` need not compare a star's members with their centre again.
    recording: AtomicBool,
    recorded: Mutex<HashMap<(u32, u32), Comparison>>,
}

/// Per-thread buffers of the reprint method.
#[derive(Default)]
struct ReprintScratch {
    sample: AnchorScratch,
    anchors: Vec<Anchor>,
    hashes: Vec<u32>,
    signature: Vec<u64>,
    bands: Vec<u64>,
    /// The two documents being compared, and bytes read from a spill file.
    left: Vec<Anchor>,
    right: Vec<Anchor>,
    bytes: Vec<u8>,
    compare: CompareScratch,
}

thread_local! {
    static REPRINT_SCRATCH: RefCell<ReprintScratch> = RefCell::default();
    static SCRATCH: RefCell<(SignScratch, String, Vec<u64>, Vec<u64>)> = RefCell::default();
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Dedup {
    pub(crate) fn entry(&self, doc: &Document) -> Entry {
        let mut e = Entry {
            key: doc.source.ordinal(),
            id: doc.id.clone(),
            url: doc
                .field(self.config.url_field.as_deref().unwrap_or("url"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            len: doc.text().chars().count() as u64,
            quality: self
                .config
                .quality_field
                .as_ref()
                .and_then(|f| doc.field(f))
                .and_then(Value::as_f64)
                .unwrap_or(f64::NEG_INFINITY),
            buckets: Vec::new(),
            signature: Vec::new(),
            anchors: Vec::new(),
        };
        if self.config.method == Method::Reprints {
            self.reprint_entry(doc.text(), &mut e);
            return e;
        }
        SCRATCH.with_borrow_mut(|(scratch, norm, sig, bands)| match &self.signer {
            None => {
                let text = if self.config.normalize {
                    simplify_text(doc.text(), norm);
                    norm.as_str()
                } else {
                    doc.text()
                };
                if !text.trim().is_empty() {
                    e.buckets.push(xxh3_64(text.as_bytes()));
                }
            }
            Some(signer) => {
                if signer.signature(doc.text(), scratch, sig) {
                    band_hashes(sig, self.config.rows(), bands);
                    e.buckets.extend_from_slice(bands);
                    e.signature.extend(sig.iter().map(|&v| v as u32));
                }
            }
        });
        e
    }

    /// Anchors, and the signature and band keys of their hashes; a text with fewer anchors
    /// than a passage needs takes no part.
    fn reprint_entry(&self, text: &str, e: &mut Entry) {
        let signer = self.signer.as_ref().expect("reprints sign");
        REPRINT_SCRATCH.with_borrow_mut(|r| {
            reprint::anchors(text, &self.config.reprints, &mut r.sample, &mut r.anchors);
            if r.anchors.len() < self.config.reprints.min_run {
                return;
            }
            r.hashes.clear();
            r.hashes.extend(r.anchors.iter().map(|a| a.hash));
            if signer.signature_of_u32(&r.hashes, &mut r.signature) {
                band_hashes(&r.signature, self.config.rows(), &mut r.bands);
                e.buckets.extend_from_slice(&r.bands);
                e.signature.extend(r.signature.iter().map(|&v| v as u32));
                e.anchors.extend_from_slice(&r.anchors);
            }
        });
    }

    /// Whether two candidates `pair` (signatures agreeing on `estimate`, compared by `compare`,
    /// which gets the thread's buffers and the reprint options) are reprints of each other: 1.0
    /// or 0.0, against the reprints' threshold of 0.5. Pairs whose signatures agree on less than
    /// `min_estimate` are rejected without comparing anchors.
    fn reprint_score(
        &self,
        pair: (u32, u32),
        estimate: f64,
        compare: impl FnOnce(&mut ReprintScratch, &ReprintParams) -> Comparison,
    ) -> f64 {
        if estimate < self.config.reprints.min_estimate {
            return 0.0;
        }
        REPRINT_SCRATCH.with_borrow_mut(|r| {
            let c = compare(r, &self.config.reprints);
            let reprint = c.is_reprint(&self.config.reprints);
            if reprint && self.recording.load(Ordering::Relaxed) {
                lock(&self.recorded).insert(pair, c);
            }
            if reprint {
                1.0
            } else {
                0.0
            }
        })
    }

    fn state(&self) -> &State {
        self.state
            .get()
            .expect("the executor runs the dedup counting pass before processing")
    }

    /// Bytes of a slot record: `width` × u32 signature, then with `save_index` `bands` × u64
    /// band keys, then with `survivor = longest|quality` the length (u64) or quality (f64).
    fn record_len(&self) -> usize {
        self.survivor_at() + self.survivor_bytes()
    }

    /// Where the length or quality starts in a slot record.
    fn survivor_at(&self) -> usize {
        let keys = if self.config.save_index.is_some() {
            self.config.key_count() * 8
        } else {
            0
        };
        self.config.width() * 4 + keys
    }

    fn survivor_bytes(&self) -> usize {
        match self.config.survivor() {
            Survivor::First => 0,
            Survivor::Longest | Survivor::Quality => 8,
        }
    }

    fn push(&self, store: &mut Store, e: Entry) -> Result<(), SpillError> {
        match store {
            Store::Failed(_) => Ok(()),
            Store::Spilled(sp) => self.spill_entry(sp, e),
            Store::Memory { entries, bytes } => {
                *bytes += e.bytes();
                entries.push(e);
                let held = *bytes + entries.capacity() * std::mem::size_of::<Entry>();
                // Half the limit: the entries' memory, once freed, is not reliably given back to
                // the system (small allocations in several allocator arenas), so the spilled
                // state gets the other half.
                let (on_disk, index_bytes) = match &self.against {
                    Against::Files(_) => (true, 0),
                    Against::Memory(_, bytes) => (false, *bytes),
                };
                if on_disk
                    || self
                        .limit
                        .is_some_and(|limit| held + index_bytes > limit / 2)
                {
                    let entries = std::mem::take(entries);
                    let mut sp = self.start_spill()?;
                    for e in entries {
                        self.spill_entry(&mut sp, e)?;
                    }
                    *store = Store::Spilled(Box::new(sp));
                }
                Ok(())
            }
        }
    }

    fn start_spill(&self) -> Result<Spilled, SpillError> {
        let parent = self
            .config
            .spill_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        let dir_err = |source| SpillError::Dir {
            path: parent.clone(),
            source,
        };
        std::fs::create_dir_all(&parent).map_err(dir_err)?;
        let dir = tempfile::Builder::new()
            .prefix("millstone-dedup-spill-")
            .tempdir_in(&parent)
            .map_err(dir_err)?;
        let limit = self.limit.unwrap_or(usize::MAX);
        let read_buffer = (limit / (2 * FAN_IN)).clamp(4096, 1 << 20);
        let runs = RunSet::new(dir.path(), self.config.key_count(), read_buffer, FAN_IN);
        let slots = SlotFile::create(&dir.path().join("slots.bin"), self.record_len())?;
        let ids = IdFile::create(dir.path())?;
        let urls = IdFile::create_named(dir.path(), "urls")?;
        let anchors = match self.config.method {
            Method::Reprints => Some(IdFile::create_named(dir.path(), "anchors")?),
            _ => None,
        };
        Ok(Spilled {
            dir,
            keys: Chunked::default(),
            signed: Vec::new(),
            runs,
            run_records: 0,
            slots,
            ids,
            urls,
            anchors,
            record: Vec::with_capacity(self.record_len()),
        })
    }

    fn spill_entry(&self, sp: &mut Spilled, e: Entry) -> Result<(), SpillError> {
        if sp.runs.buffered_bytes() >= sp.run_records * self.config.key_count() * spill::RECORD {
            sp.runs.spill()?;
            // The band buffer gets what the residents leave of half the limit (the other half
            // went to the in-memory entries, see `push`), but at least an eighth of it, so a corpus whose residents alone pass the limit still spills in
            // sizeable runs. Sized once per run: a vector doubling would overshoot the limit.
            let residents = sp.resident_bytes();
            let limit = self.limit.unwrap_or(usize::MAX);
            let room = (limit / 2)
                .saturating_sub(residents)
                .max(limit / 8)
                .max(MIN_RUN_RECORDS * spill::RECORD);
            sp.run_records = sp.runs.fit(room);
        }
        let arrival = sp.keys.len();
        sp.record.clear();
        if e.buckets.is_empty() {
            // Never read: the record only keeps slot numbers equal to arrival numbers.
            sp.record.resize(self.survivor_at(), 0);
        } else {
            for (band, &k) in e.buckets.iter().enumerate() {
                sp.runs.push(band, k, e.key);
            }
            sp.record
                .extend(e.signature.iter().flat_map(|v| v.to_le_bytes()));
            if self.config.save_index.is_some() {
                sp.record
                    .extend(e.buckets.iter().flat_map(|k| k.to_le_bytes()));
            }
            if sp.signed.len() <= arrival / 64 {
                sp.signed.resize(arrival / 64 + 1, 0);
            }
            sp.signed[arrival / 64] |= 1 << (arrival % 64);
        }
        match self.config.survivor() {
            Survivor::First => {}
            Survivor::Longest => sp.record.extend(e.len.to_le_bytes()),
            Survivor::Quality => sp.record.extend(e.quality.to_le_bytes()),
        }
        if !sp.record.is_empty() {
            let slot = sp.slots.append(&sp.record)?;
            debug_assert_eq!(slot, arrival as u64);
        }
        sp.ids.append(&e.id)?;
        sp.urls.append(&e.url)?;
        if let Some(file) = &mut sp.anchors {
            sp.record.clear();
            e.anchors.iter().for_each(|a| a.to_bytes(&mut sp.record));
            file.append_bytes(&sp.record)?;
        }
        assert!(arrival < NONE as usize, "fewer than 2^32 - 1 documents");
        sp.keys.push(e.key);
        Ok(())
    }

    fn cluster_options(&self) -> ClusterOptions {
        self.config.cluster_options()
    }

    /// Clusters with survivors, split into stars with verification; per new document its
    /// cluster (or `NONE`) and similarity to its survivor. `root` is freed before the
    /// per-document results are allocated.
    fn decide(
        &self,
        root: Vec<u32>,
        n_new: usize,
        similarity: &dyn Fn(u32, u32) -> f64,
        len: impl Fn(u32) -> u64,
        quality: impl Fn(u32) -> f64,
    ) -> (Vec<cluster::Cluster>, Vec<u32>, Vec<f32>) {
        let n_old = self.against.len() as u32;
        let clusters = cluster::clusters(
            &root,
            self.config.survivor(),
            |d| if d < n_old { 0 } else { len(d - n_old) },
            |d| {
                if d < n_old {
                    f64::INFINITY
                } else {
                    quality(d - n_old)
                }
            },
            |d| d < n_old,
        );
        drop(root);
        // With verification every member must also resemble its survivor (see `split_stars`).
        let clusters = if self.cluster_options().verify {
            let reprints = self.config.method == Method::Reprints;
            self.recording.store(reprints, Ordering::Relaxed);
            let stars = cluster::split_stars(clusters, similarity, self.config.threshold());
            self.recording.store(false, Ordering::Relaxed);
            stars
        } else {
            clusters
        };
        let mut cluster_of = vec![NONE; n_new];
        let mut sim = vec![1.0f32; n_new];
        for (c, cl) in clusters.iter().enumerate() {
            for &m in &cl.members {
                if m >= n_old {
                    cluster_of[(m - n_old) as usize] = c as u32;
                    // Reprints: set by `reprint_details`.
                    sim[(m - n_old) as usize] = if self.config.method != Method::Minhash {
                        1.0
                    } else {
                        similarity(m, cl.survivor) as f32
                    };
                }
            }
        }
        (clusters, cluster_of, sim)
    }

    /// Reprints: each cluster member's comparison with its survivor (`load(doc, out)` gives a
    /// document's anchors); `sim` gets each member's exact anchor Jaccard. Clusters are
    /// compared in parallel. Empty for the other methods.
    fn reprint_details(
        &self,
        clusters: &[cluster::Cluster],
        sim: &mut [f32],
        load: impl Fn(u32, &mut Vec<Anchor>) -> Result<(), SpillError> + Sync,
    ) -> Result<Vec<Vec<Option<Comparison>>>, SpillError> {
        if self.config.method != Method::Reprints {
            return Ok(Vec::new());
        }
        let p = &self.config.reprints;
        // What splitting the clusters into stars compared already (each member with its
        // centre, the survivor).
        let recorded = std::mem::take(&mut *lock(&self.recorded));
        let details: Vec<Vec<Option<Comparison>>> = clusters
            .par_iter()
            .map(|cl| {
                let (mut centre, mut other) = (Vec::new(), Vec::new());
                let mut loaded = false;
                let mut scratch = CompareScratch::default();
                cl.members
                    .iter()
                    .map(|&m| {
                        if m == cl.survivor {
                            return Ok(None);
                        }
                        if let Some(c) = recorded.get(&(m, cl.survivor)) {
                            return Ok(Some(c.clone()));
                        }
                        if !loaded {
                            load(cl.survivor, &mut centre)?;
                            loaded = true;
                        }
                        load(m, &mut other)?;
                        Ok(Some(reprint::compare(&other, &centre, p, &mut scratch)))
                    })
                    .collect()
            })
            .collect::<Result<_, SpillError>>()?;
        for (cl, d) in clusters.iter().zip(&details) {
            for (&m, c) in cl.members.iter().zip(d) {
                if let Some(c) = c {
                    sim[m as usize] = c.similarity as f32;
                }
            }
        }
        Ok(details)
    }

    /// New documents that stay and have bucket keys: what a saved index gets.
    fn kept_for_index(
        &self,
        clusters: &[cluster::Cluster],
        cluster_of: &[u32],
        has_keys: impl Fn(usize) -> bool,
    ) -> Vec<usize> {
        if self.config.save_index.is_none() {
            return Vec::new();
        }
        let n_old = self.against.len() as u32;
        (0..cluster_of.len())
            .filter(|&i| {
                let c = cluster_of[i];
                let kept = c == NONE || clusters[c as usize].survivor == i as u32 + n_old;
                kept && has_keys(i)
            })
            .collect()
    }

    fn finish_in_memory(&self, mut entries: Vec<Entry>) -> State {
        entries.sort_unstable_by_key(|e| e.key);
        let exact = self.config.method == Method::Exact;
        let members = Combined {
            old: self.against.memory(),
            new: &entries,
            bands: self.config.key_count(),
            width: self.config.width(),
            exact,
            reprints: (self.config.method == Method::Reprints).then_some(self),
        };
        let mut found = cluster::cluster(&members, &self.cluster_options());
        let n_old = self.against.len() as u32;
        let (clusters, cluster_of, mut sim) = self.decide(
            std::mem::take(&mut found.root),
            entries.len(),
            &|a, b| members.similarity(a, b),
            |i| entries[i as usize].len,
            |i| entries[i as usize].quality,
        );
        // Reprints only: no `against` index, so document numbers are entry numbers.
        let reprints = self
            .reprint_details(&clusters, &mut sim, |d, out| {
                out.clear();
                out.extend_from_slice(&entries[d as usize].anchors);
                Ok(())
            })
            .expect("anchors in memory cannot fail to load");
        // The kept documents' records, for a saved index.
        let kept = self.kept_for_index(&clusters, &cluster_of, |i| !entries[i].buckets.is_empty());
        let mut kept_keys = Vec::with_capacity(kept.len() * self.config.key_count());
        let mut kept_signatures = Vec::with_capacity(kept.len() * self.config.width());
        for &i in &kept {
            kept_keys.extend_from_slice(&entries[i].buckets);
            kept_signatures.extend_from_slice(&entries[i].signature);
        }
        let kept_docs = kept.iter().map(|&i| i as u32 + n_old).collect();
        let keys = entries.iter().map(|e| e.key).collect();
        // The entries are done with: move their ids instead of copying them (one per document).
        let ids = self
            .against
            .memory()
            .ids
            .iter()
            .cloned()
            .chain(entries.iter_mut().map(|e| std::mem::take(&mut e.id)))
            .collect();
        let urls = entries
            .iter_mut()
            .map(|e| std::mem::take(&mut e.url))
            .collect();
        State {
            keys,
            cluster_of,
            similarity: sim,
            clusters,
            ids,
            survivor_ids: None,
            urls,
            n_old,
            kept_keys,
            kept_signatures,
            kept_slots: Vec::new(),
            kept_docs,
            candidates: found.candidates,
            rejected: found.rejected,
            reprints,
        }
    }

    /// The same decisions as [`Dedup::finish_in_memory`] from spilled data: per band, the
    /// `against` index's keys (sorted in memory) and the merged runs give the buckets in
    /// `(key, document)` order, which is all [`cluster::Joiner`] needs to reach the same result.
    fn finish_spilled(&self, sp: Spilled) -> Result<State, SpillError> {
        let Spilled {
            dir,
            keys,
            signed,
            mut runs,
            mut slots,
            mut ids,
            mut urls,
            mut anchors,
            ..
        } = sp;
        runs.spill()?;
        runs.free_buffer();
        slots.finish_writes()?;
        ids.finish_writes()?;
        urls.finish_writes()?;
        if let Some(file) = &mut anchors {
            file.finish_writes()?;
        }
        let n_old = self.against.len();
        // Keys in document order and, per document, its arrival number: 12 bytes each, both
        // sized exactly.
        let mut keys = keys.into_vec();
        let n_new = keys.len();
        let mut arrival: Vec<u32> = (0..n_new as u32).collect();
        arrival.par_sort_unstable_by_key(|&a| keys[a as usize]);
        keys.par_sort_unstable();
        let has_keys = |i: usize| {
            let a = arrival[i] as usize;
            signed.get(a / 64).is_some_and(|w| w & (1 << (a % 64)) != 0)
        };
        let doc_slots = &arrival;
        let read_error: RefCell<Option<SpillError>> = RefCell::new(None);
        let survivor_at = self.survivor_at();
        let read_survivor = |i: u32| -> [u8; 8] {
            let mut b = [0u8; 8];
            if let Err(e) = slots.read(u64::from(doc_slots[i as usize]), survivor_at, &mut b) {
                read_error.borrow_mut().get_or_insert(e);
            }
            b
        };
        let width = self.config.width();
        let buffers = RefCell::new((vec![0u8; width * 4], vec![0u8; width * 4]));
        let load = |doc: u32, out: &mut [u8]| {
            let d = doc as usize;
            if d < n_old {
                match &self.against {
                    Against::Memory(index, _) => {
                        for (o, v) in out
                            .chunks_exact_mut(4)
                            .zip(&index.signatures[d * width..(d + 1) * width])
                        {
                            o.copy_from_slice(&v.to_le_bytes());
                        }
                    }
                    Against::Files(f) => {
                        if let Err(e) = f.signature(d, out) {
                            read_error.borrow_mut().get_or_insert(e.into());
                        }
                    }
                }
            } else if let Err(e) = slots.read(u64::from(doc_slots[d - n_old]), 0, out) {
                read_error.borrow_mut().get_or_insert(e);
            }
        };
        let similarity = |a: u32, b: u32| -> f64 {
            if width == 0 {
                return 1.0;
            }
            let (x, y) = &mut *buffers.borrow_mut();
            load(a, x);
            load(b, y);
            let equal = x
                .chunks_exact(4)
                .zip(y.chunks_exact(4))
                .filter(|(p, q)| p == q)
                .count();
            let estimate = equal as f64 / width as f64;
            match &anchors {
                None => estimate,
                // Reprints have no `against` index: document numbers are new documents'.
                Some(file) => self.reprint_score((a, b), estimate, |r, p| {
                    for (d, out) in [(a, &mut r.left), (b, &mut r.right)] {
                        if let Err(e) =
                            file.read_bytes(u64::from(doc_slots[d as usize]), &mut r.bytes)
                        {
                            read_error.borrow_mut().get_or_insert(e);
                        }
                        Anchor::from_bytes(&r.bytes, out);
                    }
                    reprint::compare(&r.left, &r.right, p, &mut r.compare)
                }),
            }
        };

        let bands = self.config.key_count();
        let mut joiner = cluster::Joiner::new(n_old + n_new, self.cluster_options());
        let doc_of = |key: u64| {
            (n_old
                + keys
                    .binary_search(&key)
                    .expect("every run record is a document's")) as u32
        };
        // A bucket's members as read: `Ok(old document)` or `Err(new document's key)`.
        let mut bucket: Vec<Result<u32, u64>> = Vec::new();
        let mut old_band: Vec<(u64, u64)> = Vec::new();
        for band in 0..bands {
            // The index's band in `(key, document)` order: sorted in memory, or its sorted
            // section of `bands.bin`.
            let mut old = match &self.against {
                Against::Memory(index, _) => {
                    old_band.clear();
                    old_band.extend((0..n_old).map(|d| (index.keys[d * bands + band], d as u64)));
                    old_band.sort_unstable();
                    OldBand::Memory(old_band.iter())
                }
                Against::Files(f) => {
                    let (path, offset, len) = f.band(band);
                    let reader = spill::RunReader::section(path, offset, len, 1 << 20)?;
                    OldBand::File(reader, path.to_owned())
                }
            };
            let mut next_old = old.next(n_old)?;
            let mut merge = runs.merge(band)?;
            let mut new = merge.next()?;
            let mut current = None;
            loop {
                // The index's documents come before new ones with the same key.
                let (key, member) = match (next_old, new) {
                    (Some((ko, d)), Some((kn, _))) if ko <= kn => {
                        next_old = old.next(n_old)?;
                        (ko, Ok(d))
                    }
                    (Some((ko, d)), None) => {
                        next_old = old.next(n_old)?;
                        (ko, Ok(d))
                    }
                    (_, Some((kn, tag))) => {
                        new = merge.next()?;
                        (kn, Err(tag))
                    }
                    (None, None) => break,
                };
                if current != Some(key) {
                    if bucket.len() > 1 {
                        joiner.bucket(bucket.iter().map(|m| m.unwrap_or_else(doc_of)), &similarity);
                    }
                    bucket.clear();
                    current = Some(key);
                }
                bucket.push(member);
            }
            if bucket.len() > 1 {
                joiner.bucket(bucket.iter().map(|m| m.unwrap_or_else(doc_of)), &similarity);
            }
            bucket.clear();
        }
        let cluster::Clustering {
            root,
            candidates,
            rejected,
        } = joiner.finish();
        drop(runs);
        let (clusters, cluster_of, mut sim) = self.decide(
            root,
            n_new,
            &similarity,
            |i| u64::from_le_bytes(read_survivor(i)),
            |i| f64::from_le_bytes(read_survivor(i)),
        );
        if let Some(e) = read_error.borrow_mut().take() {
            return Err(e);
        }
        let reprints = self.reprint_details(&clusters, &mut sim, |d, out| {
            let file = anchors.as_ref().expect("reprints spill their anchors");
            let mut bytes = Vec::new();
            file.read_bytes(u64::from(arrival[d as usize]), &mut bytes)?;
            Anchor::from_bytes(&bytes, out);
            Ok(())
        })?;
        drop(anchors);
        // The output pass names each dropped document's survivor: those ids (one per cluster)
        // are read now, so that `process` reads no file.
        let mut survivor_text = String::new();
        let mut survivor_ends = Vec::with_capacity(clusters.len());
        for cl in &clusters {
            let s = cl.survivor as usize;
            if s < n_old {
                survivor_text.push_str(&self.against.id(s)?);
            } else {
                survivor_text.push_str(&ids.read(u64::from(arrival[s - n_old]))?);
            }
            survivor_ends.push(survivor_text.len() as u64);
        }
        if let Some(e) = read_error.into_inner() {
            return Err(e);
        }
        let kept = self.kept_for_index(&clusters, &cluster_of, has_keys);
        let kept_slots = kept.iter().map(|&i| arrival[i]).collect();
        let kept_docs = kept.iter().map(|&i| (i + n_old) as u32).collect();
        drop(signed);
        *lock(&self.spilled) = Some(SpillTail {
            dir,
            slots,
            ids,
            urls,
            arrival,
        });
        Ok(State {
            keys,
            cluster_of,
            similarity: sim,
            clusters,
            ids: Vec::new(),
            survivor_ids: Some((survivor_text, survivor_ends)),
            urls: Vec::new(),
            n_old: n_old as u32,
            kept_keys: Vec::new(),
            kept_signatures: Vec::new(),
            kept_slots,
            kept_docs,
            candidates,
            rejected,
            reprints,
        })
    }

    /// Document `doc`'s id: from memory, or (spilled) from the id file.
    fn id<'a>(
        &'a self,
        state: &'a State,
        tail: Option<&SpillTail>,
        doc: u32,
    ) -> Result<std::borrow::Cow<'a, str>, SpillError> {
        let d = doc as usize;
        Ok(match tail {
            None => state.ids[d].as_str().into(),
            Some(_) if d < self.against.len() => self.against.id(d)?,
            Some(t) => t
                .ids
                .read(u64::from(t.arrival[d - self.against.len()]))?
                .into(),
        })
    }

    /// Document `doc`'s URL, if it has one (documents of the `against` index have none).
    fn url<'a>(
        &'a self,
        state: &'a State,
        tail: Option<&SpillTail>,
        doc: u32,
    ) -> Result<Option<std::borrow::Cow<'a, str>>, SpillError> {
        let Some(d) = (doc as usize).checked_sub(self.against.len()) else {
            return Ok(None);
        };
        let url: std::borrow::Cow<'a, str> = match tail {
            None => state.urls[d].as_str().into(),
            Some(t) => t.urls.read(u64::from(t.arrival[d]))?.into(),
        };
        Ok((!url.is_empty()).then_some(url))
    }

    /// Write the saved index: the `against` index, then the kept documents. In memory the
    /// bands are sorted in memory; spilled, each band is a k-way merge of the index's sorted
    /// band (or, loaded, its records in runs) and runs of the kept documents' keys, in a
    /// subfolder of the spill folder — the same `(key, document)` order, so the same bytes.
    fn save_index(&self, dir: &Path, state: &State) -> Result<(), crate::index::IndexError> {
        let spilled = lock(&self.spilled);
        let slots = spilled.as_ref().map(|t| &t.slots);
        let (bands, width) = (self.config.key_count(), self.config.width());
        let n_old = self.against.len();
        // A slot file error inside an index writer is reported with the slot file's path.
        let read = |slot: u32, at: usize, buf: &mut [u8]| {
            slots
                .expect("kept slots only exist when spilled")
                .read(u64::from(slot), at, buf)
                .map_err(std::io::Error::other)
        };
        let write_bands = |w: &mut dyn Write| -> std::io::Result<()> {
            let Some(tail) = spilled.as_ref() else {
                let old = self.against.memory();
                return crate::index::write_sorted_bands(
                    w,
                    bands,
                    n_old + state.kept_docs.len(),
                    |d, b| {
                        if d < n_old {
                            old.keys[d * bands + b]
                        } else {
                            state.kept_keys[(d - n_old) * bands + b]
                        }
                    },
                );
            };
            let run_dir = tail.dir.path().join("index-runs");
            std::fs::create_dir_all(&run_dir)?;
            let limit = self.limit.unwrap_or(usize::MAX);
            let read_buffer = (limit / (4 * FAN_IN)).clamp(4096, 1 << 20);
            let mut runs = RunSet::new(&run_dir, bands, read_buffer, FAN_IN);
            let per_band = runs.fit((limit / 4).max(MIN_RUN_RECORDS * spill::RECORD * bands));
            let push = |runs: &mut RunSet, doc: usize, key: &dyn Fn(usize) -> u64| {
                if runs.buffered_bytes() >= per_band * bands * spill::RECORD {
                    runs.spill().map_err(std::io::Error::other)?;
                }
                for b in 0..bands {
                    runs.push(b, key(b), doc as u64);
                }
                Ok::<(), std::io::Error>(())
            };
            match &self.against {
                Against::Files(f) => {
                    for b in 0..bands {
                        let (path, offset, len) = f.band(b);
                        runs.add_run(b, path, offset, len);
                    }
                }
                Against::Memory(old, _) => {
                    for d in 0..n_old {
                        push(&mut runs, d, &|b| old.keys[d * bands + b])?;
                    }
                }
            }
            let mut buf = vec![0u8; bands * 8];
            for (j, &slot) in state.kept_slots.iter().enumerate() {
                read(slot, width * 4, &mut buf)?;
                let key = |b: usize| u64::from_le_bytes(buf[b * 8..b * 8 + 8].try_into().unwrap());
                push(&mut runs, n_old + j, &key)?;
            }
            runs.spill().map_err(std::io::Error::other)?;
            runs.free_buffer();
            for b in 0..bands {
                let mut merge = runs.merge(b).map_err(std::io::Error::other)?;
                while let Some((k, d)) = merge.next().map_err(std::io::Error::other)? {
                    w.write_all(&k.to_le_bytes())?;
                    w.write_all(&d.to_le_bytes())?;
                }
            }
            drop(runs);
            std::fs::remove_dir_all(&run_dir)
        };
        crate::index::save_with(
            dir,
            &self.config.method_json(),
            bands,
            width,
            n_old + state.kept_docs.len(),
            |w| {
                match &self.against {
                    Against::Memory(old, _) => old.ids.iter().try_for_each(|id| w.push(id))?,
                    Against::Files(f) => w.copy(f)?,
                }
                for &d in &state.kept_docs {
                    let id = self
                        .id(state, spilled.as_ref(), d)
                        .map_err(std::io::Error::other)?;
                    w.push(&id)?;
                }
                Ok(())
            },
            write_bands,
            |w| {
                match &self.against {
                    Against::Memory(old, _) => old
                        .signatures
                        .iter()
                        .try_for_each(|v| w.write_all(&v.to_le_bytes()))?,
                    Against::Files(f) => {
                        let path = f.signatures_path();
                        std::io::copy(&mut std::fs::File::open(path)?, w)?;
                    }
                }
                for v in &state.kept_signatures {
                    w.write_all(&v.to_le_bytes())?;
                }
                let mut buf = vec![0u8; width * 4];
                for &slot in &state.kept_slots {
                    read(slot, 0, &mut buf)?;
                    w.write_all(&buf)?;
                }
                Ok(())
            },
        )
    }
}

/// The index's documents followed by the new ones, as the clustering sees them.
struct Combined<'a> {
    old: &'a Index,
    new: &'a [Entry],
    bands: usize,
    width: usize,
    exact: bool,
    /// Reprints: the stage, whose verification replaces estimated Jaccard.
    reprints: Option<&'a Dedup>,
}

impl Combined<'_> {
    fn signature(&self, doc: u32) -> &[u32] {
        let n_old = self.old.len();
        if (doc as usize) < n_old {
            let d = doc as usize;
            &self.old.signatures[d * self.width..(d + 1) * self.width]
        } else {
            &self.new[doc as usize - n_old].signature
        }
    }
}

impl Members for Combined<'_> {
    fn count(&self) -> usize {
        self.old.len() + self.new.len()
    }
    fn bands(&self) -> usize {
        self.bands
    }
    fn key(&self, doc: u32, band: usize) -> Option<u64> {
        let n_old = self.old.len();
        if (doc as usize) < n_old {
            Some(self.old.keys[doc as usize * self.bands + band])
        } else {
            self.new[doc as usize - n_old].buckets.get(band).copied()
        }
    }
    fn similarity(&self, a: u32, b: u32) -> f64 {
        if self.exact {
            return 1.0;
        }
        let estimate = signature_similarity(self.signature(a), self.signature(b));
        match self.reprints {
            None => estimate,
            // Reprints have no `against` index: documents are entries.
            Some(dedup) => dedup.reprint_score((a, b), estimate, |r, p| {
                let (a, b) = (&self.new[a as usize], &self.new[b as usize]);
                reprint::compare(&a.anchors, &b.anchors, p, &mut r.compare)
            }),
        }
    }
}

/// Estimated Jaccard: the share of equal signature values.
pub(crate) fn signature_similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

impl CorpusPass for Dedup {
    fn describe(&self) -> &str {
        match self.config.method {
            Method::Exact => "dedup: hashing documents",
            Method::Minhash => "dedup: computing MinHash signatures",
            Method::Reprints => "dedup: sampling reprint anchors",
        }
    }

    fn observe(&self, doc: &Document) {
        let e = self.entry(doc);
        let mut store = lock(&self.store);
        if let Err(err) = self.push(&mut store, e) {
            *store = Store::Failed(err);
        }
    }

    fn finish(&self) {
        let store = std::mem::replace(
            &mut *lock(&self.store),
            Store::Memory {
                entries: Vec::new(),
                bytes: 0,
            },
        );
        let state = match store {
            Store::Memory { entries, .. } if matches!(self.against, Against::Memory(..)) => {
                Ok(self.finish_in_memory(entries))
            }
            // An index on disk is only read by the spilled pass (no new document came).
            Store::Memory { entries, .. } => self.start_spill().and_then(|mut sp| {
                for e in entries {
                    self.spill_entry(&mut sp, e)?;
                }
                self.finish_spilled(sp)
            }),
            Store::Spilled(sp) => self.finish_spilled(*sp),
            Store::Failed(err) => Err(err),
        };
        match state {
            Ok(state) => {
                let _ = self.state.set(state);
            }
            Err(err) => *lock(&self.failure) = Some(err),
        }
    }

    fn write_outputs(&self, out_dir: &Path) -> std::io::Result<()> {
        // `finish` cannot return an error: a failed spill is reported here, before any output.
        if let Some(err) = lock(&self.failure).take() {
            return Err(std::io::Error::other(err));
        }
        let state = self.state();
        if self.config.clusters {
            let tail = lock(&self.spilled);
            let id = |doc: u32| {
                self.id(state, tail.as_ref(), doc)
                    .map_err(std::io::Error::other)
            };
            let url = |doc: u32| {
                self.url(state, tail.as_ref(), doc)
                    .map(|u| u.map_or(Value::Null, |u| Value::from(u.as_ref())))
                    .map_err(std::io::Error::other)
            };
            let path = out_dir.join("clusters.jsonl");
            let tmp = out_dir.join("clusters.jsonl.tmp");
            let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            for (c, cl) in state.clusters.iter().enumerate() {
                let sims: Vec<Value> = cl
                    .members
                    .iter()
                    .map(|&m| {
                        if m < state.n_old {
                            Value::Null
                        } else {
                            round(f64::from(state.similarity[(m - state.n_old) as usize]))
                        }
                    })
                    .collect();
                let mut line = Map::new();
                line.insert("cluster".into(), Value::from(c));
                line.insert("size".into(), Value::from(cl.members.len()));
                line.insert("representative".into(), Value::from(id(cl.survivor)?));
                line.insert(
                    "members".into(),
                    cl.members
                        .iter()
                        .map(|&m| id(m).map(Value::from))
                        .collect::<std::io::Result<_>>()?,
                );
                line.insert("similarity".into(), Value::Array(sims));
                let urls: Vec<Value> = cl
                    .members
                    .iter()
                    .map(|&m| url(m))
                    .collect::<std::io::Result<_>>()?;
                if urls.iter().any(|u| !u.is_null()) {
                    line.insert("urls".into(), Value::Array(urls));
                }
                if let Some(details) = state.reprints.get(c) {
                    reprint_fields(&mut line, details);
                }
                let from_index: Vec<Value> = cl
                    .members
                    .iter()
                    .filter(|&&m| m < state.n_old)
                    .map(|&m| id(m).map(Value::from))
                    .collect::<std::io::Result<_>>()?;
                if !from_index.is_empty() {
                    line.insert("in_index".into(), Value::Array(from_index));
                }
                serde_json::to_writer(&mut w, &line)?;
                w.write_all(b"\n")?;
            }
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(tmp, path)?;
        }
        if let Some(dir) = &self.config.save_index {
            self.save_index(dir, state).map_err(std::io::Error::other)?;
        }
        // The spill folder is done with (`process` only looks decisions up): free the disk now.
        if let Some(tail) = lock(&self.spilled).take() {
            let SpillTail {
                dir,
                slots,
                ids,
                urls,
                arrival,
            } = tail;
            drop((slots, ids, urls, arrival));
            dir.close()?;
        }
        Ok(())
    }
}

/// A reprint cluster's per-member fields (in `members` order; the survivor's are 1 and no
/// passages): `containment`, `aligned` and `passages`, each passage `[member start, member end,
/// survivor start, survivor end]` in bytes of the texts as read.
fn reprint_fields(line: &mut Map, details: &[Option<Comparison>]) {
    let each = |f: &dyn Fn(&Comparison) -> Value, survivor: Value| -> Value {
        details
            .iter()
            .map(|d| d.as_ref().map_or(survivor.clone(), f))
            .collect()
    };
    line.insert(
        "containment".into(),
        each(&|c| round(c.containment), Value::from(1.0)),
    );
    line.insert(
        "aligned".into(),
        each(&|c| round(c.aligned), Value::from(1.0)),
    );
    line.insert(
        "passages".into(),
        each(
            &|c| {
                c.passages
                    .iter()
                    .map(|p| serde_json::json!([p.a_start, p.a_end, p.b_start, p.b_end]))
                    .collect()
            },
            Value::Array(Vec::new()),
        ),
    );
}

fn round(v: f64) -> Value {
    Value::from((v * 1e4).round() / 1e4)
}

impl Stage for Dedup {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        for f in [&self.config.quality_field, &self.config.url_field]
            .into_iter()
            .flatten()
        {
            if doc.field(f).is_none() {
                stats.missing_field(f);
            }
        }
        let state = self.state();
        let Ok(i) = state.keys.binary_search(&doc.source.ordinal()) else {
            // Not seen by the pass: cannot happen when the executor drives both; keep it.
            stats.count("unseen", 1);
            return Verdict::Keep;
        };
        if i == 0 {
            stats.count("candidate_pairs", state.candidates);
            stats.count("pairs_rejected_by_verification", state.rejected);
        }
        let c = state.cluster_of[i];
        if c == NONE {
            return Verdict::Keep;
        }
        let cl = &state.clusters[c as usize];
        let me = i as u32 + state.n_old;
        doc.attributes.insert("cluster".into(), Value::from(c));
        if cl.survivor == me {
            doc.attributes
                .insert("cluster_size".into(), Value::from(cl.members.len()));
            stats.count("survivors", 1);
            return Verdict::Keep;
        }
        let survivor = match &state.survivor_ids {
            None => state.ids[cl.survivor as usize].as_str(),
            Some((text, ends)) => {
                let start = if c == 0 { 0 } else { ends[c as usize - 1] };
                &text[start as usize..ends[c as usize] as usize]
            }
        };
        doc.attributes
            .insert("duplicate_of".into(), Value::from(survivor));
        doc.attributes
            .insert("similarity".into(), round(f64::from(state.similarity[i])));
        if cl.survivor < state.n_old {
            stats.count("duplicates_of_index", 1);
        }
        if self.config.keep_all {
            stats.count("duplicates_kept", 1);
            return Verdict::Keep;
        }
        Verdict::drop("duplicate")
    }

    fn corpus_pass(&self) -> Option<&dyn CorpusPass> {
        Some(self)
    }
}

/// An `against` index's band in `(key, document)` order, as the spilled pass reads it.
enum OldBand<'a> {
    Memory(std::slice::Iter<'a, (u64, u64)>),
    /// A section of `bands.bin` (its path for errors).
    File(spill::RunReader, PathBuf),
}

impl OldBand<'_> {
    /// The next record; a document number past `n` is an error naming the file.
    fn next(&mut self, n: usize) -> Result<Option<(u64, u32)>, SpillError> {
        let (key, doc, path) = match self {
            OldBand::Memory(it) => return Ok(it.next().map(|&(k, d)| (k, d as u32))),
            OldBand::File(r, path) => match r.next()? {
                None => return Ok(None),
                Some((k, d)) => (k, d, path),
            },
        };
        if doc >= n as u64 {
            return Err(crate::index::IndexError::Invalid {
                path: path.clone(),
                message: format!("document {doc} of {n}: the index is damaged"),
            }
            .into());
        }
        Ok(Some((key, doc as u32)))
    }
}
