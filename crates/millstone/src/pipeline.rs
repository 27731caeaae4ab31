//! A pipeline: an ordered list of stages built from a TOML file or a built-in preset.
//!
//! The file format is an array of `[[stage]]` tables, each with `type = "<stage name>"` and
//! that stage's options under datatrove's parameter names:
//!
//! ```toml
//! [[stage]]
//! type = "c4_quality"
//! filter_no_terminal_punct = false
//! ```

use anyhow::{bail, Context, Result};
use millstone_core::Stage;

/// A built-in pipeline.
pub struct Preset {
    pub name: &'static str,
    pub summary: &'static str,
    pub toml: &'static str,
}

/// Built-in presets, sorted by name.
pub static PRESETS: &[Preset] = &[
    Preset {
        name: "c4",
        summary: "C4 line and page rules (datatrove C4QualityFilter defaults)",
        toml: include_str!("../presets/c4.toml"),
    },
    Preset {
        name: "commoncrawl",
        summary:
            "FineWeb recipe from WARC/HTML: url_filter -> html_extract (precision) -> language (en) -> gopher_repetition -> gopher_quality -> c4_quality -> fineweb_quality -> pii -> tokens",
        toml: include_str!("../presets/commoncrawl.toml"),
    },
    Preset {
        name: "extract",
        summary: "HTML main-text extraction alone (html_extract)",
        toml: include_str!("../presets/extract.toml"),
    },
    Preset {
        name: "fineweb",
        summary:
            "FineWeb recipe: language (en) -> gopher_repetition -> gopher_quality -> c4_quality -> fineweb_quality -> pii -> tokens",
        toml: include_str!("../presets/fineweb.toml"),
    },
    Preset {
        name: "gopher",
        summary: "Gopher quality heuristics, then Gopher repetition removal",
        toml: include_str!("../presets/gopher.toml"),
    },
    Preset {
        name: "news",
        summary: "boilerplate line removal, then the FineWeb recipe",
        toml: include_str!("../presets/news.toml"),
    },
];

pub fn preset(name: &str) -> Result<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name).with_context(|| {
        let known: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        format!("unknown preset `{name}` (known: {})", known.join(", "))
    })
}

/// The stages of a pipeline, in order.
pub struct Pipeline {
    pub stages: Vec<Box<dyn Stage>>,
}

impl Pipeline {
    /// Parse and validate a pipeline file's text. `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let mut doc: toml::Table =
            toml::from_str(text).with_context(|| format!("{origin}: not valid TOML"))?;
        let stages = match doc.remove("stage") {
            Some(toml::Value::Array(items)) => items,
            Some(_) => {
                bail!("{origin}: `stage` must be an array of tables: write each as [[stage]]")
            }
            None => bail!("{origin}: no [[stage]] tables"),
        };
        if let Some(key) = doc.keys().next() {
            bail!("{origin}: unknown top-level key `{key}` (a pipeline file holds only [[stage]] tables)");
        }
        let mut built = Vec::with_capacity(stages.len());
        for (i, item) in stages.into_iter().enumerate() {
            let toml::Value::Table(mut table) = item else {
                bail!("{origin}: stage #{} is not a table", i + 1);
            };
            let ty = match table.remove("type") {
                Some(toml::Value::String(s)) => s,
                Some(_) => bail!("{origin}: stage #{}: `type` must be a string", i + 1),
                None => bail!("{origin}: stage #{} has no `type`", i + 1),
            };
            let stage = match millstone_dedup::build_stage(&ty, &table) {
                Some(built) => built.map_err(anyhow::Error::from),
                None => match millstone_filters::build_stage(&ty, &table) {
                    // The filters crate knows only its own stages: name them all here.
                    Err(millstone_filters::ConfigError::UnknownStage { name, .. }) => {
                        Err(anyhow::anyhow!(
                            "unknown stage type `{name}` (known: {}; `millstone stages` describes each)",
                            all_stage_names().join(", ")
                        ))
                    }
                    other => other.map_err(anyhow::Error::from),
                },
            }
            .with_context(|| format!("{origin}: stage #{}", i + 1))?;
            built.push(stage);
        }
        if built.is_empty() {
            bail!("{origin}: the pipeline has no stages");
        }
        Ok(Pipeline { stages: built })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|s| s.name())
    }
}

/// Every stage type a pipeline file may name (filters and dedup), sorted.
fn all_stage_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = millstone_filters::STAGES
        .iter()
        .map(|s| s.name)
        .chain(millstone_dedup::STAGES.iter().map(|(name, _)| *name))
        .collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_build_and_are_sorted() {
        let names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for p in PRESETS {
            Pipeline::from_toml(p.toml, p.name).unwrap();
        }
        let fw = Pipeline::from_toml(preset("fineweb").unwrap().toml, "fineweb").unwrap();
        assert_eq!(
            fw.names().collect::<Vec<_>>(),
            [
                "language",
                "gopher_repetition",
                "gopher_quality",
                "c4_quality",
                "fineweb_quality",
                "pii",
                "tokens"
            ]
        );
    }

    #[test]
    fn crawl_presets_extract_then_mirror_fineweb() {
        let cc = Pipeline::from_toml(preset("commoncrawl").unwrap().toml, "commoncrawl").unwrap();
        let fw = Pipeline::from_toml(preset("fineweb").unwrap().toml, "fineweb").unwrap();
        let cc_names: Vec<_> = cc.names().collect();
        assert_eq!(cc_names[..2], ["url_filter", "html_extract"]);
        assert_eq!(cc_names[2..], fw.names().collect::<Vec<_>>()[..]);
        let ex = Pipeline::from_toml(preset("extract").unwrap().toml, "extract").unwrap();
        assert_eq!(ex.names().collect::<Vec<_>>(), ["html_extract"]);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Pipeline::from_toml(
            "[[stage]]\ntype = \"c4_quality\"\nmin_words = 2\n",
            "p.toml",
        )
        .err()
        .unwrap();
        let msg = format!("{e:#}");
        assert!(msg.contains("min_words") && msg.contains("p.toml"), "{msg}");
        let e = Pipeline::from_toml("[[stage]]\ntype = \"nope\"\n", "p.toml")
            .err()
            .unwrap();
        assert!(format!("{e:#}").contains("unknown stage type `nope`"));
        // The list names the dedup stages too.
        assert!(format!("{e:#}").contains("paragraph_dedup"), "{e:#}");
        let e = Pipeline::from_toml("stages = 1\n", "p.toml").err().unwrap();
        assert!(format!("{e:#}").contains("no [[stage]]"));
    }
}
