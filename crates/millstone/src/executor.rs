//! The executor: stream records from the inputs, run the pipeline over batches in parallel, and
//! write kept / dropped / rejected records in input order, with checkpoints to resume from.
//!
//! Determinism: batches are cut by fixed limits (not by thread count); within a batch rayon may
//! process documents in any order, but results are written in input order, parts are closed at
//! batch ends chosen by bytes written, and stats are plain sums — so every output file and
//! `stats.json` is byte-identical whatever `--threads` is, and whether or not the run was
//! interrupted and resumed (see [`crate::checkpoint`]).
//!
//! Memory: a reader thread fills small batches, the workers process one, a writer thread writes
//! the previous one; every hand-over is a one-slot channel, so a handful of batches are alive at
//! once, whatever the input size.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use millstone_core::{Document, Map, Rejection, RunStats, Stage, Value, Verdict};
use millstone_io::{InputFile, ReadOptions, Record, Skipped, SkippedInput};
use rayon::prelude::*;

use crate::checkpoint::{self, Checkpoint, Lock};
use crate::output::{OutputConfig, Outputs};
use crate::pipeline::Pipeline;
use crate::progress::{Progress, ProgressMode};

/// Everything `millstone run` needs besides the pipeline.
pub struct RunOptions {
    pub inputs: Vec<String>,
    pub out_dir: PathBuf,
    pub threads: usize,
    pub read: ReadOptions,
    pub output: OutputConfig,
    /// Replace existing outputs in `out_dir`.
    pub force: bool,
    /// Continue an interrupted run in `out_dir` (or start one if there is none).
    pub resume: bool,
    /// A progress bar on a terminal, periodic lines otherwise, or nothing.
    pub progress: ProgressMode,
    /// The run's configuration as data (pipeline, options): stored in checkpoints so that a
    /// resume with different settings is refused.
    pub config: Value,
}

/// What a run did, for the console summary.
pub struct RunReport {
    pub stats: RunStats,
    pub elapsed: Duration,
    pub inputs: usize,
    /// The output folder already held this run, complete: nothing was done.
    pub already_complete: bool,
    /// What folder walks passed over, and why.
    pub skipped_inputs: Vec<SkippedInput>,
}

/// The stage a pipeline needs to read HTML (WARC responses, ARC records, HTML files).
pub const HTML_STAGE: &str = "html_extract";

/// Batch limits: whichever comes first. Fixed (not scaled by thread count) because part
/// boundaries fall on batch ends, and output must not depend on `--threads`. Small on purpose:
/// with ~6 batches alive at once, peak memory is reached within the first megabytes of input.
const BATCH_DOCS: usize = 512;
const BATCH_BYTES: usize = 4 << 20;

// Documents are the common case: boxing them to shrink the rare rejection would cost an
// allocation per document.
#[allow(clippy::large_enum_variant)]
enum Item {
    Doc {
        doc: Document,
        read_bytes: usize,
        /// The stage index and reason that dropped it.
        drop: Option<(usize, millstone_core::DropReason)>,
        /// Its output line, encoded on the worker (JSONL output only).
        encoded: Option<Result<Vec<u8>>>,
    },
    Rejected(Rejection),
    /// A WARC/ARC record that is no document: counted only.
    Skipped(Skipped),
}

/// A batch and where it ends in the input: `records_end` records of input `input` are read.
struct Batch {
    items: Vec<Item>,
    input: usize,
    records_end: u64,
    /// Inputs fully read once this batch is done (for progress).
    files_done: usize,
}

/// Where reading starts: input index and records of it to skip.
#[derive(Clone, Copy, Default)]
struct Position {
    input: usize,
    record: u64,
}

