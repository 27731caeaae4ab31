//! Extracts every page of a folder and writes one JSON line per page:
//! `{"id", "text", "cpu_ms", "title", "author", "date", "lang", "confidence"}`, `cpu_ms` being the
//! thread CPU time of `extract` alone (reading and gunzipping excluded).
//!
//! usage: cargo run --release -p millstone-html --example extract_dir -- DIR OUT.jsonl [precision|balanced|recall]

mod common;

use std::io::Write;

use millstone_html::{extract, Favor, Options};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: extract_dir DIR OUT.jsonl [precision|balanced|recall]");
        std::process::exit(2);
    }
    let favor = match args.get(3).map(String::as_str) {
        Some("precision") => Favor::Precision,
        Some("recall") => Favor::Recall,
        _ => Favor::Balanced,
    };
    let options = Options {
        favor,
        ..Options::default()
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2]).expect("create output"));
    let mut total_ns = 0u64;
    let pages = common::pages(std::path::Path::new(&args[1]));
    for (id, path) in &pages {
        let html = common::read_page(path);
        let t0 = common::thread_cpu_ns();
        let got = extract(&html, &options);
        let ns = common::thread_cpu_ns() - t0;
        total_ns += ns;
        let line = serde_json::json!({
            "id": id,
            "text": got.text,
            "cpu_ms": ns as f64 / 1e6,
            "title": got.title,
            "author": got.author,
            "date": got.date,
            "lang": got.lang,
            "confidence": got.confidence,
        });
        writeln!(out, "{line}").expect("write output");
    }
    eprintln!(
        "{} pages, {:.3} CPU s in extract, {:.2} ms/page, {:.0} pages/s per core",
        pages.len(),
        total_ns as f64 / 1e9,
        total_ns as f64 / 1e6 / pages.len().max(1) as f64,
        pages.len() as f64 / (total_ns as f64 / 1e9)
    );
}
