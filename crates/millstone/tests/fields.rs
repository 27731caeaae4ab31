//! Field paths on the command line and in stage options: datatrove's layout keeps the URL at
//! `metadata.url`; a stage told to read a field no document has says so.

mod common;
use common::{assert_ok, millstone, records, stats};

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/webpages.jsonl.zst")
}

/// The bundled sample rewritten in datatrove's layout: `text`, `id`, `media`, and every other
/// field under `metadata`. Returns the file and the hosts (without `www.`) by page count.
fn datatrove_layout(dir: &Path) -> (PathBuf, BTreeMap<String, usize>) {
    let f = std::fs::File::open(sample()).unwrap();
    let lines = std::io::BufReader::new(zstd::stream::read::Decoder::new(f).unwrap()).lines();
    let path = dir.join("datatrove.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut hosts = BTreeMap::new();
    for line in lines {
        let mut m: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&line.unwrap()).unwrap();
        let text = m.remove("text").unwrap();
        let id = m.remove("id").unwrap();
        if let Some(host) = m["url"].as_str().and_then(host) {
            *hosts.entry(host).or_default() += 1;
        }
        let doc = serde_json::json!({"text": text, "id": id, "media": [], "metadata": m});
        writeln!(out, "{doc}").unwrap();
    }
    out.flush().unwrap();
    (path, hosts)
}

fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_owned())
}

fn pipeline(dir: &Path, url_field: Option<&str>, domains: &[&String]) -> PathBuf {
    let mut toml = String::from("[[stage]]\ntype = \"url_filter\"\n");
    if let Some(f) = url_field {
        toml += &format!("url_field = \"{f}\"\n");
    }
    let quoted: Vec<String> = domains.iter().map(|d| format!("\"{d}\"")).collect();
    toml += &format!("extra_domains = [{}]\n", quoted.join(", "));
    let p = dir.join(format!("url_{}.toml", url_field.unwrap_or("default")));
    std::fs::write(&p, toml).unwrap();
    p
}

/// `millstone run --pipeline p -o out input`, quiet, no report; it must succeed.
fn run_pipeline(p: &Path, out: &Path, input: &Path) -> std::process::Output {
    let (p, o, i) = (
        p.display().to_string(),
        out.display().to_string(),
        input.display().to_string(),
    );
    let run = millstone(&["run", "--pipeline", &p, "-q", "--no-report", "-o", &o, &i]);
    assert_ok(&run);
    run
}

#[test]
fn url_filter_reads_metadata_url_and_warns_about_a_missing_field() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, hosts) = datatrove_layout(tmp.path());
    // Block the three most frequent sites of the sample (hosts with two labels, so that the
    // registered domain is the host itself).
    let mut by_count: Vec<(&String, &usize)> = hosts
        .iter()
        .filter(|(h, _)| h.matches('.').count() == 1)
        .collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let blocked: Vec<&String> = by_count.iter().take(3).map(|(h, _)| *h).collect();
    let expected: usize = by_count.iter().take(3).map(|(_, n)| **n).sum();
    assert!(expected >= 3, "{by_count:?}");

    // `metadata.url`: the filter acts on the nested URL.
    let out = tmp.path().join("nested");
    let p = pipeline(tmp.path(), Some("metadata.url"), &blocked);
    run_pipeline(&p, &out, &input);
    let s = stats(&out);
    assert_eq!(s["documents"]["read"], 1000);
    assert_eq!(s["documents"]["dropped"], expected as u64);
    assert!(s.get("warnings").is_none(), "{s}");
    for r in records(&out, "dropped") {
        let h = host(r["metadata"]["url"].as_str().unwrap()).unwrap();
        assert!(blocked.contains(&&h), "{h}");
        assert_eq!(r["millstone"]["drop"]["reason"], "domain");
    }
    // Kept records keep datatrove's layout.
    let kept = records(&out, "kept");
    assert_eq!(kept.len(), 1000 - expected);
    assert!(kept[0]["metadata"]["url"].is_string() && kept[0]["media"].is_array());

    // The default `url` field: nothing can be filtered, and the run says why.
    let out = tmp.path().join("top");
    let p = pipeline(tmp.path(), None, &blocked);
    let run = run_pipeline(&p, &out, &input);
    let s = stats(&out);
    assert_eq!(s["documents"]["dropped"], 0);
    let warning = "url_filter: field `url` missing in 1,000 of 1,000 documents";
    assert_eq!(s["warnings"], serde_json::json!([warning]));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(&format!("warning: {warning}")), "{stderr}");
}

#[test]
fn dash_reads_standard_input_and_urls_say_what_is_not_supported() {
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = datatrove_layout(tmp.path());
    let out = tmp.path().join("stdin");
    let p = pipeline(tmp.path(), Some("metadata.url"), &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_millstone"))
        .args([
            "run",
            "--pipeline",
            p.to_str().unwrap(),
            "-q",
            "--no-report",
            "-o",
        ])
        .arg(&out)
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&input).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_ok(&o);
    assert_eq!(stats(&out)["documents"]["read"], 1000);

    for (args, needle) in [
        (
            vec!["hf://datasets/HuggingFaceFW/fineweb/data"],
            "download the dataset first",
        ),
        (vec!["gs://bucket/x.jsonl"], "`gs://` is not supported"),
    ] {
        let mut all = vec!["run", "--preset", "c4", "-o", tmp.path().to_str().unwrap()];
        all.extend(args);
        let o = millstone(&all);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{err}");
    }
    let o = millstone(&[
        "run",
        "--preset",
        "c4",
        "-o",
        "hf://datasets/me/out",
        input.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("output folder `hf://datasets/me/out`"),
        "{err}"
    );
}
