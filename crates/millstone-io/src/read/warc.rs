//! WARC 1.0/1.1 and ARC reader: records in, documents, skipped records and rejections out.
//!
//! A `response` record (or an ARC record) whose HTTP status is 2xx and whose content type is in
//! [`ReadOptions::content_types`] becomes a document holding the body decoded to UTF-8 (see
//! [`super::charset`]); so does a `resource` record of such a type, and every WET `conversion`
//! record (its text as given). Every other record is a [`Record::Skipped`] naming its type and
//! the reason (`request`, `warcinfo`, `metadata`, `revisit`, `status_404`, `content_type`,
//! `truncated`, `too_large`, `not_http`, …). Records are streamed: headers are read line by line
//! into reused buffers, and a block that is skipped (or over [`ReadOptions::max_record_bytes`]) is
//! passed over without being held in memory.
//!
//! Malformed input is a rejection naming file and byte offset, and reading goes on: a header
//! without a valid `Content-Length` or `WARC-Type` (the reader moves on to the next `WARC/` line),
//! bytes between records that are no record (one `malformed_record` rejection per run of them), a
//! block running past the end of the file, a broken gzip member (a `decompression` rejection;
//! reading resumes at the next gzip member). A broken zstd stream or a decompression bomb ends the
//! file after its rejection.
//!
//! Not for: choosing files (`crate::input` sniffs them), HTML extraction (a pipeline stage).

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use millstone_core::{Document, Map, RejectKind, Rejection, Source, Value};

use super::charset;
use super::lines::{read_line_capped, Line};
use super::stream::{Decoded, StreamError};
use super::{open_failed, ReadOptions, Record, Skipped, INVALID_UTF8_ATTRIBUTE};

/// Longest header line kept (a longer one is cut; its tail is skipped, not buffered).
const MAX_LINE: usize = 16 << 10;
/// A record header (WARC or HTTP) larger than this is malformed.
const MAX_HEADER: usize = 256 << 10;
/// Buffer of the decompressed stream.
const BUFFER: usize = 128 << 10;
/// Reused body buffers grown past this by one large record are released afterwards.
const KEEP_BUFFER: usize = 8 << 20;

/// Which container format a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Warc,
    Arc,
}

pub(super) fn read(
    path: &std::path::Path,
    file: Arc<str>,
    opts: &ReadOptions,
    format: Format,
) -> Box<dyn Iterator<Item = Record> + Send> {
    match Decoded::open(path, opts.max_decompression_ratio) {
        Ok(dec) => Box::new(WarcReader::new(dec, file, opts, format)),
        Err(e) => open_failed(&file, &e),
    }
}

/// The fields of a record header that decide what it becomes.
#[derive(Default)]
struct Header {
    warc_type: String,
    content_length: Option<u64>,
    length_text: String,
    record_id: String,
    target_uri: String,
    date: String,
    content_type: String,
    truncated: bool,
}

impl Header {
    fn clear(&mut self) {
        self.warc_type.clear();
        self.content_length = None;
        self.length_text.clear();
        self.record_id.clear();
        self.target_uri.clear();
        self.date.clear();
        self.content_type.clear();
        self.truncated = false;
    }
}

/// What the HTTP header at the start of a response block says.
#[derive(Default)]
struct Http {
    status: u16,
    content_type: String,
    chunked: bool,
    encoding: String,
    /// Bytes of the block the HTTP header took.
    len: u64,
}

