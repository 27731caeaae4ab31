"""millstone in Python: the same pipelines, stages and decisions as the ``millstone`` command
line, on Arrow data.

>>> import millstone, pyarrow as pa
>>> p = millstone.Pipeline.from_preset("gopher")
>>> r = p.process(pa.table({"id": ["a"], "text": ["too short"]}))
>>> r.dropped.column("id").to_pylist(), r.kept.num_rows
(['a'], 0)

- :class:`Pipeline`: a preset or pipeline file; :meth:`Pipeline.process` runs it over an Arrow
  table / record batch (zero-copy through the Arrow C stream interface), anything with
  ``__arrow_c_stream__``, a pandas DataFrame, or a list of dicts, and returns a :class:`Result`.
- :func:`run`: the ``millstone run`` job on files and folders.
- :mod:`millstone.datatrove`: a datatrove pipeline step; :mod:`millstone.ray`: Ray Datasets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

import pyarrow as pa

from . import _millstone
from ._millstone import ConfigError, InputError, MillstoneError, RunError

__version__ = _millstone.__version__
__all__ = [
    "Pipeline",
    "Result",
    "run",
    "presets",
    "MillstoneError",
    "ConfigError",
    "InputError",
    "RunError",
]


class _Stream:
    """Holds an ``arrow_array_stream`` capsule for pyarrow's import."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def _table(capsule: Any) -> pa.Table:
    return pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()


def _handover(data: Any) -> Any:
    """What the native module takes: an Arrow stream capsule, or a list of dicts."""
    if isinstance(data, list):
        return data
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if hasattr(data, "__arrow_c_stream__"):
        return data.__arrow_c_stream__()
    if type(data).__name__ == "DataFrame" and hasattr(data, "to_dict"):
        # pandas without the Arrow stream protocol (older releases)
        return pa.Table.from_pandas(data, preserve_index=False).__arrow_c_stream__()
    if isinstance(data, tuple):
        return list(data)
    raise InputError(
        f"expected a pyarrow Table or RecordBatch, an object with __arrow_c_stream__, "
        f"a pandas DataFrame or a list of dicts, got {type(data).__name__}"
    )


def _outcomes(out: Dict[str, Any], rows: Optional[Sequence[int]], rejected: Any) -> Dict[int, tuple]:
    """The native ``process(..., split=False)`` result by position in the batch: ``(kept, text,
    millstone JSON)`` per row; a rejected row (numbered by its position, from 1) gets
    ``(False, None, rejected(r))``. ``rows``: the corpus numbers the batch was given, if any."""
    got = out["rows"]
    position = (lambda rec: rec - 1) if rows is None else {n + 1: i for i, n in enumerate(rows)}.__getitem__
    outcome = {position(rec): (k, t, m) for rec, k, t, m in zip(got["record"], got["kept"], got["text"], got["millstone"])}
    for r in out["rejected"]:
        outcome[r["record"] - 1] = (False, None, rejected(r))
    return outcome


@dataclass
class Result:
    """What a pipeline made of one batch.

    ``kept`` and ``dropped`` are Arrow tables shaped like the command line's output records:
    the input's columns (text after the stages) plus a ``millstone`` struct column (measured
    attributes; for dropped rows ``millstone.drop = {stage, reason, value, threshold}``).
    ``rejected`` lists rows that could not be read as documents (null or non-string text);
    ``stats`` is the batch's part of ``stats.json`` (read = kept + dropped + rejected).
    """

    kept: pa.Table
    dropped: pa.Table
    rejected: List[Dict[str, Any]] = field(default_factory=list)
    stats: Dict[str, Any] = field(default_factory=dict)

    def drop_reasons(self) -> Dict[str, int]:
        """``{"stage/reason": count}`` over the dropped rows."""
        out: Dict[str, int] = {}
        if self.dropped.num_rows == 0:
            return out
        for m in self.dropped.column("millstone").to_pylist():
            key = f"{m['drop']['stage']}/{m['drop']['reason']}"
            out[key] = out.get(key, 0) + 1
        return out


