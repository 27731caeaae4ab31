//! JSONL reader: plain, gzip (multi-member) or zstd (multi-frame), chosen by magic bytes.
//!
//! Reads line by line into one reused buffer, so memory is one record plus the decoder buffers,
//! whatever the file size. Lines longer than `max_record_bytes` are skipped to their newline
//! without being buffered whole. A decoder error (truncated or corrupt stream) keeps every complete
//! line before it, yields one `Decompression` rejection and ends the file. A compressed stream that
//! expands past `max_decompression_ratio` yields one `DecompressionBomb` rejection and ends the
//! file, after at most [`super::BOMB_CHECK_AFTER`] bytes (or the ratio times the compressed bytes
//! read) were decompressed.
//!
//! Bytes: a raw NUL byte makes a line `invalid_json` (JSON allows NUL only escaped, `\u0000`, and
//! a NUL is the mark of binary data), whatever the UTF-8 policy; an escaped `\u0000` in a string
//! is a character like any other and is kept. Invalid UTF-8 is rejected or replaced per
//! [`super::Utf8Policy`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use millstone_core::{Document, RejectKind, Rejection, Source, Value};

use super::lines::{read_line_capped, Line};
use super::{
    open_failed, ReadOptions, Record, Utf8Policy, BOMB_CHECK_AFTER, INVALID_UTF8_ATTRIBUTE,
};
use crate::input::{GZIP_MAGIC, ZSTD_MAGIC};

const READ_BUFFER: usize = 256 << 10;
/// A buffer grown past this by one huge line is shrunk back before the next line.
const KEEP_BUFFER: usize = 4 << 20;

pub(super) fn read(
    path: &Path,
    file: Arc<str>,
    opts: &ReadOptions,
) -> Box<dyn Iterator<Item = Record> + Send> {
    match open(path, opts.max_decompression_ratio) {
        Ok((reader, codec)) => Box::new(JsonlReader {
            reader,
            codec,
            file,
            text_field: opts.text_field.clone(),
            id_field: opts.id_field.clone(),
            cap: opts.max_record_bytes,
            utf8: opts.invalid_utf8,
            buf: Vec::new(),
            line_no: 0,
            offset: 0,
            done: false,
        }),
        Err(e) => open_failed(&file, &e),
    }
}

/// The compression of an open stream, with a count of the compressed bytes the decoder consumed so
/// far (for the error message when the stream breaks).
enum Codec {
    Plain,
    Compressed {
        name: &'static str,
        read: Arc<AtomicU64>,
    },
}

fn open(path: &Path, max_ratio: u64) -> io::Result<(Box<dyn BufRead + Send>, Codec)> {
    let read = Arc::new(AtomicU64::new(0));
    let mut raw = Consumed {
        inner: BufReader::with_capacity(READ_BUFFER, File::open(path)?),
        consumed: Arc::clone(&read),
    };
    let head = raw.fill_buf()?;
    let guard = |dec: Box<dyn Read + Send>| Guard {
        inner: dec,
        out: 0,
        compressed: Arc::clone(&read),
        max_ratio,
    };
    if head.starts_with(&GZIP_MAGIC) {
        let dec = guard(Box::new(flate2::bufread::MultiGzDecoder::new(raw)));
        let codec = Codec::Compressed { name: "gzip", read };
        Ok((Box::new(BufReader::with_capacity(READ_BUFFER, dec)), codec))
    } else if head.starts_with(&ZSTD_MAGIC) {
        let dec = guard(Box::new(zstd::stream::read::Decoder::with_buffer(raw)?));
        let codec = Codec::Compressed { name: "zstd", read };
        Ok((Box::new(BufReader::with_capacity(READ_BUFFER, dec)), codec))
    } else {
        Ok((Box::new(raw), Codec::Plain))
    }
}

/// Counts the bytes consumed from a buffered reader: for a decoder reading through it, exactly
/// the compressed bytes it has used.
struct Consumed<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: BufRead> Read for Consumed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Consumed<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.consumed.fetch_add(amt as u64, Ordering::Relaxed);
        self.inner.consume(amt);
    }
}

/// The decompression-bomb guard: counts decompressed bytes and fails the stream with a [`Bomb`]
/// once they exceed `max_ratio` times the compressed bytes consumed (checked past
/// [`BOMB_CHECK_AFTER`] bytes; `max_ratio == 0` turns it off).
struct Guard {
    inner: Box<dyn Read + Send>,
    out: u64,
    compressed: Arc<AtomicU64>,
    max_ratio: u64,
}

impl Read for Guard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        if self.max_ratio > 0 && self.out > BOMB_CHECK_AFTER {
            let compressed = self.compressed.load(Ordering::Relaxed).max(1);
            if self.out > self.max_ratio.saturating_mul(compressed) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    Bomb {
                        out: self.out,
                        compressed,
                        max_ratio: self.max_ratio,
                    },
                ));
            }
        }
        Ok(n)
    }
}

/// The error a [`Guard`] fails the stream with.
#[derive(Debug)]
struct Bomb {
    out: u64,
    compressed: u64,
    max_ratio: u64,
}

impl std::fmt::Display for Bomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "decompression bomb: {} compressed bytes expanded to {} bytes so far ({}x), over \
             max_decompression_ratio = {}",
            self.compressed,
            self.out,
            self.out / self.compressed,
            self.max_ratio
        )
    }
}

impl std::error::Error for Bomb {}

struct JsonlReader {
    reader: Box<dyn BufRead + Send>,
    codec: Codec,
    file: Arc<str>,
    text_field: String,
    id_field: String,
    cap: usize,
    utf8: Utf8Policy,
    buf: Vec<u8>,
    /// 1-based number of the last line read.
    line_no: u64,
    /// Offset of the next line in the decompressed stream.
    offset: u64,
    done: bool,
}

