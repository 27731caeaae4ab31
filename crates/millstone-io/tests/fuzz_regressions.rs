//! Inputs found by the fuzz targets under `fuzz/` (see `fuzz/README.md`), one test per bug.

use std::sync::Arc;

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use millstone_io::{read, InputFile, InputKind, ReadOptions, Record, Value};
use parquet::arrow::ArrowWriter;

/// `parquet_reader` crash: a dictionary-encoded column whose values in a batch are all null has an
/// empty dictionary, and arrow's `normalized_keys` asserts the dictionary is non-empty — reading
/// such a file panicked instead of giving `null` fields.
#[test]
fn all_null_dictionary_column_reads_as_null_fields_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("dict.parquet");
    let mut cat = StringDictionaryBuilder::<Int32Type>::new();
    cat.append_null();
    cat.append_null();
    let text: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
    let batch =
        RecordBatch::try_from_iter([("text", text), ("cat", Arc::new(cat.finish()) as _)]).unwrap();
    let f = std::fs::File::create(&path).unwrap();
    let mut w = ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let input = InputFile {
        path,
        kind: InputKind::Parquet,
        root: None,
    };
    let docs: Vec<_> = read(&input, &ReadOptions::default())
        .map(|r| match r {
            Record::Doc(d) => d,
            Record::Rejected(r) => panic!("rejected: {}", r.error),
            Record::Skipped(s) => panic!("skipped: {s:?}"),
        })
        .collect();
    assert_eq!(docs.len(), 2);
    for (doc, text) in docs.iter().zip(["a", "b"]) {
        assert_eq!(doc.text(), text);
        assert_eq!(doc.fields.get("cat"), Some(&Value::Null));
    }
}

/// Found by `fuzz/` (parquet_reader): a Parquet file whose embedded Arrow schema is corrupt made
/// arrow-ipc panic ("Type NONE not supported") inside the reader. Now it is read without the
/// embedded schema, or rejected — never a panic.
#[test]
fn corrupt_embedded_arrow_schema_is_not_a_panic() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/parquet_reader/arrow-ipc-schema-type-none");
    let input = millstone_io::InputFile {
        path,
        kind: millstone_io::InputKind::Parquet,
        root: None,
    };
    let records: Vec<_> =
        millstone_io::read(&input, &millstone_io::ReadOptions::default()).collect();
    assert!(!records.is_empty());
}
