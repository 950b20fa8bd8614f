"""The name stage: respell variants to their canonical form, and record every change.

Replacement respects text: whole words only (``Armenia`` never touches ``Armenian``),
possessives and hyphenated forms work because ``'`` and ``-`` end a word, the ALL-CAPS
form of a variant is respelled in capitals, and nothing inside a URL or an e-mail
address changes. Inside quotations is configurable (on by default: a quote spells a
name the way the outlet does, not the way the speaker did).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import regex

from ..document import SOURCE_LINES, Document, WordChange
from ..stages import StageBase
from .tables import AliasEntry, load_table, merge_tables, shipped_table

# A whitespace-delimited token that is (or holds) a URL, an e-mail address or a bare domain.
_PROTECTED_TOKEN = regex.compile(
    r"(?:https?://|ftp://|www\.)|@[\w-]+\.|\.(?:com|org|net|am|az|ru|ua|ge|info|io|gov|edu)(?:\b|/)")
_QUOTED = regex.compile(r"“[^”\n]*”|\"[^\"\n]*\"|«[^»\n]*»|„[^“”\n]*[“”]")


@dataclass(frozen=True)
class NameSettings:
    """What the name stage uses: the shipped table (unless off), the user's tables, and options."""

    use_shipped_table: bool = True
    tables: tuple[str, ...] = ()
    inside_quotes: bool = True
    apply_discovered: bool = False
    discovery_min_score: float = 0.4


