"""The local engine: the stages over partitions of the corpus, in ``jobs`` processes.

A runner of the stage interface (:mod:`cleancorpus.stages`) and nothing else. The corpus
comes as partitions of about :data:`PARTITION` documents: of the input
(:mod:`cleancorpus.io.partitions`: this process only cuts files into lines or lists
files; workers parse, extract HTML and check what they read) or of documents given from
Python. For each learning round of a stage, one pass: every task reads its partition,
applies the stages already learned, gives the learning stage's ``partial`` state and
keeps its documents in a spool file of its own (so standard input and HTML extraction are
read once); this process folds the states together as they arrive (:class:`Fold`) and keeps
the partitions' order. After the last round, one more pass applies what is left and
sends the documents back here, in order, for the writers.

Results do not depend on ``jobs`` or on the partitions: ``apply`` is a pure function of a
document and the finished states, merging is exact in any order, and ids are checked as
one sequential read would give them (see :class:`PartitionResult` ``digests``).
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import tempfile
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..document import Document, id_digest
from ..io.kinds import ReadOptions
from ..io.partitions import SeenIds
from ..stages import Stage, apply_stages, split_carried

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


class Fold:
    """A stage's partial states folded into one as they arrive (``stage.merge_into``: the
    runner owns the total, so a stage may add to it in place; every state comes from a
    task, so nothing anyone else holds is changed)."""

    def __init__(self, stage: Stage, round: int) -> None:
        self.stage, self.round = stage, round
        self.total: Any = None
        self.started = False

    def add(self, state: Any) -> None:
        if not self.started:
            self.total, self.started = state, True
        else:
            self.total = self.stage.merge_into(self.total, state, self.round)

    def result(self) -> Any:
        return self.total if self.started else self.stage.merge([], self.round)


@dataclass
class CorpusInput:
    """Inputs (folders, files, ``-``) for the engine to read as partitions, in its workers
    (see :mod:`cleancorpus.io.partitions`): what ``normalize`` hands the engine instead of
    documents. Read problems go to ``problems``, in the order a sequential read meets them."""

    paths: list
    options: ReadOptions
    problems: list = field(default_factory=list)
    progress: Any = None
    #: records get a ``content_hash`` too (files always have one); see ``partition_corpus``
    hashes: bool = False
    #: where HTML extractions of unchanged pages come from (picklable: it goes to the workers)
    extraction_cache: Any = None
    #: site templates given to the reader (a model's) or kept as it learns them
    #: (:class:`~cleancorpus.cruft.templates.TemplateBook`); ``None``: learned and dropped
    templates: Any = None


@dataclass
class DocumentsPartition:
    """Documents given as they are (from Python): a partition nothing needs to read."""

    docs: list

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list]:
        return self.docs, []


@dataclass
class SpoolFile:
    """One partition's documents as a learning pass left them, on disk."""

    path: str

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list]:
        with open(self.path, "rb") as handle:
            return [Document(*fields) for fields in pickle.load(handle)], []


class LazyDocuments:
    """A partition's documents, read only when iterated (a stage's round that needs only
    what it carried from its last round never reads them)."""

    def __init__(self, partition: Any, options: ReadOptions) -> None:
        self.partition, self.options = partition, options
        self.docs: list[Document] | None = None

    def __iter__(self) -> Iterator[Document]:
        if self.docs is None:
            self.docs = self.partition.read(self.options, set())[0]
        return iter(self.docs)

    @property
    def count(self) -> int:
        """How many documents, when known (0 when never read: the count is the first pass's)."""
        return len(self.docs) if self.docs is not None else getattr(self.partition, "count", 0)


def _rows(docs: Sequence[Document]) -> list[tuple]:
    return [(d.id, d.text, d.source, d.meta, d.records) for d in docs]


@dataclass
class PartitionResult:
    """What one task did with one partition."""

    state: Any
    problems: list
    #: digests of the ids read (the first pass over the input only)
    digests: list | None
    count: int
    #: the documents, as rows, when the caller wants them back
    rows: list | None


@dataclass(frozen=True)
class PassPlan:
    """What every task of one pass does: read its partition, apply ``earlier``, give
    ``stage``'s partial state of round ``round`` (if any), keep the documents in a spool
    file (if given one), send them back (``send_back``)."""

    options: ReadOptions
    earlier: Sequence[Stage]
    stage: Stage | None = None
    round: int = 0
    send_back: bool = False
    digests: bool = False


