"""Recurrence learned over partitions: mergeable states that give exactly what
:meth:`RecurrenceModel.fit <.recurrence.RecurrenceModel.fit>` gives over the whole stream,
whatever the partitions and the order their states are merged in.

The one-pass fit depends on input order in two places:

- a document whose source already had its *story* (same prose lines) is not counted: the
  first copy in corpus order is;
- sentences are learned from each source's first ``prose_first_docs`` counted documents.

So learning takes two rounds, each a ``partial`` per partition, a ``merge`` (associative
and commutative) and a ``finish``:

1. :class:`StoryState`: per ``(source, story)`` its first position and number of copies,
   and per source the ``prose_first_docs`` earliest documents that are first of their story
   *within the state*, with their sentence digests. That is enough: a document first of its
   story in the union of two states is first in its own, and has at least as many such
   documents before it in the union as in its own state (every one before it in its own
   state that is not first in the union is a copy of a distinct story whose first copy, in
   the other state, comes earlier still). :meth:`StoryState.finish` gives a
   :class:`StoryPlan`: the later copies to skip, the sentences learned, the counts.
2. :class:`LineCounts`: with the plan, each partition counts its counted documents' short
   lines and learned sentences; counts add up.

Positions are ``(partition number, document number in it)``, packed into one int
(:func:`position`): corpus order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..document import Document
from .recurrence import PROSE_MARK, RecurrenceModel, RecurrenceSettings, source_of

#: Documents a partition may hold (the low bits of a packed position).
_PART_SHIFT = 32


def position(part: int, number: int) -> int:
    """Corpus order of document ``number`` (from 0) of partition ``part``, as one int."""
    return (part << _PART_SHIFT) | number


#: ``(source, digests of its short lines and sentences, story key)`` of one document
Scan = tuple


def scan_documents(documents: Iterable[Document], model: RecurrenceModel, memo: Any = None) -> list[Scan]:
    """Each document's :meth:`RecurrenceModel.scan`, with its source: all both rounds need.
    ``memo``: where scans of unchanged documents come from (``memo.scan_of(doc, model)``,
    which scans only what it does not have: the check cache), else every document is scanned."""
    if memo is None:
        return [(source_of(doc), *model.scan(doc)) for doc in documents]
    return [(source_of(doc), *memo.scan_of(doc, model)) for doc in documents]


@dataclass
class StoryState:
    """Round 1 of learning recurrence (see the module docstring); a value: merging never
    changes the states merged."""

    #: source -> story -> (first position, copies)
    firsts: dict[str, dict[bytes, tuple[int, int]]] = field(default_factory=dict)
    #: source -> documents with no prose line (each its own story)
    storyless: Counter = field(default_factory=Counter)
    #: source -> the earliest documents first of their story here: ``(position, story, sentence digests)``
    candidates: dict[str, list[tuple[int, bytes | None, frozenset]]] = field(default_factory=dict)

    @classmethod
    def of_partition(cls, part: int, documents: Iterable[Document], model: RecurrenceModel) -> "StoryState":
        """The state of one partition's documents (the earlier stages already applied)."""
        return cls.of_scans(part, scan_documents(documents, model), model.settings)

    @classmethod
    def of_scans(cls, part: int, scans: "Sequence[Scan]", settings: RecurrenceSettings) -> "StoryState":
        """The state of one partition from its documents' scans (:func:`scan_documents`)."""
        state = cls()
        keep = settings.prose_first_docs
        for number, (source, digests, story) in enumerate(scans):
            at = position(part, number)
            candidates = state.candidates.setdefault(source, [])
            wanted = len(candidates) < keep
            if wanted:
                sentences = frozenset(d for d in digests if d[0] == PROSE_MARK)
            if story is None:
                state.storyless[source] += 1
            else:
                stories = state.firsts.setdefault(source, {})
                seen = stories.get(story)
                if seen is not None:
                    stories[story] = (seen[0], seen[1] + 1)
                    continue
                stories[story] = (at, 1)
            if wanted:
                candidates.append((at, story, sentences))
        return state

    @classmethod
    def merge(cls, states: Sequence["StoryState"], settings: RecurrenceSettings) -> "StoryState":
        """One state of all of ``states``' documents (in any order, any grouping); the
        states are left as they are (:meth:`absorb` copies what it keeps of them)."""
        merged = cls()
        for state in states:
            merged.absorb(state, settings)
        return merged

    def absorb(self, state: "StoryState", settings: RecurrenceSettings) -> "StoryState":
        """Add ``state`` to this one in place (what :meth:`merge` of both gives); returns self."""
        for source, stories in state.firsts.items():
            into = self.firsts.get(source)
            if into is None:
                self.firsts[source] = dict(stories)
                continue
            for story, (at, copies) in stories.items():
                seen = into.get(story)
                into[story] = (at, copies) if seen is None else (min(at, seen[0]), copies + seen[1])
        self.storyless.update(state.storyless)
        keep = settings.prose_first_docs
        for source in set(state.candidates) | set(state.firsts):  # (only their firsts changed)
            stories = self.firsts.get(source, {})
            pooled = sorted([*self.candidates.get(source, ()), *state.candidates.get(source, ())], key=lambda c: c[0])
            self.candidates[source] = [c for c in pooled if c[1] is None or stories[c[1]][0] == c[0]][:keep]
        return self

    def finish(self) -> "StoryPlan":
        plan = StoryPlan()
        for source, stories in self.firsts.items():
            plan.doc_counts[source] += len(stories)
            for story, (at, copies) in stories.items():
                if copies > 1:
                    plan.firsts[(source, story)] = at
                    plan.repeated_stories += copies - 1
        plan.doc_counts.update(self.storyless)
        for source, candidates in self.candidates.items():
            learned: set[bytes] = set()
            for _, _, sentences in candidates:
                learned |= sentences
            if learned:
                plan.learned[source] = frozenset(learned)
        return plan


