//! `language`: identify each document's language with a fastText model and keep the wanted ones,
//! deciding as datatrove's `LanguageFilter` does.
//!
//! For: keeping one or a few languages of a crawl, recording every document's language and score
//! (and, optionally, each paragraph's) for later analysis. Not for: telling dialects or closely
//! related languages apart better than the model does, code/markup detection, or scripts the
//! model was not trained on.
//!
//! The model: fastText's `lid.176.ftz` (176 languages, quantized, 938 KB) ships inside the binary
//! (`assets/lid.176.ftz`, CC-BY-SA-3.0, see `assets/README.md`); nothing is downloaded. It is the
//! compressed sibling of the `lid.176.bin` that datatrove (`backend="ft176"`) and FineWeb use: the
//! same labels, close but not identical scores. For datatrove's exact scores, point `model` at your
//! own `lid.176.bin` or GlotLID `model.bin`; any supervised fastText `.bin`/`.ftz` works
//! ([`fasttext`] is our own inference, checked against Python fastText to 1e-4).
//!
//! The text is classified as `model.predict(text.replace("\n", " "), k=-1)` is in datatrove: whole,
//! newlines as spaces, every label with its probability.
//!
//! Options (`[[stage]] type = "language"`):
//! - `keep` (alias `languages`, default `[]`): label codes to keep, e.g. `["en", "de"]`. A document
//!   is kept when any of them scores above `min_score`. Empty keeps any document whose best label
//!   scores above `min_score` (datatrove's `languages=None`). With a GlotLID model an entry may be
//!   a full label (`"srp_Cyrl"`) or a language (`"srp"`, any script). Each entry must be a label of
//!   the model (checked when the stage is built).
//! - `min_score` (alias `language_threshold`, default 0.65): strict `>`, as datatrove.
//! - `model` (default: the embedded lid.176): path to a fastText model, loaded when the stage is
//!   built; a missing or damaged file is a configuration error naming it.
//! - `per_paragraph` (default false): also classify each paragraph (a run of non-blank lines) and
//!   write `paragraph_languages = [[code, score], …]` in order. It does not change the decision.
//! - `max_chars` (default: none): classify only the first `max_chars` characters of a document
//!   (faster on long pages; datatrove does not cut). Paragraphs are classified whole.
//! - `close_pairs` (default true): a second opinion where the model's answer is one of a few
//!   close pairs it confuses (Czech/Slovak, Danish/Norwegian, Spanish/Portuguese,
//!   Bulgarian/Macedonian: word frequencies; Chinese/Japanese: kana). When the
//!   model finds the partner plausible and the text's words (or kana) clearly favour it, the
//!   partner is taken instead, with the pair's two probabilities added up as its score (the model
//!   was sure it is one of the two; the words say which). See [`close_pairs`]. `false` gives the
//!   model's answer unchanged, as datatrove does; documents whose best answer is not in such a
//!   pair (English among them) are never affected.
//!
//! Writes `language` (the best label without `__label__`: lid.176 gives ISO 639-1 codes where one
//! exists, e.g. `en`, `zh`, `no`, and ISO 639-3 otherwise, e.g. `ceb`, `als`, kept as given; for a
//! label `xxx_Script` the part before `_`), `language_score`, `language_script` (only for labels
//! with a script), and counts each document's best language in the stage's counters as
//! `detected.<code>`.
//!
//! Drops: `language_low_score` — no kept language (with `keep = []`: not even the best one)
//! scores above `min_score`.

pub mod close_pairs;
pub mod fasttext;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{Document, Stage, StageOptions, StageStats, Value, Verdict};
use serde::{Deserialize, Serialize};

use self::fasttext::{FastText, ModelError, Prediction, Scratch};
use crate::registry::StageConfig;
use crate::ConfigError;

pub const NAME: &str = "language";
pub const SUMMARY: &str =
    "identify the language (fastText lid.176 embedded, or your own lid.176.bin / GlotLID), write language + score, keep the configured languages (datatrove LanguageFilter)";
/// The drop reason.
pub const REASON: &str = "language_low_score";

const EMBEDDED_NAME: &str = "the embedded lid.176.ftz";
static EMBEDDED_BYTES: &[u8] = include_bytes!("../../assets/lid.176.ftz");
static EMBEDDED: OnceLock<Result<Arc<FastText>, String>> = OnceLock::new();

