"""millstone pipelines on Ray Datasets, with the command line's decisions.

:func:`process` runs a pipeline over a dataset with ``map_batches``. Stages that need the whole
corpus first (``boilerplate``'s cross-document line counts, ``paragraph_dedup``) run as a map +
merge: every batch is observed into a partial on the workers, the driver merges the partials and
finishes them into decisions, and the processing batches install those decisions. Rows are
numbered in dataset order before anything runs, so "first occurrence" means what it means for
the command line reading the same rows in the same order.

:func:`minhash_dedup` is MinHash-LSH dedup (the command line's ``millstone dedup``, the same
clusters and survivors): see its docstring.

Not here: reading or writing files (use ``ray.data.read_*`` / ``Dataset.write_*``), and a
``dedup`` stage inside a pipeline (its state cannot be split; use :func:`minhash_dedup`).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.compute as pc
try:
    import ray
    import ray.data
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("millstone.ray needs Ray Data: pip install 'millstone[ray]'") from e

from . import ConfigError, InputError, Pipeline, _handover, _outcomes

ROW = "_millstone_row"
"""The column of global row numbers (from 0) that :func:`number_rows` adds."""


def _spec(pipeline: Union[str, Pipeline]) -> Tuple[str, str]:
    if isinstance(pipeline, Pipeline):
        return pipeline.spec
    if isinstance(pipeline, str):
        return Pipeline.from_preset(pipeline).spec
    raise ConfigError(f"expected a preset name or a millstone.Pipeline, got {type(pipeline).__name__}")


@ray.remote
def _num_rows(block: pa.Table) -> int:
    return block.num_rows


@ray.remote
def _with_rows(block: pa.Table, first: int) -> pa.Table:
    if ROW in block.column_names:
        block = block.drop_columns([ROW])
    return block.append_column(ROW, pa.array(range(first, first + block.num_rows), pa.int64()))


def number_rows(ds: ray.data.Dataset) -> ray.data.Dataset:
    """``ds`` with a column ``_millstone_row``: each row's position in the dataset (from 0).
    Executes ``ds``; the blocks keep their order."""
    refs = ds.to_arrow_refs()
    counts = ray.get([_num_rows.remote(r) for r in refs])
    starts, total = [], 0
    for n in counts:
        starts.append(total)
        total += n
    return ray.data.from_arrow_refs([_with_rows.remote(r, s) for r, s in zip(refs, starts)])


def _ordered() -> None:
    ray.data.DataContext.get_current().execution_options.preserve_order = True


class _Worker:
    """A worker's pipeline, built once per actor, with the corpus decisions installed."""

    def __init__(self, spec, decisions, text_field, id_field):
        self.pipeline = Pipeline.from_spec(tuple(spec))
        for k, d in decisions:
            self.pipeline._native.install_decisions(k, d)
        self.text_field = text_field
        self.id_field = id_field

    def _split(self, batch: pa.Table) -> Tuple[pa.Table, List[int]]:
        if ROW not in batch.column_names:
            raise InputError("the batch has no _millstone_row column: number rows first")
        rows = batch.column(ROW).to_pylist()
        return batch.drop_columns([ROW]), rows


class _Observe(_Worker):
    def __init__(self, spec, decisions, text_field, id_field, k):
        super().__init__(spec, decisions, text_field, id_field)
        self.k = k

    def __call__(self, batch: pa.Table) -> pa.Table:
        body, rows = self._split(batch)
        partial = self.pipeline._native.observe_pass(
            self.k, _handover(body), text_field=self.text_field, id_field=self.id_field, rows=rows
        )
        return pa.table({"partial": pa.array([partial], pa.binary())})


class _Process(_Worker):
    def __call__(self, batch: pa.Table) -> pa.Table:
        body, rows = self._split(batch)
        out = self.pipeline._native.process(
            _handover(body),
            text_field=self.text_field,
            id_field=self.id_field,
            rows=rows,
            split=False,
        )
        outcome = _outcomes(out, rows, lambda r: json.dumps({"rejected": r}))
        order = sorted(outcome)
        table = body.take(pa.array(order, pa.int64()))
        texts = pa.array([outcome[i][1] for i in order], pa.string())
        col = table.column_names.index(self.text_field)
        table = table.set_column(col, self.text_field, texts)
        table = table.append_column("millstone", pa.array([outcome[i][2] for i in order], pa.string()))
        table = table.append_column("millstone_kept", pa.array([outcome[i][0] for i in order], pa.bool_()))
        return table.append_column(ROW, pa.array([rows[i] for i in order], pa.int64()))