def carry_path(carries: str | Path, part: int, round: int) -> Path:
    """Where partition ``part`` keeps what a stage carries from round ``round``."""
    return Path(carries) / f"{part:08d}.{round}.pickle"


def process_partition(plan: PassPlan, part: int, partition: Any, spool: str | None, carries: str | None = None,
                      seen: Any = None) -> PartitionResult:
    """One task of a pass (in a worker, or in this process; ``seen``: the ids read before
    the partition, when this process reads it again after a clash). ``carries``: the folder
    where the stage's carry from one round to the next is kept, a file per partition."""
    carry = None
    if plan.stage is not None and carries is not None and plan.round > 0:
        previous = carry_path(carries, part, plan.round - 1)
        if previous.exists():
            with open(previous, "rb") as handle:
                carry = pickle.load(handle)
    if carry is not None and not (plan.earlier or plan.digests or spool or plan.send_back):
        # the stage has what it needs of the partition: its documents are read only if it asks
        docs: Any = LazyDocuments(partition, plan.options)
        problems: list = []
    else:
        docs, problems = partition.read(plan.options, set() if seen is None else seen)
    digests = [id_digest(d.id) for d in docs] if plan.digests else None
    if plan.earlier:
        docs = [apply_stages(doc, plan.earlier) for doc in docs]
    state = None
    if plan.stage is not None:
        state, kept = split_carried(plan.stage.partial(part, docs, plan.round, carry=carry))
        if kept is not None and carries is not None:
            with open(carry_path(carries, part, plan.round), "wb") as handle:
                pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
    if spool is not None:
        with open(spool, "wb") as handle:
            pickle.dump(_rows(docs), handle, protocol=pickle.HIGHEST_PROTOCOL)
    count = docs.count if isinstance(docs, LazyDocuments) else len(docs)
    return PartitionResult(state, problems, digests, count, _rows(docs) if plan.send_back else None)


_IN_WORKER: tuple = ()


def _set_in_worker(*state: Any) -> None:
    global _IN_WORKER
    _IN_WORKER = state


def _task(item: tuple[int, Any, str | None, str | None]) -> PartitionResult:
    (plan,) = _IN_WORKER
    return process_partition(plan, *item)


def for_workers(stages: Sequence[Stage]) -> list[Stage]:
    """The stages as worker processes get them (slim copies, see ``Stage.for_workers``)."""
    return [stage.for_workers() for stage in stages]


def _call(item: tuple[Callable, tuple]) -> Any:
    function, args = item
    return function(*args)


class ProcessExecutor:
    """Where a pass's tasks run: in this process (``jobs <= 1``) or in ``jobs`` worker
    processes of this machine. (The Dask engine's executor runs the same tasks on a cluster.)"""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs

    @property
    def width(self) -> int:
        """Tasks run at once."""
        return max(self.jobs, 1)

    def call(self, function: Callable, items: Iterable[tuple]) -> Iterator[Any]:
        """``function(*item)`` of each item, in order (a shuffle's tasks)."""
        if self.jobs <= 1:
            for item in items:
                yield function(*item)
            return
        from ..workers import ordered_map

        yield from ordered_map(_call, ((function, tuple(item)) for item in items), self.jobs)

    def map(self, plan: PassPlan, items: Iterable[tuple]) -> Iterator[PartitionResult]:
        """``process_partition(plan, *item)`` of each item, in order."""
        if self.jobs <= 1:
            for item in items:
                yield process_partition(plan, *item)
            return
        from ..workers import ordered_map

        shipped = replace(plan, earlier=for_workers(plan.earlier))
        yield from ordered_map(_task, items, self.jobs, initializer=_set_in_worker, initargs=(shipped,))


