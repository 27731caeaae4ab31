//! Rust HTML extraction peers for `bench/extract`: runs rs-trafilatura and dom_smoothie (crates.io,
//! versions pinned in Cargo.toml) on WCXB pages and writes predictions in the format
//! `bench/extract/score.py` reads. A measuring tool, not part of millstone.
//!
//! usage: rust-peers [--data DIR] [--out DIR] [--extractors NAME,...] [--limit N]
//!
//! Extractors:
//! - `rs_trafilatura`: `rs_trafilatura::extract(html)` (default options), `content_text`;
//! - `rs_trafilatura_url`: the same with `Options { url: Some(page URL), ..default }`, the URL
//!   taken from the page's ground-truth file (what a WARC record would give);
//! - `dom_smoothie`: `Readability::new(html, None, None)?.parse()`, `text_content` (default
//!   `Config`: `TextMode::Raw`, Readability.js candidate selection);
//! - `dom_smoothie_formatted`: the same with `Config { text_mode: TextMode::Formatted, .. }`.
//!
//! Input: DATA/html/NNNN.html.gz (UTF-8), decoded outside the timed part. Output: OUT/NAME.jsonl,
//! `{"id": "NNNN", "text": "...", "cpu_ms": f}` per page, where cpu_ms is this thread's CPU time
//! (CLOCK_THREAD_CPUTIME_ID) around the one extraction call, after one untimed warm-up call. An
//! extractor error gives "" and an "error" field; a panic is caught the same way.

use std::fs;
use std::io::{BufWriter, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

type Extract = fn(&str, Option<&str>) -> Result<String, String>;

const EXTRACTORS: &[(&str, Extract)] = &[
    ("rs_trafilatura", rs_trafilatura_plain),
    ("rs_trafilatura_url", rs_trafilatura_url),
    ("dom_smoothie", dom_smoothie_raw),
    ("dom_smoothie_formatted", dom_smoothie_formatted),
];

fn rs_trafilatura_plain(html: &str, _url: Option<&str>) -> Result<String, String> {
    rs_trafilatura::extract(html)
        .map(|r| r.content_text)
        .map_err(|e| e.to_string())
}

fn rs_trafilatura_url(html: &str, url: Option<&str>) -> Result<String, String> {
    let options = rs_trafilatura::Options {
        url: url.map(str::to_string),
        ..Default::default()
    };
    rs_trafilatura::extract_with_options(html, &options)
        .map(|r| r.content_text)
        .map_err(|e| e.to_string())
}

fn dom_smoothie_with(html: &str, cfg: dom_smoothie::Config) -> Result<String, String> {
    let mut r = dom_smoothie::Readability::new(html, None, Some(cfg)).map_err(|e| e.to_string())?;
    r.parse()
        .map(|a| a.text_content.to_string())
        .map_err(|e| e.to_string())
}

fn dom_smoothie_raw(html: &str, _url: Option<&str>) -> Result<String, String> {
    dom_smoothie_with(html, dom_smoothie::Config::default())
}

fn dom_smoothie_formatted(html: &str, _url: Option<&str>) -> Result<String, String> {
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    dom_smoothie_with(html, cfg)
}

fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

struct Page {
    id: String,
    html: String,
    url: Option<String>,
}

fn load_pages(data: &Path, limit: Option<usize>) -> Result<Vec<Page>, String> {
    let dir = data.join("html");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.html.gz in {}", dir.display()));
    }
    files.truncate(limit.unwrap_or(usize::MAX));
    let mut pages = Vec::with_capacity(files.len());
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let id = name.trim_end_matches(".html.gz").to_string();
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(
            fs::File::open(&f).map_err(|e| format!("{}: {e}", f.display()))?,
        )
        .read_to_end(&mut raw)
        .map_err(|e| format!("{}: {e}", f.display()))?;
        let gt = data.join("ground-truth").join(format!("{id}.json"));
        let url = fs::read(&gt)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v.get("url").and_then(|u| u.as_str()).map(str::to_string));
        pages.push(Page {
            id,
            html: String::from_utf8_lossy(&raw).into_owned(),
            url,
        });
    }
    Ok(pages)
}

fn run(name: &str, f: Extract, pages: &[Page], out: &Path) -> Result<(), String> {
    let call = |p: &Page| {
        catch_unwind(AssertUnwindSafe(|| f(&p.html, p.url.as_deref())))
            .unwrap_or_else(|_| Err("panic".to_string()))
    };
    let _ = call(&pages[0]); // warm-up, untimed
    let file = fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w = BufWriter::new(file);
    let (mut total, mut errors) = (0.0, 0usize);
    for p in pages {
        let t0 = thread_cpu_ms();
        let res = call(p);
        let ms = thread_cpu_ms() - t0;
        total += ms;
        let mut rec = serde_json::json!({"id": p.id, "cpu_ms": ms});
        match res {
            Ok(text) => rec["text"] = text.into(),
            Err(e) => {
                errors += 1;
                rec["text"] = "".into();
                rec["error"] = e.into();
            }
        }
        writeln!(w, "{rec}").map_err(|e| format!("{}: {e}", out.display()))?;
    }
    w.flush().map_err(|e| format!("{}: {e}", out.display()))?;
    let n = pages.len() as f64;
    eprintln!(
        "{name}: {} pages, {:.2} CPU ms/page, {:.1} pages/s per core, {errors} errors -> {}",
        pages.len(),
        total / n,
        1000.0 * n / total,
        out.display()
    );
    Ok(())
}

fn main() {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut data = here.join("../../../../shared/data/wcxb-dev");
    let mut out = here.join("../out");
    let mut names: Vec<String> = EXTRACTORS.iter().map(|(n, _)| n.to_string()).collect();
    let mut limit = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--data" => data = PathBuf::from(value()),
            "--out" => out = PathBuf::from(value()),
            "--extractors" => names = value().split(',').map(str::to_string).collect(),
            "--limit" => {
                limit = Some(
                    value()
                        .parse()
                        .unwrap_or_else(|_| die("--limit takes a number")),
                )
            }
            _ => die(&format!("unknown argument {a}")),
        }
    }
    let chosen: Vec<(&str, Extract)> = names
        .iter()
        .map(|n| {
            EXTRACTORS
                .iter()
                .find(|(k, _)| k == n)
                .copied()
                .unwrap_or_else(|| {
                    let known: Vec<_> = EXTRACTORS.iter().map(|(k, _)| *k).collect();
                    die(&format!(
                        "unknown extractor {n}; known: {}",
                        known.join(", ")
                    ))
                })
        })
        .collect();
    let pages = load_pages(&data, limit).unwrap_or_else(|e| die(&e));
    fs::create_dir_all(&out).unwrap_or_else(|e| die(&format!("{}: {e}", out.display())));
    for (name, f) in chosen {
        run(name, f, &pages, &out.join(format!("{name}.jsonl"))).unwrap_or_else(|e| die(&e));
    }
}

fn die(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2);
}
