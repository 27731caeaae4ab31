"""The datatrove step gives the command line's decisions inside a datatrove pipeline."""

from __future__ import annotations

import json

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from millstone.datatrove import MillstoneStep


def test_step_keeps_and_drops_like_the_cli(cli, sample_rows, tmp_path):
    from conftest import SAMPLE

    kept, dropped = cli("run", "--preset", "fineweb", SAMPLE, out=tmp_path / "cli")
    docs = [Document(text=r["text"], id=r["id"], metadata={"url": r["url"]}) for r in sample_rows]
    step = MillstoneStep("fineweb", batch_size=300)
    out = list(step.run(iter(docs)))
    assert [(d.id, d.text) for d in out] == [(r["id"], r["text"]) for r in kept]
    assert out[0].metadata["millstone"]["tokens"] == kept[0]["millstone"]["tokens"]
    assert step.stats["dropped"].total == len(dropped)
    reasons = {}
    for r in dropped:
        key = f"dropped_{r['millstone']['drop']['stage']}/{r['millstone']['drop']['reason']}"
        reasons[key] = reasons.get(key, 0) + 1
    for key, n in reasons.items():
        assert step.stats[key].total == n, key


def test_step_runs_in_a_datatrove_executor_with_an_exclusion_writer(cli, sample_rows, tmp_path):
    from conftest import read_jsonl

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text(
        "".join(json.dumps({"id": r["id"], "text": r["text"], "metadata": {"url": r["url"]}}) + "\n" for r in sample_rows)
    )
    # The command line on the same records (datatrove's layout: the URL under `metadata`).
    kept, dropped = cli("run", "--preset", "news", src / "a.jsonl", out=tmp_path / "cli")
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(src)),
            # `news` has a corpus pass (boilerplate's cross-page line counts): the task's
            # documents are its corpus, here the whole input.
            MillstoneStep("news", exclusion_writer=JsonlWriter(str(tmp_path / "removed"), compression=None)),
            JsonlWriter(str(tmp_path / "kept"), compression=None),
        ],
        tasks=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    got = [r for p in sorted((tmp_path / "kept").glob("*.jsonl")) for r in read_jsonl(p)]
    assert [(r["id"], r["text"]) for r in got] == [(r["id"], r["text"]) for r in kept]
    removed = [r for p in sorted((tmp_path / "removed").glob("*.jsonl")) for r in read_jsonl(p)]
    assert [(r["id"], r["metadata"]["filter_reason"]) for r in removed] == [
        (r["id"], f"{r['millstone']['drop']['stage']}/{r['millstone']['drop']['reason']}") for r in dropped
    ]
