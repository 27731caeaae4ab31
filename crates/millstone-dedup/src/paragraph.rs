//! `paragraph_dedup`: remove paragraphs (or lines) that already appeared in an earlier document,
//! keeping the first occurrence — the cross-document repeats that whole-document dedup cannot see
//! (a disclaimer under every article, a press release quoted in many reports).
//!
//! A unit is a paragraph (blocks separated by blank lines) or a line (`unit = "line"`). Units with
//! fewer than `min_words` words are left alone: short lines are boilerplate's business, and
//! counting them here would strip headings such as "Conclusion". Units are compared after
//! `simplify_text`. The counting pass records, for each unit hash, its first occurrence
//! (document in input order, then position); `process` removes every other occurrence —
//! including a repeat inside the first document itself. Counts of removed units and characters
//! go to the stage's stats (`removed_units`, `removed_chars`) and the document's
//! `millstone.removed_paragraphs`; a document left empty is dropped (`all_paragraphs_duplicated`).
//!
//! The pass is explicit ([`CorpusSteps`]): `observe` maps documents to a [`Partial`] (unit hash →
//! first occurrence), `merge` keeps the earlier occurrence of each unit, `finish` gives the
//! [`Decisions`], and [`ParagraphStage`] applies them per document. Partials and decisions are
//! serde values: shards of a corpus can be observed apart (other processes, other machines) and
//! merged in any order, with the decisions of one pass.
//!
//! Memory: one map entry (~40 bytes) per distinct unit of the corpus.

use std::cell::RefCell;
use std::sync::OnceLock;

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{
    CorpusSteps, Document, DynCorpusSteps, Stage, StageOptions, StageStats, Value, Verdict,
};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::normalize::simplify_text;
use crate::ConfigError;

pub const NAME: &str = "paragraph_dedup";
pub const SUMMARY: &str =
    "remove paragraphs (or lines) already seen in an earlier document, keeping the first occurrence";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Paragraph,
    Line,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub unit: Unit,
    /// Units with fewer whitespace-separated words are never removed.
    pub min_words: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            unit: Unit::Paragraph,
            min_words: 5,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "unit",
            T::Choice(&["paragraph", "line"]),
            "what is compared: blocks between blank lines, or lines",
        ),
        Opt::new(
            "min_words",
            T::Integer,
            "units with fewer words are never removed",
        )
        .range(Range::at_least(0.0)),
    ];
}

impl millstone_core::StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        Ok(Box::new(Config::build(self)?))
    }
}

impl Config {
    pub fn build(self) -> Result<ParagraphDedup, ConfigError> {
        Ok(ParagraphDedup {
            config: self,
            decided: OnceLock::new(),
        })
    }
}

/// Where a unit occurs first: (document ordinal, unit position in the document).
type Occurrence = (u64, u32);

/// What observing some documents leaves: each unit hash's earliest occurrence among them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    pub first: FxHashMap<u64, Occurrence>,
}

/// The corpus's decisions: each unit hash's first occurrence; every other occurrence goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decisions {
    pub first: FxHashMap<u64, Occurrence>,
}

/// The `paragraph_dedup` stage as a pipeline builds it: the pass ([`CorpusSteps`]) and, once its
/// decisions are installed, the per-document [`ParagraphStage`].
pub struct ParagraphDedup {
    config: Config,
    decided: OnceLock<ParagraphStage>,
}

/// Removes the units that [`Decisions`] say occurred first elsewhere.
pub struct ParagraphStage {
    units: Units,
    decisions: Decisions,
}

/// Cutting a text into units and hashing them (what the pass and the stage share).
#[derive(Debug, Clone)]
struct Units {
    config: Config,
}

thread_local! {
    static NORM: RefCell<String> = RefCell::default();
}

impl Units {
    /// The document's units as byte ranges, in order (blank separators excluded).
    fn units(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut block: Option<std::ops::Range<usize>> = None;
        for line in text.split('\n') {
            let range = start..start + line.len();
            start = range.end + 1;
            let blank = line.trim().is_empty();
            match self.config.unit {
                Unit::Line => {
                    if !blank {
                        out.push(range);
                    }
                }
                Unit::Paragraph => {
                    if blank {
                        out.extend(block.take());
                    } else {
                        block = Some(match block {
                            Some(b) => b.start..range.end,
                            None => range,
                        });
                    }
                }
            }
        }
        out.extend(block);
        out
    }

    /// Hash of a unit, or `None` when it is too short to take part.
    fn hash(&self, unit: &str) -> Option<u64> {
        unit.split_whitespace()
            .nth(self.config.min_words.saturating_sub(1))?;
        NORM.with_borrow_mut(|norm| {
            simplify_text(unit, norm);
            (!norm.is_empty()).then(|| xxh3_64(norm.as_bytes()))
        })
    }
}

