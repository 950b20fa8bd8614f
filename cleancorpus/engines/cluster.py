"""The stages on a Dask cluster.

``normalize``, ``check``, ``names``, ``explain`` and ``dedup`` run the local engine's plan
(:class:`~.local.LocalRun`) with their tasks on the cluster (:class:`DaskExecutor`): every
input and option, the local engine's bytes (the near-duplicate shuffle's pieces are files
of the run's folder, :class:`~.exchange.FileExchange`). The Python API for Dask collections
(:mod:`cleancorpus.dask`), whose partitions already live on the workers, uses
:class:`DaskPipeline`, a runner of the same stage interface whose passes keep every state
on the workers:

1. every stage that learns from the corpus, round by round (:mod:`cleancorpus.stages`:
   recurrence's two rounds, name discovery, near-duplicates): ``partial`` per partition with
   the stages before it applied, ``merge`` in a tree of :data:`FAN_IN` states a task,
   ``finish`` on a worker; the first pass also groups ids by bucket to find ids read in two
   partitions;
2. the near-duplicate stage learns by shuffle: its carried sketches stay on the workers as
   futures, and its keyed steps (:func:`cleancorpus.dedup.partitioned.shuffled_result`) run
   on them through :class:`FutureExchange`; only verified edges reach the client.

Every task is a pure function of its partition and of state computed before it, so a task
lost with its worker is simply run again elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence


from ..config import Settings
from ..document import Document
from ..io.readers import CorpusError, ReadOptions, ReadProblem
from ..pipeline import apply_stages

#: Buckets per worker for the group-by steps (ids, band keys, samples).
BUCKETS_PER_WORKER = 2
#: States merged by one task of a learning round's tree of merges.
FAN_IN = 8


def require_dask():
    """The ``distributed`` module, or a one-line error naming the extra."""
    from ..extras import require

    require("dask", "dask")
    return require("distributed", "dask")


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a ``LocalCluster`` of ``workers``
    single-threaded worker processes (default: one per core) for the block's duration.

    A run the cluster cannot finish (a task whose workers kept dying, a lost scheduler)
    ends as :class:`CorpusError` with Dask's reason: the caller writes nothing final then."""
    distributed = require_dask()
    with _dask_failures():
        yield from _dask_client(distributed, scheduler, workers)


@contextlib.contextmanager
def _dask_failures() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("distributed", "dask") or isinstance(exc, (TimeoutError,)):
            raise CorpusError(f"the Dask run failed ({type(exc).__name__}: {exc}); no output was completed") from exc
        raise


#: Seconds to wait for a scheduler's port to answer, then for its handshake.
CONNECT_TIMEOUT, HANDSHAKE_TIMEOUT = 5, "10s"


