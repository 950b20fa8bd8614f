"""Documents from and to the shapes pipelines hold: dicts, data frames, Arrow tables.

A record (any mapping) becomes a :class:`Document` the way a JSON Lines record does: the
text, id, source, url and date come from the fields named in :class:`ReadOptions`
(``text``, ``id``, ``source``, ``url``, ``date`` by default) and every field, in its order,
is kept in ``meta["fields"]`` so :func:`to_records` gives it back with the cleaned text::

    >>> import cleancorpus
    >>> docs = cleancorpus.from_records([{"id": "a", "text": "Share This Article\\nBody."}])
    >>> cleancorpus.to_records(cleancorpus.Pipeline(stages=("cruft",)).run(docs))  # doctest: +SKIP
    [{'id': 'a', 'text': 'Body.'}]

pandas and pyarrow are optional (``pip install 'cleancorpus[pandas]'`` or
``'cleancorpus[parquet]'``); a missing one is a one-line error naming the extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Iterable, Iterator

from .document import Document
from .io.readers import ReadOptions, record_document

from .extras import MissingExtra, require  # noqa: F401  (re-exported: part of the adapters' API)
from .io.records import DUPLICATE_FIELD  # noqa: F401  (re-exported: the field a duplicate's record gets)


def options_with(options: ReadOptions | None = None, **fields: str) -> ReadOptions:
    """``options`` with field names overridden, e.g. ``options_with(text_field="body")``."""
    options = options or ReadOptions()
    return replace(options, **{k: v for k, v in fields.items() if v is not None}) if fields else options


def record_to_document(record: Mapping, number: int, options: ReadOptions | None = None,
                       seen: set[str] | None = None) -> Document:
    """One mapping as a document, read as a JSON Lines record is (``record:NUMBER`` when it
    has no id; an id already in ``seen`` is read as ``ID#NUMBER``).

    Raises ``ValueError`` naming the record when its text field is missing or not a string.
    """
    problems: list = []
    doc = record_document(dict(record), "record", number, f"record {number}", options or ReadOptions(), problems,
                          set() if seen is None else seen, shard=False)
    if doc is None:
        raise ValueError(f"record {number}: {problems[-1].message}")
    return doc


def as_documents(items: Iterable[Any], options: ReadOptions | None = None) -> Iterator[Document]:
    """``items`` as documents: a :class:`Document` passes through, a mapping is converted."""
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if isinstance(item, Document):
            yield item
        elif isinstance(item, Mapping):
            yield record_to_document(item, number, options, seen)
        else:
            raise TypeError(f"item {number}: expected a Document or a mapping, got {type(item).__name__}")


def from_records(records: Iterable[Mapping], *, options: ReadOptions | None = None, **fields: str) -> list[Document]:
    """Documents from dicts; ``text_field=``, ``id_field=`` ... rename the fields read."""
    return list(as_documents(records, options_with(options, **fields)))


def to_records(documents: Iterable[Document], *, options: ReadOptions | None = None, **fields: str) -> list[dict]:
    """Each document as the record it came from, with its cleaned text and, for a duplicate,
    ``duplicate_of`` (the id of the representative it repeats)."""
    from .io.records import document_to_json

    options = options_with(options, **fields)
    return [document_to_json(doc, options) for doc in documents]


def from_pandas(frame: Any, *, options: ReadOptions | None = None, **fields: str) -> list[Document]:
    """Documents from a pandas (or polars) data frame, one per row."""
    if hasattr(frame, "to_dicts"):  # polars
        return from_records(frame.to_dicts(), options=options, **fields)
    return from_records(frame.to_dict(orient="records"), options=options, **fields)


def to_pandas(documents: Iterable[Document], *, options: ReadOptions | None = None, **fields: str) -> Any:
    """A pandas data frame of :func:`to_records` (needs ``cleancorpus[pandas]``)."""
    pandas = require("pandas", "pandas")
    return pandas.DataFrame(to_records(documents, options=options, **fields))


def from_arrow(table: Any, *, options: ReadOptions | None = None, **fields: str) -> Iterator[Document]:
    """Documents from a pyarrow ``Table`` (or record batch reader), a batch at a time."""
    options = options_with(options, **fields)
    batches = table.to_batches() if hasattr(table, "to_batches") else table
    number = 0
    seen: set[str] = set()
    for batch in batches:
        for record in batch.to_pylist():
            number += 1
            yield record_to_document(record, number, options, seen)


def to_arrow(documents: Iterable[Document], *, options: ReadOptions | None = None, **fields: str) -> Any:
    """A pyarrow ``Table`` of :func:`to_records` (needs ``cleancorpus[parquet]``)."""
    pyarrow = require("pyarrow", "parquet")
    return pyarrow.Table.from_pylist(to_records(documents, options=options, **fields))