pub fn run(pipeline: &Pipeline, opts: &RunOptions) -> Result<RunReport> {
    let started = Instant::now();
    let expanded = millstone_io::expand_inputs_report(&opts.inputs).context("listing inputs")?;
    let (inputs, skipped_inputs) = (expanded.files, expanded.skipped);
    if inputs.is_empty() {
        bail!("no input files found in {:?}", opts.inputs);
    }
    check_html_stage(pipeline, &inputs)?;
    let input_list: Vec<String> = inputs
        .iter()
        .map(|i| i.path.display().to_string())
        .collect();
    let mut config = opts.config.clone();
    if let Value::Object(m) = &mut config {
        m.insert("inputs".into(), Value::from(input_list));
    }
    let names: Vec<&str> = pipeline.names().collect();

    let _lock = prepare_out_dir(&opts.out_dir, opts.force, opts.resume)?;
    let resumed = if opts.resume {
        checkpoint::load(&opts.out_dir)?
    } else {
        None
    };
    if let Some(cp) = &resumed {
        if cp.config != config {
            bail!(
                "{} holds a run with other inputs or settings; resume it with the same command, or pass --force to start over",
                opts.out_dir.display()
            );
        }
        if cp.complete {
            return Ok(RunReport {
                stats: cp.stats.clone(),
                elapsed: started.elapsed(),
                inputs: inputs.len(),
                already_complete: true,
                skipped_inputs,
            });
        }
    }
    let (start, mut next_part, mut total) = match &resumed {
        Some(cp) => {
            checkpoint::clean_after(&opts.out_dir, cp.next_part)?;
            (
                Position {
                    input: cp.input,
                    record: cp.record,
                },
                cp.next_part,
                cp.stats.clone(),
            )
        }
        None => {
            checkpoint::clean_after(&opts.out_dir, 0)?;
            (
                Position::default(),
                0,
                RunStats::for_stages(names.iter().copied()),
            )
        }
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .thread_name(|i| format!("millstone-worker-{i}"))
        .build()
        .context("starting worker threads")?;
    // Stages that need the whole corpus first (cross-document line counts) get their pass now,
    // before anything is written. It is redone on resume: counting is deterministic.
    run_corpus_passes(
        &pipeline.stages,
        &inputs,
        &opts.read,
        &pool,
        opts.progress != ProgressMode::Off,
        &opts.out_dir,
    )?;
    let mut outputs = Outputs::create(&opts.out_dir, &opts.output)?;
    outputs.set_next_part(next_part);
    if let Some(cp) = &resumed {
        outputs.set_layouts(&cp.layouts)?;
    }
    let progress = Progress::new(opts.progress, &inputs);
    let encoder = outputs.encoder();

    let (tx, rx) = mpsc::sync_channel::<Batch>(1);
    let read_opts = opts.read.clone();
    let inputs_n = inputs.len();
    let reader = std::thread::Builder::new()
        .name("millstone-reader".into())
        .spawn(move || read_batches(&inputs, &read_opts, start, tx))
        .context("starting the reader thread")?;

    // Three stages overlap: the reader parses batch k+1 while the workers process batch k and
    // the writer compresses and writes batch k-1. Each hand-over is a one-slot channel.
    let (to_writer, from_workers) = mpsc::sync_channel::<(Batch, RunStats)>(1);
    let writer_ctx = WriterCtx {
        names: &names,
        out_dir: &opts.out_dir,
        config: &config,
        shard_size: opts.output.shard_size,
        progress: &progress,
    };
    let (total, next_part) = std::thread::scope(|scope| -> Result<(RunStats, u32)> {
        let writer = std::thread::Builder::new()
            .name("millstone-writer".into())
            .spawn_scoped(scope, move || {
                write_batches(
                    &mut outputs,
                    &writer_ctx,
                    &mut next_part,
                    &mut total,
                    from_workers,
                )?;
                outputs.finish()?;
                Ok((total, next_part))
            })
            .context("starting the writer thread")?;
        for mut batch in rx {
            let stats = pool.install(|| {
                batch
                    .items
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
                                let drop = drop.as_ref().map(|(i, r)| (names[*i], r));
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
            if to_writer.send((batch, stats)).is_err() {
                break; // the writer failed: its error is reported below
            }
        }
        drop(to_writer);
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
    })?;
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
    progress.finish();
    total.check_accounting()?;
    write_stats(&opts.out_dir.join("stats.json"), &total, &skipped_inputs)?;
    checkpoint::save(
        &opts.out_dir,
        &Checkpoint {
            version: 1,
            config,
            next_part,
            input: inputs_n,
            record: 0,
            stats: total.clone(),
            complete: true,
            layouts: [None, None],
        },
    )?;
    Ok(RunReport {
        stats: total,
        elapsed: started.elapsed(),
        inputs: inputs_n,
        already_complete: false,
        skipped_inputs,
    })
}

/// HTML input (WARC responses, ARC records, HTML files) without an `html_extract` stage would
/// give documents of raw tags: refuse before the run, naming the stage to add.
fn check_html_stage(pipeline: &Pipeline, inputs: &[InputFile]) -> Result<()> {
    let Some(html) = inputs.iter().find(|i| i.kind.is_html()) else {
        return Ok(());
    };
    if pipeline.names().any(|n| n == HTML_STAGE) {
        return Ok(());
    }
    bail!(
        "{} holds HTML ({:?} input), but the pipeline has no `{HTML_STAGE}` stage: its documents \
         would be raw tags. Add it first in the pipeline file:\n  [[stage]]\n  type = \"{HTML_STAGE}\"",
        html.path.display(),
        html.kind
    )
}

/// What the writer thread needs besides the outputs.
struct WriterCtx<'a> {
    names: &'a [&'a str],
    out_dir: &'a Path,
    config: &'a Value,
    shard_size: u64,
    progress: &'a Progress,
}

/// The writer thread: every processed batch, in order, to kept/, dropped/ and rejected/. Once
/// `shard_size` bytes were written since the last epoch, all parts are closed and a checkpoint
/// is saved; the last epoch is closed when the input ends.
fn write_batches(
    outputs: &mut Outputs,
    ctx: &WriterCtx<'_>,
    next_part: &mut u32,
    total: &mut RunStats,
    batches: mpsc::Receiver<(Batch, RunStats)>,
) -> Result<()> {
    let mut epoch_bytes = 0u64;
    let mut position = None;
    for (batch, stats) in batches {
        for item in batch.items {
            match item {
                Item::Doc {
                    doc, drop, encoded, ..
                } => {
                    let drop = drop.as_ref().map(|(i, r)| (ctx.names[*i], r));
                    let encoded = encoded.transpose()?;
                    epoch_bytes += encoded.as_ref().map_or(doc.len_bytes(), Vec::len) as u64;
                    outputs.write_doc(&doc, drop, encoded.as_deref())?
                }
                Item::Rejected(r) => {
                    epoch_bytes += (r.excerpt.len() + r.error.len()) as u64;
                    outputs.write_rejected(&r)?
                }
                Item::Skipped(_) => {}
            }
        }
        *total += &stats;
        ctx.progress.update(batch.files_done, total);
        position = Some((batch.input, batch.records_end));
        if epoch_bytes >= ctx.shard_size {
            close_epoch(
                outputs,
                ctx,
                next_part,
                total,
                (batch.input, batch.records_end),
            )?;
            epoch_bytes = 0;
        }
    }
    if epoch_bytes > 0 {
        if let Some(pos) = position {
            close_epoch(outputs, ctx, next_part, total, pos)?;
        }
    }
    Ok(())
}

/// Close every open part (renaming it into place), then record the checkpoint.
fn close_epoch(
    outputs: &mut Outputs,
    ctx: &WriterCtx<'_>,
    next_part: &mut u32,
    total: &RunStats,
    (input, record): (usize, u64),
) -> Result<()> {
    outputs.end_parts()?;
    let layouts = outputs.layouts();
    *next_part += 1;
    outputs.set_next_part(*next_part);
    checkpoint::save(
        ctx.out_dir,
        &Checkpoint {
            version: 1,
            config: ctx.config.clone(),
            next_part: *next_part,
            input,
            record,
            stats: total.clone(),
            complete: false,
            layouts,
        },
    )
}

/// For each stage that asks for a corpus pass: read every input, run each document through the
/// stages before it, and show what reaches it to the pass. Nothing is written.
fn run_corpus_passes(
    stages: &[Box<dyn Stage>],
    inputs: &[InputFile],
    read: &ReadOptions,
    pool: &rayon::ThreadPool,
    show_progress: bool,
    out_dir: &Path,
) -> Result<()> {
    for (k, stage) in stages.iter().enumerate() {
        let Some(pass) = stage.corpus_pass() else {
            continue;
        };
        let bar = files_bar(show_progress, inputs.len(), "{msg}");
        if let Some(bar) = &bar {
            bar.set_message(pass.describe().to_owned());
        }
        let (tx, rx) = mpsc::sync_channel::<Batch>(1);
        std::thread::scope(|scope| -> Result<()> {
            let reader = std::thread::Builder::new()
                .name("millstone-reader".into())
                .spawn_scoped(scope, move || {
                    read_batches(inputs, read, Position::default(), tx)
                })
                .context("starting the reader thread")?;
            for mut batch in rx {
                pool.install(|| {
                    batch.items.par_iter_mut().for_each(|item| {
                        let Item::Doc { doc, .. } = item else { return };
                        let mut scratch = millstone_core::StageStats::default();
                        for before in &stages[..k] {
                            if !before.process(doc, &mut scratch).is_keep() {
                                return;
                            }
                        }
                        pass.observe(doc);
                    })
                });
                if let Some(bar) = &bar {
                    bar.set_position(batch.files_done as u64);
                }
            }
            reader
                .join()
                .map_err(|_| anyhow::anyhow!("the reader thread panicked"))
        })?;
        pass.finish();
        pass.write_outputs(out_dir).with_context(|| {
            format!(
                "{}: writing its outputs to {}",
                stage.name(),
                out_dir.display()
            )
        })?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }
    Ok(())
}

/// Run one document through the stages, recording where it stopped.
fn process_item(stages: &[Box<dyn Stage>], item: &mut Item, stats: &mut RunStats) {
    let (doc, read_bytes, drop) = match item {
        Item::Doc {
            doc,
            read_bytes,
            drop,
            ..
        } => (doc, read_bytes, drop),
        Item::Rejected(r) => {
            stats.read.add(0);
            stats.rejected.add(0);
            *stats.rejected_by.entry(r.kind).or_default() += 1;
            return;
        }
        Item::Skipped(s) => {
            stats.count_skipped(s.record_type, &s.reason);
            return;
        }
    };
    if !doc.source.record_type.is_empty() {
        stats.count_record(doc.source.record_type);
    }
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
/// The reader thread: every input in order from `start`, cut into batches.
fn read_batches(
    inputs: &[InputFile],
    opts: &ReadOptions,
    start: Position,
    tx: mpsc::SyncSender<Batch>,
) {
    for (i, input) in inputs.iter().enumerate().skip(start.input) {
        let skip = if i == start.input { start.record } else { 0 };
        let mut batch = Vec::with_capacity(BATCH_DOCS);
        let mut bytes = 0usize;
        // `records`: how many records of this input are accounted for once this one is.
        for (records, record) in
            (skip + 1..).zip(millstone_io::read(input, opts).skip(skip as usize))
        {
            batch.push(match record {
                Record::Doc(mut doc) => {
                    doc.source.input = i as u32;
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
                Record::Skipped(s) => Item::Skipped(s),
            });
            if batch.len() >= BATCH_DOCS || bytes >= BATCH_BYTES {
                let items = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_DOCS));
                if tx
                    .send(Batch {
                        items,
                        input: i,
                        records_end: records,
                        files_done: i,
                    })
                    .is_err()
                {
                    return;
                }
                bytes = 0;
            }
        }
        // Flush at each file end, so a batch never spans two inputs.
        if tx
            .send(Batch {
                items: batch,
                input: i + 1,
                records_end: 0,
                files_done: i + 1,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Check the output folder: refuse to mix with an earlier run's outputs unless `force` (which
/// deletes them) or `resume` (which continues them); then take its lock.
fn prepare_out_dir(dir: &Path, force: bool, resume: bool) -> Result<Lock> {
    const OURS: [&str; 6] = [
        "kept",
        "dropped",
        "rejected",
        "stats.json",
        "clusters.jsonl",
        ".millstone",
    ];
    let existing: Vec<&str> = OURS
        .iter()
        .copied()
        .filter(|n| dir.join(n).exists())
        .collect();
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if existing.is_empty() {
        return Lock::acquire(dir);
    }
    if resume {
        return Lock::acquire(dir);
    }
    if !force {
        bail!(
            "{} already holds the outputs of a run ({}); pass --resume to continue an interrupted run, --force to replace it, or choose another -o",
            dir.display(),
            existing.join(", ")
        );
    }
    let lock = Lock::acquire(dir)?;
    for name in existing {
        let p = dir.join(name);
        if name == ".millstone" {
            let _ = fs::remove_file(p.join("checkpoint.json"));
            continue;
        }
        if p.is_dir() {
            fs::remove_dir_all(&p)
        } else {
            fs::remove_file(&p)
        }
        .with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(lock)
}

fn write_stats(path: &Path, stats: &RunStats, skipped_inputs: &[SkippedInput]) -> Result<()> {
    let mut value = stats_value(stats);
    if let Value::Object(m) = &mut value {
        if !stats.records.is_empty() {
            m.insert("records".into(), serde_json::to_value(&stats.records)?);
            m.insert("skipped".into(), serde_json::to_value(&stats.skipped)?);
        }
        if !skipped_inputs.is_empty() {
            let list: Vec<Value> = skipped_inputs
                .iter()
                .map(|s| serde_json::json!({"path": s.path.display().to_string(), "reason": s.reason}))
                .collect();
            m.insert("inputs_skipped".into(), Value::Array(list));
        }
    }
    let mut text = serde_json::to_string_pretty(&value)?;
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
    let mut value = serde_json::json!({
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
    });
    let warnings = stats.warnings();
    if let (false, Value::Object(m)) = (warnings.is_empty(), &mut value) {
        m.insert("warnings".into(), warnings.into());
    }
    value
}

/// A spinner with elapsed time and files done / all, then `message` (an indicatif template
/// field); `None` when not `enabled` or stderr is not a terminal.
fn files_bar(enabled: bool, files: usize, message: &str) -> Option<ProgressBar> {
    (enabled && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(files as u64);
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} [{{elapsed_precise}}] files {{pos}}/{{len}} {message}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    })
}
