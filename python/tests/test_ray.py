"""On a local Ray cluster (a head and two worker nodes), presets and MinHash dedup give the
command line's decisions, clusters and clusters.jsonl byte for byte."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import millstone
import millstone.ray as mr


def blocks(table: pa.Table, n: int):
    """``table`` as a Ray Dataset of ``n`` blocks (so the work spreads over the workers)."""
    import ray.data

    size = -(-table.num_rows // n)
    return ray.data.from_arrow([table.slice(i * size, size) for i in range(n)])


def cli_outcome(kept, dropped):
    return (
        [(r["id"], r["text"]) for r in kept],
        [(r["id"], r["millstone"]["drop"]["stage"], r["millstone"]["drop"]["reason"]) for r in dropped],
    )


def ray_outcome(rows):
    kept = [(r["id"], r["text"]) for r in rows if r["millstone_kept"]]
    dropped = []
    for r in rows:
        if not r["millstone_kept"]:
            d = json.loads(r["millstone"])["drop"]
            dropped.append((r["id"], d["stage"], d["reason"]))
    return kept, dropped


@pytest.mark.parametrize("preset", ["fineweb", "news"])
def test_presets_on_ray_give_the_cli_decisions(preset, ray_cluster, cli, sample_table, tmp_path):
    from conftest import SAMPLE

    expected = cli_outcome(*cli("run", "--preset", preset, SAMPLE, out=tmp_path))
    out = mr.process(blocks(sample_table, 5), preset, batch_size=128)
    rows = out.take_all()
    assert [r["_millstone_row"] for r in rows] == list(range(1000))
    assert ray_outcome(rows) == expected
    assert len(ray_cluster.nodes()) == 3


def near_duplicates(rows):
    """The sample plus edited copies of every seventh page (one word in 40 changed), and exact
    copies of every thirteenth, placed further on."""
    out = list(rows)
    for i, r in enumerate(rows):
        if i % 7 == 0 and len(r["text"].split()) > 200:
            words = r["text"].split(" ")
            words = [("edited" if j % 40 == 39 else w) for j, w in enumerate(words)]
            out.append({**r, "id": f"copy-{r['id']}", "text": " ".join(words)})
        if i % 13 == 0:
            out.append({**r, "id": f"same-{r['id']}"})
    return out


@pytest.mark.parametrize("args", [[], ["--survivor", "longest"], ["--method", "exact"]])
def test_minhash_dedup_on_ray_gives_the_cli_clusters(args, ray_cluster, cli, sample_rows, tmp_path):
    rows = near_duplicates(sample_rows)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    kept, dropped = cli("dedup", *args, corpus, out=tmp_path / "cli")
    options = {}
    if args:
        options[args[0].lstrip("-")] = args[1]
    found = mr.minhash_dedup(blocks(pa.Table.from_pylist(rows), 6), shards=3, **options)
    got = found.out.take_all()
    assert [r["id"] for r in got if r["millstone_kept"]] == [r["id"] for r in kept]
    cli_dropped = [(r["id"], r["millstone"]["duplicate_of"], r["millstone"]["similarity"]) for r in dropped]
    ray_dropped = []
    for r in got:
        if not r["millstone_kept"]:
            m = json.loads(r["millstone"])
            ray_dropped.append((r["id"], m["duplicate_of"], m["similarity"]))
    assert ray_dropped == cli_dropped
    assert len(cli_dropped) > 50
    found.write_clusters(tmp_path / "clusters.jsonl")
    assert (tmp_path / "clusters.jsonl").read_bytes() == (tmp_path / "cli" / "clusters.jsonl").read_bytes()
    # MinHash buckets chain documents (rounds of star contraction needed); exact buckets are
    # stars already.
    assert found.rounds >= (1 if "exact" in args else 2)


def test_minhash_dedup_against_a_saved_index(ray_cluster, cli, sample_rows, tmp_path):
    """A saved index from one crawl (on storage every worker can read), a new crawl deduped
    against it: the same survivors, drops and clusters.jsonl (with `in_index`) as the CLI."""
    rows = near_duplicates(sample_rows)
    old, new = rows[:600], rows[600:]
    for name, part in (("old.jsonl", old), ("new.jsonl", new)):
        (tmp_path / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    cli("dedup", "--save-index", tmp_path / "index", tmp_path / "old.jsonl", out=tmp_path / "first")
    kept, dropped = cli("dedup", "--against", tmp_path / "index", tmp_path / "new.jsonl", out=tmp_path / "cli")
    found = mr.minhash_dedup(blocks(pa.Table.from_pylist(new), 4), shards=3, against=str(tmp_path / "index"))
    got = found.out.take_all()
    assert [r["id"] for r in got if r["millstone_kept"]] == [r["id"] for r in kept]
    assert [(r["id"], json.loads(r["millstone"])["duplicate_of"]) for r in got if not r["millstone_kept"]] == [
        (r["id"], r["millstone"]["duplicate_of"]) for r in dropped
    ]
    found.write_clusters(tmp_path / "clusters.jsonl")
    assert (tmp_path / "clusters.jsonl").read_bytes() == (tmp_path / "cli" / "clusters.jsonl").read_bytes()
    assert sum("in_index" in c for c in found.clusters) > 20
    with pytest.raises(millstone.ConfigError, match="save_index"):
        mr.minhash_dedup(blocks(pa.Table.from_pylist(new), 2), save_index=str(tmp_path / "x"))


def test_ray_refuses_what_it_cannot_split(ray_cluster, sample_table):
    p = millstone.Pipeline.from_toml_str('[[stage]]\ntype = "dedup"\n')
    with pytest.raises(millstone.ConfigError, match="cannot be split"):
        mr.process(blocks(sample_table, 2), p)
    with pytest.raises(millstone.ConfigError, match="one machine only"):
        mr.minhash_dedup(blocks(sample_table, 2), method="reprints")
