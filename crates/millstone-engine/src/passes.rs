//! A pipeline's corpus passes split across processes or machines: each worker observes its
//! batches into a partial ([`Pipeline::observe_pass`]), partials are merged in any order
//! ([`Pipeline::merge_partials`]), the total is finished into decisions
//! ([`Pipeline::finish_pass`]) and every worker's pipeline installs them
//! ([`Pipeline::install_decisions`]); after the last pass, [`Pipeline::process`] runs per batch.
//! Partials and decisions are JSON bytes, so a driver (a Ray job) can ship them as it likes.
//!
//! Passes run in stage order: pass `k` observes what the stages before `k` keep, so the passes
//! before it must be installed first. The result equals one [`Pipeline::process_corpus`] over
//! all batches, because `merge` is associative and commutative.
//!
//! Not here: a stage that keeps its corpus state inside itself (`dedup`); such a pipeline cannot
//! be split and says so ([`Pipeline::splittable`]); a cluster runs dedup with its own steps.

use std::sync::atomic::Ordering;

use millstone_core::{Document, DynCorpusSteps, StageStats};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::Pipeline;

impl Pipeline {
    /// Indices of the stages with a corpus pass, in order.
    pub fn corpus_stages(&self) -> Vec<usize> {
        (0..self.stages.len())
            .filter(|&k| self.stages[k].needs_corpus())
            .collect()
    }

    /// `Err` naming the first stage whose corpus pass cannot be split into steps.
    pub fn splittable(&self) -> Result<()> {
        match self
            .stages
            .iter()
            .find(|s| s.corpus_pass().is_some() && s.corpus_steps().is_none())
        {
            Some(s) => Err(Error::Config(format!(
                "stage `{}` keeps its corpus state inside the stage and cannot be split across \
                 workers; run it on one machine, or use the cluster's own dedup",
                s.name()
            ))),
            None => Ok(()),
        }
    }

    fn steps(&self, k: usize) -> Result<&dyn DynCorpusSteps> {
        self.splittable()?;
        let stage = self.stages.get(k).ok_or_else(|| {
            Error::Run(format!(
                "no stage #{k} (the pipeline has {})",
                self.stages.len()
            ))
        })?;
        stage
            .corpus_steps()
            .ok_or_else(|| Error::Run(format!("stage #{k} `{}` has no corpus pass", stage.name())))
    }

    fn check_installed_before(&self, k: usize) -> Result<()> {
        let installed = self.installed.lock().unwrap_or_else(|e| e.into_inner());
        match self
            .corpus_stages()
            .into_iter()
            .find(|&j| j < k && !installed.contains(&j))
        {
            Some(j) => Err(Error::Run(format!(
                "stage #{j} `{}` needs its decisions installed before stage #{k}'s pass",
                self.stages[j].name()
            ))),
            None => Ok(()),
        }
    }

    /// Observe `docs` for stage `k`'s pass: the documents that the stages before it keep (they
    /// run here on copies, in parallel) go into a partial, returned as JSON bytes.
    pub fn observe_pass(&self, k: usize, docs: &[Document]) -> Result<Vec<u8>> {
        let steps = self.steps(k)?;
        self.check_installed_before(k)?;
        let before = &self.stages[..k];
        let partial = docs
            .par_iter()
            .fold(
                || steps.empty_partial(),
                |mut partial, doc| {
                    let mut doc = doc.clone();
                    let mut scratch = StageStats::default();
                    if before
                        .iter()
                        .all(|s| s.process(&mut doc, &mut scratch).is_keep())
                    {
                        steps.observe_any(&mut *partial, &doc);
                    }
                    partial
                },
            )
            .reduce(
                || steps.empty_partial(),
                |mut a, b| {
                    steps.merge_any(&mut *a, b);
                    a
                },
            );
        Ok(steps.partial_to_json(&*partial))
    }

    /// Merge partials of stage `k`'s pass (in any order) into one, as JSON bytes.
    pub fn merge_partials(&self, k: usize, partials: &[&[u8]]) -> Result<Vec<u8>> {
        let steps = self.steps(k)?;
        let mut total = steps.empty_partial();
        for bytes in partials {
            let p = steps.partial_from_json(bytes).map_err(Error::Run)?;
            steps.merge_any(&mut *total, p);
        }
        Ok(steps.partial_to_json(&*total))
    }

    /// The decisions of stage `k`'s pass from the merged partial, as JSON bytes.
    pub fn finish_pass(&self, k: usize, partial: &[u8]) -> Result<Vec<u8>> {
        let steps = self.steps(k)?;
        let p = steps.partial_from_json(partial).map_err(Error::Run)?;
        Ok(steps.finish_to_json(p))
    }

