//! Throughput of the spaCy-compatible tokenizer on real web text, one core.
//!
//! ```sh
//! cargo bench -p millstone-text --bench tokenize
//! ```
//!
//! Reads `webpages-dev.jsonl.zst` (`text` and `main_content`) from `../shared/data` beside the
//! checkout (or `MILLSTONE_SHARED_DATA`) and reports MB/s (10^6 bytes of UTF-8 input per second)
//! for `words_into` and `count_sentences`. No criterion: a plain timer keeps the build light.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use millstone_text::EnglishTokenizer;

fn data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MILLSTONE_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    dir.join("webpages-dev.jsonl.zst").is_file().then_some(dir)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: stay quick there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("tokenize bench: run it with `cargo bench -p millstone-text --bench tokenize`");
        return;
    }
    let Some(dir) = data_dir() else {
        eprintln!("../shared/data not found; set MILLSTONE_SHARED_DATA");
        return;
    };
    let f = std::fs::File::open(dir.join("webpages-dev.jsonl.zst")).expect("open");
    let reader = BufReader::new(zstd::Decoder::new(f).expect("zstd"));
    let mut texts = Vec::new();
    for line in reader.lines() {
        let rec: serde_json::Value = serde_json::from_str(&line.expect("read")).expect("json");
        for field in ["text", "main_content"] {
            if let Some(t) = rec.get(field).and_then(|v| v.as_str()) {
                texts.push(t.to_string());
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let tok = EnglishTokenizer::global();

    let mut spans = Vec::new();
    let mut best_words = f64::MAX;
    let mut n_words = 0;
    for _ in 0..5 {
        let t0 = Instant::now();
        n_words = 0;
        for t in &texts {
            spans.clear();
            tok.words_into(t, &mut spans);
            n_words += spans.len();
        }
        best_words = best_words.min(t0.elapsed().as_secs_f64());
    }
    let mut best_sents = f64::MAX;
    let mut n_sents = 0;
    for _ in 0..3 {
        let t0 = Instant::now();
        n_sents = texts.iter().map(|t| tok.count_sentences(t)).sum::<usize>();
        best_sents = best_sents.min(t0.elapsed().as_secs_f64());
    }
    let mb = bytes as f64 / 1e6;
    println!(
        "{} documents, {mb:.1} MB, {n_words} words, {n_sents} sentence pieces",
        texts.len()
    );
    println!(
        "words_into:      {:7.1} MB/s  ({:.0} k words/s)",
        mb / best_words,
        n_words as f64 / best_words / 1e3
    );
    println!("count_sentences: {:7.1} MB/s", mb / best_sents);
}
