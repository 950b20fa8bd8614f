"""The near-duplicate stage: signatures, LSH candidates, exact verification, clusters.

``fit`` streams the (cleaned, normalized) corpus once: texts are sketched in batches,
signatures are banded as datasketch's ``MinHashLSH`` bands them, and every
candidate pair the LSH proposes is verified on the exact shingle sets before it counts.
``apply`` then marks each document that duplicates its cluster's representative.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ..document import Document, DuplicateOf, id_digest
from ..stages import Carried, Exchange, StageBase, union_of_partitions
from ..workers import batches as batch_list
from .clusters import DocInfo, Member, greedy_clusters, two_hop_pairs
from .containment import ensemble_candidates, ensemble_candidates_with_datasketch, sampled_candidates
from .lsh import (
    band_hashes,
    band_parameters,
    candidate_pairs,
    candidates_with_datasketch,
)
from .partitioned import group_ids, shuffled_result, sketch_partition
from .results import ESTIMATE_MARGIN, DedupResult, DedupSettings, SimilarityCounts, info_of
from .signatures import SketchBatch, exact_similarity, sketch_texts
from .store import InfoColumns, MatrixStore, RaggedStore

class NearDuplicateDetector(StageBase):
    """Finds near-duplicate documents with MinHash LSH and exact verification.

    As a stage it learns in one round, by shuffle (:mod:`cleancorpus.stages`): ``partial``
    sketches a partition (its documents' signatures and shingle sets) and carries the
    sketches; what is merged is only each partition's count and id digests; and
    ``finish_by_shuffle`` finds candidates, verifies and clusters by the keyed steps of
    :mod:`.partitioned`, where the engine runs tasks, so no process holds the corpus's
    sketches. ``fit`` (one process, everything in memory) gives the same result.

    Memory: per document one signature (``num_perm`` x 8 bytes) and its distinct shingle
    set (4 bytes a shingle), both in compact batch stores, plus ``bands`` x 8 bytes while
    candidates are found. Time: linear in the corpus, plus
    one exact set intersection per candidate pair.
    """

    name = "dedup"
    rounds = 1
    light = True  # apply is one dict lookup
    learns_by_shuffle = True

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        self.infos = InfoColumns()
        self.signatures = MatrixStore()
        self.shingles = RaggedStore(np.uint32)
        self.index_of: dict[str, int] = {}
        self.result: DedupResult | None = None
        self._duplicate_of: dict[str, tuple[str, Member]] = {}

    # ------------------------------------------------------------------ sketching

    def add(self, documents: Iterable[Document]) -> None:
        """Sketch documents and keep their signatures and shingle sets."""
        for batch in batch_list(documents, self.settings.batch_size):
            self.add_batch(batch, sketch_texts([d.text for d in batch], self.settings.sketch))

    def add_batch(self, batch: list[Document], sketch: SketchBatch) -> None:
        """Keep a batch of documents sketched elsewhere (a worker that also cleaned them)."""
        for doc in batch:
            self._register(info_of(doc))
        self.signatures.extend(sketch.signatures)
        self.shingles.extend(sketch.shingle_sets)

    def add_sketched(self, info: DocInfo, signature: np.ndarray, shingles: np.ndarray) -> None:
        """Keep a document sketched earlier (by the check cache or the on-disk index)."""
        self._register(info)
        self.signatures.append(signature)
        self.shingles.append(shingles)

    def _register(self, info: DocInfo) -> None:
        if info.id in self.index_of:
            raise ValueError(f"duplicate document id {info.id!r}: ids must be unique")
        self.index_of[info.id] = len(self.infos)
        self.infos.append(info)

    # ------------------------------------------------------------------ pairs and clusters

    def candidate_pairs(self) -> set[tuple[int, int]]:
        """Pairs of document indexes that share at least one LSH band (see :mod:`.lsh`)."""
        return {(int(a), int(b)) for a, b in self._candidate_array()}

    def _candidate_array(self) -> np.ndarray:
        """Jaccard LSH candidates and containment candidates, merged (sorted, distinct)."""
        jaccard, containment = self._candidate_arrays()
        if not len(containment):
            return jaccard
        n = max(len(self.infos), 1)
        keys = np.union1d(jaccard[:, 0] * n + jaccard[:, 1], containment[:, 0] * n + containment[:, 1])
        return np.stack([keys // n, keys % n], axis=1)

    def _candidate_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(jaccard candidates, containment candidates)``, each sorted ``(i, j)`` with ``i < j``."""
        s = self.settings
        empty = np.zeros((0, 2), dtype=np.int64)
        if not len(self.signatures):
            return empty, empty
        signatures = self.signatures.matrix()
        sizes = self.shingles.lengths()
        eligible = sizes >= s.min_shingles
        if s.lsh_backend == "datasketch":
            pairs = candidates_with_datasketch(signatures, s.lsh_threshold, s.sketch.seed, eligible)
        else:
            bands, rows = band_parameters(s.lsh_threshold, s.sketch.num_perm)
            pairs = candidate_pairs(band_hashes(signatures, bands, rows), eligible)
        method = s.containment_method
        if method == "sampled":
            contained = sampled_candidates(self.shingles, eligible, s.containment_sample_rate)
        elif method == "ensemble":
            contained = ensemble_candidates(signatures, sizes, eligible, s.containment)
        elif method == "datasketch":
            contained = ensemble_candidates_with_datasketch(signatures, sizes, eligible, s.containment,
                                                            s.sketch.seed)
        else:
            contained = empty
        return pairs, contained

    def _worth_verifying(self, pairs: np.ndarray) -> np.ndarray:
        """Which candidates could pass verification, judged from their signatures.

        The share of equal signature values estimates the Jaccard (and, with the exact set
        sizes, the containment). A candidate whose estimates are both more than
        ``ESTIMATE_MARGIN`` below their thresholds (over three standard deviations at 128
        values) is not worth an exact intersection. This only ever *drops* candidates:
        nothing is flagged on an estimate. With low LSH thresholds a large corpus gets many
        weak candidates (pairs sharing a sentence), and this keeps verification linear.
        """
        s = self.settings
        if not len(pairs):
            return np.zeros(0, dtype=bool)
        signatures = self.signatures.matrix()
        sizes = self.shingles.lengths().astype(np.float64)
        estimate = np.empty(len(pairs))
        for start in range(0, len(pairs), 65536):
            a, b = pairs[start:start + 65536, 0], pairs[start:start + 65536, 1]
            estimate[start:start + 65536] = (signatures[a] == signatures[b]).mean(axis=1)
        keep = estimate >= s.threshold - ESTIMATE_MARGIN
        if s.containment is not None:
            na, nb = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
            common = estimate * (na + nb) / (1 + estimate)
            keep |= common / np.maximum(np.minimum(na, nb), 1) >= s.containment - ESTIMATE_MARGIN
        return keep

    def is_duplicate(self, jaccard: float, containment: float) -> bool:
        """The verification rule: exact Jaccard, or containment, at or above its threshold."""
        s = self.settings
        return jaccard >= s.threshold or (s.containment is not None and containment >= s.containment)

    def similarity(self, a: int, b: int) -> tuple[float, float]:
        """Exact ``(jaccard, containment)`` of two documents by index."""
        return exact_similarity(self.shingles[a], self.shingles[b])

    def _pairs_to_verify(self) -> tuple[np.ndarray, int]:
        """``(pairs worth an exact check, number of distinct candidates)``.

        Jaccard candidates go through :meth:`_worth_verifying`; containment candidates were
        chosen on their shared samples and are all checked (a signature estimate of the
        containment of a 20% excerpt is too noisy to drop anything on).
        """
        jaccard, contained = self._candidate_arrays()
        n = max(len(self.infos), 1)
        key = lambda pairs: pairs[:, 0] * n + pairs[:, 1]  # noqa: E731
        total = len(np.union1d(key(jaccard), key(contained)))
        keys = np.union1d(key(jaccard[self._worth_verifying(jaccard)]), key(contained))
        return np.stack([keys // n, keys % n], axis=1), total

    def verified_pairs(self, candidates: np.ndarray | None = None, involving_from: int = 0,
                       checked: "SimilarityCounts | None" = None) -> Iterator[tuple[int, int, float, float]]:
        """``(a, b, jaccard, containment)`` for every candidate pair that passes exact verification.

        ``candidates`` (all verified exactly) defaults to every Jaccard and containment
        candidate of the corpus. ``involving_from`` keeps only pairs whose second document
        has at least that index (the index uses it to check only pairs with a new document).
        ``checked`` counts the similarities of every pair checked, duplicate or not.
        """
        pairs = self._pairs_to_verify()[0] if candidates is None else candidates
        if involving_from:
            pairs = pairs[pairs[:, 1] >= involving_from]
        for a, b in pairs.tolist():
            jaccard, containment = self.similarity(a, b)
            if checked is not None:
                checked.add(jaccard, containment)
            if self.is_duplicate(jaccard, containment):
                yield a, b, jaccard, containment

    def cluster(self) -> DedupResult:
        """Verify every candidate and the pairs that share a verified neighbour (see
        :func:`.clusters.two_hop_pairs`), then cluster the verified pairs so that nothing
        chains: every member is a verified duplicate of its own representative (see
        :func:`.clusters.greedy_clusters`)."""
        pairs, candidates = self._pairs_to_verify()
        checked = SimilarityCounts()
        edges = list(self.verified_pairs(pairs, checked=checked))
        edges += self.verified_pairs(np.array(two_hop_pairs((a, b) for a, b, _, _ in edges),
                                              dtype=np.int64).reshape(-1, 2))
        clusters, related = greedy_clusters(edges, self.infos, self.settings.representative,
                                            self.settings.preferred_sources)
        self.result = DedupResult(clusters, self.settings, len(self.infos), candidates, len(edges),
                                  checked.to_dict(), related)
        self._duplicate_of = self.result.duplicate_of()
        return self.result

    # ------------------------------------------------------------------ stage protocol

    def partial(self, part: int, documents: Iterable[Document], round: int = 0, carry: Any = None) -> Carried:
        """``{part: (documents, id digests)}``, carrying the partition's sketches
        (:class:`.partitioned.PartitionSketch`) for :meth:`finish_by_shuffle`."""
        docs = list(documents)
        return self.carried_sketch(part, [d.id for d in docs], sketch_partition(docs, 0, self.settings))

    def carried_sketch(self, part: int, ids: Sequence[str], sketch: Any) -> Carried:
        """:meth:`partial`'s result for a partition sketched elsewhere (the check stage sketches
        as it checks): ``{part: (documents, id digests)}``, carrying ``sketch``."""
        digests = np.array([id_digest(i) for i in ids], dtype=np.uint64)
        return Carried({part: (len(ids), digests)}, sketch)

    def merge(self, states: Sequence[dict], round: int = 0) -> dict:
        return union_of_partitions(states)

    def merge_into(self, total: dict, state: dict, round: int = 0) -> dict:
        total.update(state)
        return total

    def finish(self, state: dict, round: int = 0) -> None:
        raise TypeError("the near-duplicate stage learns by shuffle: call finish_by_shuffle(state, held, exchange)")

    def finish_by_shuffle(self, state: dict, held: Sequence[Any], exchange: Exchange, round: int = 0) -> None:
        """Find the clusters by the keyed shuffle of :func:`.partitioned.shuffled_result`
        (``held[part]``: the handle of partition ``part``'s carried sketches): this process
        gets verified edges and the clustered documents' infos, never the sketches."""
        parts = sorted(state)
        counts = [state[p][0] for p in parts]
        handles = [held[p] for p in parts]
        digests = np.concatenate([state[p][1] for p in parts]) if parts else np.zeros(0, np.uint64)
        distinct, seen = np.unique(digests, return_counts=True)
        if (seen > 1).any():
            repeated = set(distinct[seen > 1].tolist())
            groups = [(handles[a:a + 64],) for a in range(0, len(handles), 64)]
            found = sorted({i for ids in exchange.gather(exchange.run(group_ids, [(g, repeated) for (g,) in groups],
                                                                      "checking ids"))
                            for i in ids})
            raise ValueError(f"duplicate document id {found[0]!r}: ids must be unique"
                             + (f" ({len(found)} ids repeat)" if len(found) > 1 else ""))
        if not self.settings.shuffles:  # candidates that need every signature at once: gathered here
            for handle in handles:
                (sketch,) = exchange.gather([handle])
                for info, signature, shingles in zip(sketch.infos, sketch.signatures, sketch.shingles):
                    self.add_sketched(info, signature, shingles)
            self.cluster()
            return
        self.use_result(shuffled_result(exchange, handles, counts, self.settings))

    def use_result(self, result: DedupResult) -> None:
        """Take clusters found elsewhere (the cluster engine's shuffle) as this stage's own."""
        self.result = result
        self._duplicate_of = result.duplicate_of()

    def fit(self, documents: Iterable[Document]) -> "NearDuplicateDetector":
        """Sketch the whole corpus, then find and verify its duplicate clusters."""
        self.add(documents)
        self.cluster()
        return self

    def apply(self, doc: Document) -> Document:
        """The document, with a :class:`DuplicateOf` record if it repeats its cluster's representative."""
        found = self._duplicate_of.get(doc.id)
        if found is None:
            return doc
        representative, member = found
        return doc.evolve(records=(DuplicateOf(doc.id, representative, member.jaccard, member.containment),))


def find_duplicates(documents: Iterable[Document], settings: DedupSettings | None = None) -> DedupResult:
    """Clusters of near-duplicate documents in ``documents`` (one call)."""
    return NearDuplicateDetector(settings).fit(documents).result  # type: ignore[return-value]