/// Why the current record cannot go on.
enum Stop {
    /// A rejection; the reader resynchronises before the next record.
    Reject(RejectKind, String, Vec<u8>),
    /// The stream failed (its error is reported as a rejection of this record).
    Stream(io::Error),
    /// A skipped record (its block already passed over).
    Skip(&'static str, String),
}

pub(crate) struct WarcReader {
    src: BufReader<Decoded>,
    file: Arc<str>,
    format: Format,
    cap: u64,
    content_types: Vec<String>,
    keep_truncated: bool,
    line: Vec<u8>,
    body: Vec<u8>,
    scratch: Vec<u8>,
    header: Header,
    /// A version line found while skipping garbage: the next record starts with it.
    pending: Option<(u64, Option<u64>)>,
    /// After a rejected record or a stream failure: lines are passed over without a rejection
    /// until one opens a record.
    resyncing: bool,
    record_no: u64,
    done: bool,
}

impl WarcReader {
    pub(crate) fn new(dec: Decoded, file: Arc<str>, opts: &ReadOptions, format: Format) -> Self {
        WarcReader {
            src: BufReader::with_capacity(BUFFER, dec),
            file,
            format,
            cap: opts.max_record_bytes as u64,
            content_types: opts
                .content_types
                .iter()
                .map(|t| t.trim().to_ascii_lowercase())
                .collect(),
            keep_truncated: opts.keep_truncated,
            line: Vec::new(),
            body: Vec::new(),
            scratch: Vec::new(),
            header: Header::default(),
            pending: None,
            resyncing: false,
            record_no: 0,
            done: false,
        }
    }

    /// Decompressed offset of the next byte.
    fn pos(&self) -> u64 {
        self.src.get_ref().out() - self.src.buffer().len() as u64
    }

    fn reject(&self, offset: u64, kind: RejectKind, msg: String, excerpt: &[u8]) -> Record {
        Record::Rejected(Rejection {
            file: self.file.to_string(),
            record: self.record_no,
            offset: Some(offset),
            kind,
            error: format!("{}: record at byte {offset}: {msg}", self.file),
            excerpt: Rejection::excerpt_of(excerpt),
        })
    }

    /// The rejection of a stream error at `offset` (none while already resynchronising after
    /// one: the bytes up to the next good record belong to the failure reported), then
    /// resynchronisation: the next gzip member, or the end of the file.
    fn stream_failed(&mut self, offset: u64, e: io::Error) -> Option<Record> {
        let kind = match StreamError::of(&e) {
            Some(StreamError::Bomb { .. }) => RejectKind::DecompressionBomb,
            Some(StreamError::Garbage { .. }) => RejectKind::MalformedRecord,
            Some(StreamError::Corrupt { .. }) => RejectKind::Decompression,
            None => RejectKind::Io,
        };
        let r = (!self.resyncing).then(|| self.reject(offset, kind, e.to_string(), &[]));
        if self.src.get_mut().resync().is_none() {
            self.done = true;
        }
        self.pending = None;
        self.resyncing = true;
        r
    }

    /// Skip blank lines; `Ok(false)` at the end of the input.
    fn skip_blank(&mut self) -> io::Result<bool> {
        loop {
            let buf = self.src.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            let n = buf
                .iter()
                .take_while(|&&b| matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0))
                .count();
            if n < buf.len() {
                self.src.consume(n);
                return Ok(true);
            }
            let all = buf.len();
            self.src.consume(all);
        }
    }

    /// Whether `line` opens a record of this file's format.
    fn opens_record(&self, line: &[u8]) -> bool {
        match self.format {
            Format::Warc => line.starts_with(b"WARC/"),
            Format::Arc => parse_arc_line(line).is_some(),
        }
    }

