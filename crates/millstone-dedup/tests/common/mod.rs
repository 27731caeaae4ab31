//! What the dedup integration tests share.

use std::path::Path;

use millstone_core::{CorpusPass, Document, Value};
use rayon::prelude::*;

/// Feed `docs` to `pass` from a pool of `threads` threads, as the executor does, then finish it.
pub fn observe_all(pass: &dyn CorpusPass, docs: &[Document], threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| docs.par_iter().for_each(|d| pass.observe(d)));
    pass.finish();
}

/// Real pages from the bundled sample, with near-duplicates (1 word in `every` changed), exact
/// copies, one page under many near-identical variants (a big bucket with several anchors) and
/// short texts (no signature).
// Not every test file that includes this module uses it.
#[allow(dead_code)]
pub fn corpus() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/webpages.jsonl.zst");
    let bytes = zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap();
    let pages: Vec<String> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .filter(|t| t.split_whitespace().count() > 100)
        .take(150)
        .collect();
    assert!(pages.len() >= 100, "sample too small: {}", pages.len());
    let edit = |text: &str, every: usize, word: &str| {
        text.split(' ')
            .enumerate()
            .map(|(i, w)| if i % every == every - 1 { word } else { w })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut docs: Vec<(String, String)> = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        // Some ids not ASCII, of different lengths (read back from the spilled id file).
        let id = if i % 4 == 0 {
            format!("página-{i}-ü{}", "x".repeat(i % 9))
        } else {
            format!("page-{i}")
        };
        docs.push((id, p.clone()));
        match i % 5 {
            0 => docs.push((format!("near-{i}"), edit(p, 60, "changed"))),
            1 => docs.push((format!("far-{i}"), edit(p, 12, "altered"))),
            2 => docs.push((format!("copy-{i}"), p.clone())),
            _ => {}
        }
    }
    for v in 0..12 {
        docs.push((format!("variant-{v}"), edit(&pages[7], 8 + v, "x")));
    }
    for s in 0..5 {
        docs.push((format!("short-{s}"), "too short".into()));
    }
    docs
}
