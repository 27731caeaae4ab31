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
        // The shipped model's depth gets a walk with the depth fixed at compile time (unrolled).
        match self.depth {
            4 => self.add_trees::<4>(rows, out),
            _ => self.add_trees::<0>(rows, out),
        }
        for o in out.iter_mut() {
            *o = 1.0 / (1.0 + (-*o).exp());
        }
    }

    /// Add every tree's leaf value for each row to `out`. `DEPTH` is the trees' depth, or 0 for
    /// "read it from `self.depth`".
    fn add_trees<const DEPTH: u32>(&self, rows: &[f64], out: &mut [f64]) {
        let depth = if DEPTH == 0 { self.depth } else { DEPTH };
        let width = self.width;
        let splits = (1usize << depth) - 1;
        for ((features, thresholds), leaves) in self
            .features
            .chunks_exact(splits)
            .zip(self.thresholds.chunks_exact(splits))
            .zip(self.leaves.chunks_exact(splits + 1))
        {
            // Four lines at a time: their walks are independent, so interleaving them keeps the
            // CPU busy while each walk waits on its next feature load.
            let mut out4 = out.chunks_exact_mut(4);
            let mut rows4 = rows.chunks_exact(4 * width);
            for (o, rows) in (&mut out4).zip(&mut rows4) {
                let (r0, rest) = rows.split_at(width);
                let (r1, rest) = rest.split_at(width);
                let (r2, r3) = rest.split_at(width);
                let (mut i0, mut i1, mut i2, mut i3) = (0usize, 0usize, 0usize, 0usize);
                for _ in 0..depth {
                    let g0 = r0[features[i0] as usize] > thresholds[i0];
                    let g1 = r1[features[i1] as usize] > thresholds[i1];
                    let g2 = r2[features[i2] as usize] > thresholds[i2];
                    let g3 = r3[features[i3] as usize] > thresholds[i3];
                    i0 = 2 * i0 + 1 + usize::from(g0);
                    i1 = 2 * i1 + 1 + usize::from(g1);
                    i2 = 2 * i2 + 1 + usize::from(g2);
                    i3 = 2 * i3 + 1 + usize::from(g3);
                }
                o[0] += leaves[i0 - splits];
                o[1] += leaves[i1 - splits];
                o[2] += leaves[i2 - splits];
                o[3] += leaves[i3 - splits];
            }
            let rest = rows4.remainder().chunks_exact(width);
            for (o, row) in out4.into_remainder().iter_mut().zip(rest) {
                let mut i = 0usize;
                for _ in 0..depth {
                    let go_right = row[features[i] as usize] > thresholds[i];
                    i = 2 * i + 1 + usize::from(go_right);
                }
                *o += leaves[i - splits];
            }
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