/// Keep the earlier of two occurrences.
fn note(first: &mut FxHashMap<u64, Occurrence>, h: u64, here: Occurrence) {
    first
        .entry(h)
        .and_modify(|f| *f = (*f).min(here))
        .or_insert(here);
}

impl CorpusSteps for ParagraphDedup {
    type Partial = Partial;
    type Decisions = Decisions;

    fn describe(&self) -> &str {
        "paragraph_dedup: hashing paragraphs"
    }

    fn observe_into(&self, partial: &mut Partial, doc: &Document) {
        let key = doc.source.ordinal();
        let text = doc.text();
        let units = Units {
            config: self.config.clone(),
        };
        for (pos, r) in units.units(text).into_iter().enumerate() {
            if let Some(h) = units.hash(&text[r]) {
                note(&mut partial.first, h, (key, pos as u32));
            }
        }
    }

    fn merge(&self, into: &mut Partial, other: Partial) {
        let (mut big, small) = if into.first.len() >= other.first.len() {
            (std::mem::take(&mut into.first), other.first)
        } else {
            (other.first, std::mem::take(&mut into.first))
        };
        for (h, here) in small {
            note(&mut big, h, here);
        }
        into.first = big;
    }

    fn finish(&self, partial: Partial) -> Decisions {
        Decisions {
            first: partial.first,
        }
    }

    fn stage(&self, decisions: Decisions) -> Box<dyn Stage> {
        Box::new(self.config.clone().stage(decisions))
    }

    fn install(&self, decisions: Decisions) {
        // A second install (the pass run twice) keeps the first decisions: they are the same.
        let _ = self.decided.set(self.config.clone().stage(decisions));
    }
}

impl Config {
    /// The per-document stage applying `decisions`.
    pub fn stage(self, decisions: Decisions) -> ParagraphStage {
        ParagraphStage {
            units: Units { config: self },
            decisions,
        }
    }
}

impl Stage for ParagraphDedup {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        match self.decided.get() {
            Some(stage) => stage.process(doc, stats),
            None => {
                // The pass did not run: cannot happen when the executor drives the stage.
                stats.count("unseen", 1);
                Verdict::Keep
            }
        }
    }

    fn corpus_steps(&self) -> Option<&dyn DynCorpusSteps> {
        Some(self)
    }
}

impl Stage for ParagraphStage {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let key = doc.source.ordinal();
        let text = doc.text();
        let units = self.units.units(text);
        let mut keep = Vec::with_capacity(units.len());
        let (mut removed, mut removed_chars) = (0u64, 0u64);
        for (pos, r) in units.iter().enumerate() {
            let dup = self.units.hash(&text[r.clone()]).is_some_and(|h| {
                self.decisions
                    .first
                    .get(&h)
                    .is_some_and(|&first| first != (key, pos as u32))
            });
            if dup {
                removed += 1;
                removed_chars += text[r.clone()].chars().count() as u64;
            } else {
                keep.push(r.clone());
            }
        }
        stats.count("units", units.len() as u64);
        if removed == 0 {
            return Verdict::Keep;
        }
        stats.count("removed_units", removed);
        stats.count("removed_chars", removed_chars);
        let sep = match self.units.config.unit {
            Unit::Paragraph => "\n\n",
            Unit::Line => "\n",
        };
        let new = keep
            .iter()
            .map(|r| &text[r.clone()])
            .collect::<Vec<_>>()
            .join(sep);
        doc.attributes
            .insert("removed_paragraphs".into(), Value::from(removed));
        if keep.is_empty() {
            return Verdict::drop("all_paragraphs_duplicated");
        }
        doc.set_text(new);
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    fn doc(input: u32, record: u64, text: &str) -> Document {
        let mut d = Document::new(format!("d{input}-{record}"), text);
        d.source.input = input;
        d.source.record = record;
        d
    }

    const DISCLAIMER: &str =
        "This article is for information only and is not financial advice of any kind.";

