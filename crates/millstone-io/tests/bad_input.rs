//! The reader options for bad input: `invalid_utf8` (reject / replace), NUL bytes,
//! `max_decompression_ratio` (gzip and zstd bombs, Parquet declared sizes), empty files, and paths
//! a folder walk cannot read. End-to-end checks of the same cases: `crates/millstone/tests/hostile.rs`.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use millstone_io::{
    expand_inputs, read, InputFile, InputKind, ReadOptions, RejectKind, Utf8Policy, Value,
    BOMB_CHECK_AFTER, INVALID_UTF8_ATTRIBUTE,
};

fn replace() -> ReadOptions {
    ReadOptions {
        invalid_utf8: Utf8Policy::Replace,
        ..ReadOptions::default()
    }
}

#[test]
fn invalid_utf8_is_rejected_by_default() {
    assert_eq!(ReadOptions::default().invalid_utf8, Utf8Policy::Reject);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(&p, b"{\"text\":\"ok\"}\n{\"text\":\"caf\xe9\"}\n");
    let (docs, rej) = read_all(&jsonl(&p), &ReadOptions::default());
    assert_eq!(docs.len(), 1);
    assert!(docs[0].attributes.is_empty());
    assert_eq!((rej[0].kind, rej[0].record), (RejectKind::InvalidUtf8, 2));
    assert!(rej[0]
        .error
        .ends_with(":2: invalid UTF-8 at byte 12 of the line"));
}

#[test]
fn replace_decodes_lossily_and_flags_the_document() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(
        &p,
        b"{\"text\":\"ok\"}\n{\"id\":\"x\",\"url\":\"\xff\",\"text\":\"caf\xe9 \xc3\"}\n",
    );
    let (docs, rej) = read_all(&jsonl(&p), &replace());
    assert!(rej.is_empty(), "{rej:?}");
    assert_eq!(docs.len(), 2);
    assert!(docs[0].attributes.is_empty(), "valid lines are not flagged");
    assert_eq!(docs[1].text(), "caf\u{FFFD} \u{FFFD}");
    assert_eq!(docs[1].fields["url"], "\u{FFFD}");
    assert_eq!(
        docs[1].attributes[INVALID_UTF8_ATTRIBUTE],
        Value::Bool(true)
    );
    assert_eq!(docs[1].source.record, 2);

    // Text files too.
    let t = tmp.path().join("a.txt");
    write_file(&t, b"na\xefve");
    let input = InputFile {
        path: t.clone(),
        kind: InputKind::Text,
        root: None,
    };
    let (_, rej) = read_all(&input, &ReadOptions::default());
    assert_eq!(rej[0].kind, RejectKind::InvalidUtf8);
    let (docs, rej) = read_all(&input, &replace());
    assert!(rej.is_empty());
    assert_eq!(docs[0].text(), "na\u{FFFD}ve");
    assert_eq!(
        docs[0].attributes[INVALID_UTF8_ATTRIBUTE],
        Value::Bool(true)
    );
}

#[test]
fn a_raw_nul_byte_is_invalid_json_whatever_the_policy_an_escaped_one_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(
        &p,
        b"{\"text\":\"a\x00b\"}\n\x00\x01\x02\xff\n{\"text\":\"a\\u0000b\"}\n",
    );
    for opts in [ReadOptions::default(), replace()] {
        let (docs, rej) = read_all(&jsonl(&p), &opts);
        let kinds: Vec<_> = rej.iter().map(|r| (r.record, r.kind)).collect();
        assert_eq!(
            kinds,
            [(1, RejectKind::InvalidJson), (2, RejectKind::InvalidJson)]
        );
        assert!(rej[0].error.contains("NUL byte at byte 10 of the line"));
        assert!(rej[1].error.contains("NUL byte at byte 0 of the line"));
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].text(), "a\u{0}b");
    }
    // A text file with a NUL byte is binary (or UTF-16), not text.
    let t = tmp.path().join("u.txt");
    write_file(&t, b"h\x00i\x00");
    let input = InputFile {
        path: t,
        kind: InputKind::Text,
        root: None,
    };
    for opts in [ReadOptions::default(), replace()] {
        let (docs, rej) = read_all(&input, &opts);
        assert!(docs.is_empty());
        assert_eq!(rej[0].kind, RejectKind::InvalidUtf8);
        assert!(rej[0]
            .error
            .ends_with("NUL byte at byte 1: binary data (or UTF-16), not UTF-8 text"));
    }
}

