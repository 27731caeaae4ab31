//! `millstone.run(...)`: the `millstone run` job (files in, `kept/`, `dropped/`, `rejected/` and
//! `stats.json` out, resumable) through the engine's executor, with the CLI's option names and
//! defaults. No progress bars and no `report.html` (the CLI's `millstone report DIR` writes one).

use std::path::PathBuf;

use millstone_engine::executor::{run as run_files, RunOptions};
use millstone_engine::{NoProgress, OutputConfig, Pipeline, Progress, PRESETS};
use millstone_io::{Compression, OutputFormat, ReadOptions, Utf8Policy};
use pyo3::prelude::*;

use crate::{engine_err, ConfigError};

/// Run a preset or pipeline file over files and folders into `output`; returns `stats.json`'s
/// content as text.
#[pyfunction]
#[pyo3(signature = (inputs, output, *, preset = None, pipeline = None, threads = None, force = false,
    resume = false, format = "jsonl", compression = "zstd", zstd_level = 1, text_field = "text",
    id_field = "id", shard_size = "256M", max_record_bytes = "64M", invalid_utf8 = "reject"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    py: Python<'_>,
    inputs: Vec<String>,
    output: PathBuf,
    preset: Option<&str>,
    pipeline: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    resume: bool,
    format: &str,
    compression: &str,
    zstd_level: i32,
    text_field: &str,
    id_field: &str,
    shard_size: &str,
    max_record_bytes: &str,
    invalid_utf8: &str,
) -> PyResult<String> {
    let (built, config) = match (preset, &pipeline) {
        (Some(name), None) => (
            Pipeline::from_preset(name).map_err(engine_err)?,
            serde_json::json!({ "preset": name }),
        ),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new_err(format!("cannot read pipeline file {}: {e}", path.display()))
            })?;
            (
                Pipeline::from_toml(&text, &path.display().to_string()).map_err(engine_err)?,
                serde_json::json!({ "pipeline": text }),
            )
        }
        _ => {
            return Err(ConfigError::new_err(
                "give exactly one of preset= or pipeline=",
            ))
        }
    };
    let size = |what: &str, s: &str| {
        millstone_core::parse_size(s).map_err(|e| ConfigError::new_err(format!("{what}: {e}")))
    };
    let format = match (format, compression) {
        ("parquet", _) => OutputFormat::Parquet,
        ("jsonl", "zstd") => OutputFormat::Jsonl(Compression::Zstd { level: zstd_level }),
        ("jsonl", "gzip") => OutputFormat::Jsonl(Compression::Gzip),
        ("jsonl", "none") => OutputFormat::Jsonl(Compression::None),
        ("jsonl", c) => {
            return Err(ConfigError::new_err(format!(
                "compression `{c}`: expected zstd, gzip or none"
            )))
        }
        (f, _) => {
            return Err(ConfigError::new_err(format!(
                "format `{f}`: expected jsonl or parquet"
            )))
        }
    };
    let invalid_utf8 = match invalid_utf8 {
        "reject" => Utf8Policy::Reject,
        "replace" => Utf8Policy::Replace,
        other => {
            return Err(ConfigError::new_err(format!(
                "invalid_utf8 `{other}`: expected reject or replace"
            )))
        }
    };
    let read = ReadOptions {
        text_field: text_field.to_owned(),
        id_field: id_field.to_owned(),
        max_record_bytes: size("max_record_bytes", max_record_bytes)? as usize,
        invalid_utf8,
        ..ReadOptions::default()
    };
    let opts = RunOptions {
        inputs,
        out_dir: output,
        threads: threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        read,
        output: OutputConfig {
            format,
            shard_size: size("shard_size", shard_size)?,
            text_field: text_field.to_owned(),
            id_field: id_field.to_owned(),
        },
        force,
        resume,
        config: serde_json::json!({
            "pipeline": config,
            "format": format!("{format:?}"),
            "text_field": text_field,
            "id_field": id_field,
            "shard_size": shard_size,
            "max_record_bytes": max_record_bytes,
        }),
    };
    let report = py
        .detach(|| {
            run_files(&built, &opts, &|_| {
                Box::new(NoProgress) as Box<dyn Progress>
            })
        })
        .map_err(engine_err)?;
    serde_json::to_string(&report.stats).map_err(|e| crate::RunError::new_err(e.to_string()))
}

/// Built-in presets: name → summary.
#[pyfunction]
pub(crate) fn presets() -> Vec<(&'static str, &'static str)> {
    PRESETS.iter().map(|p| (p.name, p.summary)).collect()
}
