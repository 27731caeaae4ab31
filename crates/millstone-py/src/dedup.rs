//! Dedup's distributed steps for `millstone.ray.minhash_dedup`: each a pure function of plain
//! lists (see `millstone_dedup::distributed`), so the Ray driver can run them on any worker.
//! Signatures travel as bytes (little-endian u32 values).

use std::collections::HashMap;

use millstone_dedup::distributed::{self, Member, Signed};
use millstone_dedup::stage::{Config, Method};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::{documents, ConfigError, Fields};

fn config(options: &str) -> PyResult<Config> {
    let config: Config = serde_json::from_str(options)
        .map_err(|e| ConfigError::new_err(format!("dedup options: {e}")))?;
    config
        .check_distributed()
        .map_err(|e| ConfigError::new_err(e.to_string()))?;
    Ok(config)
}

fn sig_bytes(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn sig_of(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Check dedup options (a JSON object) for the distributed steps.
#[pyfunction]
fn dedup_check(options: &str) -> PyResult<()> {
    config(options).map(|_| ())
}

/// Sign one batch: columns `row`, `keys` (band keys; empty: no part), `sig`, `len`, `quality`,
/// `id`, `url`. `rows` are the documents' numbers in the corpus.
#[pyfunction]
#[pyo3(signature = (data, options, rows, text_field = "text", id_field = "id"))]
fn dedup_sign<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    options: &str,
    rows: Vec<u64>,
    text_field: &str,
    id_field: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let dedup = config(options)?
        .build()
        .map_err(|e| ConfigError::new_err(e.to_string()))?;
    let f = Fields::new(text_field, id_field, "batch", 0, Some(rows));
    let (docs, _rejected) = documents(data, &f)?;
    let signed = py.detach(|| {
        use rayon::prelude::*;
        docs.par_iter().map(|d| dedup.sign(d)).collect::<Vec<_>>()
    });
    let rows: Vec<u64> = docs.iter().map(|d| d.source.record - 1).collect();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    signed_columns(py, rows, &ids, &signed)
}

/// Signed documents as the columns `dedup_sign` and `dedup_index` return.
fn signed_columns<'py>(
    py: Python<'py>,
    rows: Vec<u64>,
    ids: &[&str],
    signed: &[Signed],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("row", rows)?;
    out.set_item(
        "keys",
        signed.iter().map(|s| s.keys.clone()).collect::<Vec<_>>(),
    )?;
    let sigs: Vec<Bound<'py, PyBytes>> = signed
        .iter()
        .map(|s| PyBytes::new(py, &sig_bytes(&s.signature)))
        .collect();
    out.set_item("sig", sigs)?;
    out.set_item("len", signed.iter().map(|s| s.len).collect::<Vec<_>>())?;
    out.set_item(
        "quality",
        signed.iter().map(|s| s.quality).collect::<Vec<_>>(),
    )?;
    out.set_item("id", ids)?;
    out.set_item(
        "url",
        signed.iter().map(|s| s.url.clone()).collect::<Vec<_>>(),
    )?;
    Ok(out)
}

/// The saved index `against` names, as signed rows numbered from 0 (the same columns as
/// `dedup_sign`); empty without `against`.
#[pyfunction]
fn dedup_index<'py>(py: Python<'py>, options: &str) -> PyResult<Bound<'py, PyDict>> {
    let config = config(options)?;
    let index = py
        .detach(|| config.load_against())
        .map_err(|e| crate::RunError::new_err(e.to_string()))?;
    let (ids, signed): (Vec<String>, Vec<Signed>) = index.into_iter().unzip();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    signed_columns(py, (0..signed.len() as u64).collect(), &ids, &signed)
}

/// The edges of the buckets in one shard of `(band, key, doc, sig)` entries (whole buckets).
#[pyfunction]
fn dedup_join_buckets(
    py: Python<'_>,
    options: &str,
    band: Vec<u32>,
    key: Vec<u64>,
    doc: Vec<u64>,
    sig: Vec<Vec<u8>>,
) -> PyResult<(Vec<u64>, Vec<u64>)> {
    let opts = config(options)?.cluster_options();
    Ok(py.detach(|| {
        let sigs: HashMap<u64, Vec<u32>> =
            doc.iter().zip(&sig).map(|(&d, s)| (d, sig_of(s))).collect();
        let mut entries: Vec<(u32, u64, u64)> = band
            .iter()
            .zip(&key)
            .zip(&doc)
            .map(|((&b, &k), &d)| (b, k, d))
            .collect();
        let lookup = |d: u64| sigs.get(&d).map(Vec::as_slice);
        distributed::join_buckets(&mut entries, &opts, &lookup)
            .into_iter()
            .unzip()
    }))
}

/// Large-star over one shard's `(node, neighbour)` pairs (both orientations).
#[pyfunction]
fn dedup_large_star(py: Python<'_>, u: Vec<u64>, v: Vec<u64>) -> (Vec<u64>, Vec<u64>) {
    py.detach(|| {
        distributed::large_star(u.into_iter().zip(v).collect())
            .into_iter()
            .unzip()
    })
}

/// Small-star over one shard's `(node, smaller neighbour)` pairs.
#[pyfunction]
fn dedup_small_star(py: Python<'_>, u: Vec<u64>, v: Vec<u64>) -> (Vec<u64>, Vec<u64>) {
    py.detach(|| {
        distributed::small_star(u.into_iter().zip(v).collect())
            .into_iter()
            .unzip()
    })
}

/// The clusters of one shard of components: `(members, survivor, similarity)` each (similarity
/// `None` for a saved index's document; documents below `n_old` are the index's).
#[pyfunction]
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn dedup_decide(
    py: Python<'_>,
    options: &str,
    n_old: u64,
    doc: Vec<u64>,
    root: Vec<u64>,
    len: Vec<u64>,
    quality: Vec<f64>,
    sig: Vec<Vec<u8>>,
) -> PyResult<Vec<(Vec<u64>, u64, Vec<Option<f64>>)>> {
    let config = config(options)?;
    let opts = config.cluster_options();
    let policy = config.survivor();
    let estimate = config.method == Method::Minhash;
    Ok(py.detach(|| {
        let sigs: Vec<Vec<u32>> = sig.iter().map(|s| sig_of(s)).collect();
        let mut members: Vec<Member> = (0..doc.len())
            .map(|i| Member {
                doc: doc[i],
                root: root[i],
                len: len[i],
                quality: quality[i],
                signature: &sigs[i],
            })
            .collect();
        distributed::decide(&mut members, policy, &opts, estimate, n_old)
            .into_iter()
            .map(|c| (c.members, c.survivor, c.similarity))
            .collect()
    }))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dedup_check, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_sign, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_index, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_join_buckets, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_large_star, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_small_star, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_decide, m)?)?;
    Ok(())
}
