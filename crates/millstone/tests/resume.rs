//! Crash-safe resume: runs killed (`SIGKILL`) at random moments and resumed give output
//! byte-identical to an uninterrupted run; the lock and the settings check refuse what would
//! corrupt a run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_millstone"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/webpages.jsonl.zst")
}

fn args(out: &Path, threads: &str) -> Vec<String> {
    // `news` = boilerplate (with its cross-document counting pass, redone on resume) and the
    // FineWeb recipe.
    resumable(
        &["run", "--preset", "news", "--shard-size", "512K"],
        out,
        threads,
    )
}

/// `lead` (subcommand and its options), then the options every resumable run here shares.
fn resumable(lead: &[&str], out: &Path, threads: &str) -> Vec<String> {
    lead.iter()
        .chain(&["--resume", "-q", "--threads", threads, "-o"])
        .map(|s| s.to_string())
        .chain([out.display().to_string(), sample().display().to_string()])
        .collect()
}

/// Every output file (not the `.millstone` state) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for sub in ["kept", "dropped", "rejected"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            for e in entries {
                let e = e.unwrap();
                files.insert(
                    format!("{sub}/{}", e.file_name().to_string_lossy()),
                    std::fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    files.insert(
        "stats.json".into(),
        std::fs::read(dir.join("stats.json")).unwrap(),
    );
    files
}

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn killed_and_resumed_runs_equal_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    let started = Instant::now();
    let out = bin().args(args(&reference, "2")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = started.elapsed();
    let want = snapshot(&reference);
    assert!(
        want.len() > 6,
        "expected many parts, got {:?}",
        want.keys().collect::<Vec<_>>()
    );

    let mut rng = Lcg(20261125);
    let mut kills = 0;
    for run in 0..20 {
        let dir = tmp.path().join(format!("run-{run}"));
        // A first kill between 5 % and 70 % of an uninterrupted run's time (retried on a fresh
        // folder with half the delay if the machine was faster and the run already finished),
        // then up to two more anywhere in the first half of the rest, alternating thread
        // counts; then the run is resumed to its end.
        let span = full.as_micros() as u64;
        kill_once(
            &args(&dir, "1"),
            &dir,
            span / 20 + rng.next() % (span * 13 / 20 + 1),
        );
        kills += 1;
        for attempt in 1..4 {
            let threads = if (run + attempt) % 2 == 0 { "1" } else { "3" };
            let mut child = bin()
                .args(args(&dir, threads))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            if attempt < 3 {
                std::thread::sleep(Duration::from_micros(rng.next() % (span / 2 + 1)));
                if child.try_wait().unwrap().is_none() {
                    child.kill().unwrap();
                    kills += 1;
                }
                child.wait().unwrap();
            } else {
                let out = child.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "run {run}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        assert_same(run, &snapshot(&dir), &want);
    }
    eprintln!("{kills} kills over 20 runs");
}

/// `millstone dedup` (a corpus pass that clusters, then the output pass): killed and resumed
/// runs give the same outputs and `clusters.jsonl` as an uninterrupted one.
#[test]
fn killed_and_resumed_dedup_runs_equal_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dedup_args =
        |out: &Path, threads: &str| resumable(&["dedup", "--shard-size", "256K"], out, threads);
    let with_clusters = |dir: &Path| {
        let mut files = snapshot(dir);
        files.insert(
            "clusters.jsonl".into(),
            std::fs::read(dir.join("clusters.jsonl")).unwrap(),
        );
        files
    };
    let reference = tmp.path().join("reference");
    let started = Instant::now();
    let out = bin().args(dedup_args(&reference, "2")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let span = started.elapsed().as_micros() as u64;
    let want = with_clusters(&reference);
    assert!(
        want.len() > 4,
        "expected several parts: {:?}",
        want.keys().collect::<Vec<_>>()
    );
    let mut rng = Lcg(20261126);
    for run in 0..6 {
        let dir = tmp.path().join(format!("run-{run}"));
        kill_once(
            &dedup_args(&dir, "1"),
            &dir,
            span / 10 + rng.next() % (span * 8 / 10 + 1),
        );
        let out = bin().args(dedup_args(&dir, "3")).output().unwrap();
        assert!(
            out.status.success(),
            "run {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same(run, &with_clusters(&dir), &want);
    }
}

#[test]
fn a_folder_in_use_is_refused_and_a_stale_lock_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join(".millstone")).unwrap();
    // A live process (this test) holds the lock.
    std::fs::write(
        out.join(".millstone/lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let res = bin().args(args(&out, "2")).output().unwrap();
    assert!(!res.status.success());
    assert!(String::from_utf8_lossy(&res.stderr).contains("in use by another millstone run"));
    // A dead one: the lock is stale and taken over.
    std::fs::write(out.join(".millstone/lock"), "999999999\n").unwrap();
    let res = bin().args(args(&out, "2")).output().unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert!(
        !out.join(".millstone/lock").exists(),
        "the lock is released at the end"
    );
}

#[test]
fn resume_refuses_other_settings_and_a_complete_run_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(bin()
        .args(args(&out, "2"))
        .output()
        .unwrap()
        .status
        .success());
    let before = snapshot(&out);
    // Same command again: already complete, nothing rewritten.
    let res = bin().args(args(&out, "2")).output().unwrap();
    assert!(res.status.success());
    assert_eq!(snapshot(&out), before);
    // Other settings: refused.
    let mut other = args(&out, "2");
    other[2] = "gopher".into();
    let res = bin().args(other).output().unwrap();
    assert!(!res.status.success());
    assert!(String::from_utf8_lossy(&res.stderr).contains("other inputs or settings"));
}

/// The same for Parquet output (whose column layout is fixed from the first rows and carried
/// across a resume in the checkpoint): 6 runs killed once each, then resumed.
#[test]
fn killed_and_resumed_parquet_runs_equal_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let parquet_args = |out: &Path| {
        let mut a = args(out, "2");
        a.splice(1..1, ["--format".to_string(), "parquet".to_string()]);
        a
    };
    let reference = tmp.path().join("reference");
    let started = Instant::now();
    let out = bin().args(parquet_args(&reference)).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let span = started.elapsed().as_micros() as u64;
    let want = snapshot(&reference);
    assert!(want.keys().any(|k| k.ends_with(".parquet")));
    let mut rng = Lcg(7);
    for run in 0..6 {
        let dir = tmp.path().join(format!("run-{run}"));
        kill_once(
            &parquet_args(&dir),
            &dir,
            span / 10 + rng.next() % (span * 6 / 10 + 1),
        );
        let out = bin().args(parquet_args(&dir)).output().unwrap();
        assert!(
            out.status.success(),
            "run {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same(run, &snapshot(&dir), &want);
    }
}

/// Start a run and kill it (SIGKILL) after `delay_us`; if it finished first (a fast machine),
/// start over on a fresh folder with half the delay, until a run is killed mid-way.
fn kill_once(args: &[String], dir: &Path, mut delay_us: u64) {
    loop {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(delay_us));
        let running = child.try_wait().unwrap().is_none();
        if running {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        if running {
            return;
        }
        std::fs::remove_dir_all(dir).unwrap();
        delay_us /= 2;
    }
}

/// The same files with the same bytes as the uninterrupted run.
fn assert_same(run: usize, got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "run {run}: different files"
    );
    for (name, bytes) in want {
        assert!(
            got[name] == *bytes,
            "run {run}: {name} differs from the uninterrupted run"
        );
    }
}
