"""The near-duplicate stage over partitions: the same pairs, clusters and representatives
as :class:`~.detector.NearDuplicateDetector`, computed piece by piece so that no step needs
the whole corpus in one place.

An engine (see :mod:`cleancorpus.engines`) only moves the pieces between these functions:

1. :func:`sketch_partition` per partition: signatures, shingle sets and what choosing a
   representative needs, with each document's global index (its position in the corpus).
2. :func:`band_entries` / :func:`sample_entries` per partition, split by bucket: the LSH
   band keys and the sampled shingles of eligible documents (the shuffle's map side).
3. :func:`band_pairs` / :func:`sample_links` per bucket: candidate pairs formed exactly as
   :func:`.lsh.candidate_pairs` and :func:`.containment.sampled_candidates` form them (a
   bucket holds every entry of its keys, in document order), split by the partition of the
   pair's first document; :func:`passing_links` per pair bucket keeps the containment
   candidates that share enough samples.
4. :func:`attach_first` on the partition of each pair's first document, then
   :func:`verify_pairs` on the partition of its second: the signature estimate (Jaccard
   candidates only, as the detector does) and the exact Jaccard and containment.
5. :func:`clusters_of_edges` on the caller: the detector's clusters
   (:func:`.clusters.greedy_clusters`) of the verified edges (only duplicates are edges).

Global indexes are what make the results independent of how the corpus is partitioned:
every pair is keyed, ordered and deduplicated by them as the one-process detector keys
its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from ..document import Document, id_digest
from .clusters import Cluster, DocInfo, Related, UnionFind, greedy_clusters
from .containment import SHARED_SAMPLE_SHARE, bucket_links, sample_mask
from .results import ESTIMATE_MARGIN, DedupResult, DedupSettings, SimilarityCounts, info_of
from .lsh import band_hashes, band_parameters, candidate_pairs
from .signatures import exact_similarity, sketch_texts

_EMPTY_PAIRS = np.zeros((0, 2), dtype=np.int64)


@dataclass
class PartitionSketch:
    """One partition's sketches: rows ``0..n-1`` are the documents of global indexes
    ``base..base+n-1``."""

    base: int
    infos: list[DocInfo]
    signatures: np.ndarray
    shingles: list[np.ndarray]
    #: what reading the partition met (set by the engine that read it)
    problems: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.infos)

    def sizes(self) -> np.ndarray:
        return np.array([len(s) for s in self.shingles], dtype=np.int64)

    def __getstate__(self) -> dict:
        """Pickled as a few flat arrays (a partition's sketches go to a file or another
        process at every step of the shuffle): the shingle sets as one array and their
        lengths, the infos as columns. A list of arrays and of dataclasses pickles, and
        above all unpickles, an object at a time."""
        lengths = self.sizes()
        flat = np.concatenate(self.shingles) if self.shingles else np.zeros(0, dtype=np.uint32)
        columns = tuple(zip(*((i.id, i.length, i.date, i.source) for i in self.infos))) or ((), (), (), ())
        return {"base": self.base, "columns": columns, "signatures": self.signatures, "flat": flat,
                "lengths": lengths, "problems": self.problems}

    def __setstate__(self, state: dict) -> None:
        self.base = state["base"]
        self.infos = [DocInfo(*row) for row in zip(*state["columns"])]
        self.signatures = state["signatures"]
        self.shingles = np.split(state["flat"], np.cumsum(state["lengths"])[:-1]) if len(state["lengths"]) else []
        self.problems = state["problems"]


def sketch_partition(documents: Iterable[Document], base: int, settings: DedupSettings) -> PartitionSketch:
    """Sketch one partition's (cleaned) documents; ``base``: the global index of its first."""
    docs = list(documents)
    sketch = sketch_texts([d.text for d in docs], settings.sketch)
    signatures = sketch.signatures if len(docs) else np.zeros((0, settings.sketch.num_perm), dtype=np.uint64)
    return PartitionSketch(base, [info_of(d) for d in docs], signatures, list(sketch.shingle_sets))


