"""The repair stage: mojibake mended before anything else reads the text.

Scraped text that was UTF-8 but decoded somewhere as cp1252 or latin-1 reads
"donâ€™t", "Ã©tÃ©", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚". ftfy (the field's tool for it) tells such text from
legitimate text that merely uses the same letters, and reverses the wrong decoding. Only
``fix_encoding`` runs: quotes, dashes, ligatures and widths are left as they were (a
cleaner must not restyle an article). Each repaired line is recorded with its text before
and after, and line numbers stay those of the input (a repair never joins or splits lines).

Cost: a line of ASCII cannot be mojibake and is skipped at once (``str.isascii`` is O(1));
so is a text without a pair of characters that UTF-8 bytes become when misread
(:func:`may_hold_mojibake`, a few microseconds); only the rest go through ftfy's badness
test, and only lines it finds bad are repaired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .document import SOURCE_LINES, Document, TextRepair
from .stages import StageBase


@dataclass(frozen=True)
class RepairSettings:
    """``mojibake``: repair text decoded with the wrong encoding (on by default)."""

    mojibake: bool = True


#: The code pages whose misreading of UTF-8 is repaired: those of web text (ftfy also knows
#: MacRoman and cp437, whose "lead" characters include the typographic quotes and dashes of
#: every English article, so looking for them would send most articles to the slow test).
ENCODINGS = ("latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
             "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2")
_FINDER: tuple | None = None


def _utf8_alternatives(chars: set[str]) -> bytes:
    """A bytes pattern matching exactly the UTF-8 encodings of ``chars``, grouped by all
    but their last byte (``\\xd0[\\x80-\\x8f]|\\xe2\\x80[\\x93\\x94]|...``)."""
    import re

    groups: dict[bytes, set[int]] = {}
    for char in chars:
        encoded = char.encode("utf-8")
        groups.setdefault(encoded[:-1], set()).add(encoded[-1])
    return b"|".join(re.escape(head) + b"[" + b"".join(re.escape(bytes([b])) for b in sorted(lasts)) + b"]"
                     for head, lasts in sorted(groups.items()))


def _finder() -> tuple:
    """(bytes pattern, the first bytes of the leads' UTF-8): the pattern matches, in UTF-8,
    exactly a character that a UTF-8 lead byte (0xC2-0xF4) becomes in one of ``ENCODINGS``
    followed by one that a continuation byte (0x80-0xBF) becomes."""
    global _FINDER
    if _FINDER is None:
        import re

        import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-*" codecs)

        leads: set[str] = set()
        continuations: set[str] = set()
        for encoding in ENCODINGS:
            leads.update(bytes(range(0xC2, 0xF5)).decode(encoding, errors="ignore"))
            continuations.update(bytes(range(0x80, 0xC0)).decode(encoding, errors="ignore"))
        pattern = b"(?:" + _utf8_alternatives(leads) + b")(?:" + _utf8_alternatives(continuations) + b")"
        lead_bytes = tuple(bytes([b]) for b in sorted({c.encode("utf-8")[0] for c in leads}))
        _FINDER = re.compile(pattern), lead_bytes
    return _FINDER


def may_hold_mojibake(text: str) -> bool:
    """False when ``text`` cannot hold UTF-8 mojibake of :data:`ENCODINGS`: no character that
    a UTF-8 lead byte became sits right before one that a continuation byte became, and no
    "Ã" or "Â" stands before a space (a no-break space that became a space).

    Every multi-byte UTF-8 character misread one byte at a time leaves such a pair, so this
    is safe to skip on. It runs on the text's UTF-8 bytes: a few byte searches for a text
    without any lead character (most English text), else one scan for the exact pairs.
    """
    if text.isascii():
        return False
    pattern, lead_bytes = _finder()
    data = text.encode("utf-8", "surrogatepass")
    if b"\xc3\x83 " in data or b"\xc3\x82 " in data:  # "Ã " or "Â " (searched in bytes: faster)
        return True
    # Each match starts at a lead's first byte: test the pattern where those bytes are (a
    # text holds a few: "é", "ñ"), and search the whole text only past a few dozen of them
    # (a search tries every position: 30 us a 5 KB text).
    match = pattern.match
    budget = _LEADS_TESTED
    for lead in lead_bytes:
        at = data.find(lead)
        while at >= 0:
            if match(data, at) is not None:
                return True
            budget -= 1
            if not budget:
                return pattern.search(data) is not None
            at = data.find(lead, at + 1)
    return False


#: lead bytes :func:`may_hold_mojibake` tests one by one before it searches the whole text
_LEADS_TESTED = 32


def repair_line(line: str) -> str:
    """``line`` with its mojibake repaired (the same string when there is none)."""
    if not may_hold_mojibake(line):
        return line
    from ftfy import fix_encoding
    from ftfy.badness import is_bad

    if not is_bad(line):
        return line
    return fix_encoding(line)


class TextRepairer(StageBase):
    """The stage: each line of a document repaired, with a :class:`TextRepair` record per line."""

    name = "repair"

    def __init__(self, settings: RepairSettings | None = None) -> None:
        self.settings = settings or RepairSettings()

    def fit(self, documents: Iterable[Document]) -> "TextRepairer":
        for _ in documents:
            pass
        return self

    def apply(self, doc: Document) -> Document:
        """The document with its mojibake lines repaired, or the same document when none is."""
        if not self.settings.mojibake or not may_hold_mojibake(doc.text):
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
