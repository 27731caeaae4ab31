//! A saved dedup index: the bucket keys, signatures and ids of a corpus already deduplicated, so a
//! new crawl can be deduplicated against it without reprocessing the old one.
//!
//! Layout of an index folder (all little-endian, one record per document in the same order):
//! - `index.json`: format, method and MinHash parameters, document count;
//! - `ids.jsonl`: one JSON string per line, the document ids;
//! - `keys.bin`: `bands` × u64 bucket keys per document;
//! - `signatures.bin` (MinHash only): `width` × u32 per document (the low 32 bits of each
//!   signature value; enough to estimate similarity).
//!
//! Memory when loaded: 8 × bands + 4 × width bytes per document plus its id — 560 bytes + id with
//! the default 14 × 8 MinHash, 8 bytes + id for exact. Files are written to a temporary name and
//! renamed, so an interrupted save never leaves a half index under the final name.

use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "millstone-dedup-index-1";

/// What an index was built with; a corpus can only be compared with an index built the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexMeta {
    pub format: String,
    /// `exact` or `minhash`, with the parameters that make keys comparable.
    pub method: serde_json::Value,
    pub bands: usize,
    /// Signature values per document (0 for exact).
    pub width: usize,
    pub documents: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("dedup index {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("dedup index {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// An index in memory.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Index {
    pub ids: Vec<String>,
    /// `bands` keys per document.
    pub keys: Vec<u64>,
    /// `width` values per document.
    pub signatures: Vec<u32>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Index {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Read the index in `dir`, checking it was built with `method`, `bands` and `width`.
    pub fn load(
        dir: &Path,
        method: &serde_json::Value,
        bands: usize,
        width: usize,
    ) -> Result<Index, IndexError> {
        let invalid = |message: String| IndexError::Invalid {
            path: dir.to_owned(),
            message,
        };
        let meta_path = dir.join("index.json");
        let meta: IndexMeta =
            serde_json::from_slice(&fs::read(&meta_path).map_err(io_err(&meta_path))?)
                .map_err(|e| invalid(format!("index.json: {e}")))?;
        if meta.format != FORMAT {
            return Err(invalid(format!(
                "format `{}`, expected `{FORMAT}`",
                meta.format
            )));
        }
        if &meta.method != method || meta.bands != bands || meta.width != width {
            return Err(invalid(format!(
                "built with {} ({} bands, {} values), but this run uses {} ({bands} bands, {width} values): dedup against an index built with the same settings",
                meta.method, meta.bands, meta.width, method
            )));
        }
        let n = meta.documents;
        let ids_path = dir.join("ids.jsonl");
        let mut ids = Vec::with_capacity(n);
        for (i, line) in BufReader::new(fs::File::open(&ids_path).map_err(io_err(&ids_path))?)
            .lines()
            .enumerate()
        {
            let line = line.map_err(io_err(&ids_path))?;
            ids.push(
                serde_json::from_str::<String>(&line)
                    .map_err(|e| invalid(format!("ids.jsonl line {}: {e}", i + 1)))?,
            );
        }
        if ids.len() != n {
            return Err(invalid(format!(
                "ids.jsonl has {} ids, index.json says {n}",
                ids.len()
            )));
        }
        let keys = read_words::<8>(&dir.join("keys.bin"), n * bands)?
            .into_iter()
            .map(u64::from_le_bytes)
            .collect();
        let signatures = if width > 0 {
            read_words::<4>(&dir.join("signatures.bin"), n * width)?
                .into_iter()
                .map(u32::from_le_bytes)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Index {
            ids,
            keys,
            signatures,
        })
    }

    /// Write the index to `dir` (created if needed; files replaced atomically one by one).
    pub fn save(
        &self,
        dir: &Path,
        method: &serde_json::Value,
        bands: usize,
        width: usize,
    ) -> Result<(), IndexError> {
        save_with(
            dir,
            method,
            bands,
            width,
            self.ids.len(),
            |w| self.write_ids(w),
            |w| self.write_keys(w),
            |w| self.write_signatures(w),
        )
    }

    /// `ids.jsonl`'s lines for this index's documents.
    pub fn write_ids(&self, w: &mut dyn Write) -> std::io::Result<()> {
        self.ids.iter().try_for_each(|id| write_id(w, id))
    }

    /// `keys.bin`'s bytes for this index's documents.
    pub fn write_keys(&self, w: &mut dyn Write) -> std::io::Result<()> {
        self.keys
            .iter()
            .try_for_each(|k| w.write_all(&k.to_le_bytes()))
    }

    /// `signatures.bin`'s bytes for this index's documents.
    pub fn write_signatures(&self, w: &mut dyn Write) -> std::io::Result<()> {
        self.signatures
            .iter()
            .try_for_each(|v| w.write_all(&v.to_le_bytes()))
    }
}

/// One line of `ids.jsonl`.
pub fn write_id(w: &mut dyn Write, id: &str) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, id)?;
    w.write_all(b"\n")
}

