//! Debug helper: read JSON strings (one per line) on stdin, print datatrove's words and the
//! sentence count for each as a JSON line. Compare with spaCy when a parity test fails:
//!
//! ```sh
//! echo '"Don'"'"'t stop."' | cargo run -p millstone-text --example spacy_words
//! ```
use std::io::{BufRead, Write};

use millstone_text::EnglishTokenizer;

fn main() {
    let tok = EnglishTokenizer::global();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let Ok(text) = serde_json::from_str::<String>(&line) else {
            eprintln!("not a JSON string: {line}");
            continue;
        };
        let words = tok.words(&text);
        let v = serde_json::json!({"words": words, "n_sentences": tok.count_sentences(&text)});
        let _ = writeln!(out, "{v}");
    }
}
