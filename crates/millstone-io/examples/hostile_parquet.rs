//! Writes the two wrong-schema Parquet files of `crates/millstone/tests/hostile/` (see the
//! README there): `cargo run -p millstone-io --example hostile_parquet -- DIR`.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;

fn write(path: std::path::PathBuf, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let file = std::fs::File::create(&path).expect("create");
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("DIR"));
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["pq-1", "pq-2"]));
    let content: ArrayRef = Arc::new(StringArray::from(vec!["first page", "second page"]));
    write(
        dir.join("no-text-column.parquet"),
        vec![("id", Arc::clone(&ids)), ("content", content)],
    );
    let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    write(
        dir.join("int-text-column.parquet"),
        vec![("id", ids), ("text", numbers)],
    );
}