def probe_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail fast, with one line, on a scheduler address that cannot work: no host or port
    (``tcp://``), or a port that refuses or does not answer within ``timeout`` seconds.
    (Dask's own client retries a refused connection until its timeout, 30 s by default.)
    Transports other than TCP (``ucx://``, ``inproc://``) are left to Dask."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or port is None:
        raise CorpusError(f"--scheduler {address!r} is not a scheduler address (it needs a host and a port); "
                          "give one such as tcp://host:8786")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise CorpusError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _dask_client(distributed: Any, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    if scheduler:
        probe_scheduler(scheduler)
        try:
            client = distributed.Client(scheduler, timeout=HANDSHAKE_TIMEOUT)
        except OSError as exc:
            raise CorpusError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        except (ValueError, TypeError) as exc:  # "missing port number", an unknown protocol
            raise CorpusError(f"--scheduler {scheduler!r} is not a scheduler address ({exc}); "
                              "give one such as tcp://host:8786") from None
        except Exception as exc:  # something answers there, but not Dask (garbage for a handshake)
            raise CorpusError(f"what answers at {scheduler} is not a Dask scheduler "
                              f"({type(exc).__name__})") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                       processes=True, dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


# ---------------------------------------------------------------------------- tasks (on workers)


def _partial_task(partition: Any, options: ReadOptions, shipped: tuple, round: int,
                  buckets: int = 0, carry: Any = None) -> tuple[Any, Any, Any, list]:
    """``(state, carry, ids, problems)``: a learning stage's partial state of one partition
    (the stages before it applied), what it carries to its next round, with ``buckets`` the
    partition's ids by bucket (see :func:`.partitions.clashing_ids`), and what reading met."""
    from ..stages import split_carried
    from .partitions import id_entries

    earlier, stage = shipped
    docs, problems = partition.read(options)
    docs = [apply_stages(d, earlier) for d in docs]
    state, kept = split_carried(stage.partial(partition.number, docs, round, carry=carry))
    return state, kept, id_entries([d.id for d in docs], partition.number, buckets) if buckets else None, problems


def _merge_task(shipped: tuple, states: list, round: int) -> Any:
    return shipped[1].merge(states, round)


def _finish_task(shipped: tuple, states: list, round: int) -> Any:
    """The stage after ``finish`` of the merged ``states``, as workers get it. (A copy: the
    shipped stage is a value other tasks on this worker may hold too.)"""
    import copy

    stage = copy.copy(shipped[1])
    stage.finish(stage.merge(states, round), round)
    return stage.for_workers()


@dataclass
class RecordsPartition:
    """A partition of records already in memory (a partition of a Dask bag): read as
    :func:`~cleancorpus.adapters.as_documents` reads records, numbered from ``start``."""

    number: int
    start: int
    records: list

    def read(self, options: ReadOptions) -> tuple[list[Document], list[ReadProblem]]:
        from ..adapters import record_to_document

        seen: set[str] = set()
        return [record_to_document(r, self.start + k, options, seen) for k, r in enumerate(self.records, 1)], []


def clean_records(partition, options: ReadOptions, stages: Sequence) -> list[dict]:
    from ..io.records import document_to_json

    docs, _ = partition.read(options)
    return [document_to_json(apply_stages(d, stages), options) for d in docs]


def _value(value: Any) -> Any:
    return value


class FutureExchange:
    """The :class:`~cleancorpus.stages.Exchange` of :class:`DaskPipeline`: handles are futures,
    so every piece stays on the workers and goes from the task that made it to the task
    that takes it (Dask resolves futures in a task's arguments, lists included)."""

    def __init__(self, client: Any, buckets: int) -> None:
        self.client, self.buckets = client, buckets

    def run(self, function: Callable, tasks: Sequence[tuple], label: str, pieces: int = 0) -> list:
        futures = [self.client.submit(function, *args, pure=False) for args in tasks]
        if not pieces:
            return futures
        return [[self.client.submit(operator.getitem, f, k, pure=False) for k in range(pieces)] for f in futures]

    def gather(self, handles: Sequence[Any]) -> list:
        return self.client.gather(list(handles))

    def share(self, value: Any) -> Any:
        return self.client.submit(_value, value, pure=False)


class DaskPipeline:
    """The stages of ``settings`` over ``partitions`` on the cluster of ``client``.

    :meth:`fit` fits every stage that learns from the corpus (cruft recurrence, the
    near-duplicate clusters); the fitted ``stages`` then apply to any partition.
    """

    def __init__(self, client: Any, partitions: Sequence[Any], settings: Settings,
                 progress: Callable[[str, int, int | None], None] | None = None) -> None:
        from ..pipeline import build_stages

        self.client = client
        self.partitions = list(partitions)
        self.settings = settings
        self.progress = progress
        self.stages = build_stages(settings)
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        self.buckets = max(BUCKETS_PER_WORKER * workers, 1)
        self.result = None
        #: problems met reading the corpus (known once the near-duplicate stage is fitted)
        self.problems: list[ReadProblem] = []

    @property
    def detector(self):
        """The near-duplicate stage (its ``result`` once fitted), or ``None``."""
        return next((s for s in self.stages if s.name == "dedup"), None)

    # -------------------------------------------------------------- helpers

    def wait_for(self, futures: list, label: str) -> None:
        """Wait for ``futures``, telling progress how many partitions are done."""
        from distributed import as_completed

        if self.progress is None:
            self.client.gather(futures)
            return
        done = 0
        for _ in as_completed(futures):
            done += 1
            self.progress(f"{label} (partitions)", done, len(futures))

    def _pieces(self, futures: list, index: int) -> list:
        """``future[index]`` of each future (a piece of a split result, as a future)."""
        return [self.client.submit(operator.getitem, f, index, pure=False) for f in futures]

    def broadcast(self, value: Any) -> Any:
        """``value`` as a future every task can take. A task's result rather than scattered
        data: the scheduler can compute it again if the workers holding it are lost."""
        return self.client.submit(_value, value, pure=False)

    # -------------------------------------------------------------- fitting

    def fit(self) -> "DaskPipeline":
        """Learn every stage that learns from the corpus, in order, each on what the stages
        before it leave: rounds of ``partial`` per partition and a tree of ``merge``; the
        near-duplicate stage by its keyed shuffle."""
        applied: list = []
        ids_checked = False
        for index, stage in enumerate(self.stages):
            carries = None
            for round in range(stage.rounds):
                stage, carries = self._learn_round(stage, applied, round, not ids_checked, carries)
                ids_checked = True
            self.stages[index] = stage
            if stage.learns_by_shuffle:
                self.result = stage.result
            applied.append(stage.for_workers())
        return self

    def _learn_round(self, stage: Any, earlier: list, round: int, check_ids: bool = False,
                     carries: list | None = None) -> tuple[Any, list]:
        """One learning round of ``stage`` on the cluster: its partial state per partition,
        merged in a tree of :data:`FAN_IN` states a task, finished on a worker. Returns the
        stage as workers get it (only that reaches the client, never the states) and each
        partition's carry to the next round (futures: they stay on the workers)."""
        client = self.client
        shipped = self.broadcast((earlier, stage))
        buckets = self.buckets if check_ids else 0
        carries = carries or [None] * len(self.partitions)
        results = [client.submit(_partial_task, part, self.settings.read, shipped, round, buckets, carry, pure=False)
                   for part, carry in zip(self.partitions, carries)]
        self.wait_for(results, stage.label(round))
        if check_ids:  # the first pass over the input: what reading it met, and ids read twice
            self._check_ids(self._pieces(results, 2))
            self.problems = [p for found in client.gather(self._pieces(results, 3)) for p in found]
        parts, carries = self._pieces(results, 0), self._pieces(results, 1)
        while len(parts) > FAN_IN:
            parts = [client.submit(_merge_task, shipped, parts[i:i + FAN_IN], round, pure=False)
                     for i in range(0, len(parts), FAN_IN)]
        if stage.learns_by_shuffle:  # the small merged state here; the carried sketches stay on the workers
            state = client.submit(_merge_task, shipped, parts, round, pure=False).result()
            stage.finish_by_shuffle(state, carries, FutureExchange(client, self.buckets), round)
            return stage, carries
        return client.submit(_finish_task, shipped, parts, round, pure=False).result(), carries

    def _check_ids(self, ids: list) -> None:
        """Stop on ids read in two partitions (the local reader renames repeats; a partition
        cannot know of another's)."""
        from .partitions import clashing_ids

        client = self.client
        clashes = client.gather([client.submit(clashing_ids, self._pieces(ids, b), pure=False)
                                 for b in range(self.buckets)])
        clashing = sorted(i for found in clashes for i in found)
        if clashing:
            shown = ", ".join(repr(i) for i in clashing[:5]) + (" ..." if len(clashing) > 5 else "")
            raise CorpusError(f"{len(clashing)} id(s) occur in two partitions: {shown}; --engine dask needs "
                              "unique ids (the local engine renames repeats)")

    # -------------------------------------------------------------- applying

    def fitted_stages(self) -> list:
        return [stage.for_workers() for stage in self.stages]


class DaskExecutor:
    """The local engine's plan (:class:`~.local.LocalRun`) with its tasks on a Dask cluster:
    the same passes over the same partitions (:mod:`cleancorpus.io.partitions`: folders of
    text and HTML pages, standard input, shards), read, cleaned and spooled by the workers;
    the client cuts inputs into partitions, merges states and writes with the local writers,
    so every input and option of the local engine works, with its output byte for byte.
    Results come back in order, with at most :data:`IN_FLIGHT_PER_WORKER` tasks a worker
    submitted ahead. Spool files must be on storage the workers share with the client
    (``normalize_corpus`` puts them beside the output)."""

    IN_FLIGHT_PER_WORKER = 4

    def __init__(self, client: Any) -> None:
        self.client = client
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        self.window = self.IN_FLIGHT_PER_WORKER * workers

    @property
    def width(self) -> int:
        """Tasks run at once (one a worker)."""
        return max(self.window // self.IN_FLIGHT_PER_WORKER, 1)

    def call(self, function: Callable, items: Any) -> Iterator[Any]:
        """``function(*item)`` of each item on the cluster, in order (a shuffle's tasks,
        whose pieces are files of the run's shared folder)."""
        yield from self._windowed(lambda item: self.client.submit(function, *item, pure=False), items)

    def _windowed(self, submit: Callable, items: Any) -> Iterator[Any]:
        """The results of ``submit(item)`` for each item, in order, with at most
        :attr:`window` tasks in flight; what is still pending is cancelled on an error or
        when the consumer stops early."""
        from collections import deque

        pending: deque = deque()
        try:
            for item in items:
                if len(pending) >= self.window:
                    yield pending.popleft().result()
                pending.append(submit(item))
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def map(self, plan: Any, items: Any) -> Iterator[Any]:
        from .local import for_workers, process_partition

        client = self.client
        shipped = client.submit(_value, replace(plan, earlier=for_workers(plan.earlier)), pure=False)
        yield from self._windowed(lambda item: client.submit(process_partition, shipped, *item, pure=False), items)


def normalize_with_dask(inputs: Sequence[str | Path], output: str | Path | None, *, settings: Settings,
                        scheduler: str | None = None, workers: int | None = None,
                        partition_size: int | None = None, **options: Any):
    """``cleancorpus normalize --engine dask`` for any input and option: the local engine's
    :func:`~cleancorpus.pipeline.normalize_corpus` with its tasks on the cluster
    (:class:`DaskExecutor`). ``options``: those of ``normalize_corpus``."""
    from ..pipeline import normalize_corpus

    require_dask()
    with dask_client(scheduler, workers) as client:
        return normalize_corpus(inputs, output, settings=settings, executor=DaskExecutor(client),
                                partition_size=partition_size, **options)
