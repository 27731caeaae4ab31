//! The run report: a finished run's output folder → `report.html`, one self-contained page.
//!
//! [`collect`] reads what a `run` or `dedup` wrote (`stats.json`, the parts of `kept/`,
//! `dropped/` and `rejected/`, `clusters.jsonl`) into [`Collected`]; [`render`] turns that into
//! HTML with no external resources; [`write_report`] does both and writes `DIR/report.html`.
//! The report reads only the output folder, so it can be rebuilt at any time
//! (`millstone report DIR`).
//!
//! Not for: running stages or reading inputs; the report never changes the run's outputs.
//!
//! ```
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path();
//! std::fs::write(
//!     dir.join("stats.json"),
//!     r#"{"documents":{"read":1,"kept":1,"dropped":0,"rejected":0},
//!         "bytes":{"read":5,"kept":5,"dropped":0},"stages":[],"rejected_by":{}}"#,
//! ).unwrap();
//! let path = millstone_report::write_report(dir, &millstone_report::Options::default()).unwrap();
//! let html = std::fs::read_to_string(path).unwrap();
//! assert!(html.contains("millstone report"));
//! ```

mod collect;
mod hist;
mod render;
mod shared;

use std::path::{Path, PathBuf};

pub use collect::{collect, Collected, Group, Item, Options, Samples};
pub use render::{esc, render, render_body};

/// The report's file name inside the output folder.
pub const REPORT_FILE: &str = "report.html";

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a millstone stats file: {message}")]
    Stats { path: PathBuf, message: String },
}

impl ReportError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Read `dir`, render it and write `dir/report.html` (through a temporary file, so a reader
/// never sees half a report). Returns the report's path.
pub fn write_report(dir: &Path, opts: &Options) -> Result<PathBuf, ReportError> {
    let collected = collect(dir, opts)?;
    let html = render(&collected);
    let path = dir.join(REPORT_FILE);
    let tmp = dir.join(".report.html.tmp");
    std::fs::write(&tmp, html).map_err(|e| ReportError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}
