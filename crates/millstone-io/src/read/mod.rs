//! Readers: one [`InputFile`] in, an iterator of [`Record`]s out.
//!
//! For: decoding files record by record with bounded memory (one record plus a read buffer, or
//! one Parquet batch), and turning every defect into a [`Rejection`] naming file and record.
//! Not for: finding files ([`crate::expand_inputs`]) or threading (the caller reads files in
//! parallel, one iterator per file).

mod jsonl;
mod lines;
mod parquet;
mod text;

use std::sync::Arc;

use millstone_core::{Document, RejectKind, Rejection};

use crate::{InputFile, InputKind};

/// How records become documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The field (JSONL key, Parquet column) holding the text. Default `"text"`.
    pub text_field: String,
    /// The field holding the document id. Default `"id"`; records without one get
    /// `"<file>/<record>"`.
    pub id_field: String,
    /// Records (JSONL lines, text files, Parquet text cells) longer than this are rejected as
    /// [`RejectKind::TooLarge`] without being buffered whole. Default 64 MiB.
    pub max_record_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            text_field: "text".into(),
            id_field: "id".into(),
            max_record_bytes: 64 << 20,
        }
    }
}

/// One record of an input: a document, or the reason it could not become one.
#[derive(Debug, Clone)]
pub enum Record {
    Doc(Document),
    Rejected(Rejection),
}

impl Record {
    /// The document, if this record is one.
    pub fn doc(self) -> Option<Document> {
        match self {
            Record::Doc(d) => Some(d),
            Record::Rejected(_) => None,
        }
    }

    /// The rejection, if this record is one.
    pub fn rejection(self) -> Option<Rejection> {
        match self {
            Record::Doc(_) => None,
            Record::Rejected(r) => Some(r),
        }
    }
}

/// Read one input file as a stream of records.
///
/// Never fails: a file that cannot be opened yields exactly one [`Rejection`] (kind `Io`, record
/// 0); a defect inside a file yields a rejection for that record, and the reader goes on where it
/// can (a corrupt compressed stream or Parquet page ends the file after the rejection).
pub fn read(input: &InputFile, opts: &ReadOptions) -> Box<dyn Iterator<Item = Record> + Send> {
    let name: Arc<str> = input.path.to_string_lossy().into();
    match input.kind {
        InputKind::Jsonl => jsonl::read(&input.path, name, opts),
        InputKind::Parquet => parquet::read(&input.path, name, opts),
        InputKind::Text => text::read(input, name, opts),
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
