//! Sharded output: rotation by size, atomic parts, empty output, rejected records.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use millstone_io::{
    Compression, Document, Map, OutputFormat, RejectKind, RejectedWriter, Rejection, ShardedWriter,
    Value, WriterOptions,
};

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn docs(n: usize, text_len: usize) -> Vec<Document> {
    (0..n)
        .map(|i| Document::new(format!("d{i}"), "w".repeat(text_len)))
        .collect()
}

fn write_all(dir: &Path, opts: WriterOptions, docs: &[Document]) -> Vec<PathBuf> {
    let mut w = ShardedWriter::new(dir, opts).unwrap();
    for d in docs {
        w.write(d, &Map::new()).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn jsonl_parts_rotate_once_they_reach_the_shard_size() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Each record is {"id":"dNN","text":"www…","millstone":{}}\n: 1,000 bytes of text + ~40.
    let docs = docs(25, 1000);
    let opts = WriterOptions {
        format: OutputFormat::Jsonl(Compression::None),
        shard_size: 10_000,
        ..WriterOptions::default()
    };
    let parts = write_all(&out, opts, &docs);
    // 10 records (each ~1,040 bytes) reach 10,000 bytes: parts of 10, 10 and 5 records.
    assert_eq!(
        listing(&out),
        ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    );
    assert_eq!(
        parts,
        [0, 1, 2].map(|i| out.join(format!("part-0000{i}.jsonl")))
    );
    let counts: Vec<usize> = parts
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().lines().count())
        .collect();
    assert_eq!(counts, [10, 10, 5]);
    let first = std::fs::read_to_string(&parts[0]).unwrap();
    assert!(
        first.len() >= 10_000 && first.len() < 10_000 + 1040,
        "{}",
        first.len()
    );
    // Everything is there, in order.
    let ids: Vec<String> = parts
        .iter()
        .flat_map(|p| read_all(&jsonl(p), &Default::default()).0)
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>());
}

#[test]
fn compressed_parts_rotate_on_uncompressed_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let opts = WriterOptions {
        shard_size: 10_000,
        ..WriterOptions::default()
    };
    let parts = write_all(&out, opts, &docs(25, 1000));
    assert_eq!(parts.len(), 3);
    assert!(parts[0].ends_with("part-00000.jsonl.zst"));
    // Highly compressible text: the file is far smaller than the shard size it stands for.
    assert!(std::fs::metadata(&parts[0]).unwrap().len() < 2_000);
}

#[test]
fn parquet_parts_rotate_and_share_one_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let opts = WriterOptions {
        format: OutputFormat::Parquet,
        shard_size: 10_000,
        ..WriterOptions::default()
    };
    let parts = write_all(&out, opts, &docs(25, 1000));
    assert_eq!(
        listing(&out),
        [
            "part-00000.parquet",
            "part-00001.parquet",
            "part-00002.parquet"
        ]
    );
    let mut total = 0;
    for p in &parts {
        let input = millstone_io::InputFile {
            path: p.clone(),
            kind: millstone_io::InputKind::Parquet,
            root: None,
        };
        let (d, rej) = read_all(&input, &Default::default());
        assert!(rej.is_empty());
        assert_eq!(keys(&d[0].fields), ["id", "text", "millstone"]);
        total += d.len();
    }
    assert_eq!(total, 25);
}

#[test]
fn empty_output_writes_no_file() {
    for format in [
        OutputFormat::Jsonl(Compression::Zstd { level: 3 }),
        OutputFormat::Parquet,
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let w = ShardedWriter::new(
            &out,
            WriterOptions {
                format,
                ..WriterOptions::default()
            },
        )
        .unwrap();
        assert_eq!(w.finish().unwrap(), Vec::<PathBuf>::new());
        assert!(listing(&out).is_empty());
    }
}

#[test]
fn an_unfinished_part_stays_hidden_and_is_removed_when_the_writer_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut w = ShardedWriter::new(&out, WriterOptions::default()).unwrap();
    w.write(&Document::new("a", "text"), &Map::new()).unwrap();
    assert_eq!(listing(&out), [".part-00000.jsonl.zst.tmp"]);
    drop(w);
    assert!(listing(&out).is_empty());
}