def _spans(pattern: regex.Pattern, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


#: How far around a match the URL test looks for the token's edges. Bounded so that a
#: document without whitespace (a hostile or broken one) costs linear time, not quadratic.
TOKEN_WINDOW = 512


def _in_url_or_address(text: str, start: int, end: int) -> bool:
    """Whether the whitespace-delimited token around ``text[start:end]`` is a URL, address or domain."""
    low = max(0, start - TOKEN_WINDOW)
    high = min(len(text), end + TOKEN_WINDOW)
    left = max(text.rfind(" ", low, start), text.rfind("\n", low, start), text.rfind("\t", low, start)) + 1
    if left == 0:
        left = low
    right_candidates = [i for i in (text.find(" ", end, high), text.find("\n", end, high),
                                    text.find("\t", end, high)) if i >= 0]
    right = min(right_candidates) if right_candidates else high
    return _PROTECTED_TOKEN.search(text, left, right) is not None


def literal_trie_pattern(words: Iterable[str]) -> str:
    """A pattern matching exactly where one of ``words`` starts, shaped as a trie.

    ``Aliev|Aliyev|Armenia|...`` makes the engine try every alternative at every place
    that starts with one of their first letters; ``A(?:li(?:ev|yev)|rmenia)`` tries each
    letter once. On news text the scan is about five times faster, and it finds the same
    places: a search matches at a position exactly when some word starts there.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _inside(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    index = bisect_right(starts, start) - 1
    return index >= 0 and spans[index][0] <= start and end <= spans[index][1]


class NameNormalizer(StageBase):
    """Respells name variants from alias tables; records each change with its table entry.

    With ``discover`` (``apply_discovered`` sets it; ``check`` sets it for CC202) it first
    learns variants no table lists, in one round (:class:`~.discovery.NameDiscovery` per
    partition, merged exactly).

    Cost: one regular-expression scan per document (all variants in one alternation).
    """

    name = "names"

    def __init__(self, settings: NameSettings | None = None,
                 extra_entries: Iterable[AliasEntry] = ()) -> None:
        self.settings = settings or NameSettings()
        tables = [shipped_table()] if self.settings.use_shipped_table else []
        tables += [load_table(path) for path in self.settings.tables]
        tables.append(list(extra_entries))
        self._tables = tables
        self.discovered: list = []
        self.candidates: list = []
        #: learn variants from the corpus before applying (see :attr:`rounds`)
        self.discover = self.settings.apply_discovered
        self._build(tables)

    def _build(self, tables: list[list[AliasEntry]]) -> None:
        self.mapping = merge_tables(*tables)
        self._lookup: dict[str, tuple[str, AliasEntry]] = {}
        for variant, entry in self.mapping.items():
            self._lookup[variant] = (entry.canonical, entry)
            self._lookup.setdefault(variant.upper(), (entry.canonical.upper(), entry))
        ordered = sorted(self._lookup, key=len, reverse=True)
        alternation = "|".join(regex.escape(v) for v in ordered)
        self._pattern = (regex.compile(rf"(?<![\p{{L}}\p{{N}}_])(?:{alternation})(?![\p{{L}}\p{{N}}_])")
                         if alternation else None)
        # The same variants as a trie-shaped pattern for the standard library's engine, which
        # scans for a set of literals several times faster than ``regex`` scans the guarded
        # pattern; it only proposes where a variant starts (see :meth:`_matches`).
        self._literals = re.compile(literal_trie_pattern(ordered)) if ordered else None

    @property
    def rounds(self) -> int:
        """One learning round when variants are discovered (that needs the whole corpus);
        none when they come from a saved model (:meth:`use_learned`)."""
        return 1 if self.discover and not self.learned else 0

    #: the discovered variants were given (a saved model), not learned from the corpus
    learned = False

    def use_learned(self, found: list) -> None:
        """Respell the variants a saved model's discovery found (:mod:`cleancorpus.model`),
        as :meth:`use_discovered` does, and learn nothing from the corpus."""
        self.use_discovered(found)
        self.learned = True

    def partial(self, part: int, documents: Iterable[Document], round: int = 0, carry: Any = None) -> Any:
        from .discovery import NameDiscovery

        return NameDiscovery().fit(documents)

    def merge(self, states: Sequence[Any], round: int = 0) -> Any:
        from .discovery import NameDiscovery

        merged = NameDiscovery()
        for state in states:
            merged.merge(state)
        return merged

    def finish(self, state: Any, round: int = 0) -> None:
        """Apply the variants discovered (words a table knows are left to the table)."""
        state.known = self.known_words()
        self.use_discovered(state.variants())

    def known_words(self) -> set[str]:
        """Every canonical form and variant the tables know."""
        return {w for table in self._tables for e in table for w in (e.canonical, *e.variants)}

    def fit(self, documents: Iterable[Document]) -> "NameNormalizer":
        """With ``apply_discovered``: discover variants no table lists and apply them too.

        Discovered entries have the lowest precedence: any table entry wins over them.
        """
        if not self.discover:
            for _ in documents:
                pass
            return self
        from .discovery import NameDiscovery

        self.use_discovered(NameDiscovery(self.known_words()).fit(documents).variants())
        return self

    def use_discovered(self, found: list) -> None:
        """Also respell discovered variants, below every table in precedence: those with
        ``confidence == "apply"`` scoring at least ``discovery_min_score`` (the others are
        for review only)."""
        #: every variant discovery found, for review ones too (``cleancorpus names`` lists them)
        self.candidates = list(found)
        self.discovered = [v for v in found if v.score >= self.settings.discovery_min_score
                           and getattr(v, "confidence", "apply") == "apply"]
        self._build([[v.to_entry() for v in self.discovered], *self._tables])

    def apply(self, doc: Document) -> Document:
        """A new document with every variant respelled, and a record per change."""
        if self._pattern is None:
            return doc
        text = doc.text
        matches = self._matches(text)
        if not matches:
            return doc
        protected = sorted(_spans(_QUOTED, text)) if not self.settings.inside_quotes else []
        starts = [s for s, _ in protected]
        source_lines = doc.meta.get(SOURCE_LINES)
        pieces: list[str] = []
        records: list[WordChange] = []
        last = 0
        counted_to, line_number = 0, 1  # lines counted incrementally: linear in the text, not quadratic
        for match in matches:
            start, end = match.span()
            if _in_url_or_address(text, start, end) or (protected and _inside(protected, starts, start, end)):
                continue
            new, entry = self._lookup[match.group()]
            pieces.append(text[last:start])
            pieces.append(new)
            last = end
            line_number += text.count("\n", counted_to, start)
            counted_to = start
            line = source_lines[line_number - 1] if source_lines else line_number
            records.append(WordChange(doc.id, start, line, match.group(), new, entry.label, entry.pattern))
        if not records:
            return doc
        pieces.append(text[last:])
        return doc.evolve(text="".join(pieces), records=tuple(records))

    def _matches(self, text: str) -> list:
        """Exactly ``list(self._pattern.finditer(text))``, faster.

        A match of the guarded pattern can only start where some variant's letters start, so
        the plain literal scan finds the next such place; the guarded pattern is then tried
        there and only there (its word-boundary lookbehind sees the text before that place,
        and its alternation picks the same variant it would in a full scan). Where it fails,
        the scan goes on from the next character, as the full scan would.
        """
        found = []
        position = 0
        while True:
            candidate = self._literals.search(text, position)
            if candidate is None:
                return found
            match = self._pattern.match(text, candidate.start())
            if match is None:
                position = candidate.start() + 1
                continue
            found.append(match)
            position = match.end()

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        """Apply to each document lazily."""
        for doc in documents:
            yield self.apply(doc)


def normalize_names(documents: Iterable[Document], settings: NameSettings | None = None) -> list[Document]:
    """Respell name variants in each document: the one-call form, a list like :func:`remove_cruft`'s.

    For a stream, use ``NameNormalizer(settings).run(stream)`` (lazy)."""
    return list(NameNormalizer(settings).run(documents))
