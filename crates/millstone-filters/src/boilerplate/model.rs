//! The line classifier: two gradient-boosted tree ensembles, trained offline by
//! `tools/boilerplate/train.py` and embedded in the binary (`model.json`).
//!
//! The first ensemble scores each line from its own and its neighbours' evidence; the second
//! re-scores it with the first's scores of the lines around it added (a learned smoothing). The
//! score is the probability that a line is article content. Only evaluation lives here; the
//! trees are LightGBM's (`x <= threshold` goes left), exported by the training script as
//! complete binary trees of a fixed depth.

use std::sync::OnceLock;

use serde::Deserialize;

use super::features::{context_feature_names, feature_names, N_CONTEXT, N_FEATURES};

const EMBEDDED: &str = include_str!("model.json");
const FORMAT: &str = "millstone-boilerplate-gbdt-2";

#[derive(Deserialize)]
struct TreeFile {
    /// Split feature of each node, heap order (children of `i` are `2i+1`, `2i+2`).
    features: Vec<usize>,
    /// Split thresholds (`x <= t` goes left); `null` is +inf, a split that always goes left.
    thresholds: Vec<Option<f64>>,
    leaves: Vec<f64>,
}

#[derive(Deserialize)]
struct EnsembleFile {
    depth: u32,
    trees: Vec<TreeFile>,
}

#[derive(Deserialize)]
struct ModelFile {
    format: String,
    features: Vec<String>,
    context_features: Vec<String>,
    threshold: f64,
    stage1: EnsembleFile,
    stage2: EnsembleFile,
}

/// An ensemble of complete binary trees of one depth, flattened: tree `k`'s split nodes are
/// `features/thresholds[k*s..(k+1)*s]` and its leaves `leaves[k*(s+1)..]`, with `s = 2^depth - 1`.
/// A complete tree is walked without branches (`i = 2i + 1 + (x > t)`), and walking it tree by
/// tree over all lines of a page lets the CPU overlap the lines' independent walks.
struct Ensemble {
    depth: u32,
    features: Vec<u16>,
    thresholds: Vec<f64>,
    leaves: Vec<f64>,
    width: usize,
}

impl Ensemble {
    fn from_file(file: EnsembleFile, width: usize) -> Result<Self, String> {
        if !(1..=10).contains(&file.depth) {
            return Err(format!("tree depth {} unsupported", file.depth));
        }
        let splits = (1usize << file.depth) - 1;
        let mut e = Ensemble {
            depth: file.depth,
            features: Vec::with_capacity(file.trees.len() * splits),
            thresholds: Vec::with_capacity(file.trees.len() * splits),
            leaves: Vec::with_capacity(file.trees.len() * (splits + 1)),
            width,
        };
        for t in file.trees {
            if t.features.len() != splits
                || t.thresholds.len() != splits
                || t.leaves.len() != splits + 1
            {
                return Err("tree is not complete at the model's depth".into());
            }
            for &f in &t.features {
                if f >= width {
                    return Err(format!("feature {f} out of range (model has {width})"));
                }
                e.features.push(f as u16);
            }
            e.thresholds
                .extend(t.thresholds.iter().map(|t| t.unwrap_or(f64::INFINITY)));
            e.leaves.extend(t.leaves);
        }
        Ok(e)
    }

    /// Probability of content for each row of `rows` (row-major, `width` per row), into `out`.
    fn score_rows(&self, rows: &[f64], out: &mut Vec<f64>) {
        let n = rows.len() / self.width;
        out.clear();
        out.resize(n, 0.0);
        let splits = (1usize << self.depth) - 1;
        for ((features, thresholds), leaves) in self
            .features
            .chunks_exact(splits)
            .zip(self.thresholds.chunks_exact(splits))
            .zip(self.leaves.chunks_exact(splits + 1))
        {
            for (o, row) in out.iter_mut().zip(rows.chunks_exact(self.width)) {
                let mut i = 0usize;
                for _ in 0..self.depth {
                    let go_right = row[features[i] as usize] > thresholds[i];
                    i = 2 * i + 1 + usize::from(go_right);
                }
                *o += leaves[i - splits];
            }
        }
        for o in out.iter_mut() {
            *o = 1.0 / (1.0 + (-*o).exp());
        }
    }

