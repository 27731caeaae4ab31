//! Streaming readers and writers of millstone, with bounded memory.
//!
//! Reading: [`expand_inputs`] turns command-line arguments (files, folders, globs) into a sorted,
//! deduplicated list of [`InputFile`]s, and [`read`] turns one of them into an iterator of
//! [`Record`]s — a [`Document`] or a [`Rejection`]. A bad record is data: the reader yields a
//! rejection naming the file and record and goes on; nothing it meets in a file panics or stops the
//! run (a file that cannot be opened yields one rejection).
//!
//! Writing: [`ShardedWriter`] writes documents to `DIR/part-NNNNN.<ext>` (JSONL plain / gzip /
//! zstd, or Parquet), rotating parts by size, each part renamed into place only when complete;
//! [`RejectedWriter`] writes rejections the same way as plain JSONL.
//!
//! Not here: deciding what to keep (stages, `millstone-filters`), threads and progress (the
//! `millstone` binary), the shape of the `millstone` attributes object (built by the caller).
//!
//! ```
//! use millstone_io::{read, InputFile, InputKind, ReadOptions, Record, ShardedWriter, WriterOptions};
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path();
//! std::fs::write(dir.join("in.jsonl"), "{\"id\":\"a\",\"text\":\"hello\"}\n").unwrap();
//! let input = InputFile { path: dir.join("in.jsonl"), kind: InputKind::Jsonl, root: None };
//! let mut out = ShardedWriter::new(dir.join("out"), WriterOptions::default()).unwrap();
//! for record in read(&input, &ReadOptions::default()) {
//!     match record {
//!         Record::Doc(doc) => out.write(&doc, &millstone_io::Map::new()).unwrap(),
//!         Record::Rejected(r) => eprintln!("{}: {}", r.file, r.error),
//!     }
//! }
//! let parts = out.finish().unwrap();
//! assert_eq!(parts.len(), 1);
//! ```

mod error;
mod input;
mod read;
mod write;

pub use error::IoError;
pub use input::{expand_inputs, expand_inputs_report, ExpandedInputs, InputFile, InputKind};
pub use read::{read, ReadOptions, Record};
pub use write::{
    Compression, JsonEncoder, OutputFormat, RejectedWriter, ShardedWriter, WriterOptions,
    DEFAULT_SHARD_SIZE,
};

pub use millstone_core::{Document, Map, RejectKind, Rejection, Source, Value};
