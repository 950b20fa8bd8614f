"""The local engine: the stages over one stream of documents, in ``jobs`` processes.

A runner of the stage interface (:mod:`cleancorpus.stages`) and nothing else. For each
learning round of a stage, one pass: the stream is cut into partitions of
:data:`PARTITION` documents; each partition gets the stages already learned applied and
the learning stage's ``partial`` (in a worker process with ``jobs > 1``); the states are
merged here as they arrive (:class:`TreeMerge`), and the documents, cleaned so far, are
spooled to disk for the next pass (so standard input and HTML extraction are read once).
After the last round of the last learning stage, one more pass applies what is left.

Results do not depend on ``jobs``: ``apply`` is a pure function of a document and the
finished states, and merging is exact in any order.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..document import Document
from ..stages import Stage, apply_stages

#: ``progress(stage, documents so far, total or None)``
ProgressCallback = Callable[[str, int, 'int | None'], None]

#: Documents in a partition of the local stream (one task for a worker).
PARTITION = 200


class Spool:
    """Documents parked on disk between two passes.

    Pickled in batches of ``BATCH`` documents, each document as a plain tuple of its
    fields: one ``pickle.dump`` per document cost more than the batch (a pickler set up
    each time, the record classes looked up again for every document).
    """

    BATCH = 256

    def __init__(self, folder: str | Path | None = None) -> None:
        handle = tempfile.NamedTemporaryFile(prefix="cleancorpus-spool-", suffix=".pickle",
                                             dir=folder, delete=False)
        self.path = Path(handle.name)
        handle.close()
        self.count = 0

    def record(self, documents: Iterable[Document]) -> Iterator[Document]:
        """Pass documents through while writing each to the spool."""
        with self.writer() as keep:
            for doc in documents:
                keep(doc)
                yield doc

    @contextlib.contextmanager
    def writer(self) -> Iterator[Callable[[Document], None]]:
        """A function that appends one document to the spool, for the block's duration."""
        batch: list[tuple] = []
        with open(self.path, "wb") as out:
            def keep(doc: Document) -> None:
                batch.append((doc.id, doc.text, doc.source, doc.meta, doc.records))
                self.count += 1
                if len(batch) >= self.BATCH:
                    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                    batch.clear()
            yield keep
            if batch:
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[Document]:
        with open(self.path, "rb") as source:
            left = self.count
            while left > 0:
                batch = pickle.load(source)
                left -= len(batch)
                for fields in batch:
                    yield Document(*fields)

    def __len__(self) -> int:
        return self.count

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class TreeMerge:
    """A stage's partial states merged as they arrive, as a binary counter adds: two states
    of one level are merged into one of the next. Each state takes part in O(log n) merges,
    so a ``merge`` that copies (as it must: it never changes its inputs) costs n log n in
    all, and at most one state per level is held."""

    def __init__(self, stage: Stage, round: int) -> None:
        self.stage, self.round = stage, round
        self.levels: list[Any] = []

    def add(self, state: Any) -> None:
        level = 0
        while level < len(self.levels) and self.levels[level] is not None:
            state = self.stage.merge([self.levels[level], state], self.round)
            self.levels[level] = None
            level += 1
        if level == len(self.levels):
            self.levels.append(state)
        else:
            self.levels[level] = state

    def result(self) -> Any:
        return self.stage.merge([s for s in reversed(self.levels) if s is not None], self.round)


def partitions(documents: Iterable[Document], size: int = PARTITION) -> Iterator[tuple[int, list[Document]]]:
    """``(number, documents)`` of consecutive partitions of ``size`` documents, read lazily."""
    from ..workers import batches

    return enumerate(batches(documents, size))


def learn_partition(part: int, batch: list[Document], earlier: Sequence[Stage], stage: Stage,
                    round: int) -> tuple[dict[int, Document], Any]:
    """``earlier`` applied to one partition, then ``stage``'s partial state of it. Returns
    the documents an earlier stage changed (by position; the others need not travel back
    from a worker) and the state."""
    changed: dict[int, Document] = {}
    docs = []
    for position, doc in enumerate(batch):
        new = apply_stages(doc, earlier)
        if new is not doc:
            changed[position] = new
        docs.append(new)
    return changed, stage.partial(part, docs, round)


_IN_WORKER: tuple = ()


def _set_in_worker(*state: Any) -> None:
    global _IN_WORKER
    _IN_WORKER = state


