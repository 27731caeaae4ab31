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
//! of ≥ 2 documents.
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
//! Not for: removing repeated paragraphs inside kept documents (`paragraph_dedup`).

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use millstone_core::{CorpusPass, Document, Map, Stage, StageStats, Value, Verdict};
use serde::Deserialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::cluster::{self, ClusterOptions, Members, Survivor};
use crate::index::Index;
use crate::minhash::{band_hashes, MinHashParams, ShingleKind, SignScratch, Signer};
use crate::normalize::simplify_text;
use crate::StageError;

pub const NAME: &str = "dedup";
pub const SUMMARY: &str = "drop exact or near-duplicate documents (MinHash-LSH), keep one per cluster, write clusters.jsonl; optional saved index";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Same text after normalisation (`simplify_text` unless `normalize = false`).
    Exact,
    /// MinHash-LSH near-duplicates.
    Minhash,
}

/// Options. MinHash defaults are datatrove's `MinhashConfig` (word 5-grams of the normalised
/// text, 14 bands × 8 rows, seed 1, 64-bit hashes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub method: Method,
    pub shingle: ShingleKind,
    pub n_grams: usize,
    pub bands: usize,
    pub rows: usize,
    pub seed: u64,
    /// Check candidate pairs' estimated Jaccard against `threshold` before joining them.
    pub verify: bool,
    pub threshold: f64,
    /// Anchors compared per LSH bucket (see `cluster.rs`).
    pub max_anchors: usize,
    /// Which member of a cluster stays.
    pub survivor: Survivor,
    /// Numeric field read for `survivor = "quality"`.
    pub quality_field: Option<String>,
    /// Exact method only: compare normalised text (`false`: the raw text).
    pub normalize: bool,
    /// Write `clusters.jsonl` into the output folder.
    pub clusters: bool,
    /// Dedup against this saved index (its documents always survive).
    pub against: Option<PathBuf>,
    /// Write the kept documents (plus the `against` index) as an index to this folder.
    pub save_index: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        let p = MinHashParams::default();
        Config {
            method: Method::Minhash,
            shingle: p.shingle,
            n_grams: p.n_grams,
            bands: p.bands,
            rows: p.rows,
            seed: p.seed,
            verify: true,
            threshold: 0.7,
            max_anchors: 8,
            survivor: Survivor::First,
            quality_field: None,
            normalize: true,
            clusters: true,
            against: None,
            save_index: None,
        }
    }
}

impl Config {
    pub fn build(self) -> Result<Dedup, StageError> {
        let invalid = |m: &str| StageError::invalid(NAME, m);
        if self.method == Method::Minhash {
            if self.n_grams == 0 || self.bands == 0 || self.rows == 0 {
                return Err(invalid("`n_grams`, `bands` and `rows` must be at least 1"));
            }
            if self.bands * self.rows > 1024 {
                return Err(invalid("`bands` × `rows` must be at most 1024"));
            }
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(invalid("`threshold` must be between 0 and 1"));
        }
        if self.survivor == Survivor::Quality && self.quality_field.is_none() {
            return Err(invalid("`survivor = \"quality\"` needs `quality_field`"));
        }
        if self.against.is_some() && self.against == self.save_index {
            return Err(invalid(
                "`save_index` must be a new folder, not the `against` index (a resumed run must still see the old index)",
            ));
        }
        let signer = (self.method == Method::Minhash).then(|| Signer::new(&self.params()));
        let against = match &self.against {
            Some(dir) => Some(
                Index::load(dir, &self.method_json(), self.key_count(), self.width())
                    .map_err(|e| StageError::invalid(NAME, e.to_string()))?,
            ),
            None => None,
        };
        Ok(Dedup {
            config: self,
            signer,
            against: against.unwrap_or_default(),
            entries: Mutex::new(Vec::new()),
            state: OnceLock::new(),
        })
    }

    fn params(&self) -> MinHashParams {
        MinHashParams {
            shingle: self.shingle,
            n_grams: self.n_grams,
            bands: self.bands,
            rows: self.rows,
            seed: self.seed,
        }
    }

