//! The stage registry: one sorted line per stage type, for every stage of a pipeline (the dedup
//! stages of `millstone-dedup` included), and building a stage from its options in any serde
//! form.

use millstone_core::config::config_from_value;
use millstone_core::{Stage, StageDoc, Value};
use serde::Deserialize;

use crate::boilerplate;
use crate::clean::{pii, url_filter};
use crate::html_extract;
use crate::language;
use crate::quality::{c4_quality, fineweb_quality, gopher_quality, gopher_repetition};
use crate::ConfigError;
use millstone_dedup::{paragraph, stage as dedup};

pub use millstone_core::StageConfig;

/// One registered stage type.
pub struct StageInfo {
    /// Name, summary and option table (`millstone stages NAME`).
    pub doc: StageDoc,
    build: fn(Value) -> Result<Box<dyn Stage>, ConfigError>,
}

/// Every stage type, sorted by name.
pub static STAGES: &[StageInfo] = &[
    entry::<boilerplate::Config>(boilerplate::NAME, boilerplate::SUMMARY),
    entry::<c4_quality::Config>(c4_quality::NAME, c4_quality::SUMMARY),
    entry::<dedup::Config>(dedup::NAME, dedup::SUMMARY),
    entry::<fineweb_quality::Config>(fineweb_quality::NAME, fineweb_quality::SUMMARY),
    entry::<gopher_quality::Config>(gopher_quality::NAME, gopher_quality::SUMMARY),
    entry::<gopher_repetition::Config>(gopher_repetition::NAME, gopher_repetition::SUMMARY),
    entry::<html_extract::Config>(html_extract::NAME, html_extract::SUMMARY),
    entry::<language::Config>(language::NAME, language::SUMMARY),
    entry::<paragraph::Config>(paragraph::NAME, paragraph::SUMMARY),
    entry::<pii::Config>(pii::NAME, pii::SUMMARY),
    #[cfg(feature = "tokens")]
    entry::<crate::tokens::Config>(crate::tokens::NAME, crate::tokens::SUMMARY),
    entry::<url_filter::Config>(url_filter::NAME, url_filter::SUMMARY),
];

const fn entry<C: StageConfig>(name: &'static str, summary: &'static str) -> StageInfo {
    StageInfo {
        doc: StageDoc::of::<C>(name, summary),
        build: build_from::<C>,
    }
}

fn build_from<C: StageConfig>(options: Value) -> Result<Box<dyn Stage>, ConfigError> {
    config_from_value::<C>("", options)?.build()
}

/// Build stage `name` from its options (the `[[stage]]` table without `type`) in any
/// self-describing serde form: a TOML table, JSON, a binding's dict.
pub fn build_stage_from<'de, D: serde::Deserializer<'de>>(
    name: &str,
    options: D,
) -> Result<Box<dyn Stage>, ConfigError> {
    let info = find(name)?;
    let options = Value::deserialize(options).map_err(|e| ConfigError::invalid(name, e))?;
    (info.build)(options).map_err(|e| match e {
        ConfigError::Invalid { message, .. } => ConfigError::Invalid {
            stage: name.to_owned(),
            message,
        },
        other => other,
    })
}

fn find(name: &str) -> Result<&'static StageInfo, ConfigError> {
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
        })
}

