//! Read WARC / WET / ARC files with millstone's reader and print what it found: records by type,
//! documents, skipped records by reason, rejections by kind, and the CPU seconds spent (one
//! thread), for comparison with other WARC readers on the same file.
//!
//! ```text
//! cargo run --release -p millstone-io --example warc_read -- FILE... [--repeat N] [--list]
//! ```
//!
//! `--list` prints one line per record (kind, id or reason, offset) instead of the totals only.
//! CPU time is this thread's, from `/proc/thread-self/schedstat` (Linux), so other processes on a
//! busy machine do not count.

use std::collections::BTreeMap;
use std::path::PathBuf;

use millstone_io::{expand_inputs, read, ReadOptions, Record};

fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 1usize;
    if let Some(i) = args.iter().position(|a| a == "--repeat") {
        repeat = args.get(i + 1).ok_or("--repeat N")?.parse()?;
        args.drain(i..i + 2);
    }
    let list = if let Some(i) = args.iter().position(|a| a == "--list") {
        args.remove(i);
        true
    } else {
        false
    };
    if args.is_empty() {
        return Err("usage: warc_read FILE... [--repeat N] [--list]".into());
    }
    let inputs = expand_inputs(&args)?;
    let opts = ReadOptions::default();
    let bytes: u64 = inputs
        .iter()
        .map(|i| std::fs::metadata(&i.path).map_or(0, |m| m.len()))
        .sum();
    let mut docs = 0u64;
    let mut text_bytes = 0u64;
    let mut records: BTreeMap<String, u64> = BTreeMap::new();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut rejected: BTreeMap<&str, u64> = BTreeMap::new();
    let start = cpu_seconds();
    for _ in 0..repeat {
        for input in &inputs {
            for rec in read(input, &opts) {
                match rec {
                    Record::Doc(d) => {
                        docs += 1;
                        text_bytes += d.len_bytes() as u64;
                        *records.entry(d.source.record_type.into()).or_default() += 1;
                        if list {
                            let offset = &d.fields.get("warc").map(|w| w["offset"].clone());
                            println!("doc\t{}\t{}\t{:?}", d.source.record, d.id, offset);
                        }
                    }
                    Record::Skipped(s) => {
                        *records.entry(s.record_type.into()).or_default() += 1;
                        *skipped.entry(s.reason.clone()).or_default() += 1;
                        if list {
                            println!("skipped\t{}\t{}", s.record_type, s.reason);
                        }
                    }
                    Record::Rejected(r) => {
                        *rejected.entry(r.kind.as_str()).or_default() += 1;
                        if list {
                            println!("rejected\t{}\t{:?}\t{}", r.record, r.offset, r.error);
                        }
                    }
                }
            }
        }
    }
    let cpu = cpu_seconds() - start;
    let files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    println!("files            {}", files.len());
    println!(
        "kinds            {:?}",
        inputs.iter().map(|i| i.kind).collect::<Vec<_>>()
    );
    println!("records          {records:?}");
    println!(
        "documents        {docs} ({:.1} MB of text)",
        text_bytes as f64 / 1e6
    );
    println!("skipped          {skipped:?}");
    println!("rejected         {rejected:?}");
    let mb = (bytes * repeat as u64) as f64 / 1e6;
    println!(
        "cpu              {cpu:.3} s for {mb:.1} MB on disk: {:.1} MB/s per core",
        mb / cpu
    );
    Ok(())
}
