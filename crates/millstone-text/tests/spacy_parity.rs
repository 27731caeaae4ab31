//! Parity with datatrove + spaCy on real documents.
//!
//! The fixture (`tests/fixtures/spacy_en_words.jsonl.zst`, made by
//! `tools/spacy-rules/make_token_fixture.py`) holds, per document, what datatrove's
//! `split_into_words(text, "eng")` and `split_into_sentences(text, "eng")` returned under spaCy
//! 3.8. The texts themselves are read from `../shared/data` beside the checkout (override with
//! `MILLSTONE_SHARED_DATA`). Every document must match exactly: word list and sentence pieces.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use millstone_text::EnglishTokenizer;
use serde_json::Value;
use xxhash_rust::xxh64::xxh64;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/spacy_en_words.jsonl.zst"
);

/// `../shared/data` beside the checkout (or `MILLSTONE_SHARED_DATA`); the tests fail without it
/// rather than pass having checked nothing.
fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("MILLSTONE_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("webpages-dev.jsonl.zst").is_file(),
        "{}/webpages-dev.jsonl.zst not found: the spaCy parity tests need ../shared/data beside \
         the checkout, or MILLSTONE_SHARED_DATA set to it",
        dir.display()
    );
    dir
}

/// The documents, enumerated exactly as the fixture script does.
fn load_texts(dir: &Path) -> HashMap<String, String> {
    let mut texts = HashMap::new();
    let f = std::fs::File::open(dir.join("webpages-dev.jsonl.zst")).expect("open webpages-dev");
    let reader = BufReader::new(zstd::Decoder::new(f).expect("zstd"));
    for line in reader.lines() {
        let line = line.expect("read webpages-dev");
        let rec: Value = serde_json::from_str(&line).expect("webpages-dev JSON");
        for field in ["text", "main_content"] {
            if let Some(t) = rec.get(field).and_then(Value::as_str) {
                let id = rec["id"]
                    .as_str()
                    .map_or_else(|| rec["id"].to_string(), str::to_string);
                texts.insert(format!("webpages:{id}:{field}"), t.to_string());
            }
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("dclm-quality"))
        .expect("dclm-quality")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let content = std::fs::read_to_string(&path).expect("read dclm");
        for (n, line) in content.lines().enumerate() {
            let rec: Value = serde_json::from_str(line).expect("dclm JSON");
            if let Some(t) = rec.get("text").and_then(Value::as_str) {
                texts.insert(format!("dclm:{stem}:{}", n + 1), t.to_string());
            }
        }
    }
    texts
}

fn hash_joined<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut buf = String::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            buf.push('\x1f');
        }
        buf.push_str(p);
    }
    format!("{:016x}", xxh64(buf.as_bytes(), 0))
}

fn excerpt(text: &str, at: usize) -> String {
    let mut lo = at.saturating_sub(60);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = (at + 60).min(text.len());
    while !text.is_char_boundary(hi) {
        hi += 1;
    }
    format!("{:?}", &text[lo..hi])
}

