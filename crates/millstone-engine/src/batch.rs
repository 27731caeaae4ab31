//! Documents in, decisions out: a [`Pipeline`] over one in-memory batch, for callers that bring
//! their own reading and writing (a Python binding, a Ray worker, tests).
//!
//! [`Pipeline::process`] runs the per-document stages over a batch in parallel (on the current
//! rayon pool) and returns kept and dropped documents in input order, with the batch's
//! [`RunStats`] (which add up with `+=` across batches). A pipeline with a corpus pass (dedup,
//! `paragraph_dedup`, `boilerplate`'s line counts) must have seen its corpus first:
//! [`Pipeline::process_corpus`] treats one batch as the whole corpus.
//!
//! Not here: files, output folders, checkpoints (see [`crate::executor`]).

use std::sync::atomic::Ordering;

use millstone_core::{Document, DropReason, Map, RunStats};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::executor::{process_item, run_corpus_passes, DocsSource, Item, NoProgress};
use crate::Pipeline;

/// What a pipeline made of one batch.
#[derive(Debug, Default)]
pub struct Processed {
    /// Surviving documents, in input order (text after the stages, attributes measured).
    pub kept: Vec<Document>,
    /// Dropped documents, in input order, with the stage and reason.
    pub dropped: Vec<Dropped>,
    /// The batch's counts (`read == kept + dropped`; nothing is rejected in memory).
    pub stats: RunStats,
}

/// A dropped document and why.
#[derive(Debug, Clone)]
pub struct Dropped {
    pub doc: Document,
    /// The stage's name (its `type`).
    pub stage: String,
    pub reason: DropReason,
}

impl Dropped {
    /// The `millstone` object the CLI writes with a dropped record (`drop = {stage, reason}`
    /// and the measured attributes).
    pub fn millstone_object(&self) -> Map {
        crate::output::millstone_object(&self.doc, Some((&self.stage, &self.reason)))
    }
}

impl Pipeline {
    /// Run the stages over `docs`. Fails with [`Error::CorpusPassPending`] if a stage needs the
    /// whole corpus first and has not seen it (see [`Pipeline::process_corpus`]).
    pub fn process(&self, docs: Vec<Document>) -> Result<Processed> {
        if !self.passes_done.load(Ordering::Acquire) {
            if let Some(s) = self.stages.iter().find(|s| s.needs_corpus()) {
                return Err(Error::CorpusPassPending(s.name().to_owned()));
            }
        }
        let names: Vec<&str> = self.names().collect();
        let mut items: Vec<Item> = docs
            .into_iter()
            .map(|doc| Item::Doc {
                read_bytes: doc.len_bytes(),
                doc,
                drop: None,
                encoded: None,
            })
            .collect();
        let stats = items
            .par_iter_mut()
            .fold(
                || RunStats::for_stages(names.iter().copied()),
                |mut stats, item| {
                    process_item(&self.stages, item, &mut stats);
                    stats
                },
            )
            .reduce(
                || RunStats::for_stages(names.iter().copied()),
                |mut a, b| {
                    a += &b;
                    a
                },
            );
        let mut out = Processed {
            stats,
            ..Default::default()
        };
        for item in items {
            if let Item::Doc { doc, drop, .. } = item {
                match drop {
                    None => out.kept.push(doc),
                    Some((i, reason)) => out.dropped.push(Dropped {
                        doc,
                        stage: names[i].to_owned(),
                        reason,
                    }),
                }
            }
        }
        Ok(out)
    }

    /// Take `docs` as the whole corpus: run the corpus passes over them (on the current rayon
    /// pool's threads), then [`Pipeline::process`] them. A pipeline's passes run once: a second
    /// call fails. Documents without a record number (`source.record == 0`) are numbered by
    /// their position (from 1), which is what "first" means for dedup.
    pub fn process_corpus(&self, mut docs: Vec<Document>) -> Result<Processed> {
        for (i, doc) in docs.iter_mut().enumerate() {
            if doc.source.record == 0 {
                doc.source.record = i as u64 + 1;
            }
        }
        if self.passes_done.swap(true, Ordering::AcqRel) {
            return Err(Error::Run(
                "this pipeline's corpus passes already ran: build a new pipeline for another corpus"
                    .into(),
            ));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .build()
            .map_err(|e| Error::Run(format!("starting worker threads: {e}")))?;
        run_corpus_passes(&self.stages, &DocsSource(&docs), &pool, &NoProgress)?;
        self.process(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[&str]) -> Vec<Document> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Document::new(format!("d{i}"), *t))
            .collect()
    }

    const GOOD: &str = "The committee met on Tuesday to discuss the new budget proposal. Members agreed that the plan needed more work before the vote. The chair said a revised version would be ready next month. Several members asked for more detail on the costs of the new buildings. The meeting ended after two hours of debate.";

    #[test]
    fn a_batch_is_split_into_kept_and_dropped_in_input_order() {
        let p = Pipeline::from_preset("c4").unwrap();
        let out = p.process(docs(&[GOOD, "lorem ipsum", GOOD])).unwrap();
        let kept: Vec<_> = out.kept.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(kept, ["d0", "d2"]);
        assert_eq!(out.dropped.len(), 1);
        assert_eq!(out.dropped[0].doc.id, "d1");
        assert_eq!(out.dropped[0].stage, "c4_quality");
        assert_eq!(
            out.dropped[0].millstone_object()["drop"]["stage"],
            "c4_quality"
        );
        assert_eq!(out.stats.read.documents, 3);
        out.stats.check_accounting().unwrap();
    }

    #[test]
    fn corpus_stages_need_their_pass() {
        let toml = "[[stage]]\ntype = \"dedup\"\nmethod = \"exact\"\n";
        let p = Pipeline::from_toml(toml, "t").unwrap();
        let e = p.process(docs(&[GOOD])).unwrap_err();
        assert!(
            matches!(e, Error::CorpusPassPending(ref s) if s == "dedup"),
            "{e}"
        );
        let out = p.process_corpus(docs(&[GOOD, "other text", GOOD])).unwrap();
        let kept: Vec<_> = out.kept.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(kept, ["d0", "d1"]);
        assert_eq!(out.dropped[0].doc.id, "d2");
        assert!(p.process_corpus(docs(&[GOOD])).is_err());
    }
}
