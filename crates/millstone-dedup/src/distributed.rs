//! Dedup as steps a cluster job runs on many machines, giving `millstone dedup`'s clusters,
//! survivors and attributes: [`Dedup::sign`] per document (signature and band keys);
//! [`join_buckets`] per shard of `(band, key)` entries (the edges of each bucket, see
//! [`crate::cluster::bucket_edges`]); [`large_star`] / [`small_star`] rounds per shard of edges
//! (connected components, deterministic: every component becomes a star around its smallest
//! document); [`decide`] per shard of components (survivor, stars of members that resemble it,
//! similarity to it). The driver then numbers clusters by their smallest member, as
//! [`crate::cluster::split_stars`] does.
//!
//! Documents are numbered by the caller (their position in input order, from 0), which is what
//! "first" means. Every function here is a pure function of its inputs: where and in which order
//! the shards run does not change the result.
//!
//! With `against`, the saved index's documents take part first (numbers `0..n`, from
//! [`Config::load_against`]; the caller numbers its own documents from `n`) and always survive.
//!
//! Not here: `save_index` and `method = "reprints"` (one machine only for now), the shuffle itself
//! (the driver's), spilling (each shard is in memory).

use std::collections::HashMap;

use millstone_core::Document;

use crate::cluster::{self, bucket_edges, ClusterOptions, Survivor};
use crate::stage::{Config, Dedup, Method};
use crate::ConfigError;

/// What a document contributes: its band keys (empty: it takes no part), its signature
/// (MinHash values truncated to 32 bits, as the one-machine pass keeps them), and what the
/// survivor policy and `clusters.jsonl` read.
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    pub keys: Vec<u64>,
    pub signature: Vec<u32>,
    pub len: u64,
    pub quality: f64,
    pub url: Option<String>,
}

/// One document of a component, as [`decide`] needs it.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub doc: u64,
    pub root: u64,
    pub len: u64,
    pub quality: f64,
    pub signature: &'a [u32],
}

/// A decided cluster: members in document order, its survivor, and each member's similarity
/// to the survivor (the survivor's own is 1; rounded like the one-machine pass's; `None` for a
/// saved index's document).
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub members: Vec<u64>,
    pub survivor: u64,
    pub similarity: Vec<Option<f64>>,
}

impl Config {
    /// Refuse what the distributed steps do not do.
    pub fn check_distributed(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| ConfigError::invalid(crate::stage::NAME, m);
        if self.method == Method::Reprints {
            return Err(invalid(
                "`method = \"reprints\"` runs on one machine only (millstone dedup)",
            ));
        }
        if self.save_index.is_some() {
            return Err(invalid(
                "`save_index` runs on one machine only (millstone dedup)",
            ));
        }
        Ok(())
    }

    /// The saved index `against` names, read whole and checked against these settings; its
    /// documents as [`Signed`] (length 0, quality +inf: they always survive) with their ids.
    pub fn load_against(&self) -> Result<Vec<(String, Signed)>, crate::index::IndexError> {
        let Some(dir) = &self.against else {
            return Ok(Vec::new());
        };
        let (bands, width) = (self.key_count(), self.width());
        let index = crate::index::Index::load(dir, &self.method_json(), bands, width)?;
        Ok(index
            .ids
            .into_iter()
            .enumerate()
            .map(|(d, id)| {
                let signed = Signed {
                    keys: index.keys[d * bands..(d + 1) * bands].to_vec(),
                    signature: index
                        .signatures
                        .get(d * width..(d + 1) * width)
                        .unwrap_or_default()
                        .to_vec(),
                    len: 0,
                    quality: f64::INFINITY,
                    url: None,
                };
                (id, signed)
            })
            .collect())
    }

    /// The clustering options of the one-machine pass.
    pub fn cluster_options(&self) -> ClusterOptions {
        ClusterOptions {
            verify: self.verify && self.method != Method::Exact,
            threshold: self.threshold(),
            max_anchors: self.max_anchors,
        }
    }
}

