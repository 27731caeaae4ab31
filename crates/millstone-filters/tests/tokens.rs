//! The `tokens` stage against `tiktoken-rs` itself (`encode_ordinary(text).len()`), every
//! encoding, on real text: the 1,497 pages of `../shared/data/webpages-dev.jsonl.zst`, the
//! Universal Declaration of Human Rights in ~390 languages (`../shared/data/udhr2/*.txt`), and
//! prefixes of every page cut at arbitrary character boundaries (end-of-text cases). Missing
//! shared data fails the tests (it is always beside the checkout in CI). GPT-2 counts are also compared with the
//! counts Python `tiktoken` gave on the same texts (`fixtures/tokens/`, recorded by
//! `tools/tokens-parity/regenerate.sh`); that test needs the shared data.
#![cfg(feature = "tokens")]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use millstone_filters::tokens::{Encoding, Tokenizer};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}

/// `(name, text)` of every page and UDHR translation found.
fn corpus() -> Vec<(String, String)> {
    let mut texts = Vec::new();
    match std::fs::File::open(data("webpages-dev.jsonl.zst")) {
        Ok(file) => {
            let reader = BufReader::new(zstd::Decoder::new(file).unwrap());
            // Lines are split on "\n" only: texts hold U+2028.
            for (i, line) in reader.split(b'\n').enumerate() {
                let line = line.unwrap();
                if line.is_empty() {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
                let text = v["text"].as_str().unwrap().to_owned();
                texts.push((format!("webpages-dev line {}", i + 1), text));
            }
        }
        Err(e) => panic!(
            "tokens test needs ../shared/data/webpages-dev.jsonl.zst beside the checkout: {e}"
        ),
    }
    match std::fs::read_dir(data("udhr2")) {
        Ok(dir) => {
            let mut paths: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
            paths.sort();
            for path in paths {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push((path.display().to_string(), text));
                }
            }
        }
        Err(e) => panic!("tokens test needs ../shared/data/udhr2 beside the checkout: {e}"),
    }
    texts
}

fn reference(encoding: Encoding) -> tiktoken_rs::CoreBPE {
    match encoding {
        Encoding::O200kBase => tiktoken_rs::o200k_base(),
        Encoding::Cl100kBase => tiktoken_rs::cl100k_base(),
        Encoding::Gpt2 => tiktoken_rs::r50k_base(),
    }
    .unwrap()
}

const ENCODINGS: [Encoding; 3] = [Encoding::O200kBase, Encoding::Cl100kBase, Encoding::Gpt2];

/// GPT-2 counts equal Python tiktoken's on every recorded text: the 1,497 pages, 388 UDHR
/// translations and the edge cases.
#[test]
fn gpt2_counts_equal_python_tiktoken() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tokens/tiktoken-gpt2.jsonl.zst");
    let bytes = zstd::decode_all(std::fs::File::open(&fixture).unwrap()).unwrap();
    let texts: std::collections::HashMap<String, String> = corpus().into_iter().collect();
    let gpt2 = Tokenizer::get(Encoding::Gpt2).unwrap();
    let (mut checked, mut tokens, mut mismatches) = (0, 0, Vec::new());
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let rec: serde_json::Value = serde_json::from_slice(line).unwrap();
        let source = rec["source"].as_str().unwrap();
        let want = rec["gpt2"].as_u64().unwrap() as usize;
        let text = match rec["text"].as_str() {
            Some(t) => t.to_owned(),
            None => {
                // The test reads udhr2 texts by path; the fixture names them relative to data/.
                let key = match source.strip_prefix("udhr2/") {
                    Some(file) => data("udhr2").join(file).display().to_string(),
                    None => source.to_owned(),
                };
                texts
                    .get(&key)
                    .unwrap_or_else(|| panic!("{source}: not in ../shared/data"))
                    .clone()
            }
        };
        assert_eq!(
            text.chars().count() as u64,
            rec["chars"].as_u64().unwrap(),
            "{source}: not the recorded text"
        );
        let got = gpt2.count(&text);
        if got != want {
            mismatches.push(format!("{source}: {got} != tiktoken's {want}"));
        }
        checked += 1;
        tokens += want;
    }
    eprintln!(
        "gpt2: {checked} texts, {tokens} tokens, {} mismatches",
        mismatches.len()
    );
    assert!(checked >= 1_497 + 388, "only {checked} texts checked");
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn counts_equal_tiktoken_on_real_text() {
    let texts = corpus();
    let chars: usize = texts.iter().map(|(_, t)| t.chars().count()).sum();
    for encoding in ENCODINGS {
        let ours = Tokenizer::get(encoding).unwrap();
        let theirs = reference(encoding);
        let mut mismatches = Vec::new();
        let mut total = 0;
        for (name, text) in &texts {
            let (a, b) = (ours.count(text), theirs.encode_ordinary(text).len());
            total += b;
            if a != b {
                mismatches.push(format!("{name}: {a} != {b}"));
            }
        }
        eprintln!(
            "{}: {} texts, {chars} characters, {total} tokens, {} mismatches",
            encoding.name(),
            texts.len(),
            mismatches.len()
        );
        assert!(mismatches.is_empty(), "{mismatches:#?}");
    }
}

#[test]
fn counts_equal_tiktoken_on_cut_texts() {
    let texts = corpus();
    let mut state = 0x1234_5678_9abc_def1_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut cuts = Vec::new();
    for (name, text) in &texts {
        // Three cuts per text, each a window of up to 400 bytes ending at a random boundary.
        for _ in 0..3 {
            let mut end = (next() as usize) % (text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let mut start = end.saturating_sub((next() as usize) % 400);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            cuts.push((name, &text[start..end]));
        }
    }
    for encoding in ENCODINGS {
        let ours = Tokenizer::get(encoding).unwrap();
        let theirs = reference(encoding);
        for (name, cut) in &cuts {
            assert_eq!(
                ours.count(cut),
                theirs.encode_ordinary(cut).len(),
                "{encoding:?}, cut of {name}: {cut:?}"
            );
        }
    }
}