    /// Bucket keys per document.
    fn key_count(&self) -> usize {
        match self.method {
            Method::Exact => 1,
            Method::Minhash => self.bands,
        }
    }

    /// Stored signature values per document.
    fn width(&self) -> usize {
        match self.method {
            Method::Exact => 0,
            Method::Minhash => self.bands * self.rows,
        }
    }

    /// What makes two runs' keys comparable (stored in saved indexes).
    fn method_json(&self) -> Value {
        match self.method {
            Method::Exact => serde_json::json!({"method": "exact", "normalize": self.normalize}),
            Method::Minhash => serde_json::json!({
                "method": "minhash",
                "shingle": self.shingle,
                "n_grams": self.n_grams,
                "bands": self.bands,
                "rows": self.rows,
                "seed": self.seed,
            }),
        }
    }
}

/// One document as the counting pass saw it.
struct Entry {
    key: u64,
    id: String,
    len: u64,
    quality: f64,
    /// Empty when the document takes no part (too short for a signature, or empty).
    buckets: Vec<u64>,
    signature: Vec<u32>,
}

/// What `process` needs, computed once by `finish`.
struct State {
    /// Document keys in input order (binary-searched by `process`).
    keys: Vec<u64>,
    /// Per new document: its cluster number, or `NONE`.
    cluster_of: Vec<u32>,
    /// Per new document in a cluster: estimated similarity to the survivor.
    similarity: Vec<f32>,
    clusters: Vec<cluster::Cluster>,
    /// Ids of all documents: the index's first, then the new ones.
    ids: Vec<String>,
    /// Documents numbered below this come from the `against` index.
    n_old: u32,
    /// Kept new documents' index records, for `save_index`.
    kept_keys: Vec<u64>,
    kept_signatures: Vec<u32>,
    /// Kept new documents' numbers (indices into `ids`), for `save_index`.
    kept_docs: Vec<u32>,
    candidates: u64,
    rejected: u64,
}

const NONE: u32 = u32::MAX;

pub struct Dedup {
    config: Config,
    signer: Option<Signer>,
    against: Index,
    entries: Mutex<Vec<Entry>>,
    state: OnceLock<State>,
}

thread_local! {
    static SCRATCH: RefCell<(SignScratch, String, Vec<u64>, Vec<u64>)> = RefCell::default();
}

impl Dedup {
    fn entry(&self, doc: &Document) -> Entry {
        let mut e = Entry {
            key: doc.source.ordinal(),
            id: doc.id.clone(),
            len: doc.text().chars().count() as u64,
            quality: self
                .config
                .quality_field
                .as_ref()
                .and_then(|f| doc.fields.get(f))
                .and_then(Value::as_f64)
                .unwrap_or(f64::NEG_INFINITY),
            buckets: Vec::new(),
            signature: Vec::new(),
        };
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
                    band_hashes(sig, self.config.rows, bands);
                    e.buckets.extend_from_slice(bands);
                    e.signature.extend(sig.iter().map(|&v| v as u32));
                }
            }
        });
        e
    }

    fn state(&self) -> &State {
        self.state
            .get()
            .expect("the executor runs the dedup counting pass before processing")
    }
}

/// The index's documents followed by the new ones, as the clustering sees them.
struct Combined<'a> {
    old: &'a Index,
    new: &'a [Entry],
    bands: usize,
    width: usize,
    exact: bool,
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
        similarity(self.signature(a), self.signature(b))
    }
}

