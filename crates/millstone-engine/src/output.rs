//! The three output folders of a run: `kept/`, `dropped/`, `rejected/`.

use std::path::Path;

use millstone_core::{Document, DropReason, Map, Rejection, Value};
use millstone_io::{JsonEncoder, OutputFormat, RejectedWriter, ShardedWriter, WriterOptions};

use crate::error::{Context, Result};

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
            // Parts are closed by the executor at epochs (all folders together), not by size
            // inside each writer: see `crate::checkpoint`.
            shard_size: u64::MAX,
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
            rejected: RejectedWriter::with_shard_size(dir.join("rejected"), u64::MAX)
                .with_context(|| format!("creating {}/rejected", dir.display()))?,
        })
    }

    /// Close the current part of every output folder (an epoch: see `crate::checkpoint`).
    pub fn end_parts(&mut self) -> Result<()> {
        self.kept.end_part().context("closing a part of kept/")?;
        self.dropped
            .end_part()
            .context("closing a part of dropped/")?;
        self.rejected
            .end_part()
            .context("closing a part of rejected/")?;
        Ok(())
    }

    /// Parquet column layouts of kept/ and dropped/ (see `crate::checkpoint`).
    pub fn layouts(&self) -> [Option<Vec<(String, String)>>; 2] {
        [self.kept.layout(), self.dropped.layout()]
    }

    /// Continue with saved Parquet layouts.
    pub fn set_layouts(&mut self, layouts: &[Option<Vec<(String, String)>>; 2]) -> Result<()> {
        if let Some(l) = &layouts[0] {
            self.kept
                .set_layout(l)
                .context("restoring the layout of kept/")?;
        }
        if let Some(l) = &layouts[1] {
            self.dropped
                .set_layout(l)
                .context("restoring the layout of dropped/")?;
        }
        Ok(())
    }

    /// Number the next part of every output folder.
    pub fn set_next_part(&mut self, next: u32) {
        self.kept.set_next_part(next);
        self.dropped.set_next_part(next);
        self.rejected.set_next_part(next);
    }

    /// For JSONL output, an encoder usable on worker threads (see [`Self::write_doc`]).
    pub fn encoder(&self) -> Option<JsonEncoder> {
        self.kept.encoder()
    }

    /// Write a document to `kept/` (`drop` is `None`) or `dropped/` (`Some((stage, reason))`).
    /// `encoded` is its line from [`encode`], when the workers already made it.
    pub fn write_doc(
        &mut self,
        doc: &Document,
        drop: Option<(&str, &DropReason)>,
        encoded: Option<&[u8]>,
    ) -> Result<()> {
        let writer = if drop.is_some() {
            &mut self.dropped
        } else {
            &mut self.kept
        };
        let result = match (encoded, drop) {
            (Some(line), _) => writer.write_encoded(line),
            (None, None) => writer.write(doc, &doc.attributes),
            (None, Some(d)) => writer.write(doc, &millstone_object(doc, Some(d))),
        };
        result.with_context(|| format!("writing document {}", doc.id))
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

/// The `millstone` object of an output record: the measured attributes, plus
/// `drop = {stage, reason}` for a dropped document, with `value` and `threshold` when the check
/// that fired compares a measure with a threshold.
pub fn millstone_object(doc: &Document, drop: Option<(&str, &DropReason)>) -> Map {
    let mut m = Map::new();
    if let Some((stage, reason)) = drop {
        let mut d = Map::new();
        d.insert("stage".into(), Value::from(stage));
        d.insert("reason".into(), Value::from(reason.reason.as_ref()));
        if let Some(measured) = &reason.measured {
            d.insert("value".into(), measured.value.clone());
            d.insert("threshold".into(), measured.threshold.clone());
        }
        m.insert("drop".into(), Value::Object(d));
    }
    for (k, v) in &doc.attributes {
        m.insert(k.clone(), v.clone());
    }
    m
}

/// Encode a document's output line (on a worker thread).
pub fn encode(
    encoder: &JsonEncoder,
    doc: &Document,
    drop: Option<(&str, &DropReason)>,
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(doc.len_bytes() + 256);
    match drop {
        None => encoder.encode(&mut buf, doc, &doc.attributes),
        Some(_) => encoder.encode(&mut buf, doc, &millstone_object(doc, drop)),
    }
    .with_context(|| format!("encoding document {}", doc.id))?;
    Ok(buf)
}
