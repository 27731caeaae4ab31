//! Hostile input, end to end: the real binary on the corpus in `tests/hostile/` (see its
//! README.md) and on big inputs generated here. Every bad record must be rejected with a message
//! naming file and record, counted in `stats.json` by kind, never panic, never stop the run, and
//! the good records around it must still be processed.
//!
//! Cases (numbers of the "Nothing lost, nothing trusted" issue): 1 malformed records, 2 invalid
//! UTF-8 (reject / replace), 3 NUL bytes and binary junk, 4 a 200 MB record, 5 truncated
//! compressed streams, 6 empty files, 7 decompression bombs, 8 Parquet with the wrong schema,
//! 9 paths that cannot be read, 10 `--max-rejected` and exit codes.

mod common;
use common::{records, stats};

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

fn corpus_file(name: &str) -> String {
    corpus().join(name).display().to_string()
}

/// `millstone run --preset c4 -o OUT ARGS...`, killed (and the test failed) after `timeout`.
fn run_in(out: &Path, args: &[&str], timeout: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_millstone"));
    cmd.args(["run", "--preset", "c4", "-o", out.to_str().unwrap()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("start millstone");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(timeout) {
        Ok(out) => out.expect("wait for millstone"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("millstone {args:?} did not finish within {timeout:?}");
        }
    }
}

fn run(out: &Path, args: &[&str]) -> Output {
    run_in(out, args, Duration::from_secs(120))
}

/// Like [`run`], also measuring the peak resident memory (KiB) of the process: with
/// `/usr/bin/time` where there is one, else by polling `/proc/PID/status` (VmHWM is a high-water
/// mark, so the last reading before exit is the peak up to then).
fn run_measured(out: &Path, args: &[&str]) -> (Output, u64) {
    run_measured_preset(out, "c4", args)
}

/// [`run_measured`] with another preset.
fn run_measured_preset(out: &Path, preset: &str, args: &[&str]) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "%M", "-o"])
            .arg(out.with_extension("rss"))
            .arg(env!("CARGO_BIN_EXE_millstone"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_millstone"))
    };
    cmd.args(["run", "--preset", preset, "-o", out.to_str().unwrap()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start millstone");
    let status_path = format!("/proc/{}/status", child.id());
    let mut polled = 0u64;
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if let Some(kb) = std::fs::read_to_string(&status_path)
            .ok()
            .and_then(|s| vm_hwm_kb(&s))
        {
            polled = polled.max(kb);
        }
        assert!(started.elapsed() < Duration::from_secs(300), "too slow");
        std::thread::sleep(Duration::from_millis(2));
    }
    let output = child.wait_with_output().unwrap();
    let peak = if time.exists() {
        let text = std::fs::read_to_string(out.with_extension("rss")).unwrap();
        text.trim().lines().last().unwrap().trim().parse().unwrap()
    } else {
        polled
    };
    (output, peak)
}

fn vm_hwm_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "millstone failed ({:?}):\n{}",
        out.status.code(),
        stderr(out)
    );
}

/// Kept and dropped documents by id.
fn processed(dir: &Path) -> BTreeMap<String, Value> {
    let mut docs = BTreeMap::new();
    for sub in ["kept", "dropped"] {
        for r in records(dir, sub) {
            docs.insert(r["id"].as_str().unwrap().to_owned(), r);
        }
    }
    docs
}