#[test]
fn words_and_sentences_match_datatrove() {
    let dir = data_dir();
    let texts = load_texts(&dir);
    let mut raw = Vec::new();
    zstd::Decoder::new(std::fs::File::open(FIXTURE).expect("fixture"))
        .expect("zstd")
        .read_to_end(&mut raw)
        .expect("read fixture");
    let raw = String::from_utf8(raw).expect("fixture is UTF-8");
    let mut lines = raw.lines();
    let meta: Value = serde_json::from_str(lines.next().expect("metadata line")).expect("metadata");

    let tok = EnglishTokenizer::global();
    let (mut docs, mut word_fail, mut sent_fail, mut n_words) = (0usize, 0usize, 0usize, 0usize);
    let mut report = Vec::new();
    for line in lines {
        let row: Value = serde_json::from_str(line).expect("fixture row");
        let id = row["id"].as_str().expect("id");
        let text = texts
            .get(id)
            .unwrap_or_else(|| panic!("document {id} not found in the data"));
        assert_eq!(
            format!("{:016x}", xxh64(text.as_bytes(), 0)),
            row["text_xxh64"].as_str().unwrap_or_default(),
            "{id}: input text differs from the one the fixture was made from; regenerate the fixture"
        );
        docs += 1;

        let words = tok.words(text);
        n_words += words.len();
        let want_n = row["n_words"].as_u64().unwrap_or(u64::MAX) as usize;
        let words_ok = words.len() == want_n
            && hash_joined(words.iter().copied())
                == row["words_xxh64"].as_str().unwrap_or_default();
        if !words_ok {
            word_fail += 1;
            if report.len() < 10 {
                let mut msg = format!(
                    "{id}: words differ (rust {} vs spaCy {want_n})",
                    words.len()
                );
                if let Some(expected) = row.get("words").and_then(Value::as_array) {
                    let expected: Vec<&str> = expected
                        .iter()
                        .map(|e| e.as_str().unwrap_or_default())
                        .collect();
                    let pos = words
                        .iter()
                        .zip(&expected)
                        .position(|(w, e)| w != e)
                        .unwrap_or(words.len().min(expected.len()));
                    let lo = pos.saturating_sub(3);
                    msg += &format!(
                        "\n  first difference at word {pos}\n  rust : {:?}\n  spaCy: {:?}",
                        &words[lo..(pos + 4).min(words.len())],
                        &expected[lo..(pos + 4).min(expected.len())]
                    );
                    if let Some(w) = words.get(pos) {
                        let at = w.as_ptr() as usize - text.as_ptr() as usize;
                        msg += &format!("\n  text : {}", excerpt(text, at));
                    }
                } else {
                    msg += "\n  (no stored word list for this document; use the spacy_words example to diff)";
                }
                report.push(msg);
            }
        }

        let pieces = tok.sentences(text);
        let want_s = row["n_sentences"].as_u64().unwrap_or(u64::MAX) as usize;
        let sents_ok = pieces.len() == want_s
            && tok.count_sentences(text) == want_s
            && hash_joined(pieces.iter().copied())
                == row["sentences_xxh64"].as_str().unwrap_or_default();
        if !sents_ok {
            sent_fail += 1;
            if report.len() < 10 {
                report.push(format!(
                    "{id}: sentences differ (rust {} vs spaCy {want_s})",
                    pieces.len()
                ));
            }
        }
    }
    eprintln!(
        "spaCy parity ({}): {docs} documents, {n_words} words; {word_fail} word-list and {sent_fail} sentence mismatches",
        meta["spacy"]
    );
    assert!(docs >= 3000, "fixture too small: {docs} documents");
    assert!(
        report.is_empty(),
        "{} mismatching documents:\n{}",
        word_fail + sent_fail,
        report.join("\n")
    );
}

/// `count_sentences_in_words` over a line's slice of the *document's* words equals
/// `count_sentences` of the line tokenized alone — on every line of every real document. This
/// is what lets `c4_quality` count sentences without tokenizing each line again.
#[test]
fn line_sentence_counts_from_document_words() {
    let dir = data_dir();
    let tok = EnglishTokenizer::global();
    let (mut lines_checked, mut failures) = (0usize, Vec::new());
    let mut texts: Vec<_> = load_texts(&dir).into_iter().collect();
    texts.sort();
    let mut words = Vec::new();
    for (id, text) in &texts {
        words.clear();
        tok.words_into(text, &mut words);
        for line in millstone_text::py::splitlines(text) {
            let line = millstone_text::py::strip(line);
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            let end = start + line.len();
            let lo = words.partition_point(|w| w.start < start);
            let hi = words.partition_point(|w| w.end <= end);
            let from_doc = tok.count_sentences_in_words(text, &words[lo..hi]);
            let alone = tok.count_sentences(line);
            lines_checked += 1;
            if from_doc != alone && failures.len() < 10 {
                failures.push(format!(
                    "{id}: {line:?}: {from_doc} from document words, {alone} alone"
                ));
            }
        }
    }
    assert!(
        lines_checked > 100_000,
        "only {lines_checked} lines checked"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
