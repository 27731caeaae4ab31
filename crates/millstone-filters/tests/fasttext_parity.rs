//! millstone's fastText inference against Python fastText 0.9.2 (`fasttext-numpy2-wheel`).
//!
//! Fixtures in `tests/fixtures/fasttext/`, recorded by `tools/fasttext-parity/regenerate.sh`:
//! texts with what `model.predict(text.replace("\n", " "), k=-1)` returned — with the embedded
//! lid.176.ftz, and with three tiny models trained there (dense softmax with word bigrams, its
//! pruned and quantized `.ftz`, dense one-vs-all without character n-grams). Each record keeps the
//! number of labels returned (`n`) and every label at or above `keep_above` (1e-3) with its
//! probability. Required: the same best label (or, for a tie, one Python scored within 1e-4 of
//! its best), the same labels above 1e-3, every probability within 1e-4, and the same count of
//! labels returned (hierarchical softmax prunes branches below 1e-5).

use std::io::Read;
use std::path::PathBuf;

use millstone_filters::language::fasttext::FastText;
use serde_json::Value;

const TOLERANCE: f64 = 1e-4;
const KEEP_ABOVE: f64 = 1e-3;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fasttext")
        .join(name)
}

fn records(name: &str) -> Vec<Value> {
    let mut text = String::new();
    zstd::Decoder::new(std::fs::File::open(fixture(name)).unwrap())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Compare one prediction with the recorded one: the largest probability difference, or a
/// description of the first disagreement.
fn compare(model: &FastText, text: &str, want: &Value) -> Result<f64, String> {
    let got = model.predict(text);
    let want_n = want["n"].as_u64().unwrap() as usize;
    let want_labels: Vec<&str> = want["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let want_probs: Vec<f64> = want["probs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let label = |i: u32| {
        let l = &model.labels()[i as usize];
        l.strip_prefix("__label__").unwrap_or(l).to_owned()
    };
    if got.len() != want_n {
        return Err(format!("{} labels returned, Python {want_n}", got.len()));
    }
    // (No recorded label: nothing at or above 1e-3, e.g. one-vs-all unsure of every label; the
    // last loop checks that.)
    if !want_labels.is_empty() {
        best_label_agrees(&label(got[0].label), got[0].prob, &want_labels, &want_probs)?;
    }
    // Every recorded label: ours has it with a probability within the tolerance.
    let mut max_diff = 0.0f64;
    for (l, p) in want_labels.iter().zip(&want_probs) {
        let Some(g) = got.iter().find(|g| label(g.label) == *l) else {
            return Err(format!("label {l} ({p}) missing"));
        };
        max_diff = max_diff.max((g.prob as f64 - p).abs());
        if (g.prob as f64 - p).abs() > TOLERANCE {
            return Err(format!("label {l}: {} vs Python {p}", g.prob));
        }
    }
    // Nothing of ours above the recording threshold (with margin) that Python did not list.
    for g in &got {
        if g.prob as f64 >= KEEP_ABOVE + TOLERANCE
            && !want_labels.contains(&label(g.label).as_str())
        {
            return Err(format!("extra label {} ({})", label(g.label), g.prob));
        }
    }
    Ok(max_diff)
}

/// The best label is Python's, or (a tie) one Python scored within the tolerance of its best.
fn best_label_agrees(
    ours: &str,
    prob: f32,
    want_labels: &[&str],
    want_probs: &[f64],
) -> Result<(), String> {
    let ours_in_python = want_labels
        .iter()
        .position(|l| *l == ours)
        .map(|i| want_probs[i]);
    if ours != want_labels[0] && !ours_in_python.is_some_and(|p| p >= want_probs[0] - TOLERANCE) {
        return Err(format!(
            "best label {ours} ({prob}), Python {} ({})",
            want_labels[0], want_probs[0]
        ));
    }
    Ok(())
}

fn check_all(model: &FastText, rows: &[Value], key: Option<&str>) {
    let mut failures = Vec::new();
    let mut max_diff = 0.0f64;
    for row in rows {
        let text = row["text"].as_str().unwrap();
        let want = match key {
            Some(k) => &row[k],
            None => row,
        };
        match compare(model, text, want) {
            Ok(d) => max_diff = max_diff.max(d),
            Err(e) => failures.push(format!(
                "{}{e}: {:?}",
                key.map(|k| format!("{k}: ")).unwrap_or_default(),
                text.chars().take(60).collect::<String>()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    eprintln!(
        "{}: {} texts agree, largest probability difference {max_diff:.2e}",
        key.unwrap_or("lid.176.ftz"),
        rows.len()
    );
}

#[test]
fn embedded_lid176_matches_python_fasttext() {
    let model = millstone_filters::language::embedded_model().unwrap();
    let rows = records("lid176.jsonl.zst");
    assert!(rows.len() > 300);
    check_all(&model, &rows, None);
}

#[test]
fn tiny_models_match_python_fasttext() {
    let rows = records("tiny.jsonl.zst");
    for name in ["tiny-softmax.bin", "tiny-softmax.ftz", "tiny-ova.bin"] {
        let model = FastText::load(&fixture(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.labels().len(), 6, "{name}");
        check_all(&model, &rows, Some(name));
    }
}
