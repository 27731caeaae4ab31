//! Parity with datatrove 0.10.1 (Python 3.11, spaCy 3.8.18, numpy 2) on real documents and on
//! every code point.
//!
//! Fixtures (`tests/fixtures/`, written by `tools/parity/record_minhash.py`):
//! - `minhash_datatrove.jsonl.zst`: per document, datatrove's `simplify_text` (hash), spaCy word
//!   count, shingle count, whether it is signed, the 14 band hashes of its default-config signature,
//!   and for some documents the full 112 values and the band hashes under a second config. The
//!   real documents' texts are the quality-parity input
//!   (`crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst`); the edge cases carry theirs.
//! - `simplify_codepoints.json`: `simplify_text` of 8 contexts around every code point, hashed per
//!   block of 1024 code points.
//!
//! Every document and every block must match exactly.

use std::collections::HashMap;
use std::io::Read;

use millstone_dedup::minhash::{band_hashes, MinHashParams, ShingleKind, SignScratch, Signer};
use millstone_dedup::normalize::simplify_text;
use millstone_text::EnglishTokenizer;
use serde_json::Value;
use xxhash_rust::xxh64::xxh64;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const INPUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../millstone-filters/tests/fixtures/parity/input.jsonl.zst"
);

fn zst_lines(path: &str) -> Vec<String> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    let mut text = String::new();
    zstd::Decoder::new(f)
        .expect("zstd")
        .read_to_string(&mut text)
        .expect("read");
    // "\n" only: some texts contain U+2028.
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn hex(v: u64) -> String {
    format!("{v:016x}")
}

