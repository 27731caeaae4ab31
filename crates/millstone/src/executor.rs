//! The executor: stream records from the inputs, run the pipeline over batches in parallel, and
//! write kept / dropped / rejected records in input order.
//!
//! Determinism: documents are processed in batches; within a batch rayon may process them in any
//! order, but results are written in input order and stats are plain sums, so every output file
//! and `stats.json` is byte-identical whatever `--threads` is.
//!
//! Memory: one reader thread fills batches of bounded size and hands them over a bounded
//! channel, so at most a few batches are alive at once, whatever the input size.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use millstone_core::{Document, Map, Rejection, RunStats, Stage, Value, Verdict};
use millstone_io::{InputFile, ReadOptions, Record};
use rayon::prelude::*;

use crate::output::{OutputConfig, Outputs};
use crate::pipeline::Pipeline;

/// Everything `millstone run` needs besides the pipeline.
pub struct RunOptions {
    pub inputs: Vec<String>,
    pub out_dir: PathBuf,
    pub threads: usize,
    pub read: ReadOptions,
    pub output: OutputConfig,
    /// Replace existing outputs in `out_dir`.
    pub force: bool,
    /// Draw a progress bar (only when stderr is a terminal).
    pub progress: bool,
}

/// What a run did, for the console summary.
pub struct RunReport {
    pub stats: RunStats,
    pub elapsed: Duration,
    pub inputs: usize,
}

/// Batches are cut at whichever limit comes first; the limits grow with the thread count so
/// each worker gets a few hundred documents per batch. Batches are small on purpose: at most
/// about six are alive at once (two queued for the workers, one being processed, two queued
/// for the writer, one being written), and that in-flight memory is reached within the first
/// few megabytes of input, so peak memory does not grow with the input.
fn batch_limits(threads: usize) -> (usize, usize) {
    let t = threads.max(2);
    (256 * t, (2 << 20) * t)
}

enum Item {
    Doc {
        doc: Document,
        read_bytes: usize,
        /// The stage index and reason that dropped it.
        drop: Option<(usize, std::borrow::Cow<'static, str>)>,
        /// Its output line, encoded on the worker (JSONL output only).
        encoded: Option<Result<Vec<u8>>>,
    },
    Rejected(Rejection),
}

pub fn run(pipeline: &Pipeline, opts: &RunOptions) -> Result<RunReport> {
    let started = Instant::now();
    let inputs = millstone_io::expand_inputs(&opts.inputs).context("listing inputs")?;
    if inputs.is_empty() {
        bail!("no input files found in {:?}", opts.inputs);
    }
    prepare_out_dir(&opts.out_dir, opts.force)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .thread_name(|i| format!("millstone-worker-{i}"))
        .build()
        .context("starting worker threads")?;

    let names: Vec<&str> = pipeline.names().collect();
    let mut total = RunStats::for_stages(names.iter().copied());
    let outputs = Outputs::create(&opts.out_dir, &opts.output)?;
    let progress = Progress::new(opts.progress, inputs.len());

    let encoder = outputs.encoder();
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<Item>)>(1);
    let read_opts = opts.read.clone();
    let threads = opts.threads;
    let reader = std::thread::Builder::new()
        .name("millstone-reader".into())
        .spawn(move || read_batches(&inputs, &read_opts, batch_limits(threads), tx))
        .context("starting the reader thread")?;

    // Three stages overlap: the reader parses batch k+1 while the workers process batch k and
    // the writer compresses and writes batch k-1. Each hand-over is a bounded channel.
    let (to_writer, from_workers) = mpsc::sync_channel::<Vec<Item>>(1);
    let names_ref = &names;
    std::thread::scope(|scope| -> Result<()> {
        let writer = std::thread::Builder::new()
            .name("millstone-writer".into())
            .spawn_scoped(scope, move || {
                write_batches(outputs, names_ref, from_workers)
            })
            .context("starting the writer thread")?;
        for (files_done, mut batch) in rx {
            let stats = pool.install(|| {
                batch
                    .par_iter_mut()
                    .fold(
                        || RunStats::for_stages(names.iter().copied()),
                        |mut stats, item| {
                            process_item(&pipeline.stages, item, &mut stats);
                            if let (
                                Some(enc),
                                Item::Doc {
                                    doc, drop, encoded, ..
                                },
                            ) = (&encoder, item)
                            {
                                let drop = drop.as_ref().map(|(i, r)| (names[*i], r.as_ref()));
                                *encoded = Some(crate::output::encode(enc, doc, drop));
                            }
                            stats
                        },
                    )
                    .reduce(
                        || RunStats::for_stages(names.iter().copied()),
                        |mut a, b| {
                            a += &b;
                            a
                        },
                    )
            });
            total += &stats;
            progress.update(files_done, &total);
            if to_writer.send(batch).is_err() {
                break; // the writer failed: its error is reported below
            }
        }
        drop(to_writer);
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
    })?;
    let inputs_n = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
    progress.finish();
    total.check_accounting()?;
    write_stats(&opts.out_dir.join("stats.json"), &total)?;
    Ok(RunReport {
        stats: total,
        elapsed: started.elapsed(),
        inputs: inputs_n,
    })
}

/// The writer thread: every processed batch, in order, to kept/, dropped/ and rejected/.
fn write_batches(
    mut outputs: Outputs,
    names: &[&str],
    batches: mpsc::Receiver<Vec<Item>>,
) -> Result<()> {
    for batch in batches {
        for item in batch {
            match item {
                Item::Doc {
                    doc, drop, encoded, ..
                } => {
                    let drop = drop.as_ref().map(|(i, r)| (names[*i], r.as_ref()));
                    let encoded = encoded.transpose()?;
                    outputs.write_doc(&doc, drop, encoded.as_deref())?
                }
                Item::Rejected(r) => outputs.write_rejected(&r)?,
            }
        }
    }
    outputs.finish()
}

