"""Candidates for containment: excerpts and trimmed reprints that Jaccard banding misses.

An excerpt of a fifth of an article is fully contained in it (containment 1.0) but its
Jaccard with it is only about 0.2, far below what the Jaccard LSH (tuned for 0.3) finds.
MinHash cannot serve that case well at 128 values: a band that still fires at Jaccard
0.18 with 99% probability has one or two rows, and then nearly every pair of news
stories shares a band. So the default here is an *asymmetric* scheme instead:

``sampled`` (default) - Broder's fixed-rate ("mod m") sample, which estimates containment
directly (Broder 1997, *On the resemblance and containment of documents*). Each document
keeps the shingles whose hash falls in a fixed 1/``rate`` slice, so a shingle is sampled
in every document that has it, and a document ``Q`` contained in ``X`` has about the same
share of its samples in ``X``'s samples as of its shingles in ``X``. Two documents are
candidates when they share at least ``share`` of the smaller one's samples. The samples
grow with the document (a 700-word article has about 90 at rate 8), which is what gives the
recall MinHash bands cannot: an excerpt of 20% of such an article shares about 17 of its
~18 samples, a quoted statement a handful. One sort of all samples (a 64-bit key of
sample and document rank by size) finds every shared sample; within a sample shared by
more than ``ALL_PAIRS_UP_TO`` documents (boilerplate, much-reprinted stories) only
neighbours by size are linked, so a standard paragraph in ten thousand documents costs ten
thousand links, not fifty million. Documents with no sample (very short ones) are left to the Jaccard LSH.

``ensemble`` - datasketch's ``MinHashLSHEnsemble`` (Zhu et al. 2016) computed over the
whole signature matrix: the same size partitions (datasketch's ``optimal_partitions``),
the same ``(b, r)`` table per size ratio, the same bands, one sort per band instead of a
Python dictionary per band. ``datasketch`` runs the class itself; the tests check both
give the same pairs. Kept for comparison (``benchmarks/dedup_quality.py``): with its own
parameter choice at a containment threshold of 0.9, it misses most excerpts.
"""

from __future__ import annotations

import numpy as np

from .store import RaggedStore

#: Methods of :func:`containment_candidates` (``none`` turns the search off).
METHODS = ("sampled", "ensemble", "datasketch", "none")
#: Within a sample shared by more documents than this, only neighbours by size are linked
#: (an excerpt's neighbour by size among the copies of its story is the same in every
#: sample it shares, so its links still add up on one pair).
ALL_PAIRS_UP_TO = 8
#: Share of the smaller document's samples two documents must share to be candidates.
SHARED_SAMPLE_SHARE = 0.5
_GOLDEN = np.uint32(0x9E3779B1)


def sample_mask(values: np.ndarray, rate: int) -> np.ndarray:
    """Which shingle hashes fall in the fixed 1/``rate`` sample (the same in every document).

    Multiplicative hashing spreads the shingle hash first, so the sample does not depend on
    how the shingle hash itself distributes its low bits.
    """
    if rate <= 1:
        return np.ones(len(values), dtype=bool)
    with np.errstate(over="ignore"):
        spread = values.astype(np.uint32, copy=False) * _GOLDEN
    return spread % np.uint32(rate) == 0 if rate & (rate - 1) else spread >> np.uint32(32 - rate.bit_length() + 1) == 0


def _bucket_pairs(members: np.ndarray, same: np.ndarray, all_pairs_up_to: int) -> tuple[np.ndarray, np.ndarray]:
    """``(left, right)`` member pairs that share a key in a sorted column.

    ``same[i]`` says element ``i + 1`` has the same key as element ``i``. Every equal
    neighbour pair is linked (a chain through any bucket), and every pair in buckets of
    three up to ``all_pairs_up_to`` members.
    """
    lefts, rights = [members[:-1][same]], [members[1:][same]]
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    sizes = np.diff(np.concatenate([starts, [len(members)]]))
    for size in np.unique(sizes[(sizes > 2) & (sizes <= all_pairs_up_to)]):
        first = starts[sizes == size]
        i, j = np.triu_indices(int(size), k=2)  # neighbours (k=1) are already linked
        lefts.append(members[first[:, None] + i].ravel())
        rights.append(members[first[:, None] + j].ravel())
    return np.concatenate(lefts), np.concatenate(rights)


