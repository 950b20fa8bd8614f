"""The one document type every stage shares, and the records stages leave behind.

A :class:`Document` is immutable: a stage returns a new document (``doc.evolve(...)``)
and appends the records of what it changed, so a document always carries its own
audit trail. The report, ``--explain`` and ``check`` are three views of those records.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping, Union


def id_digest(doc_id: str) -> int:
    """A stable 64-bit digest of a document id (the same in every process): what the engines
    and the near-duplicate stage keep to find ids read twice, 8 bytes instead of the id."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


#: ``meta`` key: for each line of a cleaned text, its line number in the text as read (so
#: later records still point into the input).
SOURCE_LINES = "source_lines"


@dataclass(frozen=True)
class LineRemoval:
    """A line a cruft rule removed.

    ``line`` is 1-based and counts lines of the text as it was read (after HTML
    extraction), so it points into what the user can open; ``0`` for a block of a site's
    template taken out of the HTML before extraction. ``rule`` is a shipped or user rule id,
    ``recurring:<source>``, ``repeat``, ``comment-section`` or ``template:<site>``.
    """

    doc_id: str
    line: int
    text: str
    rule: str
    detail: str = ""

    kind = "line-removed"


@dataclass(frozen=True)
class WordChange:
    """A word the name stage respelled.

    ``offset`` is the character offset of ``old`` in the text the name stage received
    (the cruft-cleaned text); ``line`` is its 1-based line in the text as read, so it
    points into the input file like :class:`LineRemoval` does. ``entry`` names the
    table entry (its canonical form and table) that asked for the change; ``pattern``, for a
    spelling discovery found, the transliteration patterns the two spellings differ by
    (``y/i``, ``doubled letter``: see :mod:`cleancorpus.names.discovery`).
    """

    doc_id: str
    offset: int
    line: int
    old: str
    new: str
    entry: str
    pattern: str = ""

    kind = "word-changed"


@dataclass(frozen=True)
class TextRepair:
    """A line whose text was repaired (mojibake: UTF-8 text once decoded as cp1252 or
    latin-1, "donâ€™t" for "don't"), before any other stage saw it.

    ``line`` is the 1-based line in the text as read; ``old`` and ``new`` are the whole line
    before and after; ``fix`` names the repair (``"mojibake"``, by ftfy's ``fix_encoding``).
    """

    doc_id: str
    line: int
    old: str
    new: str
    fix: str = "mojibake"

    kind = "text-repaired"


@dataclass(frozen=True)
class DuplicateOf:
    """This document repeats ``representative``, with the exact similarities measured."""

    doc_id: str
    representative: str
    jaccard: float
    containment: float

    kind = "duplicate"


Record = Union[TextRepair, LineRemoval, WordChange, DuplicateOf]


def record_to_dict(record: Record) -> dict[str, Any]:
    """A JSON-ready dict of a record, with its ``kind``."""
    data = asdict(record)
    data["kind"] = record.kind
    return data


@dataclass(frozen=True)
class Document:
    """A text with an id, the source it came from and free-form metadata.

    - ``id``: stable and unique in a corpus; for a file, its path relative to the input root.
    - ``source``: the site, outlet or folder the text came from, or ``None`` when unknown.
      Cruft recurrence is learned per source.
    - ``meta``: what the reader knew (url, title, date, author, original JSON fields...).
    - ``records``: what stages changed, in order.
    """

    id: str
    text: str
    source: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    records: tuple[Record, ...] = ()

    def evolve(self, *, text: str | None = None, records: tuple[Record, ...] = (), **changes: Any) -> "Document":
        """A copy with a new text (if given) and ``records`` appended to the audit trail."""
        if text is not None:
            changes["text"] = text
        return replace(self, records=self.records + tuple(records), **changes)

    def records_of(self, kind: type) -> list:
        """The records of one type, e.g. ``doc.records_of(LineRemoval)``."""
        return [r for r in self.records if isinstance(r, kind)]
