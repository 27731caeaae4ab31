//! The [`Stage`] trait and its [`Verdict`].

use std::borrow::Cow;

use crate::{Document, StageStats, Value};

/// A stage's decision about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Drop, with a reason and, where the check compares a measure with a threshold, both.
    Drop(DropReason),
}

/// Why a document was dropped: written as `millstone.drop` (with the stage's name) and counted
/// by reason in the stats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropReason {
    /// datatrove's words where the stage mirrors a datatrove filter (`gopher_short_doc`,
    /// `dup_line_frac`, …) so users' dashboards carry over.
    pub reason: Cow<'static, str>,
    /// What the check measured and the threshold it crossed, for checks that have them.
    pub measured: Option<Measured>,
}

/// The measure a check compared with its threshold (`dup_line_frac`: the share of repeated
/// lines, and the configured maximum). Numbers as the check computed them: counts are
/// integers, ratios floats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub value: Value,
    pub threshold: Value,
}

impl std::fmt::Display for DropReason {
    /// The reason alone (the stats key).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl Verdict {
    pub fn drop(reason: impl Into<Cow<'static, str>>) -> Self {
        Verdict::Drop(DropReason {
            reason: reason.into(),
            measured: None,
        })
    }

    /// A drop by `reason` because `value` crossed `threshold`.
    pub fn drop_measured(
        reason: impl Into<Cow<'static, str>>,
        value: impl Into<Value>,
        threshold: impl Into<Value>,
    ) -> Self {
        Verdict::Drop(DropReason {
            reason: reason.into(),
            measured: Some(Measured {
                value: value.into(),
                threshold: threshold.into(),
            }),
        })
    }

    pub fn is_keep(&self) -> bool {
        matches!(self, Verdict::Keep)
    }

    /// The drop reason, if this is a drop.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Keep => None,
            Verdict::Drop(d) => Some(&d.reason),
        }
    }

    /// The measure and threshold of a drop, if it has them.
    pub fn measured(&self) -> Option<&Measured> {
        match self {
            Verdict::Keep => None,
            Verdict::Drop(d) => d.measured.as_ref(),
        }
    }
}

/// One per-document step of a pipeline: a filter, a rewriter, or both.
///
/// A stage is built once from validated configuration and then shared by all worker threads, so
/// `process` takes `&self`; anything a stage wants to count goes into the thread's own
/// [`StageStats`], which are merged when the run ends. A stage that needs to have seen the whole
/// corpus first (cross-document line counts, dedup) says so through [`Stage::corpus_steps`]
/// (explicit map / merge / finish steps) or [`Stage::corpus_pass`] (state inside the stage); the
/// executor then reads the input once more before the real run.
pub trait Stage: Send + Sync {
    /// The stage's type name: the TOML `type`, the stats key and the `stage` of drop records.
    fn name(&self) -> &str;

    /// Look at (and possibly rewrite) one document and decide whether it stays.
    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict;

    /// The counting pass this stage needs before `process` is called, if any (state kept
    /// inside the stage; see [`Stage::corpus_steps`] for the explicit form).
    fn corpus_pass(&self) -> Option<&dyn CorpusPass> {
        None
    }

    /// The corpus pass this stage needs, as explicit map / merge / finish steps with
    /// serialisable state ([`crate::CorpusSteps`]), if it has one.
    fn corpus_steps(&self) -> Option<&dyn crate::DynCorpusSteps> {
        None
    }

    /// Whether the stage needs a pass over the whole corpus before `process`.
    fn needs_corpus(&self) -> bool {
        self.corpus_pass().is_some() || self.corpus_steps().is_some()
    }
}

/// A read-only pass over the whole corpus that a stage needs before processing: every document
/// that reaches the stage (after the stages before it) is shown to [`CorpusPass::observe`], from
/// many threads at once and in no particular order; then [`CorpusPass::finish`] is called once.
///
/// Implementations must give the same result whatever the order and thread count (e.g. count
/// with atomic adds), so that runs stay byte-identical. The pass is redone when a run resumes.
pub trait CorpusPass: Send + Sync {
    /// Shown in progress output ("counting lines across documents").
    fn describe(&self) -> &str;

    /// Take one document into account.
    fn observe(&self, doc: &Document);

    /// All documents were observed; `process` calls follow.
    fn finish(&self);

    /// Write what the pass produced that belongs next to the run's outputs (e.g. dedup's
    /// `clusters.jsonl`), into the run's output folder. Called after [`CorpusPass::finish`], also
    /// on resume (the pass is redone, so the files are rewritten identically).
    fn write_outputs(&self, _out_dir: &std::path::Path) -> std::io::Result<()> {
        Ok(())
    }
}
