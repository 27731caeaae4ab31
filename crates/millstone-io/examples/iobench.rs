//! Read inputs and optionally write them back out, reporting throughput.
//!
//! `cargo run --release -p millstone-io --example iobench -- [--repeat N] [--write DIR]
//! [--parquet] INPUT...`
//!
//! Throughput is reported per MB of document text; divide the decompressed size of the inputs by
//! the time for MB/s of decompressed input.

use std::time::Instant;

use millstone_io::{
    expand_inputs, read, Map, OutputFormat, ReadOptions, Record, ShardedWriter, WriterOptions,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 1;
    let mut write = None;
    let mut format = OutputFormat::default();
    while let Some(flag) = args.first().filter(|a| a.starts_with("--")).cloned() {
        args.remove(0);
        match flag.as_str() {
            "--repeat" => repeat = args.remove(0).parse()?,
            "--write" => write = Some(args.remove(0)),
            "--parquet" => format = OutputFormat::Parquet,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let inputs = expand_inputs(&args)?;
    let opts = ReadOptions::default();
    let mut writer = match &write {
        Some(dir) => Some(ShardedWriter::new(
            dir,
            WriterOptions {
                format,
                ..WriterOptions::default()
            },
        )?),
        None => None,
    };
    let (mut docs, mut rejected, mut text_bytes) = (0u64, 0u64, 0u64);
    let start = Instant::now();
    for _ in 0..repeat {
        for input in &inputs {
            for rec in read(input, &opts) {
                match rec {
                    Record::Doc(d) => {
                        docs += 1;
                        text_bytes += d.len_bytes() as u64;
                        if let Some(w) = &mut writer {
                            w.write(&d, &Map::new())?;
                        }
                    }
                    Record::Rejected(_) => rejected += 1,
                    Record::Skipped(_) => {}
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    if let Some(w) = writer {
        for p in w.finish()? {
            println!("wrote {}", p.display());
        }
    }
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "{docs} docs, {rejected} rejected in {secs:.3}s: {:.1} MB text ({:.0} MB/s of text)",
        mb(text_bytes),
        mb(text_bytes) / secs
    );
    Ok(())
}
