//! Line-oriented parts: plain, gzip or zstd.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::parts::{PartFile, Parts};
use super::Compression;
use crate::IoError;

const WRITE_BUFFER: usize = 256 << 10;

enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

impl Sink {
    fn open(file: File, compression: Compression) -> io::Result<Sink> {
        let w = BufWriter::with_capacity(WRITE_BUFFER, file);
        Ok(match compression {
            Compression::None => Sink::Plain(w),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::default(),
            )),
            Compression::Zstd { level } => Sink::Zstd(zstd::Encoder::new(w, level)?),
        })
    }

    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(b),
            Sink::Gzip(w) => w.write_all(b),
            Sink::Zstd(w) => w.write_all(b),
        }
    }

    /// End the stream and flush everything to the file.
    fn finish(self) -> io::Result<()> {
        let w = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

/// Lines into rotating parts.
pub(crate) struct LineShards {
    parts: Parts,
    compression: Compression,
    shard_size: u64,
    current: Option<(Sink, PartFile)>,
    bytes_in_part: u64,
}

impl LineShards {
    pub fn new(
        dir: PathBuf,
        ext: &'static str,
        compression: Compression,
        shard_size: u64,
    ) -> Result<Self, IoError> {
        Ok(LineShards {
            parts: Parts::new(dir, ext)?,
            compression,
            shard_size: shard_size.max(1),
            current: None,
            bytes_in_part: 0,
        })
    }

    pub fn dir(&self) -> &Path {
        self.parts.dir()
    }

    /// Write one line (its `\n` included).
    pub fn write_line(&mut self, line: &[u8]) -> Result<(), IoError> {
        if self.current.is_none() {
            let (file, part) = self.parts.start()?;
            let sink = Sink::open(file, self.compression).map_err(|source| IoError::Write {
                path: part.tmp.clone(),
                source,
            })?;
            self.current = Some((sink, part));
            self.bytes_in_part = 0;
        }
        if let Some((sink, part)) = &mut self.current {
            sink.write_all(line).map_err(|source| IoError::Write {
                path: part.tmp.clone(),
                source,
            })?;
        }
        self.bytes_in_part += line.len() as u64;
        if self.bytes_in_part >= self.shard_size {
            self.close_part()?;
        }
        Ok(())
    }

    /// Number the next part `next`.
    pub fn set_next_part(&mut self, next: u32) {
        self.parts.set_next(next);
    }

    /// Complete the current part, if one is open.
    pub fn close_part(&mut self) -> Result<(), IoError> {
        if let Some((sink, part)) = self.current.take() {
            if let Err(source) = sink.finish() {
                part.abandon();
                return Err(IoError::Write {
                    path: part.tmp.clone(),
                    source,
                });
            }
            self.parts.commit(part)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<PathBuf>, IoError> {
        self.close_part()?;
        Ok(self.parts.take_written())
    }
}

impl Drop for LineShards {
    fn drop(&mut self) {
        if let Some((_, part)) = self.current.take() {
            part.abandon();
        }
    }
}
