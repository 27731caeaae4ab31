//! HTML file reader: one `.html` / `.htm` file (optionally gzip- or zstd-compressed) is one
//! document whose text is the page decoded to UTF-8 (byte-order mark, `<meta>` charset, then
//! detection; see [`super::charset`]), its id the path relative to the folder it was found under.
//!
//! The text is the raw HTML: a pipeline reading HTML must extract the main text with its
//! `html_extract` stage (the `millstone` binary refuses to run without one). Not for: WARC
//! responses ([`super::warc`]).

use std::io::Read;
use std::sync::Arc;

use millstone_core::{Document, Map, RejectKind, Rejection, Source, Value};

use super::stream::Decoded;
use super::text::relative_id;
use super::{open_failed, ReadOptions, Record, INVALID_UTF8_ATTRIBUTE};
use crate::InputFile;

pub(super) fn read(
    input: &InputFile,
    file: Arc<str>,
    opts: &ReadOptions,
) -> Box<dyn Iterator<Item = Record> + Send> {
    let mut dec = match Decoded::open(&input.path, opts.max_decompression_ratio) {
        Ok(d) => d,
        Err(e) => return open_failed(&file, &e),
    };
    let cap = opts.max_record_bytes as u64;
    let mut bytes = Vec::new();
    let reject = |kind, msg: String, excerpt: &[u8]| -> Box<dyn Iterator<Item = Record> + Send> {
        Box::new(std::iter::once(Record::Rejected(Rejection {
            file: file.to_string(),
            record: 1,
            offset: Some(0),
            kind,
            error: format!("{file}: {msg}"),
            excerpt: Rejection::excerpt_of(excerpt),
        })))
    };
    // One byte past the cap tells a page over it, without reading it whole.
    if let Err(e) = dec.by_ref().take(cap + 1).read_to_end(&mut bytes) {
        let kind = match super::stream::StreamError::of(&e) {
            Some(super::stream::StreamError::Bomb { .. }) => RejectKind::DecompressionBomb,
            Some(_) => RejectKind::Decompression,
            None => RejectKind::Io,
        };
        return reject(kind, e.to_string(), &bytes);
    }
    if bytes.len() as u64 > cap {
        let msg = format!("page is longer than max_record_bytes = {cap}");
        return reject(RejectKind::TooLarge, msg, &bytes);
    }
    let decoded = super::charset::decode(&bytes, None, true);
    let mut doc = Document::new(relative_id(input, &file), decoded.text);
    let mut fields = Map::new();
    fields.insert("content_type".into(), Value::String("text/html".into()));
    fields.insert(
        "charset".into(),
        Value::String(decoded.encoding.name().to_owned()),
    );
    doc.fields = fields;
    doc.source = Source {
        file,
        record: 1,
        input: 0,
        record_type: "",
    };
    if decoded.replaced {
        doc.attributes
            .insert(INVALID_UTF8_ATTRIBUTE.into(), Value::Bool(true));
    }
    Box::new(std::iter::once(Record::Doc(doc)))
}
