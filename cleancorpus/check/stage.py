"""``check`` as one stage of the engines' plan: what ``normalize`` learns, then each
document's findings (and sketch) computed where its partition is read.

:class:`CheckStage` holds the stages ``normalize`` runs and learns as they do, round by
round (:mod:`cleancorpus.stages`), on either engine:

- the cruft stage's rounds (recurring lines per source), on the repaired documents;
- the name stage's discovery round, when CC202 is selected or discovered names are applied;
- a last round, *checking*: each document is cleaned and compared with what was read:
  its findings (CC1xx-CC4xx, :mod:`.findings`) and, for CC301, its MinHash sketch. Its
  state is those per-document results (:class:`Checked`), merged by partition; with CC301
  the round learns by shuffle (:mod:`cleancorpus.stages`): each partition's sketches are
  carried, and the near-duplicate stage's keyed steps find the clusters where the engine
  runs tasks, so the sketches never reach the main process (only the clusters do).

Why one stage made of stages, and not the stages in a row as ``normalize`` runs them: a
finding compares a document as read, after cruft and after names, so all three texts
must be at hand at once; and a document unchanged since a cached run, in a source whose
recurring lines are unchanged, must not be cleaned at all (its findings and sketch come
from the cache, :class:`~.cache.CacheMemo`), which a stage that only sees an already
cleaned document cannot decide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..config import Settings
from ..cruft.recurrence import source_of
from ..dedup.detector import NearDuplicateDetector
from ..dedup.partitioned import PartitionSketch
from ..dedup.results import DedupResult, DocInfo, info_of
from ..dedup.signatures import sketch_texts
from ..document import Document
from ..pipeline import build_stages
from ..repair import TextRepairer
from ..stages import Carried, Exchange, StageBase, union_of_partitions
from .codes import Finding
from .findings import change_findings, document_findings, line_of

#: what a cache entry holds for a document checked without CC301 (no sketch)
NO_SIGNATURE = np.zeros(0, dtype=np.uint64)
NO_SHINGLES = np.zeros(0, dtype=np.uint32)


def reported_path(doc: Document, input_path: str) -> str:
    """The path a finding names: the document's file, else its id under the input."""
    return str(doc.meta.get("path") or Path(input_path) / doc.id)


@dataclass
class Checked:
    """What checking one document gave."""

    id: str
    #: where its findings point (CC301 too)
    path: str
    line: int | None
    findings: list[Finding]
    #: what choosing a near-duplicate cluster's representative needs
    info: DocInfo
    #: its MinHash sketch (CC301 only; empty arrays otherwise)
    signature: np.ndarray
    shingles: np.ndarray
    #: its entry in the check cache (``None``: not cacheable, no content hash or no cache)
    key: str | None
    #: the entry came from the cache
    cached: bool
    #: the document as read, kept only when it has a fixable finding and fixes are wanted
    original: Document | None = None


class CachedScans:
    """The recurrence scans the cruft stage learns from, as the check cache has them: a
    document it has not scanned (new or changed) is repaired, then scanned and kept."""

    def __init__(self, memo: Any, repairer: TextRepairer) -> None:
        self.memo, self.repairer = memo, repairer

    def scan_of(self, doc: Document, model: Any) -> tuple:
        return self.memo.scan(doc.meta.get("content_hash"), lambda: model.scan(self.repairer.apply(doc)))


