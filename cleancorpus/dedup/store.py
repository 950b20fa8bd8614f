"""Compact stores for many small arrays: signatures and shingle sets.

A million documents as a million small numpy arrays means two million Python objects
for the garbage collector to walk again and again while the corpus is read, which made
sketching a million documents ~1.7 times slower per document than a hundred thousand.
These stores keep whole batches as one flat array each (with offsets), so the number of
objects grows with the number of batches, not documents.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np


class RaggedStore:
    """Append-only list of 1-D arrays of one dtype, stored as flat chunks plus offsets."""

    def __init__(self, dtype: type, compact_every: int = 4096) -> None:
        self.dtype = dtype
        self.chunks: list[tuple[np.ndarray, np.ndarray]] = []  # (flat values, offsets of len n+1)
        self.starts: list[int] = []  # index of the first item of each chunk
        self.count = 0
        self.pending: list[np.ndarray] = []
        self.compact_every = compact_every

    def extend(self, arrays: list[np.ndarray]) -> None:
        """Add many arrays as one chunk."""
        self._flush()
        if not arrays:
            return
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        flat = np.concatenate(arrays).astype(self.dtype, copy=False) if offsets[-1] else np.zeros(0, self.dtype)
        self.chunks.append((flat, offsets))
        self.starts.append(self.count)
        self.count += len(arrays)

    def append(self, array: np.ndarray) -> None:
        """Add one array (gathered into a chunk every ``compact_every`` appends)."""
        self.pending.append(np.asarray(array, dtype=self.dtype))
        if len(self.pending) >= self.compact_every:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            self.extend(pending)

    def __len__(self) -> int:
        return self.count + len(self.pending)

    def __getitem__(self, index: int) -> np.ndarray:
        if index < 0:
            index += len(self)
        if index >= self.count:
            return self.pending[index - self.count]
        chunk = bisect_right(self.starts, index) - 1
        flat, offsets = self.chunks[chunk]
        i = index - self.starts[chunk]
        return flat[offsets[i]:offsets[i + 1]]

    def iter_chunks(self):
        """``(index of the first array, flat values, offsets)`` for each stored chunk, in order."""
        self._flush()
        for start, (flat, offsets) in zip(self.starts, self.chunks):
            yield start, flat, offsets

    def lengths(self) -> np.ndarray:
        """The length of every array, in order."""
        self._flush()
        if not self.chunks:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.diff(offsets) for _, offsets in self.chunks])


class MatrixStore:
    """Append-only rows of equal length (signatures), kept as batch matrices."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.pending: list[np.ndarray] = []
        self.starts: list[int] = []
        self.count = 0

    def extend(self, rows: np.ndarray) -> None:
        self._flush()
        if len(rows):
            self.blocks.append(np.asarray(rows, dtype=np.uint64))
            self.starts.append(self.count)
            self.count += len(rows)

    def append(self, row: np.ndarray) -> None:
        self.pending.append(np.asarray(row, dtype=np.uint64))
        if len(self.pending) >= 4096:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            self.extend(np.vstack(pending))

    def __len__(self) -> int:
        return self.count + len(self.pending)

    def __getitem__(self, index: int) -> np.ndarray:
        if index >= self.count:
            return self.pending[index - self.count]
        block = bisect_right(self.starts, index) - 1
        return self.blocks[block][index - self.starts[block]]

    def matrix(self) -> np.ndarray:
        """All rows as one ``n x k`` matrix."""
        self._flush()
        if not self.blocks:
            return np.zeros((0, 0), dtype=np.uint64)
        if len(self.blocks) > 1:  # compact once; later calls and row lookups use the one block
            self.blocks, self.starts = [np.vstack(self.blocks)], [0]
        return self.blocks[0]


class InfoColumns:
    """Per-document facts (id, length, date, source) kept as columns, not one object each.

    Strings and integers in a list are not walked by the garbage collector; a dataclass
    instance per document (with its ``__dict__``) is, twice.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lengths: list[int] = []
        self.dates: list[str | None] = []
        self.sources: list[str | None] = []

    def append(self, info) -> None:
        self.ids.append(info.id)
        self.lengths.append(info.length)
        self.dates.append(info.date)
        self.sources.append(info.source)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int):
        from .clusters import DocInfo

        return DocInfo(self.ids[index], self.lengths[index], self.dates[index], self.sources[index])
