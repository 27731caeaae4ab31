//! Turning command-line arguments into input files: [`expand_inputs`], [`InputFile`].
//!
//! For: finding files (folders walked, globs expanded), deciding how to read each one (magic
//! bytes, then extension, then a sniff of the first byte). Not for: opening or decoding them
//! (see [`crate::read`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::IoError;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    /// One JSON object per line; plain, gzip or zstd (decided from the magic bytes when opened).
    Jsonl,
    /// An Apache Parquet file.
    Parquet,
    /// A plain text file: the whole file is one document.
    Text,
    /// Something a folder walk found but cannot read: a folder it cannot list, a dangling or
    /// looping symbolic link, a FIFO / socket / device named like an input, a file that cannot be
    /// opened or vanished. [`crate::read`] turns it into one `io` rejection saying why, so the run
    /// goes on and the problem is counted instead of aborting the run or passing silently.
    Unreadable,
}

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputFile {
    pub path: PathBuf,
    pub kind: InputKind,
    /// The folder the file was found under, if it came from a folder walk: text documents take
    /// their id from the path relative to it.
    pub root: Option<PathBuf>,
}

/// The result of [`expand_inputs_report`]: the files, and what a folder walk passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpandedInputs {
    /// Sorted by path, each path once.
    pub files: Vec<InputFile>,
    /// Files found in folder walks whose extension is not an input format, sorted.
    pub skipped: Vec<PathBuf>,
}

/// Expand files, folders and glob patterns into a sorted, deduplicated list of input files.
///
/// Folders are walked recursively in sorted order; hidden entries (name starting with `.`) are
/// skipped, symlinked folders are not followed (no cycles), and only files with an input
/// extension are taken (`.jsonl`, `.json`, `.ndjson`, optionally `.gz`/`.zst`; `.parquet`;
/// `.txt`, `.md`). A file named explicitly is always taken. An argument that matches nothing is an
/// error naming it. Use [`expand_inputs_report`] to also learn which files a walk skipped.
///
/// What a walk finds but cannot read does not fail the expansion: a folder it cannot list, a
/// dangling symbolic link, a FIFO / socket / device, or a file that cannot be opened (each with an
/// input extension, except folders) becomes an [`InputKind::Unreadable`] entry, which
/// [`crate::read`] turns into one rejection. A FIFO or device named explicitly (`/dev/stdin`, a
/// process substitution) is read as JSONL (or by its extension) without sniffing its first bytes.
pub fn expand_inputs(args: &[String]) -> Result<Vec<InputFile>, IoError> {
    expand_inputs_report(args).map(|e| e.files)
}

/// [`expand_inputs`], also returning the files that folder walks skipped.
pub fn expand_inputs_report(args: &[String]) -> Result<ExpandedInputs, IoError> {
    // Keyed by path, so the result is sorted and each file appears once; the first argument that
    // found a file decides its root.
    let mut found: BTreeMap<PathBuf, InputFile> = BTreeMap::new();
    let mut skipped = Vec::new();
    for arg in args {
        let before = found.len();
        let mut matched_any = false;
        let path = Path::new(arg);
        if path.exists() {
            matched_any |= add_path(path, true, &mut found, &mut skipped)?;
        } else if is_glob(arg) {
            let paths = glob::glob(arg).map_err(|source| IoError::Pattern {
                arg: arg.clone(),
                source,
            })?;
            for entry in paths {
                let p = entry.map_err(|e| IoError::Read {
                    path: e.path().to_path_buf(),
                    source: e.into(),
                })?;
                if is_hidden(&p) {
                    continue;
                }
                matched_any |= add_path(&p, true, &mut found, &mut skipped)?;
            }
        } else {
            return Err(IoError::NoMatch {
                arg: arg.clone(),
                hint: ": no such file or folder".into(),
            });
        }
        if !matched_any && found.len() == before {
            return Err(IoError::NoMatch {
                arg: arg.clone(),
                hint: String::new(),
            });
        }
    }
    skipped.sort();
    skipped.dedup();
    Ok(ExpandedInputs {
        files: found.into_values().collect(),
        skipped,
    })
}

fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n != "." && n != "..")
}

