//! Parquet reading and writing.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    StructArray,
};
use arrow_schema::{DataType, Field};
use common::*;
use millstone_io::{
    read, InputFile, InputKind, Map, OutputFormat, ReadOptions, RejectKind, ShardedWriter, Value,
    WriterOptions,
};
use parquet::arrow::ArrowWriter;

fn pq(path: &Path) -> InputFile {
    InputFile {
        path: path.to_path_buf(),
        kind: InputKind::Parquet,
        root: None,
    }
}

fn write_batch(path: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn parquet_writer(dir: &Path) -> ShardedWriter {
    let opts = WriterOptions {
        format: OutputFormat::Parquet,
        ..WriterOptions::default()
    };
    ShardedWriter::new(dir, opts).unwrap()
}

#[test]
fn columns_become_fields_nested_types_become_json_and_null_text_is_missing_text() {
    let mut tags = ListBuilder::new(StringBuilder::new());
    tags.values().append_value("a");
    tags.values().append_value("b");
    tags.append(true);
    tags.append(false);
    tags.append(true);
    let mut cat = StringDictionaryBuilder::<Int32Type>::new();
    cat.append_value("news");
    cat.append_value("blog");
    cat.append_value("news");
    let meta = StructArray::from(vec![
        (
            Arc::new(Field::new("n", DataType::Int32, true)),
            Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef,
        ),
        (
            Arc::new(Field::new("ok", DataType::Boolean, true)),
            Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef,
        ),
    ]);
    let batch = RecordBatch::try_from_iter(vec![
        (
            "url",
            Arc::new(StringArray::from(vec!["u1", "u2", "u3"])) as ArrayRef,
        ),
        (
            "text",
            Arc::new(StringArray::from(vec![Some("first"), None, Some("third")])),
        ),
        ("id", Arc::new(Int64Array::from(vec![10, 20, 30]))),
        (
            "score",
            Arc::new(Float64Array::from(vec![Some(0.5), None, Some(1.5)])),
        ),
        ("tags", Arc::new(tags.finish())),
        ("cat", Arc::new(cat.finish())),
        ("meta", Arc::new(meta)),
    ])
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("in.parquet");
    write_batch(&p, &batch);
    let (docs, rej) = read_all(&pq(&p), &ReadOptions::default());
    assert_eq!(rej.len(), 1);
    assert_eq!((rej[0].kind, rej[0].record), (RejectKind::MissingText, 2));
    assert_eq!(docs.len(), 2);
    let d = &docs[0];
    assert_eq!(d.id, "10");
    assert_eq!(d.text(), "first");
    assert_eq!(d.source.record, 1);
    assert_eq!(docs[1].source.record, 3);
    assert_eq!(
        keys(&d.fields),
        ["url", "text", "id", "score", "tags", "cat", "meta"]
    );
    let expected: Map = serde_json::from_str(
        r#"{"url":"u1","text":null,"id":10,"score":0.5,"tags":["a","b"],"cat":"news",
            "meta":{"n":1,"ok":true}}"#,
    )
    .unwrap();
    assert_eq!(d.fields, expected);
    assert_eq!(docs[1].fields["tags"], serde_json::json!([]));
    assert_eq!(docs[1].fields["cat"], Value::from("news"));
}

#[test]
fn parquet_without_the_text_column_is_one_rejection_naming_column_and_schema() {
    let batch = RecordBatch::try_from_iter(vec![(
        "content",
        Arc::new(StringArray::from(vec!["x"])) as ArrayRef,
    )])
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("no_text.parquet");
    write_batch(&p, &batch);
    let recs: Vec<_> = read(&pq(&p), &ReadOptions::default()).collect();
    assert_eq!(recs.len(), 1);
    let r = recs.into_iter().next().unwrap().rejection().unwrap();
    assert_eq!((r.kind, r.record), (RejectKind::Parquet, 0));
    assert!(r.error.contains("`text`"), "{}", r.error);
    assert!(r.error.contains("content: Utf8"), "{}", r.error);

    // A text column that is not a string column.
    let batch = RecordBatch::try_from_iter(vec![(
        "text",
        Arc::new(Int64Array::from(vec![1])) as ArrayRef,
    )])
    .unwrap();
    write_batch(&p, &batch);
    let r = read(&pq(&p), &ReadOptions::default()).next().unwrap();
    let r = r.rejection().unwrap();
    assert_eq!(r.kind, RejectKind::Parquet);
    assert!(r.error.contains("Int64"), "{}", r.error);
}

