//! Parquet output as other tools read it: pyarrow and HF `datasets` read kept/ and dropped/ with
//! the input's schema (nested lists and structs included) plus a struct column `millstone`, from
//! Parquet input and from JSONL input; Parquet input written as JSONL keeps the nesting.
//!
//! The Python is the venv made by `tools/pyenv/setup.sh` (which `tools/test.sh` runs); without it
//! these tests fail, saying how to make it.

mod common;
use common::{assert_ok, millstone, records};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let py = repo().join("tools/pyenv/.venv/bin/python");
    assert!(
        py.exists(),
        "the Parquet interoperability test needs the Python venv {}: run `bash tools/pyenv/setup.sh` \
         (tools/test.sh runs it)",
        py.display()
    );
    py
}

/// Run `tools/pyenv/parquet_check.py` with `args`; its stdout, or fail with its stderr.
fn check_script(args: &[&str]) -> String {
    let out = Command::new(python())
        .arg(repo().join("tools/pyenv/parquet_check.py"))
        .args(args)
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parquet_check.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The first `n` pages of the bundled sample as plain JSONL.
fn pages(dir: &Path, n: usize) -> PathBuf {
    let bytes = zstd::decode_all(
        &std::fs::read(repo().join("data/sample/webpages.jsonl.zst")).unwrap()[..],
    )
    .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().take(n).collect();
    let p = dir.join("pages.jsonl");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

fn run(format: &[&str], out: &Path, input: &Path) {
    let mut args = vec!["run", "--preset", "fineweb", "-q", "--no-report", "-o"];
    let (o, i) = (out.display().to_string(), input.display().to_string());
    args.push(&o);
    args.extend(format);
    args.push(&i);
    assert_ok(&millstone(&args));
}

#[test]
fn pyarrow_and_datasets_read_kept_and_dropped_with_the_input_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let pages = pages(tmp.path(), 300);
    let (in_pq, in_jsonl) = (tmp.path().join("in.parquet"), tmp.path().join("in.jsonl"));
    check_script(&[
        "make-input",
        pages.to_str().unwrap(),
        in_pq.to_str().unwrap(),
        in_jsonl.to_str().unwrap(),
    ]);
    // Parquet → Parquet and JSONL → Parquet: the same schema either way.
    for (name, input) in [("from-parquet", &in_pq), ("from-jsonl", &in_jsonl)] {
        let out = tmp.path().join(name);
        run(&["--format", "parquet"], &out, input);
        let report: Value = serde_json::from_str(&check_script(&[
            "check",
            in_pq.to_str().unwrap(),
            out.to_str().unwrap(),
        ]))
        .unwrap();
        let (kept, dropped) = (
            report["kept"]["rows"].as_u64().unwrap(),
            report["dropped"]["rows"].as_u64().unwrap(),
        );
        assert_eq!(kept + dropped, 300, "{name}: {report}");
        assert!(kept > 0 && dropped > 0, "{name}: {report}");
        let schema = report["dropped"]["schema"].as_str().unwrap();
        assert!(
            schema.contains("tags: list<item: string>"),
            "{name}: {schema}"
        );
        assert!(
            schema.contains("drop: struct<stage: string, reason: string"),
            "{name}: {schema}"
        );
    }
    // Parquet → JSONL: lists and structs stay JSON arrays and objects, equal to the input's.
    let out = tmp.path().join("to-jsonl");
    run(&[], &out, &in_pq);
    let input: HashMap<String, Value> = std::fs::read_to_string(&in_jsonl)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    let mut seen = 0;
    for sub in ["kept", "dropped"] {
        for r in records(&out, sub) {
            let original = &input[r["id"].as_str().unwrap()];
            for key in ["tags", "metadata", "spans"] {
                assert_eq!(r[key], original[key], "{sub} {key}");
            }
            assert!(r["millstone"].is_object());
            seen += 1;
        }
    }
    assert_eq!(seen, 300);
}