    #[cfg(test)]
    fn score(&self, row: &[f64]) -> f64 {
        let mut out = Vec::new();
        self.score_rows(row, &mut out);
        out[0]
    }
}

pub(crate) struct Model {
    first: Ensemble,
    second: Ensemble,
    /// The decision threshold chosen at training time (lines scoring below are removed).
    pub threshold: f64,
}

impl Model {
    /// The model shipped in the binary, parsed once.
    pub(crate) fn embedded() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::parse(EMBEDDED).expect("the embedded boilerplate model is valid")
        })
    }

    fn parse(json: &str) -> Result<Model, String> {
        let file: ModelFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if file.format != FORMAT {
            return Err(format!(
                "model format `{}`, expected `{FORMAT}`",
                file.format
            ));
        }
        if file.features != feature_names() || file.context_features != context_feature_names() {
            return Err("model was trained on other features; retrain it".into());
        }
        Ok(Model {
            first: Ensemble::from_file(file.stage1, N_FEATURES)?,
            second: Ensemble::from_file(file.stage2, N_FEATURES + N_CONTEXT)?,
            threshold: file.threshold,
        })
    }

    /// First-model scores of row-major feature rows.
    pub(crate) fn score_first(&self, rows: &[f64], out: &mut Vec<f64>) {
        self.first.score_rows(rows, out)
    }

    /// Second-model scores of row-major feature rows (first-model features + context).
    pub(crate) fn score_second(&self, rows: &[f64], out: &mut Vec<f64>) {
        self.second.score_rows(rows, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_loads_and_matches_the_features() {
        let m = Model::embedded();
        assert!(m.threshold > 0.0 && m.threshold < 1.0);
        assert!(!m.first.leaves.is_empty() && !m.second.leaves.is_empty());
    }

    #[test]
    fn tree_walk_follows_lightgbm_semantics() {
        // Depth 1: feature 0 <= 0.5 → leaf 0 (-2), else leaf 1 (+2).
        let e = Ensemble::from_file(
            EnsembleFile {
                depth: 1,
                trees: vec![TreeFile {
                    features: vec![0],
                    thresholds: vec![Some(0.5)],
                    leaves: vec![-2.0, 2.0],
                }],
            },
            1,
        )
        .unwrap();
        assert!(e.score(&[0.5]) < 0.5);
        assert!(e.score(&[0.6]) > 0.5);
        assert!((e.score(&[0.0]) - 1.0 / (1.0 + 2f64.exp())).abs() < 1e-12);
    }

    #[test]
    fn always_left_split_and_depth_two() {
        // Root always goes left (null threshold); then feature 1 <= 3 → leaf 0 else leaf 1.
        let e = Ensemble::from_file(
            EnsembleFile {
                depth: 2,
                trees: vec![TreeFile {
                    features: vec![0, 1, 0],
                    thresholds: vec![None, Some(3.0), Some(0.0)],
                    leaves: vec![-1.0, 1.0, 9.0, 9.0],
                }],
            },
            2,
        )
        .unwrap();
        assert!(e.score(&[1e300, 3.0]) < 0.5);
        assert!(e.score(&[1e300, 4.0]) > 0.5 && e.score(&[1e300, 4.0]) < 0.99);
    }

    #[test]
    fn malformed_models_are_refused() {
        assert!(Model::parse("{}").is_err());
        let incomplete = EnsembleFile {
            depth: 2,
            trees: vec![TreeFile {
                features: vec![0],
                thresholds: vec![Some(0.5)],
                leaves: vec![0.0, 1.0],
            }],
        };
        assert!(Ensemble::from_file(incomplete, 1).is_err());
        let bad_feature = EnsembleFile {
            depth: 1,
            trees: vec![TreeFile {
                features: vec![7],
                thresholds: vec![Some(0.5)],
                leaves: vec![0.0, 1.0],
            }],
        };
        assert!(Ensemble::from_file(bad_feature, 1).is_err());
    }
}
