//! Shared by the examples: reading a folder of `.html` / `.html.gz` pages and thread CPU time.

use std::io::Read;
use std::path::{Path, PathBuf};

/// `(id, html)` for every `.html` / `.html.gz` file in `dir`, sorted by name; the id is
/// file stem (`0001` for `0001.html.gz`).
pub fn pages(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".html") || name.ends_with(".html.gz") || name.ends_with(".htm")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            let stem = name.split('.').next().unwrap_or("").to_owned();
            (stem, p)
        })
        .collect()
}

/// The page's text, gunzipped when the name ends in `.gz`, invalid UTF-8 replaced.
pub fn read_page(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out
    } else {
        raw
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// This thread's CPU time in nanoseconds (Linux `/proc/thread-self/schedstat`), or 0 elsewhere.
#[allow(dead_code)] // used by extract_dir, not by block_features
pub fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