/// Estimated Jaccard: the share of equal signature values.
fn similarity(a: &[u32], b: &[u32]) -> f64 {
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
        }
    }

    fn observe(&self, doc: &Document) {
        let e = self.entry(doc);
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e);
    }

    fn finish(&self) {
        let mut entries =
            std::mem::take(&mut *self.entries.lock().unwrap_or_else(|p| p.into_inner()));
        entries.sort_unstable_by_key(|e| e.key);
        let exact = self.config.method == Method::Exact;
        let members = Combined {
            old: &self.against,
            new: &entries,
            bands: self.config.key_count(),
            width: self.config.width(),
            exact,
        };
        let found = cluster::cluster(
            &members,
            &ClusterOptions {
                verify: self.config.verify && !exact,
                threshold: self.config.threshold,
                max_anchors: self.config.max_anchors,
            },
        );
        let n_old = self.against.len() as u32;
        let entry = |d: u32| &entries[(d - n_old) as usize];
        let clusters = cluster::clusters(
            &found.root,
            self.config.survivor,
            |d| if d < n_old { 0 } else { entry(d).len },
            |d| {
                if d < n_old {
                    f64::INFINITY
                } else {
                    entry(d).quality
                }
            },
            |d| d < n_old,
        );
        // With verification every member must also resemble its survivor (see `split_stars`).
        let clusters = if self.config.verify && !exact {
            cluster::split_stars(
                clusters,
                |a, b| members.similarity(a, b),
                self.config.threshold,
            )
        } else {
            clusters
        };
        let mut cluster_of = vec![NONE; entries.len()];
        let mut sim = vec![1.0f32; entries.len()];
        for (c, cl) in clusters.iter().enumerate() {
            for &m in &cl.members {
                if m >= n_old {
                    cluster_of[(m - n_old) as usize] = c as u32;
                    sim[(m - n_old) as usize] = members.similarity(m, cl.survivor) as f32;
                }
            }
        }
        // The kept documents' records, for a saved index.
        let (mut kept_keys, mut kept_signatures, mut kept_docs) =
            (Vec::new(), Vec::new(), Vec::new());
        if self.config.save_index.is_some() {
            for (i, e) in entries.iter().enumerate() {
                let c = cluster_of[i];
                let kept = c == NONE || clusters[c as usize].survivor == i as u32 + n_old;
                if kept && !e.buckets.is_empty() {
                    kept_keys.extend_from_slice(&e.buckets);
                    kept_signatures.extend_from_slice(&e.signature);
                    kept_docs.push(i as u32 + n_old);
                }
            }
        }
        let keys = entries.iter().map(|e| e.key).collect();
        // The entries are done with: move their ids instead of copying them (one per document).
        let ids = self
            .against
            .ids
            .iter()
            .cloned()
            .chain(entries.iter_mut().map(|e| std::mem::take(&mut e.id)))
            .collect();
        let state = State {
            keys,
            cluster_of,
            similarity: sim,
            clusters,
            ids,
            n_old,
            kept_keys,
            kept_signatures,
            kept_docs,
            candidates: found.candidates,
            rejected: found.rejected,
        };
        let _ = self.state.set(state);
    }

    fn write_outputs(&self, out_dir: &Path) -> std::io::Result<()> {
        let state = self.state();
        if self.config.clusters {
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
                line.insert(
                    "representative".into(),
                    Value::from(state.ids[cl.survivor as usize].as_str()),
                );
                line.insert(
                    "members".into(),
                    cl.members
                        .iter()
                        .map(|&m| Value::from(state.ids[m as usize].as_str()))
                        .collect(),
                );
                line.insert("similarity".into(), Value::Array(sims));
                let from_index: Vec<Value> = cl
                    .members
                    .iter()
                    .filter(|&&m| m < state.n_old)
                    .map(|&m| Value::from(state.ids[m as usize].as_str()))
                    .collect();
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
            let mut index = self.against.clone();
            index.ids.extend(
                state
                    .kept_docs
                    .iter()
                    .map(|&d| state.ids[d as usize].clone()),
            );
            index.keys.extend_from_slice(&state.kept_keys);
            index.signatures.extend_from_slice(&state.kept_signatures);
            index
                .save(
                    dir,
                    &self.config.method_json(),
                    self.config.key_count(),
                    self.config.width(),
                )
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }
}

fn round(v: f64) -> Value {
    Value::from((v * 1e4).round() / 1e4)
}

impl Stage for Dedup {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
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
        doc.attributes.insert(
            "duplicate_of".into(),
            Value::from(state.ids[cl.survivor as usize].as_str()),
        );
        doc.attributes
            .insert("similarity".into(), round(f64::from(state.similarity[i])));
        if cl.survivor < state.n_old {
            stats.count("duplicates_of_index", 1);
        }
        Verdict::drop("duplicate")
    }

    fn corpus_pass(&self) -> Option<&dyn CorpusPass> {
        Some(self)
    }
}