/// Add a file or walk a folder. `explicit`: named by the user (or matched by a glob), so taken
/// whatever its extension. Returns whether anything was matched (found or already present).
fn add_path(
    path: &Path,
    explicit: bool,
    found: &mut BTreeMap<PathBuf, InputFile>,
    skipped: &mut Vec<PathBuf>,
) -> Result<bool, IoError> {
    let meta = std::fs::metadata(path).map_err(|source| IoError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        let mut any = false;
        walk(path, path, found, skipped, &mut any)?;
        return Ok(any);
    }
    let kind = if !meta.is_file() {
        // A FIFO or device: sniffing would eat bytes that cannot be read again.
        Some(extension_kind(path).unwrap_or(InputKind::Jsonl))
    } else {
        // A file that cannot be opened is still taken: reading it gives one rejection.
        detect_kind(path, explicit).unwrap_or(Some(InputKind::Unreadable))
    };
    match kind {
        Some(kind) => {
            found.entry(path.to_path_buf()).or_insert(InputFile {
                path: path.to_path_buf(),
                kind,
                root: None,
            });
            Ok(true)
        }
        None => {
            skipped.push(path.to_path_buf());
            Ok(false)
        }
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    found: &mut BTreeMap<PathBuf, InputFile>,
    skipped: &mut Vec<PathBuf>,
    any: &mut bool,
) -> Result<(), IoError> {
    let mut entries = Vec::new();
    let listing = std::fs::read_dir(dir).and_then(|rd| {
        for entry in rd {
            entries.push(entry?.path());
        }
        Ok(())
    });
    if listing.is_err() {
        // A folder that cannot be listed (permissions, I/O error, removed meanwhile): one
        // rejection for it, and the walk goes on elsewhere.
        add_unreadable(root, dir.to_path_buf(), found, any);
        return Ok(());
    }
    entries.sort();
    let mut subdirs = Vec::new();
    for path in entries {
        if is_hidden(&path) {
            continue;
        }
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            add_unreadable(root, path, found, any); // vanished since the listing
            continue;
        };
        let meta = if link.file_type().is_symlink() {
            // Follow links to files, not to folders: a folder link may form a cycle.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(m) => m,
                Err(_) => {
                    // Dangling or looping link.
                    if extension_kind(&path).is_some() {
                        add_unreadable(root, path, found, any);
                    } else {
                        skipped.push(path);
                    }
                    continue;
                }
            }
        } else {
            link
        };
        if meta.is_dir() {
            subdirs.push(path);
            continue;
        }
        if extension_kind(&path).is_none() {
            skipped.push(path);
            continue;
        }
        if !meta.is_file() {
            // A FIFO would block the reader forever; a device or socket is no input file.
            add_unreadable(root, path, found, any);
            continue;
        }
        let kind = detect_kind(&path, false).unwrap_or(Some(InputKind::Unreadable));
        if let Some(kind) = kind {
            *any = true;
            found.entry(path.clone()).or_insert(InputFile {
                path,
                kind,
                root: Some(root.to_path_buf()),
            });
        }
    }
    for sub in subdirs {
        walk(root, &sub, found, skipped, any)?;
    }
    Ok(())
}

/// Record a path the walk cannot read (see [`InputKind::Unreadable`]).
fn add_unreadable(
    root: &Path,
    path: PathBuf,
    found: &mut BTreeMap<PathBuf, InputFile>,
    any: &mut bool,
) {
    *any = true;
    found.entry(path.clone()).or_insert(InputFile {
        path,
        kind: InputKind::Unreadable,
        root: Some(root.to_path_buf()),
    });
}

/// A word for a non-regular file type, for error messages.
pub(crate) fn file_type_name(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// The kind a file name suggests: `.jsonl`/`.json`/`.ndjson` (optionally `.gz`/`.zst`),
/// `.parquet`, `.txt`. (Not `.md`: a folder of data often holds a README that is not a document;
/// a Markdown file named explicitly is still read, as text, by the sniff in [`detect_kind`].)
fn extension_kind(path: &Path) -> Option<InputKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .or_else(|| name.strip_suffix(".zstd"));
    let compressed = base.is_some();
    let base = base.unwrap_or(&name);
    let ext = base.rsplit_once('.')?.1;
    match ext {
        "jsonl" | "json" | "ndjson" => Some(InputKind::Jsonl),
        "parquet" if !compressed => Some(InputKind::Parquet),
        "txt" if !compressed => Some(InputKind::Text),
        _ => None,
    }
}

/// Magic bytes first (gzip, zstd → JSONL; `PAR1` → Parquet), then the extension, then — for an
/// explicitly named file only — a sniff: a first non-blank byte `{` means JSONL, else text.
fn detect_kind(path: &Path, explicit: bool) -> std::io::Result<Option<InputKind>> {
    let mut head = [0u8; 512];
    let n = read_head(path, &mut head)?;
    let head = &head[..n];
    if let Some(kind) = magic_kind(head) {
        return Ok(Some(kind));
    }
    if let Some(kind) = extension_kind(path) {
        return Ok(Some(kind));
    }
    if !explicit {
        return Ok(None);
    }
    let first = head
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    Ok(Some(if first == Some(b'{') {
        InputKind::Jsonl
    } else {
        InputKind::Text
    }))
}

pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
pub(crate) const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn magic_kind(head: &[u8]) -> Option<InputKind> {
    if head.starts_with(&GZIP_MAGIC) || head.starts_with(&ZSTD_MAGIC) {
        Some(InputKind::Jsonl)
    } else if head.starts_with(b"PAR1") {
        Some(InputKind::Parquet)
    } else {
        None
    }
}

fn read_head(path: &Path, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        let k = |s: &str| extension_kind(Path::new(s));
        assert_eq!(k("a/b.jsonl.zst"), Some(InputKind::Jsonl));
        assert_eq!(k("b.JSON.gz"), Some(InputKind::Jsonl));
        assert_eq!(k("b.ndjson"), Some(InputKind::Jsonl));
        assert_eq!(k("b.parquet"), Some(InputKind::Parquet));
        assert_eq!(k("b.md"), None);
        assert_eq!(k("b.txt.gz"), None);
        assert_eq!(k("b.csv"), None);
        assert_eq!(k("README"), None);
    }
}
