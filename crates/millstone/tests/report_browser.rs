//! The report of the bundled sample run, opened in headless Chromium as a reader would: no
//! console errors, charts drawn, the sample browser responds to clicks, and a hostile document
//! (script tags, handlers, `</textarea>`, a `javascript:` URL) shows as text and runs nothing.
//!
//! Needs Node.js, Debian's `chromium` and `tools/browser-test/node_modules`: `tools/test.sh`
//! installs them (CI runs it). Without them this test fails, saying so; it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn sample_report_renders_and_responds_in_chromium() {
    let root = repo();
    let tool = root.join("tools/browser-test");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists() && tool.join("node_modules/playwright-core").exists(),
        "the browser test needs Chromium ({chromium}) and tools/browser-test/node_modules: \
         run `bash tools/test.sh`, which installs them"
    );

    let tmp = tempfile::tempdir().unwrap();
    // Inputs are read in path order and the report samples each group's first documents, so the
    // hostile file and a copy of the sample sit in one folder with the hostile one sorted first:
    // where the checkout lives (before or after the temp folder) must not decide what is sampled.
    let hostile = tmp.path().join("0-hostile.jsonl");
    let sample = tmp.path().join("1-sample.jsonl.zst");
    std::fs::copy(root.join("data/sample/webpages.jsonl.zst"), &sample).unwrap();
    let script = "<script>window.__pwned=1</script>";
    let docs = [
        serde_json::json!({"id": "</textarea><img src=x onerror=\"window.__pwned=2\">", "url": "javascript:window.__pwned=3",
                           "text": format!("{script} short")}),
        serde_json::json!({"id": "hostile-2", "url": "https://example.org/\"><script>window.__pwned=4</script>",
                           "text": format!("<img src=x onerror=\"window.__pwned=5\"> {script} \u{202e}reversed")}),
    ];
    let mut text: String = docs.iter().map(|d| format!("{d}\n")).collect();
    text.push_str("{\"id\": \"broken\", \"text\": \"<script>window.__pwned=6</script>\n");
    std::fs::write(&hostile, text).unwrap();

    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_millstone"))
        .args(["run", "--preset", "fineweb", "-q", "-o"])
        .arg(&out)
        .arg(&hostile)
        .arg(&sample)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = out.join("report.html");
    assert!(report.exists(), "run wrote no report.html");

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-sample.png");
    let check = Command::new("node")
        .arg(tool.join("report.mjs"))
        .arg(&report)
        .arg(&shot)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "browser check failed: {stdout}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let findings: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(findings["ok"], true);
    assert!(
        findings["found"]["groups"].as_u64().unwrap() > 3,
        "{findings}"
    );
    assert!(shot.exists());
}
