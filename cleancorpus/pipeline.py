"""Composing the stages: repair, cruft, then names, then near-duplicates.

Every stage has the same small shape (:mod:`cleancorpus.stages`): what it learns from
the corpus in ``partial`` / ``merge`` / ``finish`` rounds, and ``apply(document)``.
:func:`~cleancorpus.engines.local.run_stages` streams documents through them (the local
engine; the Dask engine runs the same stages). Memory stays bounded by the stages' own
state, not by the corpus.

>>> from cleancorpus import read_corpus, Pipeline
>>> docs = Pipeline().run(read_corpus("seeds"))      # doctest: +SKIP
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from .config import Settings
from .cruft import CruftRemover
from .dedup import NearDuplicateDetector
from .document import Document, DuplicateOf
from .engines.local import CorpusInput, ProgressCallback, Spool, run_stages
from .io.kinds import ReadProblem
from .names import NameNormalizer
from .names.tables import parse_entities
from .repair import TextRepairer
from .stages import Stage, apply_stages

__all__ = ["Pipeline", "ProgressCallback", "Spool", "Stage", "apply_stages", "build_stages", "normalize_corpus",
           "run_stages"]

def build_stages(settings: Settings | None = None, *, cruft: bool = True, names: bool = True,
                 dedup: bool = True, repair: bool = True, discover_names: bool = False) -> list[Stage]:
    """The stages a settings object describes, in pipeline order (the repair stage first,
    when ``repair`` and the settings ask for it: every later stage sees repaired text).
    ``discover_names``: the name stage learns variants even without ``apply_discovered``
    (``check`` reports them as CC202)."""
    settings = settings or Settings()
    stages: list[Stage] = []
    if repair and settings.repair.mojibake:
        stages.append(TextRepairer(settings.repair))
    if cruft:
        stages.append(CruftRemover(settings.cruft))
    if names:
        entries = parse_entities(settings.names_entities, "[tool.cleancorpus.names]")
        normalizer = NameNormalizer(settings.names, extra_entries=entries)
        normalizer.discover = normalizer.discover or discover_names
        stages.append(normalizer)
    if dedup:
        stages.append(NearDuplicateDetector(settings.dedup))
    return stages


class Pipeline:
    """The whole cleaning pipeline as one object: ``Pipeline(settings).run(documents)``.

    ``stages`` lets a caller run a subset (e.g. ``stages=("repair", "cruft", "names")``);
    they always run in pipeline order. After ``run`` has been consumed, ``self.detector``
    holds the near-duplicate result.
    """

    STAGES = ("repair", "cruft", "names", "dedup")

    def __init__(self, settings: Settings | None = None, stages: Sequence[str] = STAGES) -> None:
        unknown = set(stages) - set(self.STAGES)
        if unknown:
            raise ValueError(f"unknown stage(s): {', '.join(sorted(unknown))} (known: {', '.join(self.STAGES)})")
        self.settings = settings or Settings()
        self.stages = build_stages(self.settings, cruft="cruft" in stages, names="names" in stages,
                                   dedup="dedup" in stages, repair="repair" in stages)
        #: the stages have learned (:meth:`fit`) or were given what they learn (:meth:`load`)
        self.fitted = False

    @property
    def detector(self) -> NearDuplicateDetector | None:
        return next((s for s in self.stages if s.name == "dedup"), None)  # type: ignore[return-value]

    def run(self, documents: Iterable[Document | Mapping], *, workdir: str | Path | None = None,
            progress: ProgressCallback | None = None, last_pass: str = "writing", executor=None,
            partition_size: int | None = None) -> Iterator[Document]:
        """Cleaned, normalized documents with their records, lazily and in input order.

        ``documents`` may be :class:`Document` objects or records (dicts, rows of a
        ``datasets.Dataset``: any mapping), read with the field names of ``settings.read``,
        or a :class:`~cleancorpus.engines.local.CorpusInput` (inputs the workers read).
        ``settings.jobs`` worker processes (0: one per core) do the per-document work.
        """
        sizes = {"partition_size": partition_size} if partition_size else {}
        return run_stages(self._documents(documents), self.stages, workdir=workdir, progress=progress,
                          jobs=self.settings.processes, last_pass=last_pass, executor=executor, **sizes)

    def _documents(self, documents: Iterable[Document | Mapping]) -> Iterable[Document] | CorpusInput:
        """What the engine takes: records as documents; a list stays a list (learned from
        directly), a :class:`CorpusInput` stays as it is (read as partitions by the engine)."""
        from .adapters import as_documents

        if isinstance(documents, CorpusInput):
            return documents
        if isinstance(documents, (list, tuple)):
            return list(as_documents(documents, self.settings.read))
        return as_documents(documents, self.settings.read)

    def fit(self, documents: Iterable[Document | Mapping], *, workdir: str | Path | None = None) -> "Pipeline":
        """Fit every stage on ``documents`` (the learning passes of :meth:`run`, without the
        pass that applies them), for :meth:`map_batch` afterwards."""
        from .engines.local import fit_stages

        fit_stages(self._documents(documents), self.stages, workdir=workdir, jobs=self.settings.processes)
        self.fitted = True
        return self

    def save(self, path: str | Path) -> Path:
        """Write what the pipeline learned (after :meth:`fit`, or a :meth:`run` consumed) as a
        model folder (:mod:`cleancorpus.model`): recurrence per source, discovered names.
        Written atomically; an earlier model at ``path`` is replaced, nothing else is."""
        from .model import model_of, save_model

        return save_model(model_of(self.stages, self.settings), path)

    @classmethod
    def load(cls, path: str | Path, settings: Settings | None = None, stages: Sequence[str] = STAGES) -> "Pipeline":
        """A pipeline that applies the model in folder ``path`` as it is: its learning stages
        learn nothing from the documents it runs on (near-duplicates are still found among
        them). ``settings`` must be those the model was fitted with, in what decides learning
        (:class:`~cleancorpus.model.ModelError` otherwise, as for a damaged or newer model).
        (The model's site templates of HTML pages go to a reader: :func:`normalize_corpus` and
        the command line give them; documents given here are already extracted.)"""
        from .model import apply_model

        pipeline = cls(settings, stages)
        apply_model(path, pipeline.stages, pipeline.settings)
        pipeline.fitted = True
        return pipeline

    def map_batch(self, batch: Mapping[str, list], indices: list[int] | None = None) -> dict[str, list]:
        """The fitted stages over a batch of columns, for ``datasets.Dataset.map(batched=True)``.

        Takes and returns ``{column: [values]}``: the text column cleaned, every other
        column kept, and ``duplicate_of`` added (the representative's id, or ``None``).
        Ids must match the ones :meth:`fit` saw: give an id column, or pass
        ``with_indices=True`` to ``map`` when there is none::

            pipeline = Pipeline().fit(dataset)
            dataset = dataset.map(pipeline.map_batch, batched=True, with_indices=True)
        """
        from .adapters import DUPLICATE_FIELD, record_to_document, to_records

        if not self.fitted:
            raise RuntimeError("map_batch needs a fitted pipeline: call Pipeline.fit(documents) first")
        columns = list(batch)
        lengths = {c: len(batch[c]) for c in columns}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{c!r}: {n}" for c, n in lengths.items())
            raise ValueError(f"map_batch: the columns of a batch must have one length ({shown})")
        length = next(iter(lengths.values()), 0)
        if indices is not None and len(indices) != length:
            raise ValueError(f"map_batch: {len(indices)} indices for a batch of {length} rows")
        out: dict[str, list] = {c: [] for c in columns}
        out[DUPLICATE_FIELD] = []
        for row in range(length):
            number = indices[row] + 1 if indices is not None else row + 1
            doc = record_to_document({c: batch[c][row] for c in columns}, number, self.settings.read)
            (record,) = to_records([apply_stages(doc, self.stages)], options=self.settings.read)
            for column in out:
                out[column].append(record.get(column))
        return out


def normalize_corpus(input_path: str | Path | Sequence[str | Path], output: str | Path | None = None, *,
                     settings: Settings | None = None, format: str | None = None,
                     drop_duplicates: bool = False, progress: ProgressCallback | None = None,
                     dropped: str | Path | None = None, clean: bool = False, shard_size: int | None = None,
                     executor=None, partition_size: int | None = None, model: str | Path | None = None):
    """Read a corpus, clean it, write it and its report: what ``cleancorpus normalize`` does.

    ``input_path``: one input or a list (folders, files, shards, ``-``). ``output``: a folder
    (the input layout mirrored: text files as files, shards as shards of the same names and
    compression), one file of records (``*.jsonl``, ``*.jsonl.gz``, ``*.jsonl.zst``,
    ``*.parquet``), or ``-`` for JSON Lines on standard output. Returns the
    :class:`~cleancorpus.report.RunReport`, also written as ``cleancorpus-report.json``
    beside the output (not for ``-``). Raises :class:`~cleancorpus.io.CorpusError` for a
    missing or unreadable kind of input, or an output inside an input, before anything is
    written; unreadable documents are recorded in the report's ``problems`` and the run goes on.

    ``dropped``: documents dropped as duplicates go to this file of records (with
    ``duplicate_of``), and ``drop_duplicates`` is implied. ``clean``: files an earlier run
    wrote into the output folder that this run did not are removed (without it they are
    listed in ``report.stale_files``); only files in the folder's manifest are ever touched.
    ``shard_size``: records are resharded into ``part-NNNNN`` shards of that many.
    ``executor``: where the engine's tasks run (default: ``settings.jobs`` processes here; the
    Dask engine passes its own, and then the work folder is made beside the output, where
    the workers can reach it); ``partition_size``: documents a task reads at a time.
    ``model``: a model folder (``cleancorpus fit``) applied as it is: recurrence and
    discovered names come from it, not from this input (:class:`~cleancorpus.model.ModelError`
    before anything is read when it cannot be used).
    """
    from .io import REPORT_NAME, CorpusError, OutputFolder, atomic_open, plan_output_names, write_corpus
    from .io.writers import plan_output
    from .io.readers import check_inputs, text_document_ids
    from .io.writers import RecordsFile, stale_files, write_records_file, write_stdout
    from .report import RECORDS_NAME, RunReport

    started = time.time()
    settings = settings or Settings()
    inputs = [input_path] if isinstance(input_path, (str, Path)) else list(input_path)
    check_inputs(inputs)
    plan = plan_output(inputs, output, dropped)
    out, one_file, to_stdout, dropped = plan.out, plan.one_file, plan.to_stdout, plan.dropped
    if shard_size is not None and (shard_size < 1 or one_file or to_stdout):
        raise CorpusError("--shard-size needs a positive number and an output folder")
    drop_duplicates = drop_duplicates or dropped is not None
    if format is None:
        format = "mirror"
    names = None
    if format in ("files", "mirror") and not one_file and not to_stdout:  # one name per document, decided before writing
        names = plan_output_names(text_document_ids(inputs, settings.read.follow_links))
    if format == "files" and any(str(i) == "-" or Path(i).is_file() for i in inputs):
        names = None  # records become files named by their ids
    shown = str(input_path) if isinstance(input_path, (str, Path)) else " ".join(map(str, inputs))
    report = RunReport(input=shown, output="-" if to_stdout else str(out), settings=settings.to_dict())
    pipeline = Pipeline(settings)
    templates = None
    if model is not None:  # (before anything is read: a model that cannot be used stops the run here)
        from .model import apply_model

        templates = apply_model(model, pipeline.stages, settings).template_book()
        pipeline.fitted, report.model = True, str(model)
    # read by the engine's workers (a model's site templates given to the reader)
    documents = CorpusInput(inputs, settings.read, report.problems, progress, templates=templates)

    # with --dropped: the duplicates go to their file as they pass (never held in memory)
    dropped_file = RecordsFile(dropped, settings.read) if dropped is not None else None

    def kept(stream: Iterable[Document]) -> Iterator[Document]:
        first = True
        for doc in stream:
            if first:  # the clusters are known before the last pass: keep their texts as they pass
                report.excerpt_ids = excerpt_ids_of(pipeline)
                first = False
            report.add(doc)
            duplicate = doc.records_of(DuplicateOf)
            if drop_duplicates and duplicate:
                report.dropped_duplicates += 1
                if dropped_file is not None:  # its record gets duplicate_of from the DuplicateOf record
                    dropped_file.write(doc)
                continue
            yield doc

    def write_dropped() -> None:
        if dropped_file is not None:
            written = dropped_file.close()
            report.write_failures.extend(written.failures)
            report.problems.extend(notes_as_problems(written.notes))

    def abort_dropped() -> None:  # an interrupted run leaves no temporary file of --dropped behind
        if dropped_file is not None:
            dropped_file.abort()

    if to_stdout:
        try:
            with tempfile.TemporaryDirectory(prefix="cleancorpus-") as workdir:
                summary = write_stdout(kept(pipeline.run(documents, workdir=workdir, progress=progress,
                                                         executor=executor, partition_size=partition_size)),
                                       settings.read)
        except BaseException:
            abort_dropped()
            raise
        report.written = summary.written
        write_dropped()
        _keep_learned(report, pipeline)
        return report

    folder_of_report = out.parent if one_file else out
    prefix = f"{out.name}." if one_file else ""  # out.jsonl -> out.jsonl.cleancorpus-report.json beside it
    records_name, report_name = prefix + RECORDS_NAME, prefix + REPORT_NAME
    report.records_name = records_name
    records = OutputFolder(folder_of_report)
    failure = records.claim(records_name, records_name)
    records.close()
    if failure is not None:
        raise CorpusError(failure)
    summary = None
    try:
        shared = folder_of_report if executor is not None else None  # (workers elsewhere must reach it)
        with tempfile.TemporaryDirectory(prefix=".cleancorpus-parts-" if shared else "cleancorpus-", dir=shared) \
                as workdir, atomic_open(folder_of_report / records_name) as handle:
            report.records_out = handle
            cleaned = kept(pipeline.run(documents, workdir=workdir, progress=progress, executor=executor,
                                        partition_size=partition_size))
            if one_file:
                summary = write_records_file(cleaned, out, settings.read)
            else:
                summary = write_corpus(cleaned, out, format=format, options=settings.read, names=names,
                                       shard_size=shard_size)
    except OSError as exc:
        if summary is None:
            abort_dropped()
            raise
        summary.failures.append(f"{folder_of_report / records_name}: cannot write: {exc.strerror or exc}")
    except BaseException:
        abort_dropped()
        raise
    finally:
        report.records_out = None
    report.written = summary.written
    report.overwritten = summary.overwritten
    report.write_failures = summary.failures
    report.problems.extend(notes_as_problems(summary.notes))
    report.problems.extend(leftovers_as_problems(folder_of_report, started))
    write_dropped()
    _keep_learned(report, pipeline)
    if not one_file:
        written = {p.relative_to(out).as_posix() for p in summary.paths} | {records_name, report_name}
        if not summary.failures:  # after a failed write, nothing is called stale
            report.stale_files = stale_files(out, written, remove=clean, problems=report.problems)
            report.removed_stale = clean
    return write_run_report(report, folder_of_report, report_name)


def leftovers_as_problems(folder: Path, started: float) -> list[ReadProblem]:
    """What a killed earlier run left in ``folder`` (temporary files, work folders), removed,
    each named in a warning."""
    from .io.writers import remove_leftovers

    return [ReadProblem(str(folder / name), "left by an interrupted earlier run; removed", fatal=False)
            for name in remove_leftovers(folder, started)]


def notes_as_problems(notes: Iterable[tuple[str, str]]) -> list[ReadProblem]:
    """A writer's notes ``(path, message)``: a Parquet column written as text, say) as the
    report's warnings, each once, in the order of their paths (the same on every engine)."""
    return [ReadProblem(path, message, fatal=False) for path, message in sorted(set(notes))]