/// One good line, then `zeros` zero bytes (no newline), gzip-compressed as they are generated.
fn gzip_bomb(path: &Path, zeros: usize) {
    let f = std::fs::File::create(path).unwrap();
    let mut e = flate2::write::GzEncoder::new(f, flate2::Compression::best());
    e.write_all(b"{\"id\":\"first\",\"text\":\"fine\"}\n")
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len());
        e.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    e.finish().unwrap();
}

#[test]
fn a_gzip_bomb_is_stopped_early_with_one_rejection() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bomb.jsonl.gz");
    gzip_bomb(&p, 256 << 20);
    let compressed = std::fs::metadata(&p).unwrap().len();
    assert!(compressed < 300_000, "{compressed}");
    let opts = ReadOptions {
        max_decompression_ratio: 100,
        ..ReadOptions::default()
    };
    let (docs, rej) = read_all(&jsonl(&p), &opts);
    assert_eq!(docs.len(), 1, "the line before the bomb is kept");
    assert_eq!(rej.len(), 1, "{rej:?}");
    let r = &rej[0];
    assert_eq!(
        (r.kind, r.record, r.offset),
        (RejectKind::DecompressionBomb, 2, Some(29))
    );
    assert!(r.error.contains("decompression bomb: "), "{}", r.error);
    assert!(
        r.error.contains("over max_decompression_ratio = 100"),
        "{}",
        r.error
    );
    // Stopped soon after the check starts, not after 256 MiB.
    let out: u64 = r
        .error
        .split(" expanded to ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        out > BOMB_CHECK_AFTER && out < 2 * BOMB_CHECK_AFTER,
        "{out}"
    );
}

#[test]
fn the_ratio_is_checked_only_past_the_threshold_and_0_turns_it_off() {
    let tmp = tempfile::tempdir().unwrap();
    // Small and extremely compressible: not a bomb, whatever its ratio.
    let p = tmp.path().join("small.jsonl.zst");
    let line = b"{\"text\":\"the same line again\"}\n";
    let plain: Vec<u8> = line.repeat((BOMB_CHECK_AFTER as usize / 2) / line.len());
    write_file(&p, &zstd(&plain));
    let opts = ReadOptions {
        max_decompression_ratio: 2,
        ..ReadOptions::default()
    };
    let (docs, rej) = read_all(&jsonl(&p), &opts);
    assert!(rej.is_empty());
    assert_eq!(docs.len(), plain.len() / line.len());

    // Past the threshold it trips; with 0 it does not.
    let big: Vec<u8> = line.repeat((2 * BOMB_CHECK_AFTER as usize) / line.len());
    let p = tmp.path().join("big.jsonl.zst");
    write_file(&p, &zstd(&big));
    let (docs, rej) = read_all(&jsonl(&p), &opts);
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0].kind, RejectKind::DecompressionBomb);
    assert_eq!(rej[0].record, docs.len() as u64 + 1);
    let off = ReadOptions {
        max_decompression_ratio: 0,
        ..ReadOptions::default()
    };
    let (docs, rej) = read_all(&jsonl(&p), &off);
    assert!(rej.is_empty());
    assert_eq!(docs.len(), big.len() / line.len());
}

#[test]
fn ordinary_compressed_text_is_far_below_the_default_ratio() {
    let lines = real_lines(2000).join("\n");
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("a.jsonl.gz", gzip(lines.as_bytes())),
        ("a.jsonl.zst", zstd(lines.as_bytes())),
    ] {
        let p = tmp.path().join(name);
        write_file(&p, &bytes);
        let (docs, rej) = read_all(&jsonl(&p), &ReadOptions::default());
        assert!(rej.is_empty(), "{name}: {rej:?}");
        assert!(!docs.is_empty());
    }
}

