//! JSONL reading: every defect of a line is a rejection naming file and line, and the file goes
//! on (a broken compressed stream ends it after the lines read before).

mod common;

use common::*;
use millstone_io::{
    read, InputFile, InputKind, ReadOptions, Record, RejectKind, ShardedWriter, Value,
    WriterOptions,
};

fn opts() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn real_lines_read_with_fields_in_order_and_text_slot_null() {
    let lines = real_lines(20);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("pages.jsonl");
    write_file(&p, (lines.join("\n") + "\n").as_bytes());
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    assert!(rej.is_empty());
    assert_eq!(docs.len(), 20);
    for (i, (doc, line)) in docs.iter().zip(&lines).enumerate() {
        let v: millstone_io::Map = serde_json::from_str(line).unwrap();
        assert_eq!(doc.id, v["id"].as_str().unwrap());
        assert_eq!(doc.text(), v["text"].as_str().unwrap());
        assert_eq!(keys(&doc.fields), keys(&v), "field order");
        assert_eq!(doc.fields["text"], Value::Null);
        assert_eq!(doc.fields["url"], v["url"]);
        assert_eq!(doc.source.record, i as u64 + 1);
        assert_eq!(&*doc.source.file, p.to_str().unwrap());
    }
}

#[test]
fn broken_json_line_in_the_middle_the_others_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(
        &p,
        b"{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"tw\n{\"id\":\"c\",\"text\":\"three\"}\n",
    );
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    assert_eq!(
        docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["a", "c"]
    );
    assert_eq!(docs[1].source.record, 3);
    assert_eq!(rej.len(), 1);
    let r = &rej[0];
    assert_eq!(r.kind, RejectKind::InvalidJson);
    assert_eq!(r.record, 2);
    assert_eq!(r.offset, Some(24));
    assert_eq!(r.excerpt, "{\"id\":\"b\",\"text\":\"tw");
    assert!(
        r.error.contains(&format!("{}:2:", p.display())),
        "{}",
        r.error
    );
}

#[test]
fn invalid_utf8_line_is_rejected_and_the_rest_read() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(&p, b"{\"text\":\"caf\xe9\"}\n{\"text\":\"caf\xc3\xa9\"}\n");
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].text(), "café");
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0].kind, RejectKind::InvalidUtf8);
    assert_eq!(rej[0].record, 1);
    assert!(rej[0].excerpt.starts_with("{\"text\":\"caf"));
}

#[test]
fn not_an_object_missing_and_non_string_text_are_rejected_by_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(
        &p,
        b"[1,2]\n{\"id\":\"x\"}\n{\"text\":null}\n{\"text\":42}\n{\"text\":\"ok\"}\n",
    );
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    let kinds: Vec<_> = rej.iter().map(|r| (r.record, r.kind)).collect();
    assert_eq!(
        kinds,
        [
            (1, RejectKind::NotAnObject),
            (2, RejectKind::MissingText),
            (3, RejectKind::MissingText),
            (4, RejectKind::NonStringText),
        ]
    );
    assert!(
        rej[3].error.contains("`text` is a number"),
        "{}",
        rej[3].error
    );
    assert_eq!(docs.len(), 1);
    // No id field: `<file>/<line>`.
    assert_eq!(docs[0].id, format!("{}/5", p.display()));
}

#[test]
fn numeric_id_is_stringified_and_custom_fields_are_used() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.jsonl");
    write_file(&p, b"{\"doc_id\":17,\"content\":\"x\",\"text\":5}\n");
    let o = ReadOptions {
        text_field: "content".into(),
        id_field: "doc_id".into(),
        ..opts()
    };
    let (docs, rej) = read_all(&jsonl(&p), &o);
    assert!(rej.is_empty());
    assert_eq!(docs[0].id, "17");
    assert_eq!(docs[0].text(), "x");
    assert_eq!(docs[0].fields["text"], Value::from(5));
    assert_eq!(docs[0].fields["content"], Value::Null);
}

#[test]
fn empty_file_is_one_rejection_and_blank_lines_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    // A 0-byte file: one `empty_file` rejection, so it is counted.
    let empty = tmp.path().join("empty.jsonl");
    write_file(&empty, b"");
    let (docs, rej) = read_all(&jsonl(&empty), &opts());
    assert!(docs.is_empty());
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0].kind, millstone_io::RejectKind::EmptyFile);
    // A zstd frame of nothing has bytes on disk: zero records.
    let empty_zst = tmp.path().join("empty.jsonl.zst");
    write_file(&empty_zst, &zstd(b""));
    assert_eq!(read(&jsonl(&empty_zst), &opts()).count(), 0);

    let blanks = tmp.path().join("blanks.jsonl");
    write_file(&blanks, b"\n\r\n  \n{\"text\":\"a\"}\r\n\n{\"text\":\"b\"}");
    let (docs, rej) = read_all(&jsonl(&blanks), &opts());
    assert!(rej.is_empty());
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].source.record, 4);
    assert_eq!(docs[1].source.record, 6);
    assert_eq!(docs[1].text(), "b");
}

