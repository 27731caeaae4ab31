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
//! Memory: one map entry (~40 bytes) per distinct unit of the corpus.

use std::cell::RefCell;
use std::sync::Mutex;

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{CorpusPass, Document, Stage, StageOptions, StageStats, Value, Verdict};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::normalize::simplify_text;
use crate::StageError;

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

impl Config {
    pub fn build(self) -> Result<ParagraphDedup, StageError> {
        Ok(ParagraphDedup {
            config: self,
            first: (0..SHARDS).map(|_| Mutex::default()).collect(),
        })
    }
}

const SHARDS: usize = 64;

pub struct ParagraphDedup {
    config: Config,
    /// Unit hash → (document ordinal, unit position) of its first occurrence, sharded by hash.
    first: Vec<Mutex<FxHashMap<u64, (u64, u32)>>>,
}

thread_local! {
    static NORM: RefCell<String> = RefCell::default();
}

impl ParagraphDedup {
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

    fn shard(&self, h: u64) -> &Mutex<FxHashMap<u64, (u64, u32)>> {
        &self.first[(h >> 58) as usize % SHARDS]
    }
}

impl CorpusPass for ParagraphDedup {
    fn describe(&self) -> &str {
        "paragraph_dedup: hashing paragraphs"
    }

    fn observe(&self, doc: &Document) {
        let key = doc.source.ordinal();
        let text = doc.text();
        for (pos, r) in self.units(text).into_iter().enumerate() {
            if let Some(h) = self.hash(&text[r]) {
                let here = (key, pos as u32);
                let mut shard = self.shard(h).lock().unwrap_or_else(|p| p.into_inner());
                shard
                    .entry(h)
                    .and_modify(|first| *first = (*first).min(here))
                    .or_insert(here);
            }
        }
    }

    fn finish(&self) {}
}

impl Stage for ParagraphDedup {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let key = doc.source.ordinal();
        let text = doc.text();
        let units = self.units(text);
        let mut keep = Vec::with_capacity(units.len());
        let (mut removed, mut removed_chars) = (0u64, 0u64);
        for (pos, r) in units.iter().enumerate() {
            let dup = self.hash(&text[r.clone()]).is_some_and(|h| {
                let shard = self.shard(h).lock().unwrap_or_else(|p| p.into_inner());
                shard
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
        let sep = match self.config.unit {
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

    fn corpus_pass(&self) -> Option<&dyn CorpusPass> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for d in docs.iter().rev() {
            stage.observe(d);
        }
        stage.finish();
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
        stage.observe(&a);
        stage.observe(&b);
        stage.finish();
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
