//! Bounded memory for the dedup pass: band entries spilled to disk as sorted runs and merged per
//! band, signatures in a flat file read back by position.
//!
//! - [`RunSet`]: per band, `(key, tag)` records (16 bytes, little-endian, fixed width) collected
//!   in a buffer; when the buffer is full every band is sorted and written as one section of a
//!   run file. [`RunSet::merge`] then gives a band's records in `(key, tag)` order by a k-way
//!   merge of its runs (with more than `fan_in` runs, groups are first merged into longer runs,
//!   so open files and read buffers stay bounded).
//! - [`SlotFile`]: fixed-width records appended in arrival order (slot `i` at `i × width`),
//!   read back one at a time with positioned reads — only candidate pairs' signatures are read,
//!   and page cache, unlike an in-memory copy, is given back when the system needs it.
//!
//! Positioned reads rather than `mmap`: pages of a mapped file count in the process's resident
//! memory while mapped, which would make the budget impossible to check with `time -v`.
//!
//! Every error names the file or folder. Not here: deciding when to spill (`stage`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes of one run record: band key and tag, both u64 little-endian.
pub const RECORD: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum SpillError {
    #[error("dedup spill folder {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("dedup spill file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`memory_limit`: `{0}` is not a size like 512K, 256M, 4G or \"unlimited\"")]
    Size(String),
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
}

fn file_err(path: &Path) -> impl FnOnce(std::io::Error) -> SpillError + '_ {
    move |source| SpillError::File {
        path: path.to_owned(),
        source,
    }
}

/// A `memory_limit`: a size as [`millstone_core::parse_size`] reads it (`4G`, `256m`, `1000`),
/// or `unlimited` (`None`).
pub fn parse_limit(s: &str) -> Result<Option<u64>, SpillError> {
    if s.trim().eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    millstone_core::parse_size(s)
        .map(Some)
        .map_err(|_| SpillError::Size(s.to_owned()))
}

/// Half of the physical memory (Linux `/proc/meminfo`), or `None` (unlimited) where unknown.
pub fn default_limit() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024 / 2)
}

/// A sorted section of a run file: `len` records from byte `offset`.
#[derive(Debug, Clone)]
pub struct Run {
    file: usize,
    offset: u64,
    len: u64,
}

/// Sorted runs per band, in files of a spill folder.
pub struct RunSet {
    dir: PathBuf,
    files: Vec<PathBuf>,
    /// Per band: records not yet written.
    buffer: Vec<Vec<(u64, u64)>>,
    buffered: usize,
    /// Per band: runs written.
    runs: Vec<Vec<Run>>,
    /// Read buffer per open run while merging.
    read_buffer: usize,
    fan_in: usize,
}

impl RunSet {
    /// Runs for `bands` bands in folder `dir` (which must exist). Merging opens at most `fan_in`
    /// runs at once, each with a `read_buffer`-byte buffer.
    pub fn new(dir: &Path, bands: usize, read_buffer: usize, fan_in: usize) -> RunSet {
        RunSet {
            dir: dir.to_owned(),
            files: Vec::new(),
            buffer: vec![Vec::new(); bands],
            buffered: 0,
            runs: vec![Vec::new(); bands],
            read_buffer: read_buffer.max(RECORD),
            fan_in: fan_in.max(2),
        }
    }

    pub fn push(&mut self, band: usize, key: u64, tag: u64) {
        self.buffer[band].push((key, tag));
        self.buffered += 1;
    }

