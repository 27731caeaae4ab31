//! A saved dedup index: the bucket keys, signatures and ids of a corpus already deduplicated, so a
//! new crawl can be deduplicated against it without reprocessing the old one.
//!
//! Layout of an index folder (format 2; all little-endian; documents numbered 0..n):
//! - `index.json`: format, method and MinHash parameters, document count (written last);
//! - `ids.jsonl`: one JSON string per line, the document ids, and `ids.ends`: per document the
//!   u64 end offset of its line, so an id is read by position;
//! - `bands.bin`: per band, n records `(bucket key, document)` of 16 bytes (two u64), sorted —
//!   each band is a sorted run that a spilled pass merges with its own runs;
//! - `signatures.bin` (MinHash only): `width` × u32 per document (the low 32 bits of each
//!   signature value; enough to estimate similarity), read by position.
//!
//! Format 1 (`keys.bin`, keys in document order, no `ids.ends`) is refused with a message to
//! save the index again.
//!
//! [`Index::load`] reads an index whole: 8 × bands + 4 × width bytes per document plus its id —
//! 560 bytes + id with the default 14 × 8 MinHash, 8 bytes + id for exact. [`IndexFiles`] only
//! checks the files' sizes and reads by position: nothing per document in memory. Files are
//! written to a temporary name and renamed, so an interrupted save never leaves a half index
//! under the final name.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::spill::read_at;

pub const FORMAT: &str = "millstone-dedup-index-2";
/// Bytes of one `bands.bin` record.
pub const BAND_RECORD: usize = 16;

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

fn invalid(path: &Path, message: String) -> IndexError {
    IndexError::Invalid {
        path: path.to_owned(),
        message,
    }
}

/// An index on disk, checked and opened, read by position.
#[derive(Debug)]
pub struct IndexFiles {
    pub documents: usize,
    bands: usize,
    width: usize,
    ids_path: PathBuf,
    ends_path: PathBuf,
    bands_path: PathBuf,
    signatures_path: PathBuf,
    ids: File,
    ends: File,
    signatures: Option<File>,
}

/// Open `path`, checking that it holds `len` bytes.
fn open_sized(path: &Path, len: u64) -> Result<File, IndexError> {
    let file = File::open(path).map_err(io_err(path))?;
    let actual = file.metadata().map_err(io_err(path))?.len();
    if actual != len {
        return Err(invalid(
            path,
            format!("{actual} bytes, expected {len}: the index is damaged or incomplete"),
        ));
    }
    Ok(file)
}

impl IndexFiles {
    /// Check the index in `dir` (format, settings `method`, `bands`, `width`, file sizes) and
    /// open its files.
    pub fn open(
        dir: &Path,
        method: &serde_json::Value,
        bands: usize,
        width: usize,
    ) -> Result<IndexFiles, IndexError> {
        let meta_path = dir.join("index.json");
        let meta: IndexMeta =
            serde_json::from_slice(&fs::read(&meta_path).map_err(io_err(&meta_path))?)
                .map_err(|e| invalid(&meta_path, e.to_string()))?;
        if meta.format != FORMAT {
            return Err(invalid(
                &meta_path,
                format!(
                    "format `{}`, expected `{FORMAT}`: an index written by an older millstone; save it again with this version (`millstone dedup --save-index` over its corpus)",
                    meta.format
                ),
            ));
        }
        if &meta.method != method || meta.bands != bands || meta.width != width {
            return Err(invalid(
                dir,
                format!(
                    "built with {} ({} bands, {} values), but this run uses {} ({bands} bands, {width} values): dedup against an index built with the same settings",
                    meta.method, meta.bands, meta.width, method
                ),
            ));
        }
        let n = meta.documents as u64;
        let ends_path = dir.join("ids.ends");
        let ends = open_sized(&ends_path, n * 8)?;
        let ids_len = if n == 0 {
            0
        } else {
            let mut b = [0u8; 8];
            read_at(&ends, &mut b, (n - 1) * 8).map_err(io_err(&ends_path))?;
            u64::from_le_bytes(b)
        };
        let ids_path = dir.join("ids.jsonl");
        let ids = open_sized(&ids_path, ids_len)?;
        let bands_path = dir.join("bands.bin");
        open_sized(&bands_path, n * (bands * BAND_RECORD) as u64)?;
        let signatures_path = dir.join("signatures.bin");
        let signatures = if width > 0 {
            Some(open_sized(&signatures_path, n * (width * 4) as u64)?)
        } else {
            None
        };
        Ok(IndexFiles {
            documents: meta.documents,
            bands,
            width,
            ids_path,
            ends_path,
            bands_path,
            signatures_path,
            ids,
            ends,
            signatures,
        })
    }

    pub fn len(&self) -> usize {
        self.documents
    }

    pub fn is_empty(&self) -> bool {
        self.documents == 0
    }

    /// Bytes [`Index::load`] would hold in memory (about).
    pub fn loaded_bytes(&self) -> u64 {
        let ids = self.ids.metadata().map(|m| m.len()).unwrap_or(0);
        self.documents as u64 * (self.bands * 8 + self.width * 4 + 24) as u64 + ids
    }

