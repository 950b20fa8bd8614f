"""The repair stage: mojibake mended before anything else reads the text.

Scraped text that was UTF-8 but decoded somewhere as cp1252 or latin-1 reads
"donâ€™t", "Ã©tÃ©", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚". ftfy (the field's tool for it) tells such text from
legitimate text that merely uses the same letters, and reverses the wrong decoding. Only
``fix_encoding`` runs: quotes, dashes, ligatures and widths are left as they were (a
cleaner must not restyle an article). Each repaired line is recorded with its text before
and after, and line numbers stay those of the input (a repair never joins or splits lines).

Cost: a line of ASCII cannot be mojibake and is skipped at once (``str.isascii`` is O(1));
the others go through ftfy's badness test, and only lines it finds bad are repaired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .document import Document, TextRepair

SOURCE_LINES = "source_lines"


@dataclass(frozen=True)
class RepairSettings:
    """``mojibake``: repair text decoded with the wrong encoding (on by default)."""

    mojibake: bool = True


def repair_line(line: str) -> str:
    """``line`` with its mojibake repaired (the same string when there is none)."""
    if line.isascii():
        return line
    from ftfy import fix_encoding
    from ftfy.badness import is_bad

    if not is_bad(line):
        return line
    return fix_encoding(line)


class TextRepairer:
    """The stage: each line of a document repaired, with a :class:`TextRepair` record per line."""

    name = "repair"
    needs_fit = False

    def __init__(self, settings: RepairSettings | None = None) -> None:
        self.settings = settings or RepairSettings()

    def fit(self, documents: Iterable[Document]) -> "TextRepairer":
        for _ in documents:
            pass
        return self

    def apply(self, doc: Document) -> Document:
        """The document with its mojibake lines repaired, or the same document when none is."""
        if not self.settings.mojibake or doc.text.isascii():
            return doc
        lines = doc.text.split("\n")
        records = []
        origins = doc.meta.get(SOURCE_LINES)
        for index, line in enumerate(lines):
            fixed = repair_line(line)
            if fixed != line and "\n" not in fixed:
                records.append(TextRepair(doc.id, origins[index] if origins else index + 1, line, fixed))
                lines[index] = fixed
        if not records:
            return doc
        return doc.evolve(text="\n".join(lines), records=tuple(records))

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        for doc in documents:
            yield self.apply(doc)
