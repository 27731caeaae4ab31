//! `dedup` with `method = "reprints"` on real news text: a committed slice of the reprint set
//! (bench/dedup/make_reprints.py --slice 4: four held-out stories, each with its original and
//! seven noisy copies, and eight unrelated articles sharing site templates; WCXB dev article
//! text, CC-BY-4.0, see fixtures/reprints-slice.NOTICE). Checks what is found, what
//! `clusters.jsonl` says about each member, that spilling changes no byte, and, on generated
//! corpora, that every member resembles its survivor whatever the thread count.

mod common;

use millstone_dedup::stage::from_toml as dedup_stage;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use millstone_core::{Document, StageStats, Value, Verdict};
use millstone_dedup::reprint::{self, folded, CompareScratch, ReprintParams};
use proptest::prelude::*;

/// `(id, text, story, model)` of the committed slice.
fn slice() -> Vec<(String, String, String, String)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reprints-slice.jsonl.zst");
    let bytes = zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap();
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            (s("id"), s("text"), s("story"), s("model"))
        })
        .collect()
}

struct Run {
    verdicts: Vec<Verdict>,
    attributes: Vec<String>,
    clusters: String,
    stats: StageStats,
    /// The pass wrote its anchors to a spill file.
    spilled: bool,
}

fn run(options: &str, docs: &[(String, String)], threads: usize) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let mut table: toml::Table = toml::from_str(options).unwrap();
    table.insert("method".into(), "reprints".into());
    table.insert(
        "spill_dir".into(),
        tmp.path().join("spill").display().to_string().into(),
    );
    let stage = dedup_stage(&table).unwrap();
    let pass = stage.corpus_pass().unwrap();
    let mut docs: Vec<Document> = docs
        .iter()
        .enumerate()
        .map(|(i, (id, text))| {
            let mut d = Document::new(id.clone(), text.as_str());
            d.source.record = i as u64;
            d
        })
        .collect();
    common::observe_all(pass, &docs, threads);
    let spilled = std::fs::read_dir(tmp.path().join("spill"))
        .map(|d| d.flatten().any(|e| e.path().join("anchors.bin").exists()))
        .unwrap_or(false);
    pass.write_outputs(tmp.path()).unwrap();
    let mut stats = StageStats::default();
    let verdicts = docs
        .iter_mut()
        .map(|d| stage.process(d, &mut stats))
        .collect();
    Run {
        verdicts,
        attributes: docs
            .iter()
            .map(|d| serde_json::to_string(&d.attributes).unwrap())
            .collect(),
        clusters: std::fs::read_to_string(tmp.path().join("clusters.jsonl")).unwrap(),
        stats,
        spilled,
    }
}

fn clusters(run: &Run) -> Vec<Value> {
    run.clusters
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_slice_clusters_by_story_with_aligned_passages() {
    let docs = slice();
    let pairs: Vec<(String, String)> = docs.iter().map(|d| (d.0.clone(), d.1.clone())).collect();
    let text: BTreeMap<&str, &str> = docs.iter().map(|d| (d.0.as_str(), d.1.as_str())).collect();
    let story: BTreeMap<&str, &str> = docs.iter().map(|d| (d.0.as_str(), d.2.as_str())).collect();
    let model: BTreeMap<&str, &str> = docs.iter().map(|d| (d.0.as_str(), d.3.as_str())).collect();
    let r = run("keep_all = true", &pairs, 2);
    assert!(
        r.verdicts.iter().all(Verdict::is_keep),
        "keep_all drops nothing"
    );
    let cls = clusters(&r);
    let mut found = 0usize;
    let (mut exact, mut clean) = (0usize, 0usize);
    for c in &cls {
        let members: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        let rep = c["representative"].as_str().unwrap();
        // Never two stories in one cluster (the negatives share templates, not stories).
        let stories: BTreeSet<&str> = members.iter().map(|m| story[m]).collect();
        assert_eq!(stories.len(), 1, "{c}");
        found += members.len() * (members.len() - 1) / 2;
        for (k, m) in members.iter().enumerate() {
            let passages = c["passages"][k].as_array().unwrap();
            let (cont, sim) = (&c["containment"][k], &c["similarity"][k]);
            if *m == rep {
                assert!(passages.is_empty() && cont == 1.0 && sim == 1.0, "{c}");
                continue;
            }
            assert!(!passages.is_empty(), "{m}: no passage");
            for p in passages {
                let p: Vec<usize> = p
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as usize)
                    .collect();
                let (a, b) = (&text[m][p[0]..p[1]], &text[rep][p[2]..p[3]]);
                // Copies without character noise share their passages letter for letter (but
                // where a small gap joins two runs).
                if ["truncated", "excerpt", "reorder", "wire", "orig"].contains(&model[m])
                    && ["orig", "wire", "reorder"].contains(&model[rep])
                {
                    clean += 1;
                    exact += usize::from(folded(a) == folded(b));
                }
            }
        }
    }
    assert!(clean > 10 && exact * 10 >= clean * 9, "{exact} of {clean}");
    // Every story has 8 documents: 4 × 28 true pairs; the slice must find nearly all of them.
    assert!(found >= 4 * 28 * 9 / 10, "{found} of 112 pairs");
    assert!(
        r.stats
            .counters
            .get("duplicates_kept")
            .copied()
            .unwrap_or(0)
            > 20
    );
    // Without keep_all the same clusters drop all but their survivor.
    let dropping = run("", &pairs, 1);
    assert_eq!(dropping.clusters, r.clusters);
    let dropped = dropping.verdicts.iter().filter(|v| !v.is_keep()).count();
    let expected: usize = cls
        .iter()
        .map(|c| c["size"].as_u64().unwrap() as usize - 1)
        .sum();
    assert_eq!(dropped, expected);
}