def _actors(concurrency: Optional[int]) -> int:
    if concurrency is not None:
        return concurrency
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _run_passes(ds, spec, text_field, id_field, batch_size, concurrency):
    """Every corpus pass of the pipeline as map (observe) + merge on the driver; returns the
    decisions as ``[(stage index, bytes)]``."""
    driver = Pipeline.from_spec(spec)
    driver._native.check_splittable()
    decisions: List[Tuple[int, bytes]] = []
    for k in driver.corpus_stages():
        parts = ds.map_batches(
            _Observe,
            fn_constructor_kwargs=dict(
                spec=list(spec), decisions=list(decisions), text_field=text_field, id_field=id_field, k=k
            ),
            batch_format="pyarrow",
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=_actors(concurrency)),
        )
        partials = [row["partial"] for row in parts.take_all()]
        merged = driver._native.merge_partials(k, partials)
        d = driver._native.finish_pass(k, merged)
        driver._native.install_decisions(k, d)
        decisions.append((k, d))
    return decisions


def process(
    ds: ray.data.Dataset,
    pipeline: Union[str, Pipeline],
    *,
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = 1024,
    concurrency: Optional[int] = None,
) -> ray.data.Dataset:
    """Run ``pipeline`` (a preset name or a :class:`millstone.Pipeline`) over ``ds``.

    Returns every row of ``ds`` in order, with the text after the stages, a ``millstone`` column
    (the command line's ``millstone`` object as JSON text: measured attributes, and for a dropped
    row ``drop = {stage, reason, ...}``; ``rejected`` for a row that could not be read) and
    ``millstone_kept`` (bool). :func:`kept` and :func:`dropped` split it. ``text_field`` must be a
    top-level string column."""
    if "." in text_field and text_field not in ds.schema().names:
        raise ConfigError("on Ray, text_field must be a top-level column")
    _ordered()
    spec = _spec(pipeline)
    numbered = number_rows(ds)
    decisions = _run_passes(numbered, spec, text_field, id_field, batch_size, concurrency)
    return numbered.map_batches(
        _Process,
        fn_constructor_kwargs=dict(
            spec=list(spec), decisions=decisions, text_field=text_field, id_field=id_field
        ),
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=_actors(concurrency)),
    )


def kept(out: ray.data.Dataset) -> ray.data.Dataset:
    """The kept rows of :func:`process`'s output."""
    return out.map_batches(lambda t: t.filter(pc.field("millstone_kept")), batch_format="pyarrow")


def dropped(out: ray.data.Dataset) -> ray.data.Dataset:
    """The dropped (and rejected) rows of :func:`process`'s output."""
    return out.map_batches(lambda t: t.filter(~pc.field("millstone_kept")), batch_format="pyarrow")


# --- MinHash dedup -----------------------------------------------------------------------------
#
# Every step is a Ray task over a shard; shuffles are hash partitions passed between tasks as
# object references (``num_returns`` = shards). The native steps are pure functions, so the
# result does not depend on where or in which order tasks run.

import numpy as np

from . import _millstone


