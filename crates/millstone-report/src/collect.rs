//! Reading a run's output folder into [`Collected`]: totals from `stats.json`, distributions
//! from every output record, and a bounded sample of documents per stage and reason.
//!
//! For: one streaming pass over `kept/` and `dropped/` (plus a second, only for the survivors of
//! sampled duplicates), one over `rejected/` and `clusters.jsonl`. Memory is bounded by the
//! sample size, not by the run's size. Not for: rendering ([`crate::render`]).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use millstone_core::{StatsFile, Value};
use millstone_io::{read, InputFile, InputKind, ReadOptions, Record};
use serde::Serialize;

use crate::hist::{Categories, Histogram, KeptDropped};
use crate::ReportError;

/// What the report shows and how much of it.
#[derive(Debug, Clone)]
pub struct Options {
    /// Documents kept per sample group (one group per stage and reason, per rejection kind, …).
    pub samples_per_group: usize,
    /// A sampled text longer than this is cut (at a character boundary) and marked as cut.
    pub max_text_bytes: usize,
    /// The field holding the text in the output records (the run's `--text-field`).
    pub text_field: String,
    /// The field holding the id (the run's `--id-field`).
    pub id_field: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            samples_per_group: 25,
            max_text_bytes: 12_000,
            text_field: "text".into(),
            id_field: "id".into(),
        }
    }
}

/// Attributes that are identifiers or structures, not measurements.
const NOT_MEASURES: &[&str] = &["cluster", "duplicate_of", "in_index"];
/// String attributes shown as categories.
const CATEGORIES: &[&str] = &["language", "language_script"];

/// Everything the report is drawn from.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The run's folder name, as the page title.
    pub title: String,
    /// `stats.json` (unknown keys kept in its `extra`, so that counts added later still show).
    pub stats: StatsFile,
    /// Text length in bytes and lines, then every numeric `millstone` attribute, by name.
    pub measures: BTreeMap<String, KeptDropped>,
    pub categories: BTreeMap<String, Categories>,
    /// Measured values of dropped documents, by `stage/reason`, with the threshold(s) seen.
    pub drop_values: BTreeMap<String, DropValues>,
    /// Removed lines and their bytes, by reason (from `millstone.removed_lines`).
    pub removed_lines: BTreeMap<String, (u64, u64)>,
    /// Cluster size → number of clusters (`clusters.jsonl`).
    pub cluster_sizes: BTreeMap<u64, u64>,
    /// Output records that could not be read back (a damaged output folder).
    pub unreadable: u64,
    pub samples: Samples,
}

/// The values that dropped documents of one reason had, against the threshold they failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DropValues {
    pub values: Histogram,
    /// Distinct thresholds seen (as written), at most a few.
    pub thresholds: Vec<String>,
}

/// The sampled documents, embedded in the page as JSON for the browser.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Samples {
    pub groups: Vec<Group>,
}

/// One sample group: what the browser's filter selects.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `dropped`, `rewritten`, `duplicate` or `rejected`.
    pub kind: &'static str,
    /// Stage (or `reader` for rejections).
    pub stage: String,
    pub reason: String,
    /// Documents of this group in the whole run (the sample holds at most
    /// [`Options::samples_per_group`]).
    pub total: u64,
    pub items: Vec<Item>,
}

/// One sampled document or record. Fields that do not apply are left out of the JSON.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Item {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The text, possibly cut to [`Options::max_text_bytes`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
    /// `millstone.drop` beyond stage and reason: the measured value and threshold, if recorded.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub drop: BTreeMap<String, Value>,
    /// Other measured attributes (numbers, short strings).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub measured: BTreeMap<String, Value>,
    /// A rewritten document: its lines in order, removed ones with their reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
    /// A duplicate: its text and its survivor's, in segments marked where they share passages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<(String, bool)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survivor: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub survivor_segments: Vec<(String, bool)>,
    /// A rejection: file, record, offset, error.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rejection: BTreeMap<String, Value>,
}

/// One line of a rewritten document.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The line's text; `None` when the run recorded only the removed line's index.
    pub text: Option<String>,
    /// Why the line was removed; `None` for a kept line.
    pub removed: Option<String>,
}

/// Read `dir` (a finished `run` or `dedup` output folder).
pub fn collect(dir: &Path, opts: &Options) -> Result<Collected, ReportError> {
    let stats_path = dir.join("stats.json");
    let raw = fs::read(&stats_path).map_err(|e| ReportError::io(&stats_path, e))?;
    let stats = StatsFile::from_json(&raw).map_err(|e| ReportError::Stats {
        path: stats_path.clone(),
        message: e.to_string(),
    })?;
    let title = dir
        .canonicalize()
        .ok()
        .as_deref()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let mut c = Collected {
        title,
        stats,
        ..Default::default()
    };
    let mut groups = GroupBuilder::new(opts);
    let mut wanted_survivors: HashSet<String> = HashSet::new();
    let read_opts = ReadOptions {
        text_field: opts.text_field.clone(),
        id_field: opts.id_field.clone(),
        ..ReadOptions::default()
    };
    for (folder, kept) in [("kept", true), ("dropped", false)] {
        for part in parts(&dir.join(folder))? {
            for record in read(&part, &read_opts) {
                let Record::Doc(doc) = record else {
                    c.unreadable += 1;
                    continue;
                };
                let m = doc.fields.get("millstone").and_then(Value::as_object);
                observe(&mut c, kept, doc.text(), m);
                if let Some(m) = m {
                    groups.offer(&doc, m, kept, &mut wanted_survivors);
                }
            }
        }
    }
    if !wanted_survivors.is_empty() {
        let mut found: BTreeMap<String, String> = BTreeMap::new();
        for folder in ["kept", "dropped"] {
            for part in parts(&dir.join(folder))? {
                for record in read(&part, &read_opts) {
                    if let Record::Doc(doc) = record {
                        if wanted_survivors.contains(&doc.id) {
                            found.insert(doc.id.clone(), doc.text().to_owned());
                        }
                    }
                }
            }
        }
        groups.pair_duplicates(&found);
    }
    read_rejected(&dir.join("rejected"), &mut groups)?;
    c.cluster_sizes = read_clusters(&dir.join("clusters.jsonl"))?;
    c.samples = groups.finish();
    Ok(c)
}

/// Output parts of one folder, sorted; a missing folder has none.
fn parts(folder: &Path) -> Result<Vec<InputFile>, ReportError> {
    let entries = match fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ReportError::io(folder, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| ReportError::io(folder, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(name) = name else { continue };
        if !name.starts_with("part-") {
            continue;
        }
        let kind = if name.ends_with(".parquet") {
            InputKind::Parquet
        } else {
            InputKind::Jsonl
        };
        out.push(InputFile {
            path,
            kind,
            root: None,
        });
    }
    out.sort();
    Ok(out)
}

/// Add one document's measurements to the distributions.
fn observe(c: &mut Collected, kept: bool, text: &str, m: Option<&millstone_core::Map>) {
    let mut add = |name: &str, v: f64| {
        let kd = c.measures.entry(name.to_owned()).or_default();
        let h = if kept { &mut kd.kept } else { &mut kd.dropped };
        h.add(v);
    };
    add("text bytes", text.len() as f64);
    add("text lines", text.lines().count() as f64);
    let Some(m) = m else { return };
    for (k, v) in m {
        if NOT_MEASURES.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    add(k, x);
                }
            }
            Value::String(s) if CATEGORIES.contains(&k.as_str()) => {
                let cat = c.categories.entry(k.clone()).or_default();
                let side = if kept {
                    &mut cat.kept
                } else {
                    &mut cat.dropped
                };
                *side.entry(s.clone()).or_default() += 1;
            }
            _ => {}
        }
    }
    if let Some(drop) = m.get("drop").and_then(Value::as_object) {
        let key = format!(
            "{}/{}",
            drop.get("stage").and_then(Value::as_str).unwrap_or("?"),
            drop.get("reason").and_then(Value::as_str).unwrap_or("?")
        );
        if let Some(v) = drop.get("value").and_then(Value::as_f64) {
            let dv = c.drop_values.entry(key).or_default();
            dv.values.add(v);
            if let Some(t) = drop.get("threshold") {
                let t = match t {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !dv.thresholds.contains(&t) && dv.thresholds.len() < 4 {
                    dv.thresholds.push(t);
                }
            }
        }
    }
    if let Some(list) = m.get("removed_lines").and_then(Value::as_array) {
        for entry in list {
            let reason = entry
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("removed");
            let bytes = entry
                .get("text")
                .and_then(Value::as_str)
                .map_or(0, |t| t.len() as u64 + 1);
            let slot = c.removed_lines.entry(reason.to_owned()).or_default();
            slot.0 += 1;
            slot.1 += bytes;
        }
    }
}

