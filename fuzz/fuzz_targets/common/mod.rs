//! Helpers shared by the fuzz targets (each target includes this with `mod common;`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use millstone_io::{read, InputFile, InputKind, ReadOptions, Record};

/// One scratch folder per fuzzing process, on tmpfs when there is one (fewer disk writes).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let b = tempfile::Builder::new()
            .prefix("millstone-fuzz-")
            .tempdir_in(shm);
        b.or_else(|_| tempfile::tempdir()).expect("scratch dir")
    })
    .path()
}

/// Write `bytes` to `name` in the scratch folder.
pub fn put(name: &str, bytes: &[u8]) -> PathBuf {
    let p = scratch().join(name);
    std::fs::write(&p, bytes).expect("write scratch file");
    p
}

/// Read one file completely.
pub fn read_all(path: &Path, kind: InputKind, opts: &ReadOptions) -> Vec<Record> {
    let input = InputFile {
        path: path.to_path_buf(),
        kind,
        root: None,
    };
    read(&input, opts).collect()
}

/// What a record says, without the file name (which differs between the copies of one input).
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Doc {
        record: u64,
        text: String,
        fields: millstone_io::Map,
    },
    Rejected {
        record: u64,
        kind: millstone_io::RejectKind,
    },
    Skipped(millstone_io::Skipped),
}

pub fn key(r: &Record) -> Key {
    match r {
        Record::Doc(d) => {
            // A Doc's text is a `String`; check anyway that its bytes are UTF-8 and that the
            // record number is 1-based.
            assert!(std::str::from_utf8(d.text().as_bytes()).is_ok());
            assert!(d.source.record >= 1, "doc with record 0");
            Key::Doc {
                record: d.source.record,
                text: d.text().to_owned(),
                fields: d.fields.clone(),
            }
        }
        Record::Rejected(r) => {
            assert!(!r.error.is_empty(), "rejection without an error message");
            assert!(r.excerpt.len() <= 4 * millstone_io::Rejection::EXCERPT_BYTES + 16);
            Key::Rejected {
                record: r.record,
                kind: r.kind,
            }
        }
        Record::Skipped(s) => Key::Skipped(s.clone()),
    }
}

pub fn keys(rs: &[Record]) -> Vec<Key> {
    rs.iter().map(key).collect()
}
