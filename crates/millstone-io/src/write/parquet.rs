//! Parquet parts: schema inferred from the first buffered batch, then fixed for every part (so a
//! folder of parts loads as one dataset); `extra_fields` keeps what the schema cannot hold.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use millstone_core::{Document, Map, Value};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::parts::{PartFile, Parts};
use super::record::{output_fields, MILLSTONE_KEY};
use crate::IoError;

/// The column of fields the fixed schema could not hold.
pub(crate) const EXTRA_FIELDS: &str = "extra_fields";
/// Rows buffered before they are encoded (and, the first time, before the schema is fixed).
const BATCH_ROWS: usize = 1024;
/// Bytes buffered before they are encoded, whatever the row count; keeps each string array far
/// below arrow's 2 GiB offset limit.
const BATCH_BYTES: usize = 64 << 20;
const ROW_GROUP_ROWS: usize = 100_000;
const ROW_GROUP_BYTES: usize = 128 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Str,
    I64,
    F64,
    Bool,
    /// Nested or disagreeing values, JSON-encoded.
    Json,
}

impl ColType {
    fn of(v: &Value) -> Option<ColType> {
        match v {
            Value::Null => None,
            Value::Bool(_) => Some(ColType::Bool),
            Value::Number(n) if n.is_i64() => Some(ColType::I64),
            Value::Number(n) if n.is_f64() => Some(ColType::F64),
            // u64 above i64::MAX: no lossless arrow column among ours.
            Value::Number(_) => Some(ColType::Json),
            Value::String(_) => Some(ColType::Str),
            Value::Array(_) | Value::Object(_) => Some(ColType::Json),
        }
    }

    fn merge(self, other: ColType) -> ColType {
        use ColType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (I64, F64) | (F64, I64) => F64,
            _ => Json,
        }
    }

    /// The word for this type in a saved layout.
    fn word(self) -> &'static str {
        match self {
            ColType::Str => "string",
            ColType::I64 => "int64",
            ColType::F64 => "double",
            ColType::Bool => "bool",
            ColType::Json => "json",
        }
    }

    fn from_word(w: &str) -> Option<ColType> {
        Some(match w {
            "string" => ColType::Str,
            "int64" => ColType::I64,
            "double" => ColType::F64,
            "bool" => ColType::Bool,
            "json" => ColType::Json,
            _ => return None,
        })
    }

    fn data_type(self) -> DataType {
        match self {
            ColType::Str | ColType::Json => DataType::Utf8,
            ColType::I64 => DataType::Int64,
            ColType::F64 => DataType::Float64,
            ColType::Bool => DataType::Boolean,
        }
    }
}

/// The fixed schema: field columns, then `millstone`, then `extra_fields`.
struct Layout {
    columns: Vec<(String, ColType)>,
    index: HashMap<String, usize>,
    arrow: SchemaRef,
}

impl Layout {
    /// The layout of these columns: the arrow schema adds `millstone` and `extra_fields`.
    fn from_columns(columns: Vec<(String, ColType)>) -> Layout {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        let mut fields: Vec<Field> = columns
            .iter()
            .map(|(k, t)| Field::new(k, t.data_type(), true))
            .collect();
        fields.push(Field::new(MILLSTONE_KEY, DataType::Utf8, true));
        fields.push(Field::new(EXTRA_FIELDS, DataType::Utf8, true));
        Layout {
            columns,
            index,
            arrow: Arc::new(Schema::new(fields)),
        }
    }

    fn infer(rows: &[Row], text_field: &str, id_field: &str) -> Layout {
        let mut columns: Vec<(String, Option<ColType>)> = Vec::new();
        let mut index = HashMap::new();
        for row in rows {
            for (k, v) in &row.fields {
                if k == EXTRA_FIELDS {
                    continue; // goes into the extra_fields object itself
                }
                let i = *index.entry(k.clone()).or_insert_with(|| {
                    columns.push((k.clone(), None));
                    columns.len() - 1
                });
                let slot = &mut columns[i].1;
                *slot = match (*slot, ColType::of(v)) {
                    (a, None) => a,
                    (None, b) => b,
                    (Some(a), Some(b)) => Some(a.merge(b)),
                };
            }
        }
        let columns: Vec<(String, ColType)> = columns
            .into_iter()
            .map(|(k, t)| {
                let t = if k == text_field || k == id_field {
                    ColType::Str
                } else {
                    t.unwrap_or(ColType::Str)
                };
                (k, t)
            })
            .collect();
        let _ = index;
        Layout::from_columns(columns)
    }

