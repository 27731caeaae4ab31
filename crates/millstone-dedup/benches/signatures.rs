//! MinHash signing throughput on real web text, one thread.
//!
//! ```sh
//! cargo bench -p millstone-dedup --bench signatures [-- --passes N]
//! ```
//!
//! Reads the `text` of every page of `webpages-dev.jsonl.zst` (1,497 pages, 23.4 MB) from
//! `../shared/data` beside the checkout (or `MILLSTONE_SHARED_DATA`). MB/s = 10^6 bytes of raw
//! UTF-8 input per second. Each pass runs one stage prefix over every text:
//! simplify; simplify + words (`simplified_words`; also the plain tokenizer on the simplified
//! text, for comparison); shingles (+ xxh64 of every 5-word window); full signature (+ the
//! 112 multiply-add-mod-min per shingle) with the detected kernel, the AVX2 one and the portable
//! one; and a
//! full signature with 5-character shingles for comparison. Parts are the differences of the
//! median pass times. Times are the thread's on-CPU time (Linux `/proc/thread-self/schedstat`), so
//! other load on a shared machine does not count as our time (it still costs cache). No
//! criterion: a plain timer keeps the build light.

use std::io::{BufRead, BufReader};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use millstone_dedup::minhash::{
    simplified_words, Kernel, MinHashParams, ShingleKind, SignScratch, Signer,
};
use millstone_dedup::normalize::simplify_text;
use millstone_text::EnglishTokenizer;

fn data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MILLSTONE_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    dir.join("webpages-dev.jsonl.zst").is_file().then_some(dir)
}

fn load(dir: &Path) -> Vec<String> {
    let f = std::fs::File::open(dir.join("webpages-dev.jsonl.zst")).expect("open");
    let mut reader = BufReader::new(zstd::Decoder::new(f).expect("zstd"));
    let mut texts = Vec::new();
    let mut line = Vec::new();
    // Split on "\n" only: texts contain U+2028.
    while reader.read_until(b'\n', &mut line).expect("read") > 0 {
        let rec: serde_json::Value = serde_json::from_slice(&line).expect("json");
        if let Some(t) = rec.get("text").and_then(|v| v.as_str()) {
            texts.push(t.to_string());
        }
        line.clear();
    }
    texts
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), if available. The machine
/// is shared: wall time includes waiting for a core, on-CPU time does not.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Seconds of each of `passes` runs of `f` over all texts, sorted: on-CPU time when the OS
/// reports it, else wall time.
fn time_passes(passes: usize, mut f: impl FnMut() -> usize) -> (Vec<f64>, usize) {
    let mut secs = Vec::with_capacity(passes);
    let mut count = 0;
    for _ in 0..passes {
        let (t0, c0) = (Instant::now(), thread_cpu_ns());
        count = std::hint::black_box(f());
        let wall = t0.elapsed().as_secs_f64();
        secs.push(match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 / 1e9,
            _ => wall,
        });
    }
    secs.sort_by(f64::total_cmp);
    (secs, count)
}

fn median(s: &[f64]) -> f64 {
    s[s.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: stay quick there.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        eprintln!(
            "signatures bench: run it with `cargo bench -p millstone-dedup --bench signatures`"
        );
        return;
    }
    let passes = args
        .iter()
        .position(|a| a == "--passes")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(7usize)
        .max(1);
    let Some(dir) = data_dir() else {
        eprintln!("../shared/data not found; set MILLSTONE_SHARED_DATA");
        return;
    };
    let texts = load(&dir);
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;
    let tok = EnglishTokenizer::global();
    let word = Signer::new(&MinHashParams::default());
    let portable = word.clone().with_kernel(Kernel::Portable);
    let avx2 = word.clone().with_kernel(Kernel::Avx2);
    let chars = Signer::new(&MinHashParams {
        shingle: ShingleKind::Char,
        ..MinHashParams::default()
    });
    // Warm-up: builds the tokenizer and grows the buffers.
    let mut scratch = SignScratch::default();
    let mut out = Vec::new();
    for t in &texts {
        word.signature(t, &mut scratch, &mut out);
    }

    let mut simplified = String::new();
    let (simplify, _) = time_passes(passes, || {
        texts
            .iter()
            .map(|t| {
                simplify_text(t, &mut simplified);
                simplified.len()
            })
            .sum()
    });
    let (tokenize, n_words) = time_passes(passes, || {
        texts
            .iter()
            .map(|t| {
                simplified_words(t, &mut scratch);
                scratch.words().len()
            })
            .sum()
    });
    // For comparison: the tokenizer on the whole simplified text.
    let mut spans: Vec<Range<usize>> = Vec::new();
    let (tokenize_full, _) = time_passes(passes, || {
        texts
            .iter()
            .map(|t| {
                simplify_text(t, &mut simplified);
                spans.clear();
                tok.words_into(&simplified, &mut spans);
                spans.len()
            })
            .sum()
    });
    let (shingles, n_shingles) = time_passes(passes, || {
        texts
            .iter()
            .map(|t| {
                word.shingles(t, &mut scratch, &mut out);
                out.len()
            })
            .sum()
    });
    let mut sign_with = |signer: &Signer| {
        time_passes(passes, || {
            texts
                .iter()
                .filter(|t| signer.signature(t, &mut scratch, &mut out))
                .count()
        })
    };
    let (full, n_signed) = sign_with(&word);
    let (full_portable, _) = sign_with(&portable);
    let (full_avx2, _) = sign_with(&avx2);
    let (full_char, _) = sign_with(&chars);

    println!(
        "signatures: {} docs, {mb:.1} MB, {n_words} words, {n_shingles} shingles, {n_signed} signed; \
         {passes} passes, one thread, kernel {:?}, timing: {}",
        texts.len(),
        word.kernel(),
        if thread_cpu_ns().is_some() { "on-CPU time of the thread" } else { "wall clock" }
    );
    let rate = |s: f64| mb / s;
    let row = |name: &str, s: &[f64]| {
        println!(
            "  {name:<34} MB/s min {:7.1}  median {:7.1}  max {:7.1}",
            rate(s[s.len() - 1]),
            rate(median(s)),
            rate(s[0])
        );
    };
    row("full signature (word, detected)", &full);
    row(
        &format!("full signature (word, {:?} kernel)", avx2.kernel()),
        &full_avx2,
    );
    row("full signature (word, portable)", &full_portable);
    row("full signature (char 5-grams)", &full_char);
    row("simplify", &simplify);
    row("simplify + words (chunked)", &tokenize);
    row("simplify + EnglishTokenizer (whole)", &tokenize_full);
    row("simplify + words + shingles", &shingles);
    let parts = [
        ("simplify_text", median(&simplify)),
        ("words (chunked)", median(&tokenize) - median(&simplify)),
        (
            "[words: EnglishTokenizer, whole]",
            median(&tokenize_full) - median(&simplify),
        ),
        ("shingle xxh64", median(&shingles) - median(&tokenize)),
        (
            "112 min-hashes (detected kernel)",
            median(&full) - median(&shingles),
        ),
        (
            "112 min-hashes (AVX2 kernel)",
            median(&full_avx2) - median(&shingles),
        ),
        (
            "112 min-hashes (portable kernel)",
            median(&full_portable) - median(&shingles),
        ),
    ];
    let total = median(&full);
    println!("  split of the median full signature ({:.3} s):", total);
    for (name, s) in parts {
        println!(
            "    {name:<34} {:6.3} s  {:5.1} %  {:8.1} MB/s of input for this part alone",
            s,
            100.0 * s / total,
            rate(s)
        );
    }
}
