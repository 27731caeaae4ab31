//! What the benches share: the default corpus and reading it.

use std::io::{BufRead, BufReader};

use millstone_core::Document;

/// `../shared/data/webpages-dev.jsonl.zst`: 1,497 real crawled pages.
pub fn default_pages() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/webpages-dev.jsonl.zst"
    )
    .into()
}

/// The documents (`id`, `text`) of a JSONL .zst file, or `None` (with a note on stderr naming
/// `bench`) when it is missing, so a checkout without the shared data skips the bench.
pub fn load_pages(bench: &str, path: &str) -> Option<Vec<Document>> {
    let Ok(file) = std::fs::File::open(path) else {
        eprintln!("{bench} bench: {path} not found, skipping");
        return None;
    };
    let reader = BufReader::new(zstd::Decoder::new(file).expect("zstd input"));
    // Split on "\n" only: texts hold U+2028.
    Some(
        reader
            .split(b'\n')
            .map(|l| l.expect("read"))
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_slice(&l).expect("json");
                Document::new(
                    v["id"].as_str().unwrap_or(""),
                    v["text"].as_str().unwrap_or(""),
                )
            })
            .collect(),
    )
}
