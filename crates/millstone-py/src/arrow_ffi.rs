//! Record batches across the Arrow C stream interface: PyCapsules named `arrow_array_stream`
//! (what `__arrow_c_stream__` returns in pyarrow, polars, DuckDB, ...), zero-copy both ways.
//! The only `unsafe` of the binding is here: taking the stream out of a capsule's pointer.

use std::ffi::CStr;

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::InputError;

const STREAM: &CStr = c"arrow_array_stream";

/// Every batch of the stream in `capsule` (which is left released, as a consumer must).
pub(crate) fn import_stream(capsule: &Bound<'_, PyCapsule>) -> PyResult<Vec<RecordBatch>> {
    let ptr = capsule.pointer_checked(Some(STREAM)).map_err(|_| {
        InputError::new_err(
            "expected a PyCapsule named `arrow_array_stream` (from __arrow_c_stream__)",
        )
    })?;
    // SAFETY: the capsule's name promises an `FFI_ArrowArrayStream` behind the pointer, valid
    // while the capsule lives (we hold it). `from_raw` moves the stream out and leaves a released
    // one behind, which is what the C stream interface asks of the consumer; the producer's
    // destructor then frees nothing twice.
    #[allow(unsafe_code)]
    let reader =
        unsafe { ArrowArrayStreamReader::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) }
            .map_err(|e| InputError::new_err(format!("cannot import the Arrow stream: {e}")))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new_err(format!("reading the Arrow stream: {e}")))
}

/// `batch` as an `arrow_array_stream` capsule (one batch).
pub(crate) fn export_batch(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyCapsule>> {
    let schema = batch.schema();
    let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    PyCapsule::new_with_value(py, stream, STREAM)
}
