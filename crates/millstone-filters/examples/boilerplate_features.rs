//! Dump the boilerplate model's features for training (`tools/boilerplate/train.py`).
//!
//! Usage: `boilerplate_features INPUT.jsonl OUT_PREFIX` — reads plain JSONL with `id` and `text`,
//! writes `OUT_PREFIX.f64` (little-endian f64 rows, one per non-blank line, in document order) and
//! `OUT_PREFIX.index.jsonl` (per document: id, the line index of each row, the feature names).

use std::io::{BufRead, BufReader, BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, prefix] = args.as_slice() else {
        return Err("usage: boilerplate_features INPUT.jsonl OUT_PREFIX".into());
    };
    let reader = BufReader::new(std::fs::File::open(input)?);
    let mut rows = BufWriter::new(std::fs::File::create(format!("{prefix}.f64"))?);
    let mut index = BufWriter::new(std::fs::File::create(format!("{prefix}.index.jsonl"))?);
    let names = millstone_filters::boilerplate::feature_names();
    writeln!(index, "{}", serde_json::json!({ "features": names }))?;
    for line in reader.split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let record: serde_json::Value = serde_json::from_slice(&line)?;
        let text = record["text"].as_str().ok_or("record without text")?;
        let dumped = millstone_filters::boilerplate::dump_features(text, None);
        let lines: Vec<usize> = dumped.iter().map(|(i, _)| *i).collect();
        for (_, row) in &dumped {
            for v in row {
                rows.write_all(&v.to_le_bytes())?;
            }
        }
        writeln!(
            index,
            "{}",
            serde_json::json!({ "id": record["id"], "lines": lines })
        )?;
    }
    rows.flush()?;
    index.flush()?;
    Ok(())
}