@dataclass
class StoryPlan:
    """What round 1 decided: which documents count and which sentences are learned."""

    doc_counts: Counter = field(default_factory=Counter)
    #: ``(source, story)`` of stories with several copies -> the position of the one counted
    firsts: dict[tuple[str, bytes], int] = field(default_factory=dict)
    #: source -> the sentence digests of its learning documents
    learned: dict[str, frozenset] = field(default_factory=dict)
    repeated_stories: int = 0


@dataclass
class LineCounts:
    """Round 2: per source, in how many counted documents each short line (and learned
    sentence) occurs. Counts add up, so any merge order gives the same state."""

    counts: dict[str, Counter] = field(default_factory=dict)

    @classmethod
    def of_partition(cls, part: int, documents: Iterable[Document], model: RecurrenceModel,
                     plan: StoryPlan) -> "LineCounts":
        return cls.of_scans(part, scan_documents(documents, model), plan)

    @classmethod
    def of_scans(cls, part: int, scans: "Sequence[Scan]", plan: StoryPlan) -> "LineCounts":
        """The counts of one partition from its documents' scans (kept from round 1)."""
        state = cls()
        for number, (source, digests, story) in enumerate(scans):
            if story is not None:
                first = plan.firsts.get((source, story))
                if first is not None and first != position(part, number):
                    continue  # a later copy of a story its source counts once
            learned = plan.learned.get(source, ())
            counts = state.counts.get(source)
            if counts is None:
                counts = state.counts[source] = Counter()
            for digest in digests:
                if digest[0] != PROSE_MARK or digest in learned:
                    counts[digest] += 1
        return state

    @classmethod
    def merge(cls, states: Sequence["LineCounts"]) -> "LineCounts":
        merged = cls()
        for state in states:
            merged.absorb(state)
        return merged

    def absorb(self, state: "LineCounts") -> "LineCounts":
        """Add ``state``'s counts to this one in place; returns self."""
        for source, counts in state.counts.items():
            into = self.counts.get(source)
            if into is None:
                self.counts[source] = Counter(counts)
            else:
                into.update(counts)
        return self

    def finish(self, settings: RecurrenceSettings, plan: StoryPlan) -> RecurrenceModel:
        """The fitted model: what the one-pass fit of the same documents holds (counts of
        every short line and learned sentence; no story keys, which only fitting needs)."""
        model = RecurrenceModel(settings)
        model.doc_counts = Counter(plan.doc_counts)
        model.line_counts = defaultdict(Counter, {s: Counter(c) for s, c in self.counts.items()})
        model.repeated_stories = plan.repeated_stories
        return model