    /// Document `d`'s id.
    pub fn id(&self, d: usize) -> Result<String, IndexError> {
        let mut b = [0u8; 16];
        let (start, end) = if d == 0 {
            read_at(&self.ends, &mut b[8..], 0).map_err(io_err(&self.ends_path))?;
            (0, u64::from_le_bytes(b[8..].try_into().expect("8 bytes")))
        } else {
            read_at(&self.ends, &mut b, (d as u64 - 1) * 8).map_err(io_err(&self.ends_path))?;
            (
                u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(b[8..].try_into().expect("8 bytes")),
            )
        };
        let bad = || invalid(&self.ends_path, format!("bad offsets for document {d}"));
        if end < start || end - start > 1 << 30 {
            return Err(bad());
        }
        let mut line = vec![0u8; (end - start) as usize];
        read_at(&self.ids, &mut line, start).map_err(io_err(&self.ids_path))?;
        if line.pop() != Some(b'\n') {
            return Err(bad());
        }
        serde_json::from_slice(&line).map_err(|e| invalid(&self.ids_path, format!("id {d}: {e}")))
    }

    /// Document `d`'s signature as stored (`width` × u32 little-endian) into `out`.
    pub fn signature(&self, d: usize, out: &mut [u8]) -> Result<(), IndexError> {
        debug_assert_eq!(out.len(), self.width * 4);
        let file = self.signatures.as_ref().expect("signatures with width > 0");
        read_at(file, out, (d * self.width * 4) as u64).map_err(io_err(&self.signatures_path))
    }

    /// Band `band`'s sorted records: the file, the byte offset and the record count.
    pub fn band(&self, band: usize) -> (&Path, u64, u64) {
        let n = self.documents as u64;
        (&self.bands_path, band as u64 * n * BAND_RECORD as u64, n)
    }

    pub fn signatures_path(&self) -> &Path {
        &self.signatures_path
    }

    /// Read the whole index into memory.
    pub fn load(&self) -> Result<Index, IndexError> {
        let n = self.documents;
        let mut ids = Vec::with_capacity(n);
        let lines = BufReader::new(File::open(&self.ids_path).map_err(io_err(&self.ids_path))?);
        for (i, line) in lines.lines().enumerate() {
            let line = line.map_err(io_err(&self.ids_path))?;
            ids.push(
                serde_json::from_str::<String>(&line)
                    .map_err(|e| invalid(&self.ids_path, format!("line {}: {e}", i + 1)))?,
            );
        }
        if ids.len() != n {
            return Err(invalid(
                &self.ids_path,
                format!("{} ids, index.json says {n}", ids.len()),
            ));
        }
        let mut keys = vec![0u64; n * self.bands];
        let path = &self.bands_path;
        let mut r = BufReader::new(File::open(path).map_err(io_err(path))?);
        let mut rec = [0u8; BAND_RECORD];
        for band in 0..self.bands {
            for _ in 0..n {
                r.read_exact(&mut rec).map_err(io_err(path))?;
                let key = u64::from_le_bytes(rec[..8].try_into().expect("8 bytes"));
                let doc = u64::from_le_bytes(rec[8..].try_into().expect("8 bytes"));
                if doc >= n as u64 {
                    return Err(invalid(path, format!("document {doc} of {n}")));
                }
                keys[doc as usize * self.bands + band] = key;
            }
        }
        let mut signatures = Vec::new();
        if let Some(f) = &self.signatures {
            let mut r = BufReader::new(f.try_clone().map_err(io_err(&self.signatures_path))?);
            signatures.reserve_exact(n * self.width);
            let mut b = [0u8; 4];
            for _ in 0..n * self.width {
                r.read_exact(&mut b)
                    .map_err(io_err(&self.signatures_path))?;
                signatures.push(u32::from_le_bytes(b));
            }
        }
        Ok(Index {
            ids,
            keys,
            signatures,
        })
    }
}

impl Index {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Read the index in `dir` whole, checking it was built with `method`, `bands` and `width`.
    pub fn load(
        dir: &Path,
        method: &serde_json::Value,
        bands: usize,
        width: usize,
    ) -> Result<Index, IndexError> {
        IndexFiles::open(dir, method, bands, width)?.load()
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
            |w| self.ids.iter().try_for_each(|id| w.push(id)),
            |w| write_sorted_bands(w, bands, self.len(), |d, b| self.keys[d * bands + b]),
            |w| {
                self.signatures
                    .iter()
                    .try_for_each(|v| w.write_all(&v.to_le_bytes()))
            },
        )
    }
}

/// `bands.bin` from keys in memory: per band, `(key(document, band), document)` sorted.
pub fn write_sorted_bands(
    w: &mut dyn Write,
    bands: usize,
    documents: usize,
    key: impl Fn(usize, usize) -> u64,
) -> std::io::Result<()> {
    let mut records: Vec<(u64, u64)> = Vec::with_capacity(documents);
    for band in 0..bands {
        records.clear();
        records.extend((0..documents).map(|d| (key(d, band), d as u64)));
        records.sort_unstable();
        for &(k, d) in &records {
            w.write_all(&k.to_le_bytes())?;
            w.write_all(&d.to_le_bytes())?;
        }
    }
    Ok(())
}