    /// Read the next record's first line into `self.line`: its offset and the compressed offset
    /// of the gzip member it starts (when it starts one). Bytes before it that open no record are
    /// one rejection (none while resynchronising after a rejected record: they are its rest).
    fn first_line(&mut self) -> Start {
        if let Some((start, member)) = self.pending.take() {
            return Start::Record(start, member);
        }
        let at = self.pos();
        match self.skip_blank() {
            Ok(true) => {}
            Ok(false) => return Start::Eof,
            Err(e) => {
                return self
                    .stream_failed(at, e)
                    .map_or(Start::Again, |r| Start::Rejected(Box::new(r)))
            }
        }
        let start = self.pos();
        let mut excerpt = Vec::new();
        loop {
            let line_start = self.pos();
            let dec = self.src.get_ref();
            let member = (dec.is_gzip() && dec.member().1 == line_start).then_some(dec.member().0);
            match read_line_capped(&mut self.src, &mut self.line, MAX_LINE) {
                Ok(Line::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    if line_start > start && !self.resyncing {
                        self.record_no += 1;
                        let msg = format!(
                            "{} bytes that are no {} record, then: {e}",
                            line_start - start,
                            self.format_name()
                        );
                        let r = self.reject(start, RejectKind::MalformedRecord, msg, &excerpt);
                        self.resyncing = true;
                        if self.src.get_mut().resync().is_none() {
                            self.done = true;
                        }
                        return Start::Rejected(Box::new(r));
                    }
                    return self
                        .stream_failed(line_start, e)
                        .map_or(Start::Again, |r| Start::Rejected(Box::new(r)));
                }
            }
            trim_cr(&mut self.line);
            if self.opens_record(&self.line) {
                let was_resyncing = std::mem::take(&mut self.resyncing);
                if line_start == start || was_resyncing {
                    return Start::Record(line_start, member);
                }
                self.pending = Some((line_start, member));
                self.record_no += 1;
                let msg = format!(
                    "{} bytes that are no {} record before the next record at byte {line_start}",
                    line_start - start,
                    self.format_name()
                );
                return Start::Rejected(Box::new(self.reject(
                    start,
                    RejectKind::MalformedRecord,
                    msg,
                    &excerpt,
                )));
            }
            if excerpt.len() < Rejection::EXCERPT_BYTES {
                if !excerpt.is_empty() {
                    excerpt.push(b'\n');
                }
                excerpt.extend_from_slice(&self.line);
            }
        }
        self.done = true;
        let end = self.pos();
        if self.resyncing || end == start {
            return Start::Eof;
        }
        self.record_no += 1;
        let msg = format!(
            "{} bytes at the end of the file that are no {} record",
            end - start,
            self.format_name()
        );
        Start::Rejected(Box::new(self.reject(
            start,
            RejectKind::MalformedRecord,
            msg,
            &excerpt,
        )))
    }