    #[test]
    fn first_occurrence_stays_later_ones_go() {
        let stage = Config::default().build().unwrap();
        let mut docs = [
            doc(
                0,
                2,
                &format!("Markets rose sharply on Monday after the report.\n\n{DISCLAIMER}"),
            ),
            doc(
                0,
                1,
                &format!(
                    "Oil prices fell for a third week in a row.\n\n{DISCLAIMER}\n\nShort line"
                ),
            ),
            doc(1, 1, DISCLAIMER),
        ];
        // Observation order does not matter.
        let mut partial = Partial::default();
        for d in docs.iter().rev() {
            stage.observe_into(&mut partial, d);
        }
        stage.install(stage.finish(partial));
        let mut stats = StageStats::default();
        let v: Vec<Verdict> = docs
            .iter_mut()
            .map(|d| stage.process(d, &mut stats))
            .collect();
        // d0-1 is first in input order: it keeps the disclaimer.
        assert!(docs[1].text().contains(DISCLAIMER));
        assert_eq!(
            docs[0].text(),
            "Markets rose sharply on Monday after the report."
        );
        assert_eq!(v[2], Verdict::drop("all_paragraphs_duplicated"));
        assert_eq!(stats.counters["removed_units"], 2);
        assert_eq!(
            stats.counters["removed_chars"],
            2 * DISCLAIMER.chars().count() as u64
        );
    }

    /// Paragraphs drawn from a small pool, so that many repeat within and across documents.
    fn corpus() -> impl Strategy<Value = Vec<String>> {
        let pool = [
            DISCLAIMER,
            "Subscribe to our newsletter for the latest news and updates every week.",
            "The council will meet again next month to vote on the new budget plan.",
            "Oil prices fell for a third week in a row on weaker demand from Asia.",
            "Short one",
            "Markets rose sharply on Monday after the employment report came out.",
        ];
        let para = proptest::sample::select(pool.to_vec());
        let doc = proptest::collection::vec(para, 1..5).prop_map(|ps| ps.join("\n\n"));
        proptest::collection::vec(doc, 0..24)
    }

    fn docs_of(texts: &[String]) -> Vec<Document> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| doc((i % 3) as u32, i as u64 + 1, t))
            .collect()
    }

    proptest::proptest! {
        /// Observing shards apart, sending each partial through JSON (as a worker would),
        /// merging them in any order and finishing gives the decisions (and the same output
        /// documents) of one pass over everything.
        #[test]
        fn shards_merged_in_any_order_decide_as_one_pass(
            texts in corpus(),
            cuts in proptest::collection::vec(0usize..24, 0..6),
            order_seed in 0u64..1000,
            line_mode in proptest::bool::ANY,
        ) {
            let config = Config {
                unit: if line_mode { Unit::Line } else { Unit::Paragraph },
                min_words: 3,
            };
            let stage = config.clone().build().unwrap();
            let docs = docs_of(&texts);
            let mut whole = Partial::default();
            for d in &docs {
                stage.observe_into(&mut whole, d);
            }
            let one_pass = stage.finish(whole);

            let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(docs.len())).collect();
            bounds.extend([0, docs.len()]);
            bounds.sort_unstable();
            let mut partials: Vec<Partial> = bounds
                .windows(2)
                .map(|w| {
                    let mut p = Partial::default();
                    for d in &docs[w[0]..w[1]] {
                        stage.observe_into(&mut p, d);
                    }
                    let json = serde_json::to_string(&p).unwrap();
                    serde_json::from_str(&json).unwrap()
                })
                .collect();
            // A permutation of the partials from the seed.
            let mut merged = Partial::default();
            let mut state = order_seed;
            while !partials.is_empty() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let next = partials.swap_remove((state >> 33) as usize % partials.len());
                stage.merge(&mut merged, next);
            }
            let sharded = stage.finish(merged);
            proptest::prop_assert_eq!(&sharded, &one_pass);

            // And the stages built from either give the same documents.
            let (a, b) = (stage.stage(one_pass), config.stage(sharded));
            for d in &docs {
                let (mut x, mut y) = (d.clone(), d.clone());
                let mut stats = StageStats::default();
                proptest::prop_assert_eq!(a.process(&mut x, &mut stats), b.process(&mut y, &mut stats));
                proptest::prop_assert_eq!(x.text(), y.text());
            }
        }
    }

    #[test]
    fn short_units_and_line_mode() {
        let stage = Config {
            unit: Unit::Line,
            min_words: 3,
        }
        .build()
        .unwrap();
        let mut a = doc(
            0,
            1,
            "Share\nThe same line of text here\nUnique text in the first one",
        );
        let mut b = doc(
            0,
            2,
            "Share\nthe same  LINE of text, here!\nOther unique text in two",
        );
        let mut partial = stage.observe(&a);
        stage.merge(&mut partial, stage.observe(&b));
        stage.install(stage.finish(partial));
        let mut stats = StageStats::default();
        stage.process(&mut a, &mut stats);
        stage.process(&mut b, &mut stats);
        assert_eq!(
            a.text(),
            "Share\nThe same line of text here\nUnique text in the first one"
        );
        assert_eq!(b.text(), "Share\nOther unique text in two");
    }
}
