//! From per-document bucket keys to clusters: LSH banding, optional verification of candidate
//! pairs, union-find, and a deterministic survivor per cluster.
//!
//! Documents are numbered `0..n` in input order (saved-index documents first). For each band the
//! `(key, doc)` pairs are sorted and equal keys form a bucket; inside a bucket a document joins
//! the first earlier anchor it is verified against (estimated Jaccard of the full signatures ≥
//! `threshold`), or becomes an anchor itself. Which pairs join depends only on the bucket's
//! members, never on what other buckets joined before: the clusters are the connected
//! components of a fixed set of edges, whatever order buckets are visited in (so buckets can be
//! joined on many machines, see [`bucket_edges`]). Verifying against a few anchors instead of chaining
//! every consecutive pair is what keeps shared-template false edges from gluing unrelated
//! clusters together. Union-find always makes the smaller document number the root, so the
//! result does not depend on thread count or on the order buckets are visited.
//!
//! Memory: one band at a time is sorted (16 bytes per document), plus the union-find parents
//! (4 bytes per document, which become the roots in place); [`clusters`] adds 4 bytes per
//! document while it runs, plus its clusters. The signatures themselves are owned by the caller.
//!
//! Not here: computing signatures (`minhash`), reading documents, writing files.

use rayon::prelude::*;

/// How a cluster's survivor is chosen. Ties always go to the earliest document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Survivor {
    /// The first document in input order (datatrove keeps, in practice, an early one).
    First,
    /// The longest text.
    Longest,
    /// The highest value of a numeric field (e.g. a quality score); missing counts as lowest.
    Quality,
}

/// Union-find over `0..n`; the root of a set is always its smallest member.
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        while self.parent[x as usize] != root {
            let next = self.parent[x as usize];
            self.parent[x as usize] = root;
            x = next;
        }
        root
    }

    /// Join the sets of `a` and `b`; returns false if they were already one set.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi as usize] = lo;
        true
    }
}

/// What the clustering needs to know about the documents.
pub trait Members: Sync {
    /// Number of documents.
    fn count(&self) -> usize;
    /// Number of bands (bucket keys per document).
    fn bands(&self) -> usize;
    /// Bucket key of document `doc` in band `band`, or `None` if the document takes no part
    /// (e.g. too short to have a signature).
    fn key(&self, doc: u32, band: usize) -> Option<u64>;
    /// Similarity of two documents (estimated Jaccard for MinHash, 1.0 for exact hashes).
    fn similarity(&self, a: u32, b: u32) -> f64;
}

/// Options for [`cluster`].
#[derive(Debug, Clone, Copy)]
pub struct ClusterOptions {
    /// Verify candidate pairs: only join documents whose similarity is at least `threshold`.
    pub verify: bool,
    pub threshold: f64,
    /// At most this many anchors are compared per bucket (a bucket with more distinct groups is a
    /// shared template; later members that match none of the anchors stay apart).
    pub max_anchors: usize,
}

/// The clusters found: `root[doc]` is the smallest document of its cluster.
pub struct Clustering {
    pub root: Vec<u32>,
    /// Candidate pairs seen in buckets, and how many of them verification rejected.
    pub candidates: u64,
    pub rejected: u64,
}

/// Group documents whose bucket keys collide in some band (and, with verification, are similar
/// enough), transitively.
pub fn cluster(members: &dyn Members, opts: &ClusterOptions) -> Clustering {
    let n = members.count();
    let mut joiner = Joiner::new(n, *opts);
    let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(n);
    for band in 0..members.bands() {
        pairs.clear();
        pairs.extend((0..n as u32).filter_map(|d| members.key(d, band).map(|k| (k, d))));
        pairs.par_sort_unstable();
        for bucket in pairs.chunk_by(|a, b| a.0 == b.0) {
            if bucket.len() > 1 {
                joiner.bucket(bucket.iter().map(|&(_, d)| d), &|a, b| {
                    members.similarity(a, b)
                });
            }
        }
    }
    joiner.finish()
}

/// The joining step of [`cluster`], bucket by bucket, for callers that produce the buckets
/// themselves (e.g. by merging sorted runs from disk): feed every bucket of ≥ 2 documents, band
/// by band, each in ascending document order, and the result is the same as [`cluster`]'s.
pub struct Joiner {
    uf: UnionFind,
    anchors: Vec<u32>,
    opts: ClusterOptions,
    candidates: u64,
    rejected: u64,
}

impl Joiner {
    pub fn new(n: usize, opts: ClusterOptions) -> Joiner {
        Joiner {
            uf: UnionFind::new(n),
            anchors: Vec::new(),
            opts,
            candidates: 0,
            rejected: 0,
        }
    }