#[test]
fn five_mb_line_over_a_one_mb_limit_is_too_large_and_the_next_line_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("big.jsonl.zst");
    let big = format!("{{\"text\":\"{}\"}}", "x".repeat(5 << 20));
    let data = format!("{{\"text\":\"before\"}}\n{big}\n{{\"text\":\"after\"}}\n");
    write_file(&p, &zstd(data.as_bytes()));
    let o = ReadOptions {
        max_record_bytes: 1 << 20,
        ..opts()
    };
    let (docs, rej) = read_all(&jsonl(&p), &o);
    assert_eq!(
        docs.iter().map(|d| d.text()).collect::<Vec<_>>(),
        ["before", "after"]
    );
    assert_eq!(docs[1].source.record, 3);
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0].kind, RejectKind::TooLarge);
    assert_eq!(rej[0].record, 2);
    assert_eq!(rej[0].offset, Some(18));
    assert!(
        rej[0].error.contains(&big.len().to_string()),
        "{}",
        rej[0].error
    );
    assert_eq!(rej[0].excerpt.len(), 200);
}

/// Lines `0..n` as JSONL, the compressed form, and the offset where line `n/2` starts.
fn numbered(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"{i}\",\"text\":\"line {i} {}\"}}\n",
                "y".repeat(i % 50)
            )
        })
        .collect()
}

fn assert_truncated_stream(name: &str, compressed: Vec<u8>, plain: &str, codec: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join(name);
    write_file(&p, &compressed[..compressed.len() * 2 / 3]);
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    assert!(!docs.is_empty(), "lines before the break are kept");
    for (i, d) in docs.iter().enumerate() {
        assert_eq!(d.id, i.to_string());
    }
    assert!(docs.len() < plain.lines().count());
    assert_eq!(rej.len(), 1, "{rej:?}");
    let r = &rej[0];
    assert_eq!(r.kind, RejectKind::Decompression);
    assert_eq!(r.record, docs.len() as u64 + 1);
    let expected_offset: usize = plain.lines().take(docs.len()).map(|l| l.len() + 1).sum();
    assert_eq!(r.offset, Some(expected_offset as u64));
    assert!(r.error.contains(codec), "{}", r.error);
    assert!(r.error.contains("offset"), "{}", r.error);
}

#[test]
fn truncated_gzip_keeps_earlier_lines_and_rejects_once_with_offset() {
    let plain = numbered(5000);
    assert_truncated_stream("t.jsonl.gz", gzip(plain.as_bytes()), &plain, "gzip");
}

#[test]
fn truncated_zstd_keeps_earlier_lines_and_rejects_once_with_offset() {
    let plain = numbered(5000);
    assert_truncated_stream("t.jsonl.zst", zstd(plain.as_bytes()), &plain, "zstd");
}

#[test]
fn corrupt_gzip_body_is_a_decompression_rejection() {
    let plain = numbered(5000);
    let mut gz = gzip(plain.as_bytes());
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 64] {
        *b = !*b;
    }
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("c.jsonl.gz");
    write_file(&p, &gz);
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    assert!(docs.len() < 5000);
    assert_eq!(
        rej.last().unwrap().kind,
        RejectKind::Decompression,
        "{rej:?}"
    );
}

#[test]
fn multi_member_gzip_and_multi_frame_zstd_read_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let a = "{\"text\":\"a\"}\n";
    let b = "{\"text\":\"b\"}\n";
    let p = tmp.path().join("m.jsonl.gz");
    write_file(&p, &[gzip(a.as_bytes()), gzip(b.as_bytes())].concat());
    assert_eq!(read_all(&jsonl(&p), &opts()).0.len(), 2);
    let p = tmp.path().join("m.jsonl.zst");
    write_file(&p, &[zstd(a.as_bytes()), zstd(b.as_bytes())].concat());
    assert_eq!(read_all(&jsonl(&p), &opts()).0.len(), 2);
}

#[test]
fn binary_junk_is_rejected_line_by_line_without_panic() {
    // Deterministic pseudo-random bytes (xorshift), no magic number.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let junk: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("junk.jsonl");
    write_file(&p, &[b"\x00\x01".as_slice(), &junk].concat());
    let (docs, rej) = read_all(&jsonl(&p), &opts());
    assert!(docs.is_empty());
    assert!(!rej.is_empty());
    assert!(rej
        .iter()
        .all(|r| matches!(r.kind, RejectKind::InvalidUtf8 | RejectKind::InvalidJson)));
    assert!(rej.iter().all(|r| r.excerpt.len() <= 3 * 200));
}

