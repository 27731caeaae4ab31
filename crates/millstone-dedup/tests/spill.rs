//! The dedup issue's "beyond RAM, spill to disk in sorted runs rather than fail": with a memory
//! limit far below the corpus, the pass spills band keys to many sorted runs and signatures to
//! a file, and every decision, attribute, `clusters.jsonl` and saved index is the same as with
//! everything in memory, at any thread count.

mod common;

use common::corpus;

use millstone_dedup::stage::from_toml as dedup_stage;
use std::path::{Path, PathBuf};

use millstone_core::{Document, StageStats, Value, Verdict};
use proptest::prelude::*;

struct Run {
    verdicts: Vec<Verdict>,
    attributes: Vec<String>,
    clusters: Vec<u8>,
    index: Vec<(String, Vec<u8>)>,
    /// Run files the spill folder held after `finish`.
    runs: usize,
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn run(options: &str, docs: &[(String, String)], threads: usize) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let spill = tmp.path().join("spill");
    let index = tmp.path().join("index");
    let mut table: toml::Table = toml::from_str(options).unwrap();
    table.insert("spill_dir".into(), spill.display().to_string().into());
    table.insert("save_index".into(), index.display().to_string().into());
    let stage = dedup_stage(&table).unwrap();
    let pass = stage.corpus_pass().unwrap();
    let mut docs: Vec<Document> = docs
        .iter()
        .enumerate()
        .map(|(i, (id, text))| {
            let mut d = Document::new(id.clone(), text.as_str());
            d.source.record = i as u64;
            // A quality score for `survivor = "quality"` (missing on every seventh document).
            if i % 7 != 0 {
                d.fields
                    .insert("q".into(), Value::from(((i * 37) % 11) as f64 / 10.0));
            }
            // URLs (missing on every ninth), top-level and in datatrove's nested layout.
            if i % 9 != 0 {
                d.fields
                    .insert("url".into(), Value::from(url_of("top", id)));
                let meta = serde_json::json!({ "url": url_of("meta", id) });
                d.fields.insert("metadata".into(), meta);
            }
            d
        })
        .collect();
    common::observe_all(pass, &docs, threads);
    let runs = files(&spill)
        .iter()
        .flat_map(|d| files(d))
        .filter(|f| f.file_name().unwrap().to_str().unwrap().starts_with("run-"))
        .count();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    pass.write_outputs(&out).unwrap();
    assert!(
        files(&spill).is_empty(),
        "the spill folder is removed after the outputs are written"
    );
    let verdicts = docs
        .iter_mut()
        .map(|d| stage.process(d, &mut StageStats::default()))
        .collect();
    Run {
        verdicts,
        attributes: docs
            .iter()
            .map(|d| serde_json::to_string(&d.attributes).unwrap())
            .collect(),
        clusters: std::fs::read(out.join("clusters.jsonl")).unwrap(),
        index: files(&index)
            .into_iter()
            .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
            .map(|(name, bytes)| (name.rsplit('/').next().unwrap().to_owned(), bytes))
            .collect(),
        runs,
    }
}

fn url_of(kind: &str, id: &str) -> String {
    format!("https://{kind}.example.org/{id}")
}

/// Every cluster lists each member's URL beside its id (`null` where the document has none),
/// read from `field`'s layout (`kind`).
fn assert_cluster_urls(clusters: &[u8], kind: &str) {
    let mut with_urls = 0;
    for line in String::from_utf8_lossy(clusters).lines() {
        let c: Value = serde_json::from_str(line).unwrap();
        let (Some(members), Some(urls)) = (c["members"].as_array(), c["urls"].as_array()) else {
            continue;
        };
        with_urls += 1;
        assert_eq!(members.len(), urls.len(), "{line}");
        for (m, u) in members.iter().zip(urls) {
            if !u.is_null() {
                assert_eq!(
                    u.as_str().unwrap(),
                    url_of(kind, m.as_str().unwrap()),
                    "{line}"
                );
            }
        }
        assert!(urls.iter().any(|u| !u.is_null()));
    }
    assert!(with_urls > 10, "{kind}: {with_urls} clusters with URLs");
}

