"""A millstone pipeline as one datatrove step, for datatrove users who keep their readers,
writers and executor::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from millstone.datatrove import MillstoneStep

    LocalPipelineExecutor(pipeline=[
        JsonlReader("data/"),
        MillstoneStep("fineweb", exclusion_writer=JsonlWriter("removed/")),
        JsonlWriter("kept/"),
    ]).run()

Documents go to millstone in batches as ``{"id", "text", "metadata"}`` records (datatrove's JSONL
layout, so a stage option naming a field reads ``metadata.url`` and so on). Kept documents come
out in order with millstone's text (stages such as ``boilerplate`` and ``pii`` change it) and
``metadata["millstone"]`` (the measured attributes); dropped ones go to ``exclusion_writer`` with
``metadata["filter_reason"] = "<stage>/<reason>"``, as datatrove's filters do. Stats:
``total``, ``forwarded``, ``dropped`` and ``dropped_<stage>/<reason>``.

A pipeline whose stages need the whole corpus (``boilerplate``, ``paragraph_dedup``, ``dedup``)
sees each datatrove task's documents as its corpus: the step reads the task's input first.
"""

from __future__ import annotations

import json
from typing import Optional, Union

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.writers.disk_base import DiskWriter
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("millstone.datatrove needs datatrove: pip install 'millstone[datatrove]'") from e

from . import Pipeline, _outcomes


class MillstoneStep(PipelineStep):
    name = "🪨 millstone"
    type = "🔻 - FILTER"

    def __init__(
        self,
        pipeline: Union[str, Pipeline] = "fineweb",
        exclusion_writer: Optional[DiskWriter] = None,
        batch_size: int = 1000,
    ):
        super().__init__()
        # Kept as a spec so the step pickles to datatrove's workers.
        self.spec = pipeline.spec if isinstance(pipeline, Pipeline) else Pipeline.from_preset(pipeline).spec
        self.exclusion_writer = exclusion_writer
        self.batch_size = batch_size

    def _decide(self, pipeline: Pipeline, docs, corpus: bool):
        records = [{"id": d.id, "text": d.text, "metadata": d.metadata} for d in docs]
        native = pipeline._native
        out = native.process(records, corpus=corpus, split=False)
        outcome = _outcomes(out, None, lambda r: json.dumps({"drop": {"stage": "input", "reason": r["kind"]}}))
        return [outcome[i] for i in range(len(docs))]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        pipeline = Pipeline.from_spec(tuple(self.spec))
        corpus = bool(pipeline.corpus_stages())
        if corpus:
            batches = [list(data)]
        else:
            batches = _batched(data, self.batch_size)
        writer = self.exclusion_writer
        if writer is not None:
            writer.__enter__()
        try:
            for batch in batches:
                with self.track_time("batch"):
                    decided = self._decide(pipeline, batch, corpus)
                for doc, (kept, text, m) in zip(batch, decided):
                    self.stat_update("total")
                    attrs = json.loads(m)
                    drop = attrs.pop("drop", None)
                    if attrs:
                        doc.metadata["millstone"] = attrs
                    if kept:
                        doc.text = text
                        self.stat_update("forwarded")
                        self.update_doc_stats(doc)
                        yield doc
                    else:
                        reason = f"{drop['stage']}/{drop['reason']}"
                        self.stat_update("dropped", f"dropped_{reason}")
                        if writer is not None:
                            doc.metadata["filter_reason"] = reason
                            writer.write(doc, rank)
        finally:
            if writer is not None:
                writer.__exit__(None, None, None)


def _batched(data, n):
    batch = []
    for doc in data:
        batch.append(doc)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch
