//! Scoring a clustering against labels: pair precision / recall / F1 and the adjusted Rand index.
//!
//! Labels come as JSONL, one of three line shapes (they can be mixed):
//! - `{"members": [id, …]}` — a true cluster (as in millstone's own `clusters.jsonl`);
//! - `{"id": id, "cluster": c}` — one document's true cluster (list singletons too, so the
//!   adjusted Rand index knows every document);
//! - `{"a": id, "b": id, "duplicate": true|false}` — a labelled pair.
//!
//! With clusters, every pair of documents counts: a pair is positive when both are in one true
//! cluster, predicted positive when both are in one predicted cluster. With labelled pairs only
//! those pairs count (no Rand index then). Documents not mentioned in a predicted cluster are
//! singletons.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde_json::Value;

/// Labels read from a JSONL file.
#[derive(Debug, Default)]
pub struct Labels {
    /// Document → true cluster (documents of labelled clusters and memberships).
    pub cluster_of: FxHashMap<String, String>,
    /// Labelled pairs.
    pub pairs: Vec<(String, String, bool)>,
}

#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LabelError {
    pub line: usize,
    pub message: String,
}

impl Labels {
    pub fn parse(text: &str) -> Result<Labels, LabelError> {
        let mut labels = Labels::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let err = |message: String| LabelError {
                line: i + 1,
                message,
            };
            let v: Value = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
            let id_str = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if let Some(members) = v.get("members").and_then(Value::as_array) {
                let name = format!("line{}", i + 1);
                for m in members {
                    let id = id_str(m)
                        .ok_or_else(|| err("a member is not a string or number".into()))?;
                    labels.cluster_of.insert(id, name.clone());
                }
            } else if let (Some(id), Some(c)) = (v.get("id"), v.get("cluster")) {
                let id = id_str(id).ok_or_else(|| err("`id` is not a string or number".into()))?;
                labels.cluster_of.insert(id, format!("c:{c}"));
            } else if let (Some(a), Some(b), Some(dup)) = (
                v.get("a").and_then(id_str),
                v.get("b").and_then(id_str),
                v.get("duplicate").and_then(Value::as_bool),
            ) {
                labels.pairs.push((a, b, dup));
            } else {
                return Err(err(
                    "expected {\"members\": [...]}, {\"id\": ..., \"cluster\": ...} or {\"a\": ..., \"b\": ..., \"duplicate\": bool}".into(),
                ));
            }
        }
        Ok(labels)
    }
}

/// The scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scores {
    pub documents: u64,
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub true_positives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Adjusted Rand index (cluster labels only).
    pub adjusted_rand_index: Option<f64>,
    /// Labelled pairs evaluated (pair labels only).
    pub labelled_pairs: u64,
}

fn c2(n: u64) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
}

fn prf(tp: f64, predicted: f64, actual: f64) -> (f64, f64, f64) {
    let p = if predicted > 0.0 { tp / predicted } else { 1.0 };
    let r = if actual > 0.0 { tp / actual } else { 1.0 };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Score `predicted` (clusters as member id lists) against `labels`.
pub fn score(labels: &Labels, predicted: &[Vec<String>]) -> Scores {
    let mut pred_of: FxHashMap<&str, usize> = FxHashMap::default();
    for (c, members) in predicted.iter().enumerate() {
        for m in members {
            pred_of.insert(m.as_str(), c);
        }
    }
    if !labels.cluster_of.is_empty() {
        // Contingency table over the union of labelled and predicted documents; a document
        // missing on one side is a singleton there.
        let mut docs: Vec<&str> = labels.cluster_of.keys().map(String::as_str).collect();
        docs.extend(
            pred_of
                .keys()
                .filter(|d| !labels.cluster_of.contains_key(**d)),
        );
        let mut cells: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut rows: BTreeMap<String, u64> = BTreeMap::new();
        let mut cols: BTreeMap<String, u64> = BTreeMap::new();
        for d in &docs {
            let t = labels
                .cluster_of
                .get(*d)
                .cloned()
                .unwrap_or_else(|| format!("single:{d}"));
            let p = pred_of
                .get(d)
                .map(|c| c.to_string())
                .unwrap_or_else(|| format!("single:{d}"));
            *cells.entry((t.clone(), p.clone())).or_default() += 1;
            *rows.entry(t).or_default() += 1;
            *cols.entry(p).or_default() += 1;
        }
        let n = docs.len() as u64;
        let tp: f64 = cells.values().map(|&v| c2(v)).sum();
        let actual: f64 = rows.values().map(|&v| c2(v)).sum();
        let pred: f64 = cols.values().map(|&v| c2(v)).sum();
        let total = c2(n);
        let expected = if total > 0.0 {
            actual * pred / total
        } else {
            0.0
        };
        let max = (actual + pred) / 2.0;
        let ari = if (max - expected).abs() < f64::EPSILON {
            1.0
        } else {
            (tp - expected) / (max - expected)
        };
        let (p, r, f) = prf(tp, pred, actual);
        return Scores {
            documents: n,
            true_pairs: actual as u64,
            predicted_pairs: pred as u64,
            true_positives: tp as u64,
            precision: p,
            recall: r,
            f1: f,
            adjusted_rand_index: Some(ari),
            labelled_pairs: 0,
        };
    }
    let (mut tp, mut predicted_pos, mut actual_pos) = (0u64, 0u64, 0u64);
    for (a, b, dup) in &labels.pairs {
        let same = matches!((pred_of.get(a.as_str()), pred_of.get(b.as_str())), (Some(x), Some(y)) if x == y);
        tp += u64::from(same && *dup);
        predicted_pos += u64::from(same);
        actual_pos += u64::from(*dup);
    }
    let (p, r, f) = prf(tp as f64, predicted_pos as f64, actual_pos as f64);
    Scores {
        documents: 0,
        true_pairs: actual_pos,
        predicted_pairs: predicted_pos,
        true_positives: tp,
        precision: p,
        recall: r,
        f1: f,
        adjusted_rand_index: None,
        labelled_pairs: labels.pairs.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn perfect_and_imperfect_clusterings() {
        let labels = Labels::parse(
            "{\"members\": [\"a\", \"b\", \"c\"]}\n{\"id\": \"d\", \"cluster\": 7}\n{\"id\": \"e\", \"cluster\": 8}\n",
        )
        .unwrap();
        let s = score(&labels, &[v(&["a", "b", "c"])]);
        assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
        assert!((s.adjusted_rand_index.unwrap() - 1.0).abs() < 1e-12);
        // Split one off and join a wrong one: 1 of 3 true pairs found, 1 of 2 predicted right.
        let s = score(&labels, &[v(&["a", "b"]), v(&["c", "d"])]);
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.true_positives),
            (3, 2, 1)
        );
        assert!((s.precision - 0.5).abs() < 1e-12 && (s.recall - 1.0 / 3.0).abs() < 1e-12);
        assert!(s.adjusted_rand_index.unwrap() < 0.5);
        // Everything in one cluster: recall 1, precision 3/10.
        let s = score(&labels, &[v(&["a", "b", "c", "d", "e"])]);
        assert!((s.precision - 0.3).abs() < 1e-12 && s.recall == 1.0);
    }

    #[test]
    fn ari_matches_a_worked_example() {
        // Truth {0,1,2},{3,4,5}; predicted {0,1},{2,3},{4,5}: ARI = 0.24242…
        let labels = Labels::parse("{\"members\": [0,1,2]}\n{\"members\": [3,4,5]}\n").unwrap();
        let s = score(&labels, &[v(&["0", "1"]), v(&["2", "3"]), v(&["4", "5"])]);
        assert!(
            (s.adjusted_rand_index.unwrap() - 0.242_424_242_424).abs() < 1e-9,
            "{s:?}"
        );
    }

    #[test]
    fn labelled_pairs() {
        let labels = Labels::parse(
            "{\"a\": \"x\", \"b\": \"y\", \"duplicate\": true}\n{\"a\": \"x\", \"b\": \"z\", \"duplicate\": false}\n{\"a\": \"u\", \"b\": \"w\", \"duplicate\": true}\n",
        )
        .unwrap();
        let s = score(&labels, &[v(&["x", "y", "z"])]);
        assert_eq!(
            (s.true_positives, s.predicted_pairs, s.true_pairs),
            (1, 2, 2)
        );
        assert_eq!(s.adjusted_rand_index, None);
        assert!(Labels::parse("{\"what\": 1}").is_err());
    }
}
