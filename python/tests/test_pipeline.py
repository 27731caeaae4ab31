"""The Python pipeline gives the command line's decisions, on Arrow and on dicts; bad batches are
clear errors or counted rejections."""

from __future__ import annotations

import pyarrow as pa
import pytest

import millstone


def outcome(kept, dropped):
    """ids and texts kept, ids and (stage, reason) dropped, in order."""
    return (
        [(r["id"], r["text"]) for r in kept],
        [(r["id"], r["millstone"]["drop"]["stage"], r["millstone"]["drop"]["reason"]) for r in dropped],
    )


@pytest.mark.parametrize("preset", ["fineweb", "news", "gopher", "c4"])
def test_process_gives_the_cli_decisions(preset, cli, sample_table, tmp_path):
    from conftest import SAMPLE

    expected = outcome(*cli("run", "--preset", preset, SAMPLE, out=tmp_path))
    p = millstone.Pipeline.from_preset(preset)
    r = p.process_corpus(sample_table) if p.corpus_stages() else p.process(sample_table)
    got = outcome(r.kept.to_pylist(), r.dropped.to_pylist())
    assert got == expected
    assert len(expected[0]) > 100 and len(expected[1]) > 50
    assert r.stats["read"]["documents"] == 1000
    assert r.stats["kept"]["documents"] + r.stats["dropped"]["documents"] == 1000


def test_dicts_and_arrow_agree(sample_rows, sample_table):
    p = millstone.Pipeline.from_preset("fineweb")
    a = p.process(sample_table)
    d = p.process(sample_rows)
    assert a.kept.column("id").to_pylist() == d.kept.column("id").to_pylist()
    assert a.kept.column("text").to_pylist() == d.kept.column("text").to_pylist()
    assert a.drop_reasons() == d.drop_reasons()
    # Record batches and other Arrow stream producers are taken too.
    b = p.process(sample_table.to_batches()[0])
    assert b.kept.num_rows > 0


def test_input_columns_come_back_with_a_millstone_struct(sample_table):
    r = millstone.Pipeline.from_preset("fineweb").process(sample_table)
    assert r.kept.column_names[:4] == ["id", "url", "page_type", "text"]
    m = r.dropped.column("millstone").to_pylist()[0]
    assert set(m["drop"]) >= {"stage", "reason"}
    assert r.kept.column("millstone").to_pylist()[0]["tokens"] > 0


def test_bad_batches_are_errors_or_rejections():
    p = millstone.Pipeline.from_preset("gopher")
    with pytest.raises(millstone.InputError, match="no text column `text`"):
        p.process(pa.table({"id": ["a"], "body": ["x"]}))
    with pytest.raises(millstone.InputError, match="not a string column"):
        p.process(pa.table({"id": ["a"], "text": [1]}))
    with pytest.raises(millstone.InputError, match="expected a pyarrow Table"):
        p.process(42)
    r = p.process(pa.table({"id": ["a", "b", "c"], "text": ["too short", None, "also short"]}))
    assert [x["kind"] for x in r.rejected] == ["missing_text"]
    assert r.rejected[0]["record"] == 2
    assert r.stats["read"]["documents"] == 3
    assert r.stats["rejected"]["documents"] == 1
    assert r.stats["rejected_by"] == {"missing_text": 1}
    r = p.process([{"id": "a", "text": 5}, "junk", {"id": "b", "text": "short"}, {"text": object()}])
    assert [x["kind"] for x in r.rejected] == ["non_string_text", "not_an_object", "invalid_json"]
    assert r.dropped.column("id").to_pylist() == ["b"]


def test_config_and_run_errors():
    with pytest.raises(millstone.ConfigError, match="unknown preset `nope`"):
        millstone.Pipeline.from_preset("nope")
    with pytest.raises(millstone.ConfigError, match="unknown stage type"):
        millstone.Pipeline.from_toml_str('[[stage]]\ntype = "nope"\n')
    p = millstone.Pipeline.from_toml_str('[[stage]]\ntype = "dedup"\n')
    with pytest.raises(millstone.RunError, match="needs the whole corpus first"):
        p.process([{"id": "a", "text": "x"}])
    assert issubclass(millstone.ConfigError, millstone.MillstoneError)


def test_run_writes_what_the_cli_writes(cli, tmp_path):
    from conftest import SAMPLE, read_parts
    import json

    kept, dropped = cli("run", "--preset", "c4", SAMPLE, out=tmp_path / "cli")
    stats = millstone.run(SAMPLE, tmp_path / "py", preset="c4", threads=2)
    assert read_parts(tmp_path / "py" / "kept") == kept
    assert read_parts(tmp_path / "py" / "dropped") == dropped
    cli_stats = json.loads((tmp_path / "cli" / "stats.json").read_text())
    py_stats = json.loads((tmp_path / "py" / "stats.json").read_text())
    for key in ("documents", "bytes", "dropped_by", "rejected_by", "stages"):
        assert py_stats[key] == cli_stats[key], key
    assert stats["kept"]["documents"] == len(kept)
    with pytest.raises(millstone.ConfigError, match="exactly one of"):
        millstone.run(SAMPLE, tmp_path / "x")
