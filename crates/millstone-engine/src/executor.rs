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
//!
//! The loop itself ([`execute`]) reads from a [`Source`] (numbered inputs, each a stream of
//! [`Record`]s) and writes to a [`Sink`] (kept, dropped, rejected, and an *epoch* hook where a
//! sink may make what it wrote durable); [`run`] is the file-to-folder run of `millstone run`
//! ([`FileSource`], [`DirSink`], checkpoints, `stats.json`). Progress display is the caller's,
//! through [`Progress`].

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use millstone_core::stats_file::SkippedPath;
use millstone_core::{Document, DropReason, Rejection, RunStats, Stage, StatsFile, Value, Verdict};
use millstone_io::{InputFile, JsonEncoder, ReadOptions, Record, Skipped, SkippedInput};
use rayon::prelude::*;

use crate::checkpoint::{self, Checkpoint, Lock};
use crate::error::{Context, Error, Result};
use crate::output::{OutputConfig, Outputs};
use crate::pipeline::Pipeline;

macro_rules! bail {
    ($($t:tt)*) => { return Err(Error::Run(format!($($t)*))) };
}

/// Where documents come from: numbered inputs (files, shards, batches), each a stream of records
/// read in order. Reading must be repeatable (a corpus pass reads every input once more).
pub trait Source: Sync {
    /// How many inputs there are.
    fn inputs(&self) -> usize;
    /// The records of input `i`, from the first.
    fn records(&self, i: usize) -> Box<dyn Iterator<Item = Record> + Send + '_>;
}

/// Input files read with the same options: what `millstone run` reads.
pub struct FileSource<'a> {
    pub files: &'a [InputFile],
    pub options: &'a ReadOptions,
}

impl Source for FileSource<'_> {
    fn inputs(&self) -> usize {
        self.files.len()
    }

    fn records(&self, i: usize) -> Box<dyn Iterator<Item = Record> + Send + '_> {
        millstone_io::read(&self.files[i], self.options)
    }
}

/// Documents already in memory, as one input.
pub struct DocsSource<'a>(pub &'a [Document]);

impl Source for DocsSource<'_> {
    fn inputs(&self) -> usize {
        1
    }

    fn records(&self, _: usize) -> Box<dyn Iterator<Item = Record> + Send + '_> {
        Box::new(self.0.iter().cloned().map(Record::Doc))
    }
}

/// Where processed records go, in input order.
pub trait Sink: Send {
    /// A JSONL encoder the worker threads may use to encode documents ahead of
    /// [`Sink::write_doc`]; `None` (the default) when the sink encodes itself.
    fn encoder(&self) -> Option<JsonEncoder> {
        None
    }
    /// A kept document (`drop` is `None`) or a dropped one (`Some((stage, reason))`); `encoded`
    /// is its line from [`Sink::encoder`], when there is one.
    fn write_doc(
        &mut self,
        doc: Document,
        drop: Option<(&str, &DropReason)>,
        encoded: Option<&[u8]>,
    ) -> Result<()>;
    /// A record that could not be read.
    fn write_rejected(&mut self, r: Rejection) -> Result<()>;
    /// Everything up to `position` is written and `stats` are the totals so far: a sink may close
    /// its parts and record a checkpoint here. Called every `epoch_bytes` of output and at the
    /// end.
    fn end_epoch(&mut self, _position: Position, _stats: &RunStats) -> Result<()> {
        Ok(())
    }
}

/// What a caller shows while the engine works (the binary draws bars and lines; a library user
/// may log). Every method has an empty default; calls come from the engine's threads.
pub trait Progress: Sync {
    /// A corpus pass (`describe`: what it does) starts reading `inputs` inputs.
    fn pass_started(&self, _describe: &str, _inputs: usize) {}
    /// The corpus pass has read `done` inputs.
    fn pass_inputs_done(&self, _done: usize) {}
    /// The corpus pass ended.
    fn pass_finished(&self) {}
    /// The main pass (processing and writing) starts.
    fn main_started(&self) {}
    /// The main pass wrote a batch: `done` inputs are fully read, `total` counts so far.
    fn update(&self, _done: usize, _total: &RunStats) {}
    /// The main pass ended.
    fn finish(&self) {}
}

/// Shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {}

/// Everything a file-to-folder run needs besides the pipeline.
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
pub(crate) enum Item {
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
pub(crate) struct Batch {
    items: Vec<Item>,
    input: usize,
    records_end: u64,
    /// Inputs fully read once this batch is done (for progress).
    files_done: usize,
}

/// A place in a [`Source`]: input index, and records of it already read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub input: usize,
    pub record: u64,
}

/// `millstone run`: read `opts.inputs`, run `pipeline`, write `opts.out_dir` (kept/, dropped/,
/// rejected/, `stats.json`, checkpoints; `--resume` continues from the last one).
/// `progress` is made once the inputs are listed.
pub fn run(
    pipeline: &Pipeline,
    opts: &RunOptions,
    progress: &dyn Fn(&[InputFile]) -> Box<dyn Progress>,
) -> Result<RunReport> {
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
    let (start, mut next_part, total) = match &resumed {
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
    let source = FileSource {
        files: &inputs,
        options: &opts.read,
    };
    let progress = progress(&inputs);
    // Stages that need the whole corpus first (cross-document line counts) get their pass now,
    // before anything is written. It is redone on resume: counting is deterministic.
    run_corpus_passes(&pipeline.stages, &source, &pool, &*progress)?;
    write_pass_outputs(&pipeline.stages, &opts.out_dir)?;
    let mut outputs = Outputs::create(&opts.out_dir, &opts.output)?;
    outputs.set_next_part(next_part);
    if let Some(cp) = &resumed {
        outputs.set_layouts(&cp.layouts)?;
    }
    let mut sink = DirSink {
        outputs: Some(outputs),
        out_dir: &opts.out_dir,
        config: &config,
        next_part: &mut next_part,
    };
    let total = execute(
        pipeline,
        &source,
        start,
        &mut sink,
        total,
        opts.output.shard_size,
        &pool,
        &*progress,
    )?;
    sink.finish()?;
    progress.finish();
    total.check_accounting()?;
    write_stats(&opts.out_dir.join("stats.json"), &total, &skipped_inputs)?;
    let inputs_n = inputs.len();
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

/// Run `pipeline` over `source` from `start` into `sink`, adding to `total` (the counts of what
/// was read before `start`), on `pool`: the reader, worker and writer loop. The sink's
/// [`Sink::end_epoch`] is called whenever `epoch_bytes` of output were written since the last
/// one, and once at the end if anything was written since. Corpus passes must have run.
#[allow(clippy::too_many_arguments)] // one call site per kind of run; a struct would only rename them
pub fn execute(
    pipeline: &Pipeline,
    source: &dyn Source,
    start: Position,
    sink: &mut dyn Sink,
    mut total: RunStats,
    epoch_bytes: u64,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<RunStats> {
    let names: Vec<&str> = pipeline.names().collect();
    let encoder = sink.encoder();
    progress.main_started();
    let (tx, rx) = mpsc::sync_channel::<Batch>(1);
    // Three stages overlap: the reader parses batch k+1 while the workers process batch k and
    // the writer compresses and writes batch k-1. Each hand-over is a one-slot channel.
    let (to_writer, from_workers) = mpsc::sync_channel::<(Batch, RunStats)>(1);
    std::thread::scope(|scope| -> Result<RunStats> {
        let reader = std::thread::Builder::new()
            .name("millstone-reader".into())
            .spawn_scoped(scope, move || read_batches(source, start, tx))
            .context("starting the reader thread")?;
        let names_w = &names;
        let writer = std::thread::Builder::new()
            .name("millstone-writer".into())
            .spawn_scoped(scope, move || {
                write_batches(
                    sink,
                    names_w,
                    epoch_bytes,
                    progress,
                    &mut total,
                    from_workers,
                )?;
                Ok::<_, Error>(total)
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
        let total = writer
            .join()
            .map_err(|_| Error::Run("the writer thread panicked".into()))??;
        reader
            .join()
            .map_err(|_| Error::Run("the reader thread panicked".into()))?;
        Ok(total)
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

/// The output folder of `millstone run`: kept/, dropped/ and rejected/ parts, closed together at
/// each epoch, then a checkpoint (see [`crate::checkpoint`]).
pub struct DirSink<'a> {
    outputs: Option<Outputs>,
    out_dir: &'a Path,
    config: &'a Value,
    next_part: &'a mut u32,
}

impl DirSink<'_> {
    fn outputs(&mut self) -> Result<&mut Outputs> {
        self.outputs
            .as_mut()
            .ok_or_else(|| Error::Run("the output folder was already finished".into()))
    }

    /// Close the writers (after the last epoch).
    fn finish(&mut self) -> Result<()> {
        match self.outputs.take() {
            Some(o) => o.finish(),
            None => Ok(()),
        }
    }
}

impl Sink for DirSink<'_> {
    fn encoder(&self) -> Option<JsonEncoder> {
        self.outputs.as_ref().and_then(Outputs::encoder)
    }

    fn write_doc(
        &mut self,
        doc: Document,
        drop: Option<(&str, &DropReason)>,
        encoded: Option<&[u8]>,
    ) -> Result<()> {
        self.outputs()?.write_doc(&doc, drop, encoded)
    }

    fn write_rejected(&mut self, r: Rejection) -> Result<()> {
        self.outputs()?.write_rejected(&r)
    }

    /// Close every open part (renaming it into place), then record the checkpoint.
    fn end_epoch(&mut self, position: Position, stats: &RunStats) -> Result<()> {
        let next = *self.next_part + 1;
        let outputs = self.outputs()?;
        outputs.end_parts()?;
        let layouts = outputs.layouts();
        outputs.set_next_part(next);
        *self.next_part = next;
        checkpoint::save(
            self.out_dir,
            &Checkpoint {
                version: 1,
                config: self.config.clone(),
                next_part: next,
                input: position.input,
                record: position.record,
                stats: stats.clone(),
                complete: false,
                layouts,
            },
        )
    }
}

/// The writer thread: every processed batch, in order, to the sink. Once `epoch_bytes` were
/// written since the last epoch, the sink ends one; the last epoch ends with the input.
fn write_batches(
    sink: &mut dyn Sink,
    names: &[&str],
    epoch_bytes: u64,
    progress: &dyn Progress,
    total: &mut RunStats,
    batches: mpsc::Receiver<(Batch, RunStats)>,
) -> Result<()> {
    let mut written = 0u64;
    let mut position = None;
    for (batch, stats) in batches {
        for item in batch.items {
            match item {
                Item::Doc {
                    doc, drop, encoded, ..
                } => {
                    let drop = drop.as_ref().map(|(i, r)| (names[*i], r));
                    let encoded = encoded.transpose()?;
                    written += encoded.as_ref().map_or(doc.len_bytes(), Vec::len) as u64;
                    sink.write_doc(doc, drop, encoded.as_deref())?
                }
                Item::Rejected(r) => {
                    written += (r.excerpt.len() + r.error.len()) as u64;
                    sink.write_rejected(r)?
                }
                Item::Skipped(_) => {}
            }
        }
        *total += &stats;
        progress.update(batch.files_done, total);
        let here = Position {
            input: batch.input,
            record: batch.records_end,
        };
        position = Some(here);
        if written >= epoch_bytes {
            sink.end_epoch(here, total)?;
            written = 0;
        }
    }
    if written > 0 {
        if let Some(pos) = position {
            sink.end_epoch(pos, total)?;
        }
    }
    Ok(())
}

/// For each stage that asks for a corpus pass: read every input, run each document through the
/// stages before it, and show what reaches it to the pass. Nothing is written.
pub(crate) fn run_corpus_passes(
    stages: &[Box<dyn Stage>],
    source: &dyn Source,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<()> {
    for (k, stage) in stages.iter().enumerate() {
        let before = &stages[..k];
        // What reaches the stage: documents every stage before it keeps.
        let reaches = |doc: &mut Document| {
            let mut scratch = millstone_core::StageStats::default();
            before
                .iter()
                .all(|s| s.process(doc, &mut scratch).is_keep())
        };
        if let Some(steps) = stage.corpus_steps() {
            // Explicit steps: each batch's documents are observed into partials on the
            // workers and merged; the batches' partials are merged in input order; the total
            // is finished into the stage's decisions.
            progress.pass_started(steps.describe_pass(), source.inputs());
            let mut total = steps.empty_partial();
            scan_batches(source, progress, |batch| {
                let partial = pool.install(|| {
                    batch
                        .items
                        .par_iter_mut()
                        .fold(
                            || steps.empty_partial(),
                            |mut partial, item| {
                                if let Item::Doc { doc, .. } = item {
                                    if reaches(doc) {
                                        steps.observe_any(&mut *partial, doc);
                                    }
                                }
                                partial
                            },
                        )
                        .reduce(
                            || steps.empty_partial(),
                            |mut a, b| {
                                steps.merge_any(&mut *a, b);
                                a
                            },
                        )
                });
                steps.merge_any(&mut *total, partial);
            })?;
            steps.finish_and_install(total);
        } else if let Some(pass) = stage.corpus_pass() {
            progress.pass_started(pass.describe(), source.inputs());
            scan_batches(source, progress, |batch| {
                pool.install(|| {
                    batch.items.par_iter_mut().for_each(|item| {
                        if let Item::Doc { doc, .. } = item {
                            if reaches(doc) {
                                pass.observe(doc);
                            }
                        }
                    })
                });
            })?;
            pass.finish();
        } else {
            continue;
        }
        progress.pass_finished();
    }
    Ok(())
}

/// Read every input of `source` once, in batches, on a reader thread, handing each batch to
/// `each` (and its progress to `progress`).
fn scan_batches(
    source: &dyn Source,
    progress: &dyn Progress,
    mut each: impl FnMut(&mut Batch),
) -> Result<()> {
    let (tx, rx) = mpsc::sync_channel::<Batch>(1);
    std::thread::scope(|scope| -> Result<()> {
        let reader = std::thread::Builder::new()
            .name("millstone-reader".into())
            .spawn_scoped(scope, move || read_batches(source, Position::default(), tx))
            .context("starting the reader thread")?;
        for mut batch in rx {
            each(&mut batch);
            progress.pass_inputs_done(batch.files_done);
        }
        reader
            .join()
            .map_err(|_| Error::Run("the reader thread panicked".into()))
    })
}

/// Write what the corpus passes produced next to the run's outputs (dedup's `clusters.jsonl`).
fn write_pass_outputs(stages: &[Box<dyn Stage>], out_dir: &Path) -> Result<()> {
    for stage in stages {
        if let Some(pass) = stage.corpus_pass() {
            pass.write_outputs(out_dir).with_context(|| {
                format!(
                    "{}: writing its outputs to {}",
                    stage.name(),
                    out_dir.display()
                )
            })?;
        }
    }
    Ok(())
}

/// Run one document through the stages, recording where it stopped.
pub(crate) fn process_item(stages: &[Box<dyn Stage>], item: &mut Item, stats: &mut RunStats) {
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

/// The reader thread: every input in order from `start`, cut into batches.
fn read_batches(source: &dyn Source, start: Position, tx: mpsc::SyncSender<Batch>) {
    for i in start.input..source.inputs() {
        let skip = if i == start.input { start.record } else { 0 };
        let mut batch = Vec::with_capacity(BATCH_DOCS);
        let mut bytes = 0usize;
        // `records`: how many records of this input are accounted for once this one is.
        for (records, record) in (skip + 1..).zip(source.records(i).skip(skip as usize)) {
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
    let skipped = skipped_inputs
        .iter()
        .map(|s| SkippedPath {
            path: s.path.display().to_string(),
            reason: s.reason.clone(),
        })
        .collect();
    let text = StatsFile::from_run(stats, skipped).to_json();
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}
