//! The stage registry: one sorted line per stage type.

use millstone_core::{Stage, StageDoc, StageOptions};
use serde::de::DeserializeOwned;

use crate::boilerplate;
use crate::clean::{pii, url_filter};
use crate::html_extract;
use crate::language;
use crate::quality::{c4_quality, fineweb_quality, gopher_quality, gopher_repetition};
use crate::ConfigError;

/// One registered stage type.
pub struct StageInfo {
    /// Name, summary and option table (`millstone stages NAME`).
    pub doc: StageDoc,
    build: fn(&toml::Table) -> Result<Box<dyn Stage>, ConfigError>,
}

/// Every stage type, sorted by name.
pub static STAGES: &[StageInfo] = &[
    entry::<boilerplate::Config>(boilerplate::NAME, boilerplate::SUMMARY),
    entry::<c4_quality::Config>(c4_quality::NAME, c4_quality::SUMMARY),
    entry::<fineweb_quality::Config>(fineweb_quality::NAME, fineweb_quality::SUMMARY),
    entry::<gopher_quality::Config>(gopher_quality::NAME, gopher_quality::SUMMARY),
    entry::<gopher_repetition::Config>(gopher_repetition::NAME, gopher_repetition::SUMMARY),
    entry::<html_extract::Config>(html_extract::NAME, html_extract::SUMMARY),
    entry::<language::Config>(language::NAME, language::SUMMARY),
    entry::<pii::Config>(pii::NAME, pii::SUMMARY),
    #[cfg(feature = "tokens")]
    entry::<crate::tokens::Config>(crate::tokens::NAME, crate::tokens::SUMMARY),
    entry::<url_filter::Config>(url_filter::NAME, url_filter::SUMMARY),
];

/// A stage's configuration: deserialized from its TOML table (its numbers checked against the
/// ranges of its option table first), then validated into a stage.
pub trait StageConfig: DeserializeOwned + StageOptions {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError>;
}

const fn entry<C: StageConfig>(name: &'static str, summary: &'static str) -> StageInfo {
    StageInfo {
        doc: StageDoc::of::<C>(name, summary),
        build: build_from::<C>,
    }
}

fn build_from<C: StageConfig>(table: &toml::Table) -> Result<Box<dyn Stage>, ConfigError> {
    StageDoc::of::<C>("", "")
        .check(table)
        .map_err(|message| ConfigError::Invalid {
            stage: String::new(),
            message,
        })?;
    let config: C =
        toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid {
                stage: String::new(),
                message: e.message().to_owned(),
            })?;
    config.build()
}

/// Build stage `name` from its options (the `[[stage]]` table without `type`).
pub fn build_stage(name: &str, options: &toml::Table) -> Result<Box<dyn Stage>, ConfigError> {
    let info =
        STAGES
            .iter()
            .find(|s| s.doc.name == name)
            .ok_or_else(|| ConfigError::UnknownStage {
                name: name.to_owned(),
                known: STAGES
                    .iter()
                    .map(|s| s.doc.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
    (info.build)(options).map_err(|e| match e {
        ConfigError::Invalid { message, .. } => ConfigError::Invalid {
            stage: name.to_owned(),
            message,
        },
        other => other,
    })
}

/// Build `config` and run it on one text (for the stages' unit tests).
#[cfg(test)]
pub(crate) fn run_on<C: StageConfig>(config: C, text: &str) -> millstone_core::Verdict {
    let stage = config.build().expect("valid test config");
    let mut doc = millstone_core::Document::new("t", text);
    stage.process(&mut doc, &mut millstone_core::StageStats::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        let names: Vec<_> = STAGES.iter().map(|s| s.doc.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let table: toml::Table = toml::from_str("min_doc_wrds = 3").unwrap();
        let err = build_stage("gopher_quality", &table)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("min_doc_wrds"), "{err}");
        assert!(err.contains("gopher_quality"), "{err}");
    }

    #[test]
    fn unknown_stage_lists_known_ones() {
        let err = build_stage("gopher", &toml::Table::new())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("gopher_quality"), "{err}");
    }

    /// Every option of every stage is in its table (which `millstone stages NAME` prints and
    /// values are checked against), with a default of the listed type inside the listed range.
    #[test]
    fn every_option_of_every_stage_is_listed() {
        for s in STAGES {
            (s.doc.audit)(s.doc.name).unwrap();
            let text = s.doc.describe();
            for o in s.doc.options {
                assert!(
                    text.lines().any(|l| l.starts_with(o.name)),
                    "{}: {} not shown",
                    s.doc.name,
                    o.name
                );
            }
        }
    }

    #[test]
    fn out_of_range_thresholds_are_refused_naming_option_value_and_range() {
        for (stage, options, message) in [
            (
                "fineweb_quality",
                "char_duplicates_ratio = 5",
                "stage `fineweb_quality`: char_duplicates_ratio = 5 is out of range: it must be [0, 1]",
            ),
            (
                "gopher_repetition",
                "dup_line_frac = -0.1",
                "stage `gopher_repetition`: dup_line_frac = -0.1 is out of range: it must be [0, 1]",
            ),
            (
                "gopher_quality",
                "min_doc_words = -1",
                "stage `gopher_quality`: min_doc_words = -1 is out of range: it must be >= 0",
            ),
            (
                "language",
                "language_threshold = 1.5",
                "stage `language`: min_score = 1.5 is out of range: it must be [0, 1]",
            ),
        ] {
            let table: toml::Table = toml::from_str(options).unwrap();
            let err = build_stage(stage, &table).err().unwrap().to_string();
            assert_eq!(err, message);
        }
        // The edges of a range are accepted.
        let table: toml::Table = toml::from_str("char_duplicates_ratio = 1").unwrap();
        build_stage("fineweb_quality", &table).unwrap();
    }

    #[test]
    fn every_stage_builds_with_defaults() {
        for s in STAGES {
            let stage = build_stage(s.doc.name, &toml::Table::new()).unwrap();
            assert_eq!(stage.name(), s.doc.name);
        }
    }
}
