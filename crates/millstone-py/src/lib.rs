//! `millstone._millstone`: the native half of the `millstone` Python package (the Python half,
//! under `python/millstone`, wraps it in a friendlier API and adds the datatrove step and Ray).
//!
//! A [`Pipeline`] is millstone-engine's pipeline; batches come in as Arrow C streams (PyCapsules
//! from `__arrow_c_stream__`, zero-copy) or lists of dicts, and kept/dropped go out as Arrow C
//! streams. The GIL is released while Rust works. Errors are `millstone` exceptions:
//! `ConfigError` (a preset, pipeline file or option is wrong), `InputError` (a batch that cannot
//! be read as documents: no text column), `RunError` (anything else).
//!
//! Not here: reading files or writing folders (`run` drives the engine's executor for that),
//! argument parsing, Ray scheduling.

use std::sync::Arc;

use arrow_array::RecordBatch;
use millstone_core::{Document, Rejection, Value};
use millstone_engine::{Error as EngineError, Pipeline as EnginePipeline, Processed};
use millstone_io::{ReadOptions, Record};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyList};

mod arrow_ffi;
mod convert;
mod dedup;
mod run;

create_exception!(
    millstone,
    MillstoneError,
    PyException,
    "Base class of millstone's errors."
);
create_exception!(
    millstone,
    ConfigError,
    MillstoneError,
    "A preset name, pipeline file or stage option is wrong: nothing ran."
);
create_exception!(
    millstone,
    InputError,
    MillstoneError,
    "A batch that cannot be read as documents (no text column, text not a string column)."
);
create_exception!(
    millstone,
    RunError,
    MillstoneError,
    "A run could not start or finish (corpus pass missing, output folder in use, I/O failure)."
);

pub(crate) fn engine_err(e: EngineError) -> PyErr {
    match e {
        EngineError::Config(m) => ConfigError::new_err(m),
        other => {
            // The whole chain: what was being done, then each cause.
            let mut msg = other.to_string();
            let mut source = std::error::Error::source(&other);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            RunError::new_err(msg)
        }
    }
}

/// Where the documents of a batch come from and how to read them.
struct Fields {
    text_field: String,
    id_field: String,
    origin: Arc<str>,
    first_row: u64,
    /// Each row's number in the whole corpus (from 0), when the caller numbers rows itself
    /// (a cluster job's batches): what "first" means for dedup and cross-document counts.
    rows: Option<Vec<u64>>,
}

impl Fields {
    fn new(
        text_field: &str,
        id_field: &str,
        origin: &str,
        first_row: u64,
        rows: Option<Vec<u64>>,
    ) -> Self {
        Fields {
            text_field: text_field.to_owned(),
            id_field: id_field.to_owned(),
            origin: Arc::from(origin),
            first_row,
            rows,
        }
    }
}

/// Documents and rejections of one batch: an Arrow stream capsule or a list of dicts.
fn documents(data: &Bound<'_, PyAny>, f: &Fields) -> PyResult<(Vec<Document>, Vec<Rejection>)> {
    let records: Vec<Record> = if let Ok(capsule) = data.cast::<PyCapsule>() {
        let batches = arrow_ffi::import_stream(capsule)?;
        let mut opts = ReadOptions::default();
        opts.text_field.clone_from(&f.text_field);
        opts.id_field.clone_from(&f.id_field);
        let mut out = Vec::new();
        let mut row = f.first_row;
        for b in &batches {
            let rows = millstone_io::documents_from_batch(b, Arc::clone(&f.origin), row, &opts)
                .map_err(InputError::new_err)?;
            row += b.num_rows() as u64;
            out.extend(rows);
        }
        out
    } else if let Ok(list) = data.cast::<PyList>() {
        convert::records_from_dicts(list, f)?
    } else {
        return Err(InputError::new_err(format!(
            "expected an Arrow table/record batch stream or a list of dicts, got {}",
            data.get_type().name()?
        )));
    };
    let mut docs = Vec::with_capacity(records.len());
    let mut rejected = Vec::new();
    for r in records {
        match r {
            Record::Doc(mut d) => {
                if let Some(rows) = &f.rows {
                    let pos = (d.source.record - f.first_row - 1) as usize;
                    let n = rows.get(pos).ok_or_else(|| {
                        InputError::new_err(format!(
                            "rows has {} numbers, the batch more rows",
                            rows.len()
                        ))
                    })?;
                    d.source.record = n + 1;
                }
                docs.push(d)
            }
            Record::Rejected(r) => rejected.push(r),
            // Batches hold no WARC records.
            Record::Skipped(_) => {}
        }
    }
    Ok((docs, rejected))
}