class CheckStage(StageBase):
    """The check of a corpus as a stage (see the module docstring). After the plan has run
    it (``fit_stages``), :attr:`checked` holds every document's :class:`Checked`, in corpus
    order, and :attr:`remover` / :attr:`normalizer` / :attr:`repairer` are fitted (what
    ``--fix`` needs to rewrite a document)."""

    name = "check"

    def __init__(self, settings: Settings, codes: set[str], base: str = "", *, fingerprint: str = "",
                 memo: Any = None, keep_fixable: bool = False, model: Any = None, model_path: str = "") -> None:
        self.check = settings.check
        self.base = base
        self.fingerprint = fingerprint
        #: where unchanged documents' scans, extractions and results come from (:class:`~.cache.CacheMemo`)
        self.memo = memo
        self.keep_fixable = keep_fixable
        self.sketching = "CC301" in codes
        self.sketch_settings = settings.dedup.sketch
        #: with CC301 the checking round learns by shuffle (see the module docstring)
        self.learns_by_shuffle = self.sketching
        self.detector = NearDuplicateDetector(settings.dedup) if self.sketching else None
        #: the near-duplicate clusters, once checked with CC301
        self.duplicates: DedupResult | None = None
        self.discovering = "CC202" in codes
        self.repairer = TextRepairer(settings.repair)
        self.remover, self.normalizer = build_stages(settings, dedup=False, repair=False,
                                                     discover_names=self.discovering)
        if model is not None:  # (a saved model: the stages learn nothing, so the plan below has no rounds for them)
            from ..model import use_model

            use_model(model, [self.remover, self.normalizer], settings, where=model_path)
        self.remover.scan_memo = CachedScans(memo, self.repairer) if memo is not None else None
        self.recurrence = settings.cruft.recurrence
        #: a fingerprint of the names discovered (part of a cache key: new variants, new findings)
        self.names_state = "-"
        #: ``(stage, its round)`` of each round of this stage; ``None``: the checking round
        self.plan: list[tuple[Any, int] | None] = [
            *((self.remover, r) for r in range(self.remover.rounds)),
            *((self.normalizer, r) for r in range(self.normalizer.rounds)), None]
        self.checked: list[Checked] = []

    @property
    def rounds(self) -> int:
        return len(self.plan)

    def label(self, round: int = 0) -> str:
        step = self.plan[round]
        if step is None:
            return "checking"
        if step[0] is self.remover:
            return ("reading", "counting recurring lines")[step[1]]
        return "discovering names"

    # ---------------------------------------------------------------- learning

    def partial(self, part: int, documents: Iterable[Document], round: int = 0, carry: Any = None) -> Any:
        step = self.plan[round]
        try:
            if step is None:
                return self.checked_partition(part, self.check_documents(documents))
            stage, inner = step
            repaired = (self.repairer.apply(doc) for doc in documents)
            if stage is self.remover:  # (with the cache, only documents it has not scanned are repaired)
                return stage.partial(part, documents if self.memo is not None else repaired, inner, carry=carry)
            return stage.partial(part, (self.remover.apply(doc) for doc in repaired), inner)
        finally:
            if self.memo is not None:
                self.memo.commit()  # this partition's scans and extractions, for the next run

    def merge(self, states: Sequence[Any], round: int = 0) -> Any:
        step = self.plan[round]
        if step is None:
            return union_of_partitions(states)
        return step[0].merge(states, step[1])

    def merge_into(self, total: Any, state: Any, round: int = 0) -> Any:
        step = self.plan[round]
        if step is None:
            total.update(state)
            return total
        return step[0].merge_into(total, state, step[1])

    def finish(self, state: Any, round: int = 0) -> None:
        step = self.plan[round]
        if step is None:
            self.checked = [checked for part in sorted(state) for checked in state[part][0]]
            return
        stage, inner = step
        stage.finish(state, inner)
        if stage is self.remover and inner == stage.rounds - 1:
            # only the recurring lines' counts from here on: all cleaning and the cache keys
            # look at, and what the next rounds ship to every worker
            self.remover = self.remover.for_workers()
            self.plan = [(self.remover, s[1]) if s is not None and s[0] is stage else s for s in self.plan]
        if stage is self.normalizer:
            found = sorted(repr(v.to_entry()) for v in self.normalizer.discovered)
            self.names_state = hashlib.blake2b("\n".join(found).encode("utf-8", "surrogatepass"),
                                               digest_size=8).hexdigest()

    def finish_by_shuffle(self, state: Any, held: Sequence[Any], exchange: Exchange, round: int = 0) -> None:
        """``finish``, and after the checking round the near-duplicate clusters, found by the
        detector's shuffle over the sketches the partitions carried (``held``)."""
        self.finish(state, round)
        if self.plan[round] is None and self.detector is not None:
            self.detector.finish_by_shuffle({part: found[1] for part, found in state.items()}, held, exchange)
            self.duplicates = self.detector.result

    def checked_partition(self, part: int, checked: list[Checked]) -> Any:
        """The checking round's state of a partition: ``{part: (its Checked, the
        near-duplicate stage's state)}``; with CC301 the sketches leave the Checked and are
        carried, as the detector carries them, for :meth:`finish_by_shuffle`."""
        if not self.sketching:
            return {part: (checked, None)}
        width = self.sketch_settings.num_perm
        signatures = np.stack([c.signature for c in checked]) if checked else np.zeros((0, width), dtype=np.uint64)
        sketch = PartitionSketch(0, [c.info for c in checked], signatures, [c.shingles for c in checked])
        for c in checked:
            c.signature, c.shingles = NO_SIGNATURE, NO_SHINGLES
        found = self.detector.carried_sketch(part, [c.id for c in checked], sketch)
        return Carried({part: (checked, found.state[part])}, found.carry)

    def apply(self, doc: Document) -> Document:
        """The document cleaned as ``normalize`` cleans it (near-duplicates aside)."""
        return self.normalizer.apply(self.remover.apply(self.repairer.apply(doc)))

    # ---------------------------------------------------------------- checking

    def cache_key(self, doc: Document, path: str, line: int | None, states: dict[str, str]) -> str | None:
        """The document's entry in the check cache: its content, its source's recurrence
        state, the names discovered, and where its findings point (two copies of one text
        in two files or records are two entries, or one would get the other's findings)."""
        content = doc.meta.get("content_hash")
        if self.memo is None or not content:
            return None
        state = "-"
        if self.recurrence:
            source = source_of(doc)
            state = states.get(source) or states.setdefault(source, self.remover.recurrence.state_of(source))
        return (f"{self.fingerprint}:{content}:{state}:{self.discovering}:{self.names_state}:{self.sketching}:"
                f"{path}:{line}")

    def check_documents(self, documents: Iterable[Document]) -> list[Checked]:
        """:class:`Checked` of each document (one partition's, in order): from the cache
        when it has the document's entry, else cleaned, compared and sketched (in one batch)."""
        found: list[Checked] = []
        states: dict[str, str] = {}  # a source's state is fixed once fitted: fingerprinted once
        fresh: list[tuple[int, str]] = []
        for doc in documents:
            path, line = reported_path(doc, self.base), line_of(doc, None)
            key = self.cache_key(doc, path, line, states)
            entry = self.memo.document(key) if key is not None else None
            if entry is not None:
                findings, signature, shingles, length = entry
                found.append(Checked(doc.id, path, line, findings, info_of(doc, length), signature, shingles, key,
                                     True, self._original(doc, findings)))
                continue
            after_cruft = self.remover.apply(self.repairer.apply(doc))
            cleaned = self.normalizer.apply(after_cruft)
            findings = (change_findings(cleaned, path, after_cruft.text)
                        + document_findings(doc, cleaned, path, self.check))
            fresh.append((len(found), cleaned.text))
            found.append(Checked(doc.id, path, line, findings, info_of(doc, len(cleaned.text)), NO_SIGNATURE,
                                 NO_SHINGLES, key, False, self._original(doc, findings)))
        if self.sketching and fresh:
            sketch = sketch_texts([text for _, text in fresh], self.sketch_settings)
            for number, (at, _) in enumerate(fresh):
                found[at].signature = sketch.signatures[number].copy()
                found[at].shingles = sketch.shingle_sets[number].copy()
        if self.memo is not None:  # written here, where the sketches are (committed with the partition)
            for checked in found:
                if checked.key is not None and not checked.cached:
                    self.memo.put_document(checked.key, checked.findings, checked.signature, checked.shingles,
                                           checked.info.length)
        return found

    def _original(self, doc: Document, findings: list[Finding]) -> Document | None:
        return doc if self.keep_fixable and any(f.fixable for f in findings) else None
