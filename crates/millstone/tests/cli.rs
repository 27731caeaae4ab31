//! End-to-end tests of `millstone run` on real documents and on broken input.

mod common;
use common::{assert_ok, millstone, records, stats};

use std::io::Write;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn sample() -> String {
    repo_root()
        .join("data/sample/webpages.jsonl.zst")
        .display()
        .to_string()
}

#[test]
fn fineweb_preset_on_the_sample_accounts_for_every_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = millstone(&[
        "run",
        "--preset",
        "fineweb",
        "-o",
        dir.path().to_str().unwrap(),
        &sample(),
    ]);
    assert_ok(&out);
    let s = stats(dir.path());
    let docs = &s["documents"];
    let (read, kept, dropped, rejected) = (
        docs["read"].as_u64().unwrap(),
        docs["kept"].as_u64().unwrap(),
        docs["dropped"].as_u64().unwrap(),
        docs["rejected"].as_u64().unwrap(),
    );
    assert_eq!(read, 1000);
    assert_eq!(read, kept + dropped + rejected);
    assert!(kept > 0 && dropped > 0, "kept {kept}, dropped {dropped}");
    let kept_recs = records(dir.path(), "kept");
    let dropped_recs = records(dir.path(), "dropped");
    assert_eq!(kept_recs.len() as u64, kept);
    assert_eq!(dropped_recs.len() as u64, dropped);
    // Input fields survive; drops name stage and reason; stats agree with the records.
    for r in &kept_recs {
        assert!(r["url"].is_string() && r["page_type"].is_string() && r["text"].is_string());
    }
    let by_reason = s["dropped_by"].as_object().unwrap();
    for r in &dropped_recs {
        let d = &r["millstone"]["drop"];
        let key = format!(
            "{}/{}",
            d["stage"].as_str().unwrap(),
            d["reason"].as_str().unwrap()
        );
        assert!(by_reason.contains_key(&key), "{key} not in stats");
    }
    let stages: Vec<_> = s["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "language",
            "gopher_repetition",
            "gopher_quality",
            "c4_quality",
            "fineweb_quality",
            "pii",
            "tokens"
        ]
    );
}

