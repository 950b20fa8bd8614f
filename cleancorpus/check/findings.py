"""Findings of one document: from the records the stages left, and from the text itself."""

from __future__ import annotations

import regex

from ..config import CheckSettings, ConfigError
from ..document import Document, LineRemoval, WordChange
from .codes import Finding

SECTION_RULES = ("comment-section", "comment-metadata", "end-matter-heading")
NEAR_EMPTY_WORDS = 5

_MOJIBAKE = regex.compile(r"â€[™œ\x9d“”˜¦¢\x94\x93]|Ã[©¨¤¶¼±§¡³­ª¹º]|Ã\s|Â[\xa0 ©®°·]|Ð[°±²³µ¸¾]Ñ")
_WORDS = regex.compile(r"\p{L}+")
_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as", "he", "said"},
    "fr": {"le", "la", "les", "de", "des", "et", "est", "un", "une", "du", "que", "dans", "pour", "il", "qui"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "den", "von", "mit", "sich", "auf"},
    "es": {"el", "la", "los", "las", "de", "y", "que", "en", "un", "una", "por", "con", "para", "es", "se"},
    "it": {"il", "di", "che", "la", "e", "per", "un", "una", "in", "non", "con", "sono", "gli", "del", "le"},
    "pt": {"o", "a", "os", "as", "de", "que", "e", "do", "da", "em", "um", "uma", "para", "com", "não"},
    "ru": {"и", "в", "не", "на", "что", "с", "по", "это", "как", "он", "из", "за", "к", "но", "о"},
}
_SCRIPTS = {"hy": r"\p{Armenian}", "ka": r"\p{Georgian}", "ar": r"\p{Arabic}", "el": r"\p{Greek}",
            "he": r"\p{Hebrew}", "uk": r"\p{Cyrillic}", "ru": r"\p{Cyrillic}", "zh": r"\p{Han}"}
SUPPORTED_LANGUAGES = tuple(sorted(set(_STOPWORDS) | set(_SCRIPTS)))


def line_of(doc: Document, line: int | None) -> int | None:
    """Findings inside a JSON Lines record point at the record's line."""
    return doc.meta.get("line") if "fields" in doc.meta else line


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


def word_ref(text: str, change: WordChange) -> tuple:
    """Where a word change is, independent of which other lines were removed: its input
    line, its column in that line, and the old form."""
    column = change.offset - (text.rfind("\n", 0, change.offset) + 1)
    return ("word", change.line, column, change.old)


def language_mismatch(text: str, language: str) -> bool:
    """Whether ``text`` is clearly not in ``language`` (stop words, or the script for some)."""
    words = [w.lower() for w in _WORDS.findall(text)[:2000]]
    if not words:
        return False
    if language in _STOPWORDS:
        hits = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
        best = max(hits, key=hits.get)
        return hits[language] < 0.02 * len(words) or (best != language and hits[best] > 2 * hits[language])
    if language in _SCRIPTS:
        letters = regex.findall(r"\p{L}", text[:20000])
        own = regex.findall(_SCRIPTS[language], text[:20000])
        return bool(letters) and len(own) < 0.5 * len(letters)
    raise ConfigError(f"language {language!r} is not supported by the check; supported: "
                      f"{', '.join(SUPPORTED_LANGUAGES)}")


def document_findings(original: Document, cleaned: Document, path: str, check: CheckSettings) -> list[Finding]:
    """CC402-CC405: what is wrong with the document as a whole."""
    found = []
    line = line_of(original, None)
    words = len(_WORDS.findall(cleaned.text))
    if words < NEAR_EMPTY_WORDS:
        found.append(Finding(path, line, "CC402", f"empty or near-empty after cleaning ({words} words)",
                             original.id, "CC402"))
    elif words < check.min_words:
        found.append(Finding(path, line, "CC405", f"very short after cleaning ({words} words, "
                             f"minimum {check.min_words})", original.id, "CC405"))
    for number, text in enumerate(original.text.split("\n"), start=1):
        match = _MOJIBAKE.search(text)
        if match:
            found.append(Finding(path, line_of(original, number), "CC403",
                                 f"mojibake {match.group()!r}: text decoded with the wrong encoding",
                                 original.id, "CC403:" + text.strip()[:200]))
            break
    if check.language and words >= NEAR_EMPTY_WORDS and language_mismatch(cleaned.text, check.language):
        found.append(Finding(path, line, "CC404", f"not in the expected language ({check.language})",
                             original.id, "CC404"))
    return found


def change_findings(doc: Document, path: str, names_input: str = "") -> list[Finding]:
    """CC1xx and CC2xx: one finding per removed line and per respelled word.

    ``names_input`` is the text the name stage received (word offsets point into it).
    """
    found = []
    for r in doc.records_of(LineRemoval):
        code = cruft_code(r.rule)
        detail = f", {r.detail}" if r.detail else ""
        shown = r.text if len(r.text) <= 80 else r.text[:77] + "..."
        found.append(Finding(path, line_of(doc, r.line), code, f"cruft ({r.rule}{detail}): {shown!r}", doc.id,
                             f"{code}:{r.text}", ("line", r.line)))
    for c in doc.records_of(WordChange):
        code = name_code(c.entry)
        found.append(Finding(path, line_of(doc, c.line), code, f"name spelling {c.old!r} -> {c.new!r} "
                             f"({c.entry})", doc.id, f"{code}:{c.old}->{c.new}", word_ref(names_input, c)))
    return found
