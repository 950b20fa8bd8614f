"""An on-disk near-duplicate index: check a new batch against a corpus without recomputing it.

The index is one SQLite file (in the standard library, one file, transactional): a
``meta`` table with the sketch settings, and a ``documents`` table with each document's
id, length, date, source, signature and distinct shingle set (both as raw bytes). Adding
a batch happens in one transaction, so an interrupted run leaves the index as it was.
Settings that change signatures (shingle size, permutations, seed, method) must match
the index's; anything else (thresholds) may differ from run to run.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..document import Document
from .clusters import DocInfo
from .detector import DedupSettings, NearDuplicateDetector

FORMAT_VERSION = 1


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
    """A SQLite-backed store of signatures and shingle sets, queried by :meth:`check_and_add`."""

    def __init__(self, path: str | Path, settings: DedupSettings | None = None) -> None:
        self.path = Path(path)
        self.settings = settings or DedupSettings()
        try:
            self.db = sqlite3.connect(self.path)
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, length INTEGER, date TEXT, "
                            "source TEXT, signature BLOB, shingles BLOB)")
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{self.path}: not a cleancorpus index ({exc})") from None
        self._check_settings()

    def _sketch_meta(self) -> str:
        return json.dumps({"format": FORMAT_VERSION, **asdict(self.settings.sketch)}, sort_keys=True)

    def _check_settings(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'sketch'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('sketch', ?)", (self._sketch_meta(),))
        elif row[0] != self._sketch_meta():
            raise IndexError_(f"{self.path}: built with sketch settings {row[0]}, these are {self._sketch_meta()}; "
                              "use the same shingle size, num_perm, seed and method")

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
        added again. Everything is added in one transaction after all checks are done.
        """
        detector = NearDuplicateDetector(self.settings)
        old = self._load(detector)
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
            with self.db:  # one transaction: all rows or none
                self._insert(rows)
        return sorted(matches, key=lambda m: (m.id, m.other)), skipped

    def _insert(self, rows: list[tuple]) -> None:
        self.db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()


def run_index(args: argparse.Namespace, settings, docs: list[Document], problems: list) -> int:
    """``cleancorpus dedup NEW --index FILE``: report duplicates of indexed documents, add NEW."""
    try:
        index = DuplicateIndex(args.index, settings.dedup)
    except IndexError_ as exc:
        print(f"cleancorpus: error: {exc}", file=sys.stderr)
        return 2
    before = len(index)
    matches, skipped = index.check_and_add(docs)
    added = len(index) - before
    index.close()
    if args.json:
        print(json.dumps({"index": str(args.index), "indexed_before": before, "added": added,
                          "already_indexed": skipped,
                          "duplicates": [asdict(m) | {"jaccard": round(m.jaccard, 4),
                                                      "containment": round(m.containment, 4)} for m in matches]},
                         indent=1))
    else:
        for m in matches:
            where = "indexed" if m.indexed else "new"
            print(f"{m.id} duplicates {m.other} ({where})  jaccard {m.jaccard:.3f}  containment {m.containment:.3f}")
        if not args.quiet:
            print(f"{len(docs)} documents checked against {before} indexed; {len(matches)} duplicate pairs; "
                  f"{added} added to {args.index}"
                  + (f"; {len(skipped)} already indexed, not added again" if skipped else ""), file=sys.stderr)
    return 1 if any(p.fatal for p in problems) else 0
