//! Arbitrary bytes as a `.txt` file (one document), found directly and under a folder root.
//!
//! Asserts: no panic; exactly one record; it is a Doc with exactly the file's text iff the bytes
//! are UTF-8 and within `max_record_bytes`, else an `InvalidUtf8` / `TooLarge` rejection.
#![no_main]

mod common;

use common::{put, scratch};
use libfuzzer_sys::fuzz_target;
use millstone_io::{read, InputFile, InputKind, ReadOptions, Record, RejectKind};

fuzz_target!(|data: &[u8]| {
    let path = put("doc.txt", data);
    let sub = scratch().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let nested = sub.join("nested.txt");
    std::fs::write(&nested, data).unwrap();
    let caps = [
        ReadOptions::default().max_record_bytes,
        data.len(),
        data.len().saturating_sub(1),
    ];
    for cap in caps {
        let opts = ReadOptions {
            max_record_bytes: cap,
            ..ReadOptions::default()
        };
        for (input, id) in [
            (
                InputFile {
                    path: path.clone(),
                    kind: InputKind::Text,
                    root: None,
                },
                "doc.txt",
            ),
            (
                InputFile {
                    path: nested.clone(),
                    kind: InputKind::Text,
                    root: Some(scratch().to_path_buf()),
                },
                "sub/nested.txt",
            ),
        ] {
            let records: Vec<Record> = read(&input, &opts).collect();
            assert_eq!(records.len(), 1, "a text file is one record");
            match (&records[0], std::str::from_utf8(data)) {
                // A 0-byte file is one `empty_file` rejection (or, before that rule, an empty doc).
                (Record::Rejected(r), _) if data.is_empty() => {
                    assert_eq!(r.kind.as_str(), "empty_file")
                }
                (Record::Doc(d), Ok(text)) => {
                    assert!(data.len() <= cap, "doc over the cap");
                    assert_eq!(d.text(), text);
                    assert_eq!(d.id, id);
                    assert_eq!(d.source.record, 1);
                }
                (Record::Rejected(r), _) if data.len() > cap => {
                    assert_eq!(r.kind, RejectKind::TooLarge)
                }
                // A NUL byte marks binary data (or UTF-16): rejected as not UTF-8 text.
                (Record::Rejected(r), Ok(_)) if data.contains(&0) => {
                    assert_eq!(r.kind, RejectKind::InvalidUtf8)
                }
                (Record::Rejected(r), Err(_)) => assert_eq!(r.kind, RejectKind::InvalidUtf8),
                (other, utf8) => panic!("unexpected {other:?} for utf8 = {:?}", utf8.is_ok()),
            }
        }
    }
});