fn assert_same(a: &Run, b: &Run, what: &str) {
    assert_eq!(a.verdicts, b.verdicts, "{what}: verdicts");
    assert_eq!(a.attributes, b.attributes, "{what}: attributes");
    assert_eq!(
        String::from_utf8_lossy(&a.clusters),
        String::from_utf8_lossy(&b.clusters),
        "{what}: clusters.jsonl"
    );
    assert_eq!(a.index, b.index, "{what}: saved index");
}

#[test]
fn a_tiny_memory_limit_spills_many_runs_and_changes_nothing() {
    let docs = corpus();
    for options in [
        "memory_limit = \"unlimited\"",
        "memory_limit = \"unlimited\"\nsurvivor = \"longest\"",
        "memory_limit = \"unlimited\"\nmethod = \"exact\"",
        "memory_limit = \"unlimited\"\nverify = false",
        "memory_limit = \"unlimited\"\nsurvivor = \"quality\"\nquality_field = \"q\"",
        "memory_limit = \"unlimited\"\nmethod = \"exact\"\nsurvivor = \"longest\"",
        "memory_limit = \"unlimited\"\nurl_field = \"metadata.url\"",
    ] {
        let memory = run(options, &docs, 1);
        assert_eq!(memory.runs, 0);
        let kind = if options.contains("metadata.url") {
            "meta"
        } else {
            "top"
        };
        assert_cluster_urls(&memory.clusters, kind);
        let dropped = memory.verdicts.iter().filter(|v| !v.is_keep()).count();
        assert!(dropped > 30, "{options}: only {dropped} duplicates");
        for (limit, threads) in [("1K", 1), ("1K", 4), ("64K", 3)] {
            let spilled = run(&options.replace("unlimited", limit), &docs, threads);
            // 1K: a run every 64 band records, i.e. every few documents (the exact method's
            // 8-byte keys fit in 64K).
            if limit == "1K" {
                assert!(
                    spilled.runs > 3,
                    "{options}, {limit}: {} runs",
                    spilled.runs
                );
            }
            assert_same(
                &memory,
                &spilled,
                &format!("{options}, {limit}, {threads} threads"),
            );
        }
    }
}

#[test]
fn an_unwritable_spill_folder_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let spill = blocker.join("spill");
    let table: toml::Table = toml::from_str(&format!(
        "memory_limit = \"1K\"\nspill_dir = {:?}",
        spill.display().to_string()
    ))
    .unwrap();
    let stage = dedup_stage(&table).unwrap();
    let pass = stage.corpus_pass().unwrap();
    for (i, (id, text)) in corpus().iter().take(20).enumerate() {
        let mut d = Document::new(id.clone(), text.as_str());
        d.source.record = i as u64;
        pass.observe(&d);
    }
    pass.finish();
    let err = pass.write_outputs(tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("spill") && err.contains(&spill.display().to_string()),
        "{err}"
    );
}

#[test]
fn an_index_saved_from_a_spilled_run_is_used_the_same_way() {
    // Old crawl → index (in memory and spilled: equal bytes, checked above); a new crawl against
    // it, in memory and spilled, gives the same decisions and updated index.
    let docs = corpus();
    let (old, new) = docs.split_at(docs.len() / 2);
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("old-index");
    let mut table: toml::Table = toml::from_str("memory_limit = \"1K\"").unwrap();
    table.insert("save_index".into(), idx.display().to_string().into());
    let stage = dedup_stage(&table).unwrap();
    let pass = stage.corpus_pass().unwrap();
    for (i, (id, text)) in old.iter().enumerate() {
        let mut d = Document::new(id.clone(), text.as_str());
        d.source.record = i as u64;
        pass.observe(&d);
    }
    pass.finish();
    pass.write_outputs(tmp.path()).unwrap();
    // The new crawl shares pages with the old one (copies of page-7 and its variants, …).
    let mut new: Vec<(String, String)> = new.to_vec();
    new.extend(
        old.iter()
            .step_by(3)
            .map(|(id, t)| (format!("again-{id}"), t.clone())),
    );
    let against = format!("against = {:?}\n", idx.display().to_string());
    let memory = run(&(against.clone() + "memory_limit = \"unlimited\""), &new, 2);
    assert!(memory.verdicts.iter().filter(|v| !v.is_keep()).count() > 10);
    assert!(String::from_utf8_lossy(&memory.clusters).contains("in_index"));
    // 1K and 16K: the index stays on disk (read by position, its bands merged as runs); 256K:
    // it is loaded (under half the limit) and the new corpus spills; 2M: all in memory.
    for (limit, threads) in [("1K", 1), ("1K", 3), ("16K", 4), ("256K", 3), ("2M", 1)] {
        let spilled = run(
            &(against.clone() + &format!("memory_limit = {limit:?}")),
            &new,
            threads,
        );
        if limit != "2M" {
            assert!(spilled.runs >= 1, "{limit}: {} runs", spilled.runs);
        }
        assert_same(&memory, &spilled, &format!("{limit}, {threads} threads"));
    }
    damaged_index_errors(&idx);
}

