//! Parquet parts: schema inferred from the first buffered batch, then fixed for every part (so a
//! folder of parts loads as one dataset).
//!
//! Types follow the values: strings, `int64`, `double`, `bool`, lists (`list<T>`) and objects
//! (`struct<…>`) nested as deep as the data goes, so a JSONL record and a Parquet row of the same
//! document have the same shape; the `millstone` column is a struct too. Values that disagree in
//! type within a column (or a number beyond `int64`, an object with more than
//! [`MAX_STRUCT_FIELDS`] keys, an always-empty object) make that column a JSON-encoded string.
//! What the fixed schema cannot hold later (a key first seen after it was fixed, a value of
//! another type) goes to `millstone.extra_fields`, a JSON object, so nothing is lost and no
//! top-level column is added. Not for: reproducing Arrow types JSON cannot tell apart (an `int32`
//! column read from Parquet is written as `int64`, a timestamp as its ISO 8601 string).

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use millstone_core::{Document, Map, Value};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::parts::{PartFile, Parts};
use super::record::{output_fields, MILLSTONE_KEY};
use crate::IoError;

/// The child of the `millstone` struct that keeps what the fixed schema could not hold.
pub(crate) const EXTRA_FIELDS: &str = "extra_fields";
/// An object with more keys than this is written as JSON text (a map keyed by data, not a
/// record with fields).
pub(crate) const MAX_STRUCT_FIELDS: usize = 256;
/// Rows buffered before they are encoded (and, the first time, before the schema is fixed).
const BATCH_ROWS: usize = 1024;
/// Bytes buffered before they are encoded, whatever the row count; keeps each string array far
/// below arrow's 2 GiB offset limit.
const BATCH_BYTES: usize = 64 << 20;
const ROW_GROUP_ROWS: usize = 100_000;
const ROW_GROUP_BYTES: usize = 128 << 20;

static NULL: Value = Value::Null;

/// The type of a column (or of a nested value), inferred from JSON values.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// Only nulls seen so far (a string column once the schema is fixed).
    Null,
    Str,
    I64,
    F64,
    Bool,
    /// JSON-encoded string: values that disagree in type.
    Json,
    List(Box<Ty>),
    Struct(Vec<(String, Ty)>),
}

impl Ty {
    fn of(v: &Value) -> Ty {
        match v {
            Value::Null => Ty::Null,
            Value::Bool(_) => Ty::Bool,
            Value::Number(n) if n.is_i64() => Ty::I64,
            Value::Number(n) if n.is_f64() => Ty::F64,
            // u64 above i64::MAX: no lossless arrow column among ours.
            Value::Number(_) => Ty::Json,
            Value::String(_) => Ty::Str,
            Value::Array(a) => {
                Ty::List(Box::new(a.iter().fold(Ty::Null, |t, v| t.merge(Ty::of(v)))))
            }
            Value::Object(o) if o.len() > MAX_STRUCT_FIELDS => Ty::Json,
            Value::Object(o) => Ty::Struct(o.iter().map(|(k, v)| (k.clone(), Ty::of(v))).collect()),
        }
    }

    fn merge(self, other: Ty) -> Ty {
        use Ty::*;
        match (self, other) {
            (Null, b) => b,
            (a, Null) => a,
            (I64, F64) | (F64, I64) => F64,
            (List(a), List(b)) => List(Box::new(a.merge(*b))),
            (Struct(mut a), Struct(b)) => {
                for (k, t) in b {
                    match a.iter_mut().find(|(name, _)| *name == k) {
                        Some((_, mine)) => *mine = std::mem::replace(mine, Null).merge(t),
                        None => a.push((k, t)),
                    }
                }
                if a.len() > MAX_STRUCT_FIELDS {
                    Json
                } else {
                    Struct(a)
                }
            }
            (a, b) if a == b => a,
            _ => Json,
        }
    }

    /// The type once the schema is fixed: nothing seen → string, a struct of no fields (Parquet
    /// has none) → JSON.
    fn fixed(self) -> Ty {
        match self {
            Ty::Null => Ty::Str,
            Ty::List(t) => Ty::List(Box::new(t.fixed())),
            Ty::Struct(f) if f.is_empty() => Ty::Json,
            Ty::Struct(f) => Ty::Struct(f.into_iter().map(|(k, t)| (k, t.fixed())).collect()),
            t => t,
        }
    }

