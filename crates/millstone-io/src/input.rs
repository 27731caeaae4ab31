//! Turning command-line arguments into input files: [`expand_inputs`], [`InputFile`].
//!
//! For: finding files (folders walked, globs expanded), deciding how to read each one from its
//! decompressed first bytes (WARC, ARC, JSON lines, HTML, a table, binary data), the name only
//! breaking ties. Not for: opening or decoding them (see [`crate::read`]).

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
    /// A WARC file (plain, gzip or zstd) holding HTTP responses: HTML documents.
    Warc,
    /// A WET file: a WARC of `conversion` records, text documents as given.
    Wet,
    /// An ARC file (plain or gzip): the WARC format's predecessor.
    Arc,
    /// An HTML page (plain, gzip or zstd): one document of raw HTML.
    Html,
    /// A file in a format millstone does not read (CSV, binary, LZ4, a WAT file, ...):
    /// [`crate::read`] turns it into one `unsupported_format` rejection saying what it looks like.
    Unsupported,
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

impl InputKind {
    /// Whether documents of this kind are raw HTML, which a pipeline must extract text from.
    pub fn is_html(self) -> bool {
        matches!(self, InputKind::Warc | InputKind::Arc | InputKind::Html)
    }
}

/// The result of [`expand_inputs_report`]: the files, and what a folder walk passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpandedInputs {
    /// Sorted by path, each path once.
    pub files: Vec<InputFile>,
    /// What folder walks (and globs) passed over and why, sorted by path.
    pub skipped: Vec<SkippedInput>,
}

/// A path a folder walk or glob passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedInput {
    pub path: PathBuf,
    /// `hidden`, `not an input format (.csv)`, `symbolic link to a folder`, `millstone output
    /// folder`, ...
    pub reason: String,
}

/// Expand files, folders and glob patterns into a sorted, deduplicated list of input files.
///
/// Folders are walked recursively in sorted order; hidden entries (name starting with `.`) are
/// skipped, symlinked folders are not followed (no cycles), the outputs of millstone runs (a
/// folder holding `.millstone/`, or `stats.json` beside `kept/`, `dropped/` or `rejected/`) are
/// not entered, and only files with an input extension are taken (`.jsonl`, `.json`, `.ndjson`,
/// `.warc`, `.wet`, `.arc`, `.html`, `.htm`, optionally `.gz`/`.zst`; `.parquet`; `.txt`). Each
/// file's kind is then decided by its decompressed first bytes. A file named explicitly is always
/// taken. An argument that matches nothing is an error naming it. Use [`expand_inputs_report`] to
/// also learn what a walk skipped and why.
///
/// What a walk finds but cannot read does not fail the expansion: a folder it cannot list, a
/// dangling symbolic link, a FIFO / socket / device, or a file that cannot be opened (each with an
/// input extension, except folders) becomes an [`InputKind::Unreadable`] entry, which
/// [`crate::read`] turns into one rejection. A FIFO or device named explicitly (`/dev/stdin`, a
/// process substitution) is read as JSONL (or by its extension) without sniffing its first bytes.
pub fn expand_inputs(args: &[String]) -> Result<Vec<InputFile>, IoError> {
    expand_inputs_report(args).map(|e| e.files)
}

/// What `-` names as an input.
const STDIN: &str = "/dev/stdin";

/// The URL scheme of `arg` (`s3` of `s3://bucket/key`), if it has one.
pub fn url_scheme(arg: &str) -> Option<&str> {
    let (scheme, _) = arg.split_once("://")?;
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(scheme)
}

