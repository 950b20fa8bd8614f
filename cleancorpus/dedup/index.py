"""An on-disk near-duplicate index: check a new batch against a corpus without recomputing it.

The index is one SQLite file (in the standard library, one file, transactional): a
``meta`` table with the sketch settings, and a ``documents`` table with each document's
id, length, date, source, signature and distinct shingle set (both as raw bytes). Adding
a batch happens in one transaction, so an interrupted run leaves the index as it was.
Settings that change signatures (shingle size, permutations, seed, method) must match
the index's; anything else (thresholds) may differ from run to run.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, TypeVar

import numpy as np

from ..document import Document
from .clusters import DocInfo
from .detector import DedupSettings, NearDuplicateDetector

FORMAT_VERSION = 1
T = TypeVar("T")


class IndexError_(ValueError):
    """An index that cannot be used with these settings, or is not an index at all."""


@dataclass(frozen=True)
class Match:
    """A new document that duplicates another (already indexed, or new in the same batch)."""

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
                            "source TEXT, signature BLOB, shingles BLOB)")
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

    def _sketch_meta(self) -> str:
        return json.dumps({"format": FORMAT_VERSION, **asdict(self.settings.sketch)}, sort_keys=True)

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def _load(self, detector: NearDuplicateDetector) -> int:
        rows = self.db.execute("SELECT id, length, date, source, signature, shingles FROM documents ORDER BY id")
        for doc_id, length, date, source, signature, shingles in rows:
            detector.add_sketched(DocInfo(doc_id, length, date, source), np.frombuffer(signature, dtype=np.uint64),
                                  np.frombuffer(shingles, dtype=np.uint32))
        return len(detector.infos)

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
        old = self.size_before = self._load(detector)
        known = set(detector.index_of)
        new_docs, skipped = [], []
        for doc in documents:
            if doc.id in known:
                skipped.append(doc.id)
            else:
                new_docs.append(doc)
        detector.add(new_docs)
        matches = []
        for a, b, jaccard, containment in detector.verified_pairs(involving_from=old):
            new, other = detector.infos[b].id, detector.infos[a].id
            matches.append(Match(new, other, jaccard, containment, indexed=a < old))
        if add and new_docs:
            rows = []
            for index in range(old, len(detector.infos)):
                info = detector.infos[index]
                rows.append((info.id, info.length, info.date, info.source,
                             detector.signatures[index].astype(np.uint64).tobytes(),
                             detector.shingles[index].astype(np.uint32).tobytes()))
            self._insert(rows)
        return sorted(matches, key=lambda m: (m.id, m.other)), skipped

    def _insert(self, rows: list[tuple]) -> None:
        self.db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()
