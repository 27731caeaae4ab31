//! Record batches in memory: documents from a batch and back, with the file readers' rules.

use std::sync::Arc;

use millstone_io::{
    documents_from_batch, documents_to_batch, Document, Map, ReadOptions, Record, RejectKind,
};

fn docs() -> Vec<Document> {
    (0..3)
        .map(|i| {
            let mut d = Document::new(format!("d{i}"), format!("text {i}"));
            let meta: serde_json::Value =
                serde_json::json!({"url": format!("https://e.com/{i}"), "n": i});
            d.fields.insert("meta".into(), meta);
            d
        })
        .collect()
}

#[test]
fn documents_go_through_a_batch_and_back() {
    let docs = docs();
    let mut m = Map::new();
    m.insert("score".into(), 0.5.into());
    let batch = documents_to_batch(docs.iter().map(|d| (d, m.clone())), "text", "id").unwrap();
    assert_eq!(batch.num_rows(), 3);
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["id", "meta", "text", "millstone"]);
    let back = documents_from_batch(&batch, Arc::from("mem"), 10, &ReadOptions::default()).unwrap();
    for (i, r) in back.iter().enumerate() {
        let Record::Doc(d) = r else {
            panic!("row {i} not a document")
        };
        assert_eq!(d.id, format!("d{i}"));
        assert_eq!(d.text(), format!("text {i}"));
        assert_eq!(d.source.record, 11 + i as u64);
        assert_eq!(d.fields["meta"]["url"], format!("https://e.com/{i}"));
        assert_eq!(d.fields["millstone"]["score"], 0.5);
    }
}

#[test]
fn a_null_text_is_a_rejection_and_a_missing_column_an_error() {
    use arrow_array::{RecordBatch, StringArray};
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(StringArray::from(vec![Some("a"), Some("b")])) as _,
        ),
        (
            "text",
            Arc::new(StringArray::from(vec![Some("hello"), None])) as _,
        ),
    ])
    .unwrap();
    let got = documents_from_batch(&batch, Arc::from("mem"), 0, &ReadOptions::default()).unwrap();
    assert!(matches!(&got[0], Record::Doc(d) if d.id == "a"));
    match &got[1] {
        Record::Rejected(r) => {
            assert_eq!(r.kind, RejectKind::MissingText);
            assert_eq!(r.error, "mem: row 2: `text` is null");
        }
        _ => panic!("expected a rejection"),
    }
    let opts = ReadOptions {
        text_field: "body".into(),
        ..ReadOptions::default()
    };
    let e = documents_from_batch(&batch, Arc::from("mem"), 0, &opts).unwrap_err();
    assert!(e.contains("no text column `body`"), "{e}");
}
