//! Parquet reader: record batches of [`BATCH_ROWS`] rows; one row is one document.
//!
//! The text column (named by `text_field`, a top-level column or a dotted path into struct
//! columns, `meta.text`) must be a string column (`Utf8`, `LargeUtf8` or `Utf8View`); every other column becomes a field of the document, converted to JSON: scalars to
//! JSON scalars, lists to arrays, structs and string-keyed maps to objects, dates and timestamps
//! to ISO 8601 strings, decimals to their decimal string, binary to (lossy) UTF-8, and any other
//! type to its printed form. Memory is one batch (plus the Parquet reader's page buffers).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, LargeStringArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow_schema::{DataType, Schema, TimeUnit};
use millstone_core::{Document, Map, RejectKind, Rejection, Source, Value};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::{file_rejection, open_failed, ReadOptions, Record, BOMB_CHECK_AFTER};

/// Rows per record batch: small enough that a batch of web pages stays in the tens of MB.
pub(crate) const BATCH_ROWS: usize = 1024;

/// Open the Parquet reader. arrow-ipc *panics* (instead of returning an error) on some corrupt
/// Arrow schemas embedded in a Parquet file's metadata (found by fuzzing:
/// `fuzz/regressions/parquet_reader/arrow-ipc-schema-type-none`). The Parquet schema alone is
/// enough to read the file, so after such a panic it is opened again without the embedded Arrow
/// schema; a second failure makes the file one rejection. Bad input must never stop the run.
fn open_builder(f: &File) -> Result<ParquetRecordBatchReaderBuilder<File>, String> {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let clone = || {
        f.try_clone()
            .map_err(|e| format!("cannot read the file again: {e}"))
    };
    let first = clone()?;
    match catch_unwind(AssertUnwindSafe(|| {
        ParquetRecordBatchReaderBuilder::try_new(first)
    })) {
        Ok(Ok(b)) => return Ok(b),
        Ok(Err(e)) => return Err(format!("not a readable Parquet file: {e}")),
        Err(_) => {}
    }
    let second = clone()?;
    let opts =
        parquet::arrow::arrow_reader::ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    match catch_unwind(AssertUnwindSafe(|| {
        ParquetRecordBatchReaderBuilder::try_new_with_options(second, opts)
    })) {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(format!(
            "not a readable Parquet file (its embedded Arrow schema is corrupt): {e}"
        )),
        Err(_) => Err("not a readable Parquet file: its metadata is corrupt".into()),
    }
}

pub(super) fn read(
    path: &Path,
    file: Arc<str>,
    opts: &ReadOptions,
) -> Box<dyn Iterator<Item = Record> + Send> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) => return open_failed(&file, &e),
    };
    let whole_file = |msg: String| -> Box<dyn Iterator<Item = Record> + Send> {
        let r = file_rejection(&file, RejectKind::Parquet, format!("{file}: {msg}"));
        Box::new(std::iter::once(Record::Rejected(r)))
    };
    let file_len = f.metadata().map_or(0, |m| m.len());
    let builder = match open_builder(&f) {
        Ok(b) => b,
        Err(msg) => return whole_file(msg),
    };
    // A decompression bomb, by the sizes the file declares (the decoders allocate what pages
    // declare, so this bounds what reading it would take).
    let declared: u64 = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|rg| u64::try_from(rg.total_byte_size()).unwrap_or(0))
        // A corrupt file can declare sizes whose sum overflows (found by fuzzing).
        .fold(0u64, u64::saturating_add);
    let ratio = opts.max_decompression_ratio;
    if ratio > 0 && declared > BOMB_CHECK_AFTER && declared > ratio.saturating_mul(file_len) {
        let msg = format!(
            "{file}: decompression bomb: {file_len} bytes declare {declared} uncompressed bytes \
             ({}x), over max_decompression_ratio = {ratio}; the file is not read",
            declared / file_len.max(1)
        );
        let r = file_rejection(&file, RejectKind::DecompressionBomb, msg);
        return Box::new(std::iter::once(Record::Rejected(r)));
    }
    let schema = Arc::clone(builder.schema());
    let text = match text_column(&schema, &opts.text_field) {
        Ok(t) => t,
        Err(msg) => return whole_file(msg),
    };
    // Row counts a corrupt file declares are summed by the reader (found by fuzzing: a negative
    // count overflows that sum); refuse them here, and treat a panic while building the reader
    // like an error.
    let counts = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|rg| rg.num_rows());
    if counts.clone().any(|n| n < 0)
        || counts
            .map(|n| n as u64)
            .try_fold(0u64, |a, n| a.checked_add(n))
            .is_none()
    {
        return whole_file("corrupt metadata: impossible row counts".into());
    }
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        builder.with_batch_size(BATCH_ROWS).build()
    }));
    let reader = match built {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return whole_file(format!("cannot read: {e}")),
        Err(_) => {
            return whole_file("cannot read: the Parquet decoder failed on corrupt metadata".into())
        }
    };
    Box::new(ParquetReader {
        reader,
        rows: Rows {
            file,
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            text,
            id_field: opts.id_field.clone(),
            cap: opts.max_record_bytes,
        },
        batch: None,
        row: 0,
        done: false,
    })
}