    /// Whether `v` can be written in a column of this type.
    fn fits(&self, v: &Value) -> bool {
        match (self, v) {
            (_, Value::Null) | (Ty::Json, _) => true,
            (Ty::Str, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => true,
            (Ty::I64, Value::Number(n)) => n.is_i64(),
            (Ty::F64, Value::Number(n)) => n.is_i64() || n.is_f64(),
            (Ty::List(t), Value::Array(a)) => a.iter().all(|v| t.fits(v)),
            (Ty::Struct(fields), Value::Object(o)) => o.iter().all(|(k, v)| {
                fields
                    .iter()
                    .find(|(name, _)| name == k)
                    .is_some_and(|(_, t)| t.fits(v))
            }),
            _ => false,
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            Ty::Null | Ty::Str | Ty::Json => DataType::Utf8,
            Ty::I64 => DataType::Int64,
            Ty::F64 => DataType::Float64,
            Ty::Bool => DataType::Boolean,
            Ty::List(t) => DataType::List(Arc::new(Field::new_list_field(t.data_type(), true))),
            Ty::Struct(f) => DataType::Struct(struct_fields(f)),
        }
    }

    /// The type as saved in a checkpoint: a word for scalars, JSON for nested types.
    fn to_json(&self) -> Value {
        match self {
            Ty::Null | Ty::Str => "string".into(),
            Ty::I64 => "int64".into(),
            Ty::F64 => "double".into(),
            Ty::Bool => "bool".into(),
            Ty::Json => "json".into(),
            Ty::List(t) => serde_json::json!({ "list": t.to_json() }),
            Ty::Struct(f) => serde_json::json!({
                "struct": f.iter().map(|(k, t)| serde_json::json!([k, t.to_json()])).collect::<Vec<_>>()
            }),
        }
    }

    fn from_json(v: &Value) -> Option<Ty> {
        Some(match v {
            Value::String(w) => match w.as_str() {
                "string" => Ty::Str,
                "int64" => Ty::I64,
                "double" => Ty::F64,
                "bool" => Ty::Bool,
                "json" => Ty::Json,
                _ => return None,
            },
            Value::Object(o) if o.len() == 1 => match o.iter().next()? {
                (k, inner) if k == "list" => Ty::List(Box::new(Ty::from_json(inner)?)),
                (k, Value::Array(fields)) if k == "struct" => Ty::Struct(
                    fields
                        .iter()
                        .map(|f| Some((f.get(0)?.as_str()?.to_owned(), Ty::from_json(f.get(1)?)?)))
                        .collect::<Option<_>>()?,
                ),
                _ => return None,
            },
            _ => return None,
        })
    }

    fn word(&self) -> String {
        match self.to_json() {
            Value::String(w) => w,
            v => v.to_string(),
        }
    }

    fn from_word(w: &str) -> Option<Ty> {
        Ty::from_json(&Value::String(w.to_owned()))
            .or_else(|| Ty::from_json(&serde_json::from_str(w).ok()?))
    }

    /// One array of `values` (nulls included) of this type; every value fits (see
    /// [`Ty::fits`]).
    fn build(&self, values: &[&Value]) -> Result<ArrayRef, String> {
        let valid = || -> Option<NullBuffer> {
            values
                .iter()
                .any(|v| v.is_null())
                .then(|| NullBuffer::from_iter(values.iter().map(|v| !v.is_null())))
        };
        Ok(match self {
            Ty::Null | Ty::Str => {
                Arc::new(StringArray::from_iter(values.iter().map(|v| v.as_str())))
            }
            Ty::Json => Arc::new(StringArray::from_iter(
                values.iter().map(|v| (!v.is_null()).then(|| v.to_string())),
            )),
            Ty::I64 => Arc::new(Int64Array::from_iter(values.iter().map(|v| v.as_i64()))),
            Ty::F64 => Arc::new(Float64Array::from_iter(values.iter().map(|v| v.as_f64()))),
            Ty::Bool => Arc::new(BooleanArray::from_iter(values.iter().map(|v| v.as_bool()))),
            Ty::List(t) => {
                let mut offsets = Vec::with_capacity(values.len() + 1);
                offsets.push(0i32);
                let mut items = Vec::new();
                for v in values {
                    if let Value::Array(a) = v {
                        items.extend(a.iter());
                    }
                    let end = i32::try_from(items.len())
                        .map_err(|_| "a list column with more than 2^31 items in one batch")?;
                    offsets.push(end);
                }
                let child = t.build(&items)?;
                let field = Arc::new(Field::new_list_field(t.data_type(), true));
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
                Arc::new(
                    ListArray::try_new(field, offsets, child, valid())
                        .map_err(|e| e.to_string())?,
                )
            }
            Ty::Struct(fields) => {
                let children = fields
                    .iter()
                    .map(|(k, t)| {
                        let column: Vec<&Value> = values
                            .iter()
                            .map(|v| v.get(k.as_str()).unwrap_or(&NULL))
                            .collect();
                        t.build(&column)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(
                    StructArray::try_new(struct_fields(fields), children, valid())
                        .map_err(|e| e.to_string())?,
                )
            }
        })
    }
}

fn struct_fields(fields: &[(String, Ty)]) -> Fields {
    fields
        .iter()
        .map(|(k, t)| Field::new(k, t.data_type(), true))
        .collect()
}

/// The `millstone` column's type: the attributes seen, then `extra_fields`.
fn millstone_type(seen: Ty) -> Ty {
    let mut fields = match seen.fixed() {
        Ty::Struct(f) => f,
        _ => Vec::new(),
    };
    fields.retain(|(k, _)| k != EXTRA_FIELDS);
    fields.push((EXTRA_FIELDS.to_owned(), Ty::Json));
    Ty::Struct(fields)
}

/// The fixed schema: field columns, then `millstone`.
struct Layout {
    columns: Vec<(String, Ty)>,
    millstone: Ty,
    index: HashMap<String, usize>,
    arrow: SchemaRef,
}

impl Layout {
    fn new(columns: Vec<(String, Ty)>, millstone: Ty) -> Layout {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        let mut fields: Vec<Field> = columns
            .iter()
            .map(|(k, t)| Field::new(k, t.data_type(), true))
            .collect();
        fields.push(Field::new(MILLSTONE_KEY, millstone.data_type(), true));
        Layout {
            columns,
            millstone,
            index,
            arrow: Arc::new(Schema::new(fields)),
        }
    }

    fn infer(rows: &[Row], text_field: &str, id_field: &str) -> Layout {
        let mut columns: Vec<(String, Ty)> = Vec::new();
        let mut index = HashMap::new();
        let mut millstone = Ty::Null;
        for row in rows {
            for (k, v) in &row.fields {
                let i = *index.entry(k.clone()).or_insert_with(|| {
                    columns.push((k.clone(), Ty::Null));
                    columns.len() - 1
                });
                let slot = &mut columns[i].1;
                *slot = std::mem::replace(slot, Ty::Null).merge(Ty::of(v));
            }
            let seen = row.millstone.iter().map(|(k, v)| (k.clone(), Ty::of(v)));
            millstone = millstone.merge(Ty::Struct(seen.collect()));
        }
        let columns = columns
            .into_iter()
            .map(|(k, t)| {
                let t = if k == text_field || k == id_field {
                    Ty::Str
                } else {
                    t.fixed()
                };
                (k, t)
            })
            .collect();
        Layout::new(columns, millstone_type(millstone))
    }

    /// The record batch of `rows`, emptying them.
    fn batch(&self, rows: &mut Vec<Row>, id_field: &str) -> Result<RecordBatch, String> {
        let n = rows.len();
        let mut cells: Vec<Vec<Value>> = vec![Vec::with_capacity(n); self.columns.len()];
        let mut millstone: Vec<Value> = Vec::with_capacity(n);
        let Ty::Struct(attrs) = &self.millstone else {
            return Err("the millstone column is not a struct".into());
        };
        for row in rows.drain(..) {
            let mut extra = Map::new();
            for (k, v) in row.fields {
                let v = match v {
                    Value::Number(n) if k == id_field => Value::String(n.to_string()),
                    v => v,
                };
                match self.index.get(&k) {
                    // (`len() == rows so far`: no value for this column in this row yet.)
                    Some(&c) if cells[c].len() == millstone.len() && self.columns[c].1.fits(&v) => {
                        cells[c].push(v);
                    }
                    _ => {
                        extra.insert(k, v);
                    }
                }
            }
            for column in &mut cells {
                if column.len() == millstone.len() {
                    column.push(Value::Null);
                }
            }
            let mut own = Map::new();
            let mut unfit = Map::new();
            for (k, v) in row.millstone.into_iter() {
                let fits =
                    k != EXTRA_FIELDS && attrs.iter().any(|(name, t)| *name == k && t.fits(&v));
                if fits {
                    own.insert(k, v);
                } else {
                    unfit.insert(k, v);
                }
            }
            if !unfit.is_empty() {
                extra.insert(MILLSTONE_KEY.into(), Value::Object(unfit));
            }
            if !extra.is_empty() {
                own.insert(EXTRA_FIELDS.into(), Value::Object(extra));
            }
            millstone.push(Value::Object(own));
        }
        let mut arrays = Vec::with_capacity(self.columns.len() + 1);
        for ((_, t), column) in self.columns.iter().zip(&cells) {
            let refs: Vec<&Value> = column.iter().collect();
            arrays.push(t.build(&refs)?);
        }
        let refs: Vec<&Value> = millstone.iter().collect();
        arrays.push(self.millstone.build(&refs)?);
        RecordBatch::try_new(Arc::clone(&self.arrow), arrays).map_err(|e| e.to_string())
    }
}

/// One record batch of `docs`, each with its `millstone` object: the columns and types a
/// Parquet part of the same documents would have (types inferred from these rows alone).
pub fn documents_to_batch<'a>(
    docs: impl IntoIterator<Item = (&'a Document, Map)>,
    text_field: &str,
    id_field: &str,
) -> Result<RecordBatch, String> {
    let mut rows: Vec<Row> = docs
        .into_iter()
        .map(|(doc, millstone)| Row {
            fields: output_fields(doc, text_field, id_field),
            millstone,
        })
        .collect();
    let layout = Layout::infer(&rows, text_field, id_field);
    layout.batch(&mut rows, id_field)
}

/// One buffered output record.
struct Row {
    fields: Vec<(String, Value)>,
    millstone: Map,
}

/// Estimated uncompressed size of a value: string bytes, 8 per scalar.
fn size_of(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(size_of).sum(),
        Value::Object(o) => o.iter().map(|(k, v)| k.len() + size_of(v)).sum(),
        _ => 8,
    }
}

pub(crate) struct ParquetShards {
    parts: Parts,
    shard_size: u64,
    text_field: String,
    id_field: String,
    layout: Option<Layout>,
    pending: Vec<Row>,
    pending_bytes: usize,
    current: Option<(ArrowWriter<File>, PartFile)>,
    bytes_in_part: u64,
}

impl ParquetShards {
    pub fn dir(&self) -> &std::path::Path {
        self.parts.dir()
    }

    pub fn new(
        dir: PathBuf,
        shard_size: u64,
        text_field: String,
        id_field: String,
    ) -> Result<Self, IoError> {
        Ok(ParquetShards {
            parts: Parts::new(dir, "parquet")?,
            shard_size: shard_size.max(1),
            text_field,
            id_field,
            layout: None,
            pending: Vec::new(),
            pending_bytes: 0,
            current: None,
            bytes_in_part: 0,
        })
    }

    pub fn write(&mut self, doc: &Document, millstone: &Map) -> Result<(), IoError> {
        let fields = output_fields(doc, &self.text_field, &self.id_field);
        let millstone = millstone.clone();
        let size = millstone
            .iter()
            .map(|(k, v)| k.len() + size_of(v))
            .sum::<usize>()
            + fields
                .iter()
                .map(|(k, v)| k.len() + size_of(v))
                .sum::<usize>();
        self.pending.push(Row { fields, millstone });
        self.pending_bytes += size;
        self.bytes_in_part += size as u64;
        if self.pending.len() >= BATCH_ROWS || self.pending_bytes >= BATCH_BYTES {
            self.flush_pending()?;
        }
        if self.bytes_in_part >= self.shard_size {
            self.flush_pending()?;
            self.close_part()?;
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<(), IoError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let layout = self
            .layout
            .get_or_insert_with(|| Layout::infer(&self.pending, &self.text_field, &self.id_field));
        if self.current.is_none() {
            let (file, part) = self.parts.start()?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
                .build();
            let writer = ArrowWriter::try_new(file, Arc::clone(&layout.arrow), Some(props))
                .map_err(|source| IoError::Parquet {
                    path: part.tmp.clone(),
                    source,
                })?;
            self.current = Some((writer, part));
        }
        let Some((writer, part)) = &mut self.current else {
            unreachable!("a part was just opened")
        };
        let batch = layout
            .batch(&mut self.pending, &self.id_field)
            .map_err(|message| IoError::Encode {
                path: part.tmp.clone(),
                id: String::new(),
                message,
            })?;
        self.pending_bytes = 0;
        writer.write(&batch).map_err(|source| IoError::Parquet {
            path: part.tmp.clone(),
            source,
        })?;
        // Bound the row group by encoded bytes too: web pages make rows large.
        if writer.in_progress_size() >= ROW_GROUP_BYTES {
            writer.flush().map_err(|source| IoError::Parquet {
                path: part.tmp.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Number the next part `next`.
    pub fn set_next_part(&mut self, next: u32) {
        self.parts.set_next(next);
    }

    /// The fixed column layout, once inferred: `(column, type)` in order, the `millstone`
    /// column last; scalar types are words (`string`, `int64`, `double`, `bool`, `json`), nested
    /// ones JSON (`{"list":"string"}`, `{"struct":[["name","string"]]}`).
    pub fn layout(&self) -> Option<Vec<(String, String)>> {
        self.layout.as_ref().map(|l| {
            l.columns
                .iter()
                .map(|(k, t)| (k.clone(), t.word()))
                .chain([(MILLSTONE_KEY.to_owned(), l.millstone.word())])
                .collect()
        })
    }

    /// Use a layout saved by [`Self::layout`] (to continue a run) instead of inferring one.
    pub fn set_layout(&mut self, columns: &[(String, String)]) -> Result<(), IoError> {
        let mut cols = columns
            .iter()
            .map(|(k, w)| {
                Ty::from_word(w)
                    .map(|t| (k.clone(), t))
                    .ok_or_else(|| IoError::Encode {
                        path: self.parts.dir().to_path_buf(),
                        id: String::new(),
                        message: format!("saved Parquet layout has an unknown column type `{w}`"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let millstone = match cols.last() {
            Some((k, Ty::Struct(_))) if k == MILLSTONE_KEY => cols.pop().map(|(_, t)| t),
            _ => None,
        };
        let millstone = millstone.unwrap_or_else(|| millstone_type(Ty::Null));
        self.layout = Some(Layout::new(cols, millstone));
        Ok(())
    }

    /// Write the buffered rows and complete the current part, if any.
    pub fn end_part(&mut self) -> Result<(), IoError> {
        self.flush_pending()?;
        self.close_part()
    }

    fn close_part(&mut self) -> Result<(), IoError> {
        self.bytes_in_part = 0;
        if let Some((writer, part)) = self.current.take() {
            let closed = writer
                .into_inner()
                .map_err(|source| IoError::Parquet {
                    path: part.tmp.clone(),
                    source,
                })
                .and_then(|f| {
                    f.sync_all().map_err(|source| IoError::Write {
                        path: part.tmp.clone(),
                        source,
                    })
                });
            if let Err(e) = closed {
                part.abandon();
                return Err(e);
            }
            self.parts.commit(part)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<PathBuf>, IoError> {
        self.flush_pending()?;
        self.close_part()?;
        Ok(self.parts.take_written())
    }
}

impl Drop for ParquetShards {
    fn drop(&mut self) {
        if let Some((_, part)) = self.current.take() {
            part.abandon();
        }
    }
}