/// The embedded fastText `lid.176.ftz`, parsed once per process.
pub fn embedded_model() -> Result<Arc<FastText>, String> {
    EMBEDDED
        .get_or_init(|| {
            FastText::from_bytes(EMBEDDED_BYTES, EMBEDDED_NAME)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
}

/// Options (see the module docs).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    #[serde(alias = "languages")]
    pub keep: Vec<String>,
    #[serde(alias = "language_threshold")]
    pub min_score: f64,
    pub model: Option<PathBuf>,
    pub per_paragraph: bool,
    pub max_chars: Option<usize>,
    pub close_pairs: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keep: Vec::new(),
            min_score: 0.65,
            model: None,
            per_paragraph: false,
            max_chars: None,
            close_pairs: true,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new("keep", T::StringList, "labels to keep, e.g. [\"en\"]; [] keeps any document whose best label scores above min_score")
            .aliases(&["languages"]),
        Opt::new("min_score", T::Number, "keep when a kept label scores above this (strict >)")
            .aliases(&["language_threshold"])
            .range(Range::FRACTION),
        Opt::new("model", T::Path, "a fastText .bin/.ftz model; not set: the embedded lid.176.ftz"),
        Opt::new("per_paragraph", T::Bool, "also write each paragraph's language (paragraph_languages)"),
        Opt::new("max_chars", T::Integer, "classify only the first N characters; not set: the whole text")
            .range(Range::at_least(1.0)),
        Opt::new("close_pairs", T::Bool, "second opinion from word frequencies on pairs the model confuses (cs/sk, da/no, es/pt, bg/mk, zh/ja)"),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        if !(0.0..=1.0).contains(&self.min_score) {
            return Err(ConfigError::invalid(
                NAME,
                format!("min_score = {} is not within [0, 1]", self.min_score),
            ));
        }
        if self.max_chars == Some(0) {
            return Err(ConfigError::invalid(
                NAME,
                "max_chars = 0 would classify nothing; leave it out for no limit",
            ));
        }
        let model = match &self.model {
            None => embedded_model().map_err(|e| ConfigError::invalid(NAME, e))?,
            Some(path) => Arc::new(FastText::load(path).map_err(|e: ModelError| {
                ConfigError::invalid(NAME, format!("model = {:?}: {e}", path.display()))
            })?),
        };
        let mut labels: Vec<LabelInfo> = model.labels().iter().map(|l| LabelInfo::new(l)).collect();
        for want in &self.keep {
            if !mark_kept(&mut labels, want) {
                let some: Vec<&str> = labels.iter().take(12).map(|l| l.full.as_str()).collect();
                return Err(ConfigError::invalid(
                    NAME,
                    format!(
                        "keep: the model has no label `{want}` ({} labels, e.g. {})",
                        labels.len(),
                        some.join(", ")
                    ),
                ));
            }
        }
        Ok(Box::new(Language {
            model,
            labels,
            keep_any: self.keep.is_empty(),
            min_score: self.min_score,
            per_paragraph: self.per_paragraph,
            max_chars: self.max_chars,
            close_pairs: self.close_pairs,
        }))
    }
}

/// Mark the labels a `keep` entry names (the full label, or its language before `_`); false if
/// none does.
fn mark_kept(labels: &mut [LabelInfo], want: &str) -> bool {
    let mut found = false;
    for label in labels.iter_mut() {
        if label.full == want || label.code == want {
            label.kept = true;
            found = true;
        }
    }
    found
}

/// What the stage needs to know about one model label.
struct LabelInfo {
    /// Without `__label__`: `en`, `eng_Latn`.
    full: String,
    /// Before the first `_`: `en`, `eng`.
    code: String,
    script: Option<String>,
    kept: bool,
    counter: String,
}

impl LabelInfo {
    fn new(label: &str) -> Self {
        let full = label.strip_prefix("__label__").unwrap_or(label).to_owned();
        let (code, script) = match full.split_once('_') {
            Some((code, script)) => (code.to_owned(), Some(script.to_owned())),
            None => (full.clone(), None),
        };
        LabelInfo {
            counter: format!("detected.{code}"),
            full,
            code,
            script,
            kept: false,
        }
    }
}

pub struct Language {
    model: Arc<FastText>,
    labels: Vec<LabelInfo>,
    keep_any: bool,
    min_score: f64,
    per_paragraph: bool,
    max_chars: Option<usize>,
    close_pairs: bool,
}

impl Language {
    /// The model's predictions for `text`, best first, after the letters had their say (see the
    /// `close_pairs` option).
    fn classify(&self, text: &str, scratch: &mut Scratch, predictions: &mut Vec<Prediction>) {
        self.model.predict_into(text, scratch, predictions);
        if self.close_pairs {
            let labels = &self.labels;
            close_pairs::apply(text, |l| labels[l as usize].code.as_str(), predictions);
        }
    }

