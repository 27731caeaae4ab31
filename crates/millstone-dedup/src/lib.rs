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
//! - `reprint`: anchors (sampled character n-grams with offsets) and the verification of
//!   reprint candidates: exact overlap, containment, aligned passages.
//! - `cluster`: LSH buckets → verified candidate pairs → union-find → clusters and survivors.
//! - `stage`: the `dedup` stage (exact or MinHash, clusters.jsonl, saved indexes) and
//!   `paragraph`: the `paragraph_dedup` stage.
//! - `index`: the on-disk index a later crawl is deduplicated against.
//! - `spill`: sorted runs and a signature file on disk, so the `dedup` pass stays within a memory
//!   limit on corpora larger than memory.
//! - `evaluate`: pair precision/recall/F1 and adjusted Rand index against labels.
//!
//! Not here: reading and writing (`millstone-io`), the executor and CLI (`millstone`).

pub mod cluster;
pub mod evaluate;
pub mod index;
pub mod minhash;
pub mod normalize;
pub mod paragraph;
pub mod reprint;
pub mod spill;
pub mod stage;

/// Data written by `tools/dedup-tables/dump_tables.py`; never edit by hand.
mod generated {
    #[rustfmt::skip]
    pub(crate) mod unicode;
}

use millstone_core::{Stage, StageDoc};

/// A dedup stage's options could not be turned into a working stage.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("stage `{stage}`: {message}")]
    Invalid { stage: String, message: String },
}

impl StageError {
    pub(crate) fn invalid(stage: &str, message: impl std::fmt::Display) -> Self {
        StageError::Invalid {
            stage: stage.to_owned(),
            message: message.to_string(),
        }
    }
}

/// The dedup stage types, sorted: name, summary, option table.
pub static STAGES: &[StageDoc] = &[
    StageDoc::of::<stage::Config>(stage::NAME, stage::SUMMARY),
    StageDoc::of::<paragraph::Config>(paragraph::NAME, paragraph::SUMMARY),
];

/// Build dedup stage `name` from its TOML options; `None` if `name` is not a dedup stage.
pub fn build_stage(
    name: &str,
    options: &toml::Table,
) -> Option<Result<Box<dyn Stage>, StageError>> {
    fn parse<C: serde::de::DeserializeOwned + millstone_core::StageOptions>(
        name: &str,
        options: &toml::Table,
    ) -> Result<C, StageError> {
        StageDoc::of::<C>("", "")
            .check(options)
            .map_err(|e| StageError::invalid(name, e))?;
        toml::Value::Table(options.clone())
            .try_into()
            .map_err(|e: toml::de::Error| StageError::invalid(name, e.message()))
    }
    Some(match name {
        stage::NAME => parse::<stage::Config>(name, options)
            .and_then(stage::Config::build)
            .map(|s| Box::new(s) as Box<dyn Stage>),
        paragraph::NAME => parse::<paragraph::Config>(name, options)
            .and_then(paragraph::Config::build)
            .map(|s| Box::new(s) as Box<dyn Stage>),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_of_every_dedup_stage_is_listed() {
        for s in STAGES {
            (s.audit)(s.name).unwrap();
        }
    }

    #[test]
    fn out_of_range_options_are_refused() {
        let table: toml::Table = toml::from_str("threshold = 2").unwrap();
        let err = build_stage("dedup", &table).unwrap().err().unwrap();
        assert_eq!(
            err.to_string(),
            "stage `dedup`: threshold = 2 is out of range: it must be [0, 1]"
        );
    }
}