class Pipeline:
    """An ordered list of millstone stages: a preset (:func:`presets`) or a pipeline file."""

    def __init__(self, native: "_millstone.Pipeline", spec: tuple) -> None:
        self._native = native
        # How to build the same pipeline elsewhere (a Ray worker): ("preset", name) or
        # ("toml", text).
        self.spec = spec

    @classmethod
    def from_preset(cls, name: str) -> "Pipeline":
        return cls(_millstone.Pipeline.from_preset(name), ("preset", name))

    @classmethod
    def from_toml(cls, path: Union[str, os.PathLike]) -> "Pipeline":
        """A pipeline file (``[[stage]]`` tables, as ``millstone run --pipeline FILE``)."""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise ConfigError(f"cannot read pipeline file {os.fspath(path)}: {e}") from e
        return cls(_millstone.Pipeline.from_toml_str(text, os.fspath(path)), ("toml", text))

    @classmethod
    def from_toml_str(cls, text: str) -> "Pipeline":
        return cls(_millstone.Pipeline.from_toml_str(text), ("toml", text))

    @classmethod
    def from_spec(cls, spec: tuple) -> "Pipeline":
        kind, value = spec
        if kind == "preset":
            return cls.from_preset(value)
        if kind == "toml":
            return cls.from_toml_str(value)
        raise ConfigError(f"unknown pipeline spec {kind!r}")

    @property
    def stages(self) -> List[str]:
        return self._native.stages

    def corpus_stages(self) -> List[int]:
        """Indices of stages that need a pass over the whole corpus first (dedup, boilerplate's
        cross-document line counts, paragraph_dedup)."""
        return self._native.corpus_stages()

    def process(
        self,
        data: Any,
        *,
        text_field: str = "text",
        id_field: str = "id",
        first_row: int = 0,
    ) -> Result:
        """Run the stages over one batch. A pipeline with a corpus pass raises ``RunError``
        until its pass ran: use :meth:`process_corpus`, or :mod:`millstone.ray`."""
        return self._process(data, text_field, id_field, first_row, corpus=False)

    def process_corpus(self, data: Any, *, text_field: str = "text", id_field: str = "id") -> Result:
        """Take ``data`` as the whole corpus: run the corpus passes over it, then the stages
        (once per pipeline)."""
        return self._process(data, text_field, id_field, 0, corpus=True)

    def _process(self, data: Any, text_field: str, id_field: str, first_row: int, corpus: bool) -> Result:
        out = self._native.process(
            _handover(data),
            text_field=text_field,
            id_field=id_field,
            corpus=corpus,
            first_row=first_row,
        )
        return Result(
            kept=_table(out["kept"]),
            dropped=_table(out["dropped"]),
            rejected=out["rejected"],
            stats=json.loads(out["stats"]),
        )

    def __repr__(self) -> str:
        return f"Pipeline({' -> '.join(self.stages)})"


def presets() -> Dict[str, str]:
    """Built-in presets: name → what it does."""
    return dict(_millstone.presets())


def run(
    inputs: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]],
    output: Union[str, os.PathLike],
    *,
    preset: Optional[str] = None,
    pipeline: Optional[Union[str, os.PathLike]] = None,
    threads: Optional[int] = None,
    force: bool = False,
    resume: bool = False,
    format: str = "jsonl",
    compression: str = "zstd",
    zstd_level: int = 1,
    text_field: str = "text",
    id_field: str = "id",
    shard_size: str = "256M",
    max_record_bytes: str = "64M",
    invalid_utf8: str = "reject",
) -> Dict[str, Any]:
    """``millstone run``: read files and folders (JSONL, Parquet, text, WARC/WET/ARC, HTML),
    write ``kept/``, ``dropped/``, ``rejected/`` and ``stats.json`` to ``output``. Options have
    the command line's names and defaults. Returns the run's statistics."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    stats = _millstone.run(
        [os.fspath(i) for i in inputs],
        os.fspath(output),
        preset=preset,
        pipeline=None if pipeline is None else os.fspath(pipeline),
        threads=threads,
        force=force,
        resume=resume,
        format=format,
        compression=compression,
        zstd_level=zstd_level,
        text_field=text_field,
        id_field=id_field,
        shard_size=shard_size,
        max_record_bytes=max_record_bytes,
        invalid_utf8=invalid_utf8,
    )
    return json.loads(stats)
