"""The run report: every record of every document, corpus totals and the settings used.

``cleancorpus-report.json`` has this shape (stable; new keys may be added)::

    {
      "cleancorpus": "0.1.0",
      "input": "seeds", "output": "seeds-clean",
      "settings": {...},
      "totals": {"documents_read": 5, "documents_written": 5, "documents_failed": 0,
                 "lines_removed": 21, "lines_removed_by_rule": {"newsletter-inbox": 4, ...},
                 "words_changed": 6, "duplicate_clusters": 0, "duplicates": 0},
      "problems": [{"path": ..., "line": null, "message": ..., "fatal": true}],
      "documents": [{"id": ..., "source": ..., "removed_lines": [...],
                     "word_changes": [...], "duplicate_of": null | {...}}],
      "clusters": [...]
    }
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from . import __version__
from .document import Document, DuplicateOf, LineRemoval, WordChange
from .io import ReadProblem


def _strip_id(record: Any) -> dict[str, Any]:
    data = asdict(record)
    data.pop("doc_id", None)
    return data


@dataclass
class RunReport:
    """Collects what a run did, document by document, and renders it as JSON or a summary."""

    input: str
    output: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    write_failures: list[str] = field(default_factory=list)
    written: int = 0
    overwritten: int = 0
    dropped_duplicates: int = 0
    clusters: list[dict[str, Any]] = field(default_factory=list)
    by_rule: Counter = field(default_factory=Counter)
    words_changed: int = 0

    def add(self, doc: Document) -> None:
        """Record one processed document."""
        removed = doc.records_of(LineRemoval)
        changes = doc.records_of(WordChange)
        duplicate = doc.records_of(DuplicateOf)
        self.by_rule.update(r.rule.split(":")[0] if r.rule.startswith("recurring:") else r.rule for r in removed)
        self.words_changed += len(changes)
        self.documents.append({
            "id": doc.id,
            "source": doc.source,
            "removed_lines": [_strip_id(r) for r in removed],
            "word_changes": [_strip_id(r) for r in changes],
            "duplicate_of": _strip_id(duplicate[0]) if duplicate else None,
        })

    @property
    def failed(self) -> int:
        return sum(1 for p in self.problems if p.fatal)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cleancorpus": __version__,
            "input": self.input,
            "output": self.output,
            "settings": self.settings,
            "totals": {
                "documents_read": len(self.documents),
                "documents_written": self.written,
                "documents_failed": self.failed,
                "documents_dropped_as_duplicates": self.dropped_duplicates,
                "lines_removed": sum(self.by_rule.values()),
                "lines_removed_by_rule": dict(sorted(self.by_rule.items())),
                "words_changed": self.words_changed,
                "duplicate_clusters": len(self.clusters),
                "duplicates": sum(len(c["members"]) for c in self.clusters),
            },
            "problems": [asdict(p) for p in self.problems],
            "write_failures": self.write_failures,
            "documents": self.documents,
            "clusters": self.clusters,
        }

    def summary(self) -> str:
        """A short human summary for the end of a run."""
        lines = [
            f"documents: {len(self.documents)} read, {self.written} written, {self.failed} failed"
            + (f", {self.dropped_duplicates} dropped as duplicates" if self.dropped_duplicates else ""),
            f"lines removed: {sum(self.by_rule.values())}"
            + (" (" + ", ".join(f"{rule} {n}" for rule, n in self.by_rule.most_common()) + ")" if self.by_rule else ""),
            f"names changed: {self.words_changed}",
            f"duplicate clusters: {len(self.clusters)}"
            + (f" ({sum(len(c['members']) for c in self.clusters)} duplicates)" if self.clusters else ""),
        ]
        return "\n".join(lines)
