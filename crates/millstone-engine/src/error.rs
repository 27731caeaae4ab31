//! The engine's one error type.
//!
//! Each variant says what kind of failure it is (a callers' binding maps them to its own
//! exceptions); its message says what was being done, and [`std::error::Error::source`] the cause,
//! so that a chain printer (`anyhow`'s `{:#}`) shows `what: cause: cause`.

use millstone_core::AccountingError;

/// Anything that can go wrong building or running a pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A pipeline file, preset name or stage option is wrong: nothing ran.
    #[error("{0}")]
    Config(String),
    /// The run cannot start or continue as asked (no inputs, HTML without `html_extract`, the
    /// output folder holds another run or is in use, a damaged checkpoint).
    #[error("{0}")]
    Run(String),
    /// A pipeline with a corpus pass was given documents one batch at a time (see
    /// [`crate::Pipeline::process`]).
    #[error("stage `{0}` needs the whole corpus first: run the pipeline's corpus passes (Pipeline::process_corpus) or the executor")]
    CorpusPassPending(String),
    /// `read != kept + dropped + rejected`: a bug, never a data problem.
    #[error(transparent)]
    Accounting(#[from] AccountingError),
    /// Reading, writing or encoding failed: what was being done, and why.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Name what was being done when an error happened (the engine's `.context()`).
pub(crate) trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T>;
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Io {
            what: what.into(),
            source: Box::new(e),
        })
    }

    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Io {
            what: what().into(),
            source: Box::new(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_cause_as_source() {
        let e = std::fs::read("/nonexistent/millstone-engine")
            .context("reading the input")
            .unwrap_err();
        assert_eq!(e.to_string(), "reading the input");
        let source = std::error::Error::source(&e).unwrap().to_string();
        assert!(source.contains("No such file"), "{source}");
    }
}