def _learn_task(task: tuple[int, list[Document]]) -> tuple[dict[int, Document], Any]:
    earlier, stage, round = _IN_WORKER
    return learn_partition(*task, earlier, stage, round)


def _apply_task(batch: list[Document]) -> list[Document]:
    (stages,) = _IN_WORKER
    return [apply_stages(doc, stages) for doc in batch]


def for_workers(stages: Sequence[Stage]) -> list[Stage]:
    """The stages as worker processes get them (slim copies, see ``Stage.for_workers``)."""
    return [stage.for_workers() for stage in stages]


def learning_pass(documents: Iterable[Document], earlier: Sequence[Stage], stage: Stage, round: int,
                  jobs: int = 1, size: int = PARTITION) -> Iterator[Document]:
    """One learning round of ``stage`` over ``documents``, with ``earlier`` applied first:
    yields the documents as ``earlier`` leaves them, in order, and finishes the round
    (``stage.finish``) when the stream ends."""
    merged = TreeMerge(stage, round)
    if jobs <= 1:
        for part, batch in partitions(documents, size):
            changed, state = learn_partition(part, batch, earlier, stage, round)
            merged.add(state)
            for position, doc in enumerate(batch):
                yield changed.get(position, doc)
    else:
        from ..workers import ordered_map

        sent: deque[list[Document]] = deque()  # partitions in flight, in order (results come back in order)

        def tasks() -> Iterator[tuple[int, list[Document]]]:
            for part, batch in partitions(documents, size):
                sent.append(batch)
                yield part, batch

        for changed, state in ordered_map(_learn_task, tasks(), jobs, initializer=_set_in_worker,
                                          initargs=(for_workers(earlier), stage, round)):
            merged.add(state)
            for position, doc in enumerate(sent.popleft()):
                yield changed.get(position, doc)
    stage.finish(merged.result(), round)


def apply_all(documents: Iterable[Document], stages: Sequence[Stage], jobs: int = 1,
              size: int = PARTITION) -> Iterator[Document]:
    """Each document through ``stages``, in order; with ``jobs > 1`` in worker processes
    (unless every stage is ``light``: then moving documents would cost more than applying)."""
    if jobs <= 1 or all(stage.light for stage in stages):
        for doc in documents:
            yield apply_stages(doc, stages)
        return
    from ..workers import ordered_map

    for batch in ordered_map(_apply_task, (b for _, b in partitions(documents, size)), jobs,
                             initializer=_set_in_worker, initargs=(for_workers(stages),)):
        yield from batch


def counted(documents: Iterable[Document], label: str, progress: ProgressCallback | None) -> Iterator[Document]:
    """Pass documents on, telling ``progress(label, count, total)`` (``total``: known when the
    documents come from a spool or a list, else ``None``)."""
    if progress is None:
        yield from documents
        return
    total = len(documents) if isinstance(documents, (Spool, list, tuple)) else None
    count = 0
    for doc in documents:
        count += 1
        progress(label, count, total)
        yield doc


def run_stages(documents: Iterable[Document], stages: Sequence[Stage], *,
               workdir: str | Path | None = None, progress: ProgressCallback | None = None,
               jobs: int = 1, last_pass: str = "writing", partition_size: int = PARTITION) -> Iterator[Document]:
    """Stream ``documents`` through ``stages`` in order, learning what each must learn first.

    Lazy: nothing is read until the result is iterated. A list is learned from directly
    while no stage has been applied to it; otherwise each learning pass spools its output
    to ``workdir`` (a temporary folder by default) for the next. ``last_pass`` names the
    last pass for ``progress`` (what the caller does with the stream). ``partition_size``:
    documents a worker gets at a time (the results do not depend on it).
    """
    current: Iterable[Document] = documents
    pending: list[Stage] = []
    spools: list[Spool] = []
    reusable = isinstance(documents, (list, tuple))
    try:
        for stage in stages:
            for round in range(stage.rounds):
                passing = learning_pass(counted(current, f"fitting {stage.name}", progress), pending, stage,
                                        round, jobs, partition_size)
                if reusable and not pending:
                    for _ in passing:
                        pass
                    continue
                spool = Spool(workdir)
                spools.append(spool)  # removed in ``finally`` even if learning fails
                for _ in spool.record(passing):
                    pass
                for old in spools[:-1]:
                    old.remove()
                spools = [spool]
                current, pending, reusable = spool, [], True
            pending.append(stage)
        yield from apply_all(counted(current, last_pass, progress), pending, jobs, partition_size)
    finally:
        for spool in spools:
            spool.remove()
