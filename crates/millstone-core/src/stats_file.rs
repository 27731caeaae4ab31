//! [`StatsFile`]: the shape of a run's `stats.json`, written by the engine and read by the report
//! (and by anyone else: it is plain serde).
//!
//! The file is built from a finished run's [`RunStats`] ([`StatsFile::from_run`]) and written
//! with [`StatsFile::to_json`]; key order is fixed (fields in declaration order, maps sorted,
//! `rejected_by` in [`RejectKind`] order), so the same run gives the same bytes. Reading is
//! lenient: every field has a default and unknown top-level keys are kept in
//! [`StatsFile::extra`], so a report reads files of older and newer runs.
//!
//! Not here: timings (they would make outputs differ run to run; the console summary has them).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Map, RunStats, StageStats};

/// `stats.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsFile {
    /// Records by outcome: `read == kept + dropped + rejected`.
    #[serde(default)]
    pub documents: DocumentCounts,
    /// UTF-8 bytes of text by outcome (kept: after the stages; dropped: as read).
    #[serde(default)]
    pub bytes: ByteCounts,
    #[serde(default)]
    pub words: WordCounts,
    /// Drops keyed `"stage/reason"`.
    #[serde(default)]
    pub dropped_by: BTreeMap<String, u64>,
    /// Rejected records by kind (`invalid_json`, `too_large`, ...).
    #[serde(default)]
    pub rejected_by: OrderedCounts,
    /// Per stage, in pipeline order.
    #[serde(default)]
    pub stages: Vec<StageEntry>,
    /// Fields stages were told to read that documents lacked, with counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// WARC/ARC records by type; present (with `skipped`) when the input held any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<BTreeMap<String, u64>>,
    /// WARC/ARC records that are no document, by reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<BTreeMap<String, u64>>,
    /// Paths folder walks passed over, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs_skipped: Vec<SkippedPath>,
    /// Keys this version does not know (kept when read, written back as they were).
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCounts {
    #[serde(default)]
    pub read: u64,
    #[serde(default)]
    pub kept: u64,
    #[serde(default)]
    pub dropped: u64,
    #[serde(default)]
    pub rejected: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteCounts {
    #[serde(default)]
    pub read: u64,
    #[serde(default)]
    pub kept: u64,
    #[serde(default)]
    pub dropped: u64,
}

/// Words (spaCy-compatible tokens) of kept documents whose final text a stage tokenized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordCounts {
    #[serde(default)]
    pub kept: u64,
    #[serde(default)]
    pub kept_documents_counted: u64,
}

/// One stage's line in `stats.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    pub name: String,
    #[serde(default)]
    pub seen: u64,
    #[serde(default)]
    pub kept: u64,
    #[serde(default)]
    pub dropped: u64,
    #[serde(default)]
    pub dropped_by_reason: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, u64>,
}

/// A path a folder walk passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedPath {
    pub path: String,
    pub reason: String,
}

/// Counts by name, in the order given (a JSON object whose key order is kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderedCounts(pub Vec<(String, u64)>);

impl Serialize for OrderedCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for OrderedCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `Map` keeps the file's key order (serde_json's `preserve_order`).
        let m = Map::deserialize(d)?;
        let mut out = Vec::with_capacity(m.len());
        for (k, v) in m {
            let n = v
                .as_u64()
                .ok_or_else(|| serde::de::Error::custom(format!("`{k}` is not a count: {v}")))?;
            out.push((k, n));
        }
        Ok(OrderedCounts(out))
    }
}

impl StageEntry {
    fn of(name: &str, s: &StageStats) -> Self {
        StageEntry {
            name: name.to_owned(),
            seen: s.seen,
            kept: s.kept,
            dropped: s.dropped_total(),
            dropped_by_reason: s.dropped.clone(),
            counters: s.counters.clone(),
        }
    }
}

impl StatsFile {
    /// The file of a finished run with these totals and passed-over paths.
    pub fn from_run(stats: &RunStats, inputs_skipped: Vec<SkippedPath>) -> Self {
        let warc = !stats.records.is_empty();
        StatsFile {
            documents: DocumentCounts {
                read: stats.read.documents,
                kept: stats.kept.documents,
                dropped: stats.dropped.documents,
                rejected: stats.rejected.documents,
            },
            bytes: ByteCounts {
                read: stats.read.bytes,
                kept: stats.kept.bytes,
                dropped: stats.dropped.bytes,
            },
            words: WordCounts {
                kept: stats.kept_words,
                kept_documents_counted: stats.kept_words_documents,
            },
            dropped_by: stats.dropped_by(),
            rejected_by: OrderedCounts(
                stats
                    .rejected_by
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), *v))
                    .collect(),
            ),
            stages: stats
                .stages
                .iter()
                .map(|(name, s)| StageEntry::of(name, s))
                .collect(),
            warnings: stats.warnings(),
            records: warc.then(|| stats.records.clone()),
            skipped: warc.then(|| stats.skipped.clone()),
            inputs_skipped,
            extra: Map::new(),
        }
    }

    /// The file's text: pretty-printed JSON and a final newline.
    pub fn to_json(&self) -> String {
        // Plain maps, strings and integers: serialising cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parse a `stats.json`'s bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RejectKind;

    #[test]
    fn written_file_reads_back_equal_with_unknown_keys_kept() {
        let mut run = RunStats::for_stages(["a", "b"]);
        run.read.add(10);
        run.kept.add(4);
        run.read.add(3);
        run.dropped.add(3);
        run.stages[1].1.dropped.insert("short".into(), 1);
        run.stages[1].1.count("lines_removed", 2);
        run.read.add(0);
        run.rejected.add(0);
        run.rejected_by.insert(RejectKind::TooLarge, 1);
        run.rejected_by.insert(RejectKind::InvalidJson, 0);
        let file = StatsFile::from_run(&run, Vec::new());
        let text = file.to_json();
        // `rejected_by` in kind order (invalid_json before too_large), not re-sorted.
        assert!(
            text.find("invalid_json").unwrap() < text.find("too_large").unwrap(),
            "{text}"
        );
        assert!(!text.contains("records") && !text.contains("inputs_skipped"));
        assert_eq!(StatsFile::from_json(text.as_bytes()).unwrap(), file);
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["future"] = serde_json::json!({"x": 1});
        let back = StatsFile::from_json(v.to_string().as_bytes()).unwrap();
        assert_eq!(back.extra["future"]["x"], 1);
        assert_eq!(back.stages[1].dropped_by_reason["short"], 1);
    }

    #[test]
    fn warc_counts_appear_together() {
        let mut run = RunStats::for_stages(["a"]);
        run.count_record("response");
        let text = StatsFile::from_run(&run, Vec::new()).to_json();
        assert!(
            text.contains("\"records\"") && text.contains("\"skipped\": {}"),
            "{text}"
        );
        assert!(StatsFile::from_json(b"[1]").is_err());
        assert!(StatsFile::from_json(br#"{"rejected_by": {"io": -1}}"#).is_err());
    }
}