#[test]
fn a_file_that_cannot_be_opened_is_one_io_rejection() {
    let input = InputFile {
        path: "/nonexistent/x.jsonl".into(),
        kind: InputKind::Jsonl,
        root: None,
    };
    let recs: Vec<Record> = read(&input, &opts()).collect();
    assert_eq!(recs.len(), 1);
    let r = recs.into_iter().next().unwrap().rejection().unwrap();
    assert_eq!((r.kind, r.record), (RejectKind::Io, 0));
    assert!(r.error.contains("/nonexistent/x.jsonl"));
}

fn roundtrip(format: millstone_io::OutputFormat) {
    let lines = real_lines(30);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("in.jsonl");
    write_file(&p, (lines.join("\n") + "\n").as_bytes());
    let (docs, _) = read_all(&jsonl(&p), &opts());
    let out = tmp.path().join("out");
    let mut w = ShardedWriter::new(
        &out,
        WriterOptions {
            format,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut m = millstone_io::Map::new();
    m.insert("score".into(), Value::from(0.5));
    for d in &docs {
        w.write(d, &m).unwrap();
    }
    let parts = w.finish().unwrap();
    assert_eq!(parts.len(), 1);
    let name = parts[0].file_name().unwrap().to_str().unwrap();
    assert_eq!(name, format!("part-00000.{}", format.extension()));
    let back: Vec<_> = read_all(&jsonl(&parts[0]), &opts()).0;
    assert_eq!(back.len(), docs.len());
    for (a, b) in docs.iter().zip(&back) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.text(), b.text());
        let mut expected = keys(&a.fields);
        expected.push("millstone");
        assert_eq!(keys(&b.fields), expected);
        for (k, v) in &a.fields {
            assert_eq!(&b.fields[k], v, "{k}");
        }
        assert_eq!(b.fields["millstone"], Value::Object(m.clone()));
    }
}

#[test]
fn roundtrip_plain() {
    roundtrip(millstone_io::OutputFormat::Jsonl(
        millstone_io::Compression::None,
    ));
}

#[test]
fn roundtrip_gzip() {
    roundtrip(millstone_io::OutputFormat::Jsonl(
        millstone_io::Compression::Gzip,
    ));
}

#[test]
fn roundtrip_zstd() {
    roundtrip(millstone_io::OutputFormat::Jsonl(
        millstone_io::Compression::Zstd { level: 3 },
    ));
}

#[test]
fn dotted_text_and_id_fields_read_and_write_back_in_place() {
    // Real pages in a nested layout: `{"doc": {"id", "body"}, "metadata": {"url", ...}}`.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("nested.jsonl");
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    for l in real_lines(20) {
        let mut m: millstone_io::Map = serde_json::from_str(&l).unwrap();
        let text = m.remove("text").unwrap();
        let id = m.remove("id").unwrap();
        expected.push((
            id.as_str().unwrap().to_owned(),
            text.as_str().unwrap().to_owned(),
        ));
        let nested = serde_json::json!({"doc": {"id": id, "body": text}, "metadata": m});
        lines.push(nested.to_string());
    }
    write_file(&p, (lines.join("\n") + "\n").as_bytes());
    let o = ReadOptions {
        text_field: "doc.body".into(),
        id_field: "doc.id".into(),
        ..opts()
    };
    let (docs, rej) = read_all(&jsonl(&p), &o);
    assert!(rej.is_empty(), "{rej:?}");
    assert_eq!(docs.len(), 20);
    for (d, (id, text)) in docs.iter().zip(&expected) {
        assert_eq!(&d.id, id);
        assert_eq!(d.text(), text);
        assert!(d.field("metadata.url").is_some_and(Value::is_string));
    }
    // Written back: same layout, current text in its nested slot.
    let out = tmp.path().join("out");
    let mut w = ShardedWriter::new(
        &out,
        WriterOptions {
            text_field: "doc.body".into(),
            id_field: "doc.id".into(),
            format: millstone_io::OutputFormat::Jsonl(millstone_io::Compression::None),
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut rewritten = docs[0].clone();
    rewritten.set_text("short".into());
    w.write(&rewritten, &millstone_io::Map::new()).unwrap();
    let parts = w.finish().unwrap();
    let line = std::fs::read_to_string(&parts[0]).unwrap();
    let back: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(back["doc"]["body"], "short");
    assert_eq!(back["doc"]["id"], expected[0].0.as_str());
    assert!(back.get("doc.id").is_none() && back.get("doc.body").is_none());
    let original: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(back["metadata"], original["metadata"]);
}
