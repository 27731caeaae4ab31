//! Throughput of the `pii` stage on one core, and what it finds in real text.
//!
//! `cargo bench -p millstone-filters --bench pii [-- PATH.jsonl.zst] [--show]` — default input:
//! `../shared/data/webpages-dev.jsonl.zst` (1,497 real pages). Prints MB/s of text per pass over
//! the pages (5 passes after one warm-up) and the counts per kind; `--show` also prints every
//! match with the text around it (for reading the matches by eye).

mod common;

use millstone_core::Document;
use millstone_filters::clean::pii::{Config, Pii};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = args.iter().any(|a| a == "--show");
    let path = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(common::default_pages);
    let Some(docs) = common::load_pages("pii", &path) else {
        return;
    };
    let bytes: usize = docs.iter().map(Document::len_bytes).sum();
    if show {
        let pii = Pii::new(Config::default()).expect("default config");
        for doc in &docs {
            let text = doc.text();
            for f in pii.find(text) {
                let mut a = f.range.start.saturating_sub(40);
                while !text.is_char_boundary(a) {
                    a -= 1;
                }
                let mut b = (f.range.end + 30).min(text.len());
                while !text.is_char_boundary(b) {
                    b += 1;
                }
                println!(
                    "{}\t{}\t{:?}\t{:?}",
                    doc.id,
                    f.kind.as_str(),
                    &text[f.range.clone()],
                    text[a..b].replace('\n', " ")
                );
            }
        }
    }
    let stage = millstone_filters::build_stage("pii", &toml::Table::new()).expect("pii stage");
    let (rates, stats) = common::time_stage(stage.as_ref(), &docs);
    let counters = stats.counters;
    println!(
        "pii: {} docs, {:.1} MB; MB/s on one core: min {:.1} median {:.1} max {:.1}; {:?}",
        docs.len(),
        bytes as f64 / 1e6,
        rates[0],
        rates[rates.len() / 2],
        rates[rates.len() - 1],
        counters
    );
}
