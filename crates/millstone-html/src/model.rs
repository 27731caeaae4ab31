//! The embedded block classifier: two ensembles of gradient-boosted trees (LightGBM, exported to
//! `model.json` by `tools/html_extract/train.py`, trained on the tune split of WCXB dev only).
//!
//! Stage 1 reads a block's own features ([`crate::blocks::FEATURES`]); stage 2 reads the same plus
//! [`CONTEXT`], summaries of stage 1's probabilities around the block (neighbours, the block's
//! containers), so a block is judged with its surroundings, as a reader does.
//!
//! Not for: training (Python) or other model kinds.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::blocks::{Block, FEATURES};
use crate::dom::NONE;
use crate::Favor;

/// Stage 2's extra features, after the block features.
pub const CONTEXT: &[&str] = &[
    "p_self",
    "p_prev",
    "p_next",
    "p_window2",
    "p_window5",
    "p_container1",
    "p_container2",
    "p_page",
    "p_rank_in_page",
];

/// A tree as stored in `model.json`: one array per node field.
#[derive(Deserialize)]
struct TreeJson {
    /// Split feature per node; -1 marks a leaf.
    f: Vec<i32>,
    /// Threshold per node: `x <= t` goes left.
    t: Vec<f32>,
    l: Vec<u32>,
    r: Vec<u32>,
    /// Leaf value per node (unused for internal nodes).
    v: Vec<f32>,
}

/// One node, laid out for the walk: a leaf has `feature == u32::MAX` and its value in
/// `threshold`.
#[derive(Clone, Copy)]
struct TreeNode {
    feature: u32,
    threshold: f32,
    left: u32,
    right: u32,
}

/// All trees of an ensemble in one node array; `roots` index it.
struct Forest {
    nodes: Vec<TreeNode>,
    roots: Vec<u32>,
}

impl Forest {
    fn from_json(trees: Vec<TreeJson>, n_features: usize) -> Result<Self, String> {
        let mut nodes = Vec::new();
        let mut roots = Vec::new();
        for tree in trees {
            let base = nodes.len() as u32;
            let n = tree.f.len();
            if [tree.t.len(), tree.l.len(), tree.r.len(), tree.v.len()] != [n; 4] || n == 0 {
                return Err("tree arrays differ in length".into());
            }
            roots.push(base);
            for i in 0..n {
                if tree.f[i] < 0 {
                    nodes.push(TreeNode {
                        feature: u32::MAX,
                        threshold: tree.v[i],
                        left: 0,
                        right: 0,
                    });
                } else {
                    // Children must come after their parent, so every walk ends.
                    if tree.f[i] as usize >= n_features
                        || tree.l[i] as usize >= n
                        || tree.r[i] as usize >= n
                        || tree.l[i] as usize <= i
                        || tree.r[i] as usize <= i
                    {
                        return Err(format!("tree node {i} is malformed"));
                    }
                    nodes.push(TreeNode {
                        feature: tree.f[i] as u32,
                        threshold: tree.t[i],
                        left: base + tree.l[i],
                        right: base + tree.r[i],
                    });
                }
            }
        }
        Ok(Forest { nodes, roots })
    }

    /// Raw scores of the rows of `x` (`stride` features each) added to `out`, one tree at a
    /// time over all rows: a tree's nodes stay in the L1 cache while every row walks it, where a
    /// row-at-a-time walk fetched all trees (~300 KB) again for each block. The sum per row is
    /// taken in tree order, so scores equal a row-at-a-time walk's bit for bit.
    fn raw_rows(&self, x: &[f32], stride: usize, out: &mut [f32]) {
        debug_assert_eq!(x.len(), stride * out.len());
        for &root in &self.roots {
            let root = self.nodes[root as usize];
            for (row, sum) in x.chunks_exact(stride).zip(out.iter_mut()) {
                let mut node = root;
                while node.feature != u32::MAX {
                    let next = if row[node.feature as usize] <= node.threshold {
                        node.left
                    } else {
                        node.right
                    };
                    node = self.nodes[next as usize];
                }
                *sum += node.threshold;
            }
        }
    }
}

#[derive(Deserialize)]
struct EnsembleJson {
    features: Vec<String>,
    trees: Vec<TreeJson>,
}

struct Ensemble {
    features: Vec<String>,
    forest: Forest,
}

impl Ensemble {
    fn from_json(json: EnsembleJson) -> Result<Self, String> {
        let forest = Forest::from_json(json.trees, json.features.len())?;
        Ok(Ensemble {
            features: json.features,
            forest,
        })
    }

    /// Probabilities of the rows of `x` (`stride` features each).
    fn probs(&self, x: &[f32], stride: usize) -> Vec<f32> {
        let mut out = vec![0f32; x.len() / stride.max(1)];
        if stride > 0 {
            self.forest.raw_rows(x, stride, &mut out);
        }
        for p in &mut out {
            *p = 1.0 / (1.0 + (-*p).exp());
        }
        out
    }
}

#[derive(Deserialize)]
struct Thresholds {
    precision: f32,
    balanced: f32,
    recall: f32,
}

#[derive(Deserialize)]
struct ModelJson {
    format: String,
    stage1: EnsembleJson,
    stage2: EnsembleJson,
    thresholds: Thresholds,
}

