//! Parquet input: (a) arbitrary bytes as a `.parquet` file; (b) a valid small Parquet file built
//! from a structured input (text column of several string types or a wrong type, an id column,
//! one extra column of a type the reader converts to JSON, compression, page and row-group
//! sizes), read as written and again with some of its bytes mutated.
//!
//! Asserts: no panic; a Doc's text is UTF-8; a valid file gives one record per row, each row's
//! text (or a MissingText / TooLarge rejection), or exactly one Parquet rejection when the text
//! column is not a string column.
#![no_main]

mod common;

use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use arrow_array::builder::{
    Int64Builder, ListBuilder, MapBuilder, StringBuilder, StringDictionaryBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, FixedSizeBinaryArray,
    Float64Array, Int32Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, StructArray, Time64MicrosecondArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Fields, Schema};
use common::{key, put, read_all, Key};
use libfuzzer_sys::fuzz_target;
use millstone_io::{InputKind, ReadOptions, RejectKind};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum TextType {
    Utf8,
    LargeUtf8,
    Utf8View,
    Binary,
    Int64,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Extra {
    None,
    Int32,
    Float64,
    Boolean,
    ListUtf8,
    Struct,
    Dictionary,
    TimestampTz,
    Date32,
    Decimal,
    Map,
    FixedBinary,
    Time64,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Codec {
    None,
    Snappy,
    Zstd,
    Lz4,
    Lz4Raw,
    Gzip,
}

#[derive(Arbitrary, Debug)]
struct Row {
    text: Option<String>,
    id: Option<i64>,
    n: i64,
    f: f64,
    s: Option<String>,
}

#[derive(Arbitrary, Debug)]
struct Spec {
    text_type: TextType,
    /// 0: no id column, 1: string ids, 2: integer ids.
    id_kind: u8,
    extra: Extra,
    tz: u8,
    codec: Codec,
    dictionary: bool,
    row_group: u8,
    page_rows: u8,
    small_cap: bool,
    rows: Vec<Row>,
    mutations: Vec<(u16, u8)>,
}

const TZS: [&str; 5] = ["+00:00", "Europe/Paris", "-05:30", "not/a-zone", "UTC"];

fn text_column(spec: &Spec) -> ArrayRef {
    let texts = spec.rows.iter().map(|r| r.text.as_deref());
    match spec.text_type {
        TextType::Utf8 => Arc::new(texts.collect::<StringArray>()),
        TextType::LargeUtf8 => Arc::new(texts.collect::<LargeStringArray>()),
        TextType::Utf8View => Arc::new(texts.collect::<StringViewArray>()),
        TextType::Binary => Arc::new(
            spec.rows
                .iter()
                .map(|r| r.text.as_deref().map(str::as_bytes))
                .collect::<BinaryArray>(),
        ),
        TextType::Int64 => Arc::new(spec.rows.iter().map(|r| r.id).collect::<Int64Array>()),
    }
}

fn extra_column(spec: &Spec) -> Option<ArrayRef> {
    let rows = &spec.rows;
    let n = rows.len();
    Some(match spec.extra {
        Extra::None => return None,
        Extra::Int32 => Arc::new(
            rows.iter()
                .map(|r| r.id.map(|v| v as i32))
                .collect::<Int32Array>(),
        ),
        Extra::Float64 => Arc::new(rows.iter().map(|r| Some(r.f)).collect::<Float64Array>()),
        Extra::Boolean => Arc::new(
            rows.iter()
                .map(|r| r.id.map(|v| v % 2 == 0))
                .collect::<BooleanArray>(),
        ),
        Extra::ListUtf8 => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for r in rows {
                match &r.s {
                    Some(s) => {
                        for part in s.split(' ') {
                            b.values().append_value(part);
                        }
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
        Extra::Struct => {
            let a: ArrayRef = Arc::new(rows.iter().map(|r| r.id).collect::<Int64Array>());
            let s: ArrayRef =
                Arc::new(rows.iter().map(|r| r.s.as_deref()).collect::<StringArray>());
            Arc::new(StructArray::from(vec![
                (Arc::new(Field::new("a", DataType::Int64, true)), a),
                (Arc::new(Field::new("s", DataType::Utf8, true)), s),
            ]))
        }
        Extra::Dictionary => {
            let mut b = StringDictionaryBuilder::<Int32Type>::new();
            for r in rows {
                match &r.s {
                    Some(s) => {
                        b.append_value(s);
                    }
                    None => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Extra::TimestampTz => {
            let tz = TZS[usize::from(spec.tz) % TZS.len()];
            let a = rows
                .iter()
                .map(|r| Some(r.n))
                .collect::<TimestampMillisecondArray>();
            Arc::new(a.with_timezone(tz))
        }
        Extra::Date32 => Arc::new(
            rows.iter()
                .map(|r| Some(r.n as i32))
                .collect::<Date32Array>(),
        ),
        Extra::Decimal => {
            let a = rows
                .iter()
                .map(|r| Some(i128::from(r.n)))
                .collect::<Decimal128Array>();
            Arc::new(a.with_precision_and_scale(38, (spec.tz % 10) as i8).ok()?)
        }
        Extra::Map => {
            let mut b = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
            for r in rows {
                if let Some(s) = &r.s {
                    for (i, part) in s.split(' ').enumerate() {
                        b.keys().append_value(part);
                        b.values().append_value(i as i64);
                    }
                }
                b.append(r.s.is_some()).ok()?;
            }
            Arc::new(b.finish())
        }
        Extra::FixedBinary => {
            let vals: Vec<[u8; 4]> = rows
                .iter()
                .map(|r| r.n.to_le_bytes()[..4].try_into().unwrap())
                .collect();
            Arc::new(
                FixedSizeBinaryArray::try_from_iter(vals.into_iter())
                    .ok()
                    .filter(|_| n > 0)?,
            )
        }
        Extra::Time64 => Arc::new(
            rows.iter()
                .map(|r| Some(r.n.rem_euclid(86_400_000_000)))
                .collect::<Time64MicrosecondArray>(),
        ),
    })
}

fn build(spec: &Spec) -> Option<Vec<u8>> {
    let text = text_column(spec);
    let mut fields = vec![Field::new("text", text.data_type().clone(), true)];
    let mut cols = vec![text];
    match spec.id_kind % 3 {
        1 => {
            fields.push(Field::new("id", DataType::Utf8, true));
            let ids = spec.rows.iter().map(|r| r.id.map(|v| format!("doc-{v}")));
            cols.push(Arc::new(ids.collect::<StringArray>()));
        }
        2 => {
            fields.push(Field::new("id", DataType::Int64, true));
            cols.push(Arc::new(
                spec.rows.iter().map(|r| r.id).collect::<Int64Array>(),
            ));
        }
        _ => {}
    }
    if let Some(extra) = extra_column(spec) {
        fields.push(Field::new("extra", extra.data_type().clone(), true));
        cols.push(extra);
    }
    let schema = Arc::new(Schema::new(Fields::from(fields)));
    let batch = RecordBatch::try_new(Arc::clone(&schema), cols).ok()?;
    let compression = match spec.codec {
        Codec::None => Compression::UNCOMPRESSED,
        Codec::Snappy => Compression::SNAPPY,
        Codec::Zstd => Compression::ZSTD(ZstdLevel::default()),
        Codec::Lz4 => Compression::LZ4,
        Codec::Lz4Raw => Compression::LZ4_RAW,
        Codec::Gzip => Compression::GZIP(GzipLevel::default()),
    };
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_dictionary_enabled(spec.dictionary)
        .set_max_row_group_row_count(Some(1 + usize::from(spec.row_group % 16)))
        .set_data_page_row_count_limit(1 + usize::from(spec.page_rows % 8))
        .set_write_batch_size(1 + usize::from(spec.page_rows % 8))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema, Some(props)).ok()?;
    w.write(&batch).ok()?;
    w.close().ok()?;
    Some(out)
}

fn structured(data: &[u8]) {
    let Ok(spec) = Spec::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let Some(mut bytes) = build(&spec) else {
        return;
    };
    let cap = if spec.small_cap {
        16
    } else {
        ReadOptions::default().max_record_bytes
    };
    let opts = ReadOptions {
        max_record_bytes: cap,
        ..ReadOptions::default()
    };
    let records = read_all(&put("valid.parquet", &bytes), InputKind::Parquet, &opts);
    let got: Vec<Key> = records.iter().map(key).collect();
    match spec.text_type {
        TextType::Binary | TextType::Int64 => {
            assert!(
                matches!(
                    got.as_slice(),
                    [Key::Rejected {
                        record: 0,
                        kind: RejectKind::Parquet
                    }]
                ),
                "non-string text column: {got:?}"
            );
        }
        _ => {
            assert_eq!(got.len(), spec.rows.len(), "one record per row: {got:?}");
            for (i, (k, row)) in got.iter().zip(&spec.rows).enumerate() {
                match (k, &row.text) {
                    (
                        Key::Doc {
                            record,
                            text,
                            fields,
                        },
                        Some(t),
                    ) => {
                        assert_eq!(*record, i as u64 + 1);
                        assert_eq!(text, t);
                        assert!(t.len() <= cap);
                        assert_eq!(fields.get("text"), Some(&millstone_io::Value::Null));
                    }
                    (Key::Rejected { record, kind }, t) => {
                        assert_eq!(*record, i as u64 + 1);
                        match t {
                            None => assert_eq!(*kind, RejectKind::MissingText),
                            Some(t) => {
                                assert_eq!(*kind, RejectKind::TooLarge);
                                assert!(t.len() > cap);
                            }
                        }
                    }
                    (k, t) => panic!("row {i}: {k:?} for text {t:?}"),
                }
            }
        }
    }
    if spec.mutations.is_empty() || bytes.is_empty() {
        return;
    }
    let n = bytes.len();
    for &(at, x) in &spec.mutations {
        bytes[usize::from(at) % n] ^= x;
    }
    let records = read_all(&put("mutated.parquet", &bytes), InputKind::Parquet, &opts);
    for r in &records {
        key(r);
    }
}

fuzz_target!(|data: &[u8]| {
    // The reader catches panics inside arrow-ipc (corrupt embedded Arrow schemas) and turns the
    // file into a rejection; libfuzzer-sys's panic hook would abort before that unwinding, so
    // it is replaced by a quiet one. A panic the reader does not catch still reaches
    // libfuzzer-sys's catch_unwind and aborts: a crash is still a crash.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    match data.split_first() {
        Some((&b, rest)) if b & 1 == 1 => structured(rest),
        _ => {
            let path = put("raw.parquet", data);
            for r in read_all(&path, InputKind::Parquet, &ReadOptions::default()) {
                key(&r);
            }
        }
    }
});