    /// The score the decision rests on: the best label's (`keep = []`), or the best kept
    /// label's; 0 when there is none. The document stays when it is above `min_score`.
    fn deciding_score(&self, predictions: &[Prediction]) -> f64 {
        let scores = predictions
            .iter()
            .filter(|p| self.keep_any || self.labels[p.label as usize].kept)
            .map(|p| p.prob as f64);
        if self.keep_any {
            scores.take(1).fold(0.0, f64::max)
        } else {
            scores.fold(0.0, f64::max)
        }
    }

    fn paragraph_languages(
        &self,
        text: &str,
        scratch: &mut Scratch,
        predictions: &mut Vec<Prediction>,
    ) -> Value {
        let mut out = Vec::new();
        for paragraph in paragraphs(text) {
            self.classify(paragraph, scratch, predictions);
            out.push(match predictions.first() {
                Some(p) => Value::Array(vec![
                    Value::from(self.labels[p.label as usize].code.as_str()),
                    Value::from(p.prob as f64),
                ]),
                None => Value::Array(vec![Value::Null, Value::from(0.0)]),
            });
        }
        Value::Array(out)
    }
}

thread_local! {
    /// Inference buffers and the prediction list, reused from document to document.
    static BUFFERS: RefCell<(Scratch, Vec<Prediction>)> = RefCell::default();
}

impl Stage for Language {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        BUFFERS.with_borrow_mut(|(scratch, predictions)| {
            let text = match self.max_chars {
                Some(n) => prefix_chars(doc.text(), n),
                None => doc.text(),
            };
            self.classify(text, scratch, predictions);
            if let Some(best) = predictions.first() {
                let label = &self.labels[best.label as usize];
                doc.attributes
                    .insert("language".into(), Value::from(label.code.as_str()));
                doc.attributes
                    .insert("language_score".into(), Value::from(best.prob as f64));
                if let Some(script) = &label.script {
                    doc.attributes
                        .insert("language_script".into(), Value::from(script.as_str()));
                }
                stats.count(&label.counter, 1);
            }
            let score = self.deciding_score(predictions);
            let verdict = if score > self.min_score {
                Verdict::Keep
            } else {
                Verdict::drop_measured(REASON, score, self.min_score)
            };
            if self.per_paragraph {
                let p = self.paragraph_languages(doc.text(), scratch, predictions);
                doc.attributes.insert("paragraph_languages".into(), p);
            }
            verdict
        })
    }
}

