//! Throughput of the `tokens` stage on one core, against plain `tiktoken-rs` in the same run.
//!
//! `cargo bench -p millstone-filters --features tokens --bench tokens -- [PATH.jsonl.zst]
//! [--encoding cl100k_base] [--passes N] [--stage-only]` — default input:
//! `../shared/data/webpages-dev.jsonl.zst` (1,497 real pages).
//!
//! One thread runs, pass after pass (N passes, default 5, after one warm-up), the stage
//! (`process` on every page, which also writes the attribute) and then
//! `CoreBPE::encode_ordinary(text).len()` on the same texts, so both see the same machine load.
//! For each it prints MB of text per second as min / median / max over the passes, twice: per
//! second of wall time, and per second the thread was actually on a CPU (from
//! `/proc/thread-self/schedstat`; the honest "per core" figure on a shared machine). It checks
//! that both gave the same total and prints the ratio of the medians. `--stage-only` skips
//! tiktoken-rs (for profiling).

mod common;

use std::time::Instant;

use millstone_core::{Document, StageStats};

/// Wall and on-CPU seconds of `f`.
fn timed(f: impl FnOnce()) -> (f64, Option<f64>) {
    let cpu = common::thread_cpu_secs();
    let t = Instant::now();
    f();
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu.zip(common::thread_cpu_secs()).map(|(a, b)| b - a);
    (wall, cpu)
}

#[derive(Default)]
struct Rates {
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

impl Rates {
    fn push(&mut self, mb: f64, (wall, cpu): (f64, Option<f64>)) {
        self.wall.push(mb / wall);
        if let Some(cpu) = cpu {
            self.cpu.push(mb / cpu);
        }
    }
}

/// `(min, median, max)`; zeros when empty.
fn summary(rates: &mut [f64]) -> (f64, f64, f64) {
    if rates.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    rates.sort_by(f64::total_cmp);
    (rates[0], rates[rates.len() / 2], rates[rates.len() - 1])
}

fn report(label: &str, rates: &mut Rates) -> (f64, f64) {
    let (a, b, c) = summary(&mut rates.wall);
    let (x, y, z) = summary(&mut rates.cpu);
    println!("  {label:<12} MB/s wall: min {a:.1} median {b:.1} max {c:.1}; on-CPU: min {x:.1} median {y:.1} max {z:.1}");
    (b, y)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut encoding = "o200k_base".to_owned();
    let mut passes = 5usize;
    let mut stage_only = false;
    let mut path = common::default_pages();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--encoding" => encoding = it.next().expect("--encoding NAME").clone(),
            "--passes" => passes = it.next().and_then(|p| p.parse().ok()).expect("--passes N"),
            "--stage-only" => stage_only = true,
            "--bench" => {}
            other if !other.starts_with('-') => path = other.to_owned(),
            other => panic!("unknown option {other}"),
        }
    }
    let Some(docs) = common::load_pages("tokens", &path) else {
        return;
    };
    let bytes: usize = docs.iter().map(Document::len_bytes).sum();
    let mb = bytes as f64 / 1e6;

    let t = Instant::now();
    let options: toml::Table = toml::from_str(&format!("encoding = \"{encoding}\"")).unwrap();
    let stage = millstone_filters::build_stage("tokens", &options).unwrap();
    let stage_load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reference = match encoding.as_str() {
        "cl100k_base" => tiktoken_rs::cl100k_base(),
        _ => tiktoken_rs::o200k_base(),
    }
    .unwrap();
    let reference_load = t.elapsed().as_secs_f64();

    let (mut ours, mut theirs) = (Rates::default(), Rates::default());
    let (mut our_total, mut their_total) = (0u64, 0u64);
    for pass in 0..=passes {
        let mut batch = docs.clone();
        let mut stats = StageStats::default();
        let time = timed(|| {
            for doc in &mut batch {
                std::hint::black_box(stage.process(doc, &mut stats));
            }
        });
        our_total = stats.counters["tokens"];
        if pass > 0 {
            ours.push(mb, time);
        }
        if stage_only {
            continue;
        }
        let mut total = 0u64;
        let time = timed(|| {
            for doc in &docs {
                total += std::hint::black_box(reference.encode_ordinary(doc.text())).len() as u64;
            }
        });
        their_total = total;
        if pass > 0 {
            theirs.push(mb, time);
        }
    }
    println!(
        "tokens ({encoding}): {} docs, {mb:.1} MB, {our_total} tokens, {passes} passes; vocabulary load: stage {stage_load:.2} s, tiktoken-rs {reference_load:.2} s",
        docs.len()
    );
    let (wall, cpu) = report("stage", &mut ours);
    if stage_only {
        return;
    }
    assert_eq!(our_total, their_total, "token totals differ");
    let (their_wall, their_cpu) = report("tiktoken-rs", &mut theirs);
    println!(
        "  ratio of medians: wall {:.2}x, on-CPU {:.2}x",
        wall / their_wall,
        cpu / their_cpu
    );
}
