//! millstone's engine: what turns a pipeline description and documents into decisions, shared
//! by the `millstone` command line and any other driver (a Python binding, a cluster job).
//!
//! - [`Pipeline`]: stages built from a preset name ([`Pipeline::from_preset`]) or a pipeline
//!   file's TOML ([`Pipeline::from_toml`]); [`Pipeline::process`] runs it over a batch of
//!   [`Document`](millstone_core::Document)s in memory and returns kept, dropped (with stage and
//!   reason) and [`RunStats`](millstone_core::RunStats).
//! - [`executor`]: the streaming loop over a [`Source`] and a [`Sink`] (parallel batches, output
//!   in input order, epochs), and [`executor::run`], the file-to-folder run of `millstone run`
//!   with [`checkpoint`]s and `stats.json` (its shape is
//!   [`millstone_core::StatsFile`]).
//! - [`passes`]: a pipeline's corpus passes split across processes or machines (observe →
//!   merge → finish → install, partials and decisions as bytes), for a cluster driver.
//! - [`Error`]: the one error type.
//!
//! No global state: everything a run needs is in its [`Pipeline`] and options; progress is shown
//! by the caller through [`Progress`].
//!
//! ```
//! use millstone_core::Document;
//! use millstone_engine::Pipeline;
//!
//! let pipeline = Pipeline::from_preset("gopher").unwrap();
//! let out = pipeline.process(vec![Document::new("a", "too short")]).unwrap();
//! assert!(out.kept.is_empty());
//! assert_eq!(out.dropped[0].stage, "gopher_quality");
//! ```
//!
//! Not here: argument parsing, progress bars and console output (the `millstone` binary), the
//! stages themselves (`millstone-filters`, `millstone-dedup`), readers and writers
//! (`millstone-io`).

pub mod batch;
pub mod checkpoint;
mod error;
pub mod executor;
pub mod output;
pub mod passes;
pub mod pipeline;

pub use batch::{Dropped, Processed};
pub use error::{Error, Result};
pub use executor::{NoProgress, Position, Progress, RunOptions, RunReport, Sink, Source};
pub use output::OutputConfig;
pub use pipeline::{Pipeline, Preset, PRESETS};
