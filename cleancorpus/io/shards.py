"""Writing records: JSON Lines (plain, ``.gz``, ``.zst``) and Parquet shards, or standard output.

A corpus read from shards is written back as shards of the same names and compression:
each document carries the shard it came from (``meta["shard"]``), the stream keeps them
together, so one output shard is open at a time and each is written atomically (a
temporary file renamed over the target when the shard is complete). A Parquet shard keeps
its input's columns and types; records of several inputs or of changing fields get one
schema unified over all of them (:mod:`.parquet`).
"""

from __future__ import annotations

import contextlib
import gzip
from pathlib import Path
from typing import IO, Any

from ..document import Document
from .atomic import atomic_open
from .readers import ReadOptions, file_kind
from .parquet import PARQUET_BATCH, piece_table
from .records import DUPLICATE_FIELD, document_to_json, record_line

class RecordSink:
    """Records written to one binary handle, as JSON Lines or Parquet (by ``kind``).

    Parquet: the records are cut into pieces of one input file each (the input's column
    types kept where the values fit) and written, when closed, with one schema unified over
    all of them (:mod:`.parquet`): no column is lost, and what had to become text is in
    :attr:`notes`.
    """

    def __init__(self, handle: IO[bytes], name: str, options: ReadOptions, schema_from: str | None = None) -> None:
        self.options = options
        self.count = 0
        self.name = name
        self.notes: list[tuple[str, str]] = []  # (output name, what was written as text)
        self.stack = contextlib.ExitStack()
        self.parquet = file_kind(name) == "parquet"
        if self.parquet:
            from ..extras import require
            from .parquet import UnifiedParquetWriter

            require("pyarrow", "parquet")
            self.handle = handle
            self.writer = UnifiedParquetWriter(handle, name, DUPLICATE_FIELD)
            self.stack.callback(self.writer.discard)
            self.first_schema = self.input_schema = _schema_of(schema_from, options)
            self.last_from = schema_from  # the input path of the last record (most records share it)
            self.piece_from = schema_from if self.input_schema is not None else None
            self.schemas = {self.piece_from: self.input_schema}
            if self.input_schema is not None:
                self.writer.add_schema(self.input_schema)
            self.buffer: list[dict] = []
        else:
            self.handle = compressed_writer(self.stack, handle, name)

    def write(self, doc: Document, schema_from: str | None = None) -> None:
        """One document; ``schema_from``: the Parquet file it was read from (its column types)."""
        if self.parquet:
            if schema_from != self.last_from:  # (the input's kind is looked at only when it changes)
                self.last_from = schema_from
                self._start_piece(schema_from if schema_from and file_kind(schema_from) == "parquet" else None)
            self.buffer.append(document_to_json(doc, self.options))
            if len(self.buffer) >= PARQUET_BATCH:
                self._flush_parquet()
        else:
            self.handle.write(record_line(doc, self.options))
        self.count += 1

    def _start_piece(self, schema_from: str | None) -> None:
        """Records from another input from here on (``None``: not a Parquet file, whose
        types are inferred): a new piece, with that input's column types."""
        if schema_from == self.piece_from:
            return
        self._flush_parquet()
        self.piece_from = schema_from
        if schema_from not in self.schemas:  # (each input's footer read once)
            self.schemas[schema_from] = _schema_of(schema_from, self.options)
        self.input_schema = self.schemas[schema_from]
        if self.input_schema is not None:
            self.writer.add_schema(self.input_schema)

    def _flush_parquet(self) -> None:
        if self.buffer:
            self.writer.add(piece_table(self.buffer, self.input_schema, DUPLICATE_FIELD, self.name, self.notes))
            self.buffer = []

    def close(self) -> None:
        """Finish the format (compressed frame, Parquet footer); the handle stays open."""
        if self.parquet:
            import pyarrow as pa

            self._flush_parquet()
            empty = self.first_schema
            if empty is not None and empty.get_field_index(DUPLICATE_FIELD) < 0:
                empty = empty.append(pa.field(DUPLICATE_FIELD, pa.string()))  # always there
            elif empty is None:
                empty = pa.schema([(self.options.id_field, pa.string()), (self.options.text_field, pa.string())])
            self.writer.close(empty_schema=empty)
            self.notes.extend(self.writer.notes)  # (repeats are merged where notes become warnings)
        self.stack.close()

    def discard(self) -> None:
        """Abandon the output: spooled pieces removed (the handle is the caller's)."""
        self.stack.close()


