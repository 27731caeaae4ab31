//! [`IoError`]: the one error type of this crate.
//!
//! Only failures that stop an operation are errors: a bad argument, an output that cannot be
//! written. A bad input record is never an `IoError`; readers turn it into a
//! [`millstone_core::Rejection`].

use std::path::PathBuf;

/// Why expanding inputs or writing output failed. Every variant names the path (and record,
/// where there is one) it is about.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// A command-line input (file, folder or glob) that matches no readable input file.
    #[error("input `{arg}` matches no input file{hint}")]
    NoMatch { arg: String, hint: String },
    /// An input or output named in a way millstone does not read or write (`hf://…`, `gs://…`).
    #[error("{what} `{arg}`: {reason}")]
    Unsupported {
        what: &'static str,
        arg: String,
        reason: String,
    },
    /// An object-storage request that failed (after retries), or an unusable URL.
    #[error("{url}: {message}")]
    Remote { url: String, message: String },
    /// A glob pattern that does not parse.
    #[error("input `{arg}` is not a valid glob pattern: {source}")]
    Pattern {
        arg: String,
        #[source]
        source: glob::PatternError,
    },
    /// Reading a path (listing a folder, sniffing a file) failed.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Creating, writing or renaming an output file failed.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The Parquet encoder failed on an output file.
    #[error("cannot write Parquet `{}`: {source}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A record could not be turned into an output row.
    #[error("cannot encode document `{id}` for `{}`: {message}", path.display())]
    Encode {
        path: PathBuf,
        id: String,
        message: String,
    },
}