    fn format_name(&self) -> &'static str {
        match self.format {
            Format::Warc => "WARC",
            Format::Arc => "ARC",
        }
    }

    /// Read the WARC header lines after the version line into `self.header`.
    fn read_warc_header(&mut self) -> Result<(), Stop> {
        self.header.clear();
        let mut total = 0usize;
        loop {
            match read_line_capped(&mut self.src, &mut self.line, MAX_LINE) {
                Ok(Line::Eof) => {
                    return Err(Stop::Reject(
                        RejectKind::MalformedRecord,
                        "the file ends inside the record header".into(),
                        Vec::new(),
                    ))
                }
                Ok(Line::Complete { bytes } | Line::TooLong { bytes, .. }) => {
                    total += bytes as usize
                }
                Err(e) => return Err(Stop::Stream(e)),
            }
            if total > MAX_HEADER {
                return Err(Stop::Reject(
                    RejectKind::MalformedRecord,
                    format!("record header longer than {MAX_HEADER} bytes"),
                    self.line.clone(),
                ));
            }
            trim_cr(&mut self.line);
            if self.line.is_empty() {
                return Ok(());
            }
            let Some(colon) = memchr::memchr(b':', &self.line) else {
                continue; // a line that is no field (tolerated, as other readers do)
            };
            let name = trim(&self.line[..colon]);
            let value = String::from_utf8_lossy(trim(&self.line[colon + 1..]));
            let h = &mut self.header;
            if name.eq_ignore_ascii_case(b"WARC-Type") {
                h.warc_type = value.to_ascii_lowercase();
            } else if name.eq_ignore_ascii_case(b"Content-Length") {
                h.length_text = value.chars().take(40).collect();
                h.content_length = value.parse().ok();
            } else if name.eq_ignore_ascii_case(b"WARC-Record-ID") {
                h.record_id = value.into_owned();
            } else if name.eq_ignore_ascii_case(b"WARC-Target-URI") {
                h.target_uri = value.trim_matches(['<', '>']).to_owned();
            } else if name.eq_ignore_ascii_case(b"WARC-Date") {
                h.date = value.into_owned();
            } else if name.eq_ignore_ascii_case(b"Content-Type") {
                h.content_type = value.into_owned();
            } else if name.eq_ignore_ascii_case(b"WARC-Truncated") {
                h.truncated = true;
            }
        }
    }

    /// Fill `self.header` from an ARC header line (in `self.line`).
    fn read_arc_header(&mut self) -> Result<(), Stop> {
        self.header.clear();
        let Some(arc) = parse_arc_line(&self.line) else {
            return Err(Stop::Reject(
                RejectKind::MalformedRecord,
                "not an ARC header line".into(),
                self.line.clone(),
            ));
        };
        let h = &mut self.header;
        h.target_uri = arc.url.to_owned();
        h.date = arc.date.to_owned();
        h.content_type = arc.content_type.to_owned();
        h.length_text = arc.length.chars().take(40).collect();
        h.content_length = arc.length.parse().ok();
        h.warc_type = if arc.url.starts_with("filedesc:") {
            "filedesc".into()
        } else {
            "response".into()
        };
        Ok(())
    }

    /// Pass over `n` bytes of the block without keeping them.
    fn skip_bytes(&mut self, mut n: u64) -> Result<(), Stop> {
        while n > 0 {
            let buf = self.src.fill_buf().map_err(Stop::Stream)?;
            if buf.is_empty() {
                return Err(past_end(n));
            }
            let k = (buf.len() as u64).min(n) as usize;
            self.src.consume(k);
            n -= k as u64;
        }
        Ok(())
    }

    /// Append `n` bytes of the block to `self.body`.
    fn take_bytes(&mut self, n: u64) -> Result<(), Stop> {
        let got = (&mut self.src)
            .take(n)
            .read_to_end(&mut self.body)
            .map_err(Stop::Stream)?;
        if (got as u64) < n {
            return Err(past_end(n - got as u64));
        }
        Ok(())
    }

    /// Skip the rest of a block of `len` bytes of which `used` were read, and say why.
    fn skip_rest(&mut self, len: u64, used: u64, reason: impl Into<String>) -> Stop {
        if let Err(stop) = self.skip_bytes(len - used) {
            return stop;
        }
        let record_type = self.record_type();
        Stop::Skip(record_type, reason.into())
    }

    fn record_type(&self) -> &'static str {
        record_type_name(&self.header.warc_type)
    }

    /// Read the HTTP header at the start of a block of `len` bytes.
    /// `Err(bytes read)` when the block does not start with an HTTP status line.
    fn read_http(&mut self, len: u64) -> Result<Result<Http, u64>, Stop> {
        let mut http = Http::default();
        let mut first = true;
        loop {
            if http.len >= len {
                // The block ends inside the HTTP header: nothing of a body.
                return Ok(if first { Err(http.len) } else { Ok(http) });
            }
            let room = len - http.len;
            let line = read_line_capped(&mut (&mut self.src).take(room), &mut self.line, MAX_LINE)
                .map_err(Stop::Stream)?;
            let bytes = match line {
                Line::Eof => return Err(past_end(room)),
                Line::Complete { bytes } | Line::TooLong { bytes, .. } => bytes,
            };
            http.len += bytes;
            if http.len > MAX_HEADER as u64 {
                return Err(Stop::Reject(
                    RejectKind::MalformedRecord,
                    format!("HTTP header longer than {MAX_HEADER} bytes"),
                    Vec::new(),
                ));
            }
            trim_cr(&mut self.line);
            if first {
                first = false;
                if !self.line.starts_with(b"HTTP/") {
                    return Ok(Err(http.len));
                }
                http.status = parse_status(&self.line).unwrap_or(0);
                continue;
            }
            if self.line.is_empty() {
                return Ok(Ok(http));
            }
            let Some(colon) = memchr::memchr(b':', &self.line) else {
                continue;
            };
            let name = trim(&self.line[..colon]);
            let value = trim(&self.line[colon + 1..]);
            if name.eq_ignore_ascii_case(b"Content-Type") {
                http.content_type = String::from_utf8_lossy(value).into_owned();
            } else if name.eq_ignore_ascii_case(b"Transfer-Encoding") {
                http.chunked = value
                    .split(|&b| b == b',')
                    .any(|v| trim(v).eq_ignore_ascii_case(b"chunked"));
            } else if name.eq_ignore_ascii_case(b"Content-Encoding") {
                http.encoding = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
            }
        }
    }

    fn allowed(&self, content_type: &str) -> bool {
        let mime = content_type.split(';').next().unwrap_or("").trim();
        self.content_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(mime))
    }

    /// Read one record whose first line is in `self.line`.
    fn record(&mut self, start: u64, member: Option<u64>) -> Result<Document, Stop> {
        match self.format {
            Format::Warc => self.read_warc_header()?,
            Format::Arc => self.read_arc_header()?,
        }
        let Some(len) = self.header.content_length else {
            let msg = if self.header.length_text.is_empty() {
                "no Content-Length in the record header".to_owned()
            } else {
                format!(
                    "Content-Length `{}` is not a number",
                    self.header.length_text
                )
            };
            return Err(Stop::Reject(RejectKind::MalformedRecord, msg, Vec::new()));
        };
        if self.header.warc_type.is_empty() {
            self.skip_bytes(len)?;
            return Err(Stop::Reject(
                RejectKind::MalformedRecord,
                "no WARC-Type in the record header".into(),
                Vec::new(),
            ));
        }
        let kind = self.header.warc_type.as_str();
        let is_doc_type = matches!(kind, "response" | "resource" | "conversion");
        if !is_doc_type {
            let reason = self.record_type();
            return Err(self.skip_rest(len, 0, reason));
        }
        if len > self.cap {
            return Err(self.skip_rest(len, 0, "too_large"));
        }
        if self.header.truncated && !self.keep_truncated {
            return Err(self.skip_rest(len, 0, "truncated"));
        }
        let mut content_type = self.header.content_type.clone();
        let mut http = None;
        if self.header.warc_type == "response" {
            let h = match self.read_http(len)? {
                Ok(h) => h,
                // Not an HTTP response (dns:, ftp:, or a block without a status line).
                Err(used) => return Err(self.skip_rest(len, used, "not_http")),
            };
            if !(200..300).contains(&h.status) {
                let reason = if h.status == 0 {
                    "status_invalid".to_owned()
                } else {
                    format!("status_{}", h.status)
                };
                let used = h.len;
                return Err(self.skip_rest(len, used, reason));
            }
            content_type = h.content_type.clone();
            http = Some(h);
        }
        let html = self.header.warc_type != "conversion";
        if html && !self.allowed(&content_type) {
            let used = http.as_ref().map_or(0, |h| h.len);
            return Err(self.skip_rest(len, used, "content_type"));
        }
        if self.body.capacity() > KEEP_BUFFER {
            self.body = Vec::new();
        }
        self.body.clear();
        let used = http.as_ref().map_or(0, |h| h.len);
        self.take_bytes(len - used)?;
        if let Some(h) = &http {
            if h.chunked {
                if let Some(plain) = dechunk(&self.body, self.cap) {
                    self.body = plain;
                }
            }
            match h.encoding.as_str() {
                "" | "identity" => {}
                // A body the header calls gzip that is not (ClueWeb09 stored bodies already
                // decoded, with the header as sent): taken as it is.
                "gzip" | "x-gzip" if !self.body.starts_with(&crate::input::GZIP_MAGIC) => {}
                "gzip" | "x-gzip" | "deflate" => {
                    self.scratch.clear();
                    let ok = inflate(&self.body, &h.encoding, self.cap, &mut self.scratch);
                    if let Err(e) = ok {
                        return Err(Stop::Reject(
                            RejectKind::MalformedRecord,
                            format!(
                                "body does not decode as Content-Encoding {}: {e}",
                                h.encoding
                            ),
                            self.body.clone(),
                        ));
                    }
                    std::mem::swap(&mut self.body, &mut self.scratch);
                }
                other => {
                    let reason = format!("content_encoding_{}", sanitize(other));
                    return Err(Stop::Skip(self.record_type(), reason));
                }
            }
        }
        let declared = charset::content_type_charset(&content_type);
        let decoded = charset::decode(&self.body, declared, html);
        Ok(self.document(start, member, content_type, decoded))
    }

    fn document(
        &self,
        start: u64,
        member: Option<u64>,
        content_type: String,
        decoded: charset::Decoded,
    ) -> Document {
        let h = &self.header;
        let id = if h.record_id.is_empty() {
            format!("{}/{}", self.file, self.record_no)
        } else {
            h.record_id.clone()
        };
        let mut doc = Document::new(id, decoded.text);
        doc.source = Source {
            file: Arc::clone(&self.file),
            record: self.record_no,
            input: 0,
            record_type: self.record_type(),
        };
        let mut fields = Map::new();
        fields.insert("url".into(), Value::String(h.target_uri.clone()));
        fields.insert("date".into(), Value::String(h.date.clone()));
        let mime = content_type.split(';').next().unwrap_or("").trim();
        fields.insert(
            "content_type".into(),
            Value::String(mime.to_ascii_lowercase()),
        );
        fields.insert(
            "charset".into(),
            Value::String(decoded.encoding.name().to_owned()),
        );
        let mut warc = Map::new();
        warc.insert("file".into(), Value::String(self.file.to_string()));
        warc.insert("offset".into(), Value::from(member.unwrap_or(start)));
        fields.insert("warc".into(), Value::Object(warc));
        doc.fields = fields;
        if decoded.replaced {
            doc.attributes
                .insert(INVALID_UTF8_ATTRIBUTE.into(), Value::Bool(true));
        }
        doc
    }
}