/// Build a dedup stage against `idx` with `limit`, feed it a few documents, and give the first
/// error (from building, or from the outputs).
fn against_error(idx: &Path, limit: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let table: toml::Table = toml::from_str(&format!(
        "against = {:?}\nmemory_limit = {limit:?}\nspill_dir = {:?}",
        idx.display().to_string(),
        tmp.path().join("spill").display().to_string()
    ))
    .unwrap();
    let stage = match dedup_stage(&table) {
        Err(e) => return e.to_string(),
        Ok(s) => s,
    };
    let pass = stage.corpus_pass().unwrap();
    for (i, (id, text)) in corpus().iter().take(10).enumerate() {
        let mut d = Document::new(id.clone(), text.as_str());
        d.source.record = i as u64;
        pass.observe(&d);
    }
    pass.finish();
    pass.write_outputs(tmp.path())
        .map(|()| String::new())
        .unwrap_or_else(|e| e.to_string())
}

/// Old-format and damaged indexes: clear errors naming the file, in memory and on disk.
fn damaged_index_errors(good: &Path) {
    let copy = |name: &str| {
        let dir = good.with_file_name(name);
        std::fs::create_dir_all(&dir).unwrap();
        for f in files(good) {
            std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
        }
        dir
    };
    for limit in ["1K", "unlimited"] {
        // Format 1 (as written by the previous version).
        let old = copy("format-1");
        let meta = old.join("index.json");
        let text = std::fs::read_to_string(&meta).unwrap();
        std::fs::write(&meta, text.replace("index-2", "index-1")).unwrap();
        let err = against_error(&old, limit);
        assert!(
            err.contains(&meta.display().to_string()) && err.contains("older millstone"),
            "{err}"
        );
        // A truncated band file.
        let cut = copy("truncated");
        let bands = cut.join("bands.bin");
        let len = std::fs::metadata(&bands).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&bands)
            .unwrap()
            .set_len(len - 8)
            .unwrap();
        let err = against_error(&cut, limit);
        assert!(
            err.contains(&bands.display().to_string()) && err.contains("damaged"),
            "{err}"
        );
        // A document number out of range (right size, wrong content).
        let bad = copy("bad-document");
        let bands = bad.join("bands.bin");
        let mut bytes = std::fs::read(&bands).unwrap();
        bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        std::fs::write(&bands, bytes).unwrap();
        let err = against_error(&bad, limit);
        assert!(
            err.contains(&bands.display().to_string()) && err.contains("document"),
            "{err}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random subsets and orders of the corpus, random limits: the same as in memory.
    #[test]
    fn spilled_decisions_equal_in_memory_ones(
        picks in prop::collection::vec(0usize..200, 1..120),
        limit_kb in 1usize..40,
        threads in 1usize..4,
    ) {
        let all = corpus();
        let docs: Vec<(String, String)> = picks
            .iter()
            .enumerate()
            .map(|(i, &p)| (format!("{i}-{}", all[p % all.len()].0), all[p % all.len()].1.clone()))
            .collect();
        let memory = run("memory_limit = \"unlimited\"\nn_grams = 3", &docs, 1);
        let spilled = run(&format!("memory_limit = \"{limit_kb}K\"\nn_grams = 3"), &docs, threads);
        prop_assert_eq!(memory.verdicts, spilled.verdicts);
        prop_assert_eq!(memory.attributes, spilled.attributes);
        prop_assert_eq!(memory.clusters, spilled.clusters);
        prop_assert_eq!(memory.index, spilled.index);
    }
}
