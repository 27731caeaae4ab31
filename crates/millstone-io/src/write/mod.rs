//! Writers: documents to sharded JSONL or Parquet parts, rejections to sharded JSONL.
//!
//! For: the output files of a run — `DIR/part-NNNNN.<ext>` (5 digits, from `00000`), a new part
//! once the current one has taken [`WriterOptions::shard_size`] bytes of uncompressed output. Each
//! part is written as `DIR/.part-NNNNN.<ext>.tmp` and renamed when complete, so a reader of `DIR`
//! never sees half a part; a writer dropped without [`ShardedWriter::finish`] removes its
//! unfinished part. An output that received nothing has no files. Not for: choosing what goes
//! where (kept vs dropped) or building the `millstone` object: the caller does both.
//!
//! The record shape and the Parquet schema (with `millstone.extra_fields`) are documented on
//! [`ShardedWriter`], where users of the crate see them.

mod jsonl;
mod parquet;
pub use parquet::documents_to_batch;
mod parts;
mod record;

use std::path::PathBuf;

use millstone_core::{Document, Map, Rejection};

use crate::IoError;
use jsonl::LineShards;
use parquet::ParquetShards;

/// Default size of a part: 256 MiB of uncompressed output.
pub const DEFAULT_SHARD_SIZE: u64 = 256 << 20;

/// Compression of JSONL output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `.jsonl`
    None,
    /// `.jsonl.gz`, at gzip's default level 6.
    Gzip,
    /// `.jsonl.zst`, at the given level (the default, 1, is zstd's fastest regular level; zstd's
    /// own default, 3, writes ~11 % smaller files of web text for about twice the CPU).
    Zstd { level: i32 },
}

/// The format of [`ShardedWriter`]'s parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jsonl(Compression),
    /// `.parquet`, zstd-compressed columns.
    Parquet,
}

impl Default for OutputFormat {
    fn default() -> Self {
        OutputFormat::Jsonl(Compression::Zstd { level: 1 })
    }
}

impl OutputFormat {
    /// The file extension of a part, without the leading dot (`jsonl.zst`, `parquet`, ...).
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jsonl(Compression::None) => "jsonl",
            OutputFormat::Jsonl(Compression::Gzip) => "jsonl.gz",
            OutputFormat::Jsonl(Compression::Zstd { .. }) => "jsonl.zst",
            OutputFormat::Parquet => "parquet",
        }
    }
}

/// How [`ShardedWriter`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Default: JSONL, zstd level 1.
    pub format: OutputFormat,
    /// Start a new part once the current one has taken this many bytes of uncompressed output
    /// (for Parquet: an estimate of the values' size). Default [`DEFAULT_SHARD_SIZE`].
    pub shard_size: u64,
    /// The field that receives the text. Default `"text"`; a dotted path (`doc.body`) puts it
    /// back into the nested object it was read from.
    pub text_field: String,
    /// The field that holds the id. Default `"id"`.
    pub id_field: String,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            format: OutputFormat::default(),
            shard_size: DEFAULT_SHARD_SIZE,
            text_field: "text".into(),
            id_field: "id".into(),
        }
    }
}

