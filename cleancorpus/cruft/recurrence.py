"""Lines that recur across many documents of one source: learned from the corpus itself.

``fit`` streams the corpus once and counts, per source, in how many *stories* each
short line occurs (a line counts once per document, and a document whose story the
source already had, the same prose lines, is not counted again: two copies of one
article on a site must not make their own captions and subheads "recurring"). Only lines
that could ever be removed are counted (not protected, not longer than
``max_line_chars``); sentences (prose) are counted too but held to a far higher bar
(``prose_min_docs``, ``prose_min_share``) and learned from each source's first documents
only. All are kept as 8-byte digests, so memory grows with the number of distinct short
lines of the corpus, not with its size.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from ..document import Document
from ..io import host_of
from .lines import (PROSE_ALWAYS_WORDS, PROSE_MIN_WORDS, ends_like_sentence, is_protected, line_key,
                    looks_like_prose, repeat_key)

WHOLE_CORPUS = "*"


def source_of(doc: Document) -> str:
    """The group a document's recurrence is learned in.

    Its ``source`` (site, outlet or folder), else its URL's host, else the whole corpus.
    """
    if doc.source:
        return doc.source
    return host_of(doc.meta.get("url")) or WHOLE_CORPUS


#: what a model derives from its counts and remembers, never shipped to another process
_MEMOS = ("_recurring", "_line_memo", "_scan_memo")

#: The first byte of the digest of a *prose* line (short-line digests never start with it).
PROSE_MARK = 0xFF


def _digest(key: str) -> bytes:
    return _marked(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest())


def _marked(digest: bytes) -> bytes:
    """A short line's digest never starts with the sentences' mark."""
    return digest if digest[0] != PROSE_MARK else b"\xfe" + digest[1:]


#: texts longer than this are cut into lines as they are read, not into one list of all lines
LAZY_LINES = 1 << 20


def lines_of(text: str) -> Iterable[str]:
    """The lines of ``text`` (as ``text.split("\\n")``); a long text's one at a time, so a
    50 MB document does not hold a list of its lines beside itself."""
    if len(text) <= LAZY_LINES:
        return text.split("\n")
    return _each_line(text)


def _each_line(text: str) -> Iterator[str]:
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _prose_digest(key: str) -> bytes:
    """A sentence's digest, keyed on its exact words (case and spacing aside): unlike short
    lines, digits are not masked ("The index rose 3.2%" and "... 1.1%" are two sentences)."""
    return bytes([PROSE_MARK]) + hashlib.blake2b(key.encode("utf-8"), digest_size=7).digest()


def _line_scan(stripped: str, limit: int) -> tuple[bool, bytes | None]:
    """What the recurrence scan takes of one stripped, non-empty line: whether it reads as
    prose (its story), and the digest it is counted under, or ``None`` when it is never
    counted (longer than ``limit`` characters, or protected: a byline, a quotation)."""
    is_prose = looks_like_prose(stripped)
    if len(stripped) > limit or is_protected(stripped):
        return is_prose, None
    return is_prose, (_prose_digest(repeat_key(stripped)) if is_prose else _digest(line_key(stripped)))


@dataclass(frozen=True)
class RecurrenceSettings:
    """When a line counts as recurring cruft.

    A line is recurring in a source when it occurs in at least ``min_docs`` documents
    *and* in at least ``min_share`` of the source's documents. Defaults were chosen on
    the Dragnet benchmark (see ``benchmarks/README.md``).
    """

    min_docs: int = 2
    min_share: float = 0.05
    max_line_chars: int = 200
    #: A *sentence* of at most ``max_line_chars`` (a promo: "For the latest stories download
    #: our app for iOS and Android.") is recurring only on far more pages: at least
    #: ``prose_min_docs`` documents and ``prose_min_share`` of the source's (wire stories
    #: repeat background sentences on a few pages; a site's own promo is on most of them).
    prose_min_docs: int = 5
    prose_min_share: float = 0.34
    #: Sentences are learned from a source's first this-many documents (and then counted in
    #: all): one on a third of the pages is all but certain to be among them, and memory
    #: stays bounded by sources, not by the corpus.
    prose_first_docs: int = 30


class RecurrenceModel:
    """Counts of short lines per source; answers 'is this line recurring cruft here?'.

    Cost: one pass, O(total lines) time, memory O(distinct short lines) (8 bytes + dict
    overhead per line and source).
    """

    def __init__(self, settings: RecurrenceSettings | None = None) -> None:
        self.settings = settings or RecurrenceSettings()
        self.doc_counts: Counter[str] = Counter()
        self.line_counts: dict[str, Counter[bytes]] = defaultdict(Counter)
        #: per source, the story keys counted so far (see :meth:`story_key`)
        self.stories: dict[str, set[bytes]] = defaultdict(set)
        #: documents not counted because their source already had their story
        self.repeated_stories = 0

    @staticmethod
    def story_key(doc: Document) -> bytes | None:
        """What makes two documents one story: all their prose lines, in order (a copy of an
        article at another URL has the same; pages of one site that share only boilerplate
        prose do not), or ``None`` for a document with no prose line (always counted)."""
        prose = [s for s in (line.strip() for line in doc.text.split("\n")) if s and looks_like_prose(s)]
        if not prose:
            return None
        return _digest("\n".join(prose))

    def add(self, doc: Document) -> None:
        """Count one document's distinct short lines and sentences, unless its source already
        counted its story."""
        self.add_scanned(source_of(doc), *self.scan(doc))

    def add_scanned(self, source: str, digests: set[bytes], story: bytes | None) -> None:
        """Count a document from what :meth:`scan` found in it (computed elsewhere, e.g. in a
        worker process): the same as :meth:`add` of the document."""
        self._forget_decisions()
        if story is not None:
            if story in self.stories[source]:
                self.repeated_stories += 1
                return
            self.stories[source].add(story)
        counts = self.line_counts[source]
        learning = self.doc_counts[source] < self.settings.prose_first_docs
        self.doc_counts[source] += 1
        for digest in digests:
            if digest[0] != PROSE_MARK or learning or digest in counts:
                counts[digest] += 1

    #: Short lines whose scan is remembered (then it starts again): a site's cruft lines
    #: are on every page; computing their key and digest once is enough.
    MEMO_SCANS = 32_768

    def scan(self, doc: Document) -> tuple[set[bytes], bytes | None]:
        """The digests of a document's distinct short lines and short sentences, and its
        :meth:`story_key`: what :meth:`add` counts, a pure function of the document (so it
        can run in another process).

        A batch over the document's lines: each line is stripped in one list pass; a line
        of at most ``max_line_chars`` is answered from a memo of lines seen before (whether
        it reads as prose, and its digest or ``None`` when protected) before its key and
        digest are computed; the story key hashes the prose lines joined, in one call. A
        text too long to hold its lines twice is scanned a line at a time.
        """
        if len(doc.text) > LAZY_LINES:
            return self._scan_lazily(doc)
        digests: set[bytes] = set()
        prose: list[str] = []
        limit = self.settings.max_line_chars
        memo = self.__dict__.setdefault("_scan_memo", {})
        if len(memo) >= self.MEMO_SCANS:
            memo.clear()
        for stripped in [line.strip() for line in doc.text.split("\n")]:
            if not stripped:
                continue
            if len(stripped) > limit:  # (never counted: only whether it is prose, for the story)
                known = _line_scan(stripped, limit)
            else:
                known = memo.get(stripped)
                if known is None:
                    known = memo[stripped] = _line_scan(stripped, limit)
            if known[0]:
                prose.append(stripped)
            if known[1] is not None:
                digests.add(known[1])
        if not prose:
            return digests, None
        return digests, _marked(hashlib.blake2b("\n".join(prose).encode("utf-8"), digest_size=8).digest())

    def _scan_lazily(self, doc: Document) -> tuple[set[bytes], bytes | None]:
        """:meth:`scan` of a long text, a line at a time (the story hashed as it goes: no
        list of the lines nor joined copy of the prose beside the text)."""
        digests: set[bytes] = set()
        story = hashlib.blake2b(digest_size=8)
        prose = 0
        limit = self.settings.max_line_chars
        for line in lines_of(doc.text):
            stripped = line.strip()
            if not stripped:
                continue
            is_prose, digest = _line_scan(stripped, limit)
            if is_prose:
                if prose:
                    story.update(b"\n")
                story.update(stripped.encode("utf-8"))
                prose += 1
            if digest is not None:
                digests.add(digest)
        return digests, (_marked(story.digest()) if prose else None)

    def state_of(self, source: str) -> str:
        """A fingerprint of what recurrence decides for ``source``: its document count and its
        recurring lines with their counts. Documents of a source whose state is unchanged get
        the same cleaning as before (the check cache relies on this)."""
        total = self.doc_counts.get(source, 0)
        recurring = sorted(self._recurring_items(source))
        h = hashlib.blake2b(digest_size=16)
        h.update(str(total).encode())
        for digest, count in recurring:
            h.update(digest + count.to_bytes(4, "little"))
        return h.hexdigest()

    def fit(self, documents: Iterable[Document]) -> "RecurrenceModel":
        """Count every document of the corpus (one streaming pass)."""
        self._forget_decisions()
        for doc in documents:
            self.add(doc)
        return self

    def merge(self, other: "RecurrenceModel") -> "RecurrenceModel":
        """Add another model's counts (the reduce step when fitting shards in parallel)."""
        self._forget_decisions()
        self.doc_counts.update(other.doc_counts)
        for source, counts in other.line_counts.items():
            self.line_counts[source].update(counts)
        for source, stories in other.stories.items():  # (a story seen by both models is counted twice)
            self.stories[source] |= stories
        return self

    def recurring_only(self) -> "RecurrenceModel":
        """A model with the same decisions holding only the recurring lines' counts."""
        slim = RecurrenceModel(self.settings)
        slim.doc_counts = Counter(self.doc_counts)
        for source in self.line_counts:
            slim.line_counts[source] = Counter(self.recurring_counts(source))
        return slim

    def recurring_counts(self, source: str) -> dict[bytes, int]:
        """The digests of ``source``'s recurring lines with their document counts (cached:
        computed once per source after ``fit``, then a dict lookup per line)."""
        cache = self.__dict__.setdefault("_recurring", {})
        found = cache.get(source)
        if found is None:
            found = dict(self._recurring_items(source))
            cache[source] = found
        return found

    def _recurring_items(self, source: str) -> Iterator[tuple[bytes, int]]:
        """``(digest, documents)`` of the source's recurring lines: short lines past
        ``min_docs`` and ``min_share``, sentences past ``prose_min_docs`` and ``prose_min_share``."""
        total = self.doc_counts.get(source, 0)
        s = self.settings
        short = max(s.min_docs, s.min_share * total)
        sentence = max(s.prose_min_docs, s.prose_min_share * total)
        for digest, count in self.line_counts.get(source, Counter()).items():
            if count >= (sentence if digest[0] == PROSE_MARK else short):
                yield digest, count

    def __getstate__(self) -> dict:
        """What a copy in another process gets: the counts, not the memos (they refill)."""
        return {k: v for k, v in self.__dict__.items() if k not in _MEMOS}

    def _forget_decisions(self) -> None:
        """Drop what was derived from the counts (they are about to change)."""
        self.__dict__.pop("_recurring", None)
        self.__dict__.pop("_line_memo", None)

    #: Lines whose answer :meth:`counts_of` remembers (then it starts again): a site's cruft
    #: lines recur on every page, its prose does not and is not remembered.
    MEMO_LINES = 32_768

    def counts_of(self, source: str, stripped: Sequence[str], words: Sequence[int]) -> list[int]:
        """``recurring_count`` of each stripped line of a document of ``source`` (its word
        counts in ``words``): the batch form the cruft stage calls.

        A line too long to be recurring or reading as prose in a source that learned no
        sentence is 0 at once; a short line's answer is remembered per source (the same
        line on the next page of the site is one dict lookup, not a key and a digest).
        """
        recurring = self.recurring_counts(source)
        if not recurring:
            return [0] * len(stripped)
        memos = self.__dict__.setdefault("_line_memo", {})
        memo = memos.get(source)
        if memo is None or len(memo) > self.MEMO_LINES:
            if memo is None and sum(len(m) for m in memos.values()) > self.MEMO_LINES:
                memos.clear()  # (all sources together stay under twice MEMO_LINES)
            # (the source's answer to has_sentences is remembered with its lines)
            memo = memos[source] = {None: self.has_sentences(recurring)}
        sentences = memo[None]
        limit = self.settings.max_line_chars
        counts = []
        for line, count in zip(stripped, words):
            if len(line) > limit:
                counts.append(0)
            elif count >= PROSE_ALWAYS_WORDS or (count >= PROSE_MIN_WORDS and ends_like_sentence(line)):
                counts.append(self.recurring_count(recurring, line, count, sentences) if sentences else 0)
            else:
                known = memo.get(line)
                if known is None:
                    known = memo[line] = self.recurring_count(recurring, line, count, sentences)
                counts.append(known)
        return counts

    @staticmethod
    def has_sentences(recurring: dict[bytes, int]) -> bool:
        """Whether any recurring line of a source (``recurring_counts``) is a sentence."""
        return any(digest[0] == PROSE_MARK for digest in recurring)

    def recurring_count(self, recurring: dict[bytes, int], stripped: str, words: int,
                        sentences: bool = True) -> int:
        """The document count of a stripped line if it is recurring cruft (see
        :meth:`recurring_counts`), else 0. ``words``: its word count, already known.

        A line is recurring when it could be a candidate (:meth:`candidate`: short, not
        prose, not protected) and its key's digest is among the source's recurring ones;
        a line that cannot be a candidate is rejected before its key is computed.
        """
        if len(stripped) > self.settings.max_line_chars:
            return 0
        if words >= PROSE_ALWAYS_WORDS or (words >= PROSE_MIN_WORDS and ends_like_sentence(stripped)):
            if not sentences or is_protected(stripped):
                return 0
            return recurring.get(_prose_digest(repeat_key(stripped)), 0)
        if is_protected(stripped):
            return 0
        return recurring.get(_digest(line_key(stripped)), 0)
