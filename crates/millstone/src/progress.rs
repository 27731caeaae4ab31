//! Progress of a run on stderr: a bar with the share of input bytes read and an ETA when stderr
//! is a terminal, plain periodic lines otherwise (Slurm, nohup and CI logs keep them).
//!
//! The share is of the input files' bytes on disk (compressed, as stored): files already read
//! count whole; for the file being read, where the reader's open handle of it stands (read from
//! `/proc/self/fdinfo` on Linux; elsewhere the file counts once it is done). The reader runs up
//! to a few batches (about 12 MB of text) ahead of what is written, so on small inputs the share
//! leads the document counts; it never goes back (when the reader has closed a file it is still
//! delivering, the share stays where it was).
//!
//! The corpus passes get a spinner with files done (on a terminal only). The engine calls all of
//! this through its `Progress` trait. Not here: the final summary (`main.rs`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use millstone_core::RunStats;
use millstone_io::InputFile;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProgressMode {
    /// Nothing (`--quiet`).
    Off,
    /// A bar on a terminal; when stderr is not one, a line every this often.
    On { every: Duration },
}

enum Show {
    Off,
    Bar(ProgressBar),
    Lines {
        every: Duration,
        /// When the last line was printed.
        last: Mutex<Option<Instant>>,
    },
}

/// Progress of a run: the corpus passes' spinners, then the main pass over the inputs.
pub struct Progress {
    mode: ProgressMode,
    /// Made when the main pass starts (after the corpus passes' spinners).
    show: OnceLock<Show>,
    /// Whether anything is shown (corpus passes only on a terminal).
    enabled: bool,
    /// The running corpus pass's spinner.
    pass_bar: Mutex<Option<ProgressBar>>,
    started: OnceLock<Instant>,
    /// Each input's path (made absolute, as `/proc` shows it) and size.
    files: Vec<(PathBuf, u64)>,
    /// Bytes of the inputs before each one.
    before: Vec<u64>,
    total: u64,
    /// The largest share reported so far: the reader may close a file before its last
    /// records are written, and progress never goes back.
    reported: AtomicU64,
}

impl Progress {
    pub fn new(mode: ProgressMode, inputs: &[InputFile]) -> Self {
        let files: Vec<(PathBuf, u64)> = inputs
            .iter()
            .map(|f| {
                let size = std::fs::metadata(&f.path).map_or(0, |m| m.len());
                (
                    std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()),
                    size,
                )
            })
            .collect();
        let before = files
            .iter()
            .scan(0u64, |sum, (_, size)| {
                let b = *sum;
                *sum += size;
                Some(b)
            })
            .collect();
        let total = files.iter().map(|(_, s)| s).sum();
        Progress {
            mode,
            show: OnceLock::new(),
            enabled: mode != ProgressMode::Off,
            pass_bar: Mutex::new(None),
            started: OnceLock::new(),
            files,
            before,
            total,
            reported: AtomicU64::new(0),
        }
    }

    /// The main pass starts: its bar (or its lines) from now on.
    fn start(&self) {
        self.started.get_or_init(Instant::now);
        self.show.get_or_init(|| self.make_show());
    }

    fn make_show(&self) -> Show {
        let total = self.total;
        match self.mode {
            ProgressMode::Off => Show::Off,
            ProgressMode::On { .. } if std::io::stderr().is_terminal() => {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {percent:>3}% of input, ETA {eta} {wide_msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.enable_steady_tick(Duration::from_millis(200));
                Show::Bar(bar)
            }
            ProgressMode::On { every } => Show::Lines {
                every,
                last: Mutex::new(None),
            },
        }
    }

    /// Input bytes read once `files_done` inputs are done and the next is being read.
    fn bytes_done(&self, files_done: usize) -> u64 {
        let now = match self.files.get(files_done) {
            None => self.total,
            Some((path, size)) => {
                self.before[files_done] + read_position(path).unwrap_or(0).min(*size)
            }
        };
        self.reported.fetch_max(now, Ordering::Relaxed).max(now)
    }
}

impl millstone_engine::Progress for Progress {
    fn pass_started(&self, describe: &str, inputs: usize) {
        let bar = (self.enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(inputs as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] files {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar.set_message(describe.to_owned());
            bar
        });
        *self.pass_bar.lock().unwrap_or_else(|e| e.into_inner()) = bar;
    }

