//! What the benches share: the default corpus and reading it.

use std::io::{BufRead, BufReader};

use millstone_core::Document;

/// `../shared/data/webpages-dev.jsonl.zst`: 1,497 real crawled pages.
#[allow(dead_code)] // language_id finds the pages under its own --shared folder
pub fn default_pages() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/webpages-dev.jsonl.zst"
    )
    .into()
}

/// The documents (`id`, `text`) of a JSONL .zst file, or `None` (with a note on stderr naming
/// `bench`) when it is missing, so a checkout without the shared data skips the bench.
pub fn load_pages(bench: &str, path: &str) -> Option<Vec<Document>> {
    let Ok(file) = std::fs::File::open(path) else {
        eprintln!("{bench} bench: {path} not found, skipping");
        return None;
    };
    let reader = BufReader::new(zstd::Decoder::new(file).expect("zstd input"));
    // Split on "\n" only: texts hold U+2028.
    Some(
        reader
            .split(b'\n')
            .map(|l| l.expect("read"))
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_slice(&l).expect("json");
                Document::new(
                    v["id"].as_str().unwrap_or(""),
                    v["text"].as_str().unwrap_or(""),
                )
            })
            .collect(),
    )
}

/// This thread's CPU time in seconds (Linux), so that other work on a shared machine does not
/// count against a bench; `None` elsewhere.
#[allow(dead_code)]
pub fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Run `stage` over copies of `docs` six times (the first pass warms up) and return the MB/s of
/// text of the five timed passes, sorted, with the last pass's stats. Rates are per second of
/// this thread's CPU time where available (wall time otherwise).
#[allow(dead_code)] // not every bench times a whole stage
pub fn time_stage(
    stage: &dyn millstone_core::Stage,
    docs: &[Document],
) -> (Vec<f64>, millstone_core::StageStats) {
    let bytes: usize = docs.iter().map(Document::len_bytes).sum();
    let mut rates = Vec::new();
    let mut last = millstone_core::StageStats::default();
    for pass in 0..6 {
        let mut batch = docs.to_vec();
        let mut stats = millstone_core::StageStats::default();
        let t = std::time::Instant::now();
        let cpu = thread_cpu_secs();
        for doc in &mut batch {
            std::hint::black_box(stage.process(doc, &mut stats));
        }
        let secs = match (cpu, thread_cpu_secs()) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => t.elapsed().as_secs_f64(),
        };
        if pass > 0 {
            rates.push(bytes as f64 / 1e6 / secs);
        }
        last = stats;
    }
    rates.sort_by(f64::total_cmp);
    (rates, last)
}
