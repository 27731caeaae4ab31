//! The three output folders of a run: `kept/`, `dropped/`, `rejected/`.

use std::path::Path;

use anyhow::{Context, Result};
use millstone_core::{Document, Map, Rejection, Value};
use millstone_io::{OutputFormat, RejectedWriter, ShardedWriter, WriterOptions};

/// How documents are written.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    pub format: OutputFormat,
    /// Uncompressed bytes per output part before starting the next one.
    pub shard_size: u64,
    pub text_field: String,
    pub id_field: String,
}

pub struct Outputs {
    kept: ShardedWriter,
    dropped: ShardedWriter,
    rejected: RejectedWriter,
}

impl Outputs {
    pub fn create(dir: &Path, config: &OutputConfig) -> Result<Self> {
        let opts = WriterOptions {
            format: config.format,
            shard_size: config.shard_size,
            text_field: config.text_field.clone(),
            id_field: config.id_field.clone(),
        };
        let open = |name: &str| {
            ShardedWriter::new(dir.join(name), opts.clone())
                .with_context(|| format!("creating {}/{name}", dir.display()))
        };
        Ok(Outputs {
            kept: open("kept")?,
            dropped: open("dropped")?,
            rejected: RejectedWriter::new(dir.join("rejected"))
                .with_context(|| format!("creating {}/rejected", dir.display()))?,
        })
    }

    /// A kept document: its measured attributes go under `millstone`.
    pub fn write_kept(&mut self, doc: &Document) -> Result<()> {
        self.kept
            .write(doc, &doc.attributes)
            .with_context(|| format!("writing kept document {}", doc.id))
    }

    /// A dropped document: `millstone.drop = {stage, reason}` plus what was measured before.
    pub fn write_dropped(&mut self, doc: &Document, stage: &str, reason: &str) -> Result<()> {
        let mut m = Map::new();
        let mut drop = Map::new();
        drop.insert("stage".into(), Value::from(stage));
        drop.insert("reason".into(), Value::from(reason));
        m.insert("drop".into(), Value::Object(drop));
        for (k, v) in &doc.attributes {
            m.insert(k.clone(), v.clone());
        }
        self.dropped
            .write(doc, &m)
            .with_context(|| format!("writing dropped document {}", doc.id))
    }

    pub fn write_rejected(&mut self, r: &Rejection) -> Result<()> {
        self.rejected
            .write(r)
            .with_context(|| format!("writing rejected record of {}", r.file))
    }

    pub fn finish(self) -> Result<()> {
        self.kept.finish().context("finishing kept/")?;
        self.dropped.finish().context("finishing dropped/")?;
        self.rejected.finish().context("finishing rejected/")?;
        Ok(())
    }
}
