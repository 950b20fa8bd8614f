"""A document as a record: the fields it came with in their order, its cleaned text, and
``duplicate_of``; and that record as one JSON line.

A leaf of :mod:`cleancorpus.io` (it imports only the document type), so the writers of
files, shards and Parquet all build records the same way without importing each other.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
from typing import Any

from ..document import Document, DuplicateOf
from .kinds import ReadOptions

#: The field added to the record of a document that duplicates another: the representative's id.
DUPLICATE_FIELD = "duplicate_of"


def document_to_json(doc: Document, options: ReadOptions | None = None) -> dict[str, Any]:
    """A record for a document: its original fields in their order, the cleaned text in its
    place, and ``duplicate_of`` (the representative's id) when it duplicates another."""
    options = options or ReadOptions()
    items = list((doc.meta.get("fields") or {}).items())
    at = doc.meta.get("text_at")  # where the text field was in the record: it goes back there
    if isinstance(at, int) and 0 <= at <= len(items):
        items.insert(at, (options.text_field, doc.text))
    obj = dict(items)
    obj.setdefault(options.id_field, doc.id)
    if doc.source and options.source_field not in obj:
        obj[options.source_field] = doc.source
    obj[options.text_field] = doc.text
    duplicate = doc.records_of(DuplicateOf)
    if duplicate:
        obj[DUPLICATE_FIELD] = duplicate[0].representative
    return obj


def json_value(value: Any) -> Any:
    """``json.dumps``'s ``default``: values Parquet or pandas give that JSON has no type for.

    Dates and times as ISO 8601 strings, decimals as their exact digits, bytes as base64,
    numpy scalars and arrays as their Python values; anything else as ``str(value)``.
    """
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)) or hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.timedelta):
        return str(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


def record_line(doc: Document, options: ReadOptions) -> bytes:
    """One JSON Lines record for a document (its fields in their order, the cleaned text).

    Values JSON has no type for (dates, decimals, bytes from a Parquet input) are written
    as :func:`json_value` says: dates as ISO 8601 strings.
    """
    record = document_to_json(doc, options)
    try:
        return json.dumps(record, ensure_ascii=False, default=json_value).encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # an unpaired surrogate from the API: still valid JSON, escaped
        return json.dumps(record, default=json_value).encode("ascii") + b"\n"

