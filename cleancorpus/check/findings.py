"""Findings of one document: from the records the stages left, and from the text itself."""

from __future__ import annotations

import os

import regex

from ..config import CheckSettings
from ..document import Document, LineRemoval, TextRepair, WordChange
from .codes import Finding
from .language import language_mismatch

SECTION_RULES = ("comment-section", "comment-metadata", "end-matter-heading")
NEAR_EMPTY_WORDS = 5

_MOJIBAKE = regex.compile(r"â€[™œ\x9d“”˜¦¢\x94\x93]|Ã[©¨¤¶¼±§¡³­ª¹º]|Ã\s|Â[\xa0 ©®°·]|Ð[°±²³µ¸¾]Ñ")
_WORDS = regex.compile(r"\p{L}+")
def line_of(doc: Document, line: int | None) -> int | None:
    """Findings inside a JSON Lines record point at the record's line."""
    return doc.meta.get("line") if "fields" in doc.meta else line


def in_record(doc: Document, line: int | None = None) -> str:
    """For a finding in a record of a JSON Lines or Parquet file (whose reported line is the
    record's line in the file): which record, and the line in its text, labelled."""
    if "fields" not in doc.meta:
        return ""
    return f" [record {doc.id}" + (f", line {line} of its text]" if line else "]")


def cruft_code(rule: str) -> str:
    """The finding code of a cruft rule id."""
    if rule.startswith("recurring:"):
        return "CC102"
    if rule == "repeat":
        return "CC103"
    if rule in SECTION_RULES:
        return "CC104"
    return "CC101"


def name_code(entry: str, table_code: str = "CC201") -> str:
    """The finding code of a name change: discovered entries are CC202."""
    return "CC202" if entry.startswith("discovered:") else table_code


def _span(line: str) -> tuple[int, int] | tuple[()]:
    """``(column, end column)`` of a line's text without its surrounding white space."""
    stripped = line.strip()
    if not stripped:
        return ()
    start = len(line) - len(line.lstrip()) + 1
    return start, start + len(stripped)


def _changed_span(old: str, new: str) -> tuple[int, int] | tuple[()]:
    """``(column, end column)`` of what a repair changed in a line: from the first character
    that differs to just after the last."""
    start = len(os.path.commonprefix([old, new]))
    end = len(old) - len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))
    return (start + 1, max(end, start) + 1) if old != new else _span(old)


def word_ref(text: str, change: WordChange) -> tuple:
    """Where a word change is, independent of which other lines were removed: its input
    line, its column in that line, and the old form."""
    column = change.offset - (text.rfind("\n", 0, change.offset) + 1)
    return ("word", change.line, column, change.old)


def document_findings(original: Document, cleaned: Document, path: str, check: CheckSettings) -> list[Finding]:
    """CC402-CC405: what is wrong with the document as a whole."""
    found = []
    line = line_of(original, None)
    words = len(_WORDS.findall(cleaned.text))
    if words < NEAR_EMPTY_WORDS:
        found.append(Finding(path, line, "CC402", f"empty or near-empty after cleaning ({words} words)"
                             f"{in_record(original)}",
                             original.id, "CC402"))
    elif words < check.min_words:
        found.append(Finding(path, line, "CC405", f"very short after cleaning ({words} words, "
                             f"minimum {check.min_words}){in_record(original)}", original.id, "CC405"))
    repaired = {r.line for r in cleaned.records_of(TextRepair)}  # reported (and fixable) by change_findings
    for number, text in enumerate(original.text.split("\n"), start=1):
        match = None if number in repaired else _MOJIBAKE.search(text)
        if match:
            found.append(Finding(path, line_of(original, number), "CC403",
                                 f"mojibake {match.group()!r}: text decoded with the wrong encoding"
                                 f"{in_record(original, number)}",
                                 original.id, "CC403:" + text.strip()[:200], (), match.start() + 1, match.end() + 1))
            break
    if check.language and words >= NEAR_EMPTY_WORDS and language_mismatch(cleaned.text, check.language):
        found.append(Finding(path, line, "CC404", f"not in the expected language ({check.language})"
                             f"{in_record(original)}",
                             original.id, "CC404"))
    return found


def change_findings(doc: Document, path: str, names_input: str = "") -> list[Finding]:
    """CC1xx and CC2xx: one finding per removed line and per respelled word.

    ``names_input`` is the text the name stage received (word offsets point into it).
    """
    found = []
    for repair in doc.records_of(TextRepair):
        old, new = (t.strip() if len(t.strip()) <= 60 else t.strip()[:57] + "..." for t in (repair.old, repair.new))
        found.append(Finding(path, line_of(doc, repair.line), "CC403", f"mojibake: {old!r} reads {new!r} once "
                             f"repaired{in_record(doc, repair.line)}", doc.id, "CC403:" + repair.old.strip()[:200],
                             ("repair", repair.line), *_changed_span(repair.old, repair.new)))
    for r in doc.records_of(LineRemoval):
        if r.line == 0:
            # a site template block taken out of the HTML before extraction: part of reading the
            # page, like the extractor's own choices, not a line of the text being checked
            continue
        code = cruft_code(r.rule)
        detail = f", {r.detail}" if r.detail else ""
        shown = r.text if len(r.text) <= 80 else r.text[:77] + "..."
        found.append(Finding(path, line_of(doc, r.line), code, f"cruft ({r.rule}{detail}): {shown!r}"
                             f"{in_record(doc, r.line)}", doc.id,
                             f"{code}:{r.text}", ("line", r.line), *_span(r.text)))
    for c in doc.records_of(WordChange):
        code = name_code(c.entry)
        ref = word_ref(names_input, c)
        found.append(Finding(path, line_of(doc, c.line), code, f"name spelling {c.old!r} -> {c.new!r} "
                             f"({c.entry}){in_record(doc, c.line)}", doc.id, f"{code}:{c.old}->{c.new}",
                             ref, ref[2] + 1, ref[2] + 1 + len(c.old)))
    return found
