"""The run report: corpus totals, problems, clusters and settings; and every record of every document.

Two files in the output folder. ``cleancorpus-report.json`` (stable; new keys may be added)::

    {
      "cleancorpus": "0.1.0",
      "input": "seeds", "output": "seeds-clean",
      "settings": {...},
      "totals": {"documents_read": 5, "documents_written": 5, "documents_failed": 0,
                 "lines_removed": 21, "lines_removed_by_rule": {"newsletter-inbox": 4, ...},
                 "words_changed": 6, "duplicate_clusters": 0, "duplicates": 0},
      "problems": [{"path": ..., "line": null, "message": ..., "fatal": true}],
      "records": "cleancorpus-records.jsonl",
      "clusters": [...]
    }

and ``cleancorpus-records.jsonl``, one line per document, written as documents are
processed (so a run's memory does not grow with its records)::

    {"id": ..., "source": ..., "kept_chars": 5120,
     "repairs": [{"line", "old", "new", "fix"}],
     "removed_lines": [{"line", "text", "rule", "detail"}],
     "word_changes": [{"offset", "line", "old", "new", "entry", "pattern" (discovered only)}],
     "duplicate_of": null | {"representative", "jaccard", "containment"}}

Both are described by JSON Schemas shipped in ``cleancorpus/report/schemas/``
(:func:`schema`). ``cleancorpus report`` turns the two into one HTML page
(:mod:`cleancorpus.report.html`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from ..version import __version__
from ..document import Document, DuplicateOf, LineRemoval, TextRepair, WordChange
from ..io import ReadProblem


RECORDS_NAME = "cleancorpus-records.jsonl"
#: Clusters whose texts the report keeps (for the HTML page's side-by-side view), and how
#: much of each text.
EXCERPT_CLUSTERS = 50
EXCERPT_CHARS = 4000


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of ``"records"`` (one line of ``cleancorpus-records.jsonl``) or
    ``"summary"`` (``cleancorpus-report.json``)."""
    from importlib import resources

    if name not in ("records", "summary"):
        raise ValueError(f"no schema {name!r}: 'records' or 'summary'")
    return json.loads(resources.files(__package__).joinpath(f"schemas/{name}.schema.json").read_text("utf-8"))


def _removal(r: LineRemoval) -> dict[str, Any]:
    return {"line": r.line, "text": r.text, "rule": r.rule, "detail": r.detail}


def _change(c: WordChange) -> dict[str, Any]:
    change = {"offset": c.offset, "line": c.line, "old": c.old, "new": c.new, "entry": c.entry}
    if c.pattern:  # (a discovered spelling: which transliteration pattern it was)
        change["pattern"] = c.pattern
    return change


def _repair(r: TextRepair) -> dict[str, Any]:
    return {"line": r.line, "old": r.old, "new": r.new, "fix": r.fix}


def _duplicate(d: DuplicateOf) -> dict[str, Any]:
    return {"representative": d.representative, "jaccard": d.jaccard, "containment": d.containment}


