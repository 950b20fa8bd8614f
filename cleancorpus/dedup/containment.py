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

import sys

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


#: Elements handled at once where a step runs in blocks (bounded temporary memory).
BLOCK = 1 << 20


def _sampled(flat: np.ndarray, offsets: np.ndarray, start: int, eligible: np.ndarray,
             rate: int) -> tuple[np.ndarray, np.ndarray]:
    """``(positions in flat, document index in the chunk)`` of the sampled shingles of eligible documents."""
    positions = np.flatnonzero(sample_mask(flat, rate))
    docs = np.searchsorted(offsets, positions, side="right") - 1  # only for the ~1/rate sampled
    keep = eligible[start + docs]
    return positions[keep], docs[keep]


def _halves(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Views of the high (sample) and low (rank) 32 bits of 64-bit keys, without copies."""
    words = key.view(np.uint32)
    return (words[1::2], words[0::2]) if sys.byteorder == "little" else (words[0::2], words[1::2])


def sampled_candidates(shingles: RaggedStore, eligible: np.ndarray, rate: int = 8,
                       share: float = SHARED_SAMPLE_SHARE) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, sharing at least ``share`` of the smaller one's samples.

    Memory: one 64-bit key per sample (an eighth of the shingles), then one int32 per
    shared sample and one int64 per link; every other temporary is bounded by ``BLOCK``.
    """
    lengths = shingles.lengths()
    n = len(lengths)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    index_type = np.int32 if n < 2**31 else np.int64
    by_size = np.argsort(lengths, kind="stable").astype(index_type)  # a big bucket links to the next larger
    rank_of = np.empty(n, dtype=np.uint64)
    rank_of[by_size] = np.arange(n, dtype=np.uint64)
    # pass 1 counts the samples (of each document, and in all), pass 2 fills one key array
    per_doc = []
    for start, flat, offsets in shingles.iter_chunks():
        per_doc.append(np.bincount(_sampled(flat, offsets, start, eligible, rate)[1], minlength=len(offsets) - 1))
    samples = np.concatenate(per_doc) if per_doc else np.zeros(n, dtype=np.int64)
    key = np.empty(int(samples.sum()), dtype=np.uint64)
    at = 0
    for start, flat, offsets in shingles.iter_chunks():
        positions, docs = _sampled(flat, offsets, start, eligible, rate)
        part = key[at:at + len(positions)]
        part[:] = flat[positions]
        part <<= np.uint64(32)
        part |= rank_of[start + docs]
        at += len(positions)
    del rank_of
    key.sort()
    # most samples are in one document only: keep the shared ones (in place) before any pair work
    high, _ = _halves(key)
    same = high[1:] == high[:-1]
    shared = np.zeros(len(key), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    del same, high
    kept = 0
    for begin in range(0, len(key), BLOCK):
        part = key[begin:begin + BLOCK][shared[begin:begin + BLOCK]]
        key[kept:kept + len(part)] = part
        kept += len(part)
    del shared
    if kept < 2:
        return np.zeros((0, 2), dtype=np.int64)
    high, low = _halves(key[:kept])
    same = high[1:] == high[:-1]
    members = np.empty(kept, dtype=index_type)
    for begin in range(0, kept, BLOCK):  # blockwise: the gather's int64 index stays small
        members[begin:begin + BLOCK] = by_size[low[begin:begin + BLOCK]]
    del key, high, low, by_size
    links = bucket_links(members, same, n)
    del members, same
    links.sort()
    return _passing(links, samples, n, share)


def bucket_links(members: np.ndarray, same: np.ndarray, n: int) -> np.ndarray:
    """One int64 pair key (``min * n + max``) per link of :func:`_bucket_pairs`, in one array."""
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    sizes = np.diff(np.concatenate([starts, [len(members)]]))
    small = (sizes > 2) & (sizes <= ALL_PAIRS_UP_TO)
    extra = {int(size): starts[small & (sizes == size)] for size in np.unique(sizes[small])}
    total = int(same.sum()) + sum(len(first) * ((size - 1) * (size - 2) // 2) for size, first in extra.items())
    links = np.empty(total, dtype=np.int64)
    at = 0

    def put(left: np.ndarray, right: np.ndarray) -> None:
        nonlocal at
        part = links[at:at + len(left)]
        np.minimum(left, right, out=part, dtype=np.int64, casting="unsafe")
        part *= n
        part += np.maximum(left, right)
        at += len(left)

    for begin in range(0, len(same), BLOCK):  # every equal neighbour pair
        block = same[begin:begin + BLOCK]
        put(members[begin:begin + len(block)][block], members[begin + 1:begin + 1 + len(block)][block])
    for size, first in extra.items():  # the other pairs of small buckets
        i, j = np.triu_indices(size, k=2)
        for begin in range(0, len(first), max(1, BLOCK // len(i))):
            chunk = first[begin:begin + max(1, BLOCK // len(i))]
            put(members[chunk[:, None] + i].ravel(), members[chunk[:, None] + j].ravel())
    return links


def _passing(links: np.ndarray, samples: np.ndarray, n: int, share: float) -> np.ndarray:
    """The pairs of sorted ``links`` with at least ``share`` of the smaller document's samples,
    counted block by block (a run of one pair never straddles two blocks)."""
    found = []
    begin = 0
    while begin < len(links):
        end = min(begin + BLOCK, len(links))
        if end < len(links):
            end = int(np.searchsorted(links, links[end - 1], side="right"))
        block = links[begin:end]
        starts = np.flatnonzero(np.concatenate([[True], block[1:] != block[:-1]]))
        counts = np.diff(np.concatenate([starts, [len(block)]]))
        pairs = block[starts]
        a, b = pairs // n, pairs % n
        smaller = np.minimum(samples[a], samples[b])
        keep = counts >= np.maximum(np.ceil(share * smaller), 1)
        found.append(np.stack([a[keep], b[keep]], axis=1))
        begin = end
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


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
