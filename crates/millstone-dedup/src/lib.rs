//! Deduplication for millstone: whole-document exact and near-duplicate (MinHash-LSH) detection
//! with clusters, repeated paragraphs across documents, and saved indexes to dedup a new crawl
//! against an old one.
//!
//! Dedup needs the whole corpus before it can decide anything, so its stages have corpus passes:
//! the executor shows every document to the pass first (the pass computes signatures and
//! clusters, or first occurrences of paragraphs), then runs the stage, which only looks
//! decisions up. `paragraph_dedup`'s pass is explicit map / merge / finish steps with serde
//! state ([`millstone_core::CorpusSteps`]); `dedup`'s still keeps its state inside the stage
//! ([`millstone_core::CorpusPass`]).
//!
//! - `normalize` (from `millstone-text`): datatrove's `simplify_text` (lower-case, numbers → 0,
//!   punctuation → space, whitespace collapsed, combining marks removed), the text form both
//!   methods compare.
//! - `minhash`: signatures straight from text (spaCy-compatible word or character shingles,
//!   datatrove's hash family and constants), band hashes.
//! - `reprint`: anchors (sampled character n-grams with offsets) and the verification of
//!   reprint candidates: exact overlap, containment, aligned passages.
//! - `cluster`: LSH buckets → verified candidate pairs → union-find → clusters and survivors.
//! - `stage`: the `dedup` stage (exact or MinHash, clusters.jsonl, saved indexes) and
//!   `paragraph`: the `paragraph_dedup` stage.
//! - `distributed`: the same decisions as steps a cluster job runs on many machines (signing,
//!   joining buckets, connected components as star rounds, deciding clusters).
//! - `index`: the on-disk index a later crawl is deduplicated against.
//! - `spill`: sorted runs and a signature file on disk, so the `dedup` pass stays within a memory
//!   limit on corpora larger than memory.
//! - `evaluate`: pair precision/recall/F1 and adjusted Rand index against labels.
//!
//! The stage types are listed with every other one in the registry of `millstone-filters`.
//!
//! Not here: reading and writing (`millstone-io`), the executor (`millstone-engine`) and the CLI
//! (`millstone`).

pub mod cluster;
pub mod distributed;
pub mod evaluate;
pub mod index;
pub mod minhash;
pub mod paragraph;
pub mod reprint;
pub mod spill;
pub mod stage;

/// datatrove's `simplify_text` (in `millstone-text`, with the other text tables).
pub use millstone_text::normalize;

/// A dedup stage's options could not be turned into a working stage: the one error type of
/// every stage.
pub use millstone_core::ConfigError;