#[test]
fn millstone_object_is_written_and_an_input_millstone_key_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("in.jsonl");
    write_file(
        &p,
        b"{\"id\":\"x\",\"millstone\":{\"old\":1},\"text\":\"body\",\"lang\":\"en\"}\n",
    );
    let (mut docs, _) = read_all(&jsonl(&p), &Default::default());
    docs[0].set_text("new body".into());
    let mut m = Map::new();
    m.insert(
        "drop".into(),
        serde_json::json!({"stage": "gopher", "reason": "too_short"}),
    );
    let out = tmp.path().join("out");
    let opts = WriterOptions {
        format: OutputFormat::Jsonl(Compression::None),
        ..WriterOptions::default()
    };
    let mut w = ShardedWriter::new(&out, opts).unwrap();
    w.write(&docs[0], &m).unwrap();
    let parts = w.finish().unwrap();
    assert_eq!(
        std::fs::read_to_string(&parts[0]).unwrap(),
        "{\"id\":\"x\",\"text\":\"new body\",\"lang\":\"en\",\
         \"millstone\":{\"drop\":{\"stage\":\"gopher\",\"reason\":\"too_short\"}}}\n"
    );
}

#[test]
fn rejected_records_are_written_as_plain_jsonl_with_fixed_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rejected");
    let mut w = RejectedWriter::new(&out).unwrap();
    let r = Rejection {
        file: "in.jsonl".into(),
        record: 7,
        offset: Some(123),
        kind: RejectKind::InvalidJson,
        error: "in.jsonl:7: invalid JSON".into(),
        excerpt: "{\"te".into(),
    };
    w.write(&r).unwrap();
    w.write(&Rejection {
        offset: None,
        kind: RejectKind::Io,
        record: 0,
        ..r.clone()
    })
    .unwrap();
    let parts = w.finish().unwrap();
    assert_eq!(parts, [out.join("part-00000.jsonl")]);
    let text = std::fs::read_to_string(&parts[0]).unwrap();
    let rows: Vec<Map> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        keys(&rows[0]),
        ["file", "record", "offset", "kind", "error", "excerpt"]
    );
    assert_eq!(rows[0]["kind"], Value::from("invalid_json"));
    assert_eq!(rows[0]["offset"], Value::from(123));
    assert_eq!(rows[1]["offset"], Value::Null);
    assert_eq!(rows[1]["kind"], Value::from("io"));

    let empty = RejectedWriter::new(tmp.path().join("none")).unwrap();
    assert!(empty.finish().unwrap().is_empty());
}

/// A resumed run continues with the saved Parquet layout instead of inferring one from the rows
/// it sees after the checkpoint: the columns of the first run are kept, and what does not fit
/// goes to `millstone.extra_fields`.
#[test]
fn a_saved_parquet_layout_is_used_instead_of_inferring_a_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = |id: &str, field: (&str, Value)| {
        let mut d = Document::new(id, "some text");
        d.fields.insert("id".into(), Value::from(id));
        d.fields.insert("text".into(), Value::Null);
        d.fields.insert(field.0.into(), field.1);
        d
    };
    let opts = || WriterOptions {
        format: OutputFormat::Parquet,
        ..WriterOptions::default()
    };
    let first = tmp.path().join("first");
    let mut w = ShardedWriter::new(&first, opts()).unwrap();
    w.write(&doc("a", ("score", Value::from(3))), &Map::new())
        .unwrap();
    w.end_part().unwrap();
    let layout = w.layout().expect("a layout once rows were written");
    assert_eq!(
        layout,
        [
            ("id".to_string(), "string".to_string()),
            ("text".into(), "string".into()),
            ("score".into(), "int64".into()),
            (
                "millstone".into(),
                r#"{"struct":[["extra_fields","json"]]}"#.into()
            )
        ]
    );
    w.finish().unwrap();

    // The "resumed" writer sees rows with other fields: it keeps the saved columns.
    let second = tmp.path().join("second");
    let mut w = ShardedWriter::new(&second, opts()).unwrap();
    w.set_next_part(1);
    w.set_layout(&layout).unwrap();
    w.write(&doc("b", ("lang", Value::from("en"))), &Map::new())
        .unwrap();
    let parts = w.finish().unwrap();
    assert_eq!(listing(&second), ["part-00001.parquet"]);
    let input = millstone_io::InputFile {
        path: parts[0].clone(),
        kind: millstone_io::InputKind::Parquet,
        root: None,
    };
    let (d, rej) = read_all(&input, &Default::default());
    assert!(rej.is_empty());
    assert_eq!(keys(&d[0].fields), ["id", "text", "score", "millstone"]);
    assert!(d[0].fields["millstone"]["extra_fields"]
        .as_str()
        .unwrap()
        .contains("\"lang\""));
    assert!(w_layout_word_rejected(&tmp.path().join("third")));
}

/// An unknown type word in a saved layout is an error, not a panic.
fn w_layout_word_rejected(dir: &Path) -> bool {
    let mut w = ShardedWriter::new(
        dir,
        WriterOptions {
            format: OutputFormat::Parquet,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    w.set_layout(&[("x".into(), "decimal".into())]).is_err()
}
