//! Invariants of dedup decisions, on random corpora with many duplicates.

mod common;

use millstone_core::{Document, StageStats, Verdict};
use millstone_dedup::normalize::simplify_text;
use millstone_dedup::stage::from_toml as dedup_stage;
use proptest::prelude::*;

const WORDS: [&str; 12] = [
    "the", "council", "harbour", "boats", "budget", "school", "storm", "river", "bridge",
    "Tuesday", "approved", "closed",
];

/// A random corpus: texts drawn from a small pool so that exact duplicates (after
/// normalisation: case and punctuation vary) are common.
fn corpus() -> impl Strategy<Value = Vec<String>> {
    let text = prop::collection::vec((0..WORDS.len(), any::<bool>(), any::<bool>()), 6..14)
        .prop_map(|words| {
            words
                .into_iter()
                .map(|(w, upper, comma)| {
                    let w = if upper {
                        WORDS[w].to_uppercase()
                    } else {
                        WORDS[w].to_owned()
                    };
                    if comma {
                        format!("{w},")
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        });
    prop::collection::vec(prop::sample::select(vec![0usize, 1, 2, 3, 4, 5]), 1..60).prop_flat_map(
        move |picks| {
            let pool = prop::collection::vec(text.clone(), 6);
            pool.prop_map(move |pool| picks.iter().map(|&p| pool[p].clone()).collect())
        },
    )
}

fn docs(texts: &[String]) -> Vec<Document> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut d = Document::new(format!("d{i}"), t.as_str());
            d.source.record = i as u64 + 1;
            d
        })
        .collect()
}

/// Run a dedup stage over `texts` with `threads` threads; the kept texts in order.
fn run(options: &str, texts: &[String], threads: usize) -> (Vec<String>, Vec<Verdict>) {
    let stage = dedup_stage(&toml::from_str(options).unwrap()).unwrap();
    let pass = stage.corpus_pass().unwrap();
    let mut docs = docs(texts);
    common::observe_all(pass, &docs, threads);
    let verdicts: Vec<Verdict> = docs
        .iter_mut()
        .map(|d| stage.process(d, &mut StageStats::default()))
        .collect();
    let kept = docs
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| v.is_keep())
        .map(|(d, _)| d.text().to_owned())
        .collect();
    (kept, verdicts)
}

fn normalised(texts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = texts
        .iter()
        .map(|t| {
            let mut s = String::new();
            simplify_text(t, &mut s);
            s
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn exact_dedup_is_idempotent(texts in corpus()) {
        let (kept, _) = run("method = \"exact\"", &texts, 2);
        let (again, _) = run("method = \"exact\"", &kept, 2);
        prop_assert_eq!(kept, again);
    }

    #[test]
    fn exact_dedup_keeps_one_of_each_text_whatever_the_order(texts in corpus(), seed in any::<u64>()) {
        let (kept, _) = run("method = \"exact\"", &texts, 1);
        let mut shuffled = texts.clone();
        // Deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let (kept_shuffled, _) = run("method = \"exact\"", &shuffled, 1);
        let k = normalised(&kept);
        prop_assert_eq!(&k, &normalised(&kept_shuffled));
        let mut distinct = normalised(&texts);
        distinct.dedup();
        prop_assert_eq!(k, distinct);
    }

    #[test]
    fn decisions_do_not_depend_on_thread_count(texts in corpus()) {
        for options in ["method = \"exact\"", "method = \"minhash\"\nn_grams = 2"] {
            let (_, one) = run(options, &texts, 1);
            let (_, four) = run(options, &texts, 4);
            prop_assert_eq!(one, four);
        }
    }
}

mod order {
    use millstone_dedup::cluster::{
        bucket_edges, cluster, ClusterOptions, Joiner, Members, UnionFind,
    };
    use proptest::prelude::*;

    /// Documents with random band keys (few distinct keys, so buckets are common) and a
    /// symmetric random similarity.
    #[derive(Debug)]
    struct Random {
        keys: Vec<Vec<Option<u64>>>,
        sim: Vec<Vec<f64>>,
    }

    impl Members for Random {
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
            let (a, b) = (a.min(b) as usize, a.max(b) as usize);
            self.sim[a][b]
        }
    }

    fn members() -> impl Strategy<Value = Random> {
        (2usize..40, 1usize..5).prop_flat_map(|(n, bands)| {
            (
                prop::collection::vec(
                    prop::collection::vec(prop::option::weighted(0.9, 0u64..6), bands),
                    n,
                ),
                prop::collection::vec(prop::collection::vec(0.0f64..1.0, n), n),
            )
                .prop_map(|(keys, sim)| Random { keys, sim })
        })
    }

    proptest! {
        /// Buckets joined in any order, or as edges on other machines, give `cluster`'s roots.
        #[test]
        fn clusters_do_not_depend_on_the_order_buckets_are_joined(
            m in members(), seed in any::<u64>(), max_anchors in 1usize..4, verify in any::<bool>(),
        ) {
            let opts = ClusterOptions { verify, threshold: 0.5, max_anchors };
            let expected = cluster(&m, &opts).root;
            // Every bucket of every band, then shuffled.
            let mut buckets: Vec<Vec<u32>> = Vec::new();
            for band in 0..m.bands() {
                let mut pairs: Vec<(u64, u32)> = (0..m.count() as u32)
                    .filter_map(|d| m.key(d, band).map(|k| (k, d)))
                    .collect();
                pairs.sort_unstable();
                for b in pairs.chunk_by(|a, b| a.0 == b.0) {
                    buckets.push(b.iter().map(|&(_, d)| d).collect());
                }
            }
            let mut state = seed | 1;
            for i in (1..buckets.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                buckets.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let sim = |a, b| m.similarity(a, b);
            let mut joiner = Joiner::new(m.count(), opts);
            for b in &buckets {
                joiner.bucket(b.iter().copied(), &sim);
            }
            prop_assert_eq!(&joiner.finish().root, &expected);
            let mut edges = Vec::new();
            for b in &buckets {
                bucket_edges(b, &opts, &sim, &mut edges);
            }
            let mut uf = UnionFind::new(m.count());
            for &(a, b) in edges.iter().rev() {
                uf.union(a, b);
            }
            let roots: Vec<u32> = (0..m.count() as u32).map(|d| uf.find(d)).collect();
            prop_assert_eq!(roots, expected);
        }
    }
}
