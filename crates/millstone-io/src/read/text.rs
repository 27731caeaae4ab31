//! Text reader: one file is one document, its id the path relative to the folder it was found
//! under (or the file name, for a file named directly).
//!
//! A file holding a NUL byte is rejected (`invalid_utf8`, "binary data"): it is a binary file or
//! UTF-16 text, not UTF-8 text, even when every byte happens to be valid UTF-8. Otherwise invalid
//! UTF-8 is rejected or replaced per [`super::Utf8Policy`]. An empty file is one empty document.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use millstone_core::{Document, RejectKind, Rejection, Source, Value};

use super::{open_failed, ReadOptions, Record, Utf8Policy, INVALID_UTF8_ATTRIBUTE};
use crate::InputFile;

pub(super) fn read(
    input: &InputFile,
    file: Arc<str>,
    opts: &ReadOptions,
) -> Box<dyn Iterator<Item = Record> + Send> {
    let mut f = match File::open(&input.path) {
        Ok(f) => f,
        Err(e) => return open_failed(&file, &e),
    };
    let reject = |kind, msg: String, excerpt: &[u8]| {
        Box::new(std::iter::once(Record::Rejected(Rejection {
            file: file.to_string(),
            record: 1,
            offset: Some(0),
            kind,
            error: format!("{file}: {msg}"),
            excerpt: Rejection::excerpt_of(excerpt),
        })))
    };
    let cap = opts.max_record_bytes;
    // Read at most one byte past the cap: the size in the metadata may be stale or absent
    // (pipes), and a file over the cap must never be read whole.
    let mut bytes = Vec::new();
    let size_hint = f.metadata().map(|m| m.len()).unwrap_or(0);
    if size_hint > cap as u64 {
        let mut head = [0u8; Rejection::EXCERPT_BYTES];
        let n = f.read(&mut head).unwrap_or(0);
        let msg = format!("file is {size_hint} bytes, longer than max_record_bytes = {cap}");
        return reject(RejectKind::TooLarge, msg, &head[..n]);
    }
    bytes.reserve(size_hint as usize);
    if let Err(e) = f.by_ref().take(cap as u64 + 1).read_to_end(&mut bytes) {
        return reject(RejectKind::Io, format!("read failed: {e}"), &bytes);
    }
    if bytes.len() > cap {
        let msg = format!("file is longer than max_record_bytes = {cap}");
        return reject(RejectKind::TooLarge, msg, &bytes);
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        let msg = format!("NUL byte at byte {at}: binary data (or UTF-16), not UTF-8 text");
        return reject(RejectKind::InvalidUtf8, msg, &bytes);
    }
    let (text, replaced) = match String::from_utf8(bytes) {
        Ok(t) => (t, false),
        Err(e) => match opts.invalid_utf8 {
            Utf8Policy::Reject => {
                let at = e.utf8_error().valid_up_to();
                return reject(
                    RejectKind::InvalidUtf8,
                    format!("invalid UTF-8 at byte {at}"),
                    e.as_bytes(),
                );
            }
            Utf8Policy::Replace => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
        },
    };
    let id = relative_id(input, &file);
    let mut doc = Document::new(id, text);
    doc.source = Source {
        file,
        record: 1,
        input: 0,
        record_type: "",
    };
    if replaced {
        doc.attributes
            .insert(INVALID_UTF8_ATTRIBUTE.into(), Value::Bool(true));
    }
    Box::new(std::iter::once(Record::Doc(doc)))
}

/// The id of a one-file document: its path relative to the folder it was found under (with `/`),
/// or its file name when named directly.
pub(super) fn relative_id(input: &InputFile, file: &str) -> String {
    match &input.root {
        Some(root) => input.path.strip_prefix(root).ok().map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        }),
        None => None,
    }
    .or_else(|| {
        input
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    })
    .unwrap_or_else(|| file.to_owned())
}