def bucket_of(keys: np.ndarray, buckets: int) -> np.ndarray:
    """The bucket of each uint64 key (mixed first: band hashes and shingle values are not
    uniform in their low bits)."""
    mixed = (keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    return (mixed % np.uint64(buckets)).astype(np.int64)


def _split(rows: np.ndarray, bucket: np.ndarray, buckets: int) -> list[np.ndarray]:
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(buckets + 1))
    rows = rows[order]
    return [rows[bounds[k]:bounds[k + 1]] for k in range(buckets)]


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """The distinct rows of ``(i, j)`` pairs (non-negative), sorted by ``i`` then ``j``, as
    ``np.unique(pairs, axis=0)`` gives them: one int64 key a pair, a 1-D unique (many times
    faster than comparing rows)."""
    if not len(pairs):
        return _EMPTY_PAIRS
    pairs = pairs.astype(np.int64, copy=False)
    top = int(pairs[:, 1].max()) + 1
    keys = np.unique(pairs[:, 0] * top + pairs[:, 1])
    return np.stack([keys // top, keys % top], axis=1)


def band_entries(sketch: PartitionSketch, settings: DedupSettings, buckets: int) -> list[np.ndarray]:
    """Per bucket, rows ``(band, band hash, global index)`` (uint64) of the partition's
    documents with at least ``min_shingles`` shingles."""
    bands, rows = band_parameters(settings.lsh_threshold, settings.sketch.num_perm)
    eligible = np.flatnonzero(sketch.sizes() >= settings.min_shingles)
    if not len(eligible):
        return [np.zeros((0, 3), dtype=np.uint64)] * buckets
    hashes = band_hashes(sketch.signatures[eligible], bands, rows).astype(np.uint64)  # (m, bands)
    m = len(eligible)
    band = np.repeat(np.arange(bands, dtype=np.uint64)[None, :], m, axis=0)
    index = np.repeat((eligible + sketch.base).astype(np.uint64)[:, None], bands, axis=1)
    table = np.stack([band.ravel(), hashes.ravel(), index.ravel()], axis=1)
    key = hashes.ravel() ^ (band.ravel() * np.uint64(0xD6E8FEB86659FD93))
    return _split(table, bucket_of(key, buckets), buckets)


def band_pairs(pieces: Sequence[np.ndarray], bases: np.ndarray) -> list[np.ndarray]:
    """Candidate pairs ``(i, j)`` (global, ``i < j``) of one bucket of band entries, formed as
    :func:`.lsh.candidate_pairs` forms them, split by the partition of ``i`` (``bases``: the
    global index of each partition's first document)."""
    table = np.concatenate([p for p in pieces if len(p)]) if any(len(p) for p in pieces) else None
    found = []
    if table is not None:
        order = np.lexsort((table[:, 2], table[:, 1], table[:, 0]))  # band, hash, then document order
        table = table[order]
        starts = np.flatnonzero(np.concatenate([[True], table[1:, 0] != table[:-1, 0], [True]]))
        for begin, end in zip(starts[:-1].tolist(), starts[1:].tolist()):  # one band at a time
            rows = table[begin:end]
            local = candidate_pairs(rows[:, 1:2])  # rows are in document order, as the detector's
            if len(local):
                index = rows[:, 2].astype(np.int64)
                found.append(np.stack([index[local[:, 0]], index[local[:, 1]]], axis=1))
    pairs = unique_pairs(np.concatenate(found)) if found else _EMPTY_PAIRS
    return split_pairs(pairs, bases)


def split_pairs(pairs: np.ndarray, bases: np.ndarray) -> list[np.ndarray]:
    """``pairs`` split by the partition of their first document."""
    part = np.searchsorted(bases, pairs[:, 0], side="right") - 1
    return _split(pairs, part, len(bases))


def sample_entries(sketch: PartitionSketch, settings: DedupSettings, buckets: int) -> tuple[list[np.ndarray],
                                                                                            np.ndarray]:
    """Per bucket, rows ``(sampled shingle, size, global index, samples of the document)``
    of eligible documents (the samples :func:`.containment.sampled_candidates` takes), and
    each document's sample count."""
    rate = settings.containment_sample_rate
    sizes = sketch.sizes()
    counts = np.zeros(len(sketch), dtype=np.int64)
    parts = []
    for row, shingles in enumerate(sketch.shingles):
        if sizes[row] < settings.min_shingles:
            continue
        sampled = shingles[sample_mask(shingles, rate)]
        counts[row] = len(sampled)
        if len(sampled):
            parts.append((row, sampled))
    if not parts:
        return [np.zeros((0, 4), dtype=np.uint64)] * buckets, counts
    value = np.concatenate([s for _, s in parts]).astype(np.uint64)
    row = np.concatenate([np.full(len(s), r, dtype=np.int64) for r, s in parts])
    table = np.stack([value, sizes[row].astype(np.uint64), (row + sketch.base).astype(np.uint64),
                      counts[row].astype(np.uint64)], axis=1)
    return _split(table, bucket_of(value, buckets), buckets), counts


def sample_links(pieces: Sequence[np.ndarray], buckets: int) -> list[np.ndarray]:
    """The links of one bucket of sample entries (equal samples; members in size order, then
    document order: :func:`.containment.bucket_links`), as rows ``(i, j, samples of the smaller
    document)``, split by a bucket of the pair."""
    present = [p for p in pieces if len(p)]
    if not present:
        return [np.zeros((0, 3), dtype=np.int64)] * buckets
    table = np.concatenate(present)
    table = table[np.lexsort((table[:, 2], table[:, 1], table[:, 0]))]
    same = table[1:, 0] == table[:-1, 0]
    if not same.any():
        return [np.zeros((0, 3), dtype=np.int64)] * buckets
    index = table[:, 2].astype(np.int64)
    top = int(index.max()) + 1
    links = bucket_links(index, same, top)  # min * top + max
    documents, first = np.unique(index, return_index=True)  # each document's sample count, by index
    samples = table[first, 3].astype(np.int64)
    a, b = links // top, links % top
    smaller = np.minimum(samples[np.searchsorted(documents, a)], samples[np.searchsorted(documents, b)])
    rows = np.stack([a, b, smaller], axis=1) if len(links) else np.zeros((0, 3), dtype=np.int64)
    return _split(rows, bucket_of(a.astype(np.uint64) * np.uint64(0x9E3779B1) ^ b.astype(np.uint64), buckets),
                  buckets)


def passing_links(pieces: Sequence[np.ndarray], bases: np.ndarray,
                  share: float = SHARED_SAMPLE_SHARE) -> list[np.ndarray]:
    """Containment candidates of one bucket of links: pairs linked by at least ``share`` of
    the smaller document's samples (:func:`.containment._passing`), split by the partition
    of their first document."""
    present = [p for p in pieces if len(p)]
    if not present:
        return split_pairs(_EMPTY_PAIRS, bases)
    rows = np.concatenate(present)
    top = int(rows[:, 1].max()) + 1
    keys, first, counts = np.unique(rows[:, 0] * top + rows[:, 1], return_index=True, return_counts=True)
    smaller = rows[first, 2]
    keep = counts >= np.maximum(np.ceil(share * smaller), 1)
    pairs = np.stack([keys[keep] // top, keys[keep] % top], axis=1)
    return split_pairs(pairs, bases)


@dataclass
class Attached:
    """Pairs whose first documents' signatures and shingle sets are attached, bound for the
    partition of their second documents."""

    pairs: np.ndarray                      # (m, 2) global
    containment_candidate: np.ndarray      # bool: proposed by the containment sampling
    signatures: np.ndarray                 # (m, num_perm) of the first documents
    shingles: list[np.ndarray] = field(default_factory=list)


def attach_first(sketch: PartitionSketch, jaccard: Sequence[np.ndarray], contained: Sequence[np.ndarray],
                 bases: np.ndarray) -> tuple[list[Attached], int]:
    """On the partition of the pairs' first documents: the distinct candidates (their number
    is returned too, as the detector counts them), with what the check of each needs from
    this side, split by the partition of the second document."""
    def distinct(pieces: Sequence[np.ndarray]) -> np.ndarray:
        present = [p for p in pieces if len(p)]
        return unique_pairs(np.concatenate(present)) if present else _EMPTY_PAIRS

    jac, con = distinct(jaccard), distinct(contained)
    every = unique_pairs(np.concatenate([jac, con])) if len(jac) + len(con) else _EMPTY_PAIRS
    flag = _rows_in(every, con)
    out = []
    for piece in _split(np.concatenate([every, flag[:, None].astype(np.int64)], axis=1),
                        np.searchsorted(bases, every[:, 1], side="right") - 1, len(bases)):
        rows = piece[:, 0] - sketch.base
        out.append(Attached(piece[:, :2], piece[:, 2].astype(bool), sketch.signatures[rows],
                            [sketch.shingles[r] for r in rows.tolist()]))
    return out, len(every)


def _rows_in(rows: np.ndarray, among: np.ndarray) -> np.ndarray:
    if not len(rows) or not len(among):
        return np.zeros(len(rows), dtype=bool)
    top = int(max(rows.max(), among.max())) + 1
    return np.isin(rows[:, 0] * top + rows[:, 1], among[:, 0] * top + among[:, 1])


def verify_pairs(sketch: PartitionSketch, pieces: Sequence[Attached], settings: DedupSettings,
                 every_pair: bool = False) -> tuple[np.ndarray, SimilarityCounts]:
    """On the partition of the pairs' second documents: the pairs worth an exact check (a
    Jaccard candidate whose signature estimate is within ``ESTIMATE_MARGIN`` of a threshold,
    or any containment candidate), checked exactly. Returns rows ``(i, j, jaccard,
    containment)`` of the pairs that are duplicates and the counts of every checked pair's similarities.
    ``every_pair``: check every pair exactly and count none (the pairs of
    :func:`.clusters.two_hop_pairs`, which the detector checks the same way)."""
    checked = SimilarityCounts()
    found = []
    for piece in pieces:
        if not len(piece.pairs):
            continue
        rows = piece.pairs[:, 1] - sketch.base
        if every_pair:
            worth = np.ones(len(rows), dtype=bool)
        else:
            estimate = (piece.signatures == sketch.signatures[rows]).mean(axis=1)
            worth = estimate >= settings.threshold - ESTIMATE_MARGIN
            if settings.containment is not None:
                na = np.array([len(s) for s in piece.shingles], dtype=np.float64)
                nb = np.array([len(sketch.shingles[r]) for r in rows.tolist()], dtype=np.float64)
                common = estimate * (na + nb) / (1 + estimate)
                worth |= common / np.maximum(np.minimum(na, nb), 1) >= settings.containment - ESTIMATE_MARGIN
            worth |= piece.containment_candidate
        for k in np.flatnonzero(worth).tolist():
            jaccard, containment = exact_similarity(piece.shingles[k], sketch.shingles[int(rows[k])])
            if not every_pair:
                checked.add(jaccard, containment)
            if _is_duplicate(settings, jaccard, containment):
                found.append((int(piece.pairs[k, 0]), int(piece.pairs[k, 1]), jaccard, containment))
    edges = np.array(found, dtype=np.float64) if found else np.zeros((0, 4))
    return edges, checked


def _is_duplicate(settings: DedupSettings, jaccard: float, containment: float) -> bool:
    return jaccard >= settings.threshold or (settings.containment is not None and containment >= settings.containment)


def infos_of(sketch: PartitionSketch, indexes: Iterable[int]) -> dict[int, DocInfo]:
    """The infos of some documents of the partition, by global index."""
    return {i: sketch.infos[i - sketch.base] for i in indexes if sketch.base <= i < sketch.base + len(sketch)}


def components(edges: np.ndarray) -> list[list[int]]:
    """Connected components (two or more members) of the verified edges, by global index."""
    groups = UnionFind()
    for a, b in edges[:, :2].astype(np.int64).tolist():
        groups.union(a, b)
    return groups.groups()


def clusters_of_edges(edges: np.ndarray, infos: dict[int, DocInfo],
                      settings: DedupSettings) -> tuple[list[Cluster], list[Related]]:
    """The detector's clusters of the verified edges (rows ``(i, j, jaccard, containment)``
    by global index; ``infos`` holds every document of :func:`components`): each member
    is a verified duplicate of its own representative, so the similarities come from the
    edges and no pair is measured again."""
    rows = ((int(a), int(b), jaccard, containment) for a, b, jaccard, containment in edges.tolist())
    return greedy_clusters(rows, infos, settings.representative, settings.preferred_sources)


def merged_counts(counts: Iterable[SimilarityCounts]) -> SimilarityCounts:
    total = SimilarityCounts()
    for c in counts:
        total.jaccard = [x + y for x, y in zip(total.jaccard, c.jaccard)]
        total.containment = [x + y for x, y in zip(total.containment, c.containment)]
    return total


def result_of(clusters: list[Cluster], settings: DedupSettings, documents: int, candidates: int, verified: int,
              checked: SimilarityCounts, related: list[Related] = ()) -> DedupResult:
    return DedupResult(clusters, settings, documents, candidates, verified, checked.to_dict(), list(related))


# ---------------------------------------------------------------------- the shuffle, driven

#: Documents a task of the shuffle's per-group steps holds at a time (their sketches: about
#: 4 KB a document), so the steps after sketching need no more than this of any worker.
GROUP_DOCS = 25_000
#: Documents whose band keys and samples one bucket holds at most (about 200 MB of entries
#: with the default settings: a ~700-word document has 37 band keys of 24 bytes and about
#: 100 sampled shingles of 32 bytes), so a bucket task's memory is bounded however large
#: the corpus: more documents, more buckets.
BUCKET_DOCS = 50_000


def joined(sketches: Sequence[PartitionSketch], base: int) -> PartitionSketch:
    """Consecutive partitions' sketches as one, its first document at global index ``base``."""
    present = [s for s in sketches if len(s)]
    if not present:
        width = sketches[0].signatures.shape[1] if sketches else 0
        return PartitionSketch(base, [], np.zeros((0, width), dtype=np.uint64), [])
    return PartitionSketch(base, [i for s in present for i in s.infos],
                           np.concatenate([s.signatures for s in present]),
                           [x for s in present for x in s.shingles])


def group_entries(sketches: Sequence[PartitionSketch], base: int, settings: DedupSettings,
                  buckets: int) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """The map side, per bucket: ``(band entries, sample entries)`` of a group of partitions."""
    sketch = joined(sketches, base)
    bands = band_entries(sketch, settings, buckets)
    if settings.containment_method != "sampled":
        return [(b, None) for b in bands]
    samples = sample_entries(sketch, settings, buckets)[0]
    return list(zip(bands, samples))


def bucket_candidates(entries: Sequence[tuple], bases: np.ndarray, buckets: int) -> list[np.ndarray]:
    """One bucket of the map side: its band pairs split by group (``len(bases)`` pieces), then
    its sample links split by bucket (``buckets`` pieces, none when nothing is sampled)."""
    pairs = band_pairs([e[0] for e in entries], bases)
    samples = [e[1] for e in entries if e[1] is not None]
    links = sample_links(samples, buckets) if samples else [np.zeros((0, 3), dtype=np.int64)] * buckets
    return pairs + links


def group_attach(sketches: Sequence[PartitionSketch], base: int, jaccard: Sequence[np.ndarray],
                 contained: Sequence[np.ndarray], bases: np.ndarray) -> list:
    """:func:`attach_first` on a group: the attached pairs per group of their second
    document, then the number of distinct candidates."""
    attached, count = attach_first(joined(sketches, base), jaccard, contained, bases)
    return attached + [count]


def group_verify(sketches: Sequence[PartitionSketch], base: int, pieces: Sequence[Attached],
                 settings: DedupSettings, every_pair: bool = False) -> tuple[np.ndarray, SimilarityCounts]:
    """:func:`verify_pairs` on a group."""
    return verify_pairs(joined(sketches, base), pieces, settings, every_pair)


def group_infos(sketches: Sequence[PartitionSketch], base: int, wanted: Sequence[int]) -> dict[int, DocInfo]:
    """:func:`infos_of` on a group."""
    return infos_of(joined(sketches, base), wanted)


def group_ids(sketches: Sequence[PartitionSketch], digests: set[int]) -> list[str]:
    """The ids of a group's documents whose digests are among ``digests``."""
    return [info.id for s in sketches for info in s.infos if id_digest(info.id) in digests]


def group_bounds(counts: Sequence[int], groups: int) -> list[tuple[int, int]]:
    """At most ``groups`` runs of consecutive partitions ``(first, end)``, with about as many
    documents each."""
    if not counts:
        return []
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1])
    groups = max(1, min(groups, len(counts)))
    targets = [total * k / groups for k in range(1, groups)]
    ends = sorted({min(max(int(np.searchsorted(cumulative, t, side="left")) + 1, 1), len(counts) - 1)
                   for t in targets} - {len(counts)}) if len(counts) > 1 else []
    starts = [0, *ends]
    return [(a, b) for a, b in zip(starts, [*ends, len(counts)]) if b > a]


def shuffled_result(exchange, held: Sequence, counts: Sequence[int], settings: DedupSettings) -> DedupResult:
    """The clusters of a corpus whose partitions' sketches are ``held`` (exchange handles, in
    corpus order; ``counts``: documents in each), found by the keyed steps of the module
    docstring on ``exchange`` (:class:`cleancorpus.stages.Exchange`): only verified edges,
    counts and the infos of clustered documents reach the caller, never the sketches.

    Steps past sketching work on groups of consecutive partitions (about
    :data:`GROUP_DOCS` documents, at least one per bucket), so pieces between groups stay
    few however small the partitions; keys are spread over a few buckets per worker, and
    more on a large corpus (:data:`BUCKET_DOCS`), so no task holds more than a bounded
    share of them."""
    from .clusters import two_hop_pairs

    total = int(sum(counts))
    if not total:
        return result_of([], settings, 0, 0, 0, SimilarityCounts())
    buckets = max(int(exchange.buckets), -(-total // BUCKET_DOCS), 1)
    bounds = group_bounds(list(counts), max(buckets, -(-total // GROUP_DOCS)))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    bases = np.array([starts[a] for a, _ in bounds], dtype=np.int64)
    groups = [(list(held[a:b]), int(starts[a])) for a, b in bounds]
    g = len(groups)

    entries = exchange.run(group_entries, [(h, base, settings, buckets) for h, base in groups],
                           "finding duplicates: band keys", pieces=buckets)
    out = exchange.run(bucket_candidates, [([entries[k][b] for k in range(g)], bases, buckets)
                                           for b in range(buckets)], "finding duplicates: candidates",
                       pieces=g + buckets)
    sampled = settings.containment_method == "sampled"
    passing = [[] for _ in range(g)]
    if sampled:
        passed = exchange.run(passing_links, [([out[k][g + b] for k in range(buckets)], bases)
                                              for b in range(buckets)], "finding duplicates: excerpts", pieces=g)
        passing = [[passed[b][p] for b in range(buckets)] for p in range(g)]
    attached = exchange.run(group_attach, [(h, base, [out[b][p] for b in range(buckets)], passing[p], bases)
                                           for p, (h, base) in enumerate(groups)],
                            "finding duplicates: pairs", pieces=g + 1)
    candidates = sum(exchange.gather([attached[p][g] for p in range(g)]))
    checked = exchange.gather(exchange.run(group_verify, [(h, base, [attached[p][q] for p in range(g)], settings)
                                                          for q, (h, base) in enumerate(groups)],
                                           "finding duplicates: verifying"))
    edges = np.concatenate([e for e, _ in checked]) if checked else np.zeros((0, 4))
    counts_checked = merged_counts(c for _, c in checked)
    hops = np.array(two_hop_pairs(edges[:, :2].astype(np.int64).tolist()), dtype=np.int64).reshape(-1, 2)
    if len(hops):  # pairs sharing a verified neighbour, checked exactly as the detector checks them
        by_group = split_pairs(hops, bases)
        attached = exchange.run(group_attach, [(h, base, [by_group[p]], [], bases) for p, (h, base) in enumerate(groups)],
                                "finding duplicates: pairs", pieces=g + 1)
        extra = exchange.gather(exchange.run(group_verify, [(h, base, [attached[p][q] for p in range(g)], settings, True)
                                                            for q, (h, base) in enumerate(groups)],
                                             "finding duplicates: verifying"))
        edges = np.concatenate([edges] + [e for e, _ in extra])
    wanted = exchange.share(sorted(i for group in components(edges) for i in group))
    infos: dict = {}
    for found in exchange.gather(exchange.run(group_infos, [(h, base, wanted) for h, base in groups],
                                              "finding duplicates: clusters")):
        infos.update(found)
    clusters, related = clusters_of_edges(edges, infos, settings)
    return result_of(clusters, settings, total, int(candidates), len(edges), counts_checked, related)