    /// One bucket's documents in ascending order: each joins the first anchor it is verified
    /// against, or becomes an anchor itself (at most `max_anchors`).
    pub fn bucket(
        &mut self,
        docs: impl IntoIterator<Item = u32>,
        similarity: &dyn Fn(u32, u32) -> f64,
    ) {
        self.anchors.clear();
        for doc in docs {
            let mut joined = false;
            for &a in &self.anchors {
                self.candidates += 1;
                // No shortcut for a pair that is already one set: whether `doc` joins an anchor
                // (and whether it becomes one) must depend on this bucket alone, so that the
                // edges, and so the clusters, do not depend on the order buckets are met in
                // (a cluster job joins buckets on many machines at once).
                if !self.opts.verify || similarity(a, doc) >= self.opts.threshold {
                    self.uf.union(a, doc);
                    joined = true;
                    break;
                }
                self.rejected += 1;
            }
            if !joined && self.anchors.len() < self.opts.max_anchors.max(1) {
                self.anchors.push(doc);
            }
        }
    }

    pub fn finish(mut self) -> Clustering {
        // Compress every path in place: afterwards `parent[d]` is `d`'s root, so the parents
        // become the roots without a second array.
        let n = self.uf.parent.len() as u32;
        for d in 0..n {
            self.uf.find(d);
        }
        Clustering {
            root: self.uf.parent,
            candidates: self.candidates,
            rejected: self.rejected,
        }
    }
}

/// The edges one bucket contributes ([`Joiner::bucket`]'s rule, without union-find): `docs` in
/// ascending order; each document is joined to the first anchor it is verified against, or
/// becomes an anchor (at most `max_anchors`). The clusters are the connected components of the
/// edges of every bucket of every band.
pub fn bucket_edges(
    docs: &[u32],
    opts: &ClusterOptions,
    similarity: &dyn Fn(u32, u32) -> f64,
    edges: &mut Vec<(u32, u32)>,
) {
    let mut anchors: Vec<u32> = Vec::new();
    for &doc in docs {
        match anchors
            .iter()
            .find(|&&a| !opts.verify || similarity(a, doc) >= opts.threshold)
        {
            Some(&a) => edges.push((a, doc)),
            None if anchors.len() < opts.max_anchors.max(1) => anchors.push(doc),
            None => {}
        }
    }
}

/// One cluster of ≥ 2 documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Members in document order.
    pub members: Vec<u32>,
    pub survivor: u32,
}

/// The clusters with ≥ 2 members, numbered by their smallest member, each with its survivor.
/// `len(doc)` and `quality(doc)` feed the survivor policy; `pinned(doc)` marks documents that
/// must survive when present (a saved index's documents: they were published already).
pub fn clusters(
    root: &[u32],
    policy: Survivor,
    len: impl Fn(u32) -> u64,
    quality: impl Fn(u32) -> f64,
    pinned: impl Fn(u32) -> bool,
) -> Vec<Cluster> {
    // One array: first each root's size, then (once its cluster exists) the cluster's number,
    // or `NO_CLUSTER` for a root alone. A root is its set's smallest member, so it is met
    // before the other members.
    const NO_CLUSTER: u32 = u32::MAX;
    let mut slot = vec![0u32; root.len()];
    for &r in root {
        slot[r as usize] += 1;
    }
    let mut out: Vec<Cluster> = Vec::new();
    for (doc, &r) in root.iter().enumerate() {
        let doc = doc as u32;
        if r == doc {
            let size = slot[r as usize];
            if size < 2 {
                slot[r as usize] = NO_CLUSTER;
                continue;
            }
            slot[r as usize] = out.len() as u32;
            let mut members = Vec::with_capacity(size as usize);
            members.push(doc);
            out.push(Cluster {
                members,
                survivor: r,
            });
        } else if slot[r as usize] != NO_CLUSTER {
            out[slot[r as usize] as usize].members.push(doc);
        }
    }
    for c in &mut out {
        c.survivor = if let Some(&p) = c.members.iter().find(|&&m| pinned(m)) {
            p
        } else {
            match policy {
                Survivor::First => c.members[0],
                Survivor::Longest => *c
                    .members
                    .iter()
                    .max_by(|&&a, &&b| len(a).cmp(&len(b)).then(b.cmp(&a)))
                    .expect("clusters have members"),
                Survivor::Quality => *c
                    .members
                    .iter()
                    .max_by(|&&a, &&b| quality(a).total_cmp(&quality(b)).then(b.cmp(&a)))
                    .expect("clusters have members"),
            }
        };
    }
    out
}