/// A rejection as `(file name, record, kind)`.
fn key(r: &Value) -> (String, u64, String) {
    let file = Path::new(r["file"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (
        file,
        r["record"].as_u64().unwrap(),
        r["kind"].as_str().unwrap().to_owned(),
    )
}

/// The checks every run must pass: accounting, stats agree with the files, every rejection names
/// its file (and, past record 0, its record) in its error.
fn check_accounting(dir: &Path) -> Value {
    let s = stats(dir);
    let d = &s["documents"];
    let n = |k: &str| d[k].as_u64().unwrap();
    assert_eq!(n("read"), n("kept") + n("dropped") + n("rejected"), "{s}");
    let rejected = records(dir, "rejected");
    assert_eq!(rejected.len() as u64, n("rejected"));
    assert_eq!(
        processed(dir).len() as u64,
        n("kept") + n("dropped"),
        "ids are unique in this corpus"
    );
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rejected {
        *by_kind
            .entry(r["kind"].as_str().unwrap().into())
            .or_default() += 1;
        let (file, record, error) = (
            r["file"].as_str().unwrap(),
            r["record"].as_u64().unwrap(),
            r["error"].as_str().unwrap(),
        );
        assert!(error.starts_with(file), "error names the file: {r}");
        if record > 0 && (file.ends_with(".jsonl") || file.contains(".jsonl.")) {
            assert!(
                error.starts_with(&format!("{file}:{record}: ")),
                "error names the line: {r}"
            );
        }
    }
    let in_stats: BTreeMap<String, u64> = serde_json::from_value(s["rejected_by"].clone()).unwrap();
    assert_eq!(in_stats, by_kind);
    s
}

fn rejections(dir: &Path) -> Vec<((String, u64, String), Value)> {
    records(dir, "rejected")
        .into_iter()
        .map(|r| (key(&r), r))
        .collect()
}

fn keys(dir: &Path) -> Vec<(String, u64, String)> {
    rejections(dir).into_iter().map(|(k, _)| k).collect()
}

fn k(file: &str, record: u64, kind: &str) -> (String, u64, String) {
    (file.to_owned(), record, kind.to_owned())
}

fn error_of(dir: &Path, file: &str, record: u64) -> String {
    rejections(dir)
        .into_iter()
        .find(|((f, r, _), _)| f == file && *r == record)
        .map(|(_, v)| v["error"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no rejection of {file}:{record}"))
}

fn assert_processed(dir: &Path, ids: &[&str]) {
    let docs = processed(dir);
    for id in ids {
        assert!(docs.contains_key(*id), "{id} was not processed: {docs:?}");
    }
}

/// Every committed file, and the whole folder: exit 0, every case rejected as expected, every
/// good record processed.
#[test]
fn whole_corpus_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(&out, &[&corpus().display().to_string()]);
    assert_ok(&o);
    let s = check_accounting(&out);
    assert_eq!(
        keys(&out),
        [
            k("binary.jsonl", 2, "invalid_json"),
            k("binary.jsonl", 3, "invalid_json"),
            k("binary.jsonl", 4, "invalid_utf8"),
            k("bomb.jsonl.gz", 2, "decompression_bomb"),
            k("bomb.jsonl.zst", 2, "decompression_bomb"),
            k("empty.jsonl", 0, "empty_file"),
            k("empty.jsonl.gz", 0, "empty_file"),
            k("empty.parquet", 0, "empty_file"),
            k("empty.txt", 0, "empty_file"),
            k("int-text-column.parquet", 0, "parquet"),
            k("invalid-utf8.jsonl", 2, "invalid_utf8"),
            k("invalid-utf8.jsonl", 3, "invalid_utf8"),
            k("latin1.txt", 1, "invalid_utf8"),
            k("malformed.jsonl", 2, "invalid_json"),
            k("malformed.jsonl", 3, "not_an_object"),
            k("malformed.jsonl", 4, "not_an_object"),
            k("malformed.jsonl", 5, "missing_text"),
            k("malformed.jsonl", 6, "missing_text"),
            k("malformed.jsonl", 7, "non_string_text"),
            k("malformed.jsonl", 8, "non_string_text"),
            k("no-text-column.parquet", 0, "parquet"),
            k("truncated.jsonl.gz", 22, "decompression"),
            k("truncated.jsonl.zst", 16, "decompression"),
            k("utf16.txt", 1, "invalid_utf8"),
        ]
    );
    let mut ids: Vec<String> = [
        "malformed-good-1",
        "malformed-good-2",
        "utf8-good-1",
        "utf8-good-2",
        "binary-good-1",
        "binary-good-2",
        "escaped-nul",
        "gz-bomb-good",
        "zst-bomb-good",
    ]
    .map(String::from)
    .to_vec();
    ids.extend((1..=21).map(|i| format!("gz-{i:02}")));
    ids.extend((1..=15).map(|i| format!("zst-{i:02}")));
    ids.sort();
    assert_eq!(processed(&out).into_keys().collect::<Vec<_>>(), ids);
    assert_eq!(s["documents"]["read"], 24 + ids.len());
    // Rejections are a warning by default, naming the count by kind.
    let err = stderr(&o);
    assert!(
        err.contains("warning: 24 of 69 records rejected (3 invalid_json, 2 not_an_object"),
        "{err}"
    );
}

#[test]
fn each_corpus_file_alone_exits_0_and_accounts_for_every_record() {
    // Exit 0 unless every record of the file was rejected: then exit 3 (nothing could be read).
    let tmp = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md") && !n.ends_with(".py"))
        .collect();
    names.sort();
    assert!(names.len() >= 16, "{names:?}");
    for name in names {
        let out = tmp.path().join(&name);
        let o = run(&out, &["-q", &corpus_file(&name)]);
        assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
        let s = check_accounting(&out);
        let docs = &s["documents"];
        if docs["read"].as_u64() > Some(0) && docs["read"] == docs["rejected"] {
            assert_eq!(o.status.code(), Some(3), "{name}: {}", stderr(&o));
            assert!(stderr(&o).contains("every record was rejected"), "{name}");
        } else {
            assert_ok(&o);
        }
    }
}

/// Case 1: malformed JSON, JSON that is not an object, no text, text not a string.
#[test]
fn case1_malformed_records_are_rejected_by_kind_with_line_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_ok(&run(&out, &[&corpus_file("malformed.jsonl")]));
    let s = check_accounting(&out);
    assert_eq!(
        keys(&out),
        [
            k("malformed.jsonl", 2, "invalid_json"),
            k("malformed.jsonl", 3, "not_an_object"),
            k("malformed.jsonl", 4, "not_an_object"),
            k("malformed.jsonl", 5, "missing_text"),
            k("malformed.jsonl", 6, "missing_text"),
            k("malformed.jsonl", 7, "non_string_text"),
            k("malformed.jsonl", 8, "non_string_text"),
        ]
    );
    let e = |line| error_of(&out, "malformed.jsonl", line);
    assert!(e(2).contains("invalid JSON: EOF while parsing"), "{}", e(2));
    assert!(e(3).ends_with("expected a JSON object, found an array"));
    assert!(e(4).ends_with("expected a JSON object, found a string"));
    assert!(e(5).ends_with("no `text` field"));
    assert!(e(6).ends_with("`text` is null"));
    assert!(e(7).ends_with("`text` is a number, not a string"));
    assert!(e(8).ends_with("`text` is an object, not a string"));
    let r = &records(&out, "rejected")[0];
    assert_eq!(r["excerpt"], "{\"id\": \"broken\", \"text\": ");
    assert!(r["offset"].as_u64().unwrap() > 0);
    // The blank line 9 is not a record; lines 1 and 10 are processed.
    assert_eq!(s["documents"]["read"], 9);
    assert_processed(&out, &["malformed-good-1", "malformed-good-2"]);
}

/// Case 2: invalid UTF-8 is rejected by default, replaced and flagged with `--invalid-utf8
/// replace`.
#[test]
fn case2_invalid_utf8_is_rejected_by_default_and_replaced_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = [corpus_file("invalid-utf8.jsonl"), corpus_file("latin1.txt")];
    let out = tmp.path().join("reject");
    assert_ok(&run(&out, &[&inputs[0], &inputs[1]]));
    check_accounting(&out);
    assert_eq!(
        keys(&out),
        [
            k("invalid-utf8.jsonl", 2, "invalid_utf8"),
            k("invalid-utf8.jsonl", 3, "invalid_utf8"),
            k("latin1.txt", 1, "invalid_utf8"),
        ]
    );
    assert!(
        error_of(&out, "invalid-utf8.jsonl", 2).ends_with("invalid UTF-8 at byte 34 of the line")
    );
    assert!(error_of(&out, "latin1.txt", 1).ends_with("invalid UTF-8 at byte 6"));
    assert_processed(&out, &["utf8-good-1", "utf8-good-2"]);

    let out = tmp.path().join("replace");
    let o = run(&out, &["--invalid-utf8", "replace", &inputs[0], &inputs[1]]);
    assert_ok(&o);
    let s = check_accounting(&out);
    assert_eq!(s["documents"]["rejected"], 0);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let docs = processed(&out);
    assert_eq!(docs.len(), 5);
    let flagged = |id: &str| docs[id]["millstone"]["invalid_utf8"] == true;
    assert!(docs["latin1-text"]["text"]
        .as_str()
        .unwrap()
        .starts_with("caf\u{FFFD} cr\u{FFFD}me, "));
    assert_eq!(
        docs["latin1-url"]["url"], "http://example.com/\u{FFFD}",
        "any field may hold the bad bytes"
    );
    assert!(docs["latin1.txt"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Un caf\u{FFFD} cr\u{FFFD}me"));
    for id in ["latin1-text", "latin1-url", "latin1.txt"] {
        assert!(flagged(id), "{id}: {}", docs[id]);
    }
    for id in ["utf8-good-1", "utf8-good-2"] {
        assert!(docs[id]["millstone"].get("invalid_utf8").is_none());
    }
}

/// Case 3: a raw NUL byte makes a JSONL line `invalid_json` (JSON allows NUL only escaped) and a
/// text file `invalid_utf8` (binary data or UTF-16), whatever the UTF-8 policy; binary junk
/// without NUL is `invalid_utf8` (or `invalid_json` once replaced); an escaped `\u0000` in a JSON
/// string is kept as a character.
#[test]
fn case3_nul_bytes_and_binary_junk_are_rejected_escaped_nul_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = [corpus_file("binary.jsonl"), corpus_file("utf16.txt")];
    for (policy, junk_kind) in [("reject", "invalid_utf8"), ("replace", "invalid_json")] {
        let out = tmp.path().join(policy);
        assert_ok(&run(
            &out,
            &["--invalid-utf8", policy, &inputs[0], &inputs[1]],
        ));
        check_accounting(&out);
        assert_eq!(
            keys(&out),
            [
                k("binary.jsonl", 2, "invalid_json"),
                k("binary.jsonl", 3, "invalid_json"),
                k("binary.jsonl", 4, junk_kind),
                k("utf16.txt", 1, "invalid_utf8"),
            ],
            "--invalid-utf8 {policy}"
        );
        assert!(error_of(&out, "binary.jsonl", 2).contains("NUL byte at byte 28 of the line"));
        assert!(error_of(&out, "binary.jsonl", 3).contains("NUL byte at byte 7 of the line"));
        assert!(error_of(&out, "utf16.txt", 1)
            .ends_with("NUL byte at byte 3: binary data (or UTF-16), not UTF-8 text"));
        let docs = processed(&out);
        assert_eq!(
            docs.keys().collect::<Vec<_>>(),
            ["binary-good-1", "binary-good-2", "escaped-nul"]
        );
        assert!(docs["escaped-nul"]["text"]
            .as_str()
            .unwrap()
            .starts_with("before\u{0}after. "));
    }
}

/// Case 4: a 200 MB record is rejected without being read into memory, and the records around it
/// are processed.
#[test]
fn case4_a_200_mb_record_is_rejected_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    writeln!(f, r#"{{"id":"before","text":"A short page."}}"#).unwrap();
    write!(f, r#"{{"id":"huge","text":""#).unwrap();
    let chunk = "lorem ipsum ".repeat(1 << 16); // 768 KiB
    let mut written = 0;
    while written < 200 << 20 {
        f.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
    }
    writeln!(f, r#""}}"#).unwrap();
    writeln!(f, r#"{{"id":"after","text":"Another short page."}}"#).unwrap();
    drop(f);
    // A 200 MB text file too (sparse: its size alone rejects it, it is never read).
    let big_txt = tmp.path().join("big.txt");
    std::fs::File::create(&big_txt)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let inputs = [big.to_str().unwrap(), big_txt.to_str().unwrap()];

    // Default limit (64 MiB): memory peaks near the limit (the first 64 MiB of the line are
    // buffered before it is known to be too long), far below the record.
    let out = tmp.path().join("default");
    let (o, peak_kb) = run_measured(&out, &["-q", inputs[0], inputs[1]]);
    assert_ok(&o);
    check_accounting(&out);
    assert_eq!(
        keys(&out),
        [k("big.jsonl", 2, "too_large"), k("big.txt", 1, "too_large")]
    );
    let e = error_of(&out, "big.jsonl", 2);
    assert!(
        e.ends_with(&format!(
            "line is {} bytes, longer than max_record_bytes = 67108864",
            written + 23
        )),
        "{e}"
    );
    assert!(error_of(&out, "big.txt", 1)
        .ends_with("file is 209715200 bytes, longer than max_record_bytes = 67108864"));
    let r = &records(&out, "rejected")[0];
    assert_eq!(r["excerpt"].as_str().unwrap().len(), 200);
    assert_processed(&out, &["before", "after"]);
    eprintln!(
        "200 MB record, default limit: peak RSS {} MiB",
        peak_kb >> 10
    );
    assert!(peak_kb < 140 << 10, "peak RSS {peak_kb} KiB");

    // A lower limit bounds memory lower.
    let out = tmp.path().join("small");
    let (o, peak_kb) = run_measured(
        &out,
        &["-q", "--max-record-bytes", "4M", inputs[0], inputs[1]],
    );
    assert_ok(&o);
    check_accounting(&out);
    assert!(error_of(&out, "big.jsonl", 2).ends_with("max_record_bytes = 4194304"));
    assert_processed(&out, &["before", "after"]);
    eprintln!("200 MB record, 4M limit: peak RSS {} MiB", peak_kb >> 10);
    assert!(peak_kb < 60 << 10, "peak RSS {peak_kb} KiB");
}

/// Case 4, WARC: a 200 MB response record (one gzip member, HTML) is skipped as `too_large` while
/// it streams past, in bounded memory, and the pages before and after it are extracted.
#[test]
fn case4_a_200_mb_warc_record_is_skipped_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.warc.gz");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let page = |words: &str| {
        format!(
            "<html><body><article><p>{}</p></article></body></html>",
            words.repeat(40)
        )
    };
    let mut member = |uri: &str, body_len: usize, body: &mut dyn FnMut(&mut dyn Write)| {
        let http = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {body_len}\r\n\r\n"
        );
        let head = format!(
            "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{uri}>\r\n\
             WARC-Target-URI: https://example.org/{uri}\r\nWARC-Date: 2026-12-07T00:00:00Z\r\n\
             Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
            http.len() + body_len
        );
        let mut gz = flate2::write::GzEncoder::new(&mut file, flate2::Compression::fast());
        gz.write_all(head.as_bytes()).unwrap();
        gz.write_all(http.as_bytes()).unwrap();
        body(&mut gz);
        gz.write_all(b"\r\n\r\n").unwrap();
        gz.finish().unwrap();
    };
    for (uri, words) in [
        ("before", "The reader kept this page before the big one. "),
        ("", ""),
        (
            "after",
            "And this page after the big one was read as well. ",
        ),
    ] {
        if uri.is_empty() {
            let chunk = "<p>lorem ipsum dolor sit amet</p>\n".repeat(1 << 15);
            let n = (200 << 20) / chunk.len();
            member("huge", n * chunk.len(), &mut |w| {
                for _ in 0..n {
                    w.write_all(chunk.as_bytes()).unwrap();
                }
            });
        } else {
            let body = page(words);
            member(uri, body.len(), &mut |w| {
                w.write_all(body.as_bytes()).unwrap()
            });
        }
    }
    file.into_inner().unwrap();

    let out = tmp.path().join("out");
    let (o, peak_kb) = run_measured_preset(&out, "extract", &["-q", path.to_str().unwrap()]);
    assert_ok(&o);
    check_accounting(&out);
    let s = stats(&out);
    assert_eq!(s["skipped"]["too_large"], 1, "{s}");
    assert_eq!(s["documents"]["read"], 2, "{s}");
    let kept: Vec<String> = records(&out, "kept")
        .iter()
        .map(|d| d["url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kept,
        ["https://example.org/before", "https://example.org/after"]
    );
    eprintln!("200 MB WARC record: peak RSS {} MiB", peak_kb >> 10);
    // The record streams past in the reader's buffers; nothing near its size is held.
    assert!(peak_kb < 100 << 10, "peak RSS {peak_kb} KiB");
}

/// Case 5: a truncated .gz / .zst keeps every complete record before the break and rejects the
/// rest once, with the offset.
#[test]
fn case5_truncated_streams_keep_what_was_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(
        &out,
        &[
            &corpus_file("truncated.jsonl.gz"),
            &corpus_file("truncated.jsonl.zst"),
        ],
    );
    assert_ok(&o);
    check_accounting(&out);
    let rej = rejections(&out);
    assert_eq!(
        rej.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        [
            k("truncated.jsonl.gz", 22, "decompression"),
            k("truncated.jsonl.zst", 16, "decompression"),
        ]
    );
    let gz = &rej[0].1;
    assert_eq!(gz["offset"], 5050);
    assert!(gz["error"].as_str().unwrap().contains(
        "gzip stream truncated or corrupt at decompressed byte offset 5050 (after 505 compressed \
         bytes read)"
    ));
    let zst = &rej[1].1;
    assert_eq!(zst["offset"], 2895);
    assert!(zst["error"]
        .as_str()
        .unwrap()
        .contains("zstd stream truncated or corrupt at decompressed byte offset 2895"));
    let docs = processed(&out);
    let mut want: Vec<String> = (1..=21).map(|i| format!("gz-{i:02}")).collect();
    want.extend((1..=15).map(|i| format!("zst-{i:02}")));
    assert_eq!(docs.into_keys().collect::<Vec<_>>(), want);
}

/// Case 6: an empty file is zero records, not an error (0-byte JSONL, `.gz` and Parquet files,
/// an empty gzip stream); an empty text file is one empty document, dropped by the stages.
#[test]
fn case6_empty_files_are_zero_records() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let names = [
        "empty.jsonl",
        "empty.jsonl.gz",
        "empty-stream.jsonl.gz",
        "empty.parquet",
        "empty.txt",
    ];
    let inputs: Vec<String> = names.iter().map(|n| corpus_file(n)).collect();
    let args: Vec<&str> = inputs.iter().map(String::as_str).collect();
    // Only rejections: `--max-rejected` accepts them (without it the run exits 3).
    let mut args = args;
    args.extend(["--max-rejected", "10"]);
    let o = run(&out, &args);
    assert_ok(&o);
    let s = check_accounting(&out);
    // Each 0-byte file is one `empty_file` rejection; the gzip stream of nothing has bytes on
    // disk and holds zero records.
    let zero_byte = names
        .iter()
        .filter(|n| std::fs::metadata(corpus_file(n)).unwrap().len() == 0)
        .count();
    assert!(zero_byte >= 3, "{zero_byte}");
    assert_eq!(s["documents"]["read"], zero_byte as u64);
    assert_eq!(s["rejected_by"]["empty_file"], zero_byte as u64);
    assert!(
        stderr(&o).contains("from 5 input file(s)"),
        "{}",
        stderr(&o)
    );
}

/// Case 7: decompression bombs (gzip and zstd) are stopped early: one `decompression_bomb`
/// rejection, the rest of the file skipped, the records before it processed; memory and time stay
/// small even for 1 GB of zeros.
#[test]
fn case7_decompression_bombs_are_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    // 1 GiB of zeros after one good record, zstd-compressed as it is generated (about 33 KB).
    let bomb = tmp.path().join("gigabyte.jsonl.zst");
    let mut enc = zstd::Encoder::new(std::fs::File::create(&bomb).unwrap(), 3).unwrap();
    writeln!(enc, r#"{{"id":"giga-good","text":"A short page."}}"#).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap();
    let compressed = std::fs::metadata(&bomb).unwrap().len();
    assert!(compressed < 100_000, "{compressed}");

    let out = tmp.path().join("out");
    let started = Instant::now();
    let (o, peak_kb) = run_measured(
        &out,
        &[
            &corpus_file("bomb.jsonl.gz"),
            &corpus_file("bomb.jsonl.zst"),
            bomb.to_str().unwrap(),
        ],
    );
    let secs = started.elapsed().as_secs_f64();
    assert_ok(&o);
    check_accounting(&out);
    let mut rej = rejections(&out);
    rej.sort_by(|a, b| a.0.cmp(&b.0)); // inputs are read in path order: the temp dir may sort first
    assert_eq!(
        rej.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        [
            k("bomb.jsonl.gz", 2, "decompression_bomb"),
            k("bomb.jsonl.zst", 2, "decompression_bomb"),
            k("gigabyte.jsonl.zst", 2, "decompression_bomb"),
        ]
    );
    for (_, r) in &rej {
        let e = r["error"].as_str().unwrap();
        assert!(e.contains("decompression bomb: "), "{e}");
        assert!(e.contains("over max_decompression_ratio = 1000"), "{e}");
        assert!(e.ends_with("the rest of the file is skipped"), "{e}");
    }
    assert_processed(&out, &["gz-bomb-good", "zst-bomb-good", "giga-good"]);
    eprintln!("bombs: {secs:.2} s, peak RSS {} MiB", peak_kb >> 10);
    assert!(peak_kb < 100 << 10, "peak RSS {peak_kb} KiB");
    assert!(
        secs < 30.0,
        "the 1 GiB bomb was stopped early, not read through"
    );

    // With the check off, the gzip bomb is read through: its 16 MiB line of zeros is then just
    // binary junk (a NUL byte), and the zstd one a line over --max-record-bytes.
    let out = tmp.path().join("off");
    let o = run(
        &out,
        &[
            "--max-decompression-ratio",
            "0",
            "--max-record-bytes",
            "32M",
            &corpus_file("bomb.jsonl.gz"),
            &corpus_file("bomb.jsonl.zst"),
        ],
    );
    assert_ok(&o);
    check_accounting(&out);
    assert_eq!(
        keys(&out),
        [
            k("bomb.jsonl.gz", 2, "invalid_json"),
            k("bomb.jsonl.zst", 2, "too_large"),
        ]
    );
}

/// Case 8: a Parquet file without the text column, or with a text column that is not a string,
/// is one rejection naming the schema; other files go on.
#[test]
fn case8_parquet_with_the_wrong_schema_is_one_rejection() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_ok(&run(
        &out,
        &[
            &corpus_file("no-text-column.parquet"),
            &corpus_file("int-text-column.parquet"),
            &corpus_file("malformed.jsonl"),
        ],
    ));
    check_accounting(&out);
    assert_eq!(
        error_of(&out, "no-text-column.parquet", 0),
        format!(
            "{}: no text column `text`; schema: [id: Utf8, content: Utf8]",
            corpus_file("no-text-column.parquet")
        )
    );
    assert_eq!(
        error_of(&out, "int-text-column.parquet", 0),
        format!(
            "{}: text column `text` is Int64, not a string column; schema: [id: Utf8, text: Int64]",
            corpus_file("int-text-column.parquet")
        )
    );
    assert_processed(&out, &["malformed-good-1", "malformed-good-2"]);
    // With --text-field naming the string column, the same file reads.
    let out = tmp.path().join("content");
    assert_ok(&run(
        &out,
        &[
            "--text-field",
            "content",
            &corpus_file("no-text-column.parquet"),
        ],
    ));
    assert_eq!(stats(&out)["documents"]["rejected"], 0);
    assert_processed(&out, &["pq-1", "pq-2"]);
}

