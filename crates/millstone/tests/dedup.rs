//! `millstone dedup` and `millstone evaluate` end to end, and the dedup stages in a pipeline.

mod common;

use std::path::Path;

use common::{assert_ok, millstone, records, stats};
use serde_json::{json, Value};

fn write_jsonl(path: &Path, docs: &[(String, String)]) {
    let mut s = String::new();
    for (id, text) in docs {
        s.push_str(&json!({"id": id, "text": text}).to_string());
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

/// Real-looking paragraphs from the bundled sample (first `n` pages with enough words).
fn sample_texts(n: usize) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/webpages.jsonl.zst");
    let bytes = zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .filter(|t| t.split_whitespace().count() > 300)
        .take(n)
        .collect()
}

/// Replace every `every`-th word with "changed": a near-duplicate.
fn edit(text: &str, every: usize) -> String {
    text.split(' ')
        .enumerate()
        .map(|(i, w)| if i % every == every - 1 { "changed" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The files `names` are byte-identical under `a` and `b`.
fn assert_same_files(a: &Path, b: &Path, names: &[&str], what: &str) {
    for name in names {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name} differs {what}"
        );
    }
}

/// The outputs of a run that must not depend on how it was run.
const OUTPUTS: &[&str] = &[
    "kept/part-00000.jsonl",
    "dropped/part-00000.jsonl",
    "clusters.jsonl",
    "stats.json",
];

fn ids(dir: &Path, sub: &str) -> Vec<String> {
    let mut v: Vec<String> = records(dir, sub)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn exact_dedup_keeps_the_first_of_each_normalised_text() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.jsonl");
    let docs: Vec<(String, String)> = [
        (
            "a",
            "The council met on Tuesday. It approved the budget for 2024.",
        ),
        ("b", "A different story about the harbour and its boats."),
        (
            "a2",
            "the COUNCIL met on tuesday -- it approved the budget for 1999!",
        ),
        ("c", "Yet another story, about the school."),
        (
            "a3",
            "The council met on Tuesday. It approved the budget for 2024.",
        ),
    ]
    .iter()
    .map(|(i, t)| (i.to_string(), t.to_string()))
    .collect();
    write_jsonl(&input, &docs);
    let out = tmp.path().join("out");
    assert_ok(&millstone(&[
        "dedup",
        "--method",
        "exact",
        "-q",
        "-o",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]));
    assert_eq!(ids(&out, "kept"), ["a", "b", "c"]);
    let dropped = records(&out, "dropped");
    assert_eq!(dropped.len(), 2);
    for d in &dropped {
        assert_eq!(
            d["millstone"]["drop"],
            json!({"stage": "dedup", "reason": "duplicate"})
        );
        assert_eq!(d["millstone"]["duplicate_of"], "a");
        assert_eq!(d["millstone"]["cluster"], 0);
    }
    let clusters = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
    let c: Value = serde_json::from_str(clusters.lines().next().unwrap()).unwrap();
    assert_eq!(c["members"], json!(["a", "a2", "a3"]));
    assert_eq!(c["representative"], "a");
    let s = stats(&out);
    assert_eq!(s["documents"]["read"], 5);
    assert_eq!(s["dropped_by"]["dedup/duplicate"], 2);
}

#[test]
fn minhash_finds_near_duplicates_the_same_way_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let texts = sample_texts(40);
    assert!(texts.len() >= 30, "sample too small: {}", texts.len());
    let mut docs: Vec<(String, String)> = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        docs.push((format!("orig-{i:02}"), t.clone()));
    }
    // Near-duplicates of the first 10 (1 word in 100 changed: Jaccard of 5-grams ≈ 0.9).
    for (i, t) in texts.iter().take(10).enumerate() {
        docs.push((format!("copy-{i:02}"), edit(t, 100)));
    }
    let input = tmp.path().join("in.jsonl");
    write_jsonl(&input, &docs);
    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let out = tmp.path().join(format!("out-{threads}"));
        assert_ok(&millstone(&[
            "dedup",
            "-q",
            "--threads",
            threads,
            "--compression",
            "none",
            "-o",
            out.to_str().unwrap(),
            input.to_str().unwrap(),
        ]));
        outputs.push(out);
    }
    let dropped = records(&outputs[0], "dropped");
    let want: Vec<String> = (0..10).map(|i| format!("copy-{i:02}")).collect();
    assert_eq!(ids(&outputs[0], "dropped"), want);
    for d in &dropped {
        let id = d["id"].as_str().unwrap();
        assert_eq!(d["millstone"]["duplicate_of"], id.replace("copy", "orig"));
        let sim = d["millstone"]["similarity"].as_f64().unwrap();
        assert!((0.7..1.0).contains(&sim), "{id}: {sim}");
    }
    assert_same_files(
        &outputs[0],
        &outputs[1],
        OUTPUTS,
        "between --threads 1 and 3",
    );
    // Idempotent: deduplicating the kept output again removes nothing.
    let again = tmp.path().join("again");
    assert_ok(&millstone(&[
        "dedup",
        "-q",
        "-o",
        again.to_str().unwrap(),
        outputs[0].join("kept").to_str().unwrap(),
    ]));
    assert_eq!(stats(&again)["documents"]["dropped"], 0);
    assert_eq!(
        std::fs::read_to_string(again.join("clusters.jsonl")).unwrap(),
        ""
    );

    // `evaluate` against the true pairs: perfect.
    let labels = tmp.path().join("labels.jsonl");
    let lines: String = (0..10)
        .map(|i| {
            json!({"members": [format!("orig-{i:02}"), format!("copy-{i:02}")]}).to_string() + "\n"
        })
        .collect();
    std::fs::write(&labels, lines).unwrap();
    let out = millstone(&[
        "evaluate",
        "--json",
        "--labels",
        labels.to_str().unwrap(),
        outputs[0].to_str().unwrap(),
    ]);
    assert_ok(&out);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["precision"], 1.0);
    assert_eq!(s["recall"], 1.0);
    assert_eq!(s["adjusted_rand_index"], 1.0);
}

