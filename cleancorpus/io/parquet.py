"""Writing Parquet files whose records do not all share one schema, without losing a column.

Records reach a Parquet output from many places: several Parquet inputs of different
schemas into one file, JSON Lines whose fields come and go from record to record, a
field that is a number in one record and text in the next. A Parquet file has one schema,
so the writer learns it from every record before writing any row group:

* Records are cut into *pieces*: runs of at most :data:`PARQUET_BATCH` consecutive
  records from one input file. A piece's columns take the input Parquet file's types where
  the values fit them (so columns come back as they were), else the types Arrow infers.
  Pieces past the first batch are spooled as Arrow IPC files to the temporary folder
  (``TMPDIR``, as the run's other spools), so memory stays bounded by a batch.
* When the file is closed, each column's type is the common type of its pieces
  (:func:`common_type`: a null column takes any type, an integer column joins a float one
  as float, a struct gains the fields of the others). A column whose values cannot share
  a type is written as text (JSON for nested values, ISO 8601 for dates) and a note says
  so; ``duplicate_of`` is always text and the last column. A column absent from some
  records is null there.
* The rows are then written in row groups of :data:`PARQUET_BATCH` rows, whatever the
  pieces were, so the Dask engine's join of its part files (:func:`join_parquet`) writes
  the same bytes as the local engine's one pass, for any partition size.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

from .records import json_value

#: Records in a row group of a Parquet output (and at most in a piece held in memory).
PARQUET_BATCH = 10_000


def as_text(value: Any) -> str | None:
    """A value of a column written as text: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=json_value, ensure_ascii=False)


def _text_array(values: Iterable[Any]) -> Any:
    import pyarrow as pa

    return pa.array([as_text(v) for v in values], pa.string())


def common_type(types: Sequence[Any]) -> Any:
    """The type every one of ``types`` widens to (Arrow's permissive promotion), ``None``
    when there is none (a number and a string, say). Null types are ignored."""
    import pyarrow as pa

    distinct = [t for t in dict.fromkeys(types) if not pa.types.is_null(t)]
    if not distinct:
        return pa.null()
    if len(distinct) == 1:
        return distinct[0]
    try:
        unified = pa.unify_schemas([pa.schema([("c", t)]) for t in distinct], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return unified.field("c").type


def _note_text(column: str) -> str:
    return f"column {column!r} has values of more than one type; written as text"


def _note_not_text(column: str) -> str:
    return f"column {column!r} held values that are not text; written as text"


def _add_note(notes: list[tuple[str, str]], label: str, message: str) -> None:
    if (label, message) not in notes:
        notes.append((label, message))


class UnifiedParquetWriter:
    """Tables of varying schemas written as one Parquet file of one schema to ``handle``.

    :meth:`add` takes each table (a piece) as it comes; :meth:`close` decides the schema
    and writes every row. ``duplicate_field`` is always text; ``notes`` collects what was
    written as text, as ``(label, message)`` (``label``: the output's name).
    """

    def __init__(self, handle: IO[bytes], label: str, duplicate_field: str) -> None:
        self.handle = handle
        self.label = label
        self.duplicate_field = duplicate_field
        self.notes: list[tuple[str, str]] = []
        self.names: dict[str, None] = {}
        self.metadata: list[Any] = []
        self.pieces: list[Any] = []  # tables, or paths of the spooled ones
        self.rows_in_memory = 0
        self.spool: str | None = None
        self.spilled = 0  # pieces written to the spool so far (their file names)
        self.rows = 0

    def add_schema(self, schema: Any) -> None:
        """Columns (in order) and metadata of a source of rows, before any of its rows."""
        self.names.update(dict.fromkeys(schema.names))
        if schema.metadata and schema.metadata not in self.metadata:
            self.metadata.append(schema.metadata)

    def add(self, table: Any) -> None:
        """One piece of rows (any schema)."""
        self.names.update(dict.fromkeys(table.column_names))
        self.rows += table.num_rows
        self.pieces.append(table)
        self.rows_in_memory += table.num_rows
        if self.rows_in_memory > PARQUET_BATCH:
            self._spill()

    def _spill(self) -> None:
        import pyarrow as pa

        if self.spool is None:
            self.spool = tempfile.mkdtemp(prefix=".cleancorpus-spool-")
        for k, piece in enumerate(self.pieces):
            if isinstance(piece, str):
                continue
            path = os.path.join(self.spool, f"{self.spilled:08d}.arrow")
            self.spilled += 1
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, piece.schema) as writer:
                writer.write_table(piece)
            self.pieces[k] = path
        self.rows_in_memory = 0

    def _read(self, piece: Any) -> Any:
        import pyarrow as pa

        if isinstance(piece, str):
            with pa.memory_map(piece) as source:
                return pa.ipc.open_file(source).read_all()
        return piece

    def schema(self) -> tuple[Any, set[str]]:
        """The file's schema and the columns written as text (besides those already text)."""
        import pyarrow as pa

        names = dict(self.names)
        names.pop(self.duplicate_field, None)
        names[self.duplicate_field] = None  # always there, always last: the same on every engine
        types: dict[str, list[Any]] = {name: [] for name in names}
        for piece in self.pieces:  # (a spooled piece is memory-mapped: its schema costs no read)
            for field in self._read(piece).schema:
                types[field.name].append(field.type)
        text: set[str] = set()
        fields = []
        for name in names:
            common = pa.string() if name == self.duplicate_field else common_type(types[name])
            several = len({t for t in types[name] if not pa.types.is_null(t)}) > 1
            if common is not None and several and name != self.duplicate_field and not self._casts(name, common):
                common = None
            if common is None:
                text.add(name)
                _add_note(self.notes, self.label, _note_text(name))
                common = pa.string()
            elif name == self.duplicate_field and any(not pa.types.is_string(t) and not pa.types.is_null(t)
                                                       for t in types[name]):
                text.add(name)
                _add_note(self.notes, self.label, _note_not_text(name))
            fields.append(pa.field(name, common))
        metadata = self.metadata[0] if len(self.metadata) == 1 else None
        return pa.schema(fields, metadata=metadata), text

    def _casts(self, name: str, target: Any) -> bool:
        """Whether every piece's column ``name`` casts to ``target`` (values that overflow do not)."""
        import pyarrow as pa

        for piece in self.pieces:
            table = self._read(piece)
            if name in table.column_names and table.schema.field(name).type != target:
                try:
                    table.column(name).cast(target)
                except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                    return False
        return True

    def close(self, empty_schema: Any = None) -> None:
        """Write every row (row groups of :data:`PARQUET_BATCH`) and the footer; the handle
        stays open. With no row at all, ``empty_schema`` (or the columns seen) is written."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            if not self.rows and empty_schema is not None:
                schema, text = empty_schema, set()
            else:
                schema, text = self.schema()
            writer = pq.ParquetWriter(self.handle, schema)
            pending: list[Any] = []
            held = 0
            for piece in self.pieces:
                table = conformed(self._read(piece), schema, text)
                while table.num_rows:
                    take = table.slice(0, PARQUET_BATCH - held)
                    pending.append(take)
                    held += take.num_rows
                    table = table.slice(take.num_rows)
                    if held == PARQUET_BATCH:
                        writer.write_table(pa.concat_tables(pending).combine_chunks())
                        pending, held = [], 0
            if pending:
                writer.write_table(pa.concat_tables(pending).combine_chunks())
            writer.close()
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the spooled pieces (after :meth:`close`, or when the output is abandoned)."""
        self.pieces = []
        if self.spool is not None:
            shutil.rmtree(self.spool, ignore_errors=True)
            self.spool = None


