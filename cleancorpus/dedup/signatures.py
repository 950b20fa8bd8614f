"""MinHash signatures for a whole batch of documents at once.

The default method is one-permutation MinHash (Li, Owen & Zhang 2012) with optimal
densification (Shrivastava 2017): each shingle hash is hashed once; its top bits choose
one of ``num_perm`` bins and the signature keeps the smallest hash per bin. An empty bin
(short texts) borrows the value of a non-empty bin chosen by a seeded probe sequence,
which keeps the collision probability equal to the Jaccard similarity. The whole batch
is one sort, so the cost is O(shingles) instead of the O(shingles x num_perm) of
classic MinHash; the estimate is only used to pick LSH candidates, which are then
verified exactly on the shingle sets.

``method="datasketch"`` computes classic datasketch ``MinHash`` signatures
(``update_batch`` over the shingle hashes) for users who need them; it is slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .shingles import iter_shingle_hashes, mix64, sorted_unique

HASH_BITS = 44          # bits of a shingle hash kept for sorting per document
SET_SHIFT = HASH_BITS - 32  # stored shingle sets keep the top 32 of those bits (order kept)
_EMPTY = np.uint64((1 << 64) - 1)


@dataclass(frozen=True)
class SketchSettings:
    """How texts become shingle sets and signatures (must match to compare signatures)."""

    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    method: str = "oph"

    def __post_init__(self) -> None:
        if self.method not in ("oph", "datasketch"):
            raise ValueError(f"unknown signature method {self.method!r} (oph or datasketch)")
        if not 2 <= self.num_perm <= 4096:
            raise ValueError("num_perm must be between 2 and 4096")


@dataclass
class SketchBatch:
    """Signatures (``n x num_perm`` uint64) and sorted distinct shingle sets (uint32) of a batch."""

    signatures: np.ndarray
    shingle_sets: list[np.ndarray]


def _seeded(hashes: np.ndarray, seed: int) -> np.ndarray:
    if seed == 1:
        return hashes
    return mix64(hashes ^ np.uint64(mix64(np.array([seed], dtype=np.uint64))[0]))


def sketch_texts(texts: Sequence[str], settings: SketchSettings) -> SketchBatch:
    """Shingle sets and signatures for a batch of texts, a piece of the batch at a time.

    Each piece of shingle hashes (:func:`~.shingles.iter_shingle_hashes`) updates the
    one-permutation signature bins (the least hash of each bin of each document) and adds
    its distinct ``(document, top 32 bits)`` pairs to the shingle sets; nothing holds all of
    a batch's (or of one long document's) 64-bit hashes at once. The same signatures and
    sets as one sort of the whole batch by document and hash would give.
    """
    k = settings.num_perm
    n = len(texts)
    if n == 0:
        return SketchBatch(np.zeros((0, k), dtype=np.uint64), [])
    oph = settings.method != "datasketch"
    signatures = np.full(n * k, _EMPTY, dtype=np.uint64) if oph else None
    pieces: list[list[np.ndarray]] = [[] for _ in range(n)]  # each document's distinct tops, by piece
    for raw, docs in iter_shingle_hashes(list(texts), settings.shingle_size):
        hashes = _seeded(raw, settings.seed)
        hashes >>= np.uint64(64 - HASH_BITS)
        if signatures is not None:
            bins = hashes * np.uint64(k)
            bins >>= np.uint64(HASH_BITS)
            keys = bins.view(np.int64)
            keys += docs * k
            np.minimum.at(signatures, keys, hashes)  # the least hash of each bin of each document
            del bins, keys
        pairs = sorted_unique((docs.astype(np.uint64) << np.uint64(32)) | (hashes >> np.uint64(SET_SHIFT)))
        pair_docs = (pairs >> np.uint64(32)).astype(np.int64)
        starts = np.flatnonzero(np.concatenate([[True], pair_docs[1:] != pair_docs[:-1]]))
        bounds = np.append(starts, len(pairs))
        tops = (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        for position, doc in enumerate(pair_docs[starts].tolist()):
            pieces[doc].append(tops[bounds[position]:bounds[position + 1]])
    empty = np.zeros(0, dtype=np.uint32)
    shingle_sets = [found[0] if len(found) == 1 else sorted_unique(np.concatenate(found)) if found else empty
                    for found in pieces]
    if signatures is None:
        return SketchBatch(_datasketch_signatures(shingle_sets, settings), shingle_sets)
    signatures = signatures.reshape(n, k)
    empty_rows = np.flatnonzero((signatures == _EMPTY).any(axis=1))
    if len(empty_rows):
        signatures[empty_rows] = densify(signatures[empty_rows], settings.seed)
    return SketchBatch(signatures, shingle_sets)


_PROBES: dict[tuple[int, int, int], np.ndarray] = {}


def _probes(seed: int, k: int, attempt: int) -> np.ndarray:
    """For every bin, the bin it borrows from at ``attempt`` (1, 2, ...): a fixed, seeded
    sequence per bin, the same for every document."""
    key = (seed, k, attempt)
    found = _PROBES.get(key)
    if found is None:
        bins = np.arange(k, dtype=np.uint64)
        start = np.uint64(((seed << 40) ^ attempt) & ((1 << 64) - 1))
        found = (mix64(start ^ (bins << np.uint64(20))) % np.uint64(k)).astype(np.int64)
        if len(_PROBES) < 4096:
            _PROBES[key] = found
    return found


def densify(signatures: np.ndarray, seed: int) -> np.ndarray:
    """Fill empty bins of signature rows from non-empty bins of the same row.

    Each empty bin ``b`` takes the value of the first bin along its probe sequence
    (:func:`_probes`, attempt 1, 2, ...) that was non-empty before densification. Done
    for all rows and bins at once, one numpy step per attempt; a row with no filled bin
    (an empty text) stays empty and matches nothing but other empty texts.
    """
    block = signatures.copy()
    filled = block != _EMPTY
    todo = ~filled & filled.any(axis=1)[:, None]
    attempt = 0
    while todo.any():
        attempt += 1
        rows, bins = np.nonzero(todo)
        probe = _probes(seed, block.shape[1], attempt)[bins]
        hit = filled[rows, probe]
        block[rows[hit], bins[hit]] = signatures[rows[hit], probe[hit]]
        todo[rows[hit], bins[hit]] = False
    return block


def _datasketch_signatures(shingle_sets: list[np.ndarray], settings: SketchSettings) -> np.ndarray:
    from datasketch import MinHash

    rows = []
    for shingles in shingle_sets:
        m = MinHash(num_perm=settings.num_perm, seed=settings.seed)
        m.update_batch([int(x).to_bytes(4, "little") for x in shingles])
        rows.append(np.asarray(m.hashvalues, dtype=np.uint64))
    return np.vstack(rows) if rows else np.zeros((0, settings.num_perm), dtype=np.uint64)


def exact_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact ``(jaccard, containment)`` of two sorted distinct shingle sets.

    Containment is the share of the smaller set found in the larger one, so a version
    that trims the last paragraphs of another scores near 1.
    """
    if len(a) == 0 or len(b) == 0:
        return (1.0, 1.0) if len(a) == len(b) else (0.0, 0.0)
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    return common / union, common / min(len(a), len(b))