/// Writes documents to `DIR/part-NNNNN.<ext>`, rotating parts by size, each renamed into place
/// when complete (see [`WriterOptions`]).
///
/// Record shape: the input's fields in input order, the text slot holding the current text, the
/// id field present (added first if the input had none), and a `"millstone"` key holding the
/// object the caller passes to [`ShardedWriter::write`] (an input field of that name is replaced).
/// A document without input fields is written as `{"id": …, "text": …, "millstone": …}`.
///
/// Parquet (HF `datasets`- and pyarrow-readable, zstd): the columns are the fields seen in the
/// first buffered batch (up to 1,024 rows), in first-seen order, typed by their values: `string`,
/// `int64`, `double`, `bool`, `list<…>` and `struct<…>` nested as the values are (integers and
/// floats in one column → `double`; a column whose values disagree in type → a JSON-encoded
/// `string`; the id and text columns are always `string`), then `millstone`, a struct of the
/// attributes seen (`drop` = `{stage, reason, value, threshold}`, `language`, …) plus
/// **`millstone.extra_fields`**: per row, a JSON object of what the fixed schema could not hold —
/// keys first seen after the schema was fixed, or a value whose type does not fit its column
/// (that column is then null for the row; `millstone`'s own such keys under `"millstone"`) — null
/// when there is none, so no input field is ever lost. The schema, once fixed, is the same for
/// every part, so a folder of parts loads as one dataset. Row groups are bounded (100,000 rows or
/// about 128 MiB encoded, whichever comes first).
pub struct ShardedWriter {
    inner: Inner,
    text_field: String,
    id_field: String,
    buf: Vec<u8>,
}

#[allow(
    clippy::large_enum_variant,
    reason = "one writer per output directory: the size is irrelevant, an extra box is noise"
)]
enum Inner {
    Lines(LineShards),
    Parquet(ParquetShards),
}

impl ShardedWriter {
    /// A writer into `dir` (created if missing). No file is created until the first document.
    pub fn new(dir: impl Into<PathBuf>, opts: WriterOptions) -> Result<Self, IoError> {
        let dir = dir.into();
        let ext = opts.format.extension();
        let inner = match opts.format {
            OutputFormat::Jsonl(c) => Inner::Lines(LineShards::new(dir, ext, c, opts.shard_size)?),
            OutputFormat::Parquet => Inner::Parquet(ParquetShards::new(
                dir,
                opts.shard_size,
                opts.text_field.clone(),
                opts.id_field.clone(),
            )?),
        };
        Ok(ShardedWriter {
            inner,
            text_field: opts.text_field,
            id_field: opts.id_field,
            buf: Vec::new(),
        })
    }

    /// Write one document with its `millstone` object.
    pub fn write(&mut self, doc: &Document, millstone: &Map) -> Result<(), IoError> {
        match &mut self.inner {
            Inner::Lines(lines) => {
                self.buf.clear();
                record::encode_json(
                    &mut self.buf,
                    doc,
                    millstone,
                    &self.text_field,
                    &self.id_field,
                )
                .map_err(|e| IoError::Encode {
                    path: lines.dir().to_path_buf(),
                    id: doc.id.clone(),
                    message: e.to_string(),
                })?;
                lines.write_line(&self.buf)
            }
            Inner::Parquet(p) => p.write(doc, millstone),
        }
    }

    /// For JSONL output, an encoder that turns documents into this writer's lines on any thread,
    /// so callers can encode in parallel and hand the bytes to [`Self::write_encoded`] in order.
    /// `None` for Parquet, whose rows are buffered into columns by [`Self::write`].
    pub fn encoder(&self) -> Option<JsonEncoder> {
        match self.inner {
            Inner::Lines(_) => Some(JsonEncoder {
                text_field: self.text_field.clone(),
                id_field: self.id_field.clone(),
            }),
            Inner::Parquet(_) => None,
        }
    }

    /// Complete the current part now (if anything was written to it); the next document starts
    /// a new part. Used to close parts at points chosen by the caller, such as checkpoints.
    pub fn end_part(&mut self) -> Result<(), IoError> {
        match &mut self.inner {
            Inner::Lines(lines) => lines.close_part(),
            Inner::Parquet(p) => p.end_part(),
        }
    }

    /// For Parquet output, the column layout fixed from the first rows (`(column, type)` in
    /// order), to save with a checkpoint; `None` for JSONL or before any row was written.
    pub fn layout(&self) -> Option<Vec<(String, String)>> {
        match &self.inner {
            Inner::Lines(_) => None,
            Inner::Parquet(p) => p.layout(),
        }
    }