/// What [`WarcReader::first_line`] found.
enum Start {
    Record(u64, Option<u64>),
    Rejected(Box<Record>),
    /// Nothing yet (a failure passed over while resynchronising): call again.
    Again,
    Eof,
}

impl Iterator for WarcReader {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        let (start, member) = loop {
            if self.done {
                return None;
            }
            match self.first_line() {
                Start::Record(start, member) => break (start, member),
                Start::Eof => {
                    self.done = true;
                    return None;
                }
                Start::Rejected(r) => return Some(*r),
                Start::Again => continue,
            }
        };
        self.record_no += 1;
        let offset = member.unwrap_or(start);
        match self.record(start, member) {
            Ok(doc) => Some(Record::Doc(doc)),
            Err(Stop::Skip(record_type, reason)) => Some(Record::Skipped(Skipped {
                record_type,
                reason,
            })),
            Err(Stop::Reject(kind, msg, excerpt)) => {
                // The rest of a record whose header or block was bad is passed over up to the
                // next record, as part of this rejection.
                self.resyncing = true;
                let excerpt = if excerpt.is_empty() {
                    self.line.clone()
                } else {
                    excerpt
                };
                Some(self.reject(offset, kind, msg, &excerpt))
            }
            Err(Stop::Stream(e)) => {
                self.resyncing = false;
                let r = self.stream_failed(offset, e);
                r.or_else(|| self.next())
            }
        }
    }
}

