//! Stage configuration: the one error type of building a stage ([`ConfigError`]), the trait
//! every stage's config implements ([`StageConfig`]), and [`parse_config`], which reads a config
//! from any self-describing serde deserializer (a TOML table, JSON, a Python dict through a
//! binding), checking its numbers against the option table's ranges first.
//!
//! Not here: the list of stage types (the registry, `millstone-filters/src/registry.rs`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::{Stage, StageDoc, StageOptions, Value};

/// A stage's options could not be turned into a working stage.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown stage type `{name}` (known: {known})")]
    UnknownStage { name: String, known: String },
    #[error("stage `{stage}`: {message}")]
    Invalid { stage: String, message: String },
}

impl ConfigError {
    pub fn invalid(stage: &str, message: impl std::fmt::Display) -> Self {
        ConfigError::Invalid {
            stage: stage.to_owned(),
            message: message.to_string(),
        }
    }
}

/// A stage's configuration: deserialized from its options (numbers checked against the ranges
/// of its option table first), then validated once into a stage.
pub trait StageConfig: DeserializeOwned + StageOptions {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError>;
}

/// Read the options of stage `stage` into `C` from `options`, any self-describing deserializer:
/// out-of-range numbers, unknown keys and wrong types are errors naming the option.
pub fn parse_config<'de, C, D>(stage: &str, options: D) -> Result<C, ConfigError>
where
    C: DeserializeOwned + StageOptions,
    D: Deserializer<'de>,
{
    let value = Value::deserialize(options).map_err(|e| ConfigError::invalid(stage, e))?;
    config_from_value(stage, value)
}

/// [`parse_config`], then [`StageConfig::build`]: the stage of config type `C` from `options`.
pub fn build_stage_as<'de, C, D>(stage: &str, options: D) -> Result<Box<dyn Stage>, ConfigError>
where
    C: StageConfig,
    D: Deserializer<'de>,
{
    parse_config::<C, D>(stage, options)?.build()
}

/// Check the numbers of a config built in code (not read by [`parse_config`]) against the
/// ranges of its option table, with the errors [`parse_config`] would give.
pub fn check_ranges<C>(stage: &str, config: &C) -> Result<(), ConfigError>
where
    C: DeserializeOwned + StageOptions,
{
    StageDoc::of::<C>("", "")
        .check(config)
        .map_err(|m| ConfigError::invalid(stage, m))
}

/// [`parse_config`] of options already read into a JSON value.
pub fn config_from_value<C>(stage: &str, options: Value) -> Result<C, ConfigError>
where
    C: DeserializeOwned + StageOptions,
{
    StageDoc::of::<C>("", "")
        .check(&options)
        .map_err(|m| ConfigError::invalid(stage, m))?;
    serde_json::from_value(options).map_err(|e| ConfigError::invalid(stage, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{OptionSpec, OptionType, Range};
    use serde::Serialize;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Demo {
        ratio: f64,
        words: usize,
    }

    impl StageOptions for Demo {
        const OPTIONS: &'static [OptionSpec] = &[
            OptionSpec::new("ratio", OptionType::Number, "a share").range(Range::FRACTION),
            OptionSpec::new("words", OptionType::Integer, "a count"),
        ];
    }

    #[test]
    fn any_deserializer_gives_the_same_config_and_errors() {
        let json = serde_json::json!({"ratio": 0.5, "words": 3});
        let from_json: Demo = parse_config("demo", json).unwrap();
        let mut de = serde_json::Deserializer::from_str(r#"{"ratio": 0.5, "words": 3}"#);
        let from_text: Demo = parse_config("demo", &mut de).unwrap();
        assert_eq!(
            from_json,
            Demo {
                ratio: 0.5,
                words: 3
            }
        );
        assert_eq!(from_text, from_json);
        let e = parse_config::<Demo, _>("demo", serde_json::json!({"ratio": 2}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "stage `demo`: ratio = 2 is out of range: it must be [0, 1]"
        );
        let e = parse_config::<Demo, _>("demo", serde_json::json!({"ratoi": 1}))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("stage `demo`: unknown field `ratoi`"), "{e}");
        let e = parse_config::<Demo, _>("demo", serde_json::json!({"words": "x"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid type: string \"x\""), "{e}");
        let built = Demo {
            ratio: 1.5,
            words: 1,
        };
        let e = check_ranges("demo", &built).unwrap_err().to_string();
        assert_eq!(
            e,
            "stage `demo`: ratio = 1.5 is out of range: it must be [0, 1]"
        );
        check_ranges("demo", &Demo::default()).unwrap();
    }
}
