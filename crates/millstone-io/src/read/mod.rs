//! Readers: one [`InputFile`] in, an iterator of [`Record`]s out.
//!
//! For: decoding files record by record with bounded memory (one record plus a read buffer, or
//! one Parquet batch), and turning every defect into a [`Rejection`] naming file and record.
//! Not for: finding files ([`crate::expand_inputs`]) or threading (the caller reads files in
//! parallel, one iterator per file).

mod charset;
mod html;
mod jsonl;
pub use jsonl::document_from_object;
mod lines;
mod parquet;
pub use parquet::documents_from_batch;
pub(crate) mod stream;
mod text;
mod warc;

use std::sync::Arc;

use millstone_core::{Document, RejectKind, Rejection};

use crate::{InputFile, InputKind};

/// How records become documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The field (JSONL key, Parquet column) holding the text. Default `"text"`. Here and in
    /// `id_field` a dotted path reaches into nested objects (Parquet struct columns):
    /// `metadata.id` (see [`millstone_core::field`]).
    pub text_field: String,
    /// The field holding the document id. Default `"id"`; records without one get
    /// `"<file>/<record>"`.
    pub id_field: String,
    /// Records (JSONL lines, text files, Parquet text cells) longer than this are rejected as
    /// [`RejectKind::TooLarge`] without being buffered whole. Default 64 MiB.
    pub max_record_bytes: usize,
    /// What to do with a JSONL line or text file that is not valid UTF-8. Default
    /// [`Utf8Policy::Reject`].
    pub invalid_utf8: Utf8Policy,
    /// A compressed JSONL stream that expands to more than this many times the compressed bytes
    /// read (once past [`BOMB_CHECK_AFTER`] decompressed bytes) is a decompression bomb: one
    /// [`RejectKind::DecompressionBomb`] rejection, and the rest of the file is not read. The same
    /// ratio is checked on a Parquet file's declared uncompressed size before reading it.
    /// `0` turns the check off. Default 1000 (gzip cannot exceed about 1032; real text compresses
    /// 3–20×).
    pub max_decompression_ratio: u64,
    /// Content types (MIME, without parameters) of WARC/ARC `response` and `resource` records
    /// that become documents; other records are skipped as `content_type`. Default `text/html`
    /// and `application/xhtml+xml`; add `text/plain` to take plain-text pages too. (WET
    /// `conversion` records are always text documents.)
    pub content_types: Vec<String>,
    /// Read records the crawler cut short (`WARC-Truncated`) as documents instead of skipping
    /// them as `truncated`. Default false.
    pub keep_truncated: bool,
}

/// Decompressed bytes before [`ReadOptions::max_decompression_ratio`] is first checked: small
/// files of very repetitive records are not bombs, whatever their ratio.
pub const BOMB_CHECK_AFTER: u64 = 8 << 20;

/// What a reader does with bytes that are not valid UTF-8.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Utf8Policy {
    /// The record is rejected as [`RejectKind::InvalidUtf8`], naming the byte where it goes wrong.
    #[default]
    Reject,
    /// Invalid sequences are replaced by U+FFFD (as `String::from_utf8_lossy` does) and the
    /// document is flagged: `attributes["invalid_utf8"] = true`, written under `millstone` in the
    /// output.
    Replace,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            text_field: "text".into(),
            id_field: "id".into(),
            max_record_bytes: 64 << 20,
            invalid_utf8: Utf8Policy::Reject,
            max_decompression_ratio: 1000,
            content_types: vec!["text/html".into(), "application/xhtml+xml".into()],
            keep_truncated: false,
        }
    }
}

/// The attribute set on a document whose invalid UTF-8 was replaced ([`Utf8Policy::Replace`]).
pub const INVALID_UTF8_ATTRIBUTE: &str = "invalid_utf8";

/// One record of an input: a document, the reason it could not become one, or a WARC/ARC record
/// that is no document (counted, not read).
#[derive(Debug, Clone)]
pub enum Record {
    Doc(Document),
    Rejected(Rejection),
    Skipped(Skipped),
}

/// A WARC/ARC record that is not a document: a `request`, `warcinfo`, `metadata` or `revisit`
/// record, a response with another status or content type, one over the size limit, ... Counted
/// in `stats.json` under `records` (by type) and `skipped` (by reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The record's `WARC-Type` (`other` for types outside the standard's list).
    pub record_type: &'static str,
    /// Why it is no document: its type (`request`, `warcinfo`, ...), `status_NNN`,
    /// `content_type`, `too_large`, `truncated`, `not_http`, `content_encoding_<name>`.
    pub reason: String,
}

