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

use std::sync::atomic::AtomicBool;

use millstone_core::{Stage, StageDoc};

use crate::error::{Error, Result};

macro_rules! bail {
    ($($t:tt)*) => { return Err(Error::Config(format!($($t)*))) };
}

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

/// The preset `name`, or an error listing the known ones.
pub fn preset(name: &str) -> Result<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
        let known: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        Error::Config(format!(
            "unknown preset `{name}` (known: {})",
            known.join(", ")
        ))
    })
}

/// The stages of a pipeline, in order.
pub struct Pipeline {
    pub stages: Vec<Box<dyn Stage>>,
    /// The corpus passes ran ([`Pipeline::process_corpus`]).
    pub(crate) passes_done: AtomicBool,
    /// Stages whose corpus decisions were installed from outside ([`Pipeline::install_decisions`]).
    pub(crate) installed: std::sync::Mutex<Vec<usize>>,
}

impl Pipeline {
    /// The built-in preset `name` (see [`PRESETS`]).
    pub fn from_preset(name: &str) -> Result<Self> {
        Self::from_toml(preset(name)?.toml, &format!("preset {name}"))
    }

    /// A pipeline of already built stages.
    pub fn from_stages(stages: Vec<Box<dyn Stage>>) -> Self {
        Pipeline {
            stages,
            passes_done: AtomicBool::new(false),
            installed: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Parse and validate a pipeline file's text. `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let mut doc: toml::Table = toml::from_str(text)
            .map_err(|e| Error::Config(format!("{origin}: not valid TOML: {e}")))?;
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
            let stage = match millstone_filters::build_stage(&ty, &table) {
                Err(millstone_core::ConfigError::UnknownStage { name, known }) => Err(format!(
                    "unknown stage type `{name}` (known: {known}; `millstone stages` describes each)"
                )),
                other => other.map_err(|e| e.to_string()),
            }
            .map_err(|e| Error::Config(format!("{origin}: stage #{}: {e}", i + 1)))?;
            built.push(stage);
        }
        if built.is_empty() {
            bail!("{origin}: the pipeline has no stages");
        }
        Ok(Pipeline::from_stages(built))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|s| s.name())
    }
}

/// Every stage type a pipeline file may name, sorted by name (the registry's order).
pub fn all_stages() -> impl Iterator<Item = StageDoc> {
    millstone_filters::STAGES.iter().map(|s| s.doc)
}

fn all_stage_names() -> Vec<&'static str> {
    all_stages().map(|d| d.name).collect()
}

/// The stage type `name`, or an error listing the known ones.
pub fn stage_doc(name: &str) -> Result<StageDoc> {
    all_stages().find(|d| d.name == name).ok_or_else(|| {
        Error::Config(format!(
            "unknown stage type `{name}` (known: {})",
            all_stage_names().join(", ")
        ))
    })
}