/// The documents of one record batch (a batch handed over in memory, e.g. from Python), rows
/// numbered from `first_row + 1`: a row with a null text or one over `opts.max_record_bytes` is
/// a rejection, like in a file. `Err` when the batch has no usable text column (the message
/// names the column and shows the schema).
pub fn documents_from_batch(
    batch: &RecordBatch,
    origin: Arc<str>,
    first_row: u64,
    opts: &ReadOptions,
) -> Result<Vec<Record>, String> {
    let schema = batch.schema();
    let rows = Rows {
        file: origin,
        names: schema.fields().iter().map(|f| f.name().clone()).collect(),
        text: text_column(&schema, &opts.text_field)?,
        id_field: opts.id_field.clone(),
        cap: opts.max_record_bytes,
    };
    let mut converted = rows.convert(batch);
    Ok((0..batch.num_rows())
        .map(|i| rows.record(&mut converted, i, first_row + i as u64 + 1))
        .collect())
}

/// Where the text is: a top-level string column, or a string field inside struct columns named
/// by a dotted path.
enum TextColumn {
    Top(usize),
    Nested(String),
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn text_column(schema: &Schema, name: &str) -> Result<TextColumn, String> {
    let not_string = |t: &DataType| {
        format!(
            "text column `{name}` is {t}, not a string column; schema: {}",
            describe(schema)
        )
    };
    if let Ok(i) = schema.index_of(name) {
        let t = schema.field(i).data_type();
        return if is_string(t) {
            Ok(TextColumn::Top(i))
        } else {
            Err(not_string(t))
        };
    }
    // A dotted path through struct columns.
    let mut parts = name.split('.');
    let mut current: Option<&DataType> = parts
        .next()
        .and_then(|p| schema.field_with_name(p).ok())
        .map(|f| f.data_type());
    for part in parts {
        current = match current {
            Some(DataType::Struct(fields)) => fields
                .iter()
                .find(|f| f.name() == part)
                .map(|f| f.data_type()),
            _ => None,
        };
    }
    match current {
        Some(t) if name.contains('.') && is_string(t) => Ok(TextColumn::Nested(name.to_owned())),
        Some(t) if name.contains('.') => Err(not_string(t)),
        _ => Err(format!(
            "no text column `{name}`; schema: {}",
            describe(schema)
        )),
    }
}

fn describe(schema: &Schema) -> String {
    let cols: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), f.data_type()))
        .collect();
    format!("[{}]", cols.join(", "))
}

struct ParquetReader {
    reader: ParquetRecordBatchReader,
    rows: Rows,
    batch: Option<Batch>,
    /// Rows delivered so far (the 1-based number of the last row).
    row: u64,
    done: bool,
}

/// The current batch: a top-level text column as is, the other columns converted to JSON.
struct Batch {
    text: Option<ArrayRef>,
    columns: Vec<Vec<Value>>,
    pos: usize,
    len: usize,
}