/// Build stage `name` from its TOML options (the `[[stage]]` table without `type`).
pub fn build_stage(name: &str, options: &toml::Table) -> Result<Box<dyn Stage>, ConfigError> {
    build_stage_from(name, toml::Value::Table(options.clone()))
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
                "min_doc_words = -2",
                "stage `gopher_quality`: min_doc_words = -2 is out of range: it must be >= 0 or -1 (no limit)",
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
    fn json_and_toml_options_build_the_same_stage() {
        let toml: toml::Table =
            toml::from_str("min_doc_words = 3\nmax_avg_word_length = 12").unwrap();
        let json = serde_json::json!({"min_doc_words": 3, "max_avg_word_length": 12});
        let text = "one two three four five six seven eight nine ten eleven twelve thirteen";
        let mut a = millstone_core::Document::new("a", text);
        let mut b = millstone_core::Document::new("b", text);
        let from_toml = build_stage("gopher_quality", &toml).unwrap();
        let from_json = build_stage_from("gopher_quality", json).unwrap();
        let mut stats = millstone_core::StageStats::default();
        assert_eq!(
            from_toml.process(&mut a, &mut stats),
            from_json.process(&mut b, &mut stats)
        );
        let e = build_stage_from("dedup", serde_json::json!({"threshold": 2}))
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            e,
            "stage `dedup`: threshold = 2 is out of range: it must be [0, 1]"
        );
        let e = build_stage_from("dedup", serde_json::json!({"bands": "many"}))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("stage `dedup`: invalid type: string \"many\""),
            "{e}"
        );
    }

    /// Stage `name` with `toml` options and the same options as JSON, run on `text`: the
    /// verdict and the text after it (the same from both forms).
    fn run_both(name: &str, toml: &str, text: &str) -> (Option<String>, String) {
        let table: toml::Table = toml::from_str(toml).unwrap();
        let json = serde_json::to_value(&table).unwrap();
        let mut out = Vec::new();
        for stage in [
            build_stage(name, &table).unwrap(),
            build_stage_from(name, json.clone()).unwrap(),
        ] {
            let mut doc = millstone_core::Document::new("d", text);
            let v = stage.process(&mut doc, &mut millstone_core::StageStats::default());
            out.push((v.reason().map(str::to_owned), doc.text().to_owned()));
        }
        assert_eq!(out[0], out[1], "{name} {json}");
        out.pop().unwrap()
    }

    /// Datatrove configurations that write -1 for "no limit" mean here what they mean in
    /// datatrove. `C4QualityFilter(min_num_sentences=-1, min_words_per_line=-1)` is datatrove's
    /// own test (`test_removes_policy_lines_from_text`): the cookie line goes, the page stays.
    #[test]
    fn datatrove_minus_one_means_no_limit() {
        let cookies = "This site uses cookies for tracking.\nAnother valid line here today.";
        assert_eq!(
            run_both("c4_quality", "", cookies).0.as_deref(),
            Some("too_few_sentences")
        );
        let (verdict, text) = run_both(
            "c4_quality",
            "min_num_sentences = -1\nmin_words_per_line = -1",
            cookies,
        );
        assert_eq!(verdict, None);
        assert_eq!(text, "Another valid line here today.");
        // GopherQualityFilter's minimums: `n < -1` never holds.
        let short = "Tiny note here";
        assert_eq!(
            run_both("gopher_quality", "", short).0.as_deref(),
            Some("gopher_short_doc")
        );
        let off = "min_doc_words = -1\nmin_avg_word_length = -1\nmin_stop_words = -1";
        assert_eq!(run_both("gopher_quality", off, short).0, None);
        assert_eq!(
            run_both("gopher_quality", off, "Tiny words: a b c d e f g")
                .0
                .as_deref(),
            None
        );
        assert_eq!(
            run_both(
                "gopher_quality",
                "min_avg_word_length = -1",
                "a b c d e f g"
            )
            .0
            .as_deref(),
            Some("gopher_short_doc")
        );
        // FineWebQualityFilter's line_punct_thr: no share is below -1.
        let unpunctuated = "No punctuation at the end of this line here\nAnother long line without any punctuation mark\nStill nothing at the end of this third line";
        assert_eq!(
            run_both("fineweb_quality", "", unpunctuated).0.as_deref(),
            Some("line_punct_ratio")
        );
        assert_eq!(
            run_both("fineweb_quality", "line_punct_thr = -1", unpunctuated).0,
            None
        );
        // Other negative numbers stay errors, naming the option and the range.
        let e = build_stage_from("gopher_quality", serde_json::json!({"min_stop_words": -3}))
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            e,
            "stage `gopher_quality`: min_stop_words = -3 is out of range: it must be >= 0 or -1 (no limit)"
        );
    }

    #[test]
    fn every_stage_builds_with_defaults() {
        for s in STAGES {
            let stage = build_stage(s.doc.name, &toml::Table::new()).unwrap();
            assert_eq!(stage.name(), s.doc.name);
        }
    }
}
