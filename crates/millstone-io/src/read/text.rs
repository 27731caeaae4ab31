//! Text reader: one file is one document, its id the path relative to the folder it was found
//! under (or the file name, for a file named directly).

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use millstone_core::{Document, RejectKind, Rejection, Source};

use super::{open_failed, ReadOptions, Record};
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
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return reject(
                RejectKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {at}"),
                e.as_bytes(),
            );
        }
    };
    let id = match &input.root {
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
    .unwrap_or_else(|| file.to_string());
    let mut doc = Document::new(id, text);
    doc.source = Source { file, record: 1 };
    Box::new(std::iter::once(Record::Doc(doc)))
}