fn past_end(missing: u64) -> Stop {
    Stop::Reject(
        RejectKind::MalformedRecord,
        format!("Content-Length runs past the end of the file ({missing} bytes missing)"),
        Vec::new(),
    )
}

/// The names record types are counted under (unknown types share `other`).
fn record_type_name(t: &str) -> &'static str {
    match t {
        "warcinfo" => "warcinfo",
        "response" => "response",
        "resource" => "resource",
        "request" => "request",
        "metadata" => "metadata",
        "revisit" => "revisit",
        "conversion" => "conversion",
        "continuation" => "continuation",
        "filedesc" => "filedesc",
        _ => "other",
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .take(24)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn trim_cr(line: &mut Vec<u8>) {
    while line.last() == Some(&b'\r') {
        line.pop();
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let end = b.len()
        - b[start..]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
    &b[start..end]
}

/// The status code of an HTTP status line (`HTTP/1.1 200 OK`).
fn parse_status(line: &[u8]) -> Option<u16> {
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    parts.next()?;
    let code = parts.next()?;
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// The fields of an ARC header line: `URL IP DATE CONTENT-TYPE LENGTH` (version 1) or the ten
/// fields of version 2, whose last is the length.
struct ArcLine<'a> {
    url: &'a str,
    date: &'a str,
    content_type: &'a str,
    length: &'a str,
}

fn parse_arc_line(line: &[u8]) -> Option<ArcLine<'_>> {
    let text = std::str::from_utf8(line).ok()?;
    let fields: Vec<&str> = text.split(' ').filter(|f| !f.is_empty()).collect();
    if fields.len() < 5 {
        return None;
    }
    // A URL may hold spaces: the four fields after it are counted from the end (version 1).
    let n = fields.len();
    let (url, date, content_type, length) = if n >= 10 && fields[n - 2].contains('.') {
        // Version 2: URL IP DATE TYPE CODE CHECKSUM LOCATION OFFSET FILENAME LENGTH.
        let url = fields[..n - 9].join(" ");
        (url, fields[n - 8], fields[n - 7], fields[n - 1])
    } else {
        let url = fields[..n - 4].join(" ");
        (url, fields[n - 3], fields[n - 2], fields[n - 1])
    };
    if !(url.contains("://") || url.starts_with("dns:") || url.starts_with("filedesc:")) {
        return None;
    }
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The URL is a prefix of the line (fields joined by single spaces may differ from the line;
    // take the line's own bytes up to the date).
    let url_end = text.find(date).unwrap_or(url.len()).min(text.len());
    let url = text[..url_end].trim_end();
    let url = url.rsplit_once(' ').map_or(url, |(u, _ip)| u);
    Some(ArcLine {
        url,
        date,
        content_type,
        length,
    })
}

/// Undo HTTP chunked transfer-encoding; `None` if `body` is not validly chunked (then the body is
/// taken as it is, as browsers and other readers do).
fn dechunk(body: &[u8], cap: u64) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let eol = memchr::memchr(b'\n', rest)?;
        let size_line = trim(&rest[..eol]);
        let hex = size_line.split(|&b| b == b';').next()?;
        let hex = std::str::from_utf8(trim(hex)).ok()?;
        let size = usize::from_str_radix(hex, 16).ok()?;
        rest = &rest[eol + 1..];
        if size == 0 {
            return Some(out);
        }
        if size > rest.len() || (out.len() + size) as u64 > cap {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))?;
    }
}