#[test]
fn not_a_parquet_file_is_one_parquet_rejection() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("fake.parquet");
    write_file(&p, b"PAR1 this is not really parquet");
    let recs: Vec<_> = read(&pq(&p), &ReadOptions::default()).collect();
    assert_eq!(recs.len(), 1);
    let r = recs.into_iter().next().unwrap().rejection().unwrap();
    assert_eq!(r.kind, RejectKind::Parquet);
}

#[test]
fn parquet_roundtrip_keeps_values_and_field_order() {
    let lines = real_lines(40);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("in.jsonl");
    let mut with_numbers = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let mut m: Map = serde_json::from_str(l).unwrap();
        m.insert("n".into(), Value::from(i as i64));
        m.insert("good".into(), Value::from(i % 2 == 0));
        m.insert("tags".into(), serde_json::json!(["x", i]));
        with_numbers.push(serde_json::to_string(&m).unwrap());
    }
    write_file(&p, (with_numbers.join("\n") + "\n").as_bytes());
    let (docs, _) = read_all(&jsonl(&p), &ReadOptions::default());
    let out = tmp.path().join("out");
    let mut w = parquet_writer(&out);
    let mut ms = Map::new();
    ms.insert("kept".into(), Value::Bool(true));
    for d in &docs {
        w.write(d, &ms).unwrap();
    }
    let parts = w.finish().unwrap();
    assert_eq!(parts.len(), 1);
    assert!(parts[0].ends_with("part-00000.parquet"));
    let (back, rej) = read_all(&pq(&parts[0]), &ReadOptions::default());
    assert!(rej.is_empty(), "{rej:?}");
    assert_eq!(back.len(), docs.len());
    for (a, b) in docs.iter().zip(&back) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.text(), b.text());
        let mut expected = keys(&a.fields);
        expected.push("millstone");
        assert_eq!(keys(&b.fields), expected);
        for (k, v) in &a.fields {
            if k == "tags" {
                // `["x", i]`: a list of disagreeing items, each JSON-encoded.
                let items: Vec<Value> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| Value::String(x.to_string()))
                    .collect();
                assert_eq!(b.fields[k], Value::Array(items));
            } else {
                assert_eq!(&b.fields[k], v, "{k}");
            }
        }
        assert_eq!(
            b.fields["millstone"],
            serde_json::json!({"kept": true, "extra_fields": null})
        );
    }
}

#[test]
fn late_keys_and_type_conflicts_go_to_millstone_extra_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("in.jsonl");
    // 1,500 rows: the schema is fixed from the first 1,024.
    let mut lines = String::new();
    for i in 0..1500 {
        if i < 1024 {
            lines += &format!("{{\"id\":{i},\"text\":\"t{i}\",\"n\":{i}}}\n");
        } else if i % 2 == 0 {
            lines += &format!("{{\"id\":{i},\"text\":\"t{i}\",\"n\":\"str{i}\",\"late\":[{i}]}}\n");
        } else {
            lines += &format!("{{\"id\":{i},\"text\":\"t{i}\",\"n\":{i}.5}}\n");
        }
    }
    write_file(&p, lines.as_bytes());
    let (docs, _) = read_all(&jsonl(&p), &ReadOptions::default());
    let out = tmp.path().join("out");
    let mut w = parquet_writer(&out);
    for d in &docs {
        w.write(d, &Map::new()).unwrap();
    }
    let parts = w.finish().unwrap();
    let (back, _) = read_all(&pq(&parts[0]), &ReadOptions::default());
    assert_eq!(back.len(), 1500);
    assert_eq!(back[5].id, "5");
    assert_eq!(back[5].fields["n"], Value::from(5));
    assert_eq!(back[5].fields["millstone"]["extra_fields"], Value::Null);
    assert!(!back[5].fields.contains_key("extra_fields"));
    // A string where the column is int64: the column is null, the value is in extra_fields.
    let even = &back[1024];
    assert_eq!(even.fields["n"], Value::Null);
    let extra = |d: &millstone_io::Document| -> Map {
        serde_json::from_str(d.fields["millstone"]["extra_fields"].as_str().unwrap()).unwrap()
    };
    let extra_even = extra(even);
    let extra = &extra;
    assert_eq!(
        extra_even,
        serde_json::from_str::<Map>(r#"{"n":"str1024","late":[1024]}"#).unwrap()
    );
    // A float in an int64 column also does not fit.
    let odd = &back[1025];
    assert_eq!(extra(odd)["n"], Value::from(1025.5));
}