/// A pipeline file's text with, after each `[[stage]]` table's own keys, the options it leaves
/// at their defaults as comments (`# key = default`): what `presets --show` prints. The result
/// parses to the same pipeline.
pub fn with_defaults(text: &str) -> Result<String> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| Error::Config(format!("not valid TOML: {e}")))?;
    let stages = match doc.get("stage") {
        Some(toml::Value::Array(items)) => items.clone(),
        _ => bail!("no [[stage]] tables"),
    };
    let lines: Vec<&str> = text.lines().collect();
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == "[[stage]]")
        .collect();
    if headers.len() != stages.len() {
        bail!("cannot match [[stage]] headers to tables");
    }
    // A table's last key line: before the next header, ignoring comments and blank lines.
    let mut insert_after = Vec::with_capacity(headers.len());
    for (k, &h) in headers.iter().enumerate() {
        let end = headers.get(k + 1).copied().unwrap_or(lines.len());
        let last = (h..end)
            .rev()
            .find(|&i| {
                let l = lines[i].trim();
                !l.is_empty() && !l.starts_with('#')
            })
            .unwrap_or(h);
        insert_after.push(last);
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut next = 0;
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        if insert_after.get(next) == Some(&i) {
            let table = stages[next].as_table().cloned().unwrap_or_default();
            let ty = table.get("type").and_then(|v| v.as_str()).unwrap_or("");
            let doc = stage_doc(ty)?;
            let defaults = (doc.defaults)();
            let mut block = String::new();
            for o in doc.options {
                if table.contains_key(o.name) || o.aliases.iter().any(|a| table.contains_key(*a)) {
                    continue;
                }
                match defaults.get(o.name) {
                    Some(v) => block.push_str(&format!(
                        "# {} = {}\n",
                        o.name,
                        millstone_core::options::show_value(v)
                    )),
                    None => block.push_str(&format!("# {} (not set)\n", o.name)),
                }
            }
            if !block.is_empty() {
                out.push_str(&format!(
                    "# defaults of the other options (`millstone stages {ty}` explains each):\n"
                ));
                out.push_str(&block);
            }
            next += 1;
        }
    }
    Ok(out)
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

    /// FineWeb's PIIFormatter() replaces e-mail and IP addresses only; its TokensCounter()
    /// counts GPT-2 tokens.
    #[test]
    fn fineweb_preset_formats_pii_and_counts_tokens_as_fineweb() {
        use millstone_core::{Document, StageStats};
        for name in ["fineweb", "news"] {
            let p = Pipeline::from_toml(preset(name).unwrap().toml, name).unwrap();
            let stage = |n: &str| p.stages.iter().find(|s| s.name() == n).unwrap();
            let text = "Write to ann.lee@mail-host.org or call (212) 555-0187; server 93.184.216.34 is up. 東京は晴れ";
            let mut doc = Document::new("d", text);
            stage("pii").process(&mut doc, &mut StageStats::default());
            assert_eq!(
                doc.text(),
                "Write to email@example.com or call (212) 555-0187; server 192.0.2.1 is up. 東京は晴れ",
                "{name}"
            );
            // The phone number is one the stage finds when asked to.
            let all = millstone_filters::build_stage("pii", &toml::Table::new()).unwrap();
            let mut doc2 = Document::new("d", text);
            all.process(&mut doc2, &mut StageStats::default());
            assert!(!doc2.text().contains("555-0187"), "{}", doc2.text());
            stage("tokens").process(&mut doc, &mut StageStats::default());
            let gpt2 = millstone_filters::tokens::Tokenizer::get(
                millstone_filters::tokens::Encoding::Gpt2,
            )
            .unwrap();
            assert_eq!(doc.attributes["tokens"], gpt2.count(doc.text()), "{name}");
            // GPT-2 and o200k_base disagree on this text, so the check above can fail.
            let o200k = millstone_filters::tokens::Tokenizer::get(
                millstone_filters::tokens::Encoding::O200kBase,
            )
            .unwrap();
            assert_ne!(gpt2.count(doc.text()), o200k.count(doc.text()));
        }
    }

    #[test]
    fn shown_presets_list_every_default_and_parse_to_the_same_pipeline() {
        for p in PRESETS {
            let shown = with_defaults(p.toml).unwrap();
            let a = Pipeline::from_toml(p.toml, p.name).unwrap();
            let b = Pipeline::from_toml(&shown, p.name).unwrap();
            assert_eq!(a.names().collect::<Vec<_>>(), b.names().collect::<Vec<_>>());
            assert!(shown.starts_with(p.toml.lines().next().unwrap()));
        }
        let shown = with_defaults(preset("fineweb").unwrap().toml).unwrap();
        // Set options are not repeated; the others are there with their defaults.
        assert!(shown.contains("filter_no_terminal_punct = false\n# defaults of the other options (`millstone stages c4_quality` explains each):\n# split_paragraph = true\n"), "{shown}");
        assert!(!shown.contains("# filter_no_terminal_punct"));
        assert!(shown.contains("# min_doc_words = 50\n"), "{shown}");
        assert!(
            shown.contains("# char_duplicates_ratio = 0.01\n"),
            "{shown}"
        );
        assert!(shown.contains("# model (not set)\n"), "{shown}");
        // min_score is set in the preset: neither it nor its alias is listed again.
        assert!(!shown.contains("# min_score") && !shown.contains("# language_threshold"));
        // Every option of every stage is either set or shown.
        let doc: toml::Table = toml::from_str(&shown).unwrap();
        for table in doc["stage"].as_array().unwrap() {
            let table = table.as_table().unwrap();
            let d = stage_doc(table["type"].as_str().unwrap()).unwrap();
            for o in d.options {
                assert!(
                    table.contains_key(o.name) || shown.contains(&format!("# {} ", o.name)),
                    "{}: {}",
                    d.name,
                    o.name
                );
            }
        }
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