impl Record {
    /// The document, if this record is one.
    pub fn doc(self) -> Option<Document> {
        match self {
            Record::Doc(d) => Some(d),
            Record::Rejected(_) | Record::Skipped(_) => None,
        }
    }

    /// The rejection, if this record is one.
    pub fn rejection(self) -> Option<Rejection> {
        match self {
            Record::Doc(_) | Record::Skipped(_) => None,
            Record::Rejected(r) => Some(r),
        }
    }
}

/// Read one input file as a stream of records.
///
/// Never fails: a file that cannot be opened yields exactly one [`Rejection`] (kind `Io`, record
/// 0); a defect inside a file yields a rejection for that record, and the reader goes on where it
/// can (a corrupt compressed stream or Parquet page ends the file after the rejection). An empty
/// (0-byte) JSONL or Parquet file yields no records; an empty text file is one empty document.
pub fn read(input: &InputFile, opts: &ReadOptions) -> Box<dyn Iterator<Item = Record> + Send> {
    let name: Arc<str> = input.path.to_string_lossy().into();
    // A 0-byte file is one rejection (kind `empty_file`), whatever its kind: an input that held
    // nothing shows in `rejected/` and `stats.json` instead of vanishing. (A compressed stream
    // that decompresses to nothing has bytes on disk and is read as zero records.)
    if std::fs::metadata(&input.path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Box::new(std::iter::once(Record::Rejected(Rejection {
            file: name.to_string(),
            record: 0,
            offset: Some(0),
            kind: RejectKind::EmptyFile,
            error: format!("{}: empty file (0 bytes), no records", input.path.display()),
            excerpt: String::new(),
        })));
    }
    match input.kind {
        InputKind::Jsonl => jsonl::read(&input.path, name, opts),
        InputKind::Parquet => parquet::read(&input.path, name, opts),
        InputKind::Text => text::read(input, name, opts),
        InputKind::Warc | InputKind::Wet => warc::read(&input.path, name, opts, warc::Format::Warc),
        InputKind::Arc => warc::read(&input.path, name, opts, warc::Format::Arc),
        InputKind::Html => html::read(input, name, opts),
        InputKind::Unsupported => {
            let what = crate::input::describe(&input.path);
            let r = file_rejection(
                &name,
                RejectKind::UnsupportedFormat,
                format!("{name}: not a format millstone reads: {what}"),
            );
            Box::new(std::iter::once(Record::Rejected(r)))
        }
        InputKind::Unreadable => unreadable(&input.path, &name),
    }
}

/// The one `io` rejection of a path a folder walk found but cannot read; the reason is looked up
/// again now (the walk only knew that something was wrong).
fn unreadable(path: &std::path::Path, file: &str) -> Box<dyn Iterator<Item = Record> + Send> {
    let why = match std::fs::symlink_metadata(path) {
        Err(e) => format!("cannot read: {e}"),
        Ok(link) if link.file_type().is_symlink() => match std::fs::metadata(path) {
            Err(e) => {
                let target = std::fs::read_link(path)
                    .map(|t| format!(" to `{}`", t.display()))
                    .unwrap_or_default();
                format!("symbolic link{target} cannot be followed: {e}")
            }
            Ok(m) => describe_unreadable(path, &m),
        },
        Ok(m) => describe_unreadable(path, &m),
    };
    let r = file_rejection(file, RejectKind::Io, format!("{file}: {why}"));
    Box::new(std::iter::once(Record::Rejected(r)))
}

fn describe_unreadable(path: &std::path::Path, m: &std::fs::Metadata) -> String {
    if m.is_dir() {
        match std::fs::read_dir(path) {
            Err(e) => format!("cannot list folder: {e}; its files are not read"),
            Ok(_) => "folder could not be listed during the walk; its files are not read".into(),
        }
    } else if m.is_file() {
        match std::fs::File::open(path) {
            Err(e) => format!("cannot open: {e}"),
            Ok(_) => "could not be read during the walk".into(),
        }
    } else {
        format!(
            "not a regular file ({}); not read",
            crate::input::file_type_name(&m.file_type())
        )
    }
}

/// A rejection of the whole file (record 0).
pub(crate) fn file_rejection(file: &str, kind: RejectKind, error: String) -> Rejection {
    Rejection {
        file: file.to_owned(),
        record: 0,
        offset: None,
        kind,
        error,
        excerpt: String::new(),
    }
}

/// The one-record stream of a file that cannot be opened.
pub(crate) fn open_failed(
    file: &str,
    err: &std::io::Error,
) -> Box<dyn Iterator<Item = Record> + Send> {
    let r = file_rejection(file, RejectKind::Io, format!("{file}: cannot open: {err}"));
    Box::new(std::iter::once(Record::Rejected(r)))
}
