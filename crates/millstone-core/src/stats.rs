//! Run statistics: plain values that merge with `+=`.
//!
//! Each worker counts into its own [`RunStats`]; the executor adds them up. Maps are `BTreeMap`s so
//! that `stats.json` is byte-identical whatever the thread count. Nothing time-dependent lives
//! here (timings go to the console summary), for the same reason.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

use crate::RejectKind;

/// Counts for one stage of the pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageStats {
    /// Documents that reached this stage.
    pub seen: u64,
    /// Documents this stage passed on.
    pub kept: u64,
    /// Documents this stage dropped, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// Anything else the stage counts (e.g. lines removed, by rule).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, u64>,
    /// Documents that lacked a field the stage was configured to read (`url_field = ...`), by
    /// field name: what [`RunStats::warnings`] reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_fields: BTreeMap<String, u64>,
}

impl StageStats {
    /// Add `n` to a named counter.
    pub fn count(&mut self, key: &str, n: u64) {
        if let Some(v) = self.counters.get_mut(key) {
            *v += n;
        } else {
            self.counters.insert(key.to_owned(), n);
        }
    }

    /// Count one document that has no field `field` (the stage's configured name for it).
    pub fn missing_field(&mut self, field: &str) {
        bump(&mut self.missing_fields, field);
    }

    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}

impl AddAssign<&StageStats> for StageStats {
    fn add_assign(&mut self, rhs: &StageStats) {
        self.seen += rhs.seen;
        self.kept += rhs.kept;
        for (k, v) in &rhs.dropped {
            *self.dropped.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &rhs.counters {
            *self.counters.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &rhs.missing_fields {
            *self.missing_fields.entry(k.clone()).or_default() += v;
        }
    }
}

/// Document / byte totals of one outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub documents: u64,
    /// UTF-8 bytes of text (for rejected records: raw bytes of the record, where known).
    pub bytes: u64,
}

impl Tally {
    pub fn add(&mut self, bytes: usize) {
        self.documents += 1;
        self.bytes += bytes as u64;
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, rhs: Tally) {
        self.documents += rhs.documents;
        self.bytes += rhs.bytes;
    }
}

/// Everything `stats.json` says about a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStats {
    /// Records read: documents plus rejected records.
    pub read: Tally,
    /// Documents that survived every stage (bytes = text after the stages).
    pub kept: Tally,
    /// Documents a stage dropped (bytes = text as read).
    pub dropped: Tally,
    /// Records that could not be read.
    pub rejected: Tally,
    /// Words (spaCy-compatible tokens) in kept documents, where a stage tokenized the final text.
    pub kept_words: u64,
    /// Kept documents whose words are counted in `kept_words`.
    pub kept_words_documents: u64,
    /// Per stage, in pipeline order: `(stage name, stats)`.
    pub stages: Vec<(String, StageStats)>,
    /// Rejected records by kind.
    pub rejected_by: BTreeMap<RejectKind, u64>,
    /// WARC/ARC records by type (`response`, `request`, `warcinfo`, ...): those that became
    /// documents and those skipped; records too malformed to have a type are only in
    /// `rejected_by`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub records: BTreeMap<String, u64>,
    /// WARC/ARC records that are not documents, by reason (`request`, `status_404`,
    /// `content_type`, `too_large`, ...). Not part of `read`: they were never documents.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped: BTreeMap<String, u64>,
}

/// `read != kept + dropped + rejected`: a bug in the executor, never a data problem.
#[derive(Debug, thiserror::Error)]
#[error(
    "accounting mismatch: read {read} != kept {kept} + dropped {dropped} + rejected {rejected}"
)]
pub struct AccountingError {
    pub read: u64,
    pub kept: u64,
    pub dropped: u64,
    pub rejected: u64,
}

