"""An on-disk near-duplicate index: check a new batch against a corpus without recomputing it.

The index is one SQLite file (in the standard library, one file, transactional): a
``meta`` table with the sketch settings, and a ``documents`` table with each document's
id, length, date, source, signature and distinct shingle set (both as raw bytes), and the
indexed document it duplicates (``duplicate_of``, NULL for a document that was kept). Adding
a batch happens in one transaction, so an interrupted run leaves the index as it was.
Settings that change signatures (shingle size, permutations, seed, method) must match
the index's; anything else (thresholds) may differ from run to run.

Across runs the index follows the rule clusters follow within one run (see
:func:`.clusters.greedy_clusters`): a new document is a duplicate only of a document that
was kept, indexed before or new in the same batch and earlier in the representative
order, so nothing is reported through a chain of copies. Documents indexed before are
kept as they were decided; an index written before ``duplicate_of`` existed gets the
column, every earlier document counted as kept.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, TypeVar

import numpy as np

from ..document import Document
from .clusters import DocInfo, closest_kept, representative_order
from .detector import DedupSettings, NearDuplicateDetector

FORMAT_VERSION = 1
T = TypeVar("T")


class IndexError_(ValueError):
    """An index that cannot be used with these settings, or is not an index at all."""


@dataclass(frozen=True)
class Match:
    """A new document that duplicates a kept one (already indexed, or new in the same batch)."""

    id: str
    other: str
    jaccard: float
    containment: float
    indexed: bool


class DuplicateIndex:
    """A SQLite-backed store of signatures and shingle sets, queried by :meth:`check_and_add`.

    Runs on one index are serialized: :meth:`check_and_add` takes SQLite's write lock
    before it reads the index and keeps it until its batch is committed, so a second run
    waits (up to ``lock_timeout`` seconds, calling ``on_wait`` once) and then sees every
    document the first one added. A SQLite file that is not a cleancorpus index is never
    written to.
    """

    def __init__(self, path: str | Path, settings: DedupSettings | None = None, *,
                 lock_timeout: float = 600.0, on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.settings = settings or DedupSettings()
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        self.size_before = 0
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=0.2)
            self._in_transaction(self._prepare)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{self.path}: not a cleancorpus index ({exc})") from None

    def _in_transaction(self, work: Callable[[], T]) -> T:
        """Run ``work`` holding the write lock; commit if it returns, roll back if it raises."""
        self._lock()
        try:
            result = work()
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return result

    def _lock(self) -> None:
        """Take the write lock (``BEGIN IMMEDIATE``), waiting for another run if needed."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        if self.on_wait is not None:
            self.on_wait(f"{self.path} is in use by another run; waiting up to {self.lock_timeout:g} s for it")
        self.db.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise IndexError_(f"{self.path}: still in use by another run after {self.lock_timeout:g} s; "
                                  "try again when it has finished") from None
            raise

    def _prepare(self) -> None:
        """Create the tables in an empty file; refuse any other database without writing to it."""
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, length INTEGER, date TEXT, "
                            "source TEXT, signature BLOB, shingles BLOB, duplicate_of TEXT)")
            self.db.execute("INSERT INTO meta VALUES ('sketch', ?)", (self._sketch_meta(),))
            return
        if tables != {"meta", "documents"}:
            raise IndexError_(f"{self.path}: not a cleancorpus index (it holds tables {', '.join(sorted(tables))}); "
                              "it was left untouched")
        row = self.db.execute("SELECT value FROM meta WHERE key = 'sketch'").fetchone()
        if row is None:
            raise IndexError_(f"{self.path}: not a cleancorpus index (no sketch settings); it was left untouched")
        if row[0] != self._sketch_meta():
            raise IndexError_(f"{self.path}: built with sketch settings {row[0]}, these are {self._sketch_meta()}; "
                              "use the same shingle size, num_perm, seed and method")
        columns = [r[1] for r in self.db.execute("PRAGMA table_info(documents)")]
        if "duplicate_of" not in columns:  # an index from before the no-chaining rule: all kept
            self.db.execute("ALTER TABLE documents ADD COLUMN duplicate_of TEXT")

    def _sketch_meta(self) -> str:
        return json.dumps({"format": FORMAT_VERSION, **asdict(self.settings.sketch)}, sort_keys=True)

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def _load(self, detector: NearDuplicateDetector) -> tuple[int, set[int]]:
        """Every indexed document into ``detector``: ``(count, rows of the kept ones)``.

        The file is data from the disk: a row of the wrong shape (a text or NULL blob, a
        signature of another length, a shingle blob not of whole 4-byte values) stops the
        run with an :class:`IndexError_` naming the document, never a traceback.
        """
        rows = self.db.execute("SELECT id, length, date, source, signature, shingles, duplicate_of "
                               "FROM documents ORDER BY id")
        signature_bytes = self.settings.sketch.num_perm * 8
        kept: set[int] = set()
        for doc_id, length, date, source, signature, shingles, duplicate_of in rows:
            problem = _row_problem(doc_id, length, date, source, signature, shingles, duplicate_of, signature_bytes)
            if problem:
                raise IndexError_(f"{self.path}: document {doc_id!r}: {problem}; the index was changed by "
                                  "something other than cleancorpus (rebuild it)")
            if duplicate_of is None:
                kept.add(len(detector.infos))
            detector.add_sketched(DocInfo(doc_id, length, date, source), np.frombuffer(signature, dtype=np.uint64),
                                  np.frombuffer(shingles, dtype=np.uint32))
        return len(detector.infos), kept

    def check_and_add(self, documents: Iterable[Document], add: bool = True) -> tuple[list[Match], list[str]]:
        """Matches of the new documents against the index and each other; then add them.

        Returns ``(matches, skipped ids)``: ids already in the index are checked but not
        added again. The whole call holds the index's write lock and adds everything in
        one transaction, after all checks are done.
        """
        documents = list(documents)
        return self._in_transaction(lambda: self._check_and_add_locked(documents, add))

    def _check_and_add_locked(self, documents: list[Document], add: bool) -> tuple[list[Match], list[str]]:
        detector = NearDuplicateDetector(self.settings)
        old, kept = self._load(detector)
        self.size_before = old
        known = set(detector.index_of)
        new_docs, skipped, seen = [], [], set()
        for doc in documents:
            if doc.id in known or doc.id in seen:
                skipped.append(doc.id)
            else:
                seen.add(doc.id)
                new_docs.append(doc)
        detector.add(new_docs)
        neighbours: dict[int, list[tuple[int, float, float]]] = {}
        for a, b, jaccard, containment in detector.verified_pairs(involving_from=old):
            neighbours.setdefault(b, []).append((a, jaccard, containment))
            if a >= old:
                neighbours.setdefault(a, []).append((b, jaccard, containment))
        order_key = representative_order(self.settings.representative, self.settings.preferred_sources)
        new_rows = sorted(range(old, len(detector.infos)), key=lambda i: order_key(detector.infos[i]))
        # indexed documents come before every new one (negative ranks), new ones in the order
        rank = _Ranks(old, {row: position for position, row in enumerate(new_rows)})
        matches, duplicate_of = [], {}
        for row in new_rows:  # the greedy rule: attach to the most similar kept document, or be kept
            found = closest_kept(neighbours.get(row, ()), kept, rank)
            if found is None:
                kept.add(row)
                continue
            other, jaccard, containment = found
            duplicate_of[row] = detector.infos[other].id
            matches.append(Match(detector.infos[row].id, detector.infos[other].id, jaccard, containment,
                                 indexed=other < old))
        if add and new_docs:
            rows = []
            for index in range(old, len(detector.infos)):
                info = detector.infos[index]
                rows.append((info.id, info.length, info.date, info.source,
                             detector.signatures[index].astype(np.uint64).tobytes(),
                             detector.shingles[index].astype(np.uint32).tobytes(), duplicate_of.get(index)))
            self._insert(rows)
        return sorted(matches, key=lambda m: (m.id, m.other)), skipped

    def _insert(self, rows: list[tuple]) -> None:
        self.db.executemany("INSERT INTO documents (id, length, date, source, signature, shingles, duplicate_of) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()


class _Ranks(dict):
    """Ranks in the representative order: a new row's position, an indexed row's index
    less the number indexed (so every indexed document ranks before every new one)."""

    def __init__(self, indexed: int, new: dict[int, int]) -> None:
        super().__init__(new)
        self.indexed = indexed

    def __missing__(self, row: int) -> int:
        return row - self.indexed


def _row_problem(doc_id, length, date, source, signature, shingles, duplicate_of, signature_bytes: int) -> str | None:
    """What is wrong with one row of the documents table, or None."""
    if not isinstance(doc_id, str):
        return "its id is not text"
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        return f"its length is {length!r}, not a count"
    for name, value in (("date", date), ("source", source), ("duplicate_of", duplicate_of)):
        if value is not None and not isinstance(value, str):
            return f"its {name} is {type(value).__name__}, not text"
    if not isinstance(signature, bytes) or len(signature) != signature_bytes:
        shape = f"{len(signature)} bytes" if isinstance(signature, bytes) else type(signature).__name__
        return f"its signature is {shape}, not {signature_bytes} bytes"
    if not isinstance(shingles, bytes) or len(shingles) % 4:
        shape = f"{len(shingles)} bytes" if isinstance(shingles, bytes) else type(shingles).__name__
        return f"its shingle set is {shape}, not whole 4-byte values"
    return None