def _unique_pairs(left: np.ndarray, right: np.ndarray, n: int, counts: bool = False):
    """Distinct ``(i, j)`` pairs, ``i < j``, of the links ``left[k] - right[k]`` (with how
    many links each pair had, when ``counts``): one in-place sort of one int64 key a link."""
    keys = np.minimum(left, right).astype(np.int64)
    keys *= n
    keys += np.maximum(left, right)
    keys = keys[left != right]
    keys.sort()
    if len(keys):
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    else:
        starts = np.zeros(0, dtype=np.int64)
    unique = keys[starts]
    pairs = np.stack([unique // n, unique % n], axis=1)
    if counts:
        return pairs, np.diff(np.concatenate([starts, [len(keys)]]))
    return pairs


def sampled_candidates(shingles: RaggedStore, eligible: np.ndarray, rate: int = 8,
                       share: float = SHARED_SAMPLE_SHARE) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, sharing at least ``share`` of the smaller one's samples."""
    lengths = shingles.lengths()
    n = len(lengths)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    rank_of = np.empty(n, dtype=np.int64)
    by_size = np.argsort(lengths, kind="stable").astype(np.int32 if n < 2**31 else np.int64)
    # (by rank of size: in a big bucket a document is linked to the next larger one)
    rank_of[by_size] = np.arange(n)
    keys, per_doc = [], []
    for start, flat, offsets in shingles.iter_chunks():
        positions = np.flatnonzero(sample_mask(flat, rate))
        docs = np.searchsorted(offsets, positions, side="right") - 1  # only for the ~1/rate sampled
        keep = eligible[start + docs]
        docs, positions = docs[keep], positions[keep]
        per_doc.append(np.bincount(docs, minlength=len(offsets) - 1))
        keys.append((flat[positions].astype(np.uint64) << np.uint64(32))
                    | rank_of[start + docs].astype(np.uint64))
    samples = np.concatenate(per_doc) if per_doc else np.zeros(n, dtype=np.int64)
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    del keys
    key.sort()
    value = (key >> np.uint64(32)).astype(np.uint32)
    same = value[1:] == value[:-1]
    del value
    # most samples are in one document only: keep the shared ones before any pair work
    shared = np.zeros(len(key), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    key = key[shared]
    del shared, same
    if not len(key):
        return np.zeros((0, 2), dtype=np.int64)
    same = (key[1:] >> np.uint64(32)) == (key[:-1] >> np.uint64(32))
    members = by_size[(key & np.uint64(0xFFFFFFFF)).astype(np.int64)]
    del key
    left, right = _bucket_pairs(members, same, ALL_PAIRS_UP_TO)
    pairs, count = _unique_pairs(left, right, n, counts=True)
    smaller = np.minimum(samples[pairs[:, 0]], samples[pairs[:, 1]])
    return pairs[count >= np.maximum(np.ceil(share * smaller), 1)]


# ---------------------------------------------------------------------------- LSH Ensemble


def _ensemble_tables(threshold: float, num_perm: int, m: int = 8):
    """datasketch's ``(xqs, params)`` table of ``(b, r)`` per size ratio, built as it builds it."""
    from datasketch import MinHashLSHEnsemble

    ensemble = MinHashLSHEnsemble(threshold=threshold, num_perm=num_perm, m=m)
    return ensemble.xqs, ensemble.params


def _partitions(sizes: np.ndarray, num_part: int) -> list[tuple[int, int]]:
    from collections import Counter

    from datasketch.lshensemble_partition import optimal_partitions

    distinct, counts = np.array(sorted(Counter(sizes.tolist()).most_common())).T
    return optimal_partitions(distinct, counts, num_part)


def ensemble_candidates(signatures: np.ndarray, sizes: np.ndarray, eligible: np.ndarray, threshold: float,
                        num_part: int = 16) -> np.ndarray:
    """The pairs datasketch's ``MinHashLSHEnsemble`` proposes when every eligible document is
    indexed and then queried, computed with one sort per band."""
    from .lsh import band_hashes

    rows = np.flatnonzero(eligible)
    n = signatures.shape[0]
    if len(rows) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    xqs, params = _ensemble_tables(threshold, signatures.shape[1])
    uppers = np.array([u for _, u in _partitions(sizes[rows], num_part)])
    partition_of = np.zeros(n, dtype=np.int64)
    partition_of[rows] = np.searchsorted(uppers, sizes[rows], side="left")
    # (b, r) for every query document (row) and partition (column), as datasketch looks them up
    ratio = uppers[None, :].astype(float) / sizes[rows][:, None].astype(float)
    slot = np.minimum(np.searchsorted(xqs, ratio, side="left"), len(params) - 1)
    query_b = np.zeros((n, len(uppers)), dtype=np.int64)
    query_r = np.zeros((n, len(uppers)), dtype=np.int64)
    query_b[rows], query_r[rows] = params[slot, 0], params[slot, 1]
    found_left, found_right = [], []
    for r in np.unique(params[:, 1]):
        used_b = int(query_b[query_r == r].max(initial=0))
        if not used_b:
            continue
        bands = band_hashes(signatures[rows], used_b, int(r))
        for band in range(used_b):
            order = np.argsort(bands[:, band], kind="stable")
            ordered = bands[order, band]
            left, right = _bucket_pairs(rows[order], ordered[1:] == ordered[:-1], len(rows))
            for q, x in ((left, right), (right, left)):  # each document queries the other's partition
                part = partition_of[x]
                hit = (query_r[q, part] == r) & (band < query_b[q, part])
                found_left.append(q[hit])
                found_right.append(x[hit])
    if not found_left:
        return np.zeros((0, 2), dtype=np.int64)
    return _unique_pairs(np.concatenate(found_left), np.concatenate(found_right), n)


def ensemble_candidates_with_datasketch(signatures: np.ndarray, sizes: np.ndarray, eligible: np.ndarray,
                                        threshold: float, seed: int, num_part: int = 16) -> np.ndarray:
    """The same pairs from datasketch's ``MinHashLSHEnsemble`` class itself (slow; for checks)."""
    from datasketch import MinHashLSHEnsemble
    from datasketch.lean_minhash import LeanMinHash

    rows = np.flatnonzero(eligible)
    if len(rows) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    ensemble = MinHashLSHEnsemble(threshold=threshold, num_perm=signatures.shape[1], num_part=num_part)
    lean = {int(i): LeanMinHash(seed=seed, hashvalues=signatures[i], scheme="affine64") for i in rows}
    ensemble.index([(i, m, int(sizes[i])) for i, m in lean.items()])
    pairs = {(min(i, o), max(i, o)) for i, m in lean.items() for o in ensemble.query(m, int(sizes[i])) if o != i}
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