#[test]
fn a_new_crawl_is_deduplicated_against_a_saved_index() {
    let tmp = tempfile::tempdir().unwrap();
    let texts = sample_texts(20);
    let old: Vec<(String, String)> = texts[..12]
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("old-{i:02}"), t.clone()))
        .collect();
    // The new crawl: re-crawled copies of old 0..4 (edited), and new pages.
    let mut new: Vec<(String, String)> = (0..4)
        .map(|i| (format!("new-copy-{i}"), edit(&texts[i], 100)))
        .collect();
    new.extend(
        texts[12..]
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("new-{i}"), t.clone())),
    );
    let (old_in, new_in) = (tmp.path().join("old.jsonl"), tmp.path().join("new.jsonl"));
    write_jsonl(&old_in, &old);
    write_jsonl(&new_in, &new);
    let (idx1, idx2) = (tmp.path().join("index-1"), tmp.path().join("index-2"));
    let out1 = tmp.path().join("out1");
    assert_ok(&millstone(&[
        "dedup",
        "-q",
        "--save-index",
        idx1.to_str().unwrap(),
        "-o",
        out1.to_str().unwrap(),
        old_in.to_str().unwrap(),
    ]));
    let out2 = tmp.path().join("out2");
    assert_ok(&millstone(&[
        "dedup",
        "-q",
        "--against",
        idx1.to_str().unwrap(),
        "--save-index",
        idx2.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        new_in.to_str().unwrap(),
    ]));
    let dropped = records(&out2, "dropped");
    assert_eq!(dropped.len(), 4, "{dropped:?}");
    for d in &dropped {
        let id = d["id"].as_str().unwrap();
        let i = id.trim_start_matches("new-copy-");
        assert_eq!(
            d["millstone"]["duplicate_of"],
            format!("old-{:02}", i.parse::<usize>().unwrap())
        );
    }
    let clusters = std::fs::read_to_string(out2.join("clusters.jsonl")).unwrap();
    assert!(clusters.contains("\"in_index\""));
    // The updated index holds old + new kept documents.
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(idx2.join("index.json")).unwrap()).unwrap();
    assert_eq!(meta["documents"], 12 + new.len() - 4);
    // Refused: an index built with other settings.
    let out3 = tmp.path().join("out3");
    let bad = millstone(&[
        "dedup",
        "-q",
        "--ngrams",
        "3",
        "--against",
        idx1.to_str().unwrap(),
        "-o",
        out3.to_str().unwrap(),
        new_in.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("same settings"));
}

