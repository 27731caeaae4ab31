//! Parity with datatrove 0.10.1, on two recorded sets:
//! - `tests/fixtures/parity/`: 3,774 real documents (crawled pages, their main content, DCLM
//!   documents), made by `tools/parity/regenerate.sh`;
//! - `tests/fixtures/edge-cases/`: 630 documents with what crawl text rarely holds — CRLF and
//!   Unicode line breaks, ragged whitespace, citations, brackets, bullets, repeats, and the UDHR
//!   in many scripts — made by `tools/parity/build_edge_cases.py` + `record.py`.
//!
//! Each `datatrove-0.10.1.jsonl.zst` holds, per document of `input.jsonl.zst`, what datatrove's
//! own filters decided: each filter alone on the original text, and the FineWeb cascade. These tests run our stages on the same
//! texts and require the same keep/drop, the same reason and the same rewritten text for every
//! document. Known, explained differences would be listed in `KNOWN_DIFFERENCES` by document id.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;

use millstone_core::{Document, Stage, StageStats, Verdict};
use millstone_filters::build_stage;
use rayon::prelude::*;
use serde_json::Value;

/// Documents whose decision differs from datatrove's for a reason we accept, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// The recorded sets, and the least number of documents each must hold.
const SETS: &[(&str, usize)] = &[("parity", 2000), ("edge-cases", 600)];

fn read_jsonl_zst(set: &str, name: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(set)
        .join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = std::io::BufReader::new(zstd::Decoder::new(file).unwrap());
    reader
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

struct Case {
    id: String,
    text: String,
    expected: Value,
}

fn cases(set: &str, min_docs: usize) -> Vec<Case> {
    let inputs: HashMap<String, String> = read_jsonl_zst(set, "input.jsonl.zst")
        .into_iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_owned(),
                v["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let records = read_jsonl_zst(set, "datatrove-0.10.1.jsonl.zst");
    assert!(
        records.len() >= min_docs,
        "{set}: fixture has only {} documents",
        records.len()
    );
    records
        .into_iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap().to_owned();
            let text = inputs
                .get(&id)
                .unwrap_or_else(|| panic!("{id} missing from input"))
                .clone();
            Case {
                id,
                text,
                expected: r,
            }
        })
        .collect()
}

fn stage(ty: &str, options: &str) -> Box<dyn Stage> {
    build_stage(ty, &toml::from_str(options).unwrap()).unwrap()
}

/// What one stage did: keep?, reason, text after it.
fn apply(stage: &dyn Stage, doc: &mut Document) -> (bool, Option<String>) {
    match stage.process(doc, &mut StageStats::default()) {
        Verdict::Keep => (true, None),
        Verdict::Drop(d) => (false, Some(d.reason.into_owned())),
    }
}

