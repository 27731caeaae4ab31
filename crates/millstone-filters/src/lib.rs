//! millstone's per-document stages, one file each, and the registry of every stage type.
//!
//! - [`registry`]: the sorted list of every stage type (`type = "…"` in a pipeline file; the
//!   dedup stages of `millstone-dedup` included) and [`build_stage_from`], which reads a stage's
//!   options from any serde deserializer and validates them once into a ready
//!   [`millstone_core::Stage`] ([`build_stage`] for a TOML table).
//! - [`quality`]: re-implementations of datatrove 0.10.1's `GopherRepetitionFilter`,
//!   `GopherQualityFilter`, `C4QualityFilter` and `FineWebQualityFilter` with the same parameter
//!   names, defaults, check order, reason strings and quirks — tested against decisions recorded
//!   from datatrove itself (`tests/parity.rs`).
//! - [`language`]: language identification with an embedded fastText `lid.176` model (or a user's
//!   fastText model), deciding like datatrove's `LanguageFilter`; its own fastText inference.
//! - [`clean`]: `pii` (replace e-mail addresses, IP addresses and phone numbers with fixed
//!   strings) and `url_filter` (drop documents by the domain and words of their URL).
//! - [`html_extract`]: HTML → main text and page metadata, with [`millstone_html`].
//! - `tokens` (cargo feature `tokens`): BPE token counts with a bundled tiktoken vocabulary.
//!
//! Not here: reading and writing (`millstone-io`), corpus-wide passes such as dedup (their stages
//! are listed here, built in `millstone-dedup`), and the executor (`millstone-engine`).
//!
//! Adding a stage: one file with its config struct (`deny_unknown_fields`, datatrove's defaults),
//! a `build` that validates, the runtime struct implementing `Stage`, and its tests; then one line
//! in [`registry::STAGES`]. The TOML `type`, the stats key and the drop record's `stage` are the
//! same word.
//!
//! ```
//! use millstone_core::{Document, StageStats};
//! let stage = millstone_filters::build_stage("gopher_quality", &toml::Table::new()).unwrap();
//! let mut doc = Document::new("d1", "Too short.");
//! let verdict = stage.process(&mut doc, &mut StageStats::default());
//! assert_eq!(verdict.reason(), Some("gopher_short_doc"));
//! ```

pub mod boilerplate;
pub mod clean;
pub mod html_extract;
pub mod language;
pub mod quality;
pub mod registry;
#[cfg(test)]
mod test_rng;
mod text;
#[cfg(feature = "tokens")]
pub mod tokens;

pub use registry::{build_stage, build_stage_from, StageInfo, STAGES};

/// A stage's options could not be turned into a working stage (one type for every stage, the
/// dedup stages included).
pub use millstone_core::ConfigError;