/// A pipeline of millstone stages (a preset or a pipeline file's `[[stage]]` tables).
#[pyclass(frozen, module = "millstone._millstone")]
struct Pipeline {
    inner: EnginePipeline,
}

#[pymethods]
impl Pipeline {
    /// The built-in preset `name` (`millstone presets` lists them).
    #[staticmethod]
    fn from_preset(name: &str) -> PyResult<Self> {
        EnginePipeline::from_preset(name)
            .map(|inner| Pipeline { inner })
            .map_err(engine_err)
    }

    /// A pipeline from a pipeline file's text; `origin` names it in errors.
    #[staticmethod]
    #[pyo3(signature = (text, origin = "pipeline"))]
    fn from_toml_str(text: &str, origin: &str) -> PyResult<Self> {
        EnginePipeline::from_toml(text, origin)
            .map(|inner| Pipeline { inner })
            .map_err(engine_err)
    }

    /// Stage names, in order.
    #[getter]
    fn stages(&self) -> Vec<String> {
        self.inner.names().map(str::to_owned).collect()
    }

    /// Indices of the stages that need a pass over the whole corpus first.
    fn corpus_stages(&self) -> Vec<usize> {
        self.inner.corpus_stages()
    }

    /// Raises `ConfigError` if a corpus pass cannot be split across workers (`dedup`).
    fn check_splittable(&self) -> PyResult<()> {
        self.inner.splittable().map_err(engine_err)
    }

