//! Deduplication for millstone: whole-document exact and near-duplicate (MinHash-LSH) detection
//! with clusters, repeated paragraphs across documents, and saved indexes to dedup a new crawl
//! against an old one.
//!
//! Dedup needs the whole corpus before it can decide anything, so its stages are
//! [`millstone_core::CorpusPass`]es: the executor shows every document to the pass first (the
//! pass computes signatures and clusters), then runs the stage, which only looks decisions up.
//!
//! - `normalize`: datatrove's `simplify_text` (lower-case, numbers → 0, punctuation → space,
//!   whitespace collapsed, combining marks removed), the text form both methods compare.
//! - `minhash`: signatures straight from text (spaCy-compatible word or character shingles,
//!   datatrove's hash family and constants), band hashes.
//!
//! Not here: reading and writing (`millstone-io`), the executor and CLI (`millstone`).

pub mod minhash;
pub mod normalize;

/// Data written by `tools/dedup-tables/dump_tables.py`; never edit by hand.
mod generated {
    #[rustfmt::skip]
    pub(crate) mod unicode;
}
