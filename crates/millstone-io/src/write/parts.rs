//! Part naming and the write-then-rename protocol shared by all writers.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::IoError;

/// Hands out `DIR/.part-NNNNN.<ext>.tmp` files and renames them to `DIR/part-NNNNN.<ext>`.
pub(crate) struct Parts {
    dir: PathBuf,
    ext: &'static str,
    next: u32,
    written: Vec<PathBuf>,
}

/// An open part: its file and where it goes when complete.
pub(crate) struct PartFile {
    pub tmp: PathBuf,
    pub dest: PathBuf,
}

impl Parts {
    pub fn new(dir: PathBuf, ext: &'static str) -> Result<Self, IoError> {
        std::fs::create_dir_all(&dir).map_err(|source| IoError::Write {
            path: dir.clone(),
            source,
        })?;
        Ok(Parts {
            dir,
            ext,
            next: 0,
            written: Vec::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number the next part `next` (to continue a run that stopped after part `next - 1`).
    pub fn set_next(&mut self, next: u32) {
        self.next = next;
    }

    /// Create the next part's temporary file.
    pub fn start(&mut self) -> Result<(File, PartFile), IoError> {
        let name = format!("part-{:05}.{}", self.next, self.ext);
        self.next += 1;
        let part = PartFile {
            tmp: self.dir.join(format!(".{name}.tmp")),
            dest: self.dir.join(name),
        };
        let file = File::create(&part.tmp).map_err(|source| IoError::Write {
            path: part.tmp.clone(),
            source,
        })?;
        Ok((file, part))
    }

    /// Move a completed part into place.
    pub fn commit(&mut self, part: PartFile) -> Result<(), IoError> {
        std::fs::rename(&part.tmp, &part.dest).map_err(|source| IoError::Write {
            path: part.dest.clone(),
            source,
        })?;
        self.written.push(part.dest);
        Ok(())
    }

    /// The parts committed so far, in order.
    pub fn take_written(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.written)
    }
}

impl PartFile {
    /// Remove the temporary file of a part that will not be completed (best effort).
    pub fn abandon(&self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}
