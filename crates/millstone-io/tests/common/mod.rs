//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use millstone_io::{read, Document, InputFile, InputKind, ReadOptions, Record, Rejection};

/// Real web pages: the shared dev file when present (CI has `../shared` beside the checkout),
/// else the sample committed in the repo.
pub fn webpages_path() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = here.join("../../../shared/data/webpages-dev.jsonl.zst");
    if shared.exists() {
        return shared;
    }
    here.join("../../data/sample/webpages.jsonl.zst")
}

/// The first `n` raw lines of the real web pages file.
pub fn real_lines(n: usize) -> Vec<String> {
    let f = std::fs::File::open(webpages_path()).expect("web pages sample");
    let dec = zstd::stream::read::Decoder::new(f).unwrap();
    BufReader::new(dec)
        .lines()
        .take(n)
        .map(|l| l.unwrap())
        .collect()
}

pub fn write_file(path: &Path, bytes: &[u8]) {
    std::fs::File::create(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

pub fn jsonl(path: &Path) -> InputFile {
    InputFile {
        path: path.to_path_buf(),
        kind: InputKind::Jsonl,
        root: None,
    }
}

pub fn read_all(input: &InputFile, opts: &ReadOptions) -> (Vec<Document>, Vec<Rejection>) {
    let mut docs = Vec::new();
    let mut rejected = Vec::new();
    for r in read(input, opts) {
        match r {
            Record::Doc(d) => docs.push(d),
            Record::Rejected(r) => rejected.push(r),
            Record::Skipped(s) => panic!("unexpected skipped record {s:?}"),
        }
    }
    (docs, rejected)
}

pub fn keys(m: &millstone_io::Map) -> Vec<&str> {
    m.keys().map(String::as_str).collect()
}
