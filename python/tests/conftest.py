"""Shared fixtures: the command line (what every Python result is compared with), the bundled
sample corpus, and a local Ray cluster (a head and two worker nodes, each its own raylet and
worker processes, on this machine)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "webpages.jsonl.zst"


def cli_path() -> Path:
    p = Path(os.environ.get("MILLSTONE_BIN", ROOT / "target" / "debug" / "millstone"))
    if not p.exists():
        pytest.fail(f"the millstone binary is missing at {p}: build it (cargo build -p millstone) or set MILLSTONE_BIN")
    return p


def read_jsonl(path: Path):
    data = path.read_bytes()
    if path.suffix == ".zst":
        data = pa.input_stream(str(path), compression="zstd").read()
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]


def read_parts(folder: Path):
    rows = []
    for p in sorted(folder.glob("part-*")):
        rows.extend(read_jsonl(p))
    return rows


@pytest.fixture(scope="session")
def cli():
    """Run ``millstone ARGS...``; returns the output folder's kept and dropped records."""
    binary = cli_path()

    def run(*args, out: Path):
        subprocess.run([str(binary), *map(str, args), "-o", str(out), "-q", "--no-report", "--force"], check=True)
        return read_parts(out / "kept"), read_parts(out / "dropped")

    return run


@pytest.fixture(scope="session")
def sample_rows():
    return read_jsonl(SAMPLE)


@pytest.fixture(scope="session")
def sample_table(sample_rows):
    return pa.Table.from_pylist(sample_rows)


@pytest.fixture(scope="session")
def ray_cluster():
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False},
    )
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()
    cluster.shutdown()