impl Dedup {
    /// One document's keys and signature (the one-machine pass's, byte for byte).
    pub fn sign(&self, doc: &Document) -> Signed {
        let e = self.entry(doc);
        Signed {
            keys: e.buckets,
            signature: e.signature,
            len: e.len,
            quality: e.quality,
            url: (!e.url.is_empty()).then_some(e.url),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// Estimated Jaccard of two 32-bit signatures (the one-machine pass's measure).
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    crate::stage::signature_similarity(a, b)
}

/// The edges of every bucket in one shard of `(band, key, doc)` entries (a shard must hold
/// whole buckets: shard by `(band, key)`). `signature(doc)` gives a document's signature.
/// Edges come sorted, each `(smaller, larger)`.
pub fn join_buckets<'s>(
    entries: &mut [(u32, u64, u64)],
    opts: &ClusterOptions,
    signature: &dyn Fn(u64) -> Option<&'s [u32]>,
) -> Vec<(u64, u64)> {
    entries.sort_unstable();
    // Bucket members get local numbers (the clustering works on u32), in document order.
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut local: Vec<u64> = Vec::new();
    let mut idx: Vec<u32> = Vec::new();
    for bucket in entries.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        if bucket.len() < 2 {
            continue;
        }
        local.clear();
        local.extend(bucket.iter().map(|e| e.2));
        local.dedup();
        idx.clear();
        idx.extend(0..local.len() as u32);
        edges.clear();
        let sim =
            |a: u32, b: u32| match (signature(local[a as usize]), signature(local[b as usize])) {
                (Some(x), Some(y)) => similarity(x, y),
                _ => 0.0,
            };
        bucket_edges(&idx, opts, &sim, &mut edges);
        out.extend(
            edges
                .iter()
                .map(|&(a, b)| (local[a as usize], local[b as usize])),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Group `(node, neighbour)` pairs by node (sorted).
fn by_node(mut pairs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn normalised(mut edges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    for e in &mut edges {
        if e.0 > e.1 {
            *e = (e.1, e.0);
        }
    }
    edges.retain(|e| e.0 != e.1);
    edges.sort_unstable();
    edges.dedup();
    edges
}

/// Large-star on one shard: `pairs` are `(u, v)` for every neighbour `v` of each node `u` of the
/// shard (both orientations of every edge, sharded by `u`). Each node links its larger
/// neighbours to the smallest of its neighbourhood (itself included). Returns undirected edges
/// `(smaller, larger)`.
pub fn large_star(pairs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let pairs = by_node(pairs);
    let mut out = Vec::with_capacity(pairs.len());
    for group in pairs.chunk_by(|a, b| a.0 == b.0) {
        let u = group[0].0;
        let m = group.iter().map(|p| p.1).min().unwrap_or(u).min(u);
        out.extend(group.iter().filter(|p| p.1 > u).map(|p| (m, p.1)));
    }
    normalised(out)
}

/// Small-star on one shard: `pairs` are `(u, v)` with `v < u` (each edge once, from its larger
/// end, sharded by `u`). Each node and its smaller neighbours are linked to the smallest of
/// them. Returns undirected edges `(smaller, larger)`.
pub fn small_star(pairs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let pairs = by_node(pairs);
    let mut out = Vec::with_capacity(pairs.len() + 8);
    for group in pairs.chunk_by(|a, b| a.0 == b.0) {
        let u = group[0].0;
        let m = group.iter().map(|p| p.1).min().unwrap_or(u).min(u);
        out.extend(group.iter().map(|p| (m, p.1)));
        out.push((m, u));
    }
    normalised(out)
}

/// The clusters of one shard of components (sharded by root; `root` is the component's
/// smallest document), decided as the one-machine pass does: survivor by `policy` (ties to the
/// earliest), then, with verification, stars of members at least `threshold` similar to their
/// centre. Each member's similarity to its survivor is rounded as `clusters.jsonl` shows it.
/// `estimate`: similarities are estimated Jaccard (MinHash); otherwise (exact) they are 1.
/// Documents numbered below `n_old` come from a saved index: one of them survives when present.
pub fn decide(
    members: &mut [Member<'_>],
    policy: Survivor,
    opts: &ClusterOptions,
    estimate: bool,
    n_old: u64,
) -> Vec<Decided> {
    members.sort_unstable_by_key(|m| m.doc);
    let index: HashMap<u64, u32> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.doc, i as u32))
        .collect();
    let root: Vec<u32> = members
        .iter()
        .map(|m| index.get(&m.root).copied().unwrap_or(index[&m.doc]))
        .collect();
    let found = cluster::clusters(
        &root,
        policy,
        |d| members[d as usize].len,
        |d| members[d as usize].quality,
        |d| members[d as usize].doc < n_old,
    );
    let sim =
        |a: u32, b: u32| similarity(members[a as usize].signature, members[b as usize].signature);
    let found = if opts.verify {
        cluster::split_stars(found, sim, opts.threshold)
    } else {
        found
    };
    found
        .into_iter()
        .map(|c| Decided {
            similarity: c
                .members
                .iter()
                .map(|&m| {
                    let s = if estimate {
                        sim(m, c.survivor) as f32
                    } else {
                        1.0
                    };
                    (members[m as usize].doc >= n_old).then(|| (f64::from(s) * 1e4).round() / 1e4)
                })
                .collect(),
            survivor: members[c.survivor as usize].doc,
            members: c.members.iter().map(|&m| members[m as usize].doc).collect(),
        })
        .collect()
}
