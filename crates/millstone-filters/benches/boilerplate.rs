//! Throughput of the `boilerplate` stage's per-document part on one core.
//!
//! `cargo bench -p millstone-filters --bench boilerplate [-- PATH.jsonl.zst]` — default input:
//! `../shared/data/webpages-dev.jsonl.zst` (1,497 real pages). Prints MB/s of text per pass over
//! the pages (5 passes after one warm-up, per second of the thread's CPU time) with the
//! cross-document pass off, which is reading only; then a digest of every decision (each page's
//! kept text and removed lines with reasons), so that a speed change can be checked to change no
//! decision.

mod common;

use millstone_core::Document;

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(common::default_pages);
    let Some(docs) = common::load_pages("boilerplate", &path) else {
        return;
    };
    let bytes: usize = docs.iter().map(Document::len_bytes).sum();
    let options: toml::Table = toml::from_str("cross_document = false").unwrap();
    let stage = millstone_filters::build_stage("boilerplate", &options).unwrap();
    let (rates, _) = common::time_stage(stage.as_ref(), &docs);
    println!(
        "boilerplate: {} docs, {:.1} MB; MB/s on one core: min {:.1} median {:.1} max {:.1}",
        docs.len(),
        bytes as f64 / 1e6,
        rates[0],
        rates[rates.len() / 2],
        rates[rates.len() - 1]
    );
    // A digest of what the stage did to every page (FNV-1a over text, verdict, removed lines).
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    };
    let mut stats = millstone_core::StageStats::default();
    for doc in &docs {
        let mut doc = doc.clone();
        let verdict = stage.process(&mut doc, &mut stats);
        eat(format!("{verdict:?}").as_bytes());
        eat(doc.text().as_bytes());
        if let Some(removed) = doc.attributes.get("removed_lines") {
            eat(removed.to_string().as_bytes());
        }
    }
    println!("decisions digest: {digest:016x}");
}
