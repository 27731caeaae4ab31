//! Python values to and from JSON values (documents handed over as dicts, rejections and stats
//! handed back), with the JSONL reader's rules for turning an object into a document.

use std::sync::Arc;

use millstone_core::{Map, RejectKind, Rejection, Value};
use millstone_io::Record;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::Fields;

/// Nesting deeper than this is refused (a self-referencing list would never end).
const MAX_DEPTH: usize = 256;

/// A Python value as JSON: None, bool, int, float, str, list/tuple, dict (keys as strings).
pub(crate) fn to_json(v: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyTypeError::new_err("value nested deeper than 256 levels"));
    }
    if v.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = v.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if let Ok(i) = v.cast::<PyInt>() {
        if let Ok(n) = i.extract::<i64>() {
            Ok(Value::from(n))
        } else if let Ok(n) = i.extract::<u64>() {
            Ok(Value::from(n))
        } else {
            Ok(Value::String(i.str()?.to_string()))
        }
    } else if let Ok(f) = v.cast::<PyFloat>() {
        Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number))
    } else if let Ok(s) = v.cast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if let Ok(d) = v.cast::<PyDict>() {
        let mut m = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                Err(_) => k.str()?.to_string(),
            };
            m.insert(key, to_json(&v, depth + 1)?);
        }
        Ok(Value::Object(m))
    } else if let Ok(l) = v.cast::<PyList>() {
        l.iter()
            .map(|x| to_json(&x, depth + 1))
            .collect::<PyResult<_>>()
            .map(Value::Array)
    } else if let Ok(t) = v.cast::<PyTuple>() {
        t.iter()
            .map(|x| to_json(&x, depth + 1))
            .collect::<PyResult<_>>()
            .map(Value::Array)
    } else {
        Err(PyTypeError::new_err(format!(
            "cannot hand over a {} (use str, int, float, bool, None, list, dict)",
            v.get_type().name()?
        )))
    }
}

/// A JSON value as a Python object.
pub(crate) fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(to_py(py, x)?)?;
            }
            l.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// Documents (or rejections) from a list of dicts, numbered from `first_row + 1`. An item
/// that is not a dict, or holds a value that is not JSON-like, is a rejection naming its row.
pub(crate) fn records_from_dicts(list: &Bound<'_, PyList>, f: &Fields) -> PyResult<Vec<Record>> {
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let row = f.first_row + i as u64 + 1;
        let reject = |kind, msg: String| {
            Record::Rejected(Rejection {
                file: f.origin.to_string(),
                record: row,
                offset: None,
                kind,
                error: format!("{}: row {row}: {msg}", f.origin),
                excerpt: String::new(),
            })
        };
        let map = match to_json(&item, 0) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                let msg = format!("expected a dict, found {}", item.get_type().name()?);
                out.push(reject(RejectKind::NotAnObject, msg));
                continue;
            }
            Err(e) => {
                out.push(reject(RejectKind::InvalidJson, e.to_string()));
                continue;
            }
        };
        out.push(
            match millstone_io::document_from_object(
                map,
                Arc::clone(&f.origin),
                row,
                &f.text_field,
                &f.id_field,
            ) {
                Ok(doc) => Record::Doc(doc),
                Err((kind, msg)) => reject(kind, msg),
            },
        );
    }
    Ok(out)
}
