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

A stage whose state is as large as the corpus (the near-duplicate stage: every document's
signature and shingle set) ``learns_by_shuffle`` instead: its ``partial`` returns a small
state and carries the large part (the partition's sketches); after the round the runner
calls ``finish_by_shuffle(state, held, exchange)`` instead of ``finish``, with ``held`` the
carried parts (as :class:`Exchange` handles) and an :class:`Exchange` that runs the stage's
keyed steps where the engine runs tasks (band keys to buckets, candidates to the partitions
of their documents...). The stage's logic stays in the stage; the engine moves the pieces.

Stated as datatrove states its steps by rank: ``merge`` of ``partial`` over any split of
the corpus equals one ``partial`` over all of it; tests call the stages so.
The local engine (:mod:`cleancorpus.engines.local`) and the Dask engine
(:mod:`cleancorpus.engines.cluster`) are runners of this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence

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
    #: finished by ``finish_by_shuffle`` on an :class:`Exchange` instead of ``finish``
    learns_by_shuffle: bool

    def partial(self, part: int, documents: Iterable[Document], round: int = 0, carry: Any = None) -> Any: ...

    def merge(self, states: Sequence[Any], round: int = 0) -> Any: ...

    def finish(self, state: Any, round: int = 0) -> None: ...

    def finish_by_shuffle(self, state: Any, held: Sequence[Any], exchange: Exchange, round: int = 0) -> None: ...

    def apply(self, doc: Document) -> Document: ...

    def for_workers(self) -> "Stage": ...

    def label(self, round: int = 0) -> str: ...


class Exchange(Protocol):
    """Where a stage that learns by shuffle runs its keyed steps (see the module docstring).

    A *handle* stands for a value kept where the tasks run (a file, a Dask future); a task's
    arguments may be handles, or lists of handles, and it gets their values."""

    #: buckets a keyed step should spread its keys over (a few per worker)
    buckets: int

    def run(self, function: Callable, tasks: Sequence[tuple], label: str, pieces: int = 0) -> list:
        """A handle of ``function(*args)`` for each ``args`` of ``tasks``; with ``pieces=k``, the
        result is a sequence of ``k`` pieces and each task gives a list of ``k`` handles (a task
        that needs one piece then never loads the others)."""
        ...

    def gather(self, handles: Sequence[Any]) -> list:
        """The values of ``handles``."""
        ...

    def share(self, value: Any) -> Any:
        """A handle of ``value`` (for a large value several tasks take)."""
        ...


class InMemoryExchange:
    """An :class:`Exchange` in this process, handles being the values themselves: for a
    caller that runs a stage's rounds by hand (tests, a notebook)."""

    buckets = 2

    def run(self, function: Callable, tasks: Sequence[tuple], label: str = "", pieces: int = 0) -> list:
        results = [function(*args) for args in tasks]
        return [list(r) for r in results] if pieces else results

    def gather(self, handles: Sequence[Any]) -> list:
        return list(handles)

    def share(self, value: Any) -> Any:
        return value


class StageBase:
    """Defaults for a stage: nothing to learn, shipped to workers as it is."""

    name = "stage"
    light = False
    #: finished by a keyed shuffle of its own (``finish_by_shuffle``) instead of ``finish``
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

    def finish_by_shuffle(self, state: Any, held: Sequence[Any], exchange: Exchange, round: int = 0) -> None:
        """``finish`` of a stage that ``learns_by_shuffle`` (see the module docstring)."""
        raise TypeError(f"the {self.name} stage does not learn by shuffle")

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