/// Builds the sample groups in output order: the first documents of each group are kept, so the
/// sample is the same on every rebuild of the same folder.
struct GroupBuilder<'a> {
    opts: &'a Options,
    groups: BTreeMap<(&'static str, String, String), Group>,
}

impl<'a> GroupBuilder<'a> {
    fn new(opts: &'a Options) -> Self {
        GroupBuilder {
            opts,
            groups: BTreeMap::new(),
        }
    }

    /// Count the document in its group and keep it if the group's sample is not full.
    fn slot(&mut self, kind: &'static str, stage: &str, reason: &str) -> Option<&mut Vec<Item>> {
        let limit = self.opts.samples_per_group;
        let g = self
            .groups
            .entry((kind, stage.to_owned(), reason.to_owned()))
            .or_insert_with(|| Group {
                kind,
                stage: stage.to_owned(),
                reason: reason.to_owned(),
                total: 0,
                items: Vec::new(),
            });
        g.total += 1;
        (g.items.len() < limit).then_some(&mut g.items)
    }

    fn offer(
        &mut self,
        doc: &millstone_core::Document,
        m: &millstone_core::Map,
        kept: bool,
        wanted: &mut HashSet<String>,
    ) {
        let max = self.opts.max_text_bytes;
        let url = url_of(&doc.fields);
        let measured: BTreeMap<String, Value> = m
            .iter()
            .filter(|(k, v)| {
                !NOT_MEASURES.contains(&k.as_str())
                    && (v.is_number() || v.as_str().is_some_and(|s| s.len() <= 80))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(drop) = m.get("drop").and_then(Value::as_object) {
            let stage = drop.get("stage").and_then(Value::as_str).unwrap_or("?");
            let reason = drop.get("reason").and_then(Value::as_str).unwrap_or("?");
            let duplicate_of = m.get("duplicate_of").and_then(Value::as_str);
            let kind = if duplicate_of.is_some() {
                "duplicate"
            } else {
                "dropped"
            };
            let Some(items) = self.slot(kind, stage, reason) else {
                return;
            };
            let (text, cut) = cut(doc.text(), max);
            let mut item = Item {
                id: doc.id.clone(),
                url,
                text: Some(text),
                cut,
                drop: drop
                    .iter()
                    .filter(|(k, _)| k.as_str() != "stage" && k.as_str() != "reason")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                measured,
                ..Default::default()
            };
            if let Some(s) = duplicate_of {
                item.survivor = Some(s.to_owned());
                if let Some(sim) = m.get("similarity") {
                    item.drop.insert("similarity".into(), sim.clone());
                }
                wanted.insert(s.to_owned());
            }
            items.push(item);
        } else if kept {
            let Some(list) = m.get("removed_lines").and_then(Value::as_array) else {
                return;
            };
            if list.is_empty() {
                return;
            }
            let stage = "boilerplate";
            let lines = interleave(doc.text(), list, max);
            let Some(items) = self.slot("rewritten", stage, "lines removed") else {
                return;
            };
            items.push(Item {
                id: doc.id.clone(),
                url,
                lines,
                measured,
                ..Default::default()
            });
        }
    }

    /// Give each sampled duplicate its survivor's text, both split into shared / own passages.
    fn pair_duplicates(&mut self, survivors: &BTreeMap<String, String>) {
        let max = self.opts.max_text_bytes;
        for g in self.groups.values_mut().filter(|g| g.kind == "duplicate") {
            for item in &mut g.items {
                let (Some(text), Some(sid)) = (&item.text, &item.survivor) else {
                    continue;
                };
                let Some(stext) = survivors.get(sid) else {
                    continue;
                };
                let (stext, _) = cut(stext, max);
                let (a, b) = crate::shared::mark_shared(text, &stext);
                item.segments = a;
                item.survivor_segments = b;
                item.text = None;
            }
        }
    }

    fn finish(self) -> Samples {
        Samples {
            groups: self.groups.into_values().collect(),
        }
    }
}

/// The document's URL: `url`, or `metadata.url` (datatrove's layout).
fn url_of(fields: &millstone_core::Map) -> Option<String> {
    fields
        .get("url")
        .and_then(Value::as_str)
        .or_else(|| {
            fields
                .get("metadata")
                .and_then(|m| m.get("url"))
                .and_then(Value::as_str)
        })
        .map(str::to_owned)
}

/// `text` cut to at most `max` bytes at a character boundary; whether it was cut.
fn cut(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

/// The lines of a rewritten document in their original order: the kept text's lines fill the
/// positions not listed in `removed_lines`, and each removed entry takes its recorded position
/// (with its text when the run recorded it).
fn interleave(kept_text: &str, removed: &[Value], max: usize) -> Vec<Line> {
    let mut by_index: BTreeMap<u64, (Option<String>, String)> = BTreeMap::new();
    for entry in removed {
        let Some(i) = entry.get("line").and_then(Value::as_u64) else {
            continue;
        };
        let reason = entry
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("removed")
            .to_owned();
        let text = entry.get("text").and_then(Value::as_str).map(str::to_owned);
        by_index.insert(i, (text, reason));
    }
    let mut out = Vec::new();
    let mut kept = kept_text.lines();
    let mut index = 0u64;
    let mut bytes = 0usize;
    loop {
        if bytes > max {
            break;
        }
        if let Some((text, reason)) = by_index.remove(&index) {
            bytes += text.as_ref().map_or(0, String::len);
            out.push(Line {
                text,
                removed: Some(reason),
            });
        } else if let Some(line) = kept.next() {
            bytes += line.len();
            out.push(Line {
                text: Some(line.to_owned()),
                removed: None,
            });
        } else if by_index.is_empty() {
            break;
        } else {
            // Indices past the kept lines (e.g. the run recorded more lines than it kept):
            // show them in order at the end.
            let (_, (text, reason)) = by_index.pop_first().expect("not empty");
            out.push(Line {
                text,
                removed: Some(reason),
            });
        }
        index += 1;
    }
    out
}

/// `rejected/*.jsonl`: one sample group per rejection kind.
fn read_rejected(folder: &Path, groups: &mut GroupBuilder) -> Result<(), ReportError> {
    let mut files: Vec<PathBuf> = match fs::read_dir(folder) {
        Ok(e) => e.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(ReportError::io(folder, e)),
    };
    files.retain(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("part-"))
    });
    files.sort();
    for path in files {
        let file = fs::File::open(&path).map_err(|e| ReportError::io(&path, e))?;
        for line in BufReader::new(file).split(b'\n') {
            let line = line.map_err(|e| ReportError::io(&path, e))?;
            let Ok(Value::Object(r)) = serde_json::from_slice::<Value>(&line) else {
                continue;
            };
            let kind = r.get("kind").and_then(Value::as_str).unwrap_or("unknown");
            let Some(items) = groups.slot("rejected", "reader", kind) else {
                continue;
            };
            let file = r.get("file").and_then(Value::as_str).unwrap_or_default();
            let record = r.get("record").map(Value::to_string).unwrap_or_default();
            items.push(Item {
                id: format!("{file}:{record}"),
                rejection: r.into_iter().collect(),
                ..Default::default()
            });
        }
    }
    Ok(())
}

/// Cluster sizes from `clusters.jsonl`, if the run wrote one.
fn read_clusters(path: &Path) -> Result<BTreeMap<u64, u64>, ReportError> {
    let mut sizes = BTreeMap::new();
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(sizes),
        Err(e) => return Err(ReportError::io(path, e)),
    };
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| ReportError::io(path, e))?;
        if let Ok(v) = serde_json::from_slice::<Value>(&line) {
            if let Some(size) = v.get("size").and_then(Value::as_u64) {
                *sizes.entry(size).or_default() += 1;
            }
        }
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn interleave_puts_removed_lines_back_in_place() {
        let removed = [
            json!({"line": 0, "reason": "link_list", "text": "Home | News"}),
            json!({"line": 2, "reason": "footer"}),
        ];
        let lines = interleave("Title\nBody text.", &removed, 10_000);
        let shown: Vec<(Option<&str>, Option<&str>)> = lines
            .iter()
            .map(|l| (l.text.as_deref(), l.removed.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                (Some("Home | News"), Some("link_list")),
                (Some("Title"), None),
                (None, Some("footer")),
                (Some("Body text."), None),
            ]
        );
    }

    #[test]
    fn cut_respects_character_boundaries() {
        let (t, was_cut) = cut("aé", 2);
        assert_eq!(t, "a");
        assert!(was_cut);
        assert_eq!(cut("ab", 2), ("ab".into(), false));
    }
}
