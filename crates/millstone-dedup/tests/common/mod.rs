//! What the dedup integration tests share.

use millstone_core::{CorpusPass, Document};
use rayon::prelude::*;

/// Feed `docs` to `pass` from a pool of `threads` threads, as the executor does, then finish it.
pub fn observe_all(pass: &dyn CorpusPass, docs: &[Document], threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| docs.par_iter().for_each(|d| pass.observe(d)));
    pass.finish();
}
