//! Corpus passes as explicit steps: [`CorpusSteps`] — `observe` documents into a *partial* state
//! (one per worker, shard or machine), `merge` partials, `finish` the merged state into
//! *decisions*, and a per-document [`Stage`] built from the decisions. Partials and decisions are
//! plain serde values, so a pass can be split across processes or machines (a Ray map + merge)
//! and give the decisions one pass over the whole corpus gives: `merge` must be associative and
//! commutative, `observe` must not depend on the order documents come in.
//!
//! [`DynCorpusSteps`] is the same interface without generics, which the executor drives for any
//! stage ([`Stage::corpus_steps`]); every [`CorpusSteps`] has it.
//!
//! Not here: the older [`crate::CorpusPass`] (state inside the stage, filled by `observe(&self)`),
//! which the `dedup` stage still uses.

use std::any::Any;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Document, Stage};

/// A corpus pass in map / merge / finish form.
pub trait CorpusSteps: Send + Sync {
    /// What observing some documents leaves: serialisable, mergeable.
    type Partial: Serialize + DeserializeOwned + Default + Send + 'static;
    /// What the whole corpus decides: everything the per-document stage needs.
    type Decisions: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Shown in progress output ("hashing paragraphs").
    fn describe(&self) -> &str;

    /// Take one document into `partial`.
    fn observe_into(&self, partial: &mut Self::Partial, doc: &Document);

    /// One document's partial.
    fn observe(&self, doc: &Document) -> Self::Partial {
        let mut p = Self::Partial::default();
        self.observe_into(&mut p, doc);
        p
    }

    /// Add `other` to `into` (in any order: the result is the same).
    fn merge(&self, into: &mut Self::Partial, other: Self::Partial);

    /// The decisions of the whole corpus, from the merge of every partial.
    fn finish(&self, partial: Self::Partial) -> Self::Decisions;

    /// The per-document stage that applies `decisions`.
    fn stage(&self, decisions: Self::Decisions) -> Box<dyn Stage>;

    /// Give this stage its decisions: its `process` applies them from now on.
    fn install(&self, decisions: Self::Decisions);
}

/// [`CorpusSteps`] without its types, for the executor: partials travel as `Box<dyn Any>`. The
/// partials given back are always ones [`DynCorpusSteps::empty_partial`] made.
pub trait DynCorpusSteps: Send + Sync {
    fn describe_pass(&self) -> &str;
    /// An empty partial.
    fn empty_partial(&self) -> Box<dyn Any + Send>;
    /// [`CorpusSteps::observe_into`].
    fn observe_any(&self, partial: &mut (dyn Any + Send), doc: &Document);
    /// [`CorpusSteps::merge`].
    fn merge_any(&self, into: &mut (dyn Any + Send), other: Box<dyn Any + Send>);
    /// [`CorpusSteps::finish`], then [`CorpusSteps::install`].
    fn finish_and_install(&self, partial: Box<dyn Any + Send>);

    // The same steps with partials and decisions as JSON bytes, for drivers that move them
    // between processes (a Ray map + merge). Bytes that do not parse are an error, never a panic.

    /// A partial as JSON.
    fn partial_to_json(&self, partial: &(dyn Any + Send)) -> Vec<u8>;
    /// A partial from [`DynCorpusSteps::partial_to_json`]'s bytes.
    fn partial_from_json(&self, bytes: &[u8]) -> Result<Box<dyn Any + Send>, String>;
    /// [`CorpusSteps::finish`]: the decisions as JSON.
    fn finish_to_json(&self, partial: Box<dyn Any + Send>) -> Vec<u8>;
    /// [`CorpusSteps::install`] of decisions from [`DynCorpusSteps::finish_to_json`]'s bytes.
    fn install_json(&self, decisions: &[u8]) -> Result<(), String>;
}

impl<T: CorpusSteps> DynCorpusSteps for T {
    fn describe_pass(&self) -> &str {
        self.describe()
    }

    fn empty_partial(&self) -> Box<dyn Any + Send> {
        Box::new(T::Partial::default())
    }

    fn observe_any(&self, partial: &mut (dyn Any + Send), doc: &Document) {
        let p = partial.downcast_mut::<T::Partial>();
        debug_assert!(p.is_some(), "a partial of another pass");
        if let Some(p) = p {
            self.observe_into(p, doc);
        }
    }

    fn merge_any(&self, into: &mut (dyn Any + Send), other: Box<dyn Any + Send>) {
        let both = (
            into.downcast_mut::<T::Partial>(),
            other.downcast::<T::Partial>(),
        );
        debug_assert!(
            both.0.is_some() && both.1.is_ok(),
            "a partial of another pass"
        );
        if let (Some(into), Ok(other)) = both {
            self.merge(into, *other);
        }
    }

    fn finish_and_install(&self, partial: Box<dyn Any + Send>) {
        let partial = partial
            .downcast::<T::Partial>()
            .map_or_else(|_| T::Partial::default(), |p| *p);
        self.install(self.finish(partial));
    }

    fn partial_to_json(&self, partial: &(dyn Any + Send)) -> Vec<u8> {
        let p = partial.downcast_ref::<T::Partial>();
        debug_assert!(p.is_some(), "a partial of another pass");
        let empty = T::Partial::default();
        // Serialising plain serde data into memory cannot fail.
        serde_json::to_vec(p.unwrap_or(&empty)).unwrap_or_default()
    }

    fn partial_from_json(&self, bytes: &[u8]) -> Result<Box<dyn Any + Send>, String> {
        serde_json::from_slice::<T::Partial>(bytes)
            .map(|p| Box::new(p) as Box<dyn Any + Send>)
            .map_err(|e| format!("{}: not a partial of this pass: {e}", self.describe()))
    }

    fn finish_to_json(&self, partial: Box<dyn Any + Send>) -> Vec<u8> {
        let partial = partial
            .downcast::<T::Partial>()
            .map_or_else(|_| T::Partial::default(), |p| *p);
        serde_json::to_vec(&self.finish(partial)).unwrap_or_default()
    }

    fn install_json(&self, decisions: &[u8]) -> Result<(), String> {
        let d = serde_json::from_slice::<T::Decisions>(decisions)
            .map_err(|e| format!("{}: not decisions of this pass: {e}", self.describe()))?;
        self.install(d);
        Ok(())
    }
}
