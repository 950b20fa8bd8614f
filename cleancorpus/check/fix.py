"""``check --fix``: apply exactly the reported fixes, keep every other byte, and finish what was begun.

A fix is decided for the whole corpus before any file is written, as a :class:`FixPlan`
per document: the input lines to remove and the words to respell (line, column, old,
new), only those whose findings were reported (selected, not ignored, not in the
baseline). :func:`apply_plan` turns an input text and its plan into the fixed text; it
is a pure function, so the same plan always gives the same file.

- Plain text files are replaced atomically (mode and owner kept; symbolic links, HTML
  and compressed files are never rewritten).
- A JSON Lines file is rewritten once, atomically, changing only the ``text`` value of
  the records that change: every other byte (other fields, their order and spelling,
  blank and malformed lines) stays as it was.
- For a folder, the plans go to a journal (``.cleancorpus-fix-journal.json`` in the
  folder) before the first file is written and the journal is removed after the last.
  A run that was killed in between leaves the journal; the next ``check --fix``
  completes those plans first (recurrence counts would shrink on a half-fixed corpus,
  so re-deciding would give a different result) and ends in the state an uninterrupted
  fix would have reached.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..cruft.remover import CruftRemover, kept_line_indexes
from ..document import Document, TextRepair, WordChange
from ..io import HTML_SUFFIXES, atomic_write_bytes, content_hash, decode_text
from ..io.kinds import base_suffix
from ..names import NameNormalizer
from ..repair import TextRepairer
from .findings import word_ref

JOURNAL = ".cleancorpus-fix-journal.json"
_WS = re.compile(r"[ \t\n\r]*")


class FixMismatch(ValueError):
    """A plan that does not fit the text it is applied to (the file changed since)."""


@dataclass(frozen=True)
class FixPlan:
    """What ``--fix`` changes in one document: lines to repair (whole, first), input line
    numbers to remove, words to respell (columns in the repaired lines)."""

    removed_lines: frozenset[int]
    words: tuple[tuple[int, int, str, str], ...]  # (input line, column, old, new)
    repairs: tuple[tuple[int, str, str], ...] = ()  # (input line, old line, new line)

    def to_json(self) -> dict:
        return {"removed": sorted(self.removed_lines), "words": [list(w) for w in self.words],
                "repairs": [list(r) for r in self.repairs]}

    @classmethod
    def from_json(cls, data: dict) -> "FixPlan":
        removed, words = data.get("removed"), data.get("words")
        if not isinstance(removed, list) or not all(isinstance(n, int) and n > 0 for n in removed):
            raise ValueError("'removed' must be a list of line numbers")
        if not isinstance(words, list) or not all(
                isinstance(w, list) and len(w) == 4 and isinstance(w[0], int) and isinstance(w[1], int)
                and isinstance(w[2], str) and isinstance(w[3], str) for w in words):
            raise ValueError("'words' must be a list of [line, column, old, new]")
        repairs = data.get("repairs", [])
        if not isinstance(repairs, list) or not all(
                isinstance(r, list) and len(r) == 3 and isinstance(r[0], int) and isinstance(r[1], str)
                and isinstance(r[2], str) for r in repairs):
            raise ValueError("'repairs' must be a list of [line, old, new]")
        return cls(frozenset(removed), tuple(tuple(w) for w in words), tuple(tuple(r) for r in repairs))


def plan_fix(doc: Document, remover: CruftRemover, normalizer: NameNormalizer, wanted: set[tuple],
             repairer: TextRepairer | None = None) -> FixPlan | None:
    """The plan that applies the changes of ``doc`` whose finding refs are in ``wanted``.

    The stages see the repaired text, as in ``normalize``; only the repairs asked for are
    written (a name respelled on a line whose repair was not asked for cannot be placed
    and stops that document's fix with a :class:`FixMismatch`)."""
    repaired = repairer.apply(doc) if repairer is not None else doc
    repairs = tuple((r.line, r.old, r.new) for r in repaired.records_of(TextRepair) if ("repair", r.line) in wanted)
    doc = repaired
    removals = remover.removals(doc)
    kept = {i: d for i, d in removals.items() if ("line", i + 1) in wanted}
    partial = remover.apply_removals(doc, kept)
    named = normalizer.apply(partial)
    words = []
    for change in named.records_of(WordChange):
        ref = word_ref(partial.text, change)
        if ref in wanted:
            words.append((change.line, ref[2], change.old, change.new))
    if not kept and not words and not repairs:
        return None
    return FixPlan(frozenset(i + 1 for i in kept), tuple(words), repairs)


def apply_plan(text: str, plan: FixPlan) -> str:
    """The fixed text: the plan's words respelled, then its lines removed (blank lines
    collapsed exactly as the cruft stage collapses them)."""
    lines = text.split("\n")
    for line, old, new in plan.repairs:
        if not 0 < line <= len(lines) or lines[line - 1] != old:
            raise FixMismatch(f"line {line} no longer holds the text to repair")
        lines[line - 1] = new
    by_line: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for line, column, old, new in plan.words:
        by_line[line - 1].append((column, old, new))
    for index, changes in by_line.items():
        if not 0 <= index < len(lines):
            raise FixMismatch(f"line {index + 1} is not in the text")
        current = lines[index]
        for column, old, new in sorted(changes, reverse=True):
            if current[column:column + len(old)] != old:
                raise FixMismatch(f"line {index + 1} no longer holds {old!r} at column {column + 1}")
            current = current[:column] + new + current[column + len(old):]
        lines[index] = current
    removed = {n - 1 for n in plan.removed_lines}
    return "\n".join(lines[i] for i in kept_line_indexes(lines, removed))


def unified_diff_of(doc: Document, plan: FixPlan) -> str:
    """What the plan changes in ``doc``, as a unified diff (``--diff``); a JSON Lines record is
    labelled with its file and line."""
    import difflib

    path = str(doc.meta.get("path") or doc.id)
    where = doc.meta.get("line") or doc.meta.get("row")
    label = f"{path}:{where}" if "fields" in doc.meta and where else path
    before = doc.text.split("\n")
    after = apply_plan(doc.text, plan).split("\n")
    lines = difflib.unified_diff(before, after, fromfile=label, tofile=label, lineterm="")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- JSON Lines


def json_field_span(line: str, name: str) -> tuple[int, int] | None:
    """Where the value of top-level key ``name`` lies in one JSON object (the last one, as
    ``json.loads`` reads duplicate keys), or ``None`` if the line is not such an object."""
    decoder = json.JSONDecoder()
    try:
        i = _WS.match(line, 0).end()
        if line[i:i + 1] != "{":
            return None
        i = _WS.match(line, i + 1).end()
        span = None
        if line[i:i + 1] == "}":
            return None
        while True:
            if line[i:i + 1] != '"':
                return None
            key, i = json.decoder.scanstring(line, i + 1)
            i = _WS.match(line, i).end()
            if line[i:i + 1] != ":":
                return None
            i = _WS.match(line, i + 1).end()
            _, end = decoder.raw_decode(line, i)
            if key == name:
                span = (i, end)
            i = _WS.match(line, end).end()
            if line[i:i + 1] == ",":
                i = _WS.match(line, i + 1).end()
                continue
            return span if line[i:i + 1] == "}" else None
    except ValueError:
        return None


def _json_string(value: str) -> str:
    encoded = json.dumps(value, ensure_ascii=False)
    try:
        encoded.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only the escaped form is valid UTF-8
        encoded = json.dumps(value, ensure_ascii=True)
    return encoded


def rewrite_jsonl(path: Path, new_texts: dict[int, str], text_field: str) -> int:
    """Replace the ``text_field`` value of the records on the given lines (1-based); keep
    every other byte. Returns how many records changed."""
    raw_lines = path.read_bytes().split(b"\n")
    changed = 0
    for number, text in new_texts.items():
        raw = raw_lines[number - 1]
        line = raw.decode("utf-8")
        span = json_field_span(line, text_field)
        if span is None:
            raise FixMismatch(f"line {number} is no longer a record with {text_field!r}")
        raw_lines[number - 1] = (line[:span[0]] + _json_string(text) + line[span[1]:]).encode("utf-8")
        changed += 1
    atomic_write_bytes(path, b"\n".join(raw_lines), make_parents=False, in_place=True)
    return changed


# ---------------------------------------------------------------------------- writing


def _refuses(path: Path) -> str | None:
    if path.is_symlink():
        return f"{path}: is a symbolic link; --fix never replaces a link (fix its target)"
    if base_suffix(path) in HTML_SUFFIXES or path.name.lower().endswith(".gz"):
        return f"{path}: HTML and compressed files are not rewritten in place; use normalize"
    return None


def write_fixes(docs: list[Document], plans: dict[str, FixPlan], input_path: str, text_field: str,
                notes: list[str]) -> list[str]:
    """Write the planned fixes; returns the paths rewritten. Problems go to ``notes``."""
    jsonl: dict[str, dict[int, str]] = defaultdict(dict)
    text_files: list[tuple[Document, Path]] = []
    for doc in docs:
        plan = plans.get(doc.id)
        if plan is None:
            continue
        if "fields" in doc.meta:
            shard = Path(doc.meta["path"])
            if "line" not in doc.meta or shard.name.lower().endswith((".gz", ".zst")):
                note = f"{shard}: Parquet and compressed shards are not rewritten in place; use normalize"
                if note not in notes:
                    notes.append(note)
                continue
            jsonl[doc.meta["path"]][doc.meta["line"]] = apply_plan(doc.text, plan)
            continue
        path = Path(doc.meta["path"])
        reason = _refuses(path)
        if reason:
            notes.append(reason)
        else:
            text_files.append((doc, path))
    written = []
    for name, texts in jsonl.items():
        path = Path(name)
        reason = _refuses(path) if path.is_symlink() else None
        if reason:
            notes.append(reason)
            continue
        try:
            rewrite_jsonl(path, texts, text_field)
            written.append(name)
        except (OSError, FixMismatch, UnicodeDecodeError) as exc:
            notes.append(_not_fixed(path, exc))
    root = Path(input_path)
    journal = root / JOURNAL if root.is_dir() and text_files else None
    if journal is not None:
        entries = [{"path": path.relative_to(root).as_posix(), "before": doc.meta.get("content_hash"),
                    **plans[doc.id].to_json()} for doc, path in text_files]
        try:
            atomic_write_bytes(journal, json.dumps({"version": 1, "files": entries}, ensure_ascii=True)
                               .encode("ascii"), make_parents=False)
        except OSError as exc:
            notes.append(f"{journal}: cannot write the fix journal ({exc.strerror or exc}); nothing was fixed")
            return written
    for doc, path in text_files:
        try:
            atomic_write_bytes(path, apply_plan(doc.text, plans[doc.id]).encode("utf-8", errors="surrogatepass"),
                               make_parents=False, in_place=True)
            written.append(str(path))
        except (OSError, FixMismatch) as exc:
            notes.append(_not_fixed(path, exc))
    if journal is not None:
        journal.unlink(missing_ok=True)
    return written


def _not_fixed(path: Path, exc: Exception) -> str:
    """One line: which file was not fixed, and why (a refusal names the file itself)."""
    message = getattr(exc, "strerror", None) or str(exc)
    return message if message.startswith(str(path)) else f"{path}: not fixed: {message}"


def complete_journal(root: Path, notes: list[str]) -> list[str] | None:
    """Finish a ``--fix`` that was interrupted in ``root``; ``None`` when there was none.

    Each planned file still holding its original content (same hash) is fixed; one already
    fixed is left; one changed since is named in ``notes`` and left alone.
    """
    journal = root / JOURNAL
    if not journal.is_file():
        return None
    written: list[str] = []
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        entries = data["files"]
        if not isinstance(entries, list):
            raise ValueError("'files' is not a list")
        work = []
        for entry in entries:
            rel, before = entry.get("path"), entry.get("before")
            if not isinstance(rel, str) or not isinstance(before, str):
                raise ValueError("an entry needs 'path' and 'before'")
            path = root / rel
            if not path.resolve().is_relative_to(root.resolve()) or path.is_symlink():
                raise ValueError(f"{rel!r} is outside the folder or a link")
            work.append((path, before, FixPlan.from_json(entry)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        notes.append(f"{journal}: an unusable fix journal ({reason}); removed, nothing applied from it")
        journal.unlink(missing_ok=True)
        return []
    for path, before, plan in work:
        try:
            data = path.read_bytes()
            if content_hash(data) != before:
                continue  # fixed already, or edited since: not ours to change
            text, _ = decode_text(data)
            atomic_write_bytes(path, apply_plan(text, plan).encode("utf-8", errors="surrogatepass"),
                               make_parents=False, in_place=True)
            written.append(str(path))
        except (OSError, ValueError) as exc:
            notes.append(_not_fixed(path, exc))
    journal.unlink(missing_ok=True)
    notes.append(f"completed an interrupted --fix from {journal}: {len(written)} more file(s) fixed "
                 f"({len(work)} planned)")
    return written
