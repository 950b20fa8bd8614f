"""A corpus as partitions a worker reads on its own: what lets engines read in parallel.

:func:`partition_corpus` walks the inputs as :func:`~cleancorpus.io.read_corpus` reads
them and yields, in the same order, partitions of at most ``size`` documents:

- :class:`RecordLines`: raw lines of a JSON Lines file (plain, ``.gz``, ``.zst``) or of
  standard input, with the number of the first; this process only cuts the bytes into
  lines (and decompresses), the worker parses them;
- :class:`ParquetRows`: a range of rows of a Parquet file;
- :class:`DocumentFiles`: a slice of a folder's text and HTML files (HTML extraction,
  trafilatura, happens in the worker), with the folder's site templates;
- :class:`Problems`: what listing a folder or reading a file found, in its place in the order.

``partition.read(options, seen)`` gives the documents and problems ``read_corpus`` gives
for those records, ids included, when ``seen`` holds the ids read before the partition. A
worker does not know them: it reads with an empty set and returns its ids'
:func:`id_digest`; the engine, taking results in order, reads again (in its own process,
with :class:`SeenIds`) only a partition that holds an id some earlier one had, so ids and
their renaming are those of one sequential read.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

from ..document import Document, id_digest
from .kinds import STDIN, CorpusError, ReadOptions, ReadProblem, file_kind, folder_source, KINDS_HELP
from .pages import learn_folder_templates, read_file_document


class Partition(Protocol):
    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list[ReadProblem]]: ...


class SeenIds:
    """The ids read so far, as digests (8 bytes each instead of the ids themselves); what
    :func:`~cleancorpus.io.readers.record_document` asks of its ``seen`` set."""

    def __init__(self) -> None:
        self.digests: set[int] = set()

    def __contains__(self, doc_id: str) -> bool:
        return id_digest(doc_id) in self.digests

    def add(self, doc_id: str) -> None:
        self.digests.add(id_digest(doc_id))

    def clashes(self, digests: Sequence[int]) -> bool:
        return not self.digests.isdisjoint(digests)


@dataclass
class RecordLines:
    """Lines ``start, start + 1, ...`` of a JSON Lines stream (``None``: a line longer than
    the document size limit, skipped by the reader with a problem)."""

    name: str
    location: str
    start: int
    lines: list
    #: what a mirrored output calls the shard (standard input only)
    shard: str | None = None
    hashes: bool = False

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list[ReadProblem]]:
        from .readers import records_of_lines

        problems: list[ReadProblem] = []
        docs = list(records_of_lines(self.lines, self.start, self.name, options, problems, self.location, seen,
                                     self.hashes))
        if self.shard is not None:
            for doc in docs:
                doc.meta["shard"] = self.shard
        return docs, problems


@dataclass
class ParquetRows:
    """Row groups of a Parquet file (all of it for ``row_groups=None``), whose first row is
    number ``first`` (from 1)."""

    path: str
    name: str
    first: int = 1
    row_groups: list[int] | None = None

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list[ReadProblem]]:
        from .readers import iter_parquet_file

        problems: list[ReadProblem] = []
        docs = list(iter_parquet_file(Path(self.path), options, problems, self.name, seen, (self.first, None),
                                      self.row_groups))
        return docs, problems


@dataclass
class DocumentFiles:
    """Text and HTML files, each one document: ``(path, id, source)``."""

    files: list[tuple[str, str, str | None]]
    templates: Any = None
    #: the files of a folder (their ids are kept in ``seen``); a lone file input is not
    in_folder: bool = True
    #: where extractions of unchanged pages come from (a dict-like keyed by content hash)
    extraction_cache: Any = None

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list[ReadProblem]]:
        problems: list[ReadProblem] = []
        docs = []
        for path, doc_id, source in self.files:
            doc = read_file_document(Path(path), doc_id, source, options, problems, self.extraction_cache,
                                     self.templates)
            if doc is not None:
                if self.in_folder:
                    seen.add(doc.id)
                docs.append(doc)
        return docs, problems


@dataclass
class Problems:
    """No documents: problems met while listing or reading, in their place in the order."""

    problems: list[ReadProblem] = field(default_factory=list)

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list[ReadProblem]]:
        return [], list(self.problems)


def partition_corpus(paths: Sequence[str | Path], options: ReadOptions, size: int = 200,
                     progress: Any = None, *, hashes: bool = False,
                     extraction_cache: Any = None, fit: Any = None, templates: Any = None) -> Iterator[Partition]:
    """The partitions of ``paths``, in the order :func:`~cleancorpus.io.read_corpus` reads
    them (see the module docstring). Raises :class:`CorpusError` as ``read_corpus`` does.
    ``hashes`` and ``extraction_cache``: as ``read_corpus``'s ``content_hashes`` and
    ``extraction_cache`` (what ``check`` caches on); the cache must be picklable to go to
    worker processes with the partitions. ``fit``: how the engine runs template learning's
    per-page work in its workers (see :func:`~.pages.learn_folder_templates`). ``templates``:
    a :class:`~cleancorpus.cruft.templates.TemplateBook`: its ``given`` templates are used in
    every folder instead of learning them, and each folder's learned ones are added to it."""
    from .readers import check_inputs, input_names

    paths = list(paths)
    if not paths:
        raise CorpusError("no input given")
    check_inputs(paths)
    prefixes = [f"{name}/" for name in input_names(paths)] if len(paths) > 1 else [""]
    for path, prefix in zip(paths, prefixes):
        yield from _partitions_of(path, prefix, options, size, progress, fit, hashes, extraction_cache, templates)