impl Iterator for JsonlReader {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        while !self.done {
            if self.buf.capacity() > KEEP_BUFFER {
                self.buf = Vec::new();
            }
            let start = self.offset;
            match read_line_capped(&mut *self.reader, &mut self.buf, self.cap) {
                Err(e) => {
                    self.done = true;
                    return Some(Record::Rejected(self.stream_error(&e, start)));
                }
                Ok(Line::Eof) => self.done = true,
                Ok(Line::Complete { bytes }) => {
                    self.offset += bytes;
                    self.line_no += 1;
                    if self.buf.iter().all(u8::is_ascii_whitespace) {
                        continue; // blank lines are not records
                    }
                    return Some(self.parse(start));
                }
                Ok(Line::TooLong { len, bytes }) => {
                    self.offset += bytes;
                    self.line_no += 1;
                    let msg = format!(
                        "line is {len} bytes, longer than max_record_bytes = {}",
                        self.cap
                    );
                    return Some(Record::Rejected(self.reject(
                        RejectKind::TooLarge,
                        msg,
                        start,
                    )));
                }
            }
        }
        None
    }
}

impl JsonlReader {
    fn reject(&self, kind: RejectKind, msg: String, offset: u64) -> Rejection {
        Rejection {
            file: self.file.to_string(),
            record: self.line_no,
            offset: Some(offset),
            kind,
            error: format!("{}:{}: {msg}", self.file, self.line_no),
            excerpt: Rejection::excerpt_of(&self.buf),
        }
    }

    /// The stream broke while reading the line starting at `start`: everything before it was
    /// delivered; that line and the rest of the file are lost.
    fn stream_error(&mut self, err: &io::Error, start: u64) -> Rejection {
        self.line_no += 1;
        let bomb = err.get_ref().and_then(|e| e.downcast_ref::<Bomb>());
        let (kind, msg) = match (&self.codec, bomb) {
            (_, Some(bomb)) => (
                RejectKind::DecompressionBomb,
                format!(
                    "{bomb}, while reading the line at decompressed byte offset {start}; the \
                     rest of the file is skipped"
                ),
            ),
            (Codec::Plain, None) => (
                RejectKind::Io,
                format!("read failed at byte offset {start}: {err}"),
            ),
            (Codec::Compressed { name, read }, None) => (
                RejectKind::Decompression,
                format!(
                    "{name} stream truncated or corrupt at decompressed byte offset {start} \
                     (after {} compressed bytes read): {err}; the rest of the file is skipped",
                    read.load(Ordering::Relaxed)
                ),
            ),
        };
        self.reject(kind, msg, start)
    }

    fn parse(&self, offset: u64) -> Record {
        let mut line = self.buf.as_slice();
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if self.line_no == 1 {
            if let Some(l) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = l; // byte order mark
            }
        }
        let fail = |kind, msg| Record::Rejected(self.reject(kind, msg, offset));
        if let Some(at) = memchr::memchr(0, line) {
            let msg = format!(
                "NUL byte at byte {at} of the line: binary data, not JSON (JSON allows NUL only \
                 escaped, as \\u0000)"
            );
            return fail(RejectKind::InvalidJson, msg);
        }
        let (s, replaced) = match std::str::from_utf8(line) {
            Ok(s) => (std::borrow::Cow::Borrowed(s), false),
            Err(e) => match self.utf8 {
                Utf8Policy::Reject => {
                    let msg = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to());
                    return fail(RejectKind::InvalidUtf8, msg);
                }
                Utf8Policy::Replace => (String::from_utf8_lossy(line), true),
            },
        };
        let map = match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(map)) => map,
            Ok(other) => {
                let msg = format!("expected a JSON object, found {}", json_type(&other));
                return fail(RejectKind::NotAnObject, msg);
            }
            Err(e) => return fail(RejectKind::InvalidJson, format!("invalid JSON: {e}")),
        };
        let mut doc = match document_from_object(
            map,
            Arc::clone(&self.file),
            self.line_no,
            &self.text_field,
            &self.id_field,
        ) {
            Ok(doc) => doc,
            Err((kind, msg)) => return fail(kind, msg),
        };
        if replaced {
            doc.attributes
                .insert(INVALID_UTF8_ATTRIBUTE.into(), Value::Bool(true));
        }
        Record::Doc(doc)
    }
}

/// A JSON object as a document: the text (at `text_field`, a dotted path allowed) taken out of
/// the fields, the id from `id_field` (or `file/record`), the rest kept as fields. `Err` is the
/// rejection's kind and message: no text, a null text, a text that is not a string.
pub fn document_from_object(
    mut map: millstone_core::Map,
    file: Arc<str>,
    record: u64,
    text_field: &str,
    id_field: &str,
) -> Result<Document, (RejectKind, String)> {
    let text = match millstone_core::field::get_mut(&mut map, text_field).map(Value::take) {
        Some(Value::String(s)) => s,
        None => return Err((RejectKind::MissingText, format!("no `{text_field}` field"))),
        Some(Value::Null) => {
            return Err((RejectKind::MissingText, format!("`{text_field}` is null")))
        }
        Some(other) => {
            let msg = format!("`{text_field}` is {}, not a string", json_type(&other));
            return Err((RejectKind::NonStringText, msg));
        }
    };
    let id = match millstone_core::field::get(&map, id_field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => format!("{file}/{record}"),
    };
    let mut doc = Document::new(id, text);
    doc.source = Source {
        file,
        record,
        input: 0,
        record_type: "",
    };
    doc.fields = map;
    Ok(doc)
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
