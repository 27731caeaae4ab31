//! The `millstone` command line: arguments, progress and printing around `millstone-engine`.

mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use millstone_io::{Compression, OutputFormat};

use millstone_dedup::cluster::Survivor;
use millstone_dedup::minhash::ShingleKind;
use millstone_dedup::stage::{Config as DedupConfig, Method};
use millstone_engine::{pipeline, OutputConfig, Pipeline, RunOptions, RunReport, PRESETS};

/// Turn raw web-crawled text into clean, quality-filtered corpora.
///
/// millstone runs datatrove-compatible filters (Gopher, C4, FineWeb) over JSONL (plain, .gz,
/// .zst), Parquet and folders of .txt files, in parallel, and accounts for every record:
/// kept + dropped (with the stage and reason) + rejected (with the error) = read.
#[derive(Parser)]
#[command(name = "millstone", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline over INPUT files and write kept/, dropped/, rejected/ and stats.json to DIR.
    #[command(after_long_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// List the built-in presets, or print one as a pipeline file.
    Presets {
        /// Print the TOML of this preset (a starting point for your own --pipeline file), with
        /// the options it leaves at their defaults as comments.
        #[arg(long, value_name = "NAME")]
        show: Option<String>,
    },
    /// List the stage types a pipeline file can use, or one stage's options: type, default,
    /// valid range and meaning.
    Stages {
        /// Show this stage type's options.
        #[arg(value_name = "NAME")]
        name: Option<String>,
    },
    /// Remove duplicate documents (exact or MinHash-LSH near-duplicates), keeping one per
    /// cluster; writes kept/, dropped/ (with the survivor named), rejected/, stats.json and
    /// clusters.jsonl to DIR. The same as `run` with one `dedup` stage built from these options.
    #[command(after_long_help = dedup_examples())]
    Dedup(DedupArgs),
    /// Write (again) DIR/report.html for a finished run: the funnel, drop reasons,
    /// distributions, and a browser of sampled dropped, rewritten, duplicate and rejected records.
    /// `run` and `dedup` write it themselves unless --no-report is given.
    Report {
        /// A `run` or `dedup` output folder (holding stats.json).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Sampled records per stage and reason.
        #[arg(long, default_value_t = 25, value_name = "N")]
        samples: usize,
        /// The text field of the run's output records (the run's --text-field).
        #[arg(long, default_value = "text", value_name = "NAME")]
        text_field: String,
        /// The id field of the run's output records (the run's --id-field).
        #[arg(long, default_value = "id", value_name = "NAME")]
        id_field: String,
    },
    /// Score a dedup run's clusters.jsonl against labelled clusters or pairs (JSONL): pair
    /// precision, recall, F1 and the adjusted Rand index.
    Evaluate {
        /// Labels: lines {"members": [ids]}, {"id": id, "cluster": c} or {"a": id, "b": id, "duplicate": bool}.
        #[arg(long, value_name = "FILE.jsonl")]
        labels: PathBuf,
        /// A dedup run's clusters.jsonl (or the run's output folder).
        #[arg(value_name = "CLUSTERS")]
        clusters: PathBuf,
        /// Print the scores as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `millstone dedup --help`'s closing text; its numbers are the dedup stage's defaults.
fn dedup_examples() -> String {
    let d = dedup_default(Method::Minhash);
    format!(
        "\
Examples:
  millstone dedup --method minhash -o out/ crawl/
  millstone dedup --method exact --survivor longest -o out/ crawl/*.jsonl.zst
  millstone dedup --save-index index-2026-10/ -o out-oct/ crawl-oct/
  millstone dedup --against index-2026-10/ --save-index index-2026-11/ -o out-nov/ crawl-nov/
  millstone evaluate --labels truth.jsonl out/clusters.jsonl

In a pipeline file the same step is a stage:
  [[stage]]
  type = \"dedup\"
  method = \"minhash\"     # exact | minhash
  threshold = {threshold}

Memory: about 560 bytes per document (plus its id) with the MinHash defaults. Past half of
--memory-limit the pass spills to --spill-dir and keeps in memory 8 bytes per document while
reading, at most 20 while clustering and 16 while writing, plus 4-8 bytes per clustered document
and per cluster ~50 bytes and its survivor's id; the run buffer gets the rest of the limit. On
disk: 448 bytes per document (+112 with --save-index), 16 per band, its id + 8. An --against
index costs 560 bytes + id per indexed document if it fits in half the limit; otherwise it is read
from disk (at most 8 bytes per indexed document, while clustering). The output is identical.

Defaults are datatrove's MinHash configuration: word {n}-grams of the normalised text, {bands} bands x {rows}
rows, 64-bit hashes; candidates are verified (estimated Jaccard >= --threshold) before they join a
cluster.",
        threshold = d.threshold(),
        n = d.n_grams,
        bands = d.bands(),
        rows = d.rows(),
    )
}

/// The `dedup` stage's defaults for `method`: the one place the command line takes them from.
fn dedup_default(method: Method) -> DedupConfig {
    DedupConfig {
        method,
        ..DedupConfig::default()
    }
}

/// `--bands`, `--rows`, `--threshold`, `--survivor`: help naming the defaults of both kinds.
fn method_default_help(
    what: &str,
    show: impl Fn(&DedupConfig) -> String,
    reprints: bool,
) -> String {
    let minhash = show(&dedup_default(Method::Minhash));
    let other = if reprints {
        format!("reprints: {}", show(&dedup_default(Method::Reprints)))
    } else {
        "not with reprints".to_owned()
    };
    format!("{what} [default: {minhash}; {other}]")
}

#[derive(clap::Args)]
struct DedupArgs {
    /// exact: same normalised text; minhash: near-duplicates by MinHash-LSH; reprints: edited,
    /// OCR-noisy, truncated or excerpted copies of a story (verified by aligned passages).
    #[arg(long, value_enum, default_value_t = MethodArg::from(DedupConfig::default().method))]
    method: MethodArg,
    /// Shingles: word n-grams (spaCy words of the normalised text) or character n-grams.
    #[arg(long, value_enum, default_value_t = ShingleArg::from(DedupConfig::default().shingle))]
    shingle: ShingleArg,
    /// Shingle size.
    #[arg(long, default_value_t = DedupConfig::default().n_grams, value_name = "N")]
    ngrams: usize,
    #[arg(long, value_name = "N",
          help = method_default_help("LSH bands", |c| c.bands().to_string(), true))]
    bands: Option<usize>,
    #[arg(long, value_name = "N",
          help = method_default_help("Rows (hashes) per band", |c| c.rows().to_string(), true))]
    rows: Option<usize>,
    /// Seed of the hash permutations (datatrove: 1).
    #[arg(long, default_value_t = DedupConfig::default().seed)]
    seed: u64,
    /// Join candidate pairs without checking their estimated Jaccard (datatrove's behaviour).
    #[arg(long)]
    no_verify: bool,
    #[arg(long, value_name = "J", help = method_default_help(
        "Minimum estimated Jaccard for a candidate pair to join a cluster",
        |c| c.threshold().to_string(),
        false,
    ))]
    threshold: Option<f64>,
    #[arg(long, value_enum, help = method_default_help(
        "Which member of each cluster is kept",
        |c| SurvivorArg::from(c.survivor()).name(),
        true,
    ))]
    survivor: Option<SurvivorArg>,
    /// Remove nothing: write clusters.jsonl and the cluster attributes, keep every document.
    #[arg(long)]
    keep_all: bool,
    /// Numeric field to maximise with --survivor quality.
    #[arg(long, value_name = "FIELD")]
    quality_field: Option<String>,
    /// Field listed beside each member's id in clusters.jsonl's `urls` (a dotted path reaches
    /// nested objects: metadata.url) [default: url, when documents have it].
    #[arg(long, value_name = "FIELD")]
    url_field: Option<String>,
    /// Dedup against a saved index (its documents always survive).
    #[arg(long, value_name = "DIR")]
    against: Option<PathBuf>,
    /// Save the kept documents (plus --against's) as an index in DIR (a new folder).
    #[arg(long, value_name = "DIR")]
    save_index: Option<PathBuf>,
    /// Memory budget of the dedup pass (e.g. 4G, 512M; "unlimited": never spill). Past half of
    /// it, band keys go to sorted runs, signatures and ids to files in --spill-dir, merged and
    /// read back from disk: slower, same result. Default: half the physical memory.
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
    /// Where to spill (a subfolder is created and removed after the run). Default: the system
    /// temporary folder ($TMPDIR).
    #[arg(long, value_name = "DIR")]
    spill_dir: Option<PathBuf>,
    #[command(flatten)]
    io: IoArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MethodArg {
    Exact,
    Minhash,
    Reprints,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ShingleArg {
    Word,
    Char,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SurvivorArg {
    First,
    Longest,
    Quality,
}

impl From<Method> for MethodArg {
    fn from(m: Method) -> Self {
        match m {
            Method::Exact => MethodArg::Exact,
            Method::Minhash => MethodArg::Minhash,
            Method::Reprints => MethodArg::Reprints,
        }
    }
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Exact => Method::Exact,
            MethodArg::Minhash => Method::Minhash,
            MethodArg::Reprints => Method::Reprints,
        }
    }
}

impl From<ShingleKind> for ShingleArg {
    fn from(s: ShingleKind) -> Self {
        match s {
            ShingleKind::Word => ShingleArg::Word,
            ShingleKind::Char => ShingleArg::Char,
        }
    }
}

impl From<ShingleArg> for ShingleKind {
    fn from(s: ShingleArg) -> Self {
        match s {
            ShingleArg::Word => ShingleKind::Word,
            ShingleArg::Char => ShingleKind::Char,
        }
    }
}

impl From<Survivor> for SurvivorArg {
    fn from(s: Survivor) -> Self {
        match s {
            Survivor::First => SurvivorArg::First,
            Survivor::Longest => SurvivorArg::Longest,
            Survivor::Quality => SurvivorArg::Quality,
        }
    }
}

impl From<SurvivorArg> for Survivor {
    fn from(s: SurvivorArg) -> Self {
        match s {
            SurvivorArg::First => Survivor::First,
            SurvivorArg::Longest => Survivor::Longest,
            SurvivorArg::Quality => Survivor::Quality,
        }
    }
}

impl SurvivorArg {
    /// The value as written on the command line.
    fn name(self) -> String {
        self.to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_owned())
    }
}

const RUN_EXAMPLES: &str = "\
Examples:
  millstone run --preset fineweb -o out/ crawl/*.jsonl.zst
  millstone run --pipeline my.toml -o out/ --format parquet data/
  millstone presets --show fineweb > my.toml

Output, in DIR:
  kept/part-NNNNN.<ext>      surviving documents: all input fields, `text` after the stages,
                             measured attributes under `millstone`
  dropped/part-NNNNN.<ext>   removed documents with millstone.drop = {stage, reason}, plus
                             value and threshold when the check compares the two
  rejected/part-NNNNN.jsonl  records that could not be read: file, record, error, excerpt
  stats.json                 counts: read = kept + dropped + rejected, by stage and reason";

#[derive(clap::Args)]
struct RunArgs {
    /// Built-in pipeline (see `millstone presets`).
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "pipeline",
        required_unless_present = "pipeline"
    )]
    preset: Option<String>,
    /// Pipeline file: an ordered list of [[stage]] tables with `type = "..."` and options.
    #[arg(long, value_name = "FILE.toml")]
    pipeline: Option<PathBuf>,
    #[command(flatten)]
    io: IoArgs,
}

/// Inputs, outputs and run control, shared by `run` and `dedup`.
#[derive(clap::Args)]
struct IoArgs {
    /// Output folder.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Output format for kept/ and dropped/.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    /// Compression of JSONL output (Parquet output is always zstd-compressed inside).
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    compression: CompressionArg,
    /// zstd level of JSONL output (`--compression zstd`): 1 is the fastest regular level; 3
    /// (zstd's own default) writes ~11 % smaller files of web text for about twice the
    /// compression CPU; up to 19 for archives, negative levels faster still.
    #[arg(long, default_value_t = 1, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i32).range(-7..=19))]
    zstd_level: i32,
    /// Name of the text field (JSON key or Parquet column); a dotted path reaches nested
    /// objects and struct columns (`doc.text`).
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Name of the id field (a dotted path reaches nested objects: `metadata.id`); records
    /// without one get `<file>/<record number>`.
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
    /// Start new output parts (in kept/, dropped/ and rejected/ together) once this many bytes of
    /// uncompressed output were written; parts close between batches, so one can be up to 4 MB
    /// larger. Each closing is also a checkpoint for --resume (suffixes K, M, G).
    #[arg(long, default_value = "256M", value_parser = parse_size, value_name = "BYTES")]
    shard_size: u64,
    /// Records larger than this are rejected without being read into memory (suffixes K, M, G).
    #[arg(long, default_value = "64M", value_parser = parse_size, value_name = "BYTES")]
    max_record_bytes: u64,
    /// What to do with a JSONL line or text file that is not valid UTF-8: reject it, or replace
    /// the bad bytes with U+FFFD and flag the document (`millstone.invalid_utf8 = true`).
    #[arg(long, value_enum, default_value_t = Utf8Arg::Reject, value_name = "POLICY")]
    invalid_utf8: Utf8Arg,
    /// A compressed input that expands to more than N times its compressed size (checked past
    /// 8 MiB) is rejected as a decompression bomb and the rest of the file skipped; 0 = no limit.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_decompression_ratio: u64,
    /// Content types of WARC/ARC responses that become documents (comma-separated MIME types;
    /// other responses are counted as skipped `content_type`). Add text/plain for plain-text pages.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "text/html,application/xhtml+xml",
        value_name = "TYPES"
    )]
    content_types: Vec<String>,
    /// Read WARC records the crawler cut short (WARC-Truncated) instead of skipping them.
    #[arg(long)]
    keep_truncated: bool,
    /// Exit with code 3 (after writing all outputs) if more than N records were rejected.
    /// Without it, rejections only print a warning, unless every record was rejected (exit 3;
    /// pass --max-rejected to allow that).
    #[arg(long, value_name = "N")]
    max_rejected: Option<u64>,
    /// Replace the outputs of an earlier run in DIR.
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// Continue a run that was interrupted (killed, crashed) in DIR, from its last checkpoint,
    /// with the same command; the result is byte-identical to an uninterrupted run. Starts a
    /// new run if DIR holds none.
    #[arg(long)]
    resume: bool,
    /// No progress bar and no summary (the warning about rejected records is still printed).
    #[arg(short, long)]
    quiet: bool,
    /// Do not write DIR/report.html at the end (`millstone report DIR` writes it later).
    #[arg(long)]
    no_report: bool,
    /// When stderr is not a terminal (a log file, Slurm, CI), print a progress line (documents,
    /// MB, documents/s, share of input bytes read, ETA) every this many seconds; 0 = after
    /// every batch. On a terminal a bar shows the same.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    progress_interval: f64,
    /// Input files, folders (searched recursively) and glob patterns.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Jsonl,
    Parquet,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Utf8Arg {
    Reject,
    Replace,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CompressionArg {
    Zstd,
    Gzip,
    None,
}

/// `--shard-size`, `--max-record-bytes`: [`millstone_core::parse_size`].
fn parse_size(s: &str) -> Result<u64, String> {
    millstone_core::parse_size(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<TooManyRejected>() => {
            eprintln!("error: {e:#}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Presets { show: Some(name) } => {
            let p = pipeline::preset(&name)?;
            let text = pipeline::with_defaults(p.toml).with_context(|| format!("preset {name}"))?;
            print!("{text}");
            Ok(())
        }
        Command::Presets { show: None } => {
            for p in PRESETS {
                println!("{:<10} {}", p.name, p.summary);
            }
            Ok(())
        }
        Command::Stages { name: Some(name) } => {
            print!("{}", pipeline::stage_doc(&name)?.describe());
            Ok(())
        }
        Command::Stages { name: None } => {
            for d in pipeline::all_stages() {
                println!("{:<20} {}", d.name, d.summary);
            }
            println!(
                "\n`millstone stages NAME` lists a stage's options with their defaults and ranges."
            );
            Ok(())
        }
        Command::Dedup(args) => dedup(args),
        Command::Report {
            dir,
            samples,
            text_field,
            id_field,
        } => {
            let opts = millstone_report::Options {
                samples_per_group: samples,
                text_field,
                id_field,
                ..Default::default()
            };
            let start = std::time::Instant::now();
            let path = millstone_report::write_report(&dir, &opts)?;
            eprintln!(
                "report: {} ({:.2} s)",
                path.display(),
                start.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Evaluate {
            labels,
            clusters,
            json,
        } => evaluate(&labels, &clusters, json),
    }
}

/// `millstone dedup`: a one-stage pipeline built from the options, run like `millstone run`.
fn dedup(args: DedupArgs) -> Result<()> {
    let config = DedupConfig {
        method: args.method.into(),
        shingle: args.shingle.into(),
        n_grams: args.ngrams,
        bands: args.bands,
        rows: args.rows,
        seed: args.seed,
        verify: !args.no_verify,
        threshold: args.threshold,
        survivor: args.survivor.map(Survivor::from),
        keep_all: args.keep_all,
        quality_field: args.quality_field,
        memory_limit: args.memory_limit,
        against: args.against,
        save_index: args.save_index,
        spill_dir: args.spill_dir,
        url_field: args.url_field,
        ..DedupConfig::default()
    };
    // The run's configuration as data, for --resume's check that nothing changed.
    let recorded = serde_json::json!({ "dedup": &config });
    let stage = millstone_core::config::check_ranges(millstone_dedup::stage::NAME, &config)
        .and_then(|()| config.build())
        .context("millstone dedup options: stage #1")?;
    run_pipeline(
        Pipeline::from_stages(vec![Box::new(stage)]),
        recorded,
        args.io,
    )
}

/// `millstone evaluate`.
fn evaluate(labels: &std::path::Path, clusters: &std::path::Path, json: bool) -> Result<()> {
    let clusters = if clusters.is_dir() {
        clusters.join("clusters.jsonl")
    } else {
        clusters.to_owned()
    };
    let text =
        std::fs::read_to_string(labels).with_context(|| format!("reading {}", labels.display()))?;
    let labels_parsed = millstone_dedup::evaluate::Labels::parse(&text)
        .with_context(|| format!("{}", labels.display()))?;
    let mut predicted = Vec::new();
    let text = std::fs::read_to_string(&clusters)
        .with_context(|| format!("reading {}", clusters.display()))?;
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", clusters.display(), i + 1))?;
        let members = v["members"]
            .as_array()
            .with_context(|| format!("{} line {}: no `members` list", clusters.display(), i + 1))?
            .iter()
            .map(|m| match m {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        predicted.push(members);
    }
    let s = millstone_dedup::evaluate::score(&labels_parsed, &predicted);
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    if s.labelled_pairs > 0 {
        println!("labelled pairs      {}", s.labelled_pairs);
    } else {
        println!("documents           {}", s.documents);
    }
    println!("true pairs          {}", s.true_pairs);
    println!("predicted pairs     {}", s.predicted_pairs);
    println!("true positives      {}", s.true_positives);
    println!("precision           {:.4}", s.precision);
    println!("recall              {:.4}", s.recall);
    println!("F1                  {:.4}", s.f1);
    match s.adjusted_rand_index {
        Some(ari) => println!("adjusted Rand index {ari:.4}"),
        None => println!("adjusted Rand index n/a (pair labels)"),
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    let (pipeline, pipeline_text) = match (&args.preset, &args.pipeline) {
        (Some(name), _) => {
            let text = pipeline::preset(name)?.toml;
            (
                Pipeline::from_toml(text, &format!("preset {name}"))?,
                text.to_owned(),
            )
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            (
                Pipeline::from_toml(&text, &path.display().to_string())?,
                text,
            )
        }
        (None, None) => unreachable!("clap requires --preset or --pipeline"),
    };
    run_pipeline(pipeline, pipeline_text.into(), args.io)
}

/// Run `pipeline` (whose description goes into the run's configuration, for --resume checks).
fn run_pipeline(
    pipeline: Pipeline,
    pipeline_config: serde_json::Value,
    args: IoArgs,
) -> Result<()> {
    millstone_io::check_local(&args.out.display().to_string(), "output folder")?;
    #[cfg(feature = "s3")]
    let (args, staging) = stage_remote(args)?;
    let result = run_local(pipeline, pipeline_config, args);
    #[cfg(feature = "s3")]
    if let Some(s) = &staging {
        if s.out_url().is_some() && std::fs::exists(s.out.join("stats.json")).unwrap_or(false) {
            let sent = s.finish()?;
            eprintln!(
                "uploaded {} files ({} bytes) to {}",
                sent.files,
                sent.bytes,
                s.out_url().unwrap_or_default()
            );
        }
    }
    result
}

/// Download `s3://` inputs and point an `s3://` output at a local spool folder (uploaded by the
/// caller when the run ends).
#[cfg(feature = "s3")]
fn stage_remote(mut args: IoArgs) -> Result<(IoArgs, Option<millstone_io::remote::Staging>)> {
    let staging = millstone_io::remote::Staging::prepare(&args.inputs, &args.out)?;
    if let Some(s) = &staging {
        if s.out_url().is_some() && args.resume {
            anyhow::bail!("--resume is not available for an s3:// output folder");
        }
        args.inputs = s.inputs.clone();
        args.out = s.out.clone();
    }
    Ok((args, staging))
}

/// [`run_pipeline`] on local inputs and output folder.
fn run_local(pipeline: Pipeline, pipeline_config: serde_json::Value, args: IoArgs) -> Result<()> {
    let (text_field_cfg, id_field_cfg) = (args.text_field.clone(), args.id_field.clone());
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = RunOptions {
        inputs: args.inputs,
        out_dir: args.out.clone(),
        threads: threads.max(1),
        read: millstone_io::ReadOptions {
            text_field: args.text_field.clone(),
            id_field: args.id_field.clone(),
            max_record_bytes: args.max_record_bytes as usize,
            invalid_utf8: match args.invalid_utf8 {
                Utf8Arg::Reject => millstone_io::Utf8Policy::Reject,
                Utf8Arg::Replace => millstone_io::Utf8Policy::Replace,
            },
            max_decompression_ratio: args.max_decompression_ratio,
            content_types: args.content_types.clone(),
            keep_truncated: args.keep_truncated,
        },
        output: OutputConfig {
            format: match args.format {
                FormatArg::Parquet => OutputFormat::Parquet,
                FormatArg::Jsonl => OutputFormat::Jsonl(match args.compression {
                    CompressionArg::Zstd => Compression::Zstd {
                        level: args.zstd_level,
                    },
                    CompressionArg::Gzip => Compression::Gzip,
                    CompressionArg::None => Compression::None,
                }),
            },
            shard_size: args.shard_size,
            text_field: args.text_field,
            id_field: args.id_field,
        },
        force: args.force,
        resume: args.resume,
        config: serde_json::json!({
            "pipeline": pipeline_config,
            "format": format!("{:?}", args.format),
            "compression": format!("{:?}", args.compression),
            "zstd_level": args.zstd_level,
            "text_field": text_field_cfg,
            "id_field": id_field_cfg,
            "shard_size": args.shard_size,
            "max_record_bytes": args.max_record_bytes,
            "invalid_utf8": format!("{:?}", args.invalid_utf8),
            "max_decompression_ratio": args.max_decompression_ratio,
            "content_types": args.content_types,
            "keep_truncated": args.keep_truncated,
        }),
    };
    let mode = if args.quiet {
        progress::ProgressMode::Off
    } else {
        progress::ProgressMode::On {
            every: std::time::Duration::try_from_secs_f64(args.progress_interval)
                .context("--progress-interval must be a number of seconds >= 0")?,
        }
    };
    let report = millstone_engine::executor::run(&pipeline, &opts, &|inputs| {
        Box::new(progress::Progress::new(mode, inputs))
    })?;
    let written = (!args.no_report).then(|| write_report(&args.out, &opts.output));
    if !args.quiet {
        print_summary(&report, &args.out, &pipeline);
        if let Some(Ok((path, secs))) = &written {
            eprintln!("report: {} ({secs:.2} s)", path.display());
        }
    }
    for w in report.stats.warnings() {
        eprintln!("warning: {w}");
    }
    if let Some(Err(e)) = &written {
        // The run's outputs are complete; a report that cannot be written is not a failed run.
        eprintln!("warning: no report written: {e}");
    }
    check_rejected(&report.stats, &args.out, args.max_rejected)
}

/// `--max-rejected N` was exceeded (exit code 3; every output was written).
#[derive(Debug)]
struct TooManyRejected {
    rejected: u64,
    max: u64,
    /// Every record was rejected (and no --max-rejected was given).
    all: bool,
}

impl std::fmt::Display for TooManyRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.all {
            // Without --max-rejected: only a run in which nothing could be read fails.
            return write!(
                f,
                "every record was rejected ({}): nothing could be read (all outputs were \
                 written; pass --max-rejected N to accept rejections)",
                self.rejected
            );
        }
        write!(
            f,
            "{} records rejected, more than --max-rejected {} (all outputs were written)",
            self.rejected, self.max
        )
    }
}

impl std::error::Error for TooManyRejected {}

/// Warn about rejected records on stderr (always, even with `--quiet`), and fail with
/// [`TooManyRejected`] when there are more than `max`.
fn check_rejected(
    s: &millstone_core::RunStats,
    out: &std::path::Path,
    max: Option<u64>,
) -> Result<()> {
    let rejected = s.rejected.documents;
    if rejected > 0 {
        let kinds: Vec<String> = s
            .rejected_by
            .iter()
            .map(|(kind, n)| format!("{n} {}", kind.as_str()))
            .collect();
        eprintln!(
            "warning: {rejected} of {} records rejected ({}); see {}",
            s.read.documents,
            kinds.join(", "),
            out.join("rejected").display()
        );
    }
    match max {
        Some(max) if rejected > max => Err(TooManyRejected {
            rejected,
            max,
            all: false,
        }
        .into()),
        None if rejected > 0 && rejected == s.read.documents => Err(TooManyRejected {
            rejected,
            max: 0,
            all: true,
        }
        .into()),
        _ => Ok(()),
    }
}

/// Write `DIR/report.html` for a finished run; its path and how long it took.
fn write_report(
    out: &std::path::Path,
    output: &OutputConfig,
) -> Result<(PathBuf, f64), millstone_report::ReportError> {
    let start = std::time::Instant::now();
    let opts = millstone_report::Options {
        text_field: output.text_field.clone(),
        id_field: output.id_field.clone(),
        ..Default::default()
    };
    let path = millstone_report::write_report(out, &opts)?;
    Ok((path, start.elapsed().as_secs_f64()))
}

fn print_summary(report: &RunReport, out: &std::path::Path, pipeline: &Pipeline) {
    if report.already_complete {
        eprintln!(
            "{} already holds this run, complete; nothing to do",
            out.display()
        );
    }
    let s = &report.stats;
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    let pct = |n: u64| {
        if s.read.documents == 0 {
            0.0
        } else {
            100.0 * n as f64 / s.read.documents as f64
        }
    };
    eprintln!(
        "read {} records ({:.1} MB of text) from {} input file(s) in {:.2} s: {:.0} docs/s, {:.1} MB/s",
        s.read.documents,
        s.read.bytes as f64 / 1e6,
        report.inputs,
        secs,
        s.read.documents as f64 / secs,
        s.read.bytes as f64 / 1e6 / secs
    );
    let names: Vec<&str> = pipeline.names().collect();
    eprintln!("  stages   {}", names.join(" → "));
    eprintln!(
        "  kept     {:>9} ({:5.1}%)",
        s.kept.documents,
        pct(s.kept.documents)
    );
    eprintln!(
        "  dropped  {:>9} ({:5.1}%)",
        s.dropped.documents,
        pct(s.dropped.documents)
    );
    let mut reasons: Vec<_> = s.dropped_by().into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (reason, n) in reasons.iter().take(12) {
        eprintln!("    {n:>9}  {reason}");
    }
    if reasons.len() > 12 {
        eprintln!("    … {} more reasons in stats.json", reasons.len() - 12);
    }
    eprintln!(
        "  rejected {:>9} ({:5.1}%)",
        s.rejected.documents,
        pct(s.rejected.documents)
    );
    for (kind, n) in &s.rejected_by {
        eprintln!("    {n:>9}  {}", kind.as_str());
    }
    if !s.records.is_empty() {
        let total: u64 = s.records.values().sum();
        let skipped: u64 = s.skipped.values().sum();
        eprintln!(
            "WARC/ARC records {total}: {} documents, {skipped} skipped",
            total - skipped
        );
        for (reason, n) in &s.skipped {
            eprintln!("    {n:>9}  {reason}");
        }
    }
    if !report.skipped_inputs.is_empty() {
        eprintln!(
            "passed over {} path(s) in folder walks (listed in stats.json):",
            report.skipped_inputs.len()
        );
        for skipped in report.skipped_inputs.iter().take(10) {
            eprintln!("    {}  ({})", skipped.path.display(), skipped.reason);
        }
        if report.skipped_inputs.len() > 10 {
            eprintln!("    … {} more", report.skipped_inputs.len() - 10);
        }
    }
    eprintln!("output: {}", out.display());
}