    /// Bytes of records held in memory.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered * RECORD
    }

    /// Give the (empty) buffer room for `bytes` of records and no more, so that it never grows
    /// by doubling past the budget; returns that room in records per band.
    pub fn fit(&mut self, bytes: usize) -> usize {
        debug_assert_eq!(self.buffered, 0);
        let per_band = (bytes / (RECORD * self.buffer.len())).max(1);
        for b in &mut self.buffer {
            if b.capacity() > per_band {
                b.shrink_to(per_band);
            } else {
                b.reserve_exact(per_band);
            }
        }
        per_band
    }

    /// Give the buffer's memory back (after the last `spill`, before merging).
    pub fn free_buffer(&mut self) {
        debug_assert_eq!(self.buffered, 0);
        for b in &mut self.buffer {
            *b = Vec::new();
        }
    }

    /// Add `len` sorted records at byte `offset` of a file outside the spill folder (a saved
    /// index's band) as a run of band `band`.
    pub fn add_run(&mut self, band: usize, path: &Path, offset: u64, len: u64) {
        self.runs[band].push(Run {
            file: self.files.len(),
            offset,
            len,
        });
        self.files.push(path.to_owned());
    }

    /// Runs written so far (all bands).
    pub fn run_count(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// Sort the buffered records of every band and write them as one run file.
    pub fn spill(&mut self) -> Result<(), SpillError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let path = self.dir.join(format!("run-{:06}.bin", self.files.len()));
        let file = File::create(&path).map_err(file_err(&path))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let mut offset = 0u64;
        let file_no = self.files.len();
        for (band, records) in self.buffer.iter_mut().enumerate() {
            if records.is_empty() {
                continue;
            }
            records.sort_unstable();
            for &(k, t) in records.iter() {
                w.write_all(&k.to_le_bytes()).map_err(file_err(&path))?;
                w.write_all(&t.to_le_bytes()).map_err(file_err(&path))?;
            }
            let len = records.len() as u64;
            self.runs[band].push(Run {
                file: file_no,
                offset,
                len,
            });
            offset += len * RECORD as u64;
            records.clear();
        }
        w.flush().map_err(file_err(&path))?;
        self.files.push(path);
        self.buffered = 0;
        Ok(())
    }

    /// Band `band`'s records in `(key, tag)` order. Spill the buffer first.
    pub fn merge(&mut self, band: usize) -> Result<Merge, SpillError> {
        debug_assert_eq!(self.buffered, 0, "spill before merging");
        // Too many runs for one merge: merge the oldest groups into longer runs first.
        while self.runs[band].len() > self.fan_in {
            let group: Vec<Run> = self.runs[band].drain(..self.fan_in).collect();
            let path = self.dir.join(format!("run-{:06}.bin", self.files.len()));
            let file = File::create(&path).map_err(file_err(&path))?;
            let mut w = BufWriter::with_capacity(self.read_buffer.max(1 << 16), file);
            let mut merge = self.open(&group)?;
            let mut len = 0u64;
            while let Some((k, t)) = merge.next()? {
                w.write_all(&k.to_le_bytes()).map_err(file_err(&path))?;
                w.write_all(&t.to_le_bytes()).map_err(file_err(&path))?;
                len += 1;
            }
            w.flush().map_err(file_err(&path))?;
            self.runs[band].push(Run {
                file: self.files.len(),
                offset: 0,
                len,
            });
            self.files.push(path);
        }
        let runs = self.runs[band].clone();
        self.open(&runs)
    }

    fn open(&self, runs: &[Run]) -> Result<Merge, SpillError> {
        let readers = runs
            .iter()
            .map(|r| RunReader::open(&self.files[r.file], r, self.read_buffer))
            .collect::<Result<Vec<_>, _>>()?;
        Merge::new(readers)
    }
}

/// Reads one run's records in order.
pub struct RunReader {
    path: PathBuf,
    reader: BufReader<File>,
    remaining: u64,
}

impl RunReader {
    fn open(path: &Path, run: &Run, buffer: usize) -> Result<RunReader, SpillError> {
        let mut file = File::open(path).map_err(file_err(path))?;
        file.seek(SeekFrom::Start(run.offset))
            .map_err(file_err(path))?;
        Ok(RunReader {
            path: path.to_owned(),
            reader: BufReader::with_capacity(buffer, file),
            remaining: run.len,
        })
    }

    /// `len` sorted records from byte `offset` of `path`, read through a `buffer`-byte buffer.
    pub fn section(
        path: &Path,
        offset: u64,
        len: u64,
        buffer: usize,
    ) -> Result<RunReader, SpillError> {
        RunReader::open(
            path,
            &Run {
                file: 0,
                offset,
                len,
            },
            buffer,
        )
    }