    /// Run the stages over one batch. `corpus=True` takes the batch as the whole corpus (runs
    /// its corpus passes first). Returns a dict: `kept` and `dropped` (Arrow stream capsules),
    /// `rejected` (list of dicts), `stats` (JSON text).
    #[pyo3(signature = (data, text_field = "text", id_field = "id", corpus = false, first_row = 0, origin = "batch", rows = None, split = true))]
    #[allow(clippy::too_many_arguments)]
    fn process<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        text_field: &str,
        id_field: &str,
        corpus: bool,
        first_row: u64,
        origin: &str,
        rows: Option<Vec<u64>>,
        split: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let f = Fields::new(text_field, id_field, origin, first_row, rows);
        let (docs, rejected) = documents(data, &f)?;
        let inner = &self.inner;
        let (out, batches) = py.detach(|| -> PyResult<_> {
            let out = if corpus {
                inner.process_corpus(docs)
            } else {
                inner.process(docs)
            }
            .map_err(engine_err)?;
            let batches = if split {
                Some(output_batches(&out, &f).map_err(RunError::new_err)?)
            } else {
                None
            };
            Ok((out, batches))
        })?;
        let mut stats = out.stats.clone();
        for r in &rejected {
            stats.read.add(0);
            stats.rejected.add(0);
            *stats.rejected_by.entry(r.kind).or_default() += 1;
        }
        let result = PyDict::new(py);
        match batches {
            Some((kept, dropped)) => {
                result.set_item("kept", arrow_ffi::export_batch(py, kept)?)?;
                result.set_item("dropped", arrow_ffi::export_batch(py, dropped)?)?;
            }
            None => result.set_item("rows", output_rows(py, &out)?)?,
        }
        let rej = PyList::empty(py);
        for r in &rejected {
            let v = serde_json::to_value(r).unwrap_or(Value::Null);
            rej.append(convert::to_py(py, &v)?)?;
        }
        result.set_item("rejected", rej)?;
        result.set_item(
            "stats",
            serde_json::to_string(&stats).map_err(|e| RunError::new_err(e.to_string()))?,
        )?;
        Ok(result)
    }

    /// Stage `k`'s corpus pass over one batch: a partial (bytes) to merge with the others.
    #[pyo3(signature = (k, data, text_field = "text", id_field = "id", first_row = 0, origin = "batch", rows = None))]
    #[allow(clippy::too_many_arguments)]
    fn observe_pass<'py>(
        &self,
        py: Python<'py>,
        k: usize,
        data: &Bound<'py, PyAny>,
        text_field: &str,
        id_field: &str,
        first_row: u64,
        origin: &str,
        rows: Option<Vec<u64>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let f = Fields::new(text_field, id_field, origin, first_row, rows);
        let (docs, _) = documents(data, &f)?;
        let inner = &self.inner;
        let bytes = py
            .detach(|| inner.observe_pass(k, &docs))
            .map_err(engine_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Merge partials of stage `k`'s pass (any order) into one.
    fn merge_partials<'py>(
        &self,
        py: Python<'py>,
        k: usize,
        partials: Vec<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let inner = &self.inner;
        let bytes = py
            .detach(|| {
                let refs: Vec<&[u8]> = partials.iter().map(Vec::as_slice).collect();
                inner.merge_partials(k, &refs)
            })
            .map_err(engine_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Stage `k`'s decisions from the merged partial.
    fn finish_pass<'py>(
        &self,
        py: Python<'py>,
        k: usize,
        partial: Vec<u8>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let inner = &self.inner;
        let bytes = py
            .detach(|| inner.finish_pass(k, &partial))
            .map_err(engine_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Give stage `k` its decisions (from `finish_pass`, possibly on another machine).
    fn install_decisions(&self, py: Python<'_>, k: usize, decisions: Vec<u8>) -> PyResult<()> {
        let inner = &self.inner;
        py.detach(|| inner.install_decisions(k, &decisions))
            .map_err(engine_err)
    }
}

/// Every document's outcome as columns (lists): `record` (its number, from 1), `kept`, `id`,
/// `text` (after the stages) and `millstone` (the output record's object, as JSON text), for a
/// driver that puts them back beside its own columns.
fn output_rows<'py>(py: Python<'py>, out: &Processed) -> PyResult<Bound<'py, PyDict>> {
    let mut all: Vec<(&Document, bool, String)> =
        Vec::with_capacity(out.kept.len() + out.dropped.len());
    for d in &out.kept {
        let m = millstone_engine::output::millstone_object(d, None);
        all.push((d, true, Value::Object(m).to_string()));
    }
    for d in &out.dropped {
        all.push((
            &d.doc,
            false,
            Value::Object(d.millstone_object()).to_string(),
        ));
    }
    all.sort_by_key(|(d, ..)| d.source.record);
    let cols = PyDict::new(py);
    cols.set_item(
        "record",
        all.iter()
            .map(|(d, ..)| d.source.record)
            .collect::<Vec<_>>(),
    )?;
    cols.set_item("kept", all.iter().map(|(_, k, _)| *k).collect::<Vec<_>>())?;
    cols.set_item(
        "id",
        all.iter().map(|(d, ..)| d.id.as_str()).collect::<Vec<_>>(),
    )?;
    cols.set_item(
        "text",
        all.iter().map(|(d, ..)| d.text()).collect::<Vec<_>>(),
    )?;
    cols.set_item(
        "millstone",
        all.iter().map(|(.., m)| m.as_str()).collect::<Vec<_>>(),
    )?;
    Ok(cols)
}

/// Kept and dropped documents as record batches, with their `millstone` objects (the CLI's
/// output records).
fn output_batches(out: &Processed, f: &Fields) -> Result<(RecordBatch, RecordBatch), String> {
    let kept = millstone_io::documents_to_batch(
        out.kept
            .iter()
            .map(|d| (d, millstone_engine::output::millstone_object(d, None))),
        &f.text_field,
        &f.id_field,
    )?;
    let dropped = millstone_io::documents_to_batch(
        out.dropped.iter().map(|d| (&d.doc, d.millstone_object())),
        &f.text_field,
        &f.id_field,
    )?;
    Ok((kept, dropped))
}

#[pymodule]
fn _millstone(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Pipeline>()?;
    m.add("MillstoneError", py.get_type::<MillstoneError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(run::presets, m)?)?;
    dedup::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
