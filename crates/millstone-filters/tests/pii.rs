//! Precision and recall of the `pii` stage on labelled short texts.
//!
//! `tests/fixtures/pii/*.jsonl`: one case a line, `{"text", "expect": [{"kind", "span"}],
//! "lang", "note"}`, written for this test (invented data: reserved example domains, fiction
//! phone ranges, documentation IP ranges as negatives; see the README there). `expect` lists
//! what the stage with its default options *should* replace: every e-mail address and phone
//! number, and every public IP address (private, loopback, documentation … addresses are
//! negatives, as `only_public_ips` says). Labels say what the text holds, not what the scanner
//! can find: obfuscated addresses or numbers without a phone shape are positives it misses.
//!
//! `cases.jsonl` was written first and the scanners were fixed on what it showed.
//! `holdout.jsonl` was written after those fixes, without looking at the scanners' output. Its
//! first score: e-mail P 1.000 R 1.000 (12 expected), IP P 0.833 R 1.000 (5), phone P 0.955
//! R 0.913 (23). One general cause was fixed after that (a dotted quad after `Article` is a
//! part number, as after `Section`); the other errors are left as found.
//!
//! A found span counts as right when its kind and exact text match an expected one in the same
//! case. `cargo test -p millstone-filters --test pii -- --nocapture` prints a table per file
//! and every miss and false hit.

use std::collections::{BTreeMap, BTreeSet};

use millstone_filters::clean::pii::{Config, Kind, Pii};

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    expect: Vec<Expected>,
    lang: String,
    note: String,
}

#[derive(serde::Deserialize)]
struct Expected {
    kind: String,
    span: String,
}

#[derive(Default)]
struct Tally {
    expected: usize,
    found: usize,
    right: usize,
}

fn cases(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/fixtures/pii/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {path}: {e}"))
        .lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}:{}: {e}", i + 1)))
        .collect()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[test]
fn precision_and_recall_per_kind() {
    let dev = score("cases.jsonl");
    let holdout = score("holdout.jsonl");
    let mut all = cases("cases.jsonl");
    all.extend(cases("holdout.jsonl"));
    let langs: BTreeSet<_> = all.iter().map(|c| c.lang.as_str()).collect();
    let positives = all.iter().filter(|c| !c.expect.is_empty()).count();
    assert!(
        all.len() >= 200 && langs.len() >= 6,
        "{} {langs:?}",
        all.len()
    );
    assert!(positives >= 80 && all.len() - positives >= 80);
    // Floors a little under what the stage measures (see the printed tables), so that a
    // regression fails here.
    for (file, tally, slack) in [("cases", &dev, 0.0), ("holdout", &holdout, 0.07)] {
        for (kind, t) in tally {
            let (p, r) = (ratio(t.right, t.found), ratio(t.right, t.expected));
            let (min_p, min_r) = match *kind {
                "email" | "ip" => (0.98, 0.90),
                _ => (0.97, 0.95),
            };
            assert!(
                p >= min_p - slack && r >= min_r - slack,
                "{file} {kind}: precision {p:.3} recall {r:.3}"
            );
        }
    }
}

/// Score the default stage on one file; print its table and its errors.
fn score(file: &str) -> BTreeMap<&'static str, Tally> {
    let cases = cases(file);
    let pii = Pii::new(Config::default()).unwrap();
    let mut tally: BTreeMap<&str, Tally> = Kind::ALL
        .iter()
        .map(|k| (k.as_str(), Tally::default()))
        .collect();
    let mut errors = Vec::new();
    let mut langs = BTreeMap::<&str, usize>::new();
    for case in &cases {
        *langs.entry(&case.lang).or_default() += 1;
        let mut expected: Vec<(&str, &str)> = case
            .expect
            .iter()
            .map(|e| (e.kind.as_str(), e.span.as_str()))
            .collect();
        for e in &expected {
            assert!(
                tally.contains_key(e.0),
                "unknown kind {} in {:?}",
                e.0,
                case.text
            );
            assert!(
                case.text.contains(e.1),
                "span {:?} not in {:?}",
                e.1,
                case.text
            );
            tally.get_mut(e.0).unwrap().expected += 1;
        }
        for f in pii.find(&case.text) {
            let kind = f.kind.as_str();
            let span = &case.text[f.range];
            let t = tally.get_mut(kind).unwrap();
            t.found += 1;
            if let Some(i) = expected.iter().position(|e| *e == (kind, span)) {
                expected.swap_remove(i);
                t.right += 1;
            } else {
                errors.push(format!(
                    "false hit  {kind:<5} {span:?} in {:?} ({})",
                    case.text, case.note
                ));
            }
        }
        for (kind, span) in expected {
            errors.push(format!(
                "missed     {kind:<5} {span:?} in {:?} ({})",
                case.text, case.note
            ));
        }
    }
    println!("{file}: {} cases; languages: {langs:?}", cases.len());
    println!("| kind | expected | found | right | precision | recall |");
    println!("|---|---|---|---|---|---|");
    let mut all = Tally::default();
    for (kind, t) in &tally {
        println!(
            "| {kind} | {} | {} | {} | {:.3} | {:.3} |",
            t.expected,
            t.found,
            t.right,
            ratio(t.right, t.found),
            ratio(t.right, t.expected)
        );
        all.expected += t.expected;
        all.found += t.found;
        all.right += t.right;
    }
    println!(
        "| all | {} | {} | {} | {:.3} | {:.3} |",
        all.expected,
        all.found,
        all.right,
        ratio(all.right, all.found),
        ratio(all.right, all.expected)
    );
    for e in &errors {
        println!("{e}");
    }
    println!();
    tally
}
