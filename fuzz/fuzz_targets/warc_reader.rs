//! Arbitrary bytes as a WARC file: plain, gzip in one member, gzip in two members (cut in the
//! middle), zstd; and the same bytes as an ARC file; at the default `max_record_bytes` and a small
//! one.
//!
//! Asserts: no panic; record numbers never decrease; every rejection names the file and an
//! offset; the three compressed copies give exactly the plain file's records (documents' id, text
//! and fields other than the offset, skipped records, rejection kinds): compression is invisible
//! to the parser.
#![no_main]

mod common;

use common::{put, read_all};
use libfuzzer_sys::fuzz_target;
use millstone_io::{InputKind, ReadOptions, Record};

/// What a record says, without offsets (a gzip member's offset names a record differently).
#[derive(Debug, PartialEq)]
enum Seen {
    Doc(u64, String, String, Vec<(String, String)>),
    Skipped(&'static str, String),
    Rejected(millstone_io::RejectKind),
}

fn seen(records: &[Record], file: &str) -> Vec<Seen> {
    let mut last = 0;
    records
        .iter()
        .map(|r| match r {
            Record::Doc(d) => {
                assert!(d.source.record >= last, "record numbers go back");
                last = d.source.record;
                let fields = d
                    .fields
                    .iter()
                    .filter(|(k, _)| k.as_str() != "warc")
                    .map(|(k, v)| (k.clone(), v.to_string()))
                    .collect();
                let id = if d.id.starts_with(file) {
                    String::new() // the fallback id names the file, which differs per copy
                } else {
                    d.id.clone()
                };
                Seen::Doc(d.source.record, id, d.text().to_owned(), fields)
            }
            Record::Skipped(s) => Seen::Skipped(s.record_type, s.reason.clone()),
            Record::Rejected(r) => {
                assert!(r.error.contains(&r.file), "rejection without its file");
                assert!(r.record >= last, "record numbers go back");
                last = r.record;
                Seen::Rejected(r.kind)
            }
        })
        .collect()
}

fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    for part in parts {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(part).unwrap();
        out.extend(enc.finish().unwrap());
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let small = ReadOptions {
        max_record_bytes: 64,
        ..ReadOptions::default()
    };
    let half = data.len() / 2;
    let copies = [
        ("plain.warc", data.to_vec()),
        ("one.warc.gz", gzip(&[data])),
        ("two.warc.gz", gzip(&[&data[..half], &data[half..]])),
        ("one.warc.zst", zstd::encode_all(data, 1).unwrap()),
    ];
    for kind in [InputKind::Warc, InputKind::Arc] {
        for opts in [ReadOptions::default(), small.clone()] {
            let mut expected = None;
            for (name, bytes) in &copies {
                let path = put(name, bytes);
                let file = path.to_string_lossy().into_owned();
                let got = seen(&read_all(&path, kind, &opts), &file);
                match &expected {
                    None => expected = Some(got),
                    Some(want) => assert_eq!(&got, want, "{name} differs from the plain file"),
                }
            }
        }
    }
});