    fn pass_inputs_done(&self, done: usize) {
        if let Some(bar) = &*self.pass_bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.set_position(done as u64);
        }
    }

    fn pass_finished(&self) {
        if let Some(bar) = self
            .pass_bar
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            bar.finish_and_clear();
        }
    }

    fn main_started(&self) {
        self.start();
    }

    /// After each written batch: `files_done` inputs are read completely.
    fn update(&self, files_done: usize, stats: &RunStats) {
        self.start();
        let elapsed = self.started.get().map_or(Duration::ZERO, Instant::elapsed);
        match self.show.get().unwrap_or(&Show::Off) {
            Show::Off => {}
            Show::Bar(bar) => {
                let secs = elapsed.as_secs_f64().max(1e-9);
                let docs = stats.read.documents;
                let kept = if docs == 0 {
                    0.0
                } else {
                    100.0 * stats.kept.documents as f64 / docs as f64
                };
                bar.set_position(self.bytes_done(files_done));
                bar.set_message(format!(
                    "files {files_done}/{}  {docs} docs  {:.0} docs/s  {:.1} MB/s  {kept:.1}% kept  {} rejected",
                    self.files.len(),
                    docs as f64 / secs,
                    stats.read.bytes as f64 / 1e6 / secs,
                    stats.rejected.documents,
                ));
            }
            Show::Lines { every, last } => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                let due = last.is_none_or(|t| t.elapsed() >= *every);
                if due {
                    *last = Some(Instant::now());
                    eprintln!(
                        "{}",
                        line(
                            elapsed,
                            stats.read.documents,
                            stats.read.bytes,
                            self.bytes_done(files_done),
                            self.total
                        )
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(Show::Bar(bar)) = self.show.get() {
            bar.finish_and_clear();
        }
    }
}

/// One plain progress line.
fn line(elapsed: Duration, docs: u64, text_bytes: u64, done: u64, total: u64) -> String {
    let secs = elapsed.as_secs_f64();
    let share = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    let eta = if share > 0.0 && share < 1.0 {
        clock(Duration::from_secs_f64(secs * (1.0 - share) / share))
    } else if share >= 1.0 {
        clock(Duration::ZERO)
    } else {
        "?".to_owned()
    };
    format!(
        "progress: {} elapsed, {docs} docs, {:.1} MB, {:.0} docs/s, {:.1}% of input bytes, ETA {eta}",
        clock(elapsed),
        text_bytes as f64 / 1e6,
        docs as f64 / secs.max(1e-9),
        100.0 * share,
    )
}

/// `H:MM:SS`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Where this process's open handle of `path` stands (the largest, if it is open more than
/// once), from `/proc/self/fdinfo`; `None` where that is not available or the file is not open.
fn read_position(path: &Path) -> Option<u64> {
    let mut best = None;
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        if std::fs::read_link(entry.path()).ok().as_deref() != Some(path) {
            continue;
        }
        let info = std::fs::read_to_string(Path::new("/proc/self/fdinfo").join(entry.file_name()));
        let pos = info.ok().and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("pos:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        best = best.max(pos);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_docs_mb_rate_share_and_eta() {
        let l = line(Duration::from_secs(100), 5000, 12_300_000, 250, 1000);
        assert_eq!(
            l,
            "progress: 0:01:40 elapsed, 5000 docs, 12.3 MB, 50 docs/s, 25.0% of input bytes, ETA 0:05:00"
        );
        let l = line(Duration::from_secs(3), 10, 0, 0, 1000);
        assert!(l.ends_with("0.0% of input bytes, ETA ?"), "{l}");
        let l = line(Duration::from_secs(3), 10, 0, 1000, 1000);
        assert!(l.ends_with("100.0% of input bytes, ETA 0:00:00"), "{l}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn position_of_an_open_file_is_read_from_proc() {
        use std::io::{Read, Seek, SeekFrom};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input.jsonl");
        std::fs::write(&path, vec![b'x'; 10_000]).unwrap();
        let path = std::fs::canonicalize(&path).unwrap();
        assert_eq!(read_position(&path), None);
        let mut f = std::fs::File::open(&path).unwrap();
        let mut buf = [0u8; 1234];
        f.read_exact(&mut buf).unwrap();
        assert_eq!(read_position(&path), Some(1234));
        f.seek(SeekFrom::Start(7000)).unwrap();
        assert_eq!(read_position(&path), Some(7000));
    }
}