fn running_as_root() -> bool {
    // Permission bits do not bind root (CAP_DAC_OVERRIDE): probe instead of asking for the uid.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("probe");
    std::fs::write(&p, "x").unwrap();
    set_mode(&p, 0o000);
    let readable = std::fs::read(&p).is_ok();
    set_mode(&p, 0o644);
    readable
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Case 9: what a folder walk finds but cannot read — a dangling symbolic link, a link loop, a
/// FIFO (which would block a reader forever), a folder or file without permission — is one `io`
/// rejection each, and the run goes on. Permissions do not bind root: run as root (as CI does),
/// the locked folder and file are simply read, and the test says so.
#[test]
fn case9_unreadable_paths_in_a_folder_are_rejected_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("in");
    std::fs::create_dir_all(root.join("locked")).unwrap();
    let good = |id: &str| format!("{{\"id\":\"{id}\",\"text\":\"A short page.\"}}\n");
    std::fs::write(root.join("good.jsonl"), good("good")).unwrap();
    std::fs::write(root.join("locked/inside.jsonl"), good("inside")).unwrap();
    std::fs::write(root.join("no-permission.jsonl"), good("no-permission")).unwrap();
    std::os::unix::fs::symlink(root.join("nowhere.jsonl"), root.join("dangling.jsonl")).unwrap();
    std::os::unix::fs::symlink(root.join("loop.jsonl"), root.join("loop.jsonl")).unwrap();
    std::os::unix::fs::symlink(root.join("nowhere"), root.join("dangling-other")).unwrap();
    let fifo = root.join("fifo.jsonl");
    let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(st.success());
    set_mode(&root.join("locked"), 0o000);
    set_mode(&root.join("no-permission.jsonl"), 0o000);
    let as_root = running_as_root();

    let out = tmp.path().join("out");
    let o = run_in(
        &out,
        &[root.to_str().unwrap()],
        Duration::from_secs(60), // a FIFO that is opened blocks forever
    );
    set_mode(&root.join("locked"), 0o755);
    assert_ok(&o);
    check_accounting(&out);
    let mut want = vec![
        k("dangling.jsonl", 0, "io"),
        k("fifo.jsonl", 0, "io"),
        k("loop.jsonl", 0, "io"),
    ];
    if !as_root {
        want.insert(2, k("locked", 0, "io"));
        want.push(k("no-permission.jsonl", 0, "io"));
    }
    assert_eq!(keys(&out), want);
    let e = |f: &str| error_of(&out, f, 0);
    let path = |f: &str| root.join(f).display().to_string();
    assert!(e("dangling.jsonl").starts_with(&format!(
        "{}: symbolic link to `{}` cannot be followed: No such file or directory",
        path("dangling.jsonl"),
        path("nowhere.jsonl")
    )));
    assert!(e("loop.jsonl").contains("cannot be followed: Too many levels of symbolic links"));
    assert_eq!(
        e("fifo.jsonl"),
        format!(
            "{}: not a regular file (a FIFO); not read",
            path("fifo.jsonl")
        )
    );
    if as_root {
        eprintln!(
            "case 9: running as root, where permission bits do not bind: the chmod 000 folder \
             and file were read normally; tested: dangling link, link loop, FIFO"
        );
        assert_processed(&out, &["good", "inside", "no-permission"]);
    } else {
        assert!(e("locked").ends_with(
            "cannot list folder: Permission denied (os error 13); its files are not read"
        ));
        assert!(e("no-permission.jsonl").ends_with("cannot open: Permission denied (os error 13)"));
        assert_processed(&out, &["good"]);
    }
}