@dataclass
class RunReport:
    """Collects what a run did, document by document, and renders it as JSON or a summary."""

    input: str
    output: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    read: int = 0
    records_out: IO[bytes] | None = None
    problems: list[ReadProblem] = field(default_factory=list)
    write_failures: list[str] = field(default_factory=list)
    written: int = 0
    overwritten: int = 0
    dropped_duplicates: int = 0
    clusters: list[dict[str, Any]] = field(default_factory=list)
    #: connected components of verified pairs split into several clusters (chains, for review)
    related: list[dict[str, Any]] = field(default_factory=list)
    by_rule: Counter = field(default_factory=Counter)
    words_changed: int = 0
    lines_repaired: int = 0
    #: where the records and this report were written (beside a single output file, they
    #: take its name as a prefix: ``out.jsonl.cleancorpus-report.json``)
    records_name: str = RECORDS_NAME
    report_path: str | None = None
    #: files an earlier run wrote into the output folder that this run did not; removed
    #: when ``removed_stale`` (``--clean``), else only listed
    stale_files: list[str] = field(default_factory=list)
    removed_stale: bool = False
    #: the texts of the first clusters' documents (id -> start of the cleaned text), and
    #: the ids wanted (set once the clusters are known, before the last pass)
    excerpts: dict[str, str] = field(default_factory=dict)
    excerpt_ids: set[str] = field(default_factory=set)
    #: histogram of the exact similarities of every verified candidate pair
    similarities: dict[str, Any] | None = None
    #: the spelling groups the name stage discovered (``--apply-discovered``), applied and for review
    discovered_names: list[dict[str, Any]] = field(default_factory=list)
    #: the model applied (``normalize --model``: recurrence and names came from it), or ``None``
    model: str | None = None

    def add(self, doc: Document) -> None:
        """Record one processed document: counted here, its records written to ``records_out``."""
        removed, changes, repairs, duplicate = [], [], [], None
        for record in doc.records:
            if isinstance(record, TextRepair):
                repairs.append(record)
            elif isinstance(record, LineRemoval):
                removed.append(record)
            elif isinstance(record, WordChange):
                changes.append(record)
            elif isinstance(record, DuplicateOf):
                duplicate = record
        self.read += 1
        # per-source rules count under their family (the records keep the source)
        self.by_rule.update(r.rule.split(":")[0] if r.rule.startswith(("recurring:", "template:")) else r.rule
                            for r in removed)
        self.words_changed += len(changes)
        self.lines_repaired += len(repairs)
        if self.records_out is not None:
            line = json.dumps({"id": doc.id, "source": doc.source, "kept_chars": len(doc.text),
                               "repairs": [_repair(r) for r in repairs],
                               "removed_lines": [_removal(r) for r in removed],
                               "word_changes": [_change(c) for c in changes],
                               "duplicate_of": _duplicate(duplicate) if duplicate else None}, ensure_ascii=False)
            self.records_out.write(line.encode("utf-8", errors="backslashreplace") + b"\n")
        if doc.id in self.excerpt_ids:
            self.excerpts[doc.id] = doc.text[:EXCERPT_CHARS]

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
                "documents_read": self.read,
                "documents_written": self.written,
                "documents_failed": self.failed,
                "documents_dropped_as_duplicates": self.dropped_duplicates,
                "lines_removed": sum(self.by_rule.values()),
                "lines_removed_by_rule": dict(sorted(self.by_rule.items())),
                "words_changed": self.words_changed,
                "lines_repaired": self.lines_repaired,
                "duplicate_clusters": len(self.clusters),
                "duplicates": sum(len(c["members"]) for c in self.clusters),
            },
            "problems": [asdict(p) for p in self.problems],
            "write_failures": self.write_failures,
            "records": self.records_name,
            "stale_files": {"removed" if self.removed_stale else "left": self.stale_files},
            "clusters": self.clusters,
            "related": self.related,
            "similarities": self.similarities,
            "excerpts": self.excerpts,
            "discovered_names": self.discovered_names,
            "model": self.model,
        }

    def summary(self) -> str:
        """A short aligned table for the end of a run (numbers with thousands separators)."""
        rows = [("documents read", self.read), ("written", self.written), ("failed", self.failed)]
        if self.dropped_duplicates:
            rows.append(("dropped as duplicates", self.dropped_duplicates))
        rows.append(("lines repaired (mojibake)", self.lines_repaired))
        rows.append(("lines removed", sum(self.by_rule.values())))
        rows += [(f"  {rule}", n) for rule, n in self.by_rule.most_common(8)]
        if len(self.by_rule) > 8:
            rows.append((f"  {len(self.by_rule) - 8} other rules", sum(n for _, n in self.by_rule.most_common()[8:])))
        rows.append(("names changed", self.words_changed))
        rows.append(("duplicate clusters", len(self.clusters)))
        rows.append(("duplicates", sum(len(c["members"]) for c in self.clusters)))
        width = max(len(label) for label, _ in rows)
        digits = max(len(f"{n:,}") for _, n in rows)
        return "\n".join(f"{label:<{width}}  {n:>{digits},}" for label, n in rows)
