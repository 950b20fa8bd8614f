"""The check cache: data only, in one SQLite file, never code.

A cache folder may come from anywhere (a pull request can commit one), so nothing in
it is ever unpickled or evaluated: each kind of entry has its own table of plain
columns (JSON text for findings and metadata, raw little-endian integers for line
digests, signatures and shingle sets), and every value is validated as it is read.
A cache that does not open, has another schema, or holds a value that does not parse
is discarded with a warning and the run goes on without it: a broken cache can cost
time, never correctness or safety.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .codes import CODES, Finding

#: Seconds a process waits for another's write to the cache (the workers of a run write
#: their partitions' scans and extractions side by side).
BUSY_TIMEOUT = 60.0
SCHEMA_VERSION = 5  # 3: a recurrence scan holds its story key; 4: and its short sentences; 5: columns
CACHE_FILE = f"check-v{SCHEMA_VERSION}.sqlite"
_SHINGLE_DTYPES = {"uint32": np.uint32, "uint64": np.uint64}
_TABLES = {
    "extractions": "key TEXT PRIMARY KEY, text TEXT NOT NULL, meta TEXT NOT NULL",
    "digests": "key TEXT PRIMARY KEY, digests BLOB NOT NULL",
    "documents": "key TEXT PRIMARY KEY, findings TEXT NOT NULL, length INTEGER NOT NULL, "
                 "signature BLOB NOT NULL, shingles BLOB NOT NULL, shingle_dtype TEXT NOT NULL",
}


class CacheCorrupt(ValueError):
    """A value in the cache that does not have the documented shape."""


def _finding_to_json(f: Finding) -> dict[str, Any]:
    return {"path": f.path, "line": f.line, "code": f.code, "message": f.message, "document": f.document,
            "key": f.key, "ref": list(f.ref), "column": f.column, "end_column": f.end_column}


def _finding_from_json(data: Any) -> Finding:
    if not isinstance(data, dict):
        raise CacheCorrupt("a finding is not an object")
    strings = ("path", "code", "message", "document", "key")
    if any(not isinstance(data.get(k), str) for k in strings) or data["code"] not in CODES:
        raise CacheCorrupt("a finding has a missing or wrong field")
    line, ref = data.get("line"), data.get("ref")
    if not (line is None or (isinstance(line, int) and not isinstance(line, bool))):
        raise CacheCorrupt("a finding's line is not a number")
    if not isinstance(ref, list) or any(not isinstance(x, (str, int)) or isinstance(x, bool) for x in ref):
        raise CacheCorrupt("a finding's reference is malformed")
    columns = (data.get("column"), data.get("end_column"))
    if any(not (c is None or (isinstance(c, int) and not isinstance(c, bool))) for c in columns):
        raise CacheCorrupt("a finding's column is not a number")
    return Finding(data["path"], line, data["code"], data["message"], data["document"], data["key"], tuple(ref),
                   *columns)


class CheckCache:
    """Entries keyed by content hash and settings. ``folder=None``: no cache at all (nothing
    is kept: a run without a cache must not hold every document's entry in memory).

    ``warnings`` collects what went wrong with the cache (shown by the command line).
    """

    def __init__(self, folder: str | Path | None, rebuild: bool = True) -> None:
        #: a cache found broken is rebuilt (``False`` in worker processes: the run's own
        #: process opened, checked and if need be rebuilt the file before they started)
        self.rebuild = rebuild
        #: the database file in use (``None``: no cache, or one only in memory)
        self.path: Path | None = None
        self.hits = 0
        self.disabled = False
        self.failed = ""
        self.warnings: list[str] = []
        self.pending: dict[str, dict[str, tuple]] = {table: {} for table in _TABLES}
        self.db = self._open(folder)

    def _open(self, folder: str | Path | None) -> sqlite3.Connection:
        if folder is None:
            self.disabled = True
            return self._create(sqlite3.connect(":memory:"))
        folder = Path(folder)
        path = folder / CACHE_FILE
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# written by cleancorpus check: the cache is never worth committing\n*\n")
        except OSError as exc:
            self.warnings.append(f"{folder}: cannot use as the cache folder ({exc.strerror or exc}); "
                                 "running without a cache")
            return self._create(sqlite3.connect(":memory:"))
        try:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
            if self._schema_ok(db):
                self.path = path
                return db
            db.close()
            self.warnings.append(f"{path}: not a cleancorpus {SCHEMA_VERSION} cache; discarded and rebuilt")
        except sqlite3.DatabaseError as exc:
            self.warnings.append(f"{path}: unreadable cache ({exc}); discarded and rebuilt")
        if not self.rebuild:
            self.disabled = True
            return self._create(sqlite3.connect(":memory:"))
        try:
            path.unlink(missing_ok=True)
            db = self._create(sqlite3.connect(path, timeout=BUSY_TIMEOUT))
            self.path = path
            return db
        except (OSError, sqlite3.DatabaseError) as exc:
            self.warnings.append(f"{path}: cannot rebuild the cache ({exc}); running without a cache")
            return self._create(sqlite3.connect(":memory:"))

    @staticmethod
    def _schema_ok(db: sqlite3.Connection) -> bool:
        """True for an empty file (then the tables are made) or a cache of this schema."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            CheckCache._create(db)
            return True
        if tables != {"meta", *_TABLES}:
            return False
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return row is not None and row[0] == str(SCHEMA_VERSION)

    @staticmethod
    def _create(db: sqlite3.Connection) -> sqlite3.Connection:
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            for table, columns in _TABLES.items():
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        return db

    def _row(self, table: str, key: str) -> tuple | None:
        if self.disabled:
            return None
        pending = self.pending[table].get(key)
        if pending is not None:
            return pending[1:]
        try:
            row = self.db.execute(f"SELECT * FROM {table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            self._discard(f"unreadable cache ({exc})")
            return None
        return row[1:] if row is not None else None

    def _discard(self, why: str) -> None:
        """Stop trusting the cache for the rest of the run (it is rebuilt from this run's values)."""
        self.warnings.append(f"check cache: {why}; discarded")
        if not self.rebuild:  # (a worker: the others still use the file; this process stops using it)
            self.disabled = True
            return
        try:
            with self.db:
                for table in _TABLES:
                    self.db.execute(f"DELETE FROM {table}")
        except sqlite3.DatabaseError:
            self.db = self._create(sqlite3.connect(":memory:"))

    def _decoded(self, table: str, key: str, decode):
        row = self._row(table, key)
        if row is None:
            return None
        try:
            value = decode(*row)
        except (CacheCorrupt, ValueError, TypeError, KeyError, RecursionError) as exc:
            self._discard(f"a malformed entry ({exc})")
            return None
        self.hits += 1
        return value

    # ---------------------------------------------------------------- the three kinds of entry

    def get_extraction(self, key: str) -> tuple[str, dict] | None:
        def decode(text, meta):
            meta = json.loads(meta)
            if not isinstance(text, str) or not isinstance(meta, dict):
                raise CacheCorrupt("an extraction is not text and an object")
            return text, meta
        return self._decoded("extractions", key, decode)

    def put_extraction(self, key: str, value: tuple[str, dict]) -> None:
        text, meta = value
        self.pending["extractions"][key] = (key, text, json.dumps(meta, default=str))
        self._maybe_flush()

    def get_scan(self, key: str) -> tuple[set[bytes], bytes | None] | None:
        """A document's recurrence scan (line digests, story key or ``None``), if cached."""
        def decode(blob):
            if not isinstance(blob, bytes) or len(blob) % 8 != 1 or blob[:1] not in (b"S", b"N"):
                raise CacheCorrupt("a recurrence scan is a marker and 8-byte values")
            if blob[:1] == b"N":
                return {blob[i:i + 8] for i in range(1, len(blob), 8)}, None
            if len(blob) < 9:
                raise CacheCorrupt("a recurrence scan lacks its story key")
            return {blob[i:i + 8] for i in range(9, len(blob), 8)}, blob[1:9]
        return self._decoded("digests", key, decode)

    def put_scan(self, key: str, digests: set[bytes], story: bytes | None) -> None:
        """Cache a document's recurrence scan: ``S`` + story key, or ``N``, then the digests."""
        head = b"S" + story if story is not None else b"N"
        self.pending["digests"][key] = (key, head + b"".join(sorted(digests)))
        self._maybe_flush()

    def get_document(self, key: str) -> tuple[list[Finding], np.ndarray, np.ndarray, int] | None:
        def decode(findings, length, signature, shingles, dtype):
            items = json.loads(findings)
            if not isinstance(items, list) or not isinstance(length, int) or dtype not in _SHINGLE_DTYPES:
                raise CacheCorrupt("a document entry has a wrong field")
            if not isinstance(signature, bytes) or len(signature) % 8 or not isinstance(shingles, bytes):
                raise CacheCorrupt("a sketch is not raw integers")
            shingle_type = _SHINGLE_DTYPES[dtype]
            if len(shingles) % np.dtype(shingle_type).itemsize:
                raise CacheCorrupt("a shingle set has a partial value")
            return ([_finding_from_json(f) for f in items], np.frombuffer(signature, dtype="<u8").astype(np.uint64),
                    np.frombuffer(shingles, dtype=np.dtype(shingle_type).newbyteorder("<")).astype(shingle_type),
                    length)
        return self._decoded("documents", key, decode)

    def put_document(self, key: str, findings: list[Finding], signature: np.ndarray, shingles: np.ndarray,
                     length: int) -> None:
        dtype = "uint64" if shingles.dtype == np.uint64 else "uint32"
        self.pending["documents"][key] = (
            key, json.dumps([_finding_to_json(f) for f in findings], ensure_ascii=False),
            int(length), signature.astype("<u8").tobytes(), shingles.astype(f"<{'u8' if dtype == 'uint64' else 'u4'}")
            .tobytes(), dtype)
        self._maybe_flush()

    #: Entries kept in memory before they are written to the database (still uncommitted:
    #: the run's additions are committed together at :meth:`close`).
    FLUSH_EVERY = 2000

    def _flush(self) -> None:
        for table, rows in self.pending.items():
            if rows:
                marks = ", ".join("?" * len(next(iter(rows.values()))))
                self.db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows.values())
                rows.clear()

    def _maybe_flush(self) -> None:
        if self.disabled:
            for rows in self.pending.values():
                rows.clear()
            return
        if sum(len(rows) for rows in self.pending.values()) >= self.FLUSH_EVERY and not self.failed:
            try:
                self._flush()
            except (sqlite3.DatabaseError, UnicodeError) as exc:
                self.failed = f"{exc}"

    def _write(self) -> bool:
        """Write the pending entries in one transaction; ``False`` (with a warning, the
        transaction rolled back) when the cache cannot be written."""
        try:
            if self.failed:
                raise sqlite3.DatabaseError(self.failed)
            with self.db:
                self._flush()
            return True
        except (sqlite3.DatabaseError, UnicodeError) as exc:
            self.warnings.append(f"check cache: cannot be written ({exc}); this run's results are not cached")
            try:
                self.db.rollback()
            except sqlite3.DatabaseError:
                pass
            return False

    def commit(self) -> None:
        """Write what was added so far (one transaction; a worker commits each partition's
        entries so the others never wait long for the file)."""
        if not self.disabled and not self._write():
            self.disabled = True

    def close(self) -> None:
        """Write what this run added (one transaction) and close."""
        try:
            self._write()
        finally:
            self.db.close()


class CacheMemo:
    """The check cache as the stages see it in a worker process: recurrence scans and HTML
    extractions of unchanged documents looked up, new ones written at the end of each
    partition (:meth:`commit`), and documents' cached results. Pickled as its folder and
    settings fingerprint only: each process opens the file itself, lazily. The run's own
    process opens the cache first (a broken one is rebuilt there), so a worker never
    rebuilds it; a failure here only costs time (that process stops using the cache)."""

    def __init__(self, folder: str | Path, fingerprint: str) -> None:
        # absolute: a Dask worker's current folder is not the client's
        self.folder, self.fingerprint = str(Path(folder).resolve()), fingerprint
        self._cache: CheckCache | None = None

    def __getstate__(self) -> dict:
        return {"folder": self.folder, "fingerprint": self.fingerprint}

    def __setstate__(self, state: dict) -> None:
        self.folder, self.fingerprint, self._cache = state["folder"], state["fingerprint"], None

    @property
    def cache(self) -> CheckCache:
        if self._cache is None:
            self._cache = CheckCache(self.folder, rebuild=False)
        return self._cache

    def scan(self, doc_hash: str | None, compute: Callable[[], tuple]) -> tuple:
        """The recurrence scan of the document whose content hash is ``doc_hash``: from the
        cache, else ``compute()`` (then kept)."""
        if not doc_hash:
            return compute()
        key = f"{self.fingerprint}:{doc_hash}"
        found = self.cache.get_scan(key)
        if found is None:
            found = compute()
            self.cache.put_scan(key, *found)
        return found

    def document(self, key: str) -> tuple | None:
        """A document's cached findings and sketch (see :meth:`CheckCache.get_document`)."""
        return self.cache.get_document(key)

    def put_document(self, key: str, findings: list, signature: np.ndarray, shingles: np.ndarray,
                     length: int) -> None:
        """Keep a document's findings and sketch (see :meth:`CheckCache.put_document`)."""
        self.cache.put_document(key, findings, signature, shingles, length)

    def get(self, key: str) -> tuple[str, dict] | None:
        """An HTML page's cached extraction (the dict-like the page reader wants)."""
        return self.cache.get_extraction(key)

    def __setitem__(self, key: str, value: tuple[str, dict]) -> None:
        self.cache.put_extraction(key, value)

    def commit(self) -> None:
        """Write this process's new entries (at the end of each partition)."""
        if self._cache is not None:
            self._cache.commit()
