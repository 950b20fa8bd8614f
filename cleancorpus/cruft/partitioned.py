"""Recurrence learned over partitions: the same recurring lines as
:meth:`RecurrenceModel.fit <.recurrence.RecurrenceModel.fit>` over the whole stream, in
steps that each see one partition or one bucket.

What the one-pass fit decides depends on input order in two places, and both are made
explicit here so that any partitioning gives the same answer:

- a document whose source already had its *story* (same prose lines) is not counted: the
  first document of each ``(source, story)`` in corpus order is (:func:`story_entries`,
  then :func:`repeated_in_bucket` per bucket of story keys);
- sentences are learned from each source's first ``prose_first_docs`` counted documents:
  with every partition's counted documents per source (:func:`counted_per_source`), the
  caller knows each partition's starting rank per source (:func:`rank_offsets`), so the
  learning documents are known (:func:`learning_digests`).

Then each partition counts its short lines and learned sentences (:func:`count_entries`,
split by bucket of digest), each bucket keeps the lines past the thresholds
(:func:`recurring_in_bucket`: the group-by source and line), and :func:`slim_model` builds
the model workers apply, equal to ``RecurrenceModel.recurring_only()`` of the one-pass fit.

Positions are ``(partition number, document number in it)``: corpus order.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..document import Document
from .recurrence import PROSE_MARK, RecurrenceModel, RecurrenceSettings, source_of


@dataclass
class PartitionScan:
    """Recurrence's scan of each document of one partition, in order."""

    part: int
    sources: list[str]
    digests: list[frozenset]
    stories: list[bytes | None]
    ids: list[str]

    def __len__(self) -> int:
        return len(self.sources)


def scan_partition(part: int, documents: Iterable[Document], model: RecurrenceModel) -> PartitionScan:
    """Scan one partition's documents (the earlier stages already applied)."""
    sources, digests, stories, ids = [], [], [], []
    for doc in documents:
        found, story = model.scan(doc)
        sources.append(source_of(doc))
        digests.append(frozenset(found))
        stories.append(story)
        ids.append(doc.id)
    return PartitionScan(part, sources, digests, stories, ids)


def _bucket(key: bytes, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "little") % buckets


def story_entries(scan: PartitionScan, buckets: int) -> list[list[tuple[str, bytes, int, int]]]:
    """Per bucket of story key: ``(source, story, partition, number)`` of each document that has a story."""
    out: list[list[tuple[str, bytes, int, int]]] = [[] for _ in range(buckets)]
    for number, (source, story) in enumerate(zip(scan.sources, scan.stories)):
        if story is not None:
            out[_bucket(source.encode("utf-8", "surrogatepass") + story, buckets)].append(
                (source, story, scan.part, number))
    return out


def repeated_in_bucket(pieces: Sequence[list[tuple[str, bytes, int, int]]]) -> list[tuple[int, int]]:
    """The positions of documents whose ``(source, story)`` came earlier in the corpus."""
    seen: set[tuple[str, bytes]] = set()
    repeated = []
    for source, story, part, number in sorted((e for piece in pieces for e in piece), key=lambda e: (e[2], e[3])):
        if (source, story) in seen:
            repeated.append((part, number))
        else:
            seen.add((source, story))
    return repeated


def id_entries(scan: PartitionScan, buckets: int) -> list[list[tuple[str, int, int]]]:
    """Per bucket of id: ``(id, partition, number)``: what :func:`clashing_ids` looks at."""
    out: list[list[tuple[str, int, int]]] = [[] for _ in range(buckets)]
    for number, doc_id in enumerate(scan.ids):
        out[_bucket(doc_id.encode("utf-8", "surrogatepass"), buckets)].append((doc_id, scan.part, number))
    return out


def clashing_ids(pieces: Sequence[list[tuple[str, int, int]]]) -> list[str]:
    """Ids read in two partitions (a partition renames its own repeats, as the local reader does)."""
    parts: dict[str, set[int]] = defaultdict(set)
    for doc_id, part, _ in (e for piece in pieces for e in piece):
        parts[doc_id].add(part)
    return sorted(i for i, p in parts.items() if len(p) > 1)


def counted_per_source(scan: PartitionScan, repeated: set[int]) -> Counter:
    """How many of the partition's documents each source counts (``repeated``: numbers of
    the partition's documents not counted)."""
    return Counter(s for n, s in enumerate(scan.sources) if n not in repeated)


def rank_offsets(per_partition: Sequence[Counter]) -> list[dict[str, int]]:
    """For each partition, the number of counted documents each source had before it."""
    total: Counter = Counter()
    offsets = []
    for counts in per_partition:
        offsets.append(dict(total))
        total.update(counts)
    return offsets


def _learning_numbers(scan: PartitionScan, repeated: set[int], offsets: dict[str, int],
                      first_docs: int) -> set[int]:
    rank = dict(offsets)
    learning = set()
    for number, source in enumerate(scan.sources):
        if number in repeated:
            continue
        if rank.get(source, 0) < first_docs:
            learning.add(number)
        rank[source] = rank.get(source, 0) + 1
    return learning


def learning_digests(scan: PartitionScan, repeated: set[int], offsets: dict[str, int],
                     settings: RecurrenceSettings) -> dict[str, set[bytes]]:
    """Per source, the sentence digests of the partition's learning documents."""
    learned: dict[str, set[bytes]] = defaultdict(set)
    for number in _learning_numbers(scan, repeated, offsets, settings.prose_first_docs):
        learned[scan.sources[number]].update(d for d in scan.digests[number] if d[0] == PROSE_MARK)
    return dict(learned)


def count_entries(scan: PartitionScan, repeated: set[int], learned: dict[str, set[bytes]],
                  buckets: int) -> list[Counter]:
    """Per bucket of digest, ``Counter((source, digest))`` over the partition's counted
    documents: every short line, and the sentences its source learned."""
    out = [Counter() for _ in range(buckets)]
    for number, (source, digests) in enumerate(zip(scan.sources, scan.digests)):
        if number in repeated:
            continue
        known = learned.get(source, ())
        for digest in digests:
            if digest[0] != PROSE_MARK or digest in known:
                out[int.from_bytes(digest[1:4], "little") % buckets][(source, digest)] += 1
    return out


def recurring_in_bucket(pieces: Sequence[Counter], doc_counts: dict[str, int],
                        settings: RecurrenceSettings) -> dict[str, dict[bytes, int]]:
    """The recurring lines of one bucket, per source, with their document counts."""
    total: Counter = Counter()
    for piece in pieces:
        total.update(piece)
    probe = RecurrenceModel(settings)
    probe.doc_counts = Counter(doc_counts)
    by_source: dict[str, Counter] = defaultdict(Counter)
    for (source, digest), count in total.items():
        by_source[source][digest] = count
    probe.line_counts = by_source
    return {source: dict(probe._recurring_items(source)) for source in by_source}


def slim_model(settings: RecurrenceSettings, doc_counts: dict[str, int],
               recurring: Iterable[dict[str, dict[bytes, int]]], repeated_stories: int) -> RecurrenceModel:
    """The model workers apply: document counts and recurring lines only."""
    model = RecurrenceModel(settings)
    model.doc_counts = Counter(doc_counts)
    for part in recurring:
        for source, counts in part.items():
            model.line_counts[source].update(counts)
    model.repeated_stories = repeated_stories
    return model