    /// Continue with a layout saved by [`Self::layout`] (Parquet output; ignored for JSONL), so
    /// that a resumed run writes the same columns as the run it continues.
    pub fn set_layout(&mut self, columns: &[(String, String)]) -> Result<(), IoError> {
        match &mut self.inner {
            Inner::Lines(_) => Ok(()),
            Inner::Parquet(p) => p.set_layout(columns),
        }
    }

    /// Number the next part `next` instead of 0 (to continue a run after its part `next - 1`).
    pub fn set_next_part(&mut self, next: u32) {
        match &mut self.inner {
            Inner::Lines(lines) => lines.set_next_part(next),
            Inner::Parquet(p) => p.set_next_part(next),
        }
    }

    /// Write one line made by this writer's [`JsonEncoder`]. For Parquet output this is an error.
    pub fn write_encoded(&mut self, line: &[u8]) -> Result<(), IoError> {
        match &mut self.inner {
            Inner::Lines(lines) => lines.write_line(line),
            Inner::Parquet(p) => Err(IoError::Encode {
                path: p.dir().to_path_buf(),
                id: String::new(),
                message: "pre-encoded JSON lines cannot be written to Parquet output".into(),
            }),
        }
    }

    /// Complete the last part and return every part written, in order.
    pub fn finish(self) -> Result<Vec<PathBuf>, IoError> {
        match self.inner {
            Inner::Lines(lines) => lines.finish(),
            Inner::Parquet(p) => p.finish(),
        }
    }
}

/// Encodes documents as the JSON lines of a JSONL [`ShardedWriter`] (see [`ShardedWriter::encoder`]).
#[derive(Debug, Clone)]
pub struct JsonEncoder {
    text_field: String,
    id_field: String,
}

impl JsonEncoder {
    /// Append the output line of `doc` (with its `millstone` object and a trailing `\n`) to `buf`.
    pub fn encode(
        &self,
        buf: &mut Vec<u8>,
        doc: &Document,
        millstone: &Map,
    ) -> Result<(), IoError> {
        record::encode_json(buf, doc, millstone, &self.text_field, &self.id_field).map_err(|e| {
            IoError::Encode {
                path: PathBuf::new(),
                id: doc.id.clone(),
                message: e.to_string(),
            }
        })
    }
}

/// Writes [`Rejection`]s to `DIR/part-NNNNN.jsonl`, one
/// `{"file","record","offset","kind","error","excerpt"}` object per line.
pub struct RejectedWriter {
    lines: LineShards,
    buf: Vec<u8>,
}

impl RejectedWriter {
    /// A writer into `dir` (created if missing), with parts of [`DEFAULT_SHARD_SIZE`].
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, IoError> {
        Self::with_shard_size(dir, DEFAULT_SHARD_SIZE)
    }

    /// A writer into `dir` whose parts rotate after `shard_size` bytes.
    pub fn with_shard_size(dir: impl Into<PathBuf>, shard_size: u64) -> Result<Self, IoError> {
        Ok(RejectedWriter {
            lines: LineShards::new(dir.into(), "jsonl", Compression::None, shard_size)?,
            buf: Vec::new(),
        })
    }

    pub fn write(&mut self, rejection: &Rejection) -> Result<(), IoError> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, rejection).map_err(|e| IoError::Encode {
            path: self.lines.dir().to_path_buf(),
            id: format!("{}/{}", rejection.file, rejection.record),
            message: e.to_string(),
        })?;
        self.buf.push(b'\n');
        self.lines.write_line(&self.buf)
    }

    /// Complete the last part and return every part written, in order.
    /// Complete the current part now (see [`ShardedWriter::end_part`]).
    pub fn end_part(&mut self) -> Result<(), IoError> {
        self.lines.close_part()
    }

    /// Number the next part `next` instead of 0.
    pub fn set_next_part(&mut self, next: u32) {
        self.lines.set_next_part(next);
    }

    pub fn finish(self) -> Result<Vec<PathBuf>, IoError> {
        self.lines.finish()
    }
}
