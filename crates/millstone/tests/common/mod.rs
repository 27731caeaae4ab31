//! Helpers shared by the binary's integration tests: reading a run's outputs back.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

/// `DIR/stats.json`, parsed.
pub fn stats(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("stats.json")).unwrap()).unwrap()
}

/// Every line of every part file in `dir/sub`, decompressed, in part order.
pub fn records(dir: &Path, sub: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
        return out;
    };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        let bytes = std::fs::read(&p).unwrap();
        let text = if p.extension().is_some_and(|e| e == "zst") {
            zstd::decode_all(&bytes[..]).unwrap()
        } else {
            bytes
        };
        for line in text.lines() {
            out.push(serde_json::from_str(&line.unwrap()).unwrap());
        }
    }
    out
}