/// A dropped document records what the check measured and the threshold it crossed, in the
/// direction of the check; drops without a measure (`curly_bracket`, `empty`) have neither.
/// Kept documents count GPT-2 tokens, as FineWeb did.
#[test]
fn fineweb_drops_record_value_and_threshold() {
    let dir = tempfile::tempdir().unwrap();
    assert_ok(&millstone(&[
        "run",
        "--preset",
        "fineweb",
        "-q",
        "-o",
        dir.path().to_str().unwrap(),
        &sample(),
    ]));
    // (reason, the configured threshold, true when the measure must be above it)
    let checks: &[(&str, f64, bool)] = &[
        ("language_low_score", 0.65, false),
        ("dup_para_frac", 0.3, true),
        ("dup_para_char_frac", 0.2, true),
        ("dup_line_frac", 0.3, true),
        ("dup_line_char_frac", 0.2, true),
        ("top_2_gram", 0.2, true),
        ("top_3_gram", 0.18, true),
        ("top_4_gram", 0.16, true),
        ("duplicated_5_n_grams", 0.15, true),
        ("duplicated_6_n_grams", 0.14, true),
        ("duplicated_7_n_grams", 0.13, true),
        ("duplicated_8_n_grams", 0.12, true),
        ("duplicated_9_n_grams", 0.11, true),
        ("duplicated_10_n_grams", 0.10, true),
        ("gopher_short_doc", 50.0, false),
        ("gopher_long_doc", 100_000.0, true),
        ("gopher_below_avg_threshold", 3.0, false),
        ("gopher_above_avg_threshold", 10.0, true),
        ("gopher_too_many_hashes", 0.1, true),
        ("gopher_too_many_ellipsis", 0.1, true),
        ("gopher_too_many_bullets", 0.9, true),
        ("gopher_too_many_end_ellipsis", 0.3, true),
        ("gopher_below_alpha_threshold", 0.8, false),
        ("gopher_enough_stop_words", 2.0, false),
        ("too_few_sentences", 5.0, false),
        ("line_punct_ratio", 0.12, false),
        ("short_line_ratio", 0.67, true),
        ("char_dup_ratio", 0.01, true),
        ("list_ratio", 0.3, true),
    ];
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for r in records(dir.path(), "dropped") {
        let d = &r["millstone"]["drop"];
        let reason = d["reason"].as_str().unwrap();
        *seen.entry(reason.to_owned()).or_default() += 1;
        match checks.iter().find(|c| c.0 == reason) {
            Some(&(_, threshold, above)) => {
                let (v, t) = (
                    d["value"].as_f64().unwrap(),
                    d["threshold"].as_f64().unwrap(),
                );
                assert_eq!(t, threshold, "{d}");
                assert!(
                    if above {
                        v > t
                    } else {
                        v < t || (reason == "language_low_score" && v <= t)
                    },
                    "{d}"
                );
            }
            None => {
                assert!(
                    ["curly_bracket", "lorem_ipsum", "empty"].contains(&reason),
                    "{d}"
                );
                assert!(
                    d.get("value").is_none() && d.get("threshold").is_none(),
                    "{d}"
                );
            }
        }
    }
    eprintln!("drops by reason: {seen:?}");
    // The sample exercises measured drops of every stage but C4 (whose `too_few_sentences`
    // comes after FineWeb's language and Gopher filters took those pages).
    for reason in [
        "language_low_score",
        "dup_line_frac",
        "gopher_short_doc",
        "gopher_below_alpha_threshold",
        "line_punct_ratio",
        "char_dup_ratio",
    ] {
        assert!(seen.contains_key(reason), "no {reason} drop in {seen:?}");
    }
}

#[test]
fn output_does_not_depend_on_thread_count() {
    for preset in ["fineweb", "news"] {
        same_output_with_1_and_3_threads(preset);
    }
}

