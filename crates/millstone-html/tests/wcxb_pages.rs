//! Real pages: 20 pages of the held-out split of `../shared/data/wcxb-dev` (never trained on),
//! extracted and scored with WCXB's word F1 (lowercased word tokens, multiset overlap). The
//! full measurement is `examples/extract_dir` + `bench/extract/score.py` (bench/README.md); this
//! guards against a regression that would break extraction on real HTML.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use millstone_html::{extract, Options};

/// Every other page of the first 40 of the held-out split (sha1("dev-" + id) % 5 == 0).
const PAGES: &[&str] = &[
    "0003", "0006", "0012", "0016", "0020", "0024", "0033", "0052", "0055", "0063", "0073", "0098",
    "0107", "0115", "0128", "0136", "0147", "0163", "0183", "0192",
];

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/wcxb-dev")
}

fn tokens(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for w in text
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
    {
        *out.entry(w.to_owned()).or_default() += 1;
    }
    out
}

fn f1(predicted: &str, reference: &str) -> f64 {
    let (p, r) = (tokens(predicted), tokens(reference));
    let (np, nr): (usize, usize) = (p.values().sum(), r.values().sum());
    if nr == 0 {
        return if np == 0 { 1.0 } else { 0.0 };
    }
    let overlap: usize = p
        .iter()
        .map(|(w, n)| (*n).min(r.get(w).copied().unwrap_or(0)))
        .sum();
    if overlap == 0 {
        return 0.0;
    }
    let (precision, recall) = (overlap as f64 / np as f64, overlap as f64 / nr as f64);
    2.0 * precision * recall / (precision + recall)
}

#[test]
fn held_out_pages_score_like_the_bench() {
    let dir = data();
    let mut total = 0.0;
    for id in PAGES {
        let gz =
            std::fs::read(dir.join("html").join(format!("{id}.html.gz"))).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (the shared data must be beside the repository)",
                    dir.display()
                )
            });
        let mut html = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut html)
            .unwrap();
        let html = String::from_utf8_lossy(&html);
        let truth: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("ground-truth").join(format!("{id}.json"))).unwrap(),
        )
        .unwrap();
        let reference = truth["ground_truth"]["main_content"].as_str().unwrap_or("");
        let got = extract(&html, &Options::default());
        assert!(!got.title.is_empty(), "{id}: no title");
        total += f1(&got.text, reference);
    }
    let mean = total / PAGES.len() as f64;
    // 0.87 when measured (bench/README.md); a drop below 0.80 is a regression.
    assert!(
        mean > 0.80,
        "mean word F1 {mean:.3} on {} held-out pages",
        PAGES.len()
    );
}