    #[allow(clippy::should_implement_trait)] // fallible: returns Result, not Option
    pub fn next(&mut self) -> Result<Option<(u64, u64)>, SpillError> {
        if self.remaining == 0 {
            return Ok(None);
        }
        let mut buf = [0u8; RECORD];
        self.reader
            .read_exact(&mut buf)
            .map_err(file_err(&self.path))?;
        self.remaining -= 1;
        let (k, t) = buf.split_at(8);
        Ok(Some((
            u64::from_le_bytes(k.try_into().expect("8 bytes")),
            u64::from_le_bytes(t.try_into().expect("8 bytes")),
        )))
    }
}

/// A k-way merge of sorted runs: the smallest `(key, tag)` first.
pub struct Merge {
    readers: Vec<RunReader>,
    heap: BinaryHeap<Reverse<(u64, u64, usize)>>,
}

impl Merge {
    fn new(mut readers: Vec<RunReader>) -> Result<Merge, SpillError> {
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some((k, t)) = r.next()? {
                heap.push(Reverse((k, t, i)));
            }
        }
        Ok(Merge { readers, heap })
    }

    #[allow(clippy::should_implement_trait)] // fallible: returns Result, not Option
    pub fn next(&mut self) -> Result<Option<(u64, u64)>, SpillError> {
        let Some(Reverse((k, t, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some((k2, t2)) = self.readers[i].next()? {
            self.heap.push(Reverse((k2, t2, i)));
        }
        Ok(Some((k, t)))
    }
}

/// Fixed-width records appended in arrival order and read back by slot number.
pub struct SlotFile {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    reader: Option<File>,
    width: usize,
    count: u64,
}

impl SlotFile {
    pub fn create(path: &Path, width: usize) -> Result<SlotFile, SpillError> {
        let file = File::create(path).map_err(file_err(path))?;
        Ok(SlotFile {
            path: path.to_owned(),
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            reader: None,
            width,
            count: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record (exactly `width` bytes); returns its slot.
    pub fn append(&mut self, record: &[u8]) -> Result<u64, SpillError> {
        debug_assert_eq!(record.len(), self.width);
        let w = self.writer.as_mut().expect("append before finish_writes");
        w.write_all(record).map_err(file_err(&self.path))?;
        self.count += 1;
        Ok(self.count - 1)
    }

    /// No more appends: flush and open for reading.
    pub fn finish_writes(&mut self) -> Result<(), SpillError> {
        if let Some(w) = self.writer.take() {
            w.into_inner()
                .map_err(|e| e.into_error())
                .map_err(file_err(&self.path))?;
        }
        self.reader = Some(File::open(&self.path).map_err(file_err(&self.path))?);
        Ok(())
    }

    /// Read `out.len()` bytes of slot `slot`'s record from byte `at` of the record.
    pub fn read(&self, slot: u64, at: usize, out: &mut [u8]) -> Result<(), SpillError> {
        debug_assert!(at + out.len() <= self.width);
        let file = self.reader.as_ref().expect("read after finish_writes");
        let pos = slot * self.width as u64 + at as u64;
        read_at(file, out, pos).map_err(file_err(&self.path))
    }
}

/// Variable-length strings (document ids) or byte records (a document's reprint anchors)
/// appended in arrival order and read back by number: the bytes in one file, each record's end
/// offset (u64 little-endian) in another, so that memory holds neither.
pub struct IdFile {
    text_path: PathBuf,
    ends_path: PathBuf,
    writers: Option<(BufWriter<File>, BufWriter<File>)>,
    readers: Option<(File, File)>,
    end: u64,
    count: u64,
}

impl IdFile {
    /// `ids.bin` and `ids.ends` in `dir`.
    pub fn create(dir: &Path) -> Result<IdFile, SpillError> {
        IdFile::create_named(dir, "ids")
    }

    /// `NAME.bin` and `NAME.ends` in `dir`.
    pub fn create_named(dir: &Path, name: &str) -> Result<IdFile, SpillError> {
        let text_path = dir.join(format!("{name}.bin"));
        let ends_path = dir.join(format!("{name}.ends"));
        let text = File::create(&text_path).map_err(file_err(&text_path))?;
        let ends = File::create(&ends_path).map_err(file_err(&ends_path))?;
        Ok(IdFile {
            writers: Some((
                BufWriter::with_capacity(1 << 18, text),
                BufWriter::with_capacity(1 << 16, ends),
            )),
            text_path,
            ends_path,
            readers: None,
            end: 0,
            count: 0,
        })
    }

    /// Append one string; returns its number.
    pub fn append(&mut self, s: &str) -> Result<u64, SpillError> {
        self.append_bytes(s.as_bytes())
    }

    /// Append one record; returns its number.
    pub fn append_bytes(&mut self, s: &[u8]) -> Result<u64, SpillError> {
        let (text, ends) = self.writers.as_mut().expect("append before finish_writes");
        text.write_all(s).map_err(file_err(&self.text_path))?;
        self.end += s.len() as u64;
        ends.write_all(&self.end.to_le_bytes())
            .map_err(file_err(&self.ends_path))?;
        self.count += 1;
        Ok(self.count - 1)
    }

    /// No more appends: flush and open for reading.
    pub fn finish_writes(&mut self) -> Result<(), SpillError> {
        if let Some((text, ends)) = self.writers.take() {
            text.into_inner()
                .map_err(|e| e.into_error())
                .map_err(file_err(&self.text_path))?;
            ends.into_inner()
                .map_err(|e| e.into_error())
                .map_err(file_err(&self.ends_path))?;
        }
        self.readers = Some((
            File::open(&self.text_path).map_err(file_err(&self.text_path))?,
            File::open(&self.ends_path).map_err(file_err(&self.ends_path))?,
        ));
        Ok(())
    }

    /// String number `i` (two positioned reads of the offsets, one of the bytes).
    pub fn read(&self, i: u64) -> Result<String, SpillError> {
        let mut out = Vec::new();
        self.read_bytes(i, &mut out)?;
        String::from_utf8(out).map_err(|e| {
            file_err(&self.text_path)(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })
    }

    /// Record number `i` into `out` (replaced).
    pub fn read_bytes(&self, i: u64, out: &mut Vec<u8>) -> Result<(), SpillError> {
        let (text, ends) = self.readers.as_ref().expect("read after finish_writes");
        let mut b = [0u8; 16];
        let (start, end) = if i == 0 {
            read_at(ends, &mut b[8..], 0).map_err(file_err(&self.ends_path))?;
            (0, u64::from_le_bytes(b[8..].try_into().expect("8 bytes")))
        } else {
            read_at(ends, &mut b, (i - 1) * 8).map_err(file_err(&self.ends_path))?;
            (
                u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(b[8..].try_into().expect("8 bytes")),
            )
        };
        out.clear();
        out.resize((end - start) as usize, 0);
        read_at(text, out, start).map_err(file_err(&self.text_path))
    }
}

/// A growing list of u64 in fixed chunks: no doubling (whose old + new copies would briefly
/// need 3× the data), at most one chunk of slack; [`Chunked::into_vec`] gives an exactly sized
/// vector, freeing each chunk as it is copied.
#[derive(Default)]
pub struct Chunked {
    chunks: Vec<Vec<u64>>,
    len: usize,
}

/// Values per chunk of [`Chunked`] (512 KiB).
const CHUNK: usize = 1 << 16;

impl Chunked {
    pub fn push(&mut self, v: u64) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(v),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(v);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.chunks.len() * (CHUNK * 8 + std::mem::size_of::<Vec<u64>>())
    }

    pub fn into_vec(self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.len);
        for c in self.chunks {
            out.extend_from_slice(&c);
        }
        out
    }
}

/// Fill `out` from `file` at byte `pos` (positioned read: no shared cursor, so threads may share
/// the file).
#[cfg(unix)]
pub(crate) fn read_at(file: &File, out: &mut [u8], pos: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, pos)
}

#[cfg(windows)]
pub(crate) fn read_at(file: &File, mut out: &mut [u8], mut pos: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !out.is_empty() {
        match file.seek_read(out, pos)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                out = &mut out[n..];
                pos += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(mut m: Merge) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        while let Some(r) = m.next().unwrap() {
            out.push(r);
        }
        out
    }

    #[test]
    fn merge_of_many_runs_is_the_sorted_input() {
        let dir = tempfile::tempdir().unwrap();
        // Fan-in 3 with 20-odd runs per band forces merge passes of merge passes.
        let mut set = RunSet::new(dir.path(), 2, 64, 3);
        let mut all: Vec<Vec<(u64, u64)>> = vec![Vec::new(); 2];
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..500u64 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Few distinct keys, so equal keys must come out ordered by tag.
            let (band, key) = ((s % 2) as usize, (s >> 8) % 37);
            set.push(band, key, i);
            all[band].push((key, i));
            if i % 23 == 22 {
                set.spill().unwrap();
            }
        }
        set.spill().unwrap();
        assert!(set.run_count() > 30, "{}", set.run_count());
        for (band, mut want) in all.into_iter().enumerate() {
            want.sort_unstable();
            assert_eq!(drain(set.merge(band).unwrap()), want);
        }
    }

    #[test]
    fn empty_band_and_slot_reads() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = RunSet::new(dir.path(), 2, 4096, 8);
        set.push(1, 5, 0);
        set.spill().unwrap();
        assert!(drain(set.merge(0).unwrap()).is_empty());
        assert_eq!(drain(set.merge(1).unwrap()), [(5, 0)]);

        let mut slots = SlotFile::create(&dir.path().join("slots.bin"), 4).unwrap();
        for i in 0..10u32 {
            assert_eq!(slots.append(&i.to_le_bytes()).unwrap(), u64::from(i));
        }
        slots.finish_writes().unwrap();
        let mut b = [0u8; 2];
        slots.read(7, 0, &mut b).unwrap();
        assert_eq!(b, [7, 0]);
        let err = slots.read(10, 0, &mut b).unwrap_err().to_string();
        assert!(err.contains("slots.bin"), "{err}");
    }

    #[test]
    fn ids_and_chunks_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut ids = IdFile::create(dir.path()).unwrap();
        let words = ["", "a", "größer", "", "doc-3/17"];
        for (i, w) in words.iter().enumerate() {
            assert_eq!(ids.append(w).unwrap(), i as u64);
        }
        ids.finish_writes().unwrap();
        for (i, w) in words.iter().enumerate().rev() {
            assert_eq!(ids.read(i as u64).unwrap(), *w);
        }
        assert!(ids.read(5).unwrap_err().to_string().contains("ids.ends"));

        let mut c = Chunked::default();
        let n = 3 * CHUNK + 5;
        for i in 0..n as u64 {
            c.push(i * 3);
        }
        assert_eq!(c.len(), n);
        let v = c.into_vec();
        assert_eq!(
            (v.len(), v.capacity(), v[n - 1]),
            (n, n, (n as u64 - 1) * 3)
        );
    }

    #[test]
    fn unwritable_folder_is_an_error_naming_the_file() {
        let mut set = RunSet::new(Path::new("/nonexistent/millstone-spill"), 1, 64, 4);
        set.push(0, 1, 1);
        let err = set.spill().unwrap_err().to_string();
        assert!(
            err.contains("/nonexistent/millstone-spill/run-000000.bin"),
            "{err}"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_limit("4G").unwrap(), Some(4 << 30));
        assert_eq!(parse_limit("256m").unwrap(), Some(256 << 20));
        assert_eq!(parse_limit("1000").unwrap(), Some(1000));
        assert_eq!(parse_limit("unlimited").unwrap(), None);
        assert_eq!(parse_limit(" Unlimited ").unwrap(), None);
        assert!(parse_limit("0").is_err());
        assert_eq!(
            parse_limit("lots").unwrap_err().to_string(),
            "`memory_limit`: `lots` is not a size like 512K, 256M, 4G or \"unlimited\""
        );
    }
}