def compressed_writer(stack: contextlib.ExitStack, handle: IO[bytes], name: str) -> IO[bytes]:
    """Where to write the JSON Lines of a file named ``name``: ``handle`` itself, or a gzip
    (no time stamp, no file name: the same bytes on every run) or zstd stream over it, closed
    with ``stack``. Every JSON Lines output is compressed here, so the engines that write one
    in a single pass or join its parts write the same bytes."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        return stack.enter_context(gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename=""))
    if lowered.endswith(".zst"):
        from ..extras import require

        zstandard = require("zstandard", "zstd")
        return stack.enter_context(zstandard.ZstdCompressor().stream_writer(handle, closefd=False))
    return handle


def shard_extension(name: str) -> str:
    """The format and compression part of a shard's name: ``.jsonl.gz`` of ``part-1.jsonl.gz``."""
    lowered = name.lower()
    compression = next((c for c in (".gz", ".zst") if lowered.endswith(c)), "")
    base = name[: len(name) - len(compression)] if compression else name
    dot = base.rfind(".")
    return (base[dot:] if dot > base.rfind("/") else ".jsonl") + name[len(base):]


def _schema_of(path: str | None, options: ReadOptions) -> Any:
    """The schema of the Parquet file ``path`` came from (``None``: inferred from the records)."""
    if not path or file_kind(path) != "parquet":
        return None
    import pyarrow.parquet as pq

    with contextlib.suppress(OSError, Exception):
        return pq.read_schema(path)
    return None


class ShardWriter:
    """Documents routed to output shards named as their input shards, one open at a time.

    ``claim(relative)`` decides whether a shard may be written (the output folder's
    manifest); a shard that may not is skipped with its documents, and the reason kept.
    """

    def __init__(self, root: Path, options: ReadOptions, claim, shard_size: int | None = None) -> None:
        self.root = root
        self.shard_size = shard_size
        self.extension: str | None = None
        self.records_seen = 0
        self.options = options
        self.claim = claim
        self.current: str | None = None
        self.finished: set[str] = set()
        self.sink: RecordSink | None = None
        self.stack: contextlib.ExitStack | None = None
        self.failures: list[str] = []
        #: what had to be written as text in a Parquet output (warnings for the report)
        self.notes: list[tuple[str, str]] = []
        self.skipping: str | None = None
        self.paths: list[Path] = []
        self.written = 0
        self.replaced = 0

    def write(self, doc: Document, shard: str) -> bool:
        """Write ``doc`` into ``shard`` (or, with ``shard_size``, into the current
        ``part-NNNNN`` shard); ``False`` when that shard is not being written."""
        if self.shard_size:
            self.extension = self.extension or shard_extension(shard)
            shard = f"part-{self.records_seen // self.shard_size:05d}{self.extension}"
            self.records_seen += 1
        if shard != self.current:
            self.finish()
            self.current = shard
            if shard in self.finished:
                self.failures.append(f"{shard}: its records came apart in the stream; not written twice")
                self.skipping = shard
            else:
                self._open(shard, doc)
        if self.skipping == shard:
            return False
        assert self.sink is not None
        self.sink.write(doc, doc.meta.get("path"))
        self.written += 1
        return True

    def _open(self, shard: str, doc: Document) -> None:
        reason = self.claim(shard)
        if reason is not None:
            self.failures.append(reason)
            self.skipping = shard
            return
        target = self.root / shard
        self.stack = contextlib.ExitStack()
        try:
            self.replaced += target.exists()
            handle = self.stack.enter_context(atomic_open(target))
            self.sink = RecordSink(handle, shard, self.options, doc.meta.get("path"))
            self.stack.callback(self.sink.discard)
        except BaseException:  # the temporary file is dropped, never renamed into place
            stack, self.stack = self.stack, None
            stack.__exit__(*_current_exception())
            raise
        self.skipping = None

    def finish(self) -> None:
        """Complete the open shard (renamed into place)."""
        if self.current is not None:
            self.finished.add(self.current)
        if self.stack is None:
            return
        stack, sink, self.stack, self.sink = self.stack, self.sink, None, None
        try:
            assert sink is not None
            sink.close()
        except BaseException:
            stack.__exit__(*_current_exception())
            raise
        stack.close()
        self.notes.extend((str(self.root / label), message) for label, message in sink.notes)
        self.paths.append(self.root / self.current)  # type: ignore[operator]

    def abort(self) -> None:
        """Drop the open shard's temporary file (the target is left as it was)."""
        if self.stack is not None:
            stack, self.stack, self.sink = self.stack, None, None
            with contextlib.suppress(Exception):
                stack.__exit__(RuntimeError, RuntimeError("aborted"), None)


def _current_exception():
    import sys

    return sys.exc_info()