fn hex_list(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

#[test]
fn signatures_and_simplified_text_match_datatrove() {
    let mut inputs: HashMap<String, String> = HashMap::new();
    for line in zst_lines(INPUT) {
        let rec: Value = serde_json::from_str(&line).expect("input JSON");
        if let (Some(id), Some(text)) = (rec["id"].as_str(), rec["text"].as_str()) {
            inputs.insert(id.to_string(), text.to_string());
        }
    }
    let lines = zst_lines(&format!("{FIXTURES}/minhash_datatrove.jsonl.zst"));
    let meta: Value = serde_json::from_str(&lines[0]).expect("meta line");
    let counts = &meta["meta"]["counts"];

    let default = Signer::new(&MinHashParams::default());
    let alt_cfg = &meta["meta"]["alt_config"];
    let field = |k: &str| alt_cfg[k].as_u64().expect("alt config") as usize;
    let alt = Signer::new(&MinHashParams {
        shingle: ShingleKind::Word,
        n_grams: field("n_grams"),
        bands: field("num_buckets"),
        rows: field("hashes_per_bucket"),
        seed: field("seed") as u64,
    });
    let tok = EnglishTokenizer::global();
    let (mut scratch, mut sig, mut bands, mut shingles) =
        (SignScratch::default(), Vec::new(), Vec::new(), Vec::new());
    let (mut simplified, mut words) = (String::new(), Vec::new());
    let mut bad: Vec<String> = Vec::new();
    let (mut docs, mut real, mut edge, mut signed, mut full, mut alts, mut bytes) =
        (0, 0, 0, 0, 0, 0, 0);

    for line in &lines[1..] {
        let rec: Value = serde_json::from_str(line).expect("fixture JSON");
        let id = rec["id"].as_str().expect("id").to_string();
        let text = match rec["text"].as_str() {
            Some(t) => {
                edge += 1;
                t.to_string()
            }
            None => {
                real += 1;
                inputs
                    .get(&id)
                    .unwrap_or_else(|| panic!("{id}: not in the parity input"))
                    .clone()
            }
        };
        docs += 1;
        bytes += text.len();
        let mut check = |what: &str, ok: bool| {
            if !ok {
                bad.push(format!("{id}: {what}"));
            }
        };
        check(
            "input text changed since recording",
            rec["text_xxh64"].as_str() == Some(&hex(xxh64(text.as_bytes(), 0))),
        );
        simplify_text(&text, &mut simplified);
        check(
            "simplify_text",
            rec["simplified_xxh64"].as_str() == Some(&hex(xxh64(simplified.as_bytes(), 0))),
        );
        if let Some(want) = rec["simplified"].as_str() {
            check(
                &format!("simplify_text {simplified:?} != {want:?}"),
                simplified == want,
            );
        }
        words.clear();
        tok.words_into(&simplified, &mut words);
        check(
            "word count",
            rec["n_words"].as_u64() == Some(words.len() as u64),
        );
        default.shingles(&text, &mut scratch, &mut shingles);
        check(
            "shingle count",
            rec["n_shingles"].as_u64() == Some(shingles.len() as u64),
        );

        let is_signed = default.signature(&text, &mut scratch, &mut sig);
        check("signed", rec["signed"].as_bool() == Some(is_signed));
        if is_signed {
            signed += 1;
            band_hashes(&sig, 8, &mut bands);
            let got: Vec<String> = bands.iter().map(|&v| hex(v)).collect();
            check("band hashes", hex_list(&rec["bands"]) == Some(got));
        }
        if let Some(want) = hex_list(&rec["sig"]) {
            full += 1;
            let got: Vec<String> = sig.iter().map(|&v| hex(v)).collect();
            check("full signature", want == got);
        }
        if let Some(want_signed) = rec["alt_signed"].as_bool() {
            alts += 1;
            let s = alt.signature(&text, &mut scratch, &mut sig);
            check("alt signed", s == want_signed);
            if s {
                band_hashes(&sig, alt.params().rows, &mut bands);
                let got: Vec<String> = bands.iter().map(|&v| hex(v)).collect();
                check("alt band hashes", hex_list(&rec["alt_bands"]) == Some(got));
            }
        }
    }
    println!(
        "minhash parity: {docs} documents ({real} real, {edge} edge cases, {:.1} MB), {signed} signed \
         (14 band hashes each), {full} full 112-value signatures, {alts} under the alt config; \
         {} mismatches",
        bytes as f64 / 1e6,
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} mismatches, first: {:#?}",
        bad.len(),
        &bad[..bad.len().min(20)]
    );
    assert_eq!(Some(real), counts["real"].as_u64());
    assert_eq!(Some(edge), counts["edge"].as_u64());
    assert_eq!(Some(signed), counts["signed"].as_u64());
    assert_eq!(Some(full), counts["full_sigs"].as_u64());
    assert_eq!(Some(alts), counts["alt"].as_u64());
}

#[test]
fn simplify_text_matches_datatrove_on_every_code_point() {
    let json = std::fs::read_to_string(format!("{FIXTURES}/simplify_codepoints.json"))
        .expect("simplify_codepoints.json");
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    let block = doc["block"].as_u64().expect("block") as u32;
    let hashes = hex_list(&doc["hashes"]).expect("hashes");
    assert_eq!(hashes.len() as u32, 0x110000 / block);
    let contexts = |c: char| {
        [
            format!("{c}"),
            format!("a{c}Σ"),
            format!("AΣ{c}"),
            format!("{c}Σ b"),
            format!("1{c}2"),
            format!("x{c}\u{316}{c}\u{301}y"),
            format!(" {c}\u{301} z"),
            format!("Ĉ{c}"),
        ]
    };
    let mut out = String::new();
    let mut buf = String::new();
    let mut bad = Vec::new();
    for (k, want) in hashes.iter().enumerate() {
        buf.clear();
        let start = k as u32 * block;
        let mut first = true;
        for c in (start..start + block).filter_map(char::from_u32) {
            if !first {
                buf.push('\x01');
            }
            first = false;
            for (i, t) in contexts(c).iter().enumerate() {
                if i > 0 {
                    buf.push('\x00');
                }
                simplify_text(t, &mut out);
                buf.push_str(&out);
            }
        }
        if hex(xxh64(buf.as_bytes(), 0)) != *want {
            bad.push(format!("U+{start:04X}..U+{:04X}", start + block - 1));
        }
    }
    println!(
        "simplify_text parity: {} blocks of {block} code points, {} mismatches",
        hashes.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "blocks differing from datatrove: {bad:?}");
}