/// Split each cluster into stars whose members all resemble their centre: union-find joins
/// chains (A~B, B~C), and C must not be dropped as a copy of an A it does not resemble. Members
/// are taken in order — the cluster's survivor first, then document order — and each joins the
/// first centre it is at least `threshold` similar to, or becomes a centre. Stars of ≥ 2 are the
/// new clusters, with the centre as survivor, numbered by their smallest member.
pub fn split_stars(
    clusters: Vec<Cluster>,
    similarity: impl Fn(u32, u32) -> f64,
    threshold: f64,
) -> Vec<Cluster> {
    let mut stars = Vec::with_capacity(clusters.len());
    for c in clusters {
        let order = std::iter::once(c.survivor)
            .chain(c.members.iter().copied().filter(|&m| m != c.survivor));
        let mut these: Vec<Cluster> = Vec::new();
        for m in order {
            match these
                .iter_mut()
                .find(|s| similarity(m, s.survivor) >= threshold)
            {
                Some(star) => star.members.push(m),
                None => these.push(Cluster {
                    members: vec![m],
                    survivor: m,
                }),
            }
        }
        for mut star in these.into_iter().filter(|s| s.members.len() > 1) {
            star.members.sort_unstable();
            stars.push(star);
        }
    }
    stars.sort_unstable_by_key(|c| c.members[0]);
    stars
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documents with explicit band keys and a similarity table.
    struct Toy {
        keys: Vec<Vec<Option<u64>>>,
        sim: fn(u32, u32) -> f64,
    }

    impl Members for Toy {
        fn count(&self) -> usize {
            self.keys.len()
        }
        fn bands(&self) -> usize {
            self.keys[0].len()
        }
        fn key(&self, doc: u32, band: usize) -> Option<u64> {
            self.keys[doc as usize][band]
        }
        fn similarity(&self, a: u32, b: u32) -> f64 {
            (self.sim)(a, b)
        }
    }

    const OPEN: ClusterOptions = ClusterOptions {
        verify: false,
        threshold: 0.0,
        max_anchors: 8,
    };

    #[test]
    fn union_find_roots_are_smallest() {
        let mut uf = UnionFind::new(6);
        uf.union(5, 3);
        uf.union(3, 4);
        uf.union(4, 1);
        assert_eq!((uf.find(5), uf.find(3), uf.find(1)), (1, 1, 1));
        assert!(!uf.union(5, 1));
        assert_eq!(uf.find(0), 0);
    }

    #[test]
    fn buckets_join_transitively_across_bands() {
        // 0~1 in band 0, 1~2 in band 1, 3 alone, 4 without keys.
        let t = Toy {
            keys: vec![
                vec![Some(7), Some(1)],
                vec![Some(7), Some(2)],
                vec![Some(9), Some(2)],
                vec![Some(10), Some(3)],
                vec![None, None],
            ],
            sim: |_, _| 1.0,
        };
        let c = cluster(&t, &OPEN);
        assert_eq!(c.root, [0, 0, 0, 3, 4]);
        let cl = clusters(&c.root, Survivor::First, |_| 0, |_| 0.0, |_| false);
        assert_eq!(
            cl,
            [Cluster {
                members: vec![0, 1, 2],
                survivor: 0
            }]
        );
    }

    #[test]
    fn verification_cuts_template_edges() {
        // All four share one bucket (a template); only 0~2 and 1~3 are really similar.
        let t = Toy {
            keys: vec![vec![Some(1)]; 4],
            sim: |a, b| if a % 2 == b % 2 { 0.9 } else { 0.1 },
        };
        let verified = cluster(
            &t,
            &ClusterOptions {
                verify: true,
                threshold: 0.5,
                max_anchors: 8,
            },
        );
        assert_eq!(verified.root, [0, 1, 0, 1]);
        assert_eq!(cluster(&t, &OPEN).root, [0, 0, 0, 0]);
    }

    #[test]
    fn chains_split_into_stars_around_the_survivor() {
        // 0~1 and 1~2 are similar, 0 and 2 are not; 3 and 4 are exact copies of 2.
        let sim = |a: u32, b: u32| {
            let (a, b) = (a.min(b), a.max(b));
            match (a, b) {
                (0, 1) | (1, 2) | (1, 3) | (1, 4) => 0.8,
                (2, 3) | (2, 4) | (3, 4) => 1.0,
                _ => 0.2,
            }
        };
        let chained = vec![Cluster {
            members: vec![0, 1, 2, 3, 4],
            survivor: 0,
        }];
        let stars = split_stars(chained, sim, 0.7);
        assert_eq!(
            stars,
            [
                Cluster {
                    members: vec![0, 1],
                    survivor: 0
                },
                Cluster {
                    members: vec![2, 3, 4],
                    survivor: 2
                }
            ]
        );
        // A cluster whose members all resemble the survivor is left whole.
        let whole = vec![Cluster {
            members: vec![2, 3, 4],
            survivor: 3,
        }];
        assert_eq!(split_stars(whole.clone(), sim, 0.7), whole);
    }

    #[test]
    fn survivor_policies_are_deterministic() {
        let root = [0, 0, 0, 3, 3];
        let len = |d: u32| [5, 9, 9, 1, 1][d as usize];
        let q = |d: u32| [0.1, 0.2, 0.9, 0.5, 0.5][d as usize];
        let s = |p| {
            clusters(&root, p, len, q, |_| false)
                .iter()
                .map(|c| c.survivor)
                .collect::<Vec<_>>()
        };
        assert_eq!(s(Survivor::First), [0, 3]);
        assert_eq!(s(Survivor::Longest), [1, 3]);
        assert_eq!(s(Survivor::Quality), [2, 3]);
        let pinned = clusters(&root, Survivor::Longest, len, q, |d| d == 4);
        assert_eq!(pinned[1].survivor, 4);
    }
}