/// The first `n` characters of `s`.
fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Runs of non-blank lines (a blank line is empty or whitespace only), newlines inside kept.
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        // Skip blank lines.
        loop {
            if rest.is_empty() {
                return None;
            }
            let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
            if rest[..line_end].trim().is_empty() {
                rest = &rest[line_end..];
            } else {
                break;
            }
        }
        let mut end = 0;
        while end < rest.len() {
            let line_end = rest[end..].find('\n').map_or(rest.len(), |i| end + i + 1);
            if rest[end..line_end].trim().is_empty() {
                break;
            }
            end = line_end;
        }
        let (paragraph, tail) = rest.split_at(end);
        rest = tail;
        Some(paragraph.trim_end_matches(['\n', '\r']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::run_on;

    const EN: &str = "The committee met on Tuesday to review the proposal, and members agreed \
        that the plan should go ahead with a few changes before the summer.";
    const DE: &str = "Der Ausschuss traf sich am Dienstag, um den Vorschlag zu prüfen, und die \
        Mitglieder waren sich einig, dass der Plan mit einigen Änderungen umgesetzt werden soll.";
    const FR: &str = "Le comité s'est réuni mardi pour examiner la proposition, et les membres \
        ont convenu que le projet devait aller de l'avant avec quelques modifications.";

    fn config(keep: &[&str]) -> Config {
        Config {
            keep: keep.iter().map(|s| s.to_string()).collect(),
            ..Config::default()
        }
    }

    fn process(config: Config, text: &str) -> (Verdict, Document, StageStats) {
        let stage = config.build().unwrap();
        let mut doc = Document::new("t", text);
        let mut stats = StageStats::default();
        let v = stage.process(&mut doc, &mut stats);
        (v, doc, stats)
    }

    #[test]
    fn keeps_the_configured_language_and_records_it() {
        let (v, doc, stats) = process(config(&["en"]), EN);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(doc.attributes["language"], "en");
        let score = doc.attributes["language_score"].as_f64().unwrap();
        assert!(score > 0.9 && score <= 1.0, "{score}");
        assert!(!doc.attributes.contains_key("language_script"));
        assert_eq!(stats.counters["detected.en"], 1);
    }

    #[test]
    fn close_pairs_take_the_language_the_words_favour() {
        // A Slovak sentence (UDHR article 16) that lid.176 calls Czech (cs 0.50, sk 0.39).
        let sk = "Rodina je prirodzenou a základnou jednotkou spoločnosti a má nárok na ochranu \
            so strany spoločnosti štátu.";
        let (v, doc, stats) = process(config(&["sk"]), sk);
        assert_eq!(doc.attributes["language"], "sk");
        // The pair's probabilities added up: above the threshold, so kept.
        let score = doc.attributes["language_score"].as_f64().unwrap();
        assert!(score > 0.65 && score <= 1.0001, "{score}");
        assert_eq!(v, Verdict::Keep);
        assert_eq!(stats.counters["detected.sk"], 1);
        // Without the second opinion: lid.176's own answer, and Slovak is not above 0.65.
        let raw = Config {
            close_pairs: false,
            ..config(&["sk"])
        };
        let (v, doc, _) = process(raw, sk);
        assert_eq!(doc.attributes["language"], "cs");
        assert_eq!(v.reason(), Some(REASON));
    }

    /// The drop records the score the decision rested on (the best kept label's) and
    /// min_score.
    #[test]
    fn drop_records_the_kept_languages_score_and_the_threshold() {
        let (v, doc, _) = process(config(&["en"]), DE);
        let m = v.measured().unwrap();
        assert_eq!(m.threshold, 0.65);
        let en = m.value.as_f64().unwrap();
        assert!(en < 0.65, "{en}");
        // Not the best label's score: German scores far higher on a German text.
        assert!(doc.attributes["language_score"].as_f64().unwrap() > en);
    }

    #[test]
    fn drops_other_languages_with_one_reason() {
        assert_eq!(run_on(config(&["en"]), DE).reason(), Some(REASON));
        assert_eq!(run_on(config(&["en", "fr"]), FR), Verdict::Keep);
        let (v, doc, _) = process(config(&["en"]), DE);
        assert_eq!(v.reason(), Some(REASON));
        assert_eq!(doc.attributes["language"], "de");
    }

    #[test]
    fn empty_keep_takes_any_confident_language() {
        assert_eq!(run_on(config(&[]), DE), Verdict::Keep);
        assert_eq!(run_on(config(&[]), FR), Verdict::Keep);
        // Not a language at all: the best score stays low.
        assert_eq!(
            run_on(config(&[]), "1234 5678 90 +-+ %%%").reason(),
            Some(REASON)
        );
    }

    #[test]
    fn threshold_is_strict_and_aliases_are_accepted() {
        let table: toml::Table =
            toml::from_str("languages = [\"de\"]\nlanguage_threshold = 1.0").unwrap();
        let stage = crate::build_stage(NAME, &table).unwrap();
        let mut doc = Document::new("t", DE);
        let v = stage.process(&mut doc, &mut StageStats::default());
        // A probability is never above 1.
        assert_eq!(v.reason(), Some(REASON));
        let low = Config {
            min_score: 0.0,
            ..config(&["de"])
        };
        assert_eq!(run_on(low, DE), Verdict::Keep);
    }

    #[test]
    fn newlines_count_as_spaces() {
        let model = embedded_model().unwrap();
        let joined = model.predict(&format!("{EN} {DE}"));
        let split = model.predict(&format!("{EN}\n{DE}"));
        assert_eq!(joined, split);
    }

    #[test]
    fn per_paragraph_lists_each_paragraph() {
        let text = format!("{EN}\n\n  \n{DE}\nnoch eine Zeile auf Deutsch.\n\n{FR}\n");
        let c = Config {
            per_paragraph: true,
            ..config(&[])
        };
        let (_, doc, _) = process(c, &text);
        let paras = doc.attributes["paragraph_languages"].as_array().unwrap();
        let codes: Vec<&str> = paras.iter().map(|p| p[0].as_str().unwrap()).collect();
        assert_eq!(codes, ["en", "de", "fr"]);
        assert!(paras.iter().all(|p| p[1].as_f64().unwrap() > 0.5));
        assert!(!process(config(&[]), &text)
            .1
            .attributes
            .contains_key("paragraph_languages"));
    }

    #[test]
    fn paragraphs_are_runs_of_non_blank_lines() {
        let p: Vec<&str> = paragraphs("\n a\nb\n\n \t\nc\r\n\n").collect();
        assert_eq!(p, [" a\nb", "c"]);
        assert_eq!(paragraphs("").count(), 0);
        assert_eq!(paragraphs(" \n\n").count(), 0);
        assert_eq!(paragraphs("x").collect::<Vec<_>>(), ["x"]);
    }

    #[test]
    fn max_chars_classifies_a_prefix() {
        let text = format!("{DE} {EN} {EN} {EN}");
        let c = Config {
            max_chars: Some(DE.chars().count()),
            ..config(&["de"])
        };
        assert_eq!(run_on(c, &text), Verdict::Keep);
        assert_eq!(prefix_chars("äbc", 1), "ä");
        assert_eq!(prefix_chars("äbc", 9), "äbc");
    }

    #[test]
    fn odd_texts_do_not_panic() {
        for text in [
            "",
            " ",
            "\n\n",
            "__label__en",
            "\0\u{feff}",
            "🙂🙂🙂",
            "a\u{a0}b",
        ] {
            let c = Config {
                per_paragraph: true,
                ..config(&[])
            };
            let (_, doc, _) = process(c, text);
            assert!(doc.attributes.contains_key("language"), "{text:?}");
        }
    }

    #[test]
    fn glotlid_style_labels_split_language_and_script() {
        let mut labels: Vec<LabelInfo> = ["__label__srp_Cyrl", "__label__srp_Latn", "__label__en"]
            .iter()
            .map(|l| LabelInfo::new(l))
            .collect();
        assert_eq!(labels[0].code, "srp");
        assert_eq!(labels[0].script.as_deref(), Some("Cyrl"));
        assert_eq!(labels[2].code, "en");
        assert_eq!(labels[2].script, None);
        assert!(mark_kept(&mut labels, "srp_Latn"));
        assert_eq!(
            labels.iter().map(|l| l.kept).collect::<Vec<_>>(),
            [false, true, false]
        );
        assert!(mark_kept(&mut labels, "srp"));
        assert!(labels[0].kept && labels[1].kept && !labels[2].kept);
        assert!(!mark_kept(&mut labels, "Cyrl"));
    }

    #[test]
    fn a_user_model_with_three_letter_labels() {
        // A tiny softmax model trained on UDHR (tests/fixtures/fasttext): labels eng, deu, ...
        let model = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fasttext/tiny-softmax.bin");
        let c = Config {
            model: Some(model),
            min_score: 0.0,
            ..config(&["deu"])
        };
        let (v, doc, stats) = process(c, DE);
        // Softmax gives every label a probability above 0 = min_score.
        assert_eq!(v, Verdict::Keep);
        // The model is retrained with the fixtures, so only the label format is checked.
        let code = doc.attributes["language"].as_str().unwrap();
        assert!(
            ["eng", "deu", "fra", "spa", "rus", "tur"].contains(&code),
            "{code}"
        );
        assert!(!doc.attributes.contains_key("language_script"));
        assert_eq!(stats.counters[&format!("detected.{code}")], 1);
    }

    #[test]
    fn bad_options_are_errors() {
        let err = |c: Config| c.build().err().unwrap().to_string();
        let e = err(config(&["english"]));
        assert!(e.contains("english") && e.contains("language"), "{e}");
        let e = err(Config {
            min_score: 1.5,
            ..Config::default()
        });
        assert!(e.contains("min_score"), "{e}");
        let e = err(Config {
            max_chars: Some(0),
            ..Config::default()
        });
        assert!(e.contains("max_chars"), "{e}");
        let table: toml::Table = toml::from_str("keeps = [\"en\"]").unwrap();
        let e = crate::build_stage(NAME, &table).err().unwrap().to_string();
        assert!(e.contains("keeps"), "{e}");
    }

    #[test]
    fn a_missing_or_damaged_model_file_is_named() {
        let dir = std::env::temp_dir().join(format!("millstone-lang-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("nope.bin");
        let truncated = dir.join("truncated.ftz");
        std::fs::write(&truncated, &EMBEDDED_BYTES[..EMBEDDED_BYTES.len() / 2]).unwrap();
        let junk = dir.join("junk.bin");
        std::fs::write(&junk, b"<html>404 not found</html>").unwrap();
        for path in [&missing, &truncated, &junk] {
            let c = Config {
                model: Some(path.clone()),
                ..Config::default()
            };
            let e = c.build().err().unwrap().to_string();
            assert!(e.contains(&path.display().to_string()), "{e}");
        }
        let whole = dir.join("whole.ftz");
        std::fs::write(&whole, EMBEDDED_BYTES).unwrap();
        let c = Config {
            model: Some(whole),
            ..config(&["de"])
        };
        assert_eq!(run_on(c, DE), Verdict::Keep);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
