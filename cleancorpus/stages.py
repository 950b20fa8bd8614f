"""The one interface every stage offers, and that the engines use and nothing else.

A stage ``apply``-s to one document at a time (a pure function of the document and what the
stage has learned). A stage that learns from the corpus does so in ``rounds`` (most need
one; recurrence needs two), each of three steps:

- ``partial(part, documents, round) -> state``: what one partition teaches (``part``: the
  partition's number, which orders partitions in the corpus; documents in corpus order;
  every round of a stage sees the same partitions, so a document's position is the same);
- ``merge(states, round) -> state``: one state of several; associative and commutative, so
  any tree of merges in any order gives the same state, and it never changes the states
  it merges (a task run again must find its inputs unchanged);
- ``merge_into(total, state, round)``: the same as ``merge([total, state])``, for a runner
  that owns ``total`` and folds states into it (a stage may add to it in place);
- ``finish(state, round)``: the stage takes what it learned (round ``r + 1``'s ``partial``
  may use what round ``r`` finished).

A ``partial`` may return :class:`Carried`: the state, and what the stage keeps of that
partition for its next round (recurrence keeps each document's line digests, so its second
round scans nothing again); the engine keeps it with the partition (a file beside the
spool, a future on the worker) and hands it back as ``partial(..., carry=...)``.

Stated as datatrove states its steps by rank: ``merge`` of ``partial`` over any split of
the corpus equals one ``partial`` over all of it; tests call the stages so.
The local engine (:mod:`cleancorpus.engines.local`) and the Dask engine
(:mod:`cleancorpus.engines.cluster`) are runners of this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol, Sequence

from .document import Document


@dataclass
class Carried:
    """A partial state, and what its partition carries to the stage's next round."""

    state: Any
    carry: Any


def split_carried(result: Any) -> tuple[Any, Any]:
    """``(state, carry)`` of what ``partial`` returned (``carry`` ``None`` when nothing is kept)."""
    return (result.state, result.carry) if isinstance(result, Carried) else (result, None)


class Stage(Protocol):
    """What an engine needs of a stage."""

    name: str
    #: learning rounds before ``apply`` (0: the stage learns nothing from the corpus)
    rounds: int
    #: ``apply`` costs next to nothing (a lookup): not worth sending documents to a worker for
    light: bool

    def partial(self, part: int, documents: Iterable[Document], round: int = 0, carry: Any = None) -> Any: ...

    def merge(self, states: Sequence[Any], round: int = 0) -> Any: ...

    def finish(self, state: Any, round: int = 0) -> None: ...

    def apply(self, doc: Document) -> Document: ...

    def for_workers(self) -> "Stage": ...

    def label(self, round: int = 0) -> str: ...


class StageBase:
    """Defaults for a stage: nothing to learn, shipped to workers as it is."""

    name = "stage"
    light = False
    #: learned on a cluster by a keyed shuffle of its own instead of a tree of merges
    #: (the near-duplicate stage: band keys to buckets, candidates, verification)
    learns_by_shuffle = False

    @property
    def rounds(self) -> int:
        return 0

    @property
    def needs_fit(self) -> bool:
        """Whether ``apply`` depends on what the corpus teaches (``rounds > 0``)."""
        return self.rounds > 0

    def partial(self, part: int, documents: Iterable[Document], round: int = 0, carry: Any = None) -> Any:
        raise TypeError(f"the {self.name} stage learns nothing from the corpus")

    def merge(self, states: Sequence[Any], round: int = 0) -> Any:
        raise TypeError(f"the {self.name} stage learns nothing from the corpus")

    def finish(self, state: Any, round: int = 0) -> None:
        raise TypeError(f"the {self.name} stage learns nothing from the corpus")

    def merge_into(self, total: Any, state: Any, round: int = 0) -> Any:
        """``merge([total, state])``, for a runner that owns ``total`` (and may let it be
        changed in place: a stage whose merge copies can add ``state`` to it instead)."""
        return self.merge([total, state], round)

    def for_workers(self) -> "StageBase":
        """The copy worker processes get (a stage may slim what ``apply`` does not need)."""
        return self

    def label(self, round: int = 0) -> str:
        """What progress calls learning round ``round``."""
        return f"fitting {self.name}"


def union_of_partitions(states: Sequence[dict]) -> dict:
    """``merge`` for a state that is ``{partition number: what the partition gave}``: the
    union (partitions never overlap, so any order of merges gives the same dict, and the
    states merged are left as they were)."""
    merged: dict = {}
    for state in states:
        merged.update(state)
    return merged


def apply_stages(doc: Document, stages: Sequence[Stage]) -> Document:
    """``doc`` after each of ``stages`` in turn."""
    for stage in stages:
        doc = stage.apply(doc)
    return doc
