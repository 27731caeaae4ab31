//! [`Rejection`]: an input record that could not become a [`crate::Document`].

use serde::{Deserialize, Serialize};

/// Why a record was rejected. The `as_str` word is the key in `stats.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectKind {
    /// The line is not valid JSON.
    InvalidJson,
    /// Valid JSON, but not an object.
    NotAnObject,
    /// The object has no text field.
    MissingText,
    /// The text field is not a string.
    NonStringText,
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The record is larger than the configured limit.
    TooLarge,
    /// A compressed stream ended early or is corrupt.
    Decompression,
    /// A compressed input expands more than the configured ratio (a "zip bomb"); the rest of the
    /// file is not read.
    DecompressionBomb,
    /// A Parquet file that cannot be read or lacks the text column.
    Parquet,
    /// The file could not be opened or read.
    Io,
    /// The file is empty (0 bytes): counted, so that an input that held nothing is visible.
    EmptyFile,
    /// A WARC/ARC record that does not parse (bad header, block past the end of the file, bytes
    /// between records that are no record, a body that does not decode).
    MalformedRecord,
    /// A file in a format millstone does not read (CSV, binary, LZ4, a WAT file, ...): one
    /// rejection saying what it looks like.
    UnsupportedFormat,
}

impl RejectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectKind::InvalidJson => "invalid_json",
            RejectKind::NotAnObject => "not_an_object",
            RejectKind::MissingText => "missing_text",
            RejectKind::NonStringText => "non_string_text",
            RejectKind::InvalidUtf8 => "invalid_utf8",
            RejectKind::TooLarge => "too_large",
            RejectKind::Decompression => "decompression",
            RejectKind::DecompressionBomb => "decompression_bomb",
            RejectKind::Parquet => "parquet",
            RejectKind::Io => "io",
            RejectKind::EmptyFile => "empty_file",
            RejectKind::MalformedRecord => "malformed_record",
            RejectKind::UnsupportedFormat => "unsupported_format",
        }
    }
}

/// A record that could not be read: kept as data, written to `rejected/`, counted in stats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The input file.
    pub file: String,
    /// 1-based record number (line or row) where known; 0 when the whole file failed.
    pub record: u64,
    /// Byte offset of the record in the (decompressed) stream, where known.
    pub offset: Option<u64>,
    pub kind: RejectKind,
    /// Human-readable error, naming what went wrong.
    pub error: String,
    /// A bounded excerpt of the raw bytes (lossy UTF-8), for debugging.
    pub excerpt: String,
}

impl Rejection {
    /// Maximum excerpt length kept, in bytes.
    pub const EXCERPT_BYTES: usize = 200;

    /// Build an excerpt from raw bytes: at most [`Self::EXCERPT_BYTES`], lossily decoded.
    pub fn excerpt_of(raw: &[u8]) -> String {
        let cut = &raw[..raw.len().min(Self::EXCERPT_BYTES)];
        String::from_utf8_lossy(cut).into_owned()
    }
}
