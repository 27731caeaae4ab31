//! The [`Stage`] trait and its [`Verdict`].

use std::borrow::Cow;

use crate::{Document, StageStats};

/// A stage's decision about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Drop with a reason. Reasons are datatrove's words where the stage mirrors a datatrove
    /// filter (`gopher_short_doc`, `dup_line_frac`, …) so users' dashboards carry over.
    Drop(Cow<'static, str>),
}

impl Verdict {
    pub fn drop(reason: impl Into<Cow<'static, str>>) -> Self {
        Verdict::Drop(reason.into())
    }

    pub fn is_keep(&self) -> bool {
        matches!(self, Verdict::Keep)
    }
}

/// One per-document step of a pipeline: a filter, a rewriter, or both.
///
/// A stage is built once from validated configuration and then shared by all worker threads, so
/// `process` takes `&self`; anything a stage wants to count goes into the thread's own
/// [`StageStats`], which are merged when the run ends. A stage that needs to have seen the whole
/// corpus first (cross-document line counts) says so through [`Stage::corpus_pass`]; the
/// executor then reads the input once more before the real run.
pub trait Stage: Send + Sync {
    /// The stage's type name: the TOML `type`, the stats key and the `stage` of drop records.
    fn name(&self) -> &str;

    /// Look at (and possibly rewrite) one document and decide whether it stays.
    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict;

    /// The counting pass this stage needs before `process` is called, if any.
    fn corpus_pass(&self) -> Option<&dyn CorpusPass> {
        None
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
