//! Helpers shared by the binary's integration tests: running it and reading a run's outputs
//! back.
#![allow(dead_code)] // each test file uses its own subset

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Run the `millstone` binary with `args` and collect its output.
pub fn millstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_millstone"))
        .args(args)
        .output()
        .unwrap()
}

/// The run succeeded; otherwise fail with its exit status and stderr.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "millstone failed (exit {:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

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