def _partitions_of(path: str | Path, prefix: str, options: ReadOptions, size: int, progress: Any,
                   fit: Any = None, hashes: bool = False, extraction_cache: Any = None,
                   book: Any = None) -> Iterator[Partition]:
    import sys

    from .readers import corpus_files, require_format_extra

    if str(path) == STDIN:
        if sys.stdin is None:
            raise CorpusError("-: standard input is closed; nothing to read (name files or folders instead)")
        yield from _line_partitions(sys.stdin.buffer, "<stdin>", "<stdin>", options, size,
                                    shard=prefix + "corpus.jsonl", hashes=hashes)
        return
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"{root}: no such file or directory")
    if not root.is_dir():
        name = prefix.rstrip("/") or root.name
        kind = file_kind(root)
        if kind == "jsonl":
            yield from _file_line_partitions(root, name, options, size, hashes)
        elif kind == "parquet":
            yield from _parquet_partitions(root, name, size)
        else:
            yield DocumentFiles([(str(root), name, None)], in_folder=False, extraction_cache=extraction_cache)
        return
    listing: list[ReadProblem] = []
    listed = corpus_files(root, options.follow_links, listing, records=True)
    files = [path for path, _ in listed]
    if listing:
        yield Problems(listing)
    if not files:
        raise CorpusError(f"{root}: no files cleancorpus reads in this folder ({KINDS_HELP})")
    if book is not None and book.given is not None:
        templates = book.given if options.html_templates else None
    else:
        templates = learn_folder_templates(root, files, options, progress, fit)
        if book is not None and templates is not None:
            book.learned.append(templates)
    pending: list[tuple[str, str, str | None]] = []
    for file, inside in listed:
        relative = prefix + inside
        kind = file_kind(file.name)
        if kind in ("jsonl", "parquet"):
            if pending:
                yield DocumentFiles(pending, templates, extraction_cache=extraction_cache)
                pending = []
            require_format_extra(file, kind)
            if kind == "jsonl":
                yield from _file_line_partitions(file, relative, options, size, hashes)
            else:
                yield from _parquet_partitions(file, relative, size)
            continue
        pending.append((str(file), relative, folder_source(inside)))
        if len(pending) >= size:
            yield DocumentFiles(pending, templates, extraction_cache=extraction_cache)
            pending = []
    if pending:
        yield DocumentFiles(pending, templates, extraction_cache=extraction_cache)


def _cannot_read(exc: BaseException) -> str | None:
    """The problem's words for an error met reading a file, or ``None`` if it is not one."""
    if isinstance(exc, (OSError, EOFError, zlib.error)):
        return f"cannot read: {getattr(exc, 'strerror', None) or exc}"
    if type(exc).__module__.startswith("zstandard"):  # zstandard's own error type
        return f"cannot read: {exc}"
    return None


def _file_line_partitions(path: Path, name: str, options: ReadOptions, size: int,
                          hashes: bool = False) -> Iterator[Partition]:
    from .readers import open_records

    try:
        handle = open_records(path)
    except Exception as exc:
        message = _cannot_read(exc)
        if message is None:
            raise
        yield Problems([ReadProblem(str(path), message)])
        return
    with handle:
        yield from _line_partitions(handle, name, str(path), options, size, catch=True, hashes=hashes)


def _line_partitions(handle: Any, name: str, location: str, options: ReadOptions, size: int,
                     shard: str | None = None, catch: bool = False, hashes: bool = False) -> Iterator[Partition]:
    """``handle``'s lines cut into partitions; with ``catch``, an error reading it ends the
    file with a problem after the lines read before it (as the sequential reader does)."""
    from .readers import bounded_lines

    lines: list = []
    start = 1
    failure = None
    try:
        for line in bounded_lines(handle, options.max_document_bytes):
            lines.append(line)
            if len(lines) >= size:
                yield RecordLines(name, location, start, lines, shard, hashes)
                start += len(lines)
                lines = []
    except Exception as exc:
        failure = _cannot_read(exc) if catch else None
        if failure is None:
            raise
    if lines:
        yield RecordLines(name, location, start, lines, shard, hashes)
    if failure is not None:
        yield Problems([ReadProblem(location, failure)])


def _parquet_partitions(path: Path, name: str, size: int) -> Iterator[Partition]:
    """Whole row groups, as many as make about ``size`` rows (a row group is the unit a
    Parquet reader can seek to)."""
    try:
        import pyarrow.parquet as pq

        metadata = pq.ParquetFile(path).metadata
        counts = [metadata.row_group(k).num_rows for k in range(metadata.num_row_groups)]
    except Exception:  # a damaged file: reading it whole reports the problem as read_corpus does
        yield ParquetRows(str(path), name)
        return
    if not counts:
        yield ParquetRows(str(path), name)
        return
    groups: list[int] = []
    rows, first = 0, 1
    for k, count in enumerate(counts):
        groups.append(k)
        rows += count
        if rows >= size:
            yield ParquetRows(str(path), name, first, groups)
            first += rows
            groups, rows = [], 0
    if groups:
        yield ParquetRows(str(path), name, first, groups)
