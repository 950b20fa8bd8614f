"""The pipeline on a Dask cluster: the stages' own learning rounds as maps and trees of
merges over partitions, apply as a map, output shards written by the workers. Nothing but
finished stages and small tallies ever reaches the client.

Passes over the corpus (each a map over partitions; every task is a pure function of its
partition and of state computed before it, so a task lost with its worker is simply run
again elsewhere, and writes go to temporary names renamed into place):

1. every stage that learns by rounds (:mod:`cleancorpus.stages`: recurrence's two rounds,
   name discovery): ``partial`` per partition with the stages before it applied, ``merge``
   in a tree of :data:`FAN_IN` states a task, ``finish`` on a worker; the first pass also
   groups ids by bucket to find ids read in two partitions;
2. near-duplicates, the stage that learns by a keyed shuffle: partitions cleaned and
   sketched, band keys and sampled shingles grouped by bucket, candidates joined to both
   documents' sketches for verification, clusters of the verified edges on the client
   (:mod:`cleancorpus.dedup.partitioned`);
3. output: partitions cleaned again and written as part files with their records; the
   parts of each output shard are joined in order by a worker.

Pass 2 keeps each partition's sketch (a signature and a shingle set a document) until
clusters are known. Everything else streams.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..config import Settings
from ..document import Document, DuplicateOf
from ..io.readers import CorpusError, ReadOptions, ReadProblem, file_kind
from ..pipeline import apply_stages, excerpt_ids_of, leftovers_as_problems, notes_as_problems, write_run_report
from .partitions import Partition, count_records, list_shards, plan_partitions

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


def _read_through(partition: Partition, options: ReadOptions, stages: Sequence) -> list[Document]:
    docs, _ = partition.read(options)
    return [apply_stages(d, stages) for d in docs]


def _partial_task(partition: Partition, options: ReadOptions, shipped: tuple, round: int,
                  buckets: int = 0, carry: Any = None) -> tuple[Any, Any, Any]:
    """``(state, carry, ids)``: a learning stage's partial state of one partition (the stages
    before it applied), what it carries to its next round, and with ``buckets`` the
    partition's ids by bucket (see :func:`.partitions.clashing_ids`)."""
    from ..stages import split_carried
    from .partitions import id_entries

    earlier, stage = shipped
    docs = _read_through(partition, options, earlier)
    state, kept = split_carried(stage.partial(partition.number, docs, round, carry=carry))
    return state, kept, id_entries([d.id for d in docs], partition.number, buckets) if buckets else None


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


