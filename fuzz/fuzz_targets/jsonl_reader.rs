//! Arbitrary bytes as a JSONL file: plain, gzip (one and two members), zstd (one and two frames),
//! and truncated gzip / zstd streams.
//!
//! Asserts: no panic; a Doc's text is UTF-8; plain reading yields exactly one record per non-blank
//! line; every compressed copy yields exactly the records of the plain copy; a truncated stream
//! yields a prefix of them (its last record may be cut short) and ends with a `Decompression`
//! rejection.
#![no_main]

mod common;

use std::io::Write;

use common::{key, keys, put, read_all, Key};
use libfuzzer_sys::fuzz_target;
use millstone_io::{InputKind, ReadOptions, Record, RejectKind};

fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(p).unwrap();
        out.extend(enc.finish().unwrap());
    }
    out
}

fn zstd(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(zstd::bulk::compress(p, 1).unwrap());
    }
    out
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn check_truncated(name: &str, stream: &[u8], cut: usize, full: &[Key], opts: &ReadOptions) {
    let path = put(name, &stream[..cut]);
    let got = keys(&read_all(&path, InputKind::Jsonl, opts));
    let Some((last, before)) = got.split_last() else {
        panic!(
            "{name}: truncated stream ({cut} of {} bytes) gave no record",
            stream.len()
        );
    };
    assert!(
        matches!(last, Key::Rejected { kind: RejectKind::Decompression, .. }),
        "{name}: truncated stream ({cut} of {} bytes) did not end with a Decompression rejection: {last:?}",
        stream.len()
    );
    // Every record before the break is a record of the whole stream, in order, except that the
    // line the stream broke in may have been delivered cut short (it cannot: the reader only
    // yields complete lines) — so require an exact prefix.
    assert!(
        before.len() <= full.len(),
        "{name}: more records than the whole stream"
    );
    assert_eq!(
        before,
        &full[..before.len()],
        "{name}: truncated read is not a prefix"
    );
}

fuzz_target!(|data: &[u8]| {
    let default = ReadOptions::default();
    // A small cap too, so that the too-long-line path runs (chosen from the data's length).
    let small = ReadOptions {
        max_record_bytes: 8 + data.len() % 64,
        ..ReadOptions::default()
    };
    let magic = data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);

    for opts in [&default, &small] {
        let plain_path = put("in.jsonl", data);
        let plain = read_all(&plain_path, InputKind::Jsonl, opts);
        let plain_keys = keys(&plain);
        if data.is_empty() {
            // A 0-byte file is one `empty_file` rejection (or, before that rule, no record).
            assert!(
                plain.is_empty()
                    || matches!(&plain[..], [Record::Rejected(r)] if r.kind.as_str() == "empty_file"),
                "empty file: {plain_keys:?}"
            );
        } else if !magic {
            // A blank line longer than the cap is rejected as TooLarge (the reader does not look
            // at the bytes it skips), so it counts as a record here too.
            let cap = opts.max_record_bytes;
            let lines = data
                .split(|&b| b == b'\n')
                .filter(|l| !is_blank(l) || l.len() > cap)
                .count();
            assert_eq!(plain.len(), lines, "one record per non-blank line");
            let mut prev = 0;
            for r in &plain {
                let n = match key(r) {
                    Key::Doc { record, .. } | Key::Rejected { record, .. } => record,
                };
                assert!(n > prev, "record numbers not increasing");
                prev = n;
            }
        }

        // The decompressed stream is read as plain JSONL whatever its first bytes are, so the
        // reference for the compressed copies is a plain read of a file that has no magic: the
        // first compressed copy when the data itself starts with a magic number.
        let mid = data.len() / 2;
        let gz = gzip(&[data]);
        let reference = if magic {
            keys(&read_all(&put("in.jsonl.gz", &gz), InputKind::Jsonl, opts))
        } else if data.is_empty() {
            Vec::new() // a stream that decompresses to nothing has no records
        } else {
            plain_keys.clone()
        };
        let copies: [(&str, Vec<u8>); 4] = [
            ("in.jsonl.gz", gz.clone()),
            ("in2.jsonl.gz", gzip(&[&data[..mid], &data[mid..]])),
            ("in.jsonl.zst", zstd(&[data])),
            ("in2.jsonl.zst", zstd(&[&data[..mid], &data[mid..]])),
        ];
        for (name, bytes) in &copies {
            let got = keys(&read_all(&put(name, bytes), InputKind::Jsonl, opts));
            assert_eq!(got, reference, "{name} differs from the plain read");
        }
        // Truncated streams: cut somewhere after the magic number, before the end.
        for (name, bytes) in [
            ("cut.jsonl.gz", &copies[0].1),
            ("cut.jsonl.zst", &copies[2].1),
        ] {
            let n = bytes.len();
            if n > 5 {
                let cut = 4
                    + (data.len() * 7919 + usize::from(data.first().copied().unwrap_or(0)))
                        % (n - 4);
                check_truncated(name, bytes, cut, &reference, opts);
            }
        }
    }
});