#[test]
fn spilling_and_threads_change_no_byte() {
    let docs: Vec<(String, String)> = slice().into_iter().map(|d| (d.0, d.1)).collect();
    let memory = run("memory_limit = \"unlimited\"", &docs, 1);
    assert!(!memory.spilled);
    assert!(memory.clusters.lines().count() >= 4);
    for (limit, threads) in [("unlimited", 4), ("4K", 1), ("4K", 3), ("256K", 2)] {
        let other = run(&format!("memory_limit = {limit:?}"), &docs, threads);
        let what = format!("{limit}, {threads} threads");
        assert_eq!(other.spilled, limit != "unlimited", "{what}");
        assert_eq!(memory.verdicts, other.verdicts, "{what}");
        assert_eq!(memory.attributes, other.attributes, "{what}");
        assert_eq!(memory.clusters, other.clusters, "{what}");
    }
}

#[test]
fn options_that_cannot_apply_are_refused() {
    for (options, needle) in [
        ("threshold = 0.5", "threshold"),
        ("save_index = \"/tmp/x\"", "save_index"),
        ("reprints = { sample = 3 }", "sample"),
        ("reprints = { colour = 1 }", "colour"),
    ] {
        let mut table: toml::Table = toml::from_str(options).unwrap();
        table.insert("method".into(), "reprints".into());
        let err = match dedup_stage(&table) {
            Ok(_) => panic!("{options}: accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(needle), "{options}: {err}");
    }
}

/// Sentences of the slice's originals: material for generated stories.
fn sentences() -> Vec<String> {
    slice()
        .into_iter()
        .filter(|d| d.3 == "orig" || d.3 == "negative")
        .flat_map(|d| {
            d.1.split(". ")
                .filter(|s| s.len() > 40)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The character boundary at or before byte `at` of `text` (the pool has multi-byte
/// punctuation).
fn boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A generated corpus: `stories` stories of consecutive sentences, each with copies cut,
/// excerpted or with words dropped, plus documents that splice two stories together (the chains
/// a shared passage could make).
fn corpus(seed: u64, pool: &[String]) -> Vec<(String, String)> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut docs = Vec::new();
    let mut stories = Vec::new();
    for s in 0..6 {
        let start = next(pool.len() - 12);
        let len = 6 + next(6);
        let text = pool[start..start + len].join(". ");
        docs.push((format!("s{s}"), text.clone()));
        for c in 0..1 + next(3) {
            let cut = |tenths: usize| boundary(&text, text.len() * tenths / 10);
            let copy = match next(3) {
                0 => text[..cut(5 + next(5))].to_owned(),
                1 => text[cut(next(4))..].to_owned(),
                _ => text
                    .split(' ')
                    .enumerate()
                    .filter(|(i, _)| i % (5 + next(10)) != 0)
                    .map(|(_, w)| w)
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            docs.push((format!("s{s}.c{c}"), copy));
        }
        stories.push(text);
    }
    for k in 0..3 {
        let (a, b) = (&stories[next(6)], &stories[next(6)]);
        let splice = format!(
            "{} {}",
            &a[..boundary(a, a.len() / 2)],
            &b[boundary(b, b.len() / 2)..]
        );
        docs.push((format!("splice{k}"), splice));
    }
    docs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every member of every cluster is a reprint of its survivor by the verification's own
    /// measure (no chains), each document is in at most one cluster, and 1 and 3 threads give
    /// the same bytes.
    #[test]
    fn members_resemble_their_survivor(seed in any::<u64>()) {
        let pool = sentences();
        let docs = corpus(seed, &pool);
        let one = run("keep_all = true", &docs, 1);
        let three = run("keep_all = true", &docs, 3);
        prop_assert_eq!(&one.clusters, &three.clusters);
        prop_assert_eq!(&one.attributes, &three.attributes);
        let text: BTreeMap<&str, &str> = docs.iter().map(|(i, t)| (i.as_str(), t.as_str())).collect();
        let p = ReprintParams::default();
        let anchors = |t: &str| {
            let mut out = Vec::new();
            reprint::anchors(t, &p, &mut reprint::AnchorScratch::default(), &mut out);
            out
        };
        let mut seen = BTreeSet::new();
        for c in clusters(&one) {
            let rep = c["representative"].as_str().unwrap();
            let centre = anchors(text[rep]);
            for (k, m) in c["members"].as_array().unwrap().iter().enumerate() {
                let m = m.as_str().unwrap();
                prop_assert!(seen.insert(m.to_owned()), "{} in two clusters", m);
                if m == rep {
                    continue;
                }
                let cmp = reprint::compare(&anchors(text[m]), &centre, &p, &mut CompareScratch::default());
                prop_assert!(cmp.is_reprint(&p), "{} vs {}: {:?}", m, rep, cmp);
                let stated = c["similarity"][k].as_f64().unwrap();
                prop_assert!((stated - cmp.similarity).abs() < 1e-3);
            }
        }
    }
}