def write_run_report(report, folder_of_report: Path, report_name: str):
    """Write ``report`` as ``report_name`` in its output folder (through the folder's
    manifest); a failure is kept in ``report.write_failures``. Returns the report."""
    import json

    from .io import OutputFolder

    folder = OutputFolder(folder_of_report)
    failure = folder.write(report_name, json.dumps(report.to_dict(), ensure_ascii=False, indent=1)
                           .encode("utf-8", errors="backslashreplace") + b"\n")
    folder.close()
    if failure is not None:
        report.write_failures.append(failure)
    report.report_path = str(folder_of_report / report_name)
    return report


def _keep_learned(report, pipeline: Pipeline) -> None:
    """What the run learned, into the report: the name groups discovery found (applied
    and for review), and the near-duplicate clusters."""
    from .names.discovery import variant_to_dict

    names = next((s for s in pipeline.stages if s.name == "names"), None)
    report.discovered_names = [variant_to_dict(v) for v in getattr(names, "candidates", [])]
    detector = pipeline.detector
    if detector is not None and detector.result is not None:
        found = detector.result.to_dict()
        report.clusters, report.related = found["clusters"], found["related"]
        report.similarities = detector.result.similarities


def excerpt_ids_of(pipeline: Pipeline) -> set[str]:
    """The documents of the first clusters, whose texts the report keeps for its page."""
    from .report import EXCERPT_CLUSTERS

    detector = pipeline.detector
    if detector is None or detector.result is None:
        return set()
    return {doc_id for cluster in detector.result.clusters[:EXCERPT_CLUSTERS]
            for doc_id in (cluster.representative, *(m.id for m in cluster.members))}