def _part(values, shards: int) -> np.ndarray:
    x = np.asarray(values, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return ((x * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) % np.uint64(shards)


def _split(table: pa.Table, part: np.ndarray, shards: int):
    pieces = [table.filter(pa.array(part == i)) for i in range(shards)]
    return pieces if shards > 1 else pieces[0]


def _concat(tables) -> pa.Table:
    tables = [t for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else None


_EDGES = pa.schema([("a", pa.uint64()), ("b", pa.uint64())])


def _edges(a, b) -> pa.Table:
    return pa.table({"a": pa.array(a, pa.uint64()), "b": pa.array(b, pa.uint64())})


def _signed_table(s) -> pa.Table:
    return pa.table(
        {
            "row": pa.array(s["row"], pa.uint64()),
            "keys": pa.array(s["keys"], pa.list_(pa.uint64())),
            "sig": pa.array(s["sig"], pa.binary()),
            "len": pa.array(s["len"], pa.uint64()),
            "quality": pa.array(s["quality"], pa.float64()),
            "id": pa.array(s["id"], pa.string()),
            "url": pa.array(s["url"], pa.string()),
        }
    )


@ray.remote
def _sign(block: pa.Table, options: str, text_field: str, id_field: str, n_old: int) -> pa.Table:
    # Documents are numbered after the saved index's (`against`), as on one machine.
    rows = [r + n_old for r in block.column(ROW).to_pylist()]
    body = block.drop_columns([ROW])
    return _signed_table(_millstone.dedup_sign(_handover(body), options, rows, text_field=text_field, id_field=id_field))


@ray.remote
def _explode(signed: pa.Table, shards: int):
    """(band, key, doc, sig) entries, sharded by (band, key)."""
    # One entry per band key, without a Python loop: the flattened keys, each one's document
    # (its list's index) and band (its place in the list).
    lists = pc.list_flatten(signed.column("keys")).combine_chunks() if signed.num_rows else pa.array([], pa.uint64())
    keys = lists.to_numpy(zero_copy_only=False).astype(np.uint64)
    parent = pc.list_parent_indices(signed.column("keys")).to_numpy() if signed.num_rows else np.zeros(0, np.int64)
    starts = np.zeros(signed.num_rows, np.int64)
    lengths = pc.list_value_length(signed.column("keys")).to_numpy(zero_copy_only=False)
    starts[1:] = np.cumsum(lengths)[:-1]
    bands = (np.arange(len(keys)) - starts[parent]).astype(np.uint64)
    take = pa.array(parent, pa.int64())
    t = pa.table(
        {
            "band": pa.array(bands, pa.uint32()),
            "key": pa.array(keys, pa.uint64()),
            "doc": signed.column("row").take(take),
            "sig": signed.column("sig").take(take),
        }
    )
    part = _part(keys ^ bands, shards)
    return _split(t, part, shards)


@ray.remote
def _join(options: str, *pieces) -> pa.Table:
    t = _concat(pieces)
    if t is None:
        return _EDGES.empty_table()
    a, b = _millstone.dedup_join_buckets(
        options,
        t.column("band").to_pylist(),
        t.column("key").to_pylist(),
        t.column("doc").to_pylist(),
        t.column("sig").to_pylist(),
    )
    return _edges(a, b)


@ray.remote
def _orient(edges: pa.Table, shards: int, both: bool):
    """(node, neighbour) pairs sharded by node: both orientations (large-star) or from the larger
    end only (small-star)."""
    a, b = edges.column("a").to_numpy(), edges.column("b").to_numpy()
    if both:
        u, v = np.concatenate([a, b]), np.concatenate([b, a])
    else:
        u, v = b, a
    return _split(_edges(u, v).rename_columns(["a", "b"]), _part(u, shards), shards)


@ray.remote
def _star(large: bool, *pieces) -> pa.Table:
    t = _concat(pieces)
    if t is None:
        return _EDGES.empty_table()
    step = _millstone.dedup_large_star if large else _millstone.dedup_small_star
    a, b = step(t.column("a").to_pylist(), t.column("b").to_pylist())
    return _edges(a, b)


@ray.remote
def _by_edge(edges: pa.Table, shards: int):
    a, b = edges.column("a").to_numpy(), edges.column("b").to_numpy()
    return _split(edges, _part(a * np.uint64(1_000_003) ^ b, shards), shards)


@ray.remote
def _same(n_old: int, *pieces) -> bool:
    def canon(ts):
        t = _concat(ts)
        if t is None:
            return []
        return sorted(zip(t.column("a").to_pylist(), t.column("b").to_pylist()))

    return canon(pieces[:n_old]) == canon(pieces[n_old:])


def _as_list(refs, shards):
    return refs if shards > 1 else [refs]


def _shuffle(tables, task, shards, *args):
    """Run ``task`` on every table (it returns ``shards`` pieces) and regroup the pieces by shard."""
    out = [_as_list(task.options(num_returns=shards).remote(t, shards, *args), shards) for t in tables]
    return [[pieces[i] for pieces in out] for i in range(shards)]


def _components(edges, shards: int):
    """Large-star / small-star rounds until the edge set stops changing: every component is then
    a star around its smallest document. Returns the final edges (root, member) per shard."""
    rounds = 0
    while True:
        rounds += 1
        if rounds > 200:
            raise RuntimeError("connected components did not converge in 200 rounds")
        large = [_star.remote(True, *g) for g in _shuffle(edges, _orient, shards, True)]
        small = [_star.remote(False, *g) for g in _shuffle(large, _orient, shards, False)]
        old = _shuffle(edges, _by_edge, shards)
        new = _shuffle(small, _by_edge, shards)
        if all(ray.get([_same.remote(len(o), *o, *n) for o, n in zip(old, new)])):
            return small, rounds
        edges = small


@ray.remote
def _roots(edges: pa.Table, shards: int):
    """(doc, root) for every document in a component (roots included), sharded by doc."""
    a, b = edges.column("a").to_numpy(), edges.column("b").to_numpy()
    doc, root = np.concatenate([b, a]), np.concatenate([a, a])
    return _split(_edges(doc, root).rename_columns(["a", "b"]), _part(doc, shards), shards)


@ray.remote
def _signed_by_doc(signed: pa.Table, shards: int):
    return _split(signed.drop_columns(["keys"]), _part(signed.column("row").to_numpy(), shards), shards)


@ray.remote
def _attach(shards: int, n_signed: int, *pieces):
    """Members with their root, sharded by root; and (doc, id, url) of every member."""
    signed = _concat(pieces[:n_signed])
    roots = _concat(pieces[n_signed:])
    empty = pa.table({"row": pa.array([], pa.uint64())})
    if signed is None or roots is None:
        return [empty] * shards + [None] if shards > 1 else (empty, None)
    root_of = dict(zip(roots.column("a").to_pylist(), roots.column("b").to_pylist()))
    docs = signed.column("row").to_pylist()
    keep = [d in root_of for d in docs]
    members = signed.filter(pa.array(keep))
    members = members.append_column("root", pa.array([root_of[d] for d in members.column("row").to_pylist()], pa.uint64()))
    names = members.select(["row", "id", "url"])
    parts = _split(members, _part(members.column("root").to_numpy(), shards), shards)
    return (parts if shards > 1 else [parts]) + [names]


@ray.remote
def _decide(options: str, n_old: int, *pieces):
    t = _concat(pieces)
    if t is None:
        return []
    return _millstone.dedup_decide(
        options,
        n_old,
        t.column("row").to_pylist(),
        t.column("root").to_pylist(),
        t.column("len").to_pylist(),
        t.column("quality").to_pylist(),
        t.column("sig").to_pylist(),
    )


class _Apply:
    def __init__(self, decisions, keep_all, n_old):
        self.decisions = decisions
        self.keep_all = keep_all
        self.n_old = n_old

    def __call__(self, batch: pa.Table) -> pa.Table:
        kept, millstone = [], []
        for row in batch.column(ROW).to_pylist():
            d = self.decisions.get(row + self.n_old)
            if d is None:
                kept.append(True)
                millstone.append("{}")
                continue
            cluster, survivor_id, size, sim = d
            if survivor_id is None:
                kept.append(True)
                millstone.append(json.dumps({"cluster": cluster, "cluster_size": size}, ensure_ascii=False, separators=(",", ":")))
            else:
                attrs = {"cluster": cluster, "duplicate_of": survivor_id, "similarity": sim}
                if not self.keep_all:
                    attrs = {"drop": {"stage": "dedup", "reason": "duplicate"}, **attrs}
                kept.append(self.keep_all)
                millstone.append(json.dumps(attrs, ensure_ascii=False, separators=(",", ":")))
        batch = batch.append_column("millstone", pa.array(millstone, pa.string()))
        return batch.append_column("millstone_kept", pa.array(kept, pa.bool_()))


class Dedup:
    """What :func:`minhash_dedup` found: ``out`` (every row with ``millstone`` and
    ``millstone_kept``, as :func:`process` gives), ``clusters`` (the lines of ``clusters.jsonl``)
    and ``rounds`` (connected-component rounds run)."""

    def __init__(self, out, clusters, rounds):
        self.out = out
        self.clusters = clusters
        self.rounds = rounds

    def write_clusters(self, path) -> None:
        """``clusters.jsonl`` as ``millstone dedup`` writes it."""
        with open(path, "w", encoding="utf-8") as f:
            for line in self.clusters:
                f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
                f.write("\n")


def minhash_dedup(
    ds: ray.data.Dataset,
    *,
    text_field: str = "text",
    id_field: str = "id",
    shards: Optional[int] = None,
    **options: Any,
) -> Dedup:
    """``millstone dedup`` on a Ray cluster: the same clusters, survivors, cluster numbers and
    ``clusters.jsonl`` as the command line reading the same rows in the same order.

    ``options`` are the ``dedup`` stage's (``method`` = ``"minhash"`` (default) or ``"exact"``,
    ``n_grams``, ``bands``, ``rows``, ``threshold``, ``verify``, ``max_anchors``, ``survivor``,
    ``quality_field``, ``url_field``, ``keep_all``, ``against`` (a saved index folder, e.g. on
    shared storage every worker mounts: its documents take part first and always survive), ...).
    Steps: MinHash signatures per block
    (tasks), band keys shuffled into ``shards`` by key, each shard's buckets joined into verified
    edges, connected components by large-star / small-star rounds (each a shuffle; deterministic,
    nothing held by one machine but the final clusters), each component shard decided (survivor,
    members that resemble it), clusters numbered by their smallest member, rows marked.
    ``save_index`` and ``method = "reprints"`` run on one machine only (``millstone dedup``).
    The index is read by the driver."""
    options.setdefault("method", "minhash")
    keep_all = bool(options.get("keep_all", False))
    opts = json.dumps(options)
    _millstone.dedup_check(opts)
    _ordered()
    shards = shards or max(2, int(ray.cluster_resources().get("CPU", 2)))
    numbered = number_rows(ds)
    refs = numbered.to_arrow_refs()
    # A saved index (`against`): its documents come first (numbers 0..n_old) and always survive.
    index = _signed_table(_millstone.dedup_index(opts))
    n_old = index.num_rows
    signed = [_sign.remote(r, opts, text_field, id_field, n_old) for r in refs]
    if n_old:
        signed.append(ray.put(index))
    buckets = _shuffle(signed, _explode, shards)
    edges = [_join.remote(opts, *g) for g in buckets]
    stars, rounds = _components(edges, shards)
    roots = _shuffle(stars, _roots, shards)
    by_doc = _shuffle(signed, _signed_by_doc, shards)
    attached = [
        _attach.options(num_returns=shards + 1).remote(shards, len(by_doc[i]), *by_doc[i], *roots[i])
        for i in range(shards)
    ]
    decided = [_decide.remote(opts, n_old, *[a[i] for a in attached]) for i in range(shards)]
    found = sorted((c for part in ray.get(decided) for c in part), key=lambda c: c[0][0])
    names = {}
    for t in ray.get([a[shards] for a in attached]):
        if t is not None:
            for row, i, u in zip(t.column("row").to_pylist(), t.column("id").to_pylist(), t.column("url").to_pylist()):
                names[row] = (i, u)
    clusters, decisions = [], {}
    for c, (members, survivor, sims) in enumerate(found):
        line = {
            "cluster": c,
            "size": len(members),
            "representative": names[survivor][0],
            "members": [names[m][0] for m in members],
            "similarity": sims,
        }
        urls = [names[m][1] for m in members]
        if any(u is not None for u in urls):
            line["urls"] = urls
        in_index = [names[m][0] for m in members if m < n_old]
        if in_index:
            line["in_index"] = in_index
        clusters.append(line)
        for m, s in zip(members, sims):
            if m == survivor:
                decisions[m] = (c, None, len(members), s)
            else:
                decisions[m] = (c, names[survivor][0], len(members), s)
    out = numbered.map_batches(
        _Apply,
        fn_constructor_kwargs=dict(decisions=decisions, keep_all=keep_all, n_old=n_old),
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=_actors(None)),
    )
    return Dedup(out, clusters, rounds)
