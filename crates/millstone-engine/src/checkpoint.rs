//! Crash-safe progress of a run: the lock on an output folder and the checkpoint that lets
//! `--resume` continue after a crash with byte-identical results.
//!
//! A run closes all its output parts together at *epochs* (whenever `--shard-size` bytes were
//! written, and at the end) and then records, atomically, in `DIR/.millstone/checkpoint.json`:
//! the next part number, how far it read (input file and record), the statistics so far, and the
//! run's configuration. Parts are renamed into place *before* the checkpoint is written, so after
//! a crash every part numbered below the checkpoint's is complete, and anything numbered at or
//! above it (or still a `.tmp` file) is leftover that `--resume` deletes and writes again.
//!
//! For Parquet output the column layouts (fixed from the first rows of the run) are stored too.
//! Not for: resuming with different inputs or options (refused: the configuration is stored
//! and compared).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use millstone_core::{RunStats, Value};

use crate::error::{Context, Error, Result};
use serde::{Deserialize, Serialize};

const STATE_DIR: &str = ".millstone";

/// Where a run stands; written at every epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// Everything that must be equal for a resume to give the same output.
    pub config: Value,
    /// The number of the next part in every output folder.
    pub next_part: u32,
    /// Index (in the sorted input list) of the input being read.
    pub input: usize,
    /// Records of that input already accounted for.
    pub record: u64,
    pub stats: RunStats,
    /// The run finished (all parts and `stats.json` written).
    pub complete: bool,
    /// Parquet output: the column layouts of kept/ and dropped/ fixed from their first rows, so
    /// that a resumed run writes the same columns.
    #[serde(default)]
    pub layouts: [Option<Vec<(String, String)>>; 2],
}

pub fn state_dir(out: &Path) -> PathBuf {
    out.join(STATE_DIR)
}

pub fn load(out: &Path) -> Result<Option<Checkpoint>> {
    let path = state_dir(out).join("checkpoint.json");
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Run(format!(
                "{} is damaged; start over with --force: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Write the checkpoint atomically: to a temporary file, synced, then renamed.
pub fn save(out: &Path, cp: &Checkpoint) -> Result<()> {
    let dir = state_dir(out);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join("checkpoint.json.tmp");
    let mut f = fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    serde_json::to_writer(&mut f, cp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(b"\n")
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, dir.join("checkpoint.json"))
        .with_context(|| format!("renaming {}", tmp.display()))?;
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Delete what a crashed run left past its checkpoint: `.tmp` parts and parts numbered
/// `next_part` or above, in each output folder.
pub fn clean_after(out: &Path, next_part: u32) -> Result<()> {
    for sub in ["kept", "dropped", "rejected"] {
        let dir = out.join(sub);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let leftover = if name.starts_with(".part-") && name.ends_with(".tmp") {
                true
            } else if let Some(num) = name.strip_prefix("part-").and_then(|r| r.get(..5)) {
                num.parse::<u32>().is_ok_and(|n| n >= next_part)
            } else {
                false
            };
            if leftover {
                fs::remove_file(entry.path())
                    .with_context(|| format!("removing {}", entry.path().display()))?;
            }
        }
    }
    Ok(())
}

/// Exclusive use of an output folder while a run writes to it; released on drop.
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Take the lock, or fail naming the run that holds it. A lock left by a process that no
    /// longer exists (a crash) is taken over.
    pub fn acquire(out: &Path) -> Result<Lock> {
        let dir = state_dir(out);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("lock");
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id())
                        .with_context(|| format!("writing {}", path.display()))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path).unwrap_or_default();
                    let pid = holder.trim().parse::<u32>().ok();
                    let alive = pid.is_some_and(|p| {
                        p != std::process::id() && Path::new(&format!("/proc/{p}")).exists()
                    });
                    if alive {
                        return Err(Error::Run(format!(
                            "{} is in use by another millstone run (pid {}); wait for it or choose another -o",
                            out.display(),
                            pid.unwrap_or(0)
                        )));
                    }
                    // Stale: its process is gone. Remove and try once more.
                    let _ = fs::remove_file(&path);
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
        Err(Error::Run(format!(
            "could not take the lock {}",
            path.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