    /// The record batch of `rows`, emptying them.
    fn batch(&self, rows: &mut Vec<Row>, id_field: &str) -> Result<RecordBatch, String> {
        let n = rows.len();
        let mut builders: Vec<ColBuilder> = self
            .columns
            .iter()
            .map(|(_, t)| ColBuilder::new(*t, n))
            .collect();
        let mut millstone = StringBuilder::with_capacity(n, n * 64);
        let mut extras = StringBuilder::with_capacity(n, 0);
        let mut filled = vec![false; self.columns.len()];
        for row in rows.drain(..) {
            filled.fill(false);
            let mut extra = Map::new();
            for (k, v) in row.fields {
                match self.index.get(&k) {
                    Some(&c) if !filled[c] => {
                        let is_id = k == id_field;
                        match builders[c].push(v, is_id) {
                            Ok(()) => filled[c] = true,
                            Err(v) => {
                                extra.insert(k, v);
                            }
                        }
                    }
                    _ => {
                        extra.insert(k, v);
                    }
                }
            }
            for (c, done) in filled.iter().enumerate() {
                if !done {
                    builders[c].push_null();
                }
            }
            millstone.append_value(&row.millstone);
            if extra.is_empty() {
                extras.append_null();
            } else {
                extras.append_value(Value::Object(extra).to_string());
            }
        }
        let mut arrays: Vec<ArrayRef> = builders.into_iter().map(ColBuilder::finish).collect();
        arrays.push(Arc::new(millstone.finish()));
        arrays.push(Arc::new(extras.finish()));
        RecordBatch::try_new(Arc::clone(&self.arrow), arrays).map_err(|e| e.to_string())
    }
}

enum ColBuilder {
    Str(StringBuilder),
    Json(StringBuilder),
    I64(Int64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
}

impl ColBuilder {
    fn new(t: ColType, n: usize) -> ColBuilder {
        match t {
            ColType::Str => ColBuilder::Str(StringBuilder::with_capacity(n, n * 32)),
            ColType::Json => ColBuilder::Json(StringBuilder::with_capacity(n, n * 32)),
            ColType::I64 => ColBuilder::I64(Int64Builder::with_capacity(n)),
            ColType::F64 => ColBuilder::F64(Float64Builder::with_capacity(n)),
            ColType::Bool => ColBuilder::Bool(BooleanBuilder::with_capacity(n)),
        }
    }

    /// Append `v`, or give it back if it does not fit this column (it then goes to
    /// `extra_fields`). `stringify`: the id column, where numbers become strings.
    fn push(&mut self, v: Value, stringify: bool) -> Result<(), Value> {
        match (self, v) {
            (b, Value::Null) => b.push_null(),
            (ColBuilder::Str(b), Value::String(s)) => b.append_value(s),
            (ColBuilder::Str(b), Value::Number(n)) if stringify => b.append_value(n.to_string()),
            (ColBuilder::Json(b), v) => b.append_value(v.to_string()),
            (ColBuilder::I64(b), Value::Number(n)) if n.is_i64() => b.append_option(n.as_i64()),
            (ColBuilder::F64(b), Value::Number(n)) => b.append_option(n.as_f64()),
            (ColBuilder::Bool(b), Value::Bool(x)) => b.append_value(x),
            (_, v) => return Err(v),
        }
        Ok(())
    }

    fn push_null(&mut self) {
        match self {
            ColBuilder::Str(b) | ColBuilder::Json(b) => b.append_null(),
            ColBuilder::I64(b) => b.append_null(),
            ColBuilder::F64(b) => b.append_null(),
            ColBuilder::Bool(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            ColBuilder::Str(mut b) | ColBuilder::Json(mut b) => Arc::new(b.finish()),
            ColBuilder::I64(mut b) => Arc::new(b.finish()),
            ColBuilder::F64(mut b) => Arc::new(b.finish()),
            ColBuilder::Bool(mut b) => Arc::new(b.finish()),
        }
    }
}

/// One buffered output record.
struct Row {
    fields: Vec<(String, Value)>,
    millstone: String,
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
        let millstone = Value::Object(millstone.clone()).to_string();
        let size = millstone.len()
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

    /// The fixed column layout, once inferred: `(column, type word)` in order.
    pub fn layout(&self) -> Option<Vec<(String, String)>> {
        self.layout.as_ref().map(|l| {
            l.columns
                .iter()
                .map(|(k, t)| (k.clone(), t.word().to_owned()))
                .collect()
        })
    }

    /// Use a layout saved by [`Self::layout`] (to continue a run) instead of inferring one.
    pub fn set_layout(&mut self, columns: &[(String, String)]) -> Result<(), IoError> {
        let cols = columns
            .iter()
            .map(|(k, w)| {
                ColType::from_word(w)
                    .map(|t| (k.clone(), t))
                    .ok_or_else(|| IoError::Encode {
                        path: self.parts.dir().to_path_buf(),
                        id: String::new(),
                        message: format!("saved Parquet layout has an unknown column type `{w}`"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.layout = Some(Layout::from_columns(cols));
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