fn same_output_with_1_and_3_threads(preset: &str) {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for (dir, threads) in [(&one, "1"), (&two, "3")] {
        let out = millstone(&[
            "run",
            "--preset",
            preset,
            "--threads",
            threads,
            "--shard-size",
            "2M",
            "-q",
            "-o",
            dir.path().to_str().unwrap(),
            &sample(),
        ]);
        assert_ok(&out);
    }
    for sub in ["kept", "dropped"] {
        let mut a: Vec<_> = std::fs::read_dir(one.path().join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        a.sort();
        assert!(a.len() > 1, "expected several shards in {sub}, got {a:?}");
        for name in a {
            let x = std::fs::read(one.path().join(sub).join(&name)).unwrap();
            let y = std::fs::read(two.path().join(sub).join(&name)).unwrap();
            assert!(
                x == y,
                "{preset}: {sub}/{name:?} differs between --threads 1 and 3"
            );
        }
    }
    assert_eq!(
        std::fs::read(one.path().join("stats.json")).unwrap(),
        std::fs::read(two.path().join("stats.json")).unwrap()
    );
}

#[test]
fn broken_records_are_rejected_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    let good =
        "The harbour authority said on Monday that the new ferry terminal would open in the \
                spring, after delays caused by the storms of last winter and a shortage of steel.";
    let mut f = std::fs::File::create(&input).unwrap();
    writeln!(f, "{}", serde_json::json!({"id": "a", "text": good})).unwrap();
    writeln!(f, "{{\"id\": \"broken\", \"text\": ").unwrap();
    writeln!(f, "[1, 2, 3]").unwrap();
    writeln!(f, "{}", serde_json::json!({"id": "no-text"})).unwrap();
    f.write_all(b"{\"id\": \"bad-utf8\", \"text\": \"caf\xe9\"}\n")
        .unwrap();
    writeln!(f, "{}", serde_json::json!({"id": "b", "text": good})).unwrap();
    drop(f);
    let out_dir = dir.path().join("out");
    let out = millstone(&[
        "run",
        "--preset",
        "c4",
        "-o",
        out_dir.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let s = stats(&out_dir);
    assert_eq!(s["documents"]["read"], 6);
    assert_eq!(s["documents"]["rejected"], 4);
    let rejected = records(&out_dir, "rejected");
    assert_eq!(rejected.len(), 4);
    let lines: Vec<_> = rejected
        .iter()
        .map(|r| r["record"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 4, 5]);
    for r in &rejected {
        assert!(r["file"].as_str().unwrap().ends_with("mixed.jsonl"));
        assert!(!r["error"].as_str().unwrap().is_empty());
    }
    // Both good documents were processed (C4 drops them: one sentence each).
    assert_eq!(s["dropped_by"]["c4_quality/too_few_sentences"], 2);
}

#[test]
fn helpful_errors() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        "[[stage]]\ntype = \"gopher_quality\"\nmin_doc_wrds = 10\n",
    )
    .unwrap();
    let out = millstone(&[
        "run",
        "--pipeline",
        pipeline.to_str().unwrap(),
        "-o",
        dir.path().join("o").to_str().unwrap(),
        &sample(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("min_doc_wrds") && err.contains("p.toml"),
        "{err}"
    );
    // A threshold out of its range: the file, the stage, the option, the value and the range.
    std::fs::write(
        &pipeline,
        "[[stage]]\ntype = \"fineweb_quality\"\nchar_duplicates_ratio = 5\n",
    )
    .unwrap();
    let out = millstone(&[
        "run",
        "--pipeline",
        pipeline.to_str().unwrap(),
        "-o",
        dir.path().join("o").to_str().unwrap(),
        &sample(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.toml: stage #1")
            && err.contains("char_duplicates_ratio = 5 is out of range: it must be [0, 1]"),
        "{err}"
    );

    let out = millstone(&[
        "run",
        "--preset",
        "nope",
        "-o",
        dir.path().join("o").to_str().unwrap(),
        &sample(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown preset `nope`"));

    // A second run into the same folder is refused unless --force.
    let o = dir.path().join("o2");
    let args = [
        "run",
        "--preset",
        "c4",
        "-q",
        "-o",
        o.to_str().unwrap(),
        &sample(),
    ];
    assert_ok(&millstone(&args));
    let again = millstone(&args);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn presets_are_listed_and_shown() {
    let out = millstone(&["presets"]);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    for p in ["c4", "fineweb", "gopher", "news"] {
        assert!(text.contains(p), "{text}");
    }
    let out = millstone(&["presets", "--show", "fineweb"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("filter_no_terminal_punct = false"));
    // The defaults of the options the preset does not set, as comments.
    assert!(shown.contains("\n# dup_line_frac = 0.3\n"), "{shown}");
    assert!(shown.contains("\n# min_num_sentences = 5\n"), "{shown}");
}

/// `millstone stages NAME` for every stage `millstone stages` lists: every option on a line
/// with its type, default, range and meaning.
#[test]
fn stages_lists_every_stage_and_each_stage_its_options() {
    let out = millstone(&["stages"]);
    assert_ok(&out);
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    let names: Vec<&str> = list
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for want in [
        "dedup",
        "fineweb_quality",
        "paragraph_dedup",
        "pii",
        "tokens",
        "url_filter",
    ] {
        assert!(names.contains(&want), "{list}");
    }
    for name in names {
        let out = millstone(&["stages", name]);
        assert_ok(&out);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with(&format!("{name}: ")), "{text}");
        let rows: Vec<&str> = text.lines().skip(3).collect();
        assert!(!rows.is_empty(), "{text}");
        for row in rows {
            // name, type, default, …, meaning: at least four columns.
            assert!(
                row.split("  ").filter(|c| !c.trim().is_empty()).count() >= 4,
                "{name}: {row}"
            );
        }
    }
    let out = millstone(&["stages", "fineweb_quality"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.starts_with("char_duplicates_ratio"))
        .unwrap();
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        &cells[..4],
        ["char_duplicates_ratio", "number", "0.01", "[0, 1]"]
    );
    let out = millstone(&["stages", "c4_quality"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(">= 0 or -1 (no limit)"), "{text}");
    let out = millstone(&["stages", "fineweb"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fineweb_quality"));
}

/// Not on a terminal (stderr is a pipe here), progress comes as plain lines with documents, MB,
/// docs/s, the share of input bytes and an ETA; the last one reaches 100 %.
#[test]
fn progress_lines_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = millstone(&[
        "run",
        "--preset",
        "c4",
        "--progress-interval",
        "0",
        "-o",
        dir.path().to_str().unwrap(),
        &sample(),
    ]);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    assert!(lines.len() >= 2, "{err}");
    for l in &lines {
        for part in [
            " elapsed, ",
            " docs, ",
            " MB, ",
            " docs/s, ",
            "% of input bytes, ETA ",
        ] {
            assert!(l.contains(part), "{l}");
        }
    }
    assert!(lines.last().unwrap().contains(" 1000 docs, "), "{err}");
    assert!(
        lines
            .last()
            .unwrap()
            .contains("100.0% of input bytes, ETA 0:00:00"),
        "{err}"
    );
    // The default interval (30 s) prints nothing on a short run; -q never does.
    for extra in [&[][..], &["-q"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["run", "--preset", "c4", "-o", dir.path().to_str().unwrap()];
        args.extend_from_slice(extra);
        let sample = sample();
        args.push(&sample);
        let out = millstone(&args);
        assert_ok(&out);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.lines().filter(|l| l.starts_with("progress: ")).count() <= 1,
            "{err}"
        );
        if !extra.is_empty() {
            assert!(!err.contains("progress: "), "{err}");
        }
    }
}

#[test]
fn parquet_output_reads_back_as_input_with_the_same_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    assert_ok(&millstone(&[
        "run",
        "--preset",
        "gopher",
        "--format",
        "parquet",
        "-q",
        "-o",
        first.to_str().unwrap(),
        &sample(),
    ]));
    let parts: Vec<_> = std::fs::read_dir(first.join("kept"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        parts
            .iter()
            .all(|p| p.extension().is_some_and(|e| e == "parquet")),
        "{parts:?}"
    );
    // `gopher` does not rewrite text, so running it again on what it kept keeps all of it.
    // (Not so for `fineweb`: after `c4_quality` removes lines a second pass can drop a page,
    // e.g. because fewer of its tokens now contain a letter; datatrove behaves the same.)
    let second = dir.path().join("second");
    assert_ok(&millstone(&[
        "run",
        "--preset",
        "gopher",
        "-q",
        "-o",
        second.to_str().unwrap(),
        first.join("kept").to_str().unwrap(),
    ]));
    let (a, b) = (stats(&first), stats(&second));
    assert_eq!(b["documents"]["read"], a["documents"]["kept"]);
    assert_eq!(b["documents"]["kept"], a["documents"]["kept"]);
    let ids: Vec<_> = records(&second, "kept")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len() as u64, a["documents"]["kept"].as_u64().unwrap());
    assert!(
        ids.iter().all(|id| id.starts_with("dev-")),
        "ids survive the Parquet round trip"
    );
}

#[test]
fn a_folder_of_text_files_is_one_document_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("news")).unwrap();
    let text =
        "The library will extend its opening hours from next week, the council said.\n".repeat(3);
    std::fs::write(corpus.join("news/a.txt"), &text).unwrap();
    std::fs::write(corpus.join("b.txt"), "short").unwrap();
    std::fs::write(corpus.join("README.md"), "not a document").unwrap();
    let out = dir.path().join("out");
    assert_ok(&millstone(&[
        "run",
        "--preset",
        "gopher",
        "-q",
        "-o",
        out.to_str().unwrap(),
        corpus.to_str().unwrap(),
    ]));
    let dropped = records(&out, "dropped");
    let ids: Vec<_> = dropped
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["b.txt", "news/a.txt"]);
    assert_eq!(stats(&out)["documents"]["read"], 2);
}

#[test]
fn ids_and_urls_never_become_paths() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let text = "The harbour reopened on Monday after repairs to the sea wall were finished.";
    let hostile_ids = [
        "../../escape",
        "/etc/passwd",
        "a/../../b",
        "..",
        "part-00000.jsonl.zst",
        "C:\\\\x",
    ];
    let lines: String = hostile_ids
        .iter()
        .map(|id| {
            serde_json::json!({"id": id, "url": format!("file:///{id}"), "text": text}).to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&input, lines).unwrap();
    let out = dir.path().join("out");
    assert_ok(&millstone(&[
        "run",
        "--preset",
        "c4",
        "-q",
        "-o",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]));
    // Every id comes back as data, and nothing but our own files was created.
    let ids: Vec<String> = records(&out, "dropped")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, hostile_ids);
    let mut created: Vec<String> = walk(dir.path())
        .into_iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    created.sort();
    assert_eq!(
        created,
        [
            "in.jsonl",
            "out/.millstone/checkpoint.json",
            "out/dropped/part-00000.jsonl.zst",
            "out/report.html",
            "out/stats.json"
        ]
    );
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn news_preset_strips_lines_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = millstone(&[
        "run",
        "--preset",
        "news",
        "--compression",
        "none",
        "-q",
        "-o",
        dir.path().to_str().unwrap(),
        &sample(),
    ]);
    assert_ok(&out);
    let stats = stats(dir.path());
    let bp = stats["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "boilerplate")
        .unwrap();
    let lines = bp["counters"]["lines"].as_u64().unwrap();
    let removed = bp["counters"]["lines_removed"].as_u64().unwrap();
    assert!(
        removed > lines / 4 && removed < lines,
        "{removed} of {lines}"
    );
    let by_reason: u64 = bp["counters"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("removed."))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_reason, removed);
    // Every kept document that lost lines lists them; what is left is the rest, in order
    // (the later C4 stage may rewrite the text again, so check on a document it left alone).
    let kept = records(dir.path(), "kept");
    assert!(!kept.is_empty());
    let with_lines = kept
        .iter()
        .filter(|r| r["millstone"]["removed_lines"].is_array())
        .count();
    assert!(
        with_lines > kept.len() / 2,
        "{with_lines} of {}",
        kept.len()
    );
    for r in &kept {
        for item in r["millstone"]["removed_lines"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert!(item["line"].is_u64());
            assert!(
                bp["counters"][format!("removed.{}", item["reason"].as_str().unwrap())].is_u64()
            );
        }
    }
}

/// The `fineweb` preset ends with `tokens`: the stats' total is the sum of the kept documents'
/// `millstone.tokens`, and dropped documents were never counted.
#[cfg(feature = "tokens")]
#[test]
fn tokens_stage_at_the_end_of_fineweb_counts_what_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = millstone(&[
        "run",
        "--preset",
        "fineweb",
        "-q",
        "-o",
        out_dir.to_str().unwrap(),
        &sample(),
    ]);
    assert_ok(&out);
    let s = stats(&out_dir);
    let stage = s["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["name"] == "tokens")
        .unwrap();
    let total = stage["counters"]["tokens"].as_u64().unwrap();
    let kept = records(&out_dir, "kept");
    assert_eq!(kept.len() as u64, s["documents"]["kept"].as_u64().unwrap());
    let sum: u64 = kept
        .iter()
        .map(|r| r["millstone"]["tokens"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, total);
    assert!(total > kept.len() as u64 * 50, "{total} tokens");
    for r in records(&out_dir, "dropped") {
        assert!(r["millstone"].get("tokens").is_none());
    }
}