def _sketch_task(partition: Partition, options: ReadOptions, stages: Sequence, settings,
                 spool: str | None = None) -> Any:
    """Clean and sketch one partition; with ``spool`` (a path on storage the workers share),
    the cleaned documents are also kept there for the writing pass (renamed into place when
    complete, so a task run twice leaves one whole file)."""
    from ..dedup.partitioned import sketch_partition

    docs, problems = partition.read(options)
    cleaned = [apply_stages(d, stages) for d in docs]
    if spool is not None:
        import pickle

        from ..io.atomic import atomic_open

        with atomic_open(Path(spool)) as handle:
            pickle.dump(([(d.id, d.text, d.source, d.meta, d.records) for d in cleaned], problems), handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
    sketch = sketch_partition(cleaned, 0, settings)
    sketch.problems = problems
    return sketch


def _read_spooled(path: Path) -> tuple[list[Document], list[ReadProblem]]:
    import pickle

    with open(path, "rb") as handle:
        rows, problems = pickle.load(handle)
    return [Document(*fields) for fields in rows], problems


def _problems_of(sketch) -> list[ReadProblem]:
    return sketch.problems


def _value(value: Any) -> Any:
    return value


def _rebase(sketch, base: int):
    return replace(sketch, base=base)


@dataclass
class PartOutput:
    """What writing one partition did (summed into the run's report on the client)."""

    read: int = 0
    written: int = 0
    dropped: int = 0
    by_rule: Counter = field(default_factory=Counter)
    words_changed: int = 0
    lines_repaired: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    excerpts: dict[str, str] = field(default_factory=dict)
    #: what a Parquet part wrote as text, ``(output name, message)``
    notes: list[tuple[str, str]] = field(default_factory=list)


def _write_part(partition: Partition, options: ReadOptions, stages: Sequence, folder: str, shard_name: str,
                drop_duplicates: bool, dropped_name: str | None, excerpt_ids: set[str]) -> PartOutput:
    """Clean one partition and write its part files (output records, run records, dropped
    records) under ``folder``, each renamed into place when complete: a task run twice
    (its worker lost) leaves one copy."""
    from ..io.atomic import atomic_open
    from ..io.shards import RecordSink
    from ..report import RunReport

    base = Path(folder) / f"{partition.number:08d}"
    if base.with_suffix(".cleaned").exists():  # cleaned while sketching: only the last stage is left
        docs, problems = _read_spooled(base.with_suffix(".cleaned"))
        stages = stages[-1:]
    else:
        docs, problems = partition.read(options)
    out = PartOutput(problems=problems)
    report = RunReport(input="")
    report.excerpt_ids = excerpt_ids
    with contextlib.ExitStack() as stack:
        sink = RecordSink(stack.enter_context(atomic_open(base.with_suffix(".out"))), shard_name, options,
                          partition.path)
        stack.callback(sink.discard)
        report.records_out = stack.enter_context(atomic_open(base.with_suffix(".records")))
        dropped = None
        if dropped_name is not None:
            dropped = RecordSink(stack.enter_context(atomic_open(base.with_suffix(".dropped"))), dropped_name, options)
            stack.callback(dropped.discard)
        for doc in docs:
            doc = apply_stages(doc, stages)
            report.add(doc)
            if drop_duplicates and doc.records_of(DuplicateOf):
                out.dropped += 1
                if dropped is not None:
                    dropped.write(doc)
                continue
            sink.write(doc)
            out.written += 1
        sink.close()
        if dropped is not None:
            dropped.close()
    out.notes = sink.notes + (dropped.notes if dropped is not None else [])
    out.read, out.by_rule = report.read, report.by_rule
    out.words_changed, out.lines_repaired, out.excerpts = report.words_changed, report.lines_repaired, report.excerpts
    return out


def _join_parts(target: str, parts: list[str], kind: str, label: str = "") -> list[tuple[str, str]]:
    """Join part files, in order, into ``target`` (atomically), as the local engine writes
    that file in one pass, byte for byte: compressed JSON Lines parts are decompressed and
    compressed again as one stream (the bytes of one stream do not depend on how its input
    was cut), Parquet parts are rewritten with one unified schema in row groups of the
    local engine's size (:func:`~cleancorpus.io.parquet.join_parquet`). Returns the notes
    on columns written as text."""
    from ..io.atomic import atomic_open
    from ..io.records import DUPLICATE_FIELD
    from ..io.shards import compressed_writer

    with atomic_open(Path(target)) as handle:
        if kind == "parquet":
            from ..io.parquet import join_parquet

            return join_parquet(handle, parts, label or Path(target).name, DUPLICATE_FIELD)
        with contextlib.ExitStack() as stack:
            out = compressed_writer(stack, handle, target)
            for part in parts:
                with _open_part(part, target) as source:
                    shutil.copyfileobj(source, out, 1 << 20)
    return []


def _where_noted(notes: list[tuple[str, str]], out: Path, one_file: bool,
                 dropped: Path | None) -> list[tuple[str, str]]:
    """Notes named by output name (as the parts and joins make them) named by path, as the
    local engine names them."""
    def path_of(label: str) -> str:
        if dropped is not None and label == dropped.name:
            return str(dropped)
        return str(out) if one_file else str(out / label)
    return [(path_of(label), message) for label, message in notes]


def _open_part(path: str, target: str):
    """A part file of ``target``, decompressed as it was compressed (by its target's name)."""
    lowered = target.lower()
    if lowered.endswith(".gz"):
        import gzip

        return gzip.open(path, "rb")
    if lowered.endswith(".zst"):
        from ..extras import require

        return require("zstandard", "zstd").ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
    return open(path, "rb")


# ---------------------------------------------------------------------------- the run (on the client)


class DaskPipeline:
    """The stages of ``settings`` over ``partitions`` on the cluster of ``client``.

    :meth:`fit` fits every stage that learns from the corpus (cruft recurrence, the
    near-duplicate clusters); the fitted ``stages`` then apply to any partition.
    """

    def __init__(self, client: Any, partitions: Sequence[Partition], settings: Settings,
                 progress: Callable[[str, int, int | None], None] | None = None,
                 stages: Sequence[str] = ("repair", "cruft", "names", "dedup"),
                 spool_folder: str | Path | None = None, discover_names: bool = False) -> None:
        from ..pipeline import build_stages

        self.client = client
        #: where the sketching pass keeps each partition's cleaned documents for the writing
        #: pass (storage the workers share); ``None``: the writing pass cleans them again
        self.spool_folder = spool_folder
        #: discover name variants even without ``apply_discovered`` (check's CC202 reports them)
        self.discover_names = discover_names
        self.partitions = list(partitions)
        self.settings = settings
        self.progress = progress
        self.stages = build_stages(settings, cruft="cruft" in stages, names="names" in stages,
                                   dedup="dedup" in stages, repair="repair" in stages, discover_names=discover_names)
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        self.buckets = max(BUCKETS_PER_WORKER * workers, 1)
        self.result = None
        #: problems met reading the corpus (known once the near-duplicate stage is fitted)
        self.problems: list[ReadProblem] = []
        self._check_supported()

    @property
    def detector(self):
        """The near-duplicate stage (its ``result`` once fitted), or ``None``."""
        return next((s for s in self.stages if s.name == "dedup"), None)

    def _check_supported(self) -> None:
        s = self.settings
        if s.dedup.lsh_backend != "numpy" or s.dedup.containment_candidates not in ("sampled", "none"):
            raise CorpusError("--engine dask finds candidates with the default numpy LSH and sampled containment only")

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
            if getattr(stage, "learns_by_shuffle", False):
                self._fit_by_shuffle(stage, applied)
            else:
                carries = None
                for round in range(stage.rounds):
                    stage, carries = self._learn_round(stage, applied, round, not ids_checked, carries)
                    ids_checked = True
                self.stages[index] = stage
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
        self.wait_for(results, f"fitting {stage.name}")
        if check_ids:
            self._check_ids(self._pieces(results, 2))
        parts, carries = self._pieces(results, 0), self._pieces(results, 1)
        while len(parts) > FAN_IN:
            parts = [client.submit(_merge_task, shipped, parts[i:i + FAN_IN], round, pure=False)
                     for i in range(0, len(parts), FAN_IN)]
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

    def _fit_by_shuffle(self, detector, earlier: list) -> None:
        from ..dedup import partitioned as nd
        from ..dedup.clusters import two_hop_pairs

        client, s, buckets = self.client, detector.settings, self.buckets
        shipped = self.broadcast(earlier)
        spool = self.spool_folder
        raw = [client.submit(lambda p, e, n, o=self.settings.read, d=s: _sketch_task(
                   p, o, e, d, None if spool is None else str(Path(spool) / f"{n:08d}.cleaned")),
               part, shipped, number, pure=False) for number, part in enumerate(self.partitions)]
        self.wait_for(raw, "fitting dedup")
        lengths = client.gather(client.map(len, raw, pure=False))
        self.problems = [p for found in client.gather(client.map(_problems_of, raw, pure=False)) for p in found]
        bases = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if lengths else np.zeros(0, np.int64)
        total = int(sum(lengths))
        sketches = client.map(_rebase, raw, [int(b) for b in bases], pure=False)
        bands = client.map(nd.band_entries, sketches, settings=s, buckets=buckets, pure=False)
        band_out = [client.submit(nd.band_pairs, self._pieces(bands, b), bases, pure=False) for b in range(buckets)]
        passing = []
        if s.containment is not None and s.containment_candidates == "sampled":
            samples = client.map(nd.sample_entries, sketches, settings=s, buckets=buckets, pure=False)
            sample_tables = self._pieces(samples, 0)
            links = [client.submit(nd.sample_links, self._pieces(sample_tables, b), buckets, pure=False)
                     for b in range(buckets)]
            passing = [client.submit(nd.passing_links, self._pieces(links, b), bases, pure=False)
                       for b in range(buckets)]
        attached = [client.submit(nd.attach_first, sketches[p], self._pieces(band_out, p),
                                  self._pieces(passing, p), bases, pure=False) for p in range(len(sketches))]
        attached_pieces = self._pieces(attached, 0)
        checked = [client.submit(nd.verify_pairs, sketches[q], self._pieces(attached_pieces, q), s, pure=False)
                   for q in range(len(sketches))]
        candidates = sum(client.gather(self._pieces(attached, 1)))
        results = client.gather(checked)
        edges = np.concatenate([e for e, _ in results]) if results else np.zeros((0, 4))
        counts = nd.merged_counts(c for _, c in results)
        hops = np.array(two_hop_pairs(edges[:, :2].astype(np.int64).tolist()), dtype=np.int64).reshape(-1, 2)
        if len(hops):  # pairs sharing a verified neighbour, checked exactly as the detector checks them
            by_part = nd.split_pairs(hops, bases)
            attached = [client.submit(nd.attach_first, sketches[p], [by_part[p]], [], bases, pure=False)
                        for p in range(len(sketches))]
            attached_pieces = self._pieces(attached, 0)
            extra = client.gather([client.submit(nd.verify_pairs, sketches[q], self._pieces(attached_pieces, q),
                                                 s, True, pure=False) for q in range(len(sketches))])
            edges = np.concatenate([edges] + [e for e, _ in extra])
        groups = nd.components(edges)
        wanted = sorted(i for g in groups for i in g)
        infos: dict = {}
        wanted_future = self.broadcast(wanted)  # (a large list as a keyword of map would be inlined per task)
        for found in client.gather([client.submit(nd.infos_of, sketch, wanted_future, pure=False)
                                    for sketch in sketches]):
            infos.update(found)
        clusters, related = nd.clusters_of_edges(edges, infos, s)
        detector.use_result(nd.result_of(clusters, s, total, int(candidates), len(edges), counts, related))
        self.result = detector.result

    # -------------------------------------------------------------- applying

    def fitted_stages(self) -> list:
        return [stage.for_workers() for stage in self.stages]

    def write(self, folder: Path, shard_names: Sequence[str], drop_duplicates: bool = False,
              dropped_name: str | None = None, excerpt_ids: set[str] | None = None) -> list[PartOutput]:
        """Clean each partition and write its part files under ``folder`` (one output shard
        name per partition); returns what each partition did, in order."""
        client = self.client
        shipped = self.broadcast(self.fitted_stages())
        options = self.settings.read
        futures = [client.submit(lambda p, st, n, o=options: _write_part(p, o, st, str(folder), n, drop_duplicates,
                                                                          dropped_name, excerpt_ids or set()),
                                 part, shipped, name, pure=False)
                   for part, name in zip(self.partitions, shard_names)]
        self.wait_for(futures, "writing")
        return client.gather(futures)


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

    def map(self, plan: Any, items: Any) -> Iterator[Any]:
        from collections import deque

        from .local import for_workers, process_partition

        client = self.client
        shipped = client.submit(_value, replace(plan, earlier=for_workers(plan.earlier)), pure=False)
        pending: deque = deque()
        try:
            for item in items:
                if len(pending) >= self.window:
                    yield pending.popleft().result()
                pending.append(client.submit(process_partition, shipped, *item, pure=False))
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # (an error, or a consumer that stopped early)
                future.cancel()


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


def reads_as_shards(inputs: Sequence[str | Path]) -> bool:
    """Whether every input is record shards (JSON Lines, Parquet) the workers can read and
    write in place (:func:`normalize_on_dask`); folders of pages and stdin are not."""
    try:
        list_shards(inputs)
    except CorpusError:
        return False
    return True


def _partitions(client: Any, inputs: Sequence[str | Path], partition_size: int | None) -> list[Partition]:
    shards = list_shards(inputs)
    counts = client.gather(client.map(count_records, shards, pure=False)) if partition_size else None
    return plan_partitions(shards, counts, partition_size)


def dedup_on_dask(inputs: Sequence[str | Path], settings: Settings, *, scheduler: str | None = None,
                  workers: int | None = None, partition_size: int | None = None,
                  progress: Callable[[str, int, int | None], None] | None = None):
    """``cleancorpus dedup --engine dask``: ``(DedupResult, read problems)``, the clusters the
    local ``dedup`` finds (on the cleaned, normalized texts)."""
    require_dask()
    list_shards(inputs)  # errors about the input before a cluster starts
    with dask_client(scheduler, workers) as client:
        pipeline = DaskPipeline(client, _partitions(client, inputs, partition_size), settings, progress).fit()
        return pipeline.result, pipeline.problems


def _check_task(partition: Partition, options: ReadOptions, stages: Sequence, check, input_path: str,
                duplicate_of: dict) -> tuple[list, list[ReadProblem], int]:
    """The findings of one partition's documents (CC301 for the duplicates among them),
    its read problems and its number of documents."""
    from ..check.findings import change_findings, document_findings, line_of
    from ..check.run import reported_path, cc301_finding

    repairer, remover, normalizer = stages
    docs, problems = partition.read(options)
    findings = []
    for doc in docs:
        path = reported_path(doc, input_path)
        after_cruft = remover.apply(repairer.apply(doc) if repairer is not None else doc)
        cleaned = normalizer.apply(after_cruft)
        findings += change_findings(cleaned, path, after_cruft.text) + document_findings(doc, cleaned, path, check)
        if doc.id in duplicate_of:
            representative, member = duplicate_of[doc.id]
            findings.append(cc301_finding(path, line_of(doc, None), member, representative))
    return findings, problems, len(docs)


def check_on_dask(input_path: str | Path | Sequence[str | Path], settings: Settings, *, baseline: dict | None = None,
                  scheduler: str | None = None, workers: int | None = None, partition_size: int | None = None,
                  progress: Callable[[str, int, int | None], None] | None = None):
    """``cleancorpus check --engine dask``: the findings the local check reports, computed on
    the cluster (without its cache; ``--fix`` and ``--diff`` need the local engine)."""
    from ..check.codes import CheckResult, selected_codes
    from ..check.run import conclude

    require_dask()
    codes = selected_codes(settings.check)
    inputs = [input_path] if isinstance(input_path, (str, Path)) else list(input_path)
    base = str(inputs[0]) if len(inputs) == 1 else ""  # several inputs: ids start with the input's name
    list_shards(inputs)
    with dask_client(scheduler, workers) as client:
        pipeline = DaskPipeline(client, _partitions(client, inputs, partition_size), settings, progress,
                                stages=("repair", "cruft", "names", "dedup") if "CC301" in codes
                                else ("repair", "cruft", "names"),
                                discover_names="CC202" in codes).fit()
        fitted = {stage.name: stage for stage in pipeline.fitted_stages()}
        shipped = pipeline.broadcast((fitted.get("repair"), fitted["cruft"], fitted["names"]))
        duplicates = pipeline.broadcast(pipeline.result.duplicate_of() if pipeline.result is not None else {})
        futures = [client.submit(_check_task, part, settings.read, shipped, settings.check, base,
                                 duplicates, pure=False) for part in pipeline.partitions]
        pipeline.wait_for(futures, "checking")
        found = client.gather(futures)
    findings = [f for part, _, _ in found for f in part]
    problems = [p for _, part, _ in found for p in part]
    documents = sum(n for _, _, n in found)
    notes: list[str] = []
    findings, failing, known = conclude(findings, problems, notes, documents, settings.check, codes, baseline)
    return CheckResult(findings, failing, documents, 0, len(known), [], notes,
                       baseline=None if baseline is None else known)


def normalize_on_dask(inputs: Sequence[str | Path], output: str | Path | None, *, settings: Settings,
                      scheduler: str | None = None, workers: int | None = None,
                      partition_size: int | None = None, drop_duplicates: bool = False,
                      dropped: str | Path | None = None, clean: bool = False,
                      progress: Callable[[str, int, int | None], None] | None = None):
    """``cleancorpus normalize --engine dask``: the same output shards, records and report as
    :func:`~cleancorpus.pipeline.normalize_corpus`, computed on a Dask cluster.

    ``inputs``: JSON Lines or Parquet shards, or folders of them; ``output``: a folder
    (shards of the input names, mirrored) or one ``.jsonl``/``.jsonl.gz``/``.parquet``
    file. ``partition_size``: records per partition (default: one partition per shard).
    The output must be on a file system the workers share with the client.
    """
    from ..io import REPORT_NAME, OutputFolder
    from ..io.writers import plan_output, stale_files
    from ..report import RECORDS_NAME, RunReport

    started = time.time()
    require_dask()
    inputs = list(inputs)
    shards = list_shards(inputs)
    plan = plan_output(inputs, output, dropped, stdout=False)  # (the local engine's checks, the same words)
    out, one_file, dropped_path = plan.out, plan.one_file, plan.dropped
    drop_duplicates = drop_duplicates or dropped_path is not None
    folder_of_report = out.parent if one_file else out
    prefix = f"{out.name}." if one_file else ""
    records_name, report_name = prefix + RECORDS_NAME, prefix + REPORT_NAME

    shown = " ".join(map(str, inputs))
    report = RunReport(input=shown, output=str(out), settings=settings.to_dict())
    report.records_name = records_name
    targets = [out.name] if one_file else sorted({s.name for s in shards}, key=[s.name for s in shards].index)
    with dask_client(scheduler, workers) as client:  # connected first: nothing is written for a cluster not there
        manifest = OutputFolder(folder_of_report)
        for name in [*targets, records_name]:
            failure = manifest.claim(name, name)
            if failure is not None:
                manifest.close()
                raise CorpusError(failure)
        manifest.close()
        work = Path(tempfile.mkdtemp(prefix=".cleancorpus-parts-", dir=folder_of_report))
        try:
            partitions = _partitions(client, inputs, partition_size)
            pipeline = DaskPipeline(client, partitions, settings, progress, spool_folder=work).fit()
            report.excerpt_ids = excerpt_ids_of(pipeline)
            shard_names = [out.name if one_file else p.name for p in partitions]
            parts = pipeline.write(work, shard_names, drop_duplicates,
                                   dropped_path.name if dropped_path is not None else None, report.excerpt_ids)
            # join the parts: each output shard, the records, the dropped documents
            joins = []
            for target in targets:
                numbers = [p.number for p, n in zip(partitions, shard_names) if n == target]
                joins.append(client.submit(_join_parts, str(out if one_file else out / target),
                                           [str(work / f"{n:08d}.out") for n in numbers], file_kind(target) or "jsonl",
                                           target, pure=False))
            every = [str(work / f"{p.number:08d}.records") for p in partitions]
            joins.append(client.submit(_join_parts, str(folder_of_report / records_name), every, "jsonl", pure=False))
            if dropped_path is not None:
                joins.append(client.submit(_join_parts, str(dropped_path),
                                           [str(work / f"{p.number:08d}.dropped") for p in partitions],
                                           file_kind(dropped_path) or "jsonl", dropped_path.name, pure=False))
            join_notes = [note for notes in client.gather(joins) for note in notes]
            if pipeline.result is not None:
                found = pipeline.result.to_dict()
                report.clusters, report.related = found["clusters"], found["related"]
                report.similarities = pipeline.result.similarities
        finally:
            shutil.rmtree(work, ignore_errors=True)
    for part in parts:
        report.read += part.read
        report.written += part.written
        report.dropped_duplicates += part.dropped
        report.by_rule.update(part.by_rule)
        report.words_changed += part.words_changed
        report.lines_repaired += part.lines_repaired
        report.problems.extend(part.problems)
        report.excerpts.update(part.excerpts)
    report.problems.extend(leftovers_as_problems(folder_of_report, started))
    report.problems.extend(notes_as_problems(_where_noted([n for part in parts for n in part.notes] + join_notes,
                                                          out, one_file, dropped_path)))
    if not one_file:
        written = set(targets) | {records_name, report_name}
        report.stale_files = stale_files(out, written, remove=clean, problems=report.problems)
        report.removed_stale = clean
    return write_run_report(report, folder_of_report, report_name)