/// An error for an input or output (`what`) given as a URL millstone cannot read or write, saying
/// what is supported instead; `Ok` for a local path (or `-`).
pub fn check_local(arg: &str, what: &'static str) -> Result<(), IoError> {
    let Some(scheme) = url_scheme(arg) else {
        return Ok(());
    };
    let reason = match scheme {
        "hf" => "Hugging Face Hub paths (hf://) are not read directly: download the dataset \
                 first (`huggingface-cli download --repo-type dataset NAME --local-dir DIR`) and \
                 name DIR"
            .to_owned(),
        "s3" | "s3a" if cfg!(feature = "s3") => return Ok(()),
        "s3" | "s3a" => "object storage (s3://) needs millstone built with the `s3` cargo \
                 feature (`cargo install --path crates/millstone --features s3`), or copy the \
                 files to a local folder first (`aws s3 sync s3://bucket/prefix DIR`)"
            .to_owned(),
        other => format!(
            "`{other}://` is not supported: millstone reads and writes local files and folders \
             (inputs also globs, and `-` for standard input as JSONL) and, built with the `s3` \
             feature, s3://bucket/prefix"
        ),
    };
    Err(IoError::Unsupported {
        what,
        arg: arg.to_owned(),
        reason,
    })
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
        check_local(arg, "input")?;
        // `-`: standard input, read as JSONL (as `/dev/stdin` is).
        let path = Path::new(if arg == "-" { STDIN } else { arg.as_str() });
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
                    skip(&mut skipped, p, "hidden");
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
    skipped: &mut Vec<SkippedInput>,
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
            skip(skipped, path.to_path_buf(), "not an input format");
            Ok(false)
        }
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    found: &mut BTreeMap<PathBuf, InputFile>,
    skipped: &mut Vec<SkippedInput>,
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
            skip(skipped, path, "hidden");
            continue;
        }
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            add_unreadable(root, path, found, any); // vanished since the listing
            continue;
        };
        let meta = if link.file_type().is_symlink() {
            // Follow links to files, not to folders: a folder link may form a cycle.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => {
                    skip(skipped, path, "symbolic link to a folder (not followed)");
                    continue;
                }
                Ok(m) => m,
                Err(_) => {
                    // Dangling or looping link.
                    if extension_kind(&path).is_some() {
                        add_unreadable(root, path, found, any);
                    } else {
                        skip(skipped, path, "symbolic link that cannot be followed");
                    }
                    continue;
                }
            }
        } else {
            link
        };
        if meta.is_dir() {
            if is_millstone_output(&path) {
                skip(skipped, path, "output folder of a millstone run");
            } else {
                subdirs.push(path);
            }
            continue;
        }
        if extension_kind(&path).is_none() {
            let reason = match path.extension() {
                Some(ext) => format!("not an input format (.{})", ext.to_string_lossy()),
                None => "not an input format (no extension)".to_owned(),
            };
            skip(skipped, path, &reason);
            continue;
        }
        if !meta.is_file() {
            // A FIFO would block the reader forever; a device or socket is no input file.
            add_unreadable(root, path, found, any);
            continue;
        }
        let kind = detect_kind(&path, false).unwrap_or(Some(InputKind::Unreadable));
        if kind.is_none() {
            skip(skipped, path, "not an input format");
        } else if let Some(kind) = kind {
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

fn skip(skipped: &mut Vec<SkippedInput>, path: PathBuf, reason: &str) {
    skipped.push(SkippedInput {
        path,
        reason: reason.to_owned(),
    });
}

/// Whether `dir` holds the outputs of a millstone run: its `.millstone/` state folder, or
/// `stats.json` beside `kept/`, `dropped/` or `rejected/`.
pub fn is_millstone_output(dir: &Path) -> bool {
    dir.join(".millstone").is_dir()
        || (dir.join("stats.json").is_file()
            && ["kept", "dropped", "rejected"]
                .iter()
                .any(|d| dir.join(d).is_dir()))
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

/// The kind a file name suggests: `.jsonl`/`.json`/`.ndjson`, `.warc`, `.wet`, `.wat`, `.arc`,
/// `.html`/`.htm` (optionally `.gz`/`.zst`), `.parquet`, `.txt`. (Not `.md`: a folder of data often holds a README that is not a document;
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
        "warc" | "wat" => Some(InputKind::Warc),
        "wet" => Some(InputKind::Wet),
        "arc" => Some(InputKind::Arc),
        "html" | "htm" | "xhtml" => Some(InputKind::Html),
        "parquet" if !compressed => Some(InputKind::Parquet),
        "txt" if !compressed => Some(InputKind::Text),
        _ => None,
    }
}

/// What a file holds, from its first bytes (decompressed); the name breaks ties. `None`: a file
/// a walk passes over (no input extension, nothing recognisable). Named files (`explicit`)
/// without an input extension are read as text when they look like text.
fn detect_kind(path: &Path, explicit: bool) -> std::io::Result<Option<InputKind>> {
    let mut raw = [0u8; 512];
    let n = read_head(path, &mut raw)?;
    let raw = &raw[..n];
    if raw.starts_with(b"PAR1") {
        return Ok(Some(InputKind::Parquet));
    }
    let ext = extension_kind(path);
    let head = decompressed_head(path, raw);
    let looks = sniff(raw, &head);
    Ok(match looks {
        Looks::Warc => Some(InputKind::Warc),
        Looks::Wet => Some(InputKind::Wet),
        Looks::Arc => Some(InputKind::Arc),
        Looks::Json => Some(InputKind::Jsonl),
        Looks::Html => Some(InputKind::Html),
        Looks::Empty => Some(ext.unwrap_or(InputKind::Jsonl)),
        Looks::Other(_) => match ext {
            // The name says what the file should be: its reader explains what is wrong.
            Some(k @ (InputKind::Jsonl | InputKind::Text | InputKind::Parquet)) => Some(k),
            _ => Some(InputKind::Unsupported),
        },
        Looks::Text => match ext {
            Some(k @ (InputKind::Jsonl | InputKind::Text | InputKind::Parquet)) => Some(k),
            // A page fragment (`<div>…`) named .html.
            Some(InputKind::Html) => Some(InputKind::Html),
            Some(_) => Some(InputKind::Unsupported),
            None if explicit && compression_of(raw).is_none() => Some(InputKind::Text),
            None if explicit => Some(InputKind::Unsupported),
            None => None,
        },
    })
}