impl RunStats {
    /// Empty stats for a pipeline with these stage names.
    pub fn for_stages<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        RunStats {
            stages: names
                .into_iter()
                .map(|n| (n.to_owned(), StageStats::default()))
                .collect(),
            ..Default::default()
        }
    }

    /// Check `read == kept + dropped + rejected` and that per-stage drops add up to `dropped`.
    pub fn check_accounting(&self) -> Result<(), AccountingError> {
        let err = AccountingError {
            read: self.read.documents,
            kept: self.kept.documents,
            dropped: self.dropped.documents,
            rejected: self.rejected.documents,
        };
        let by_stage: u64 = self.stages.iter().map(|(_, s)| s.dropped_total()).sum();
        let by_kind: u64 = self.rejected_by.values().sum();
        if err.read != err.kept + err.dropped + err.rejected
            || by_stage != err.dropped
            || by_kind != err.rejected
        {
            return Err(err);
        }
        Ok(())
    }

    /// Count one WARC/ARC record of type `record_type`.
    pub fn count_record(&mut self, record_type: &str) {
        bump(&mut self.records, record_type);
    }

    /// Count one skipped record (type and reason).
    pub fn count_skipped(&mut self, record_type: &str, reason: &str) {
        bump(&mut self.records, record_type);
        bump(&mut self.skipped, reason);
    }

    /// One line per field a stage was told to read but some documents lack:
    /// ``url_filter: field `metadata.url` missing in 1,497 of 1,497 documents``.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (stage, s) in &self.stages {
            for (field, n) in &s.missing_fields {
                out.push(format!(
                    "{stage}: field `{field}` missing in {} of {} documents",
                    thousands(*n),
                    thousands(s.seen)
                ));
            }
        }
        out
    }

    /// Drop counts keyed `"stage/reason"`, for summaries.
    pub fn dropped_by(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (stage, s) in &self.stages {
            for (reason, n) in &s.dropped {
                *out.entry(format!("{stage}/{reason}")).or_default() += n;
            }
        }
        out
    }
}

impl AddAssign<&RunStats> for RunStats {
    fn add_assign(&mut self, rhs: &RunStats) {
        self.read += rhs.read;
        self.kept += rhs.kept;
        self.dropped += rhs.dropped;
        self.rejected += rhs.rejected;
        self.kept_words += rhs.kept_words;
        self.kept_words_documents += rhs.kept_words_documents;
        if self.stages.is_empty() {
            self.stages = rhs.stages.clone();
        } else {
            for ((name, mine), (other_name, theirs)) in self.stages.iter_mut().zip(&rhs.stages) {
                debug_assert_eq!(name, other_name, "merging stats of different pipelines");
                *mine += theirs;
            }
        }
        for (k, v) in &rhs.rejected_by {
            *self.rejected_by.entry(*k).or_default() += v;
        }
        for (k, v) in &rhs.records {
            *self.records.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &rhs.skipped {
            *self.skipped.entry(k.clone()).or_default() += v;
        }
    }
}

/// `1497` → `1,497`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(v) = map.get_mut(key) {
        *v += 1;
    } else {
        map.insert(key.to_owned(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_and_accounting_holds() {
        let mut a = RunStats::for_stages(["s1", "s2"]);
        a.read.add(10);
        a.kept.add(10);
        a.stages[0].1.seen = 1;
        a.stages[0].1.kept = 1;
        let mut b = RunStats::for_stages(["s1", "s2"]);
        b.read.add(5);
        b.dropped.add(5);
        b.stages[1].1.dropped.insert("bad".into(), 1);
        b.read.add(3);
        b.rejected.add(3);
        b.rejected_by.insert(RejectKind::InvalidJson, 1);
        a += &b;
        assert_eq!(a.read.documents, 3);
        assert_eq!(a.read.bytes, 18);
        a.check_accounting().unwrap();
        assert_eq!(a.dropped_by().get("s2/bad"), Some(&1));
        let mut c = RunStats::for_stages(["s1", "s2"]);
        c.count_record("response");
        c.count_skipped("request", "request");
        c.count_skipped("response", "status_404");
        a += &c;
        a += &c;
        assert_eq!(a.records.get("response"), Some(&4));
        assert_eq!(a.records.get("request"), Some(&2));
        assert_eq!(a.skipped.get("status_404"), Some(&2));
        // Skipped records are not documents: accounting is unchanged.
        a.check_accounting().unwrap();
    }

    #[test]
    fn missing_fields_merge_into_warnings() {
        let mut a = RunStats::for_stages(["url_filter"]);
        a.stages[0].1.seen = 1000;
        a.stages[0].1.missing_field("metadata.url");
        let mut b = RunStats::for_stages(["url_filter"]);
        b.stages[0].1.seen = 497;
        for _ in 0..1496 {
            b.stages[0].1.missing_field("metadata.url");
        }
        a += &b;
        assert_eq!(
            a.warnings(),
            ["url_filter: field `metadata.url` missing in 1,497 of 1,497 documents"]
        );
        assert!(RunStats::for_stages(["x"]).warnings().is_empty());
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn accounting_mismatch_is_an_error() {
        let mut a = RunStats::for_stages(["s1"]);
        a.read.add(1);
        assert!(a.check_accounting().is_err());
    }
}
