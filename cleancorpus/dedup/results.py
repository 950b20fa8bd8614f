"""What near-duplicate detection is told and what it finds: its settings, its clusters
with their counts, and what choosing a representative needs of a document. Shared by the
one-process detector (:mod:`.detector`) and its keyed shuffle (:mod:`.partitioned`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..document import Document
from .clusters import Cluster, DocInfo, Member, Related
from .signatures import SketchSettings

#: How far below a threshold a signature estimate may be and still get exact verification.
ESTIMATE_MARGIN = 0.15


@dataclass(frozen=True)
class DedupSettings:
    """When two documents are duplicates, and how they are found.

    - ``threshold``: exact Jaccard of the shingle sets at or above which a pair is flagged.
    - ``containment``: or this share of the smaller document found in the larger (a
      trimmed or excerpted version); ``None`` turns the containment test off.
    - ``lsh_threshold``: the Jaccard the LSH is tuned for when proposing candidates; lower
      than ``threshold`` so trimmed versions (low Jaccard, high containment) are proposed.
    - ``min_shingles``: texts with fewer distinct shingles are never flagged (too short to tell).
    - ``representative`` / ``preferred_sources``: see :func:`choose_representative`.
    - ``lsh_backend``: ``numpy`` (default: datasketch's banding, one sort per band) or
      ``datasketch`` (its ``MinHashLSH`` object; same candidates, slower).
    - ``containment_candidates``: how excerpts (high containment, low Jaccard) become
      candidates: ``sampled`` (default; fixed-rate shingle samples, see
      :mod:`.containment`), ``ensemble`` (datasketch's ``MinHashLSHEnsemble`` scheme,
      one sort per band), ``datasketch`` (that class itself) or ``none``.
    - ``containment_sample_rate``: ``sampled`` keeps one shingle in this many.
    Defaults chosen on ``benchmarks/dedup_quality.py`` (see ``benchmarks/README.md``).
    """

    threshold: float = 0.4
    containment: float | None = 0.9
    lsh_threshold: float = 0.3
    sketch: SketchSettings = field(default_factory=SketchSettings)
    min_shingles: int = 20
    representative: str = "longest"
    preferred_sources: tuple[str, ...] = ()
    lsh_backend: str = "numpy"
    containment_candidates: str = "sampled"
    containment_sample_rate: int = 8
    batch_size: int = 500

    @property
    def containment_method(self) -> str:
        """How containment candidates are found: ``containment_candidates``, or ``none``
        when the containment test is off."""
        return self.containment_candidates if self.containment is not None else "none"

    @property
    def shuffles(self) -> bool:
        """Whether candidates can be found by the keyed shuffle of :mod:`.partitioned`
        (band keys and fixed-rate samples are per document). datasketch's ensemble
        methods partition documents by the corpus's set sizes, so they need every
        signature in one place: the detector then gathers the sketches and clusters them
        as :meth:`~.detector.NearDuplicateDetector.fit` does. (``lsh_backend`` gives the
        same candidates either way.)"""
        return self.containment_method in ("sampled", "none")

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("batch_size")
        data.pop("lsh_backend")
        data.pop("containment_candidates")
        data.pop("containment_sample_rate")
        return data


@dataclass
class DedupResult:
    """Clusters found in a corpus, with the settings that found them (the stable JSON shape)."""

    clusters: list[Cluster]
    settings: DedupSettings
    documents: int = 0
    candidates: int = 0
    verified: int = 0
    #: counts of the exact similarities of every pair checked (see :class:`SimilarityCounts`)
    similarities: dict | None = None
    #: connected components of verified pairs split into several clusters (chains, for review)
    related: list[Related] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "clusters": [c.to_dict() for c in self.clusters],
            "related": [r.to_dict() for r in self.related],
            "settings": self.settings.to_dict(),
            "documents": self.documents,
            "candidate_pairs": self.candidates,
            "verified_pairs": self.verified,
        }

    def duplicate_of(self) -> dict[str, tuple[str, Member]]:
        """``{member id: (representative id, member)}`` for every non-representative."""
        return {m.id: (c.representative, m) for c in self.clusters for m in c.members}


class SimilarityCounts:
    """How many checked pairs fall in each of ``BINS`` equal steps of Jaccard and of
    containment (from 0 to 1): what the report draws to help choose a threshold."""

    BINS = 50

    def __init__(self) -> None:
        self.jaccard = [0] * self.BINS
        self.containment = [0] * self.BINS

    def add(self, jaccard: float, containment: float) -> None:
        self.jaccard[min(int(jaccard * self.BINS), self.BINS - 1)] += 1
        self.containment[min(int(containment * self.BINS), self.BINS - 1)] += 1

    def to_dict(self) -> dict:
        return {"bins": self.BINS, "pairs": sum(self.jaccard), "jaccard": self.jaccard,
                "containment": self.containment}


def info_of(doc: Document, length: int | None = None) -> DocInfo:
    """What choosing a representative needs of a document (``length``: of its cleaned text)."""
    date = doc.meta.get("date")
    return DocInfo(doc.id, len(doc.text) if length is None else length, str(date) if date else None, doc.source)