/// Case 10: rejections are a warning (exit 0) by default, even with `-q`; `--max-rejected N`
/// makes more than N rejections exit 3, after every output was written.
#[test]
fn case10_max_rejected_sets_the_exit_code_after_writing_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = corpus_file("malformed.jsonl");
    let warning = "warning: 7 of 9 records rejected (1 invalid_json, 2 not_an_object, \
                   2 missing_text, 2 non_string_text)";
    for (args, code) in [
        (vec!["-q"], 0),
        (vec!["--max-rejected", "7"], 0),
        (vec!["-q", "--max-rejected", "6"], 3),
        (vec!["--max-rejected", "0"], 3),
    ] {
        let out = tmp.path().join(format!("out-{}", args.join("")));
        let mut all = args.clone();
        all.push(&input);
        let o = run(&out, &all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(warning), "{args:?}: {err}");
        if code == 3 {
            let max = args.last().unwrap();
            assert!(
                err.contains(&format!(
                    "error: 7 records rejected, more than --max-rejected {max} (all outputs were written)"
                )),
                "{err}"
            );
        }
        // Outputs are complete either way.
        let s = check_accounting(&out);
        assert_eq!(s["documents"]["rejected"], 7);
        assert_processed(&out, &["malformed-good-1", "malformed-good-2"]);
    }
    // No rejections: no warning.
    let out = tmp.path().join("clean");
    let o = run(
        &out,
        &["--max-rejected", "0", &corpus_file("empty-stream.jsonl.gz")],
    );
    assert_ok(&o);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}
