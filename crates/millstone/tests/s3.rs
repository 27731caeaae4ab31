//! Object storage round trip: input read from `s3://`, kept/ (and the rest of the output folder)
//! written to `s3://`, against a local S3-compatible server (moto, from the venv of
//! `tools/pyenv/setup.sh`) started on 127.0.0.1 at a free port. The output equals, byte for byte,
//! the same run on local files. Built with the binary's `s3` feature (tools/test.sh enables it).
#![cfg(feature = "s3")]

mod common;
use common::{assert_ok, stats};

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn venv_bin(name: &str) -> PathBuf {
    let p = repo().join("tools/pyenv/.venv/bin").join(name);
    assert!(
        p.exists(),
        "the S3 test needs {} from the Python venv: run `bash tools/pyenv/setup.sh` (tools/test.sh \
         runs it)",
        p.display()
    );
    p
}

/// The local server, stopped when dropped (also when the test fails).
struct Server {
    child: Child,
    endpoint: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(venv_bin("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "moto did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// `tools/pyenv/s3_objects.py` against the server; its stdout.
fn objects(server: &Server, args: &[&str]) -> String {
    let out = Command::new(venv_bin("python"))
        .arg(repo().join("tools/pyenv/s3_objects.py"))
        .arg(args[0])
        .arg(&server.endpoint)
        .args(&args[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "s3_objects.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn millstone_s3(server: &Server, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_millstone"))
        .args(args)
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap()
}

#[test]
fn a_run_reads_from_and_writes_to_s3_like_a_local_run() {
    let server = start_server();
    let tmp = tempfile::tempdir().unwrap();
    let sample = repo().join("data/sample/webpages.jsonl.zst");
    objects(
        &server,
        &[
            "put",
            "crawl",
            "cc/part-0.jsonl.zst",
            sample.to_str().unwrap(),
        ],
    );
    objects(
        &server,
        &["put", "corpus", "placeholder", sample.to_str().unwrap()],
    );

    // The same run on local files, for comparison.
    let local_in = tmp.path().join("in");
    std::fs::create_dir(&local_in).unwrap();
    std::fs::copy(&sample, local_in.join("part-0.jsonl.zst")).unwrap();
    let local = tmp.path().join("local");
    let args = ["run", "--preset", "fineweb", "-q", "--no-report", "-o"];
    let mut run = args.to_vec();
    let (l, i) = (local.display().to_string(), local_in.display().to_string());
    run.extend([l.as_str(), i.as_str()]);
    assert_ok(&millstone_s3(&server, &run));

    let mut run = args.to_vec();
    run.extend(["s3://corpus/fineweb/2026", "s3://crawl/cc"]);
    let o = millstone_s3(&server, &run);
    assert_ok(&o);
    let listed = objects(&server, &["list", "corpus", "fineweb/2026/"]);
    let keys: Vec<&str> = listed.lines().collect();
    for want in [
        "fineweb/2026/kept/part-00000.jsonl.zst",
        "fineweb/2026/dropped/part-00000.jsonl.zst",
        "fineweb/2026/stats.json",
    ] {
        assert!(keys.contains(&want), "{want} not in {keys:?}");
    }
    assert!(!keys.iter().any(|k| k.contains(".millstone")), "{keys:?}");
    let back = tmp.path().join("back");
    std::fs::create_dir_all(back.join("kept")).unwrap();
    for rel in ["kept/part-00000.jsonl.zst", "stats.json"] {
        let key = format!("fineweb/2026/{rel}");
        let file = back.join(rel);
        objects(&server, &["get", "corpus", &key, file.to_str().unwrap()]);
    }
    assert_eq!(
        std::fs::read(back.join("kept/part-00000.jsonl.zst")).unwrap(),
        std::fs::read(local.join("kept/part-00000.jsonl.zst")).unwrap(),
        "kept/ from s3 differs from the local run's"
    );
    let (remote, here) = (stats(&back), stats(&local));
    assert_eq!(remote["documents"], here["documents"]);
    assert_eq!(remote["documents"]["read"], 1000);
    assert!(remote["documents"]["kept"].as_u64().unwrap() > 0);

    // A prefix with nothing under it is an error naming it.
    let mut run = args.to_vec();
    let out = tmp.path().join("none").display().to_string();
    run.extend([out.as_str(), "s3://crawl/nothing-here"]);
    let o = millstone_s3(&server, &run);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("s3://crawl/nothing-here") && err.contains("no objects"),
        "{err}"
    );
}
