"""Clusters of verified duplicate pairs, and the representative each cluster keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

REPRESENTATIVE_RULES = ("longest", "earliest", "source")


class UnionFind:
    """Disjoint sets over hashable items, with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.size: dict = {}

    def find(self, item):
        parent = self.parent.setdefault(item, item)
        self.size.setdefault(item, 1)
        while parent != item:
            grand = self.parent[parent]
            self.parent[item] = grand
            item, parent = parent, grand
        return item

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> list[list]:
        """The sets with two or more items, each sorted, sorted by their first item."""
        result: dict = {}
        for item in self.parent:
            result.setdefault(self.find(item), []).append(item)
        return sorted((sorted(g) for g in result.values() if len(g) > 1), key=lambda g: g[0])


@dataclass(frozen=True)
class DocInfo:
    """What choosing a representative needs to know of a document."""

    id: str
    length: int
    date: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Member:
    """A cluster member with its exact similarity to the representative."""

    id: str
    jaccard: float
    containment: float


@dataclass
class Cluster:
    """A group of near-duplicate documents; ``members`` excludes the representative."""

    representative: str
    members: list[Member] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "representative": self.representative,
            "members": [{"id": m.id, "jaccard": round(m.jaccard, 4), "containment": round(m.containment, 4)}
                        for m in self.members],
        }


def choose_representative(infos: Sequence[DocInfo], rule: str = "longest",
                          preferred_sources: Iterable[str] = ()) -> DocInfo:
    """The document a cluster keeps.

    - ``longest`` (default): the longest cleaned text (the fullest version of the story);
    - ``earliest``: the earliest date (documents without one come last), then longest;
    - ``source``: the first source in ``preferred_sources``, then longest.
    Ties are broken by document id, so the choice never depends on input order.
    """
    if rule == "longest":
        return min(infos, key=lambda d: (-d.length, d.id))
    if rule == "earliest":
        return min(infos, key=lambda d: (d.date is None, d.date or "", -d.length, d.id))
    if rule == "source":
        order = {s: i for i, s in enumerate(preferred_sources)}
        return min(infos, key=lambda d: (order.get(d.source or "", len(order)), -d.length, d.id))
    raise ValueError(f"unknown representative rule {rule!r} ({', '.join(REPRESENTATIVE_RULES)})")
