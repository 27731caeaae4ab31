//! `millstone run` on crawl formats: WET files read as WARC and accounted for record by record,
//! HTML input refused without an extraction stage, nothing taken for what it is not, folder walks
//! that list what they pass over and never re-read a run's outputs.

mod common;
use common::{assert_ok, millstone, records, stats};

use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/warc")
        .join(rel);
    assert!(p.exists(), "missing fixture {}", p.display());
    p
}

fn pipeline(dir: &Path, body: &str) -> String {
    let p = dir.join("pipeline.toml");
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

const NO_STAGES: &str = "[[stage]]\ntype = \"pii\"\n";

fn run(args: &[&str]) -> std::process::Output {
    let mut all = vec!["run", "-q"];
    all.extend_from_slice(args);
    millstone(&all)
}

#[test]
fn an_uncompressed_wet_file_is_read_as_warc_with_every_record_counted() {
    let tmp = tempfile::tempdir().unwrap();
    // The WET fixture, decompressed and named without an extension.
    let gz = std::fs::read(fixture("whirlwind/whirlwind.warc.wet.gz")).unwrap();
    let mut plain = Vec::new();
    gunzip(&gz, &mut plain);
    let input = tmp.path().join("crawl-wet");
    std::fs::write(&input, &plain).unwrap();
    let p = pipeline(tmp.path(), NO_STAGES);
    let out_dir = tmp.path().join("out");
    let o = run(&[
        "--pipeline",
        &p,
        "-o",
        out_dir.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let s = stats(&out_dir);
    assert_eq!(s["documents"]["read"], 1);
    assert_eq!(s["documents"]["kept"], 1);
    assert_eq!(s["records"]["conversion"], 1);
    assert_eq!(s["records"]["warcinfo"], 1);
    assert_eq!(s["skipped"]["warcinfo"], 1);
    let kept = records(&out_dir, "kept");
    assert!(kept[0]["id"].as_str().unwrap().starts_with("<urn:uuid:"));
    assert_eq!(kept[0]["url"], "https://an.wikipedia.org/wiki/Escopete");
    assert_eq!(kept[0]["warc"]["file"], input.to_str().unwrap());
    assert!(kept[0]["warc"]["offset"].as_u64().unwrap() > 0);
    assert!(kept[0]["text"].as_str().unwrap().starts_with("Escopete"));
}

fn gunzip(gz: &[u8], out: &mut Vec<u8>) {
    // The test crate has zstd but not flate2; decompressing with millstone's own reader would
    // hide its bugs: the system's `gzip -dc` does it.
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(gz).unwrap();
    let o = child.wait_with_output().unwrap();
    out.extend(o.stdout);
}

#[test]
fn html_input_without_an_extraction_stage_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let p = pipeline(tmp.path(), NO_STAGES);
    for input in [
        fixture("whirlwind/whirlwind.warc.gz"),
        fixture("warcio/test/data/example.arc"),
    ] {
        let out_dir = tmp.path().join("out");
        let o = run(&[
            "--pipeline",
            &p,
            "-o",
            out_dir.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("type = \"html_extract\""), "{err}");
        assert!(!out_dir.join("stats.json").exists());
    }
    let page = tmp.path().join("page.html");
    std::fs::write(&page, "<html><body>x</body></html>").unwrap();
    let o = run(&[
        "--pipeline",
        &p,
        "-o",
        tmp.path().join("o2").to_str().unwrap(),
        page.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("html_extract"));
}

#[test]
fn a_csv_is_one_rejection_and_a_run_of_only_rejections_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("table.csv");
    std::fs::write(&csv, "id,text\n1,hello\n2,world\n").unwrap();
    let p = pipeline(tmp.path(), NO_STAGES);
    let out_dir = tmp.path().join("out");
    let o = run(&[
        "--pipeline",
        &p,
        "-o",
        out_dir.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("every record was rejected"));
    let s = stats(&out_dir);
    assert_eq!(s["documents"]["read"], 1);
    assert_eq!(s["rejected_by"]["unsupported_format"], 1);
    let rejected = records(&out_dir, "rejected");
    assert!(rejected[0]["error"]
        .as_str()
        .unwrap()
        .contains("comma-separated table"));
    // --max-rejected says how many rejections are fine.
    let o = run(&[
        "--pipeline",
        &p,
        "--max-rejected",
        "5",
        "--force",
        "-o",
        out_dir.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    assert_ok(&o);
}

#[test]
fn a_walk_never_rereads_an_earlier_run_and_lists_what_it_passed_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dir");
    std::fs::create_dir_all(&dir).unwrap();
    let lines: String = (0..20)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"document number {i}\"}}\n"))
        .collect();
    std::fs::write(dir.join("docs.jsonl"), lines).unwrap();
    std::fs::write(dir.join("notes.csv"), "a,b\n").unwrap();
    let p = pipeline(tmp.path(), NO_STAGES);
    let first = dir.join("out");
    assert_ok(&run(&[
        "--pipeline",
        &p,
        "-o",
        first.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]));
    let second = dir.join("out2");
    assert_ok(&run(&[
        "--pipeline",
        &p,
        "-o",
        second.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]));
    let s = stats(&second);
    assert_eq!(s["documents"]["read"], 20);
    let skipped = s["inputs_skipped"].as_array().unwrap();
    let listed: Vec<(String, String)> = skipped
        .iter()
        .map(|v| {
            let path = v["path"].as_str().unwrap();
            let name = Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, v["reason"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "notes.csv".to_owned(),
                "not an input format (.csv)".to_owned()
            ),
            (
                "out".to_owned(),
                "output folder of a millstone run".to_owned()
            ),
        ]
    );
}

#[test]
fn warc_stats_are_the_same_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let p = pipeline(tmp.path(), NO_STAGES);
    let wet = fixture("whirlwind/whirlwind.warc.wet.gz");
    let jsonl = fixture("dolma/tests/data/multiple_files/cc_en_head-0091.jsonl.gz");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out_dir = tmp.path().join(format!("out{threads}"));
        assert_ok(&run(&[
            "--pipeline",
            &p,
            "--threads",
            threads,
            "--shard-size",
            "4K",
            "-o",
            out_dir.to_str().unwrap(),
            wet.to_str().unwrap(),
            jsonl.to_str().unwrap(),
        ]));
        outs.push(std::fs::read_to_string(out_dir.join("stats.json")).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
    assert!(outs[0].contains("\"conversion\": 1"));
}
