//! Core types of millstone, shared by every other crate.
//!
//! - [`Document`]: one record flowing through a pipeline — its id, its text, where it came from,
//!   the input fields it carried (passed through untouched) and the attributes stages measured.
//! - [`Stage`] and [`Verdict`]: a stage looks at one document, may rewrite its text, and keeps or
//!   drops it with a named reason.
//! - [`StageStats`] and [`RunStats`]: plain values that merge with `+=`, so each worker thread
//!   counts on its own and the totals are added at the end.
//! - [`Rejection`]: a record that could not be read, kept as data (file, record, error, excerpt).
//! - [`CorpusSteps`]: a corpus pass as observe → merge → finish → decisions, with serde state.
//! - [`StageConfig`] and [`ConfigError`]: a stage's options, read from any serde deserializer
//!   ([`parse_config`]) and validated once into a stage.
//! - [`StatsFile`]: the shape of a run's `stats.json`, written by the engine, read by the report.
//!
//! This crate is deliberately small: no I/O, no threads, no tokenizer. Readers and writers live in
//! `millstone-io`, the stages in `millstone-filters`, and the executor in `millstone-engine`.
//!
//! ```
//! use millstone_core::{Document, Stage, StageStats, Verdict};
//!
//! struct MinChars(usize);
//! impl Stage for MinChars {
//!     fn name(&self) -> &str { "min_chars" }
//!     fn process(&self, doc: &mut Document, _stats: &mut StageStats) -> Verdict {
//!         if doc.text().chars().count() < self.0 { Verdict::drop("too_short") } else { Verdict::Keep }
//!     }
//! }
//! let mut doc = Document::new("a", "hi");
//! let mut stats = StageStats::default();
//! assert_eq!(MinChars(5).process(&mut doc, &mut stats), Verdict::drop("too_short"));
//! ```

pub mod config;
pub mod corpus;
mod document;
pub mod field;
pub mod options;
mod reject;
pub mod size;
mod stage;
mod stats;
pub mod stats_file;

pub use config::{parse_config, ConfigError, StageConfig};
pub use corpus::{CorpusSteps, DynCorpusSteps};
pub use document::{Document, Source};
pub use options::{OptionSpec, OptionType, Range, StageDoc, StageOptions};
pub use reject::{RejectKind, Rejection};
pub use size::{parse_size, SizeError};
pub use stage::{CorpusPass, DropReason, Measured, Stage, Verdict};
pub use stats::{AccountingError, RunStats, StageStats};
pub use stats_file::StatsFile;

/// JSON object type used for pass-through fields and measured attributes (keeps key order).
pub type Map = serde_json::Map<String, serde_json::Value>;
pub use serde_json::Value;