/// Compare one expected record `{keep, reason, text?}` with what we did; `None` if equal.
fn compare(expected: &Value, keep: bool, reason: &Option<String>, text: &str) -> Option<String> {
    if let Some(err) = expected.get("error") {
        return Some(format!(
            "datatrove raised {err}; we returned keep={keep} reason={reason:?}"
        ));
    }
    let exp_keep = expected["keep"].as_bool().unwrap();
    let exp_reason = expected["reason"].as_str().map(str::to_owned);
    if exp_keep != keep || (!keep && exp_reason != *reason) {
        return Some(format!(
            "expected keep={exp_keep} reason={exp_reason:?}, got keep={keep} reason={reason:?}"
        ));
    }
    if let Some(exp_text) = expected.get("text").and_then(Value::as_str) {
        if keep && exp_text != text {
            let at = exp_text
                .chars()
                .zip(text.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let ctx = |s: &str| {
                s.chars()
                    .skip(at.saturating_sub(30))
                    .take(80)
                    .collect::<String>()
            };
            return Some(format!(
                "text differs at char {at}: expected {:?} got {:?}",
                ctx(exp_text),
                ctx(text)
            ));
        }
    }
    None
}

fn check(label: &str, mismatches: Vec<(String, String)>, total: usize) {
    let known: HashMap<_, _> = KNOWN_DIFFERENCES.iter().copied().collect();
    let unexpected: Vec<_> = mismatches
        .iter()
        .filter(|(id, _)| !known.contains_key(id.as_str()))
        .collect();
    if !unexpected.is_empty() {
        for (id, msg) in unexpected.iter().take(15) {
            eprintln!("[{label}] {id}: {msg}");
        }
        panic!(
            "[{label}] {} of {total} documents differ from datatrove",
            unexpected.len()
        );
    }
}

fn independent(label: &str, key: &str, ty: &str, options: &str) {
    for &(set, min_docs) in SETS {
        independent_on(set, min_docs, label, key, ty, options);
    }
}

fn independent_on(set: &str, min_docs: usize, label: &str, key: &str, ty: &str, options: &str) {
    let label = format!("{set}: {label}");
    let label = label.as_str();
    let stage = stage(ty, options);
    let cases = cases(set, min_docs);
    let mismatches: Vec<(String, String)> = cases
        .par_iter()
        .filter_map(|c| {
            let mut doc = Document::new(c.id.clone(), c.text.clone());
            let (keep, reason) = apply(stage.as_ref(), &mut doc);
            compare(&c.expected["independent"][key], keep, &reason, doc.text())
                .map(|m| (c.id.clone(), m))
        })
        .collect();
    check(label, mismatches, cases.len());
}

#[test]
fn gopher_repetition_matches_datatrove() {
    independent(
        "gopher_repetition",
        "gopher_repetition",
        "gopher_repetition",
        "",
    );
}

#[test]
fn gopher_quality_matches_datatrove() {
    independent("gopher_quality", "gopher_quality", "gopher_quality", "");
}

#[test]
fn c4_quality_matches_datatrove() {
    independent("c4_quality", "c4_quality", "c4_quality", "");
}

#[test]
fn c4_quality_fineweb_setting_matches_datatrove() {
    independent(
        "c4_quality(fineweb)",
        "c4_quality_fineweb",
        "c4_quality",
        "filter_no_terminal_punct = false",
    );
}

#[test]
fn fineweb_quality_matches_datatrove() {
    independent("fineweb_quality", "fineweb_quality", "fineweb_quality", "");
}

#[test]
fn fineweb_cascade_matches_datatrove() {
    for &(set, min_docs) in SETS {
        fineweb_cascade_on(set, min_docs);
    }
}

fn fineweb_cascade_on(set: &str, min_docs: usize) {
    let stages = [
        stage("gopher_repetition", ""),
        stage("gopher_quality", ""),
        stage("c4_quality", "filter_no_terminal_punct = false"),
        stage("fineweb_quality", ""),
    ];
    let cases = cases(set, min_docs);
    let mismatches: Vec<(String, String)> = cases
        .par_iter()
        .filter_map(|c| {
            let mut doc = Document::new(c.id.clone(), c.text.clone());
            let mut outcome = (true, None, None);
            for s in &stages {
                let (keep, reason) = apply(s.as_ref(), &mut doc);
                if !keep {
                    outcome = (false, Some(s.name().to_owned()), reason);
                    break;
                }
            }
            let exp = &c.expected["fineweb"];
            if let Some(m) = compare(exp, outcome.0, &outcome.2, doc.text()) {
                return Some((c.id.clone(), m));
            }
            let exp_stage = exp["stage"].as_str().map(str::to_owned);
            (!outcome.0 && exp_stage != outcome.1).then(|| {
                (
                    c.id.clone(),
                    format!("expected stage {exp_stage:?}, got {:?}", outcome.1),
                )
            })
        })
        .collect();
    check(&format!("{set}: fineweb"), mismatches, cases.len());
}