/// Writes `ids.jsonl` and `ids.ends` together.
pub struct IdWriter {
    text: BufWriter<File>,
    ends: BufWriter<File>,
    end: u64,
}

impl IdWriter {
    /// One id.
    pub fn push(&mut self, id: &str) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(id)?;
        line.push(b'\n');
        self.text.write_all(&line)?;
        self.end += line.len() as u64;
        self.ends.write_all(&self.end.to_le_bytes())
    }

    /// All of `index`'s ids, copied (first, before any `push`).
    pub fn copy(&mut self, index: &IndexFiles) -> std::io::Result<()> {
        assert_eq!(self.end, 0, "an index's ids come first");
        let mut text = index.ids.try_clone()?;
        let mut ends = index.ends.try_clone()?;
        use std::io::Seek;
        text.rewind()?;
        ends.rewind()?;
        self.end = std::io::copy(&mut text, &mut self.text)?;
        std::io::copy(&mut ends, &mut self.ends)?;
        Ok(())
    }
}

/// Write an index of `documents` documents to `dir` without holding it in memory: `ids` pushes
/// every id, `bands` and `signatures` write `bands.bin`'s and `signatures.bin`'s whole
/// contents (see the module docs for the layout). Files are replaced atomically one by one,
/// `index.json` last.
#[allow(clippy::too_many_arguments)] // one writer per file of the layout, each named
pub fn save_with(
    dir: &Path,
    method: &serde_json::Value,
    bands: usize,
    width: usize,
    documents: usize,
    ids: impl FnOnce(&mut IdWriter) -> std::io::Result<()>,
    band_records: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
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
    // The format-1 file would only mislead: an index folder holds one format.
    let _ = fs::remove_file(dir.join("keys.bin"));
    let ids_path = dir.join("ids.jsonl");
    let ends_path = dir.join("ids.ends");
    write_atomic(&ends_path, |ends| {
        write_atomic(&ids_path, |text| {
            let mut w = IdWriter {
                text: BufWriter::new(text.try_clone()?),
                ends: BufWriter::new(ends.try_clone()?),
                end: 0,
            };
            ids(&mut w)?;
            w.text.flush()?;
            w.ends.flush()
        })
        .map_err(std::io::Error::other)
    })?;
    write_atomic(&dir.join("bands.bin"), |w| {
        band_records(&mut BufWriter::with_capacity(1 << 20, w))
    })?;
    if width > 0 {
        write_atomic(&dir.join("signatures.bin"), |w| {
            signatures(&mut BufWriter::with_capacity(1 << 20, w))
        })?;
    }
    // index.json last: its document count vouches for the other files.
    write_atomic(&dir.join("index.json"), |w| {
        let mut w = BufWriter::new(w);
        serde_json::to_writer_pretty(&mut w, &meta)?;
        w.write_all(b"\n")?;
        w.flush()
    })
}

/// Write `path` through a temporary file: `body` writes to the file, which is then synced and
/// renamed.
fn write_atomic(
    path: &Path,
    body: impl FnOnce(&File) -> std::io::Result<()>,
) -> Result<(), IndexError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let file = File::create(&tmp)?;
        body(&file)?;
        file.sync_all()?;
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
            ids: vec!["a".into(), "b\nwith newline".into(), "ü".into()],
            keys: vec![7, 2, 3, 4, 1, 9],
            signatures: vec![9; 9],
        };
        idx.save(dir.path(), &method, 2, 3).unwrap();
        assert_eq!(Index::load(dir.path(), &method, 2, 3).unwrap(), idx);
        let files = IndexFiles::open(dir.path(), &method, 2, 3).unwrap();
        assert_eq!(files.id(1).unwrap(), "b\nwith newline");
        assert_eq!(files.id(2).unwrap(), "ü");
        // Band 0 sorted: keys 1 (doc 2), 3 (doc 1), 7 (doc 0).
        let bands = fs::read(dir.path().join("bands.bin")).unwrap();
        assert_eq!(bands.len(), 2 * 3 * 16);
        assert_eq!((bands[0], bands[8], bands[16], bands[24]), (1, 2, 3, 1));
        let other = serde_json::json!({"method": "minhash", "n_grams": 3});
        let err = Index::load(dir.path(), &other, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("same settings"), "{err}");
        fs::write(dir.path().join("bands.bin"), [0u8; 5]).unwrap();
        let err = Index::load(dir.path(), &method, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bands.bin") && err.contains("expected 96"),
            "{err}"
        );
        let err = Index::load(&dir.path().join("missing"), &method, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("index.json"), "{err}");
        // A format-1 index.
        let meta = dir.path().join("index.json");
        let old = fs::read_to_string(&meta)
            .unwrap()
            .replace(FORMAT, "millstone-dedup-index-1");
        fs::write(&meta, old).unwrap();
        let err = IndexFiles::open(dir.path(), &method, 2, 3)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("index.json") && err.contains("older millstone"),
            "{err}"
        );
    }
}
