//! The distributed steps (sign, join buckets per shard, star rounds, decide per shard) give the
//! one-machine `dedup` pass's clusters: same members, survivors, similarities and numbering,
//! whatever the number of shards.

mod common;

use std::collections::HashMap;

use common::corpus;
use millstone_core::{Document, Value};
use millstone_dedup::distributed::{decide, join_buckets, large_star, small_star, Member, Signed};
use millstone_dedup::stage::Config;

fn shard(x: u64, n: u64) -> usize {
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize % n as usize
}

/// `millstone dedup`'s clusters.jsonl lines (members, representative, similarity).
fn one_machine(options: &str, docs: &[Document]) -> Vec<Value> {
    let table: toml::Table = toml::from_str(options).unwrap();
    let stage = millstone_dedup::stage::from_toml(&table).unwrap();
    let pass = stage.corpus_pass().unwrap();
    common::observe_all(pass, docs, 2);
    let out = tempfile::tempdir().unwrap();
    pass.write_outputs(out.path()).unwrap();
    std::fs::read_to_string(out.path().join("clusters.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn distributed(options: &str, docs: &[Document], shards: u64) -> Vec<Value> {
    let config: Config = toml::from_str(options).unwrap();
    config.check_distributed().unwrap();
    let opts = config.cluster_options();
    let policy = config.survivor();
    let estimate = config.method == millstone_dedup::stage::Method::Minhash;
    let dedup = config.clone().build().unwrap();
    let signed: Vec<Signed> = docs.iter().map(|d| dedup.sign(d)).collect();
    // Buckets: (band, key, doc) sharded by (band, key).
    let mut parts: Vec<Vec<(u32, u64, u64)>> = vec![Vec::new(); shards as usize];
    for (doc, s) in signed.iter().enumerate() {
        for (band, &key) in s.keys.iter().enumerate() {
            parts[shard(key ^ band as u64, shards)].push((band as u32, key, doc as u64));
        }
    }
    let sig = |d: u64| Some(signed[d as usize].signature.as_slice());
    let mut edges: Vec<(u64, u64)> = parts
        .iter_mut()
        .flat_map(|p| join_buckets(p, &opts, &sig))
        .collect();
    edges.sort_unstable();
    // Star rounds until nothing changes, each step sharded by node.
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 64, "star rounds do not converge");
        let mut by: Vec<Vec<(u64, u64)>> = vec![Vec::new(); shards as usize];
        for &(a, b) in &edges {
            by[shard(a, shards)].push((a, b));
            by[shard(b, shards)].push((b, a));
        }
        let large: Vec<(u64, u64)> = by.into_iter().flat_map(large_star).collect();
        let mut by: Vec<Vec<(u64, u64)>> = vec![Vec::new(); shards as usize];
        for &(a, b) in &large {
            by[shard(b, shards)].push((b, a));
        }
        let mut next: Vec<(u64, u64)> = by.into_iter().flat_map(small_star).collect();
        next.sort_unstable();
        next.dedup();
        if next == edges {
            break;
        }
        edges = next;
    }
    let mut root: HashMap<u64, u64> = HashMap::new();
    for &(a, b) in &edges {
        root.insert(b, a);
        root.insert(a, a);
    }
    let mut comps: Vec<Vec<Member>> = (0..shards).map(|_| Vec::new()).collect();
    for (&doc, &r) in &root {
        let s = &signed[doc as usize];
        comps[shard(r, shards)].push(Member {
            doc,
            root: r,
            len: s.len,
            quality: s.quality,
            signature: &s.signature,
        });
    }
    let mut clusters: Vec<_> = comps
        .iter_mut()
        .flat_map(|c| decide(c, policy, &opts, estimate, 0))
        .collect();
    clusters.sort_unstable_by_key(|c| c.members[0]);
    clusters
        .iter()
        .map(|c| {
            serde_json::json!({
                "members": c.members.iter().map(|&m| docs[m as usize].id.clone()).collect::<Vec<_>>(),
                "representative": docs[c.survivor as usize].id,
                "similarity": c.similarity,
            })
        })
        .collect()
}

fn documents() -> Vec<Document> {
    corpus()
        .into_iter()
        .enumerate()
        .map(|(i, (id, text))| {
            let mut d = Document::new(id, text);
            d.source.record = i as u64 + 1;
            d
        })
        .collect()
}

#[test]
fn distributed_steps_give_the_one_machine_clusters() {
    let docs = documents();
    for options in [
        "method = \"minhash\"",
        "method = \"minhash\"\nsurvivor = \"longest\"\nmax_anchors = 2",
        "method = \"minhash\"\nverify = false",
        "method = \"exact\"",
    ] {
        let expected: Vec<Value> = one_machine(options, &docs)
            .into_iter()
            .map(|l| {
                serde_json::json!({
                    "members": l["members"],
                    "representative": l["representative"],
                    "similarity": l["similarity"],
                })
            })
            .collect();
        assert!(
            expected.len() > 20,
            "{options}: {} clusters",
            expected.len()
        );
        for shards in [1, 3, 7] {
            assert_eq!(
                distributed(options, &docs, shards),
                expected,
                "{options}, {shards} shards"
            );
        }
    }
}