/// Write an index of `documents` documents to `dir` without holding it in memory: `ids`, `keys`
/// and `signatures` each write their file's whole contents (see the module docs for the
/// layout; [`Index::write_ids`] and friends write an in-memory index's part). Files are replaced
/// atomically one by one, `index.json` last.
#[allow(clippy::too_many_arguments)] // one writer per file of the layout, each named
pub fn save_with(
    dir: &Path,
    method: &serde_json::Value,
    bands: usize,
    width: usize,
    documents: usize,
    ids: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    keys: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    signatures: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), IndexError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let meta = IndexMeta {
        format: FORMAT.into(),
        method: method.clone(),
        bands,
        width,
        documents,
    };
    write_atomic(&dir.join("ids.jsonl"), |w| ids(w))?;
    write_atomic(&dir.join("keys.bin"), |w| keys(w))?;
    if width > 0 {
        write_atomic(&dir.join("signatures.bin"), |w| signatures(w))?;
    }
    // index.json last: its document count vouches for the other files.
    write_atomic(&dir.join("index.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &meta)?;
        w.write_all(b"\n")
    })
}

fn read_words<const N: usize>(path: &Path, count: usize) -> Result<Vec<[u8; N]>, IndexError> {
    let file = fs::File::open(path).map_err(io_err(path))?;
    let len = file.metadata().map_err(io_err(path))?.len();
    if len != (count * N) as u64 {
        return Err(IndexError::Invalid {
            path: path.to_owned(),
            message: format!("{len} bytes, expected {}", count * N),
        });
    }
    let mut r = BufReader::new(file);
    let mut out = Vec::with_capacity(count);
    let mut buf = [0u8; N];
    for _ in 0..count {
        r.read_exact(&mut buf).map_err(io_err(path))?;
        out.push(buf);
    }
    Ok(out)
}

fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<(), IndexError> {
    let tmp = path.with_extension("tmp");
    let result = (|| {
        let mut w = BufWriter::new(fs::File::create(&tmp)?);
        body(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mismatch_errors() {
        let dir = tempfile::tempdir().unwrap();
        let method = serde_json::json!({"method": "minhash", "n_grams": 5});
        let idx = Index {
            ids: vec!["a".into(), "b\nwith newline".into()],
            keys: vec![1, 2, 3, 4],
            signatures: vec![9; 6],
        };
        idx.save(dir.path(), &method, 2, 3).unwrap();
        assert_eq!(Index::load(dir.path(), &method, 2, 3).unwrap(), idx);
        let other = serde_json::json!({"method": "minhash", "n_grams": 3});
        let err = Index::load(dir.path(), &other, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("same settings"), "{err}");
        std::fs::write(dir.path().join("keys.bin"), [0u8; 5]).unwrap();
        let err = Index::load(dir.path(), &method, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("keys.bin") && err.contains("expected 32"),
            "{err}"
        );
        let err = Index::load(&dir.path().join("missing"), &method, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("index.json"), "{err}");
    }
}