/// What a file's first bytes look like.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Looks {
    Warc,
    Wet,
    Arc,
    Json,
    Html,
    Text,
    /// Nothing to go by (an empty or undecodable head).
    Empty,
    /// Not readable, with what it looks like.
    Other(String),
}

const SNIFF_BYTES: usize = 16 << 10;

fn compression_of(raw: &[u8]) -> Option<&'static str> {
    match crate::read::stream::compression_name(raw) {
        "none" => None,
        c => Some(c),
    }
}

/// The first [`SNIFF_BYTES`] of the file, decompressed (as far as they decode).
fn decompressed_head(path: &Path, raw: &[u8]) -> Vec<u8> {
    if compression_of(raw).is_none() {
        return raw.to_vec();
    }
    let mut out = Vec::new();
    if let Ok(dec) = crate::read::stream::Decoded::open(path, 0) {
        let mut dec = dec.take(SNIFF_BYTES as u64);
        let mut buf = [0u8; 4096];
        while let Ok(n) = dec.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
    out
}

fn sniff(raw: &[u8], head: &[u8]) -> Looks {
    for (magic, what) in [
        (
            &b"\x04\x22\x4d\x18"[..],
            "LZ4-compressed data (decompress it first, e.g. `lz4 -d`)",
        ),
        (b"BZh", "bzip2-compressed data (decompress it first)"),
        (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"),
        (b"PK\x03\x04", "a ZIP archive (unpack it first)"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
    ] {
        if raw.starts_with(magic) {
            return Looks::Other(what.into());
        }
    }
    if head.is_empty() {
        return Looks::Empty;
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    if body.starts_with(b"WARC/") {
        return warc_flavour(head);
    }
    if body.starts_with(b"filedesc://") {
        return Looks::Arc;
    }
    let tar = head.len() > 262 && &head[257..262] == b"ustar";
    if tar {
        return Looks::Other("a tar archive (unpack it first)".into());
    }
    // Binary: a NUL byte, or bytes that are not UTF-8 (allowing a character cut at the end).
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() >= SNIFF_BYTES.min(raw.len().max(1)),
    };
    if memchr::memchr(0, head).is_some() {
        return Looks::Other("binary data (NUL bytes; or UTF-16 text)".into());
    }
    if body.starts_with(b"{") {
        return Looks::Json;
    }
    if looks_like_html(body) {
        return Looks::Html;
    }
    if body.starts_with(b"[") {
        return Looks::Other(
            "a JSON array (millstone reads JSON lines: one object per line)".into(),
        );
    }
    if let Some(sep) = table_separator(body) {
        return Looks::Other(format!("a {sep}-separated table (CSV/TSV), not documents"));
    }
    if !valid {
        return Looks::Other("binary data (not UTF-8 text)".into());
    }
    Looks::Text
}

/// WARC, WET (conversion records) or WAT (JSON metadata records, which millstone does not read).
fn warc_flavour(head: &[u8]) -> Looks {
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if has(b"WARC-Type: conversion") || has(b".warc.wet") {
        Looks::Wet
    } else if (has(b"WARC-Type: metadata")
        && has(b"application/json")
        && !has(b"WARC-Type: response"))
        || has(b".warc.wat")
    {
        Looks::Other(
            "a WAT file (WARC records of JSON metadata); millstone reads WARC responses and WET text"
                .into(),
        )
    } else {
        Looks::Warc
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let lower: Vec<u8> = body[..body.len().min(1024)].to_ascii_lowercase();
    [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<?xml",
        b"<meta",
        b"<title",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || (lower.starts_with(b"<!--") && memchr::memmem::find(&lower, b"<html").is_some())
}

/// `,` or tab when the first lines (at least two, up to five) hold the same non-zero number of
/// them.
fn table_separator(body: &[u8]) -> Option<&'static str> {
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').take(6).collect();
    // The last piece may be cut by the sniff window: only whole lines count.
    let whole = &lines[..lines.len().saturating_sub(1)];
    if whole.len() < 2 {
        return None;
    }
    let whole = &whole[..whole.len().min(5)];
    for (sep, name) in [(b'\t', "tab"), (b',', "comma")] {
        let count = |l: &[u8]| l.iter().filter(|&&b| b == sep).count();
        let n = count(whole[0]);
        if n > 0 && whole.iter().all(|l| count(l) == n) {
            return Some(name);
        }
    }
    None
}

/// What a file looks like, for the rejection of a file millstone cannot read.
pub(crate) fn describe(path: &Path) -> String {
    let mut raw = [0u8; 512];
    let n = match read_head(path, &mut raw) {
        Ok(n) => n,
        Err(e) => return format!("cannot be read: {e}"),
    };
    let raw = &raw[..n];
    let head = decompressed_head(path, raw);
    let what = match sniff(raw, &head) {
        Looks::Other(what) => what,
        Looks::Text => "text, named like another format".into(),
        Looks::Empty => "nothing readable".into(),
        other => format!("{other:?}"),
    };
    match compression_of(raw) {
        Some(c) if !what.contains("compressed") => format!("{c}-compressed {what}"),
        _ => what,
    }
}

pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
pub(crate) const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

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
