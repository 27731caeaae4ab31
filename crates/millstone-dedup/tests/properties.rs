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
