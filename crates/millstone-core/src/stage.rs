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
/// [`StageStats`], which are merged when the run ends. Corpus-wide passes (dedup, cross-document
/// line counts) are not stages: they are explicit map-then-merge passes run by the executor.
pub trait Stage: Send + Sync {
    /// The stage's type name: the TOML `type`, the stats key and the `stage` of drop records.
    fn name(&self) -> &str;

    /// Look at (and possibly rewrite) one document and decide whether it stays.
    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict;
}
