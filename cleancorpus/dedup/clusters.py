"""Clusters of verified duplicate pairs, and the representative each cluster keeps.

Clusters do not chain. Connected components of verified pairs would: if a~b and b~c are
duplicates but a and c share two paragraphs of eight, a component holds all three and
dropping every non-representative drops a story that duplicates nothing kept. So
:func:`greedy_clusters` takes each component's documents in the representative order
(the ``--representative`` rule) and keeps a document unless it verifies against a
document already kept, to which it is then attached: every member of a cluster is a
verified near-duplicate of its own representative, and a chain becomes several
clusters. The components are still reported, as :class:`Related` groups, for people
who want to review chains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Mapping, Sequence

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


@dataclass(frozen=True)
class Related:
    """A connected component of verified pairs that is more than one cluster: a chain
    (a~b~c with a and c unlike) or a star whose points are unlike each other.

    ``documents``: every document of the component; ``kept``: the ones it keeps (the
    representatives of its clusters and documents kept alone), both in id order. Only
    for review: nothing is dropped because of a related group.
    """

    documents: list[str]
    kept: list[str]

    def to_dict(self) -> dict:
        return {"documents": self.documents, "kept": self.kept}


#: A document with more verified neighbours than this proposes no pairs of them (a hub:
#: its neighbours' pairs would grow with the square of its degree).
TWO_HOP_DEGREE = 64


def two_hop_pairs(edges: Iterable[tuple[int, int]], max_degree: int = TWO_HOP_DEGREE) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of documents that are not a verified pair but share a
    verified neighbour (of at most ``max_degree`` neighbours), sorted.

    LSH and the signature estimate miss some true pairs (an excerpt whose Jaccard
    estimate is low against an edited copy); when the copy was attached to the original,
    the excerpt's one verified pair would be with a document that is not kept, and it
    would be kept alone. Checking these pairs exactly before clustering gives the greedy
    pass the verified pairs it needs; they are verified like any other candidate, so
    nothing is flagged that does not pass a threshold.
    """
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        if a != b:
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
    found = set()
    for node, around in neighbours.items():
        if len(around) > max_degree:
            continue
        ordered = sorted(around)
        for x in range(len(ordered)):
            for y in range(x + 1, len(ordered)):
                i, j = ordered[x], ordered[y]
                if j not in neighbours[i]:
                    found.add((i, j))
    return sorted(found)


def representative_order(rule: str = "longest", preferred_sources: Iterable[str] = ()) -> Callable[[DocInfo], tuple]:
    """The sort key of the representative order: the first document by it is kept first.

    - ``longest`` (default): the longest cleaned text (the fullest version of the story);
    - ``earliest``: the earliest date (documents without one come last), then longest;
    - ``source``: the first source in ``preferred_sources``, then longest.
    Ties are broken by document id, so the order never depends on input order.
    """
    if rule == "longest":
        return lambda d: (-d.length, d.id)
    if rule == "earliest":
        return lambda d: (d.date is None, d.date or "", -d.length, d.id)
    if rule == "source":
        order = {s: i for i, s in enumerate(preferred_sources)}
        return lambda d: (order.get(d.source or "", len(order)), -d.length, d.id)
    raise ValueError(f"unknown representative rule {rule!r} ({', '.join(REPRESENTATIVE_RULES)})")


def choose_representative(infos: Sequence[DocInfo], rule: str = "longest",
                          preferred_sources: Iterable[str] = ()) -> DocInfo:
    """The first of ``infos`` in the representative order (see :func:`representative_order`)."""
    return min(infos, key=representative_order(rule, preferred_sources))


def closest_kept(neighbours: Iterable[tuple[Hashable, float, float]], kept, rank: Mapping) -> tuple | None:
    """``(other, jaccard, containment)`` of the kept document among ``neighbours`` (verified
    pairs ``(other, jaccard, containment)``) a document is most similar to, or None: the
    highest containment, then Jaccard, then the lower ``rank[other]`` (earlier in the order)."""
    best = None
    for other, jaccard, containment in neighbours:
        if other in kept:
            score = (-containment, -jaccard, rank[other])
            if best is None or score < best[0]:
                best = (score, other, jaccard, containment)
    return None if best is None else best[1:]


def greedy_clusters(edges: Iterable[tuple[Hashable, Hashable, float, float]], infos: Mapping | Sequence,
                    rule: str = "longest", preferred_sources: Iterable[str] = ()) -> tuple[list[Cluster], list[Related]]:
    """Clusters in which every member is a verified duplicate of its representative.

    ``edges``: the verified pairs ``(a, b, jaccard, containment)``, keyed by anything
    ``infos[key]`` finds the :class:`DocInfo` of (a row index, a global index). Per
    connected component, documents are taken in the representative order; one is
    attached to the kept document it is most similar to among the kept documents it has
    a verified pair with, and is kept itself when there is none. Most similar: the
    highest containment (the share of the smaller text found in the other; never below
    the Jaccard), then Jaccard, then the earlier in the order, so an excerpt goes to the
    article it was cut from rather than to a story that quotes a passage of it. The cost is one sort per component
    plus one look at each edge from each end: linear in the edges.

    Returns the clusters (members in id order, clusters by representative id) and the
    :class:`Related` groups of the components that were split.
    """
    key = representative_order(rule, preferred_sources)
    neighbours: dict = {}
    groups = UnionFind()
    for a, b, jaccard, containment in edges:
        if a == b:
            continue
        neighbours.setdefault(a, []).append((b, jaccard, containment))
        neighbours.setdefault(b, []).append((a, jaccard, containment))
        groups.union(a, b)
    clusters: list[Cluster] = []
    related: list[Related] = []
    for component in groups.groups():
        order = sorted(component, key=lambda k: key(infos[k]))
        rank = {k: position for position, k in enumerate(order)}
        kept: dict = {}
        for node in order:
            found = closest_kept(neighbours[node], kept, rank)
            if found is None:
                kept[node] = []
            else:
                other, jaccard, containment = found
                kept[other].append(Member(infos[node].id, jaccard, containment))
        for rep, members in kept.items():
            if members:
                clusters.append(Cluster(infos[rep].id, sorted(members, key=lambda m: m.id)))
        if len(kept) > 1:
            related.append(Related(sorted(infos[k].id for k in component), sorted(infos[k].id for k in kept)))
    clusters.sort(key=lambda c: c.representative)
    related.sort(key=lambda r: r.documents[0])
    return clusters, related