/// Decompress a gzip or deflate (zlib, or raw deflate as some servers send) body, at most `cap`
/// bytes.
fn inflate(body: &[u8], encoding: &str, cap: u64, out: &mut Vec<u8>) -> io::Result<()> {
    let limit = cap + 1;
    let n = if encoding == "deflate" {
        let zlib = flate2::read::ZlibDecoder::new(body)
            .take(limit)
            .read_to_end(out);
        match zlib {
            Ok(n) => n,
            Err(_) => {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(limit)
                    .read_to_end(out)?
            }
        }
    } else {
        flate2::read::MultiGzDecoder::new(body)
            .take(limit)
            .read_to_end(out)?
    };
    if n as u64 > cap {
        return Err(io::Error::other(format!(
            "decodes to more than max_record_bytes = {cap}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n", 100).as_deref(),
            Some(&b"Wikipedia"[..])
        );
        assert_eq!(dechunk(b"<html>not chunked", 100), None);
        assert_eq!(dechunk(b"ff\r\nshort", 100), None);
        assert_eq!(dechunk(b"4\r\nWiki\r\n0\r\n", 3), None);
    }

    #[test]
    fn arc_lines() {
        let l = parse_arc_line(b"http://example.com/ 93.184.216.119 20140216050221 text/html 1591")
            .unwrap();
        assert_eq!(
            (l.url, l.date, l.content_type, l.length),
            ("http://example.com/", "20140216050221", "text/html", "1591")
        );
        let l = parse_arc_line(b"http://a b/ 1.2.3.4 2014 text/html 12").unwrap();
        assert_eq!(l.url, "http://a b/");
        assert!(parse_arc_line(b"1 0 LiveWeb Capture").is_none());
        assert!(
            parse_arc_line(b"URL IP-address Archive-date Content-type Archive-length").is_none()
        );
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK"), Some(200));
        assert_eq!(parse_status(b"HTTP/1.0 404"), Some(404));
        assert_eq!(parse_status(b"HTTP/1.1 2000 x"), None);
        assert_eq!(parse_status(b"HTTP/1.1"), None);
    }
}
