//! Arbitrary UTF-8 through every registered stage (default options) and through the `fineweb`
//! preset chain (stages sharing one document and its cached words).
//!
//! Asserts: no panic; a stage that leaves cached words leaves exactly the tokenizer's words of the
//! current text; a document `c4_quality` keeps has as lines a subsequence of its input's lines
//! (each stripped, citations removed).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use millstone_core::{Document, Stage, StageStats, Verdict};
use millstone_filters::{build_stage, STAGES};
use millstone_text::{py, EnglishTokenizer};

const FINEWEB: &str = include_str!("../../crates/millstone-engine/presets/fineweb.toml");

struct Fixture {
    each: Vec<Box<dyn Stage>>,
    fineweb: Vec<Box<dyn Stage>>,
    citation: regex::Regex,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let each = STAGES
            .iter()
            .map(|s| build_stage(s.name, &toml::Table::new()).expect("default config builds"))
            .collect();
        let preset: toml::Table = toml::from_str(FINEWEB).expect("fineweb preset parses");
        let fineweb = preset["stage"]
            .as_array()
            .expect("[[stage]] list")
            .iter()
            .map(|s| {
                let mut t = s.as_table().expect("stage table").clone();
                let ty = t.remove("type").expect("type");
                build_stage(ty.as_str().expect("type is a string"), &t)
                    .expect("preset stage builds")
            })
            .collect();
        // c4_quality's citation pattern (crates/millstone-filters/src/quality/c4_quality.rs).
        let citation = regex::Regex::new(r"\[\d*\]|\[edit\]|\[citation needed\]").unwrap();
        Fixture {
            each,
            fineweb,
            citation,
        }
    })
}

fn check_cache(doc: &Document, stage: &str) {
    if let Some(cached) = doc.cached_words() {
        let mut fresh = Vec::new();
        EnglishTokenizer::global().words_into(doc.text(), &mut fresh);
        assert_eq!(
            cached,
            fresh.as_slice(),
            "{stage} left stale cached words for {:?}",
            doc.text()
        );
    }
}

/// Every output line is (up to stripping) a stripped, citation-free input line, in input order.
fn check_c4_lines(input: &str, output: &str, citation: &regex::Regex) {
    if output.is_empty() {
        return;
    }
    let candidates: Vec<String> = py::splitlines(input)
        .map(|l| py::strip(&citation.replace_all(py::strip(l), "")).to_owned())
        .collect();
    let mut it = candidates.iter();
    for out in output.split('\n') {
        let out = py::strip(out);
        assert!(
            it.any(|c| c == out),
            "c4_quality output line {out:?} is not an input line in order\ninput: {input:?}\noutput: {output:?}"
        );
    }
}

fuzz_target!(|text: &str| {
    let f = fixture();
    let mut stats = StageStats::default();
    for stage in &f.each {
        let mut doc = Document::new("fuzz", text);
        let verdict = stage.process(&mut doc, &mut stats);
        check_cache(&doc, stage.name());
        if stage.name() == "c4_quality" && verdict == Verdict::Keep {
            check_c4_lines(text, doc.text(), &f.citation);
        }
        // A second run on the (possibly rewritten) document, now with cached words.
        if verdict.is_keep() {
            let _ = stage.process(&mut doc, &mut stats);
            check_cache(&doc, stage.name());
        }
    }
    let mut doc = Document::new("fuzz", text);
    for stage in &f.fineweb {
        let before = doc.text().to_owned();
        let verdict = stage.process(&mut doc, &mut stats);
        check_cache(&doc, stage.name());
        if stage.name() == "c4_quality" && verdict.is_keep() {
            check_c4_lines(&before, doc.text(), &f.citation);
        }
        if !verdict.is_keep() {
            break;
        }
    }
});