#[test]
fn paragraph_dedup_in_a_pipeline() {
    let tmp = tempfile::tempdir().unwrap();
    let disclaimer =
        "This report is for information only and does not constitute investment advice.";
    // (Numbers normalise to 0, so the stories differ by words, not by number.)
    let docs: Vec<(String, String)> = ["harbour", "school", "bridge"]
        .iter()
        .enumerate()
        .map(|(i, topic)| {
            (
                format!("d{i}"),
                format!("The story about the {topic} begins here with its own words and facts.\n\n{disclaimer}"),
            )
        })
        .collect();
    let input = tmp.path().join("in.jsonl");
    write_jsonl(&input, &docs);
    let pipeline = tmp.path().join("p.toml");
    std::fs::write(&pipeline, "[[stage]]\ntype = \"paragraph_dedup\"\n").unwrap();
    let out = tmp.path().join("out");
    assert_ok(&millstone(&[
        "run",
        "-q",
        "--pipeline",
        pipeline.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]));
    let kept = records(&out, "kept");
    assert_eq!(kept.len(), 3);
    assert!(kept[0]["text"].as_str().unwrap().contains(disclaimer));
    for k in &kept[1..] {
        assert!(!k["text"].as_str().unwrap().contains(disclaimer));
        assert_eq!(k["millstone"]["removed_paragraphs"], 1);
    }
    let s = stats(&out);
    let st = s["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "paragraph_dedup")
        .unwrap();
    assert_eq!(st["counters"]["removed_units"], 2);
}

/// The dedup issue's "beyond RAM, spill to disk in sorted runs rather than fail": a memory limit
/// far below the corpus gives byte-identical outputs, clusters and saved index, and the spill
/// folder is cleaned up.
#[test]
fn a_memory_limit_spills_to_disk_with_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let texts = sample_texts(60);
    let mut docs: Vec<(String, String)> = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        docs.push((format!("orig-{i:02}"), t.clone()));
        if i % 3 == 0 {
            docs.push((format!("copy-{i:02}"), edit(t, 50)));
        }
    }
    let input = tmp.path().join("in.jsonl");
    write_jsonl(&input, &docs);
    let spill = tmp.path().join("spill");
    let dedup = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let index = tmp.path().join(format!("{name}-index"));
        let mut args = vec![
            "dedup",
            "-q",
            "--compression",
            "none",
            "--save-index",
            index.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(input.to_str().unwrap());
        assert_ok(&millstone(&args));
        (out, index)
    };
    for survivor in ["first", "longest"] {
        let (mem, mem_index) = dedup(
            &format!("memory-{survivor}"),
            &["--memory-limit", "unlimited", "--survivor", survivor],
        );
        assert!(!records(&mem, "dropped").is_empty());
        for (name, threads) in [("spilled-1", "1"), ("spilled-3", "3")] {
            let (out, index) = dedup(
                &format!("{name}-{survivor}"),
                &[
                    "--memory-limit",
                    "2K",
                    "--threads",
                    threads,
                    "--survivor",
                    survivor,
                    "--spill-dir",
                    spill.to_str().unwrap(),
                ],
            );
            assert_same_files(&mem, &out, OUTPUTS, "when spilled");
            assert_same_files(
                &mem_index,
                &index,
                &[
                    "index.json",
                    "ids.jsonl",
                    "ids.ends",
                    "bands.bin",
                    "signatures.bin",
                ],
                "in the saved index when spilled",
            );
            assert_eq!(
                std::fs::read_dir(&spill).unwrap().count(),
                0,
                "spill folder left behind"
            );
        }
    }
    // An unusable spill folder is an error naming it, not a panic.
    let blocker = tmp.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let out = millstone(&[
        "dedup",
        "-q",
        "--memory-limit",
        "2K",
        "--spill-dir",
        blocker.join("spill").to_str().unwrap(),
        "-o",
        tmp.path().join("bad").to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spill folder") && err.contains("a-file/spill"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // A size that is not one.
    let out = millstone(&["dedup", "--memory-limit", "lots", "-o", "x", "y"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("`lots` is not a size"));
}

#[test]
fn reprints_keep_all_keeps_every_version_and_shows_the_passages() {
    // The reprint slice: four news stories, each with seven noisy copies, and eight unrelated
    // articles sharing site templates (WCXB dev text, CC-BY-4.0; see the fixture's NOTICE).
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../millstone-dedup/tests/fixtures/reprints-slice.jsonl.zst");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_ok(&millstone(&[
        "dedup",
        "--method",
        "reprints",
        "--keep-all",
        "-q",
        "-o",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]));
    let kept = records(&out, "kept");
    assert_eq!(kept.len(), 40, "--keep-all removes nothing");
    assert!(records(&out, "dropped").is_empty());
    let clusters = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
    let text = |id: &str| {
        kept.iter().find(|r| r["id"] == id).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut members = 0;
    for line in clusters.lines() {
        let c: Value = serde_json::from_str(line).unwrap();
        let rep = c["representative"].as_str().unwrap();
        let story = &rep[..5];
        for (k, m) in c["members"].as_array().unwrap().iter().enumerate() {
            let m = m.as_str().unwrap();
            assert!(m.starts_with(story), "{m} in {rep}'s cluster");
            members += 1;
            // Offsets are bytes of both texts as read.
            for p in c["passages"][k].as_array().unwrap() {
                let p: Vec<usize> = p
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as usize)
                    .collect();
                assert!(text(m).get(p[0]..p[1]).is_some() && text(rep).get(p[2]..p[3]).is_some());
            }
        }
    }
    assert!(members >= 30, "{members} of 32 story versions clustered");
    // Without --keep-all, the same clusters drop all but their representatives.
    let out2 = tmp.path().join("out2");
    assert_ok(&millstone(&[
        "dedup",
        "--method",
        "reprints",
        "-q",
        "-o",
        out2.to_str().unwrap(),
        input.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read_to_string(out2.join("clusters.jsonl")).unwrap(),
        clusters
    );
    assert_eq!(
        records(&out2, "dropped").len(),
        members - clusters.lines().count()
    );
}

/// Real pages with their URLs, each followed by a copy found at another URL.
fn pages_with_copies(n: usize) -> Vec<(String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/webpages.jsonl.zst");
    let bytes = zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap();
    let mut out = Vec::new();
    for l in String::from_utf8(bytes).unwrap().lines().take(n) {
        let r: Value = serde_json::from_str(l).unwrap();
        let (id, url, text) = (
            r["id"].as_str().unwrap(),
            r["url"].as_str().unwrap(),
            r["text"].as_str().unwrap(),
        );
        out.push((id.to_owned(), url.to_owned(), text.to_owned()));
        out.push((
            format!("{id}-copy"),
            format!("{url}?mirror=1"),
            text.to_owned(),
        ));
    }
    out
}

#[test]
fn clusters_list_member_urls_top_level_and_datatrove_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let pages = pages_with_copies(20);
    let url_of: std::collections::HashMap<&str, &str> = pages
        .iter()
        .map(|(id, url, _)| (id.as_str(), url.as_str()))
        .collect();
    for (layout, flag) in [("top", None), ("datatrove", Some("metadata.url"))] {
        let input = tmp.path().join(format!("{layout}.jsonl"));
        let lines: String = pages
            .iter()
            .map(|(id, url, text)| {
                let r = match layout {
                    "top" => json!({"id": id, "url": url, "text": text}),
                    _ => json!({"text": text, "id": id, "metadata": {"url": url}}),
                };
                r.to_string() + "\n"
            })
            .collect();
        std::fs::write(&input, lines).unwrap();
        let out = tmp.path().join(format!("out-{layout}"));
        let mut args = vec!["dedup", "--method", "exact", "-q", "--no-report"];
        if let Some(f) = flag {
            args.extend(["--url-field", f]);
        }
        let (o, i) = (out.display().to_string(), input.display().to_string());
        args.extend(["-o", &o, &i]);
        assert_ok(&millstone(&args));
        let clusters = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
        let lines: Vec<Value> = clusters
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(lines.len() >= 15, "{layout}: {} clusters", lines.len());
        for c in &lines {
            let members = c["members"].as_array().unwrap();
            let urls = c["urls"]
                .as_array()
                .unwrap_or_else(|| panic!("{layout}: {c}"));
            assert_eq!(members.len(), urls.len());
            for (m, u) in members.iter().zip(urls) {
                assert_eq!(
                    u.as_str(),
                    Some(url_of[m.as_str().unwrap()]),
                    "{layout}: {c}"
                );
            }
        }
        assert!(stats(&out).get("warnings").is_none());
    }
    // A URL field no document has: no `urls`, and a warning naming it.
    let out = tmp.path().join("out-missing");
    let input = tmp.path().join("top.jsonl");
    let (o, i) = (out.display().to_string(), input.display().to_string());
    assert_ok(&millstone(&[
        "dedup",
        "--method",
        "exact",
        "-q",
        "--no-report",
        "--url-field",
        "meta.link",
        "-o",
        &o,
        &i,
    ]));
    let clusters = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
    assert!(!clusters.is_empty() && !clusters.contains("\"urls\""));
    assert_eq!(
        stats(&out)["warnings"],
        json!(["dedup: field `meta.link` missing in 40 of 40 documents"])
    );
}