class LocalRun:
    """One run of ``stages`` (see the module docstring): the plan of passes, whose tasks
    ``executor`` runs (default: :class:`ProcessExecutor` of ``jobs``)."""

    def __init__(self, stages: Sequence[Stage], *, jobs: int = 1, workdir: str | Path | None = None,
                 progress: ProgressCallback | None = None, partition_size: int = PARTITION,
                 options: ReadOptions | None = None, problems: list | None = None, executor: Any = None) -> None:
        self.stages = list(stages)
        self.executor = executor or ProcessExecutor(jobs)
        self.workdir = workdir
        self.progress = progress
        self.size = partition_size
        self.options = options or ReadOptions()
        self.problems = problems if problems is not None else []
        self.total: int | None = None
        self.generation = 0

    # -------------------------------------------------------------- one pass

    def _results(self, plan: PassPlan, items: Iterable[tuple[int, Any, str | None, str | None]],
                 sent: deque) -> Iterator[PartitionResult]:
        def remembered() -> Iterator[tuple[int, Any, str | None, str | None]]:
            for item in items:
                sent.append(item)
                yield item

        yield from self.executor.map(plan, remembered())

    def run_pass(self, source: Iterable[Any], plan: PassPlan, label: str, spool_dir: Path | None,
                 seen: SeenIds | None, carries: Path | None = None) -> Iterator[tuple[PartitionResult, str | None]]:
        """``(result, spool file)`` of each partition of ``source``, in order; the learning
        stage's states merged and the round finished when the source is done. ``seen``
        (the first pass over the input): ids are checked, and a partition holding an id an
        earlier one had is read again here with them (so ids are those of one sequential read)."""
        merged = Fold(plan.stage, plan.round) if plan.stage is not None else None
        sent: deque = deque()

        def items() -> Iterator[tuple[int, Any, str | None, str | None]]:
            for part, partition in enumerate(source):
                spool = str(spool_dir / f"{part:08d}.pickle") if spool_dir is not None else None
                yield part, partition, spool, None if carries is None else str(carries)

        done = parts = 0
        for result in self._results(plan, items(), sent):
            parts += 1
            part, partition, spool, _ = sent.popleft()
            if seen is not None:
                if seen.clashes(result.digests):
                    result = process_partition(plan, part, partition, spool, None if carries is None else str(carries),
                                               seen)
                else:
                    seen.digests.update(result.digests)
            self.problems.extend(result.problems)
            if merged is not None:
                merged.add(result.state)
            done += result.count
            if self.progress is not None and result.count:
                self.progress(label, done, self.total)
            yield result, spool
        if self.total is None:
            self.total = done
        if merged is None:
            return
        if plan.stage.learns_by_shuffle:
            from .exchange import FileExchange, Stored

            held = [Stored(str(carry_path(carries, part, plan.round))) for part in range(parts)]
            with FileExchange(self.executor, self.workdir, self.progress) as exchange:
                plan.stage.finish_by_shuffle(merged.result(), held, exchange, plan.round)
        else:
            plan.stage.finish(merged.result(), plan.round)

    # -------------------------------------------------------------- the run

    def run(self, source: Iterable[Any], *, reading: bool = False, reread: bool = False,
            last_pass: str = "writing", apply: bool = True) -> Iterator[Document]:
        """The documents of ``source`` (partitions) through every stage, in order.
        ``reading``: the source is the input (ids are checked on its first pass);
        ``reread``: the source may be iterated more than once (a list); ``apply=False``:
        only learn (every stage finished, no pass to apply them, nothing yielded)."""
        current: Iterable[Any] = source
        pending: list[Stage] = []
        seen = SeenIds() if reading else None
        spool_dirs: list[Path] = []  # the last pass's spool, and the one being written
        try:
            for stage in self.stages:
                carries = None
                if stage.rounds > 1 or stage.learns_by_shuffle:
                    # what a round keeps of each partition for the next (or for the shuffle)
                    carries = Path(tempfile.mkdtemp(prefix="cleancorpus-carry-", dir=self.workdir))
                    spool_dirs.append(carries)
                for round in range(stage.rounds):
                    plan = PassPlan(self.options, list(pending), stage, round, digests=seen is not None)
                    keep = bool(pending) or not reread
                    spool_dir = None
                    if keep:
                        spool_dir = Path(tempfile.mkdtemp(prefix="cleancorpus-spool-", dir=self.workdir))
                        spool_dirs.append(spool_dir)  # removed at the end even if this pass fails
                    files = [f for _, f in self.run_pass(current, plan, stage.label(round), spool_dir, seen,
                                                         carries)]
                    seen = None
                    if keep:
                        for old in spool_dirs[:-1]:
                            if old != carries:
                                shutil.rmtree(old, ignore_errors=True)
                        spool_dirs = [d for d in spool_dirs if d in (carries, spool_dir)]
                        current, pending, reread = [SpoolFile(f) for f in files], [], True
                if carries is not None:
                    shutil.rmtree(carries, ignore_errors=True)
                    spool_dirs.remove(carries)
                pending.append(stage)
            if not apply:
                return
            if reread and all(stage.light for stage in pending):
                # applying costs less than sending documents to a worker and back: done here
                done = 0
                for partition in current:
                    docs, problems = partition.read(self.options, None)
                    self.problems.extend(problems)
                    for doc in docs:
                        done += 1
                        if self.progress is not None:
                            self.progress(last_pass, done, self.total)
                        yield apply_stages(doc, pending)
                return
            plan = PassPlan(self.options, list(pending), send_back=True, digests=seen is not None)
            for result, _ in self.run_pass(current, plan, last_pass, None, seen):
                for fields in result.rows:
                    yield Document(*fields)
        finally:
            for folder in spool_dirs:
                shutil.rmtree(folder, ignore_errors=True)