def conformed(table: Any, schema: Any, text: set[str]) -> Any:
    """``table`` with ``schema``'s columns in its order: missing ones null, the others cast
    (or, for the columns in ``text``, written as text value by value)."""
    import pyarrow as pa

    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if column.type == field.type:
            columns.append(column)
        elif field.name in text and not pa.types.is_null(column.type):
            columns.append(_text_array(column.to_pylist()))
        else:
            columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def piece_table(records: Sequence[dict], input_schema: Any, duplicate_field: str, label: str,
                notes: list[tuple[str, str]]) -> Any:
    """One piece of records (from one input file) as a table: each column in the input
    file's type where its values fit, else Arrow's inferred type, else as text (noted)."""
    import pyarrow as pa

    names = dict.fromkeys(input_schema.names) if input_schema is not None else {}
    for record in records:
        names.update(dict.fromkeys(record))
    arrays, fields = [], []
    for name in names:
        values = [record.get(name) for record in records]
        array = None
        if name == duplicate_field:
            if any(v is not None and not isinstance(v, str) for v in values):
                _add_note(notes, label, _note_not_text(name))
            array = _text_array(values)
        else:
            if input_schema is not None and input_schema.get_field_index(name) >= 0:
                with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
                    array = pa.array(values, type=input_schema.field(name).type)
            if array is None:
                with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
                    array = pa.array(values)
            if array is None:
                _add_note(notes, label, _note_text(name))
                array = _text_array(values)
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def join_parquet(handle: IO[bytes], parts: Sequence[str | Path], label: str,
                 duplicate_field: str) -> list[tuple[str, str]]:
    """Parquet part files, in order, as one file of one schema on ``handle`` (the Dask
    engine's join); the notes of what was written as text. The row groups are those the
    local engine writes, so the bytes are the same for any partition size."""
    import pyarrow.parquet as pq

    writer = UnifiedParquetWriter(handle, label, duplicate_field)
    schemas = []
    for part in parts:
        reader = pq.ParquetFile(part)
        schemas.append(reader.schema_arrow)
        writer.add_schema(reader.schema_arrow)
        for group in range(reader.num_row_groups):
            writer.add(reader.read_row_group(group))
    if not writer.rows and schemas:  # every part empty: the first part's (the local engine's) schema
        writer.close(empty_schema=schemas[0])
    else:
        writer.close()
    return writer.notes