#[test]
fn empty_files_are_zero_records() {
    let tmp = tempfile::tempdir().unwrap();
    // A 0-byte file of any kind is one `empty_file` rejection naming the file.
    for (name, kind) in [
        ("e.jsonl", InputKind::Jsonl),
        ("e.jsonl.zst", InputKind::Jsonl),
        ("e.parquet", InputKind::Parquet),
        ("e.txt", InputKind::Text),
    ] {
        let p = tmp.path().join(name);
        write_file(&p, b"");
        let input = InputFile {
            path: p,
            kind,
            root: None,
        };
        let (docs, rej) = read_all(&input, &ReadOptions::default());
        assert!(docs.is_empty(), "{name}");
        assert_eq!(rej.len(), 1, "{name}");
        assert_eq!(rej[0].kind, RejectKind::EmptyFile, "{name}");
        assert!(rej[0].error.contains(name), "{}", rej[0].error);
    }
    // An empty gzip stream has bytes on disk: zero records, nothing rejected.
    let p = tmp.path().join("e.jsonl.gz");
    write_file(&p, &gzip(b""));
    assert_eq!(read(&jsonl(&p), &ReadOptions::default()).count(), 0);
}

#[test]
fn a_walk_turns_what_it_cannot_read_into_unreadable_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write_file(&root.join("good.jsonl"), b"{\"text\":\"x\"}\n");
    std::os::unix::fs::symlink(root.join("gone.jsonl"), root.join("dangling.jsonl")).unwrap();
    std::os::unix::fs::symlink(root.join("gone"), root.join("dangling.bin")).unwrap();
    let fifo = root.join("pipe.jsonl");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let files = expand_inputs(&[root.display().to_string()]).unwrap();
    let got: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.path.file_name().unwrap().to_string_lossy().into_owned(),
                f.kind,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("dangling.jsonl".to_owned(), InputKind::Unreadable),
            ("good.jsonl".to_owned(), InputKind::Jsonl),
            ("pipe.jsonl".to_owned(), InputKind::Unreadable),
        ]
    );
    for f in files.iter().filter(|f| f.kind == InputKind::Unreadable) {
        let (docs, rej) = read_all(f, &ReadOptions::default());
        assert!(docs.is_empty());
        assert_eq!(
            (rej.len(), rej[0].kind, rej[0].record),
            (1, RejectKind::Io, 0)
        );
    }
    let (_, rej) = read_all(&files[0], &ReadOptions::default());
    assert!(
        rej[0].error.contains("symbolic link to `") && rej[0].error.contains("cannot be followed"),
        "{}",
        rej[0].error
    );
    let (_, rej) = read_all(&files[2], &ReadOptions::default());
    assert!(rej[0]
        .error
        .ends_with("not a regular file (a FIFO); not read"));
    // A FIFO named explicitly is read (as JSONL), not sniffed or refused.
    let explicit = expand_inputs(&[fifo.display().to_string()]).unwrap();
    assert_eq!(explicit[0].kind, InputKind::Jsonl);
    let writer = std::thread::spawn(move || {
        std::fs::write(&fifo, b"{\"text\":\"through a pipe\"}\n").unwrap();
    });
    let (docs, rej) = read_all(&explicit[0], &ReadOptions::default());
    writer.join().unwrap();
    assert!(rej.is_empty());
    assert_eq!(docs[0].text(), "through a pipe");
}

#[test]
fn a_parquet_file_declaring_a_bomb_is_one_rejection() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;

    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bomb.parquet");
    let text: ArrayRef = Arc::new(StringArray::from(vec!["a".repeat(32 << 20)]));
    let batch = RecordBatch::try_from_iter([("text", text)]).unwrap();
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(19).unwrap()))
        .set_dictionary_enabled(false)
        .build();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(&p).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let input = InputFile {
        path: p,
        kind: InputKind::Parquet,
        root: None,
    };
    let (docs, rej) = read_all(&input, &ReadOptions::default());
    assert!(docs.is_empty());
    assert_eq!(
        (rej.len(), rej[0].kind, rej[0].record),
        (1, RejectKind::DecompressionBomb, 0)
    );
    assert!(rej[0].error.contains("declare"), "{}", rej[0].error);
    // Under a looser ratio the same file reads.
    let loose = ReadOptions {
        max_decompression_ratio: 1_000_000,
        ..ReadOptions::default()
    };
    let (docs, rej) = read_all(&input, &loose);
    assert_eq!(docs.len(), 1, "{rej:?}");
}