struct Model {
    stage1: Ensemble,
    stage2: Ensemble,
    thresholds: Thresholds,
}

fn load(json: &str) -> Result<Model, String> {
    let model: ModelJson = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if model.format != "millstone-html-gbdt-1" {
        return Err(format!("unknown model format {:?}", model.format));
    }
    Ok(Model {
        stage1: Ensemble::from_json(model.stage1)?,
        stage2: Ensemble::from_json(model.stage2)?,
        thresholds: model.thresholds,
    })
}

static MODEL: LazyLock<Model> =
    LazyLock::new(|| load(include_str!("model.json")).expect("the embedded model.json is valid"));

/// The probability threshold for a trade-off.
pub fn threshold(favor: Favor) -> f32 {
    let t = &MODEL.thresholds;
    match favor {
        Favor::Precision => t.precision,
        Favor::Balanced => t.balanced,
        Favor::Recall => t.recall,
    }
}

/// Stage 2's context features for every block, from stage 1's probabilities.
pub fn context(blocks: &[Block], p1: &[f32]) -> Vec<[f32; 9]> {
    use std::collections::HashMap;
    let mut sums: [HashMap<u32, (f32, f32)>; 2] = [HashMap::new(), HashMap::new()];
    let (mut page_w, mut page_s) = (0f32, 0f32);
    for (b, &p) in blocks.iter().zip(p1) {
        let w = (b.chars as f32).sqrt();
        for (k, map) in sums.iter_mut().enumerate() {
            if b.containers[k] != NONE {
                let e = map.entry(b.containers[k]).or_default();
                e.0 += p * w;
                e.1 += w;
            }
        }
        page_s += p * w;
        page_w += w;
    }
    let page = if page_w > 0.0 { page_s / page_w } else { 0.0 };
    let mut sorted: Vec<f32> = p1.to_vec();
    sorted.sort_by(f32::total_cmp);
    let n = p1.len();
    let window = |k: usize, r: usize| {
        let lo = k.saturating_sub(r);
        let hi = (k + r + 1).min(n);
        p1[lo..hi].iter().sum::<f32>() / (hi - lo) as f32
    };
    (0..n)
        .map(|k| {
            let b = &blocks[k];
            let cont = |j: usize| {
                sums[j]
                    .get(&b.containers[j])
                    .filter(|_| b.containers[j] != NONE)
                    .map_or(page, |(s, w)| if *w > 0.0 { s / w } else { page })
            };
            let rank = sorted.partition_point(|&x| x < p1[k]) as f32 / n.max(1) as f32;
            [
                p1[k],
                if k > 0 { p1[k - 1] } else { 0.0 },
                p1.get(k + 1).copied().unwrap_or(0.0),
                window(k, 2),
                window(k, 5),
                cont(0),
                cont(1),
                page,
                rank,
            ]
        })
        .collect()
}

/// Content probability of each block.
pub fn predict(blocks: &[Block]) -> Vec<f32> {
    let model = &*MODEL;
    let n1 = FEATURES.len();
    debug_assert_eq!(model.stage1.features.len(), n1);
    let mut x: Vec<f32> = Vec::with_capacity(blocks.len() * (n1 + CONTEXT.len()));
    for b in blocks {
        x.extend_from_slice(&b.features);
    }
    let p1 = model.stage1.probs(&x, n1);
    let ctx = context(blocks, &p1);
    x.clear();
    for (b, c) in blocks.iter().zip(&ctx) {
        x.extend_from_slice(&b.features);
        x.extend_from_slice(c);
    }
    model.stage2.probs(&x, n1 + CONTEXT.len())
}

pub fn check() -> Result<(), String> {
    let model = &*MODEL;
    if model.stage1.features != *FEATURES {
        return Err("stage 1 features differ from blocks::FEATURES".into());
    }
    let mut two: Vec<String> = FEATURES.clone();
    two.extend(CONTEXT.iter().map(|s| (*s).to_owned()));
    if model.stage2.features != two {
        return Err("stage 2 features differ from FEATURES + CONTEXT".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_trees_are_rejected() {
        let tree = |f: &str, l: &str| {
            format!(
                r#"{{"format":"millstone-html-gbdt-1","thresholds":{{"precision":0.6,"balanced":0.5,"recall":0.4}},
                "stage1":{{"features":["a"],"trees":[{{"f":{f},"t":[0,0,0],"l":{l},"r":[2,0,0],"v":[0,1,2]}}]}},
                "stage2":{{"features":["a"],"trees":[]}}}}"#
            )
        };
        assert!(load(&tree("[0,-1,-1]", "[1,0,0]")).is_ok());
        assert!(load(&tree("[0,-1,-1]", "[0,0,0]")).is_err(), "a loop");
        assert!(
            load(&tree("[5,-1,-1]", "[1,0,0]")).is_err(),
            "feature out of range"
        );
        assert!(
            load(&tree("[0,-1,-1]", "[9,0,0]")).is_err(),
            "child out of range"
        );
        assert!(load("{}").is_err());
    }

    #[test]
    fn embedded_model_matches_the_feature_list() {
        check().unwrap();
        assert!(threshold(Favor::Precision) >= threshold(Favor::Balanced));
        assert!(threshold(Favor::Balanced) >= threshold(Favor::Recall));
    }
}