/// Run one document through the stages, recording where it stopped.
fn process_item(stages: &[Box<dyn Stage>], item: &mut Item, stats: &mut RunStats) {
    let Item::Doc {
        doc,
        read_bytes,
        drop,
        ..
    } = item
    else {
        let Item::Rejected(r) = item else {
            unreachable!()
        };
        stats.read.add(0);
        stats.rejected.add(0);
        *stats.rejected_by.entry(r.kind).or_default() += 1;
        return;
    };
    stats.read.add(*read_bytes);
    for (i, stage) in stages.iter().enumerate() {
        let st = &mut stats.stages[i].1;
        st.seen += 1;
        match stage.process(doc, st) {
            Verdict::Keep => st.kept += 1,
            Verdict::Drop(reason) => {
                *st.dropped.entry(reason.to_string()).or_default() += 1;
                stats.dropped.add(*read_bytes);
                *drop = Some((i, reason));
                return;
            }
        }
    }
    stats.kept.add(doc.len_bytes());
    if let Some(words) = doc.cached_words() {
        stats.kept_words += words.len() as u64;
        stats.kept_words_documents += 1;
    }
}

/// The reader thread: every input in order, cut into batches. Returns the number of inputs.
fn read_batches(
    inputs: &[InputFile],
    opts: &ReadOptions,
    (batch_docs, batch_bytes): (usize, usize),
    tx: mpsc::SyncSender<(usize, Vec<Item>)>,
) -> usize {
    let mut batch = Vec::with_capacity(batch_docs);
    let mut bytes = 0usize;
    for (i, input) in inputs.iter().enumerate() {
        for record in millstone_io::read(input, opts) {
            let item = match record {
                Record::Doc(doc) => {
                    let n = doc.len_bytes();
                    bytes += n;
                    Item::Doc {
                        doc,
                        read_bytes: n,
                        drop: None,
                        encoded: None,
                    }
                }
                Record::Rejected(r) => Item::Rejected(r),
            };
            batch.push(item);
            if batch.len() >= batch_docs || bytes >= batch_bytes {
                if tx.send((i, std::mem::take(&mut batch))).is_err() {
                    return i;
                }
                bytes = 0;
            }
        }
        // Flush at each file end so progress by file is exact.
        if tx.send((i + 1, std::mem::take(&mut batch))).is_err() {
            return i;
        }
        bytes = 0;
    }
    inputs.len()
}

/// Create the output folder; refuse to mix with an earlier run's outputs unless `force`.
fn prepare_out_dir(dir: &Path, force: bool) -> Result<()> {
    const OURS: [&str; 4] = ["kept", "dropped", "rejected", "stats.json"];
    let existing: Vec<_> = OURS.iter().filter(|n| dir.join(n).exists()).collect();
    if !existing.is_empty() {
        if !force {
            bail!(
                "{} already holds the outputs of a run ({}); choose another -o or pass --force to replace them",
                dir.display(),
                existing.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
            );
        }
        for name in existing {
            let p = dir.join(name);
            if p.is_dir() {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            }
            .with_context(|| format!("removing {}", p.display()))?;
        }
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

fn write_stats(path: &Path, stats: &RunStats) -> Result<()> {
    let mut text = serde_json::to_string_pretty(&stats_value(stats))?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// `stats.json`: the run's totals, per-stage counts in pipeline order, and rejections by kind.
pub fn stats_value(stats: &RunStats) -> Value {
    let stages: Vec<Value> = stats
        .stages
        .iter()
        .map(|(name, s)| {
            let mut m = Map::new();
            m.insert("name".into(), name.clone().into());
            m.insert("seen".into(), s.seen.into());
            m.insert("kept".into(), s.kept.into());
            m.insert("dropped".into(), s.dropped_total().into());
            m.insert(
                "dropped_by_reason".into(),
                serde_json::to_value(&s.dropped).unwrap_or_default(),
            );
            if !s.counters.is_empty() {
                m.insert(
                    "counters".into(),
                    serde_json::to_value(&s.counters).unwrap_or_default(),
                );
            }
            Value::Object(m)
        })
        .collect();
    serde_json::json!({
        "documents": {
            "read": stats.read.documents,
            "kept": stats.kept.documents,
            "dropped": stats.dropped.documents,
            "rejected": stats.rejected.documents,
        },
        "bytes": {
            "read": stats.read.bytes,
            "kept": stats.kept.bytes,
            "dropped": stats.dropped.bytes,
        },
        "words": {
            "kept": stats.kept_words,
            "kept_documents_counted": stats.kept_words_documents,
        },
        "dropped_by": stats.dropped_by(),
        "rejected_by": stats.rejected_by.iter().map(|(k, v)| (k.as_str().to_owned(), Value::from(*v))).collect::<Map>(),
        "stages": stages,
    })
}

/// Progress on stderr: files, documents/s, MB/s, share kept.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    fn new(enabled: bool, files: usize) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(files as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] files {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    fn update(&self, files_done: usize, stats: &RunStats) {
        let Some(bar) = &self.bar else { return };
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let docs = stats.read.documents;
        let kept = if docs == 0 {
            0.0
        } else {
            100.0 * stats.kept.documents as f64 / docs as f64
        };
        bar.set_position(files_done as u64);
        bar.set_message(format!(
            "{docs} docs  {:.0} docs/s  {:.1} MB/s  {kept:.1}% kept  {} rejected",
            docs as f64 / secs,
            stats.read.bytes as f64 / 1e6 / secs,
            stats.rejected.documents,
        ));
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