impl Iterator for ParquetReader {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if self.done {
                return None;
            }
            if let Some(batch) = &mut self.batch {
                if batch.pos < batch.len {
                    let i = batch.pos;
                    batch.pos += 1;
                    self.row += 1;
                    return Some(self.rows.record(batch, i, self.row));
                }
            }
            // Decoding and converting a batch of a corrupt file can panic inside arrow instead
            // of returning an error (fuzzing found such files); a panic ends the file with a
            // rejection, like an error, instead of stopping the run.
            use std::panic::{catch_unwind, AssertUnwindSafe};
            let next = catch_unwind(AssertUnwindSafe(|| {
                self.reader
                    .next()
                    .map(|r| r.map(|b| self.rows.convert(&b)).map_err(|e| e.to_string()))
            }))
            .unwrap_or_else(|_| {
                Some(Err("the Parquet decoder failed on corrupt data".to_string()))
            });
            match next {
                None => self.done = true,
                Some(Ok(b)) => self.batch = Some(b),
                Some(Err(e)) => {
                    self.done = true;
                    let mut r = file_rejection(
                        &self.rows.file,
                        RejectKind::Parquet,
                        format!(
                            "{}: cannot read rows after row {}: {e}; the rest of the file is skipped",
                            self.rows.file, self.row
                        ),
                    );
                    r.record = self.row + 1;
                    return Some(Record::Rejected(r));
                }
            }
        }
    }
}

/// How the rows of a record batch become documents: the batch's column names, where its text
/// is, the id field and the size limit.
struct Rows {
    file: Arc<str>,
    names: Vec<String>,
    text: TextColumn,
    id_field: String,
    cap: usize,
}

impl Rows {
    fn convert(&self, b: &RecordBatch) -> Batch {
        let top = match self.text {
            TextColumn::Top(i) => Some(i),
            TextColumn::Nested(_) => None,
        };
        let columns = b
            .columns()
            .iter()
            .enumerate()
            .map(|(c, col)| {
                if Some(c) == top {
                    Vec::new()
                } else {
                    column_values(col.as_ref())
                }
            })
            .collect();
        Batch {
            text: top.map(|i| Arc::clone(b.column(i))),
            columns,
            pos: 0,
            len: b.num_rows(),
        }
    }

    /// Row `i` of `batch`, the `row`th (from 1) of its file.
    fn record(&self, batch: &mut Batch, i: usize, row: u64) -> Record {
        let reject = |kind, msg: String, excerpt: &str| {
            Record::Rejected(Rejection {
                file: self.file.to_string(),
                record: row,
                offset: None,
                kind,
                error: format!("{}: row {row}: {msg}", self.file),
                excerpt: Rejection::excerpt_of(excerpt.as_bytes()),
            })
        };
        let mut fields = Map::with_capacity(self.names.len());
        for (c, name) in self.names.iter().enumerate() {
            let v = batch.columns[c].get_mut(i).map_or(Value::Null, Value::take);
            fields.insert(name.clone(), v);
        }
        let text = match (&self.text, &batch.text) {
            (TextColumn::Top(_), Some(array)) => text_at(array.as_ref(), i).map(str::to_owned),
            (TextColumn::Nested(path), _) => {
                match millstone_core::field::get_mut(&mut fields, path).map(Value::take) {
                    Some(Value::String(s)) => Some(s),
                    _ => None,
                }
            }
            (TextColumn::Top(_), None) => None,
        };
        let text = match text {
            None => {
                let name = match &self.text {
                    TextColumn::Top(c) => &self.names[*c],
                    TextColumn::Nested(path) => path,
                };
                return reject(RejectKind::MissingText, format!("`{name}` is null"), "");
            }
            Some(t) if t.len() > self.cap => {
                let msg = format!(
                    "text is {} bytes, longer than max_record_bytes = {}",
                    t.len(),
                    self.cap
                );
                return reject(RejectKind::TooLarge, msg, &t);
            }
            Some(t) => t,
        };
        let id = match millstone_core::field::get(&fields, &self.id_field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => format!("{}/{row}", self.file),
        };
        let mut doc = Document::new(id, text);
        doc.source = Source {
            file: Arc::clone(&self.file),
            record: row,
            input: 0,
            record_type: "",
        };
        doc.fields = fields;
        Record::Doc(doc)
    }
}