def document_partitions(documents: Iterable[Document], size: int = PARTITION) -> Iterator[DocumentsPartition]:
    """Documents given as they are, in partitions of ``size``."""
    from ..workers import batches

    for batch in batches(documents, size):
        yield DocumentsPartition(batch)


def run_stages(documents: Iterable[Document] | CorpusInput, stages: Sequence[Stage], *,
               workdir: str | Path | None = None, progress: ProgressCallback | None = None,
               jobs: int = 1, last_pass: str = "writing", partition_size: int = PARTITION,
               executor: Any = None, apply: bool = True) -> Iterator[Document]:
    """Stream ``documents`` through ``stages`` in order, learning what each must learn first.

    ``documents``: documents (any iterable), or a :class:`CorpusInput`, which the workers
    read themselves. Lazy: nothing is read until the result is iterated. Each learning pass
    keeps its output in spool files under ``workdir`` (a temporary folder by default) for
    the next; a list of documents is learned from directly while no stage has changed it.
    ``last_pass`` names the last pass for ``progress`` (what the caller does with the stream);
    ``partition_size``: documents a task gets at a time (the results do not depend on it).
    ``executor``: where tasks run (default: ``jobs`` processes here; see
    :class:`~cleancorpus.engines.cluster.DaskExecutor`). ``apply=False``: only learn
    (see :func:`fit_stages`).
    """
    if isinstance(documents, CorpusInput):
        run = LocalRun(stages, jobs=jobs, workdir=workdir, progress=progress, partition_size=partition_size,
                       options=documents.options, problems=documents.problems, executor=executor)
        from ..io.partitions import partition_corpus

        def fit(learning: Sequence[Stage], partitions: list, total: int) -> None:
            """A learning pass of the reader's own (site templates) on this run's executor."""
            before = LocalRun(learning, workdir=workdir, progress=progress, options=documents.options,
                              executor=run.executor)
            before.total = total
            for _ in before.run(partitions, reread=True, apply=False):
                pass

        parallel = executor is not None or jobs > 1  # (one process: the reader learns alone, lazily)
        source = partition_corpus(documents.paths, documents.options, partition_size, documents.progress,
                                  hashes=documents.hashes, extraction_cache=documents.extraction_cache,
                                  fit=fit if parallel else None, templates=documents.templates)
        yield from run.run(source, reading=True, last_pass=last_pass, apply=apply)
        return
    run = LocalRun(stages, jobs=jobs, workdir=workdir, progress=progress, partition_size=partition_size,
                   executor=executor)
    if isinstance(documents, (list, tuple)):
        run.total = len(documents)
        yield from run.run(list(document_partitions(documents, partition_size)), reread=True, last_pass=last_pass,
                           apply=apply)
        return
    yield from run.run(document_partitions(documents, partition_size), last_pass=last_pass, apply=apply)


def fit_stages(documents: Iterable[Document] | CorpusInput, stages: Sequence[Stage], **options: Any) -> None:
    """Learn what every stage of ``stages`` learns from ``documents``: the passes of
    :func:`run_stages` (its ``options``, executors and results) without the last one that
    would apply them, for a caller that wants what was learned, not the documents."""
    for _ in run_stages(documents, stages, apply=False, **options):
        pass
