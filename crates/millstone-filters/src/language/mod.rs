//! Language identification: our own fastText inference ([`fasttext`]) and the embedded
//! `lid.176.ftz` model (CC-BY-SA-3.0, see `assets/README.md`).

pub mod fasttext;

use std::sync::{Arc, OnceLock};

use self::fasttext::FastText;

const EMBEDDED_NAME: &str = "the embedded lid.176.ftz";
static EMBEDDED_BYTES: &[u8] = include_bytes!("../../assets/lid.176.ftz");
static EMBEDDED: OnceLock<Result<Arc<FastText>, String>> = OnceLock::new();

/// The embedded fastText `lid.176.ftz`, parsed once per process.
pub fn embedded_model() -> Result<Arc<FastText>, String> {
    EMBEDDED
        .get_or_init(|| {
            FastText::from_bytes(EMBEDDED_BYTES, EMBEDDED_NAME)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
}