fn text_at(array: &dyn Array, i: usize) -> Option<&str> {
    if array.is_null(i) {
        return None;
    }
    if let Some(a) = array.as_any().downcast_ref::<StringArray>() {
        Some(a.value(i))
    } else if let Some(a) = array.as_any().downcast_ref::<LargeStringArray>() {
        Some(a.value(i))
    } else {
        array
            .as_any()
            .downcast_ref::<StringViewArray>()
            .map(|a| a.value(i))
    }
}

fn prim<T: ArrowPrimitiveType>(array: &dyn Array, f: impl Fn(T::Native) -> Value) -> Vec<Value> {
    array
        .as_primitive::<T>()
        .values()
        .iter()
        .map(|v| f(*v))
        .collect()
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn bytes_lossy(b: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(b).into_owned())
}

/// Convert one whole column to JSON values, one per row (nulls → `null`).
///
/// Column-wise rather than cell-wise so that nested arrays and dictionaries are converted once.
fn column_values(array: &dyn Array) -> Vec<Value> {
    let n = array.len();
    let mut out: Vec<Value> = match array.data_type() {
        DataType::Null => vec![Value::Null; n],
        DataType::Boolean => array.as_boolean().iter().map(|v| v.into()).collect(),
        DataType::Int8 => prim::<Int8Type>(array, Value::from),
        DataType::Int16 => prim::<Int16Type>(array, Value::from),
        DataType::Int32 => prim::<Int32Type>(array, Value::from),
        DataType::Int64 => prim::<Int64Type>(array, Value::from),
        DataType::UInt8 => prim::<UInt8Type>(array, Value::from),
        DataType::UInt16 => prim::<UInt16Type>(array, Value::from),
        DataType::UInt32 => prim::<UInt32Type>(array, Value::from),
        DataType::UInt64 => prim::<UInt64Type>(array, Value::from),
        DataType::Float16 => prim::<Float16Type>(array, |v| float(f64::from(v.to_f32()))),
        DataType::Float32 => prim::<Float32Type>(array, |v| float(f64::from(v))),
        DataType::Float64 => prim::<Float64Type>(array, float),
        DataType::Utf8 => strings(array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => strings(array.as_string::<i64>().iter()),
        DataType::Utf8View => strings(array.as_string_view().iter()),
        DataType::Binary => binaries(array.as_binary::<i32>().iter()),
        DataType::LargeBinary => binaries(array.as_binary::<i64>().iter()),
        DataType::BinaryView => binaries(array.as_binary_view().iter()),
        DataType::FixedSizeBinary(_) => binaries(array.as_fixed_size_binary().iter()),
        DataType::Date32 => dates(array.as_primitive::<Date32Type>(), n),
        DataType::Date64 => dates(array.as_primitive::<Date64Type>(), n),
        DataType::Timestamp(unit, tz) => match unit {
            TimeUnit::Second => timestamps::<TimestampSecondType>(array, tz.as_deref()),
            TimeUnit::Millisecond => timestamps::<TimestampMillisecondType>(array, tz.as_deref()),
            TimeUnit::Microsecond => timestamps::<TimestampMicrosecondType>(array, tz.as_deref()),
            TimeUnit::Nanosecond => timestamps::<TimestampNanosecondType>(array, tz.as_deref()),
        },
        DataType::Decimal128(..) => {
            let a = array.as_primitive::<Decimal128Type>();
            (0..n)
                .map(|i| Value::String(a.value_as_string(i)))
                .collect()
        }
        DataType::Decimal256(..) => {
            let a = array.as_primitive::<Decimal256Type>();
            (0..n)
                .map(|i| Value::String(a.value_as_string(i)))
                .collect()
        }
        DataType::List(_) => {
            let a = array.as_list::<i32>();
            split_lists(column_values(a.values().as_ref()), a.value_offsets())
        }
        DataType::LargeList(_) => {
            let a = array.as_list::<i64>();
            split_lists(column_values(a.values().as_ref()), a.value_offsets())
        }
        DataType::FixedSizeList(_, size) => {
            let a = array.as_fixed_size_list();
            let size = usize::try_from(*size).unwrap_or(0);
            let mut child = column_values(a.values().as_ref());
            (0..n)
                .map(|i| {
                    let start = usize::try_from(a.value_offset(i)).unwrap_or(0);
                    Value::Array(take_range(&mut child, start, start + size))
                })
                .collect()
        }
        DataType::Struct(fields) => {
            let a = array.as_struct();
            let mut children: Vec<Vec<Value>> = a
                .columns()
                .iter()
                .map(|c| column_values(c.as_ref()))
                .collect();
            (0..n)
                .map(|i| {
                    let mut m = Map::with_capacity(fields.len());
                    for (f, child) in fields.iter().zip(&mut children) {
                        m.insert(f.name().clone(), child[i].take());
                    }
                    Value::Object(m)
                })
                .collect()
        }
        DataType::Map(..) => {
            let a = array.as_map();
            let mut keys = column_values(a.keys().as_ref());
            let mut values = column_values(a.values().as_ref());
            let offsets = a.value_offsets();
            (0..n)
                .map(|i| {
                    let (s, e) = (offsets[i] as usize, offsets[i + 1] as usize);
                    let mut m = Map::with_capacity(e - s);
                    for j in s..e {
                        let k = match keys[j].take() {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        m.insert(k, values[j].take());
                    }
                    Value::Object(m)
                })
                .collect()
        }
        DataType::Dictionary(..) => {
            let a = array.as_any_dictionary();
            let values = column_values(a.values().as_ref());
            if values.is_empty() {
                // No values (a batch whose keys are all null): `normalized_keys` panics on that.
                vec![Value::Null; n]
            } else {
                a.normalized_keys()
                    .into_iter()
                    .map(|k| values.get(k).cloned().unwrap_or(Value::Null))
                    .collect()
            }
        }
        _ => (0..n).map(|i| Value::String(printed(array, i))).collect(),
    };
    if let Some(nulls) = array.logical_nulls() {
        for (i, v) in out.iter_mut().enumerate() {
            if nulls.is_null(i) {
                *v = Value::Null;
            }
        }
    }
    out
}

fn strings<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Vec<Value> {
    it.map(|v| v.map_or(Value::Null, |s| Value::String(s.to_owned())))
        .collect()
}

fn binaries<'a>(it: impl Iterator<Item = Option<&'a [u8]>>) -> Vec<Value> {
    it.map(|v| v.map_or(Value::Null, bytes_lossy)).collect()
}

fn dates<T: ArrowTemporalType>(a: &arrow_array::PrimitiveArray<T>, n: usize) -> Vec<Value>
where
    i64: From<T::Native>,
{
    (0..n)
        .map(|i| {
            a.value_as_date(i)
                .map_or(Value::Null, |d| Value::String(d.to_string()))
        })
        .collect()
}

fn timestamps<T: ArrowTimestampType>(array: &dyn Array, tz: Option<&str>) -> Vec<Value> {
    let a = array.as_primitive::<T>();
    let tz: Option<arrow_array::timezone::Tz> = tz.and_then(|t| t.parse().ok());
    (0..a.len())
        .map(|i| {
            let s = match tz {
                Some(tz) => a.value_as_datetime_with_tz(i, tz).map(|d| d.to_rfc3339()),
                None => a
                    .value_as_datetime(i)
                    .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
            };
            s.map_or(Value::Null, Value::String)
        })
        .collect()
}

fn split_lists<O: Copy + TryInto<usize>>(mut child: Vec<Value>, offsets: &[O]) -> Vec<Value> {
    offsets
        .windows(2)
        .map(|w| {
            let s = w[0].try_into().unwrap_or(0);
            let e = w[1].try_into().unwrap_or(0);
            Value::Array(take_range(&mut child, s, e))
        })
        .collect()
}

fn take_range(values: &mut [Value], start: usize, end: usize) -> Vec<Value> {
    values
        .get_mut(start..end)
        .map(|s| s.iter_mut().map(Value::take).collect())
        .unwrap_or_default()
}

/// The printed form of a value of a type with no JSON counterpart (times, durations, ...), taken
/// from arrow's `Debug` of a one-row slice (arrow-cast's formatter is not worth its build time).
fn printed(array: &dyn Array, i: usize) -> String {
    let dbg = format!("{:?}", array.slice(i, 1));
    match (dbg.find("[\n"), dbg.rfind(",\n]")) {
        (Some(s), Some(e)) if s + 2 <= e => dbg[s + 2..e].trim().to_owned(),
        _ => dbg,
    }
}
