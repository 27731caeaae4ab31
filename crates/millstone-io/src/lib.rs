//! Streaming readers and writers of millstone, with bounded memory.
//!
//! Reading: [`expand_inputs`] turns command-line arguments (files, folders, globs) into a sorted,
//! deduplicated list of [`InputFile`]s, each one's kind sniffed from its decompressed first bytes
//! (JSONL, Parquet, text, WARC, WET, ARC, HTML), and [`read`] turns one of them into an iterator of
//! [`Record`]s — a [`Document`] or a [`Rejection`]. A bad record is data: the reader yields a
//! rejection naming the file and record and goes on; nothing it meets in a file panics or stops the
//! run (a file that cannot be opened yields one rejection).
//!
//! Writing: [`ShardedWriter`] writes documents to `DIR/part-NNNNN.<ext>` (JSONL plain / gzip /
//! zstd, or Parquet), rotating parts by size, each part renamed into place only when complete;
//! [`RejectedWriter`] writes rejections the same way as plain JSONL.
//!
//! In memory: [`documents_from_batch`] and [`documents_to_batch`] convert Arrow record batches
//! to documents and back, with the Parquet reader's and writer's rules (for drivers that hand
//! over batches, such as the Python binding).
//!
//! # Bad input
//!
//! Every case below is one [`Rejection`] naming file and record (kind in brackets, the key in
//! `stats.json`), never a panic, never the end of the run; the records around it are read.
//!
//! | input | what happens |
//! |---|---|
//! | a line that is not JSON / JSON but not an object / no text field or `null` / text not a string | rejected [`invalid_json` / `not_an_object` / `missing_text` / `non_string_text`] |
//! | invalid UTF-8 in a JSONL line or text file | [`ReadOptions::invalid_utf8`]: rejected [`invalid_utf8`] naming the byte (default), or [`Utf8Policy::Replace`]: decoded with U+FFFD and flagged `attributes["invalid_utf8"] = true` |
//! | a raw NUL byte in a JSONL line (binary junk) | rejected [`invalid_json`], whatever the UTF-8 policy: JSON allows NUL only escaped |
//! | an escaped `\u0000` inside a JSON string | accepted: a character like any other, written back escaped |
//! | a text file holding a NUL byte (binary, UTF-16) | rejected [`invalid_utf8`]: "binary data (or UTF-16), not UTF-8 text" |
//! | a record over [`ReadOptions::max_record_bytes`] | rejected [`too_large`]; a JSONL line is buffered up to the limit and the rest skipped, a text file is judged by its size unread; a Parquet cell is in memory with its batch |
//! | a truncated / corrupt `.gz` or `.zst` | the complete lines before the break are read, then one rejection [`decompression`] with the decompressed offset, and the file ends |
//! | a compressed stream expanding more than [`ReadOptions::max_decompression_ratio`] (measured on bytes out vs compressed bytes consumed, from [`BOMB_CHECK_AFTER`] on) | one rejection [`decompression_bomb`], the file ends; a Parquet file whose declared uncompressed size is over the ratio is one such rejection, unread |
//! | an empty (0-byte) file | one `empty_file` rejection naming the file, whatever its kind (a compressed stream of nothing has bytes on disk: zero records) |
//! | a Parquet file that cannot be read, has no text column, or a text column that is not a string | one rejection [`parquet`], record 0, naming the schema |
//! | a file that cannot be opened; in a folder walk, a folder that cannot be listed, a dangling or looping link, a FIFO / socket / device named like an input | one rejection [`io`], record 0 ([`InputKind::Unreadable`]) |
//! | a file in a format not read here (CSV/TSV, binary, JSON array, LZ4/bzip2/xz/ZIP, PDF, image, WAT) | one rejection [`unsupported_format`] saying what it looks like ([`InputKind::Unsupported`]) |
//! | a WARC/ARC record with a bad header, bytes between records that are no record, a block past the end of the file, a body that does not decode under its `Content-Encoding` | one rejection [`malformed_record`] naming the byte offset; reading goes on at the next record |
//! | a broken gzip member in a `.warc.gz` / `.arc.gz` | one rejection [`decompression`] with the compressed offset; reading resumes at the next gzip member |
//!
//! WARC/ARC records that are no document (`request`, `warcinfo`, non-2xx responses, other
//! content types, records over the size limit — passed over unread) are [`Record::Skipped`], with
//! their type and reason: counted, never silently passed over.
//!
//! Not covered: invalid UTF-8 inside a Parquet string column fails that file's batch (a
//! `parquet` rejection of the rest of the file; Parquet's decoder validates it, there is no
//! replace); a zstd frame may ask the decoder for a window of up to 128 MiB (zstd's default
//! limit) before any ratio can be measured.
//!
//! [`invalid_json`]: RejectKind::InvalidJson
//! [`not_an_object`]: RejectKind::NotAnObject
//! [`missing_text`]: RejectKind::MissingText
//! [`non_string_text`]: RejectKind::NonStringText
//! [`invalid_utf8`]: RejectKind::InvalidUtf8
//! [`too_large`]: RejectKind::TooLarge
//! [`decompression`]: RejectKind::Decompression
//! [`decompression_bomb`]: RejectKind::DecompressionBomb
//! [`parquet`]: RejectKind::Parquet
//! [`io`]: RejectKind::Io
//! [`unsupported_format`]: RejectKind::UnsupportedFormat
//! [`malformed_record`]: RejectKind::MalformedRecord
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
//!         Record::Skipped(s) => eprintln!("skipped a {} record: {}", s.record_type, s.reason),
//!     }
//! }
//! let parts = out.finish().unwrap();
//! assert_eq!(parts.len(), 1);
//! ```

mod error;
mod input;
mod read;
#[cfg(feature = "s3")]
pub mod remote;
mod write;

pub use error::IoError;
pub use input::{
    check_local, expand_inputs, expand_inputs_report, is_millstone_output, url_scheme,
    ExpandedInputs, InputFile, InputKind, SkippedInput,
};
pub use read::{
    document_from_object, documents_from_batch, read, ReadOptions, Record, Skipped, Utf8Policy,
    BOMB_CHECK_AFTER, INVALID_UTF8_ATTRIBUTE,
};
pub use write::{
    documents_to_batch, Compression, JsonEncoder, OutputFormat, RejectedWriter, ShardedWriter,
    WriterOptions, DEFAULT_SHARD_SIZE,
};

pub use millstone_core::{Document, Map, RejectKind, Rejection, Source, Value};
