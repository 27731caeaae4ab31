"""Parquet interoperability checks run by crates/millstone/tests/parquet_interop.rs.

make-input PAGES.jsonl OUT.parquet OUT.jsonl
    Real pages (one JSON object a line with id, url, page_type, text) as a datatrove/HF-shaped
    table with nested columns -- list<string>, struct<...>, list<struct<...>> -- written as
    Parquet by pyarrow and, the same rows, as JSONL.
check INPUT.parquet OUTDIR
    kept/ and dropped/ of a millstone run read by pyarrow and by HF `datasets`: the input's
    columns with their Arrow types, plus a struct column `millstone`. Prints one JSON object
    (rows and schema per folder); exits 1 naming the first difference.
"""

import json
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("tags", pa.list_(pa.string())),
        (
            "metadata",
            pa.struct(
                [
                    ("url", pa.string()),
                    ("page_type", pa.string()),
                    ("lines", pa.int64()),
                    ("share", pa.float64()),
                    ("long", pa.bool_()),
                ]
            ),
        ),
        ("spans", pa.list_(pa.struct([("start", pa.int64()), ("label", pa.string())]))),
    ]
)


def make_input(pages_path, parquet_out, jsonl_out):
    rows = []
    for line in Path(pages_path).read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        lines = page["text"].split("\n")
        rows.append(
            {
                "id": page["id"],
                "text": page["text"],
                "tags": [page["page_type"], "en"] if len(lines) % 2 else [page["page_type"]],
                "metadata": {
                    "url": page["url"],
                    "page_type": page["page_type"],
                    "lines": len(lines),
                    "share": round(sum(1 for l in lines if len(l) > 80) / len(lines), 4),
                    "long": len(page["text"]) > 5000,
                },
                "spans": [{"start": i, "label": l[:20]} for i, l in enumerate(lines[:3])],
            }
        )
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), parquet_out)
    with open(jsonl_out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def check(input_path, out_dir):
    expected = pq.read_schema(input_path)
    report = {}
    for sub in ("kept", "dropped"):
        parts = sorted(str(p) for p in (Path(out_dir) / sub).glob("part-*.parquet"))
        if not parts:
            fail(f"{sub}: no Parquet parts in {out_dir}/{sub}")
        table = pa.concat_tables(pq.read_table(p) for p in parts)
        schema = table.schema
        names = [f.name for f in schema]
        if names != [f.name for f in expected] + ["millstone"]:
            fail(f"{sub}: columns {names}, expected {[f.name for f in expected]} + millstone")
        for f in expected:
            got = schema.field(f.name).type
            if got != f.type:
                fail(f"{sub}: column {f.name} is {got}, the input's is {f.type}")
        ms = schema.field("millstone").type
        if not pa.types.is_struct(ms):
            fail(f"{sub}: millstone is {ms}, not a struct")
        if sub == "dropped":
            drop = ms.field("drop").type
            got = {drop.field(i).name for i in range(drop.num_fields)}
            if not {"stage", "reason", "value", "threshold"} <= got:
                fail(f"dropped: millstone.drop is {drop}")
        # HF datasets, offline, with its cache in a temporary folder.
        import datasets

        with tempfile.TemporaryDirectory() as cache:
            ds = datasets.load_dataset("parquet", data_files=parts, split="train", cache_dir=cache)
            if ds.num_rows != table.num_rows:
                fail(f"{sub}: datasets read {ds.num_rows} rows, pyarrow {table.num_rows}")
            want = datasets.Features.from_arrow_schema(schema)
            if ds.features != want:
                fail(f"{sub}: datasets features {ds.features} differ from {want}")
            if list(ds.features) != names:
                fail(f"{sub}: datasets columns {list(ds.features)}")
            first = ds[0]
            if not isinstance(first["tags"], list) or not isinstance(first["metadata"], dict):
                fail(f"{sub}: datasets row has tags {first['tags']!r}, metadata {first['metadata']!r}")
        report[sub] = {"rows": table.num_rows, "schema": schema.to_string(show_schema_metadata=False)}
    print(json.dumps(report))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "make-input":
        make_input(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(*sys.argv[2:])
    else:
        fail(__doc__)