#[test]
fn mixed_ints_and_floats_make_a_double_column_and_conflicts_a_json_column() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("in.jsonl");
    write_file(
        &p,
        b"{\"text\":\"a\",\"x\":1,\"y\":\"s\"}\n{\"text\":\"b\",\"x\":2.5,\"y\":3}\n",
    );
    let (docs, _) = read_all(&jsonl(&p), &ReadOptions::default());
    let out = tmp.path().join("out");
    let mut w = parquet_writer(&out);
    for d in &docs {
        w.write(d, &Map::new()).unwrap();
    }
    let parts = w.finish().unwrap();
    let (back, _) = read_all(&pq(&parts[0]), &ReadOptions::default());
    assert_eq!(back[0].fields["x"], Value::from(1.0));
    assert_eq!(back[1].fields["x"], Value::from(2.5));
    assert_eq!(back[0].fields["y"], Value::from("\"s\""));
    assert_eq!(back[1].fields["y"], Value::from("3"));
    // Generated ids (no id field) are written as the first column.
    assert_eq!(keys(&back[0].fields)[0], "id");
    assert_eq!(back[0].id, format!("{}/1", p.display()));
}

#[test]
fn dotted_text_and_id_fields_read_struct_columns() {
    // datatrove-shaped rows with the text and id inside a struct column `doc`.
    let lines = real_lines(5);
    let pages: Vec<Map> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let text: Vec<&str> = pages.iter().map(|p| p["text"].as_str().unwrap()).collect();
    let ids: Vec<&str> = pages.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let doc = StructArray::from(vec![
        (
            Arc::new(Field::new("id", DataType::Utf8, true)),
            Arc::new(StringArray::from(ids.clone())) as ArrayRef,
        ),
        (
            Arc::new(Field::new("body", DataType::Utf8, true)),
            Arc::new(StringArray::from(text.clone())) as ArrayRef,
        ),
    ]);
    let batch = RecordBatch::try_from_iter(vec![("doc", Arc::new(doc) as ArrayRef)]).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("nested.parquet");
    write_batch(&p, &batch);
    let opts = ReadOptions {
        text_field: "doc.body".into(),
        id_field: "doc.id".into(),
        ..ReadOptions::default()
    };
    let (docs, rej) = read_all(&pq(&p), &opts);
    assert!(rej.is_empty(), "{rej:?}");
    assert_eq!(docs.len(), 5);
    for (i, d) in docs.iter().enumerate() {
        assert_eq!(d.id, ids[i]);
        assert_eq!(d.text(), text[i]);
        assert_eq!(d.fields["doc"]["body"], Value::Null); // the text's slot
    }
    // A dotted path to something that is not a string, or to nothing, names the schema.
    for (field, needle) in [("doc", "Struct"), ("doc.nope", "no text column `doc.nope`")] {
        let opts = ReadOptions {
            text_field: field.into(),
            ..ReadOptions::default()
        };
        let r = read(&pq(&p), &opts).next().unwrap().rejection().unwrap();
        assert_eq!(r.kind, RejectKind::Parquet);
        assert!(r.error.contains(needle), "{}", r.error);
    }
}
