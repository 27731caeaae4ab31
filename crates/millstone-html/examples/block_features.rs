//! Writes every page's blocks with their features, one JSON line per page:
//! `{"id", "names": [...] (first line only), "blocks": [{"text", "chars", "containers", "f"}]}`.
//! Training input for `tools/html_extract/train.py`.
//!
//! usage: cargo run --release -p millstone-html --example block_features -- DIR OUT.jsonl

mod common;

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: block_features DIR OUT.jsonl");
        std::process::exit(2);
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2]).expect("create output"));
    for (k, (id, path)) in common::pages(std::path::Path::new(&args[1]))
        .iter()
        .enumerate()
    {
        let html = common::read_page(path);
        let dom = millstone_html::dom::parse(&html);
        let blocks = millstone_html::blocks::blocks(&dom);
        let blocks: Vec<serde_json::Value> = blocks
            .iter()
            .map(|b| {
                serde_json::json!({
                    "text": b.text,
                    "chars": b.chars,
                    "containers": b.containers.iter().map(|&c| if c == u32::MAX { -1i64 } else { c as i64 }).collect::<Vec<_>>(),
                    "f": b.features,
                })
            })
            .collect();
        let mut line = serde_json::json!({ "id": id, "blocks": blocks });
        if k == 0 {
            line["names"] = serde_json::json!(*millstone_html::blocks::FEATURES);
            line["context"] = serde_json::json!(millstone_html::model::CONTEXT);
        }
        writeln!(out, "{line}").expect("write output");
    }
}