    /// Give stage `k` its decisions. Once every corpus stage has them, [`Pipeline::process`]
    /// runs.
    pub fn install_decisions(&self, k: usize, decisions: &[u8]) -> Result<()> {
        let steps = self.steps(k)?;
        steps.install_json(decisions).map_err(Error::Run)?;
        let mut installed = self.installed.lock().unwrap_or_else(|e| e.into_inner());
        if !installed.contains(&k) {
            installed.push(k);
        }
        if self.corpus_stages().iter().all(|j| installed.contains(j)) {
            self.passes_done.store(true, Ordering::Release);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<Document> {
        // Lines that recur across pages of one site are boilerplate's cross-document evidence.
        let menu = "Home | News | Sport | Weather | Contact us";
        (0..40)
            .map(|i| {
                // A word unique to the story (numbers alone normalise to the same text).
                let tag: String = format!("{i:02}").bytes().map(|c| (c - b'0' + b'k') as char).collect();
                let mut d = Document::new(
                    format!("d{i}"),
                    format!(
                        "{menu}\nStory {tag} begins with the council meeting on Tuesday, where members argued for hours about the new budget.\nThe vote on item {tag} was postponed until next month after a long debate among the members of the council.\nSubscribe to our newsletter"
                    ),
                );
                d.fields.insert("url".into(), format!("https://example.com/news/{i}").into());
                // Input order, which "first occurrence" means (a driver numbers its documents).
                d.source.record = i + 1;
                d
            })
            .collect()
    }

    fn texts(p: &crate::Processed) -> Vec<(String, String)> {
        p.kept
            .iter()
            .map(|d| (d.id.clone(), d.text().to_owned()))
            .chain(
                p.dropped
                    .iter()
                    .map(|d| (d.doc.id.clone(), d.reason.reason.to_string())),
            )
            .collect()
    }

    #[test]
    fn split_passes_decide_like_one_pass() {
        let toml = "[[stage]]\ntype = \"paragraph_dedup\"\n[[stage]]\ntype = \"boilerplate\"\n";
        let whole = Pipeline::from_toml(toml, "t").unwrap();
        let expected = whole.process_corpus(corpus()).unwrap();

        let driver = Pipeline::from_toml(toml, "t").unwrap();
        let worker = Pipeline::from_toml(toml, "t").unwrap();
        let docs = corpus();
        for &k in &driver.corpus_stages() {
            // Three workers' shards, merged in reverse order.
            let parts: Vec<Vec<u8>> = docs
                .chunks(15)
                .map(|c| worker.observe_pass(k, c).unwrap())
                .collect();
            let refs: Vec<&[u8]> = parts.iter().rev().map(Vec::as_slice).collect();
            let merged = driver.merge_partials(k, &refs).unwrap();
            let decisions = driver.finish_pass(k, &merged).unwrap();
            worker.install_decisions(k, &decisions).unwrap();
            driver.install_decisions(k, &decisions).unwrap();
        }
        let mut got = crate::Processed::default();
        for chunk in docs.chunks(7) {
            let out = worker.process(chunk.to_vec()).unwrap();
            got.kept.extend(out.kept);
            got.dropped.extend(out.dropped);
        }
        assert_eq!(texts(&got), texts(&expected));
        // The menu and the newsletter line recur on every page: boilerplate removed them.
        assert_eq!(expected.kept.len(), 40);
        assert!(expected
            .kept
            .iter()
            .all(|d| !d.text().contains("Subscribe")));
    }

    #[test]
    fn passes_must_come_in_order_and_bad_bytes_are_errors() {
        let toml = "[[stage]]\ntype = \"paragraph_dedup\"\n[[stage]]\ntype = \"boilerplate\"\n";
        let p = Pipeline::from_toml(toml, "t").unwrap();
        let e = p.observe_pass(1, &corpus()).unwrap_err().to_string();
        assert!(
            e.contains("stage #0 `paragraph_dedup` needs its decisions installed"),
            "{e}"
        );
        let e = p.merge_partials(0, &[b"not json"]).unwrap_err().to_string();
        assert!(e.contains("not a partial"), "{e}");
        assert!(p.install_decisions(0, b"[1,2").is_err());
        assert!(p.process(corpus()).is_err());
    }

    #[test]
    fn dedup_in_a_pipeline_cannot_be_split() {
        let p = Pipeline::from_toml("[[stage]]\ntype = \"dedup\"\n", "t").unwrap();
        let e = p.observe_pass(0, &corpus()).unwrap_err().to_string();
        assert!(e.contains("`dedup` keeps its corpus state"), "{e}");
    }
}
