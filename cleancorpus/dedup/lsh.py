"""LSH banding over a whole signature matrix at once.

The banding is datasketch's ``MinHashLSH`` scheme: ``b`` bands of ``r`` signature values,
with ``(b, r)`` chosen as datasketch's own optimiser chooses them for the Jaccard threshold; two documents
are candidates when all ``r`` values of at least one band agree. ``MinHashLSH`` does this
one document at a time in Python (about 200 microseconds a document here, and a Python
object per band and document, several GB at a million documents). Here each band is one
hash column and candidates come from one sort per band: the same candidate pairs, at a
fraction of the time and memory. ``candidates_with_datasketch`` runs the real
``MinHashLSH`` for comparison (and the tests check both agree).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .shingles import mix64

#: A bucket larger than this links its members to their neighbours only (not all pairs);
#: clusters are still joined through the chain, and verification decides each link.
MAX_BUCKET_PAIRS = 64


@lru_cache(maxsize=64)
def band_parameters(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` as datasketch's ``MinHashLSH`` chooses them (equal FP/FN weights).

    The same choice as datasketch's optimiser: every ``(b, r)`` with ``b * r <= num_perm``,
    in its order, scored by the area under the false-positive curve below the threshold
    plus the false-negative area above it, the first lowest score winning. The areas are
    computed here with Gauss-Legendre panels over all pairs at once (numpy), not one scipy
    ``quad`` call per pair: importing datasketch and scipy and integrating took a second
    of every run; this takes milliseconds. ``tests/test_dedup.py`` checks both choose alike.
    """
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands = np.array([b for b, _ in pairs], dtype=np.float64)[:, None]
    rows = np.array([r for _, r in pairs], dtype=np.float64)[:, None]

    def area(low: float, high: float, false_positive: bool) -> np.ndarray:
        points, weights = _panels(low, high)
        caught = 1.0 - (1.0 - points[None, :] ** rows) ** bands  # P(candidate) at similarity s
        return ((caught if false_positive else 1.0 - caught) * weights[None, :]).sum(axis=1)

    error = 0.5 * area(0.0, threshold, True) + 0.5 * area(threshold, 1.0, False)
    return pairs[int(np.argmin(error))]  # argmin: the first of equal scores, as datasketch keeps


def _panels(low: float, high: float, panels: int = 64, order: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights for [low, high] split into equal panels (the curves
    are smooth polynomials: 64 x 16 points integrate them to about 1e-13)."""
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(low, high, panels + 1)
    half = (edges[1:] - edges[:-1])[:, None] / 2
    middle = (edges[1:] + edges[:-1])[:, None] / 2
    return (middle + half * nodes[None, :]).ravel(), (half * weights[None, :]).ravel()


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """An ``n x bands`` matrix: one 64-bit hash of each band's ``rows`` values per document."""
    n = signatures.shape[0]
    out = np.empty((n, bands), dtype=np.uint64)
    for band in range(bands):
        h = np.full(n, np.uint64(band + 1), dtype=np.uint64)
        for column in range(band * rows, (band + 1) * rows):
            h = mix64(h ^ signatures[:, column])
        out[:, band] = h
    return out


def candidate_pairs(bands: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Sorted, distinct ``(i, j)`` pairs (``i < j``) of rows sharing a band hash (``m x 2`` int64)."""
    n = bands.shape[0]
    rows = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    found = []
    for band in range(bands.shape[1]):
        values = bands[rows, band]
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        same = ordered[1:] == ordered[:-1]
        if not same.any():
            continue
        members = rows[order]
        # each equal neighbour pair (covers buckets of two, and chains bigger buckets)
        left, right = members[:-1][same], members[1:][same]
        found.append(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1))
        # all pairs within buckets of three up to MAX_BUCKET_PAIRS members, one size at a time
        starts = np.flatnonzero(np.concatenate([[True], ~same]))
        sizes = np.minimum(np.diff(np.concatenate([starts, [len(ordered)]])), MAX_BUCKET_PAIRS)
        for size in np.unique(sizes[sizes > 2]):
            first = starts[sizes == size]
            i, j = np.triu_indices(int(size), k=1)
            left, right = members[first[:, None] + i], members[first[:, None] + j]
            found.append(np.stack([np.minimum(left, right).ravel(), np.maximum(left, right).ravel()], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    keys = np.unique(pairs[:, 0] * n + pairs[:, 1])  # one int64 per pair: a 1-D unique is much faster
    return np.stack([keys // n, keys % n], axis=1)


def candidates_with_datasketch(signatures: np.ndarray, threshold: float, seed: int,
                               eligible: np.ndarray | None = None) -> np.ndarray:
    """The same candidate pairs from datasketch's ``MinHashLSH`` (slow; for checks and comparison)."""
    from datasketch import MinHashLSH
    from datasketch.lean_minhash import LeanMinHash

    n, k = signatures.shape
    rows = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    lsh = MinHashLSH(threshold=threshold, num_perm=k)
    lean = {int(i): LeanMinHash(seed=seed, hashvalues=signatures[i], scheme="affine64") for i in rows}
    with lsh.insertion_session() as session:
        for i, m in lean.items():
            session.insert(i, m, check_duplication=False)
    pairs = {(min(i, o), max(i, o)) for i, m in lean.items() for o in lsh.query(m) if o != i}
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
