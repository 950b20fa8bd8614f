"""Site templates learned from the HTML itself: blocks that recur across one site's pages.

Navigation, footers, "most read" boxes, newsletter boxes and cookie notices are the same
element, with the same text, at the same place on every page of a site. Before trafilatura
sees a page, the blocks of its site's *template* are taken out, so the extractor neither
keeps them nor mistakes one of them for the article (the pages where an extractor picks a
site blurb or a box of teasers are where the text-level cleaning cannot help).

A block is a ``(tag path, text)`` pair: the tag names from the root to an element of a
block tag (``html/body/div/div/p``; no positions or classes, which vary between pages) and
the element's whitespace-normalized text. A block is in the template of its site when it
occurs on at least :data:`MIN_PAGES` pages of *different stories* and on at least
:data:`SHARE` of the site's stories: copies of one article count once, however they are
titled (two pages are one story when two of their three longest paragraphs are the same, or
their title and longest paragraph are), so they never make the article's own paragraphs a
template. And a block that holds most of a page's text (:data:`MOST_OF_PAGE`) is never
taken out of it, whatever was learned: the template is what surrounds an article. Only a
site's first :data:`LEARN_PAGES` stories are counted (a template is on every page), so
learning holds at most that many pages' block digests per site.

Every block removed is recorded, like every other removal, as a
:class:`~cleancorpus.document.LineRemoval` with the rule ``template:<site>`` and line 0
(it was taken out of the HTML, before there were lines).

>>> pages = [("news.example", f"<html><head><title>Story {n}</title></head><body>"
...           f"<nav><a>Home</a> <a>World</a></nav><article><p>Story {n} text.</p></article></body></html>")
...          for n in range(4)]
>>> templates = learn_templates(pages)
>>> html, removed = templates.strip(pages[0][1], "news.example")
>>> [r[0] for r in removed]
['Home World']
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..stages import StageBase, union_of_partitions

#: Elements that can be a block of a template.
BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "tr", "table",
                        "section", "aside", "nav", "footer", "header", "span", "a", "dl", "dd", "dt", "form",
                        "blockquote", "figure", "figcaption"})
#: A block is in its site's template on at least this many pages (of different stories)...
MIN_PAGES = 3
#: ...and on at least this share of the site's stories.
SHARE = 0.34
#: Pages (distinct stories) of a site that are counted.
LEARN_PAGES = 50
#: Blocks with less text than this are left alone ("|", "»": nothing to gain, easy to misplace).
MIN_TEXT = 3
#: A block with more than this share of its page's text is never template (it is the article).
MOST_OF_PAGE = 0.5
#: Paragraphs shorter than this do not tell stories apart ("Read more", a byline).
STORY_PARAGRAPH = 40
#: A recorded block's text is cut to this many characters.
RECORDED_TEXT = 300


def parse_html(html: str | bytes) -> Any:
    """The page as an lxml tree, or ``None`` when lxml finds no document in it."""
    import lxml.etree
    import lxml.html

    try:
        try:
            return lxml.html.fromstring(html)
        except ValueError:  # a str holding an XML declaration with an encoding: lxml wants bytes
            return lxml.html.fromstring(html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html)
    except (ValueError, lxml.etree.ParserError):  # "Document is empty"
        return None


_MOD = (1 << 61) - 1  # a Mersenne prime: the word-sequence hash is a polynomial modulo it
_BASE = 1_000_003


def _words_hash(piece: str | None, state: tuple[int, int, int]) -> tuple[int, int, int]:
    """``state`` (hash, words, characters of the normalized text) extended by ``piece``'s words."""
    if not piece:
        return state
    value, count, chars = state
    for word in piece.split():
        value = (value * _BASE + zlib.crc32(word.encode("utf-8", "surrogatepass"))) % _MOD
        chars += len(word) + (1 if count else 0)
        count += 1
    return value, count, chars


def _blocks(tree: Any) -> list[tuple[Any, str, int]]:
    """``(element, tag path, key)`` of every block element of ``tree`` with at least
    :data:`MIN_TEXT` characters of text, in document order.

    The key digests the path and the element's whitespace-normalized text (the words of its
    text, its descendants' and their tails). It is computed bottom-up, each word hashed once
    and a parent's hash composed from its children's (``hash(a + b) = hash(a) * B^len(b) +
    hash(b)``): linear in the page, where joining each element's text would be quadratic in
    the nesting depth.
    """
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]
    paths: dict[Any, str] = {}
    for element in elements:  # document order: a parent before its children
        parent = element.getparent()
        paths[element] = f"{paths[parent]}/{element.tag}" if parent is not None and parent in paths else element.tag
    texts: dict[Any, tuple[int, int, int]] = {}
    for element in reversed(elements):  # children before their parent
        state = _words_hash(element.text, (0, 0, 0))
        for child in element:
            inner = texts.get(child)
            if inner is not None and inner[1]:
                value, count, chars = state
                state = ((value * pow(_BASE, inner[1], _MOD) + inner[0]) % _MOD, count + inner[1],
                         chars + inner[2] + (1 if count else 0))
            state = _words_hash(child.tail, state)
        texts[element] = state
    found = []
    for element in elements:
        if element.tag in BLOCK_TAGS:
            value, count, chars = texts[element]
            if chars >= MIN_TEXT:
                found.append((element, paths[element], _key(paths[element], f"{value}:{count}")))
    return found


def block_text(element: Any) -> str:
    """An element's text, whitespace-normalized (what a recorded removal shows)."""
    return " ".join(" ".join(element.itertext()).split())


def _key(path: str, text: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{path}\0{text}".encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "big")


@dataclass(frozen=True)
class _Story:
    """What tells two stories apart: the page's title with its longest paragraph, and the
    digests of its three longest paragraphs."""

    titled: int
    paragraphs: frozenset[int]


def _story(tree: Any) -> _Story:
    """A page's story. Copies of one article share their longest paragraphs whatever their
    headlines; the title is not enough alone (a small blog may title every page with its own
    name) and neither is one paragraph (a page's longest may be the blog's "about" box)."""
    texts = sorted({" ".join(p.text_content().split()) for p in tree.iter("p")}, key=lambda t: (-len(t), t))
    found = tree.find(".//title")
    title = " ".join((found.text_content() if found is not None else "").split())
    longest = [_key("p", t) for t in texts[:3] if len(t) >= STORY_PARAGRAPH]
    return _Story(_key(title, texts[0] if texts else ""), frozenset(longest))


def _same_story(a: _Story, b: _Story) -> bool:
    if a.titled == b.titled:
        return True
    shared = len(a.paragraphs & b.paragraphs)
    return shared >= 2 or (shared == 1 and min(len(a.paragraphs), len(b.paragraphs)) == 1)


@dataclass
class _SiteCounts:
    stories: list[_Story] = field(default_factory=list)
    blocks: Counter = field(default_factory=Counter)  # block key -> distinct stories seen with it

    def is_copy(self, story: _Story) -> bool:
        """Whether ``story`` is one already counted (at most :data:`LEARN_PAGES` to look at)."""
        return any(_same_story(story, other) for other in self.stories)


@dataclass
class HtmlTemplates:
    """The learned template of each site: block keys, with the number of stories they were
    seen with; ``pages``: the stories counted per site."""

    templates: dict[str, dict[int, int]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    #: the site each page was learned under, by the page's path (set by the folder reader)
    page_sites: dict[str, str | None] = field(default_factory=dict)
    #: templates given (a saved model), not learned from the pages read: a page's site is
    #: found where the page is read (:func:`page_site`), as learning finds it
    given: bool = False
    _fingerprints: dict[str, str] = field(default_factory=dict, repr=False)

    def has_template(self, site: str | None) -> bool:
        return bool(site and self.templates.get(site))

    def fingerprint(self, site: str | None) -> str:
        """A short digest of a site's template (a cache of extractions keys on it), computed
        once per site (every page of the site asks for it)."""
        site = site or ""
        if site not in self._fingerprints:
            keys = sorted(self.templates.get(site, {}))
            self._fingerprints[site] = hashlib.blake2b(repr(keys).encode(), digest_size=8).hexdigest() if keys else "-"
        return self._fingerprints[site]

    def strip(self, html: str | bytes | Any, site: str | None) -> tuple[Any, list[tuple[str, str, int]]]:
        """``(page, removed)``: the page (a parsed tree when anything was removed, else
        ``html`` as given) without its site's template blocks, and ``(text, tag path, pages)``
        of each block removed, in document order."""
        template = self.templates.get(site or "")
        if not template:
            return html, []
        tree = html if hasattr(html, "iter") else parse_html(html)
        if tree is None:
            return html, []
        removed: list[tuple[str, str, int]] = []
        doomed: list[Any] = []
        doomed_set: set[Any] = set()
        page_chars = None
        for element, path, key in _blocks(tree):
            pages = template.get(key)
            if pages is None or element.getparent() is None:
                continue
            text = block_text(element)
            if page_chars is None:
                page_chars = _visible_chars(tree)
            if len(text) > MOST_OF_PAGE * page_chars:
                continue  # most of the page: its article, whatever recurred
            if doomed_set and any(ancestor in doomed_set for ancestor in element.iterancestors()):
                continue  # already going with an enclosing block (recorded once, with it)
            doomed.append(element)
            doomed_set.add(element)
            removed.append((text, path, pages))
        for element in doomed:
            _remove_keeping_tail(element)
        return (tree, removed) if removed else (html, [])


def _visible_chars(tree: Any) -> int:
    """Characters of a page's whitespace-normalized text, without scripts and styles."""
    pieces = tree.xpath("//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
                        "or ancestor::head or ancestor::template)]")
    return len(" ".join(" ".join(pieces).split()))


def _remove_keeping_tail(element: Any) -> None:
    """Take ``element`` out of its tree; the text after it (its tail) stays in place."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


@dataclass(frozen=True)
class PageSummary:
    """What learning needs of one page: its story and the keys of its blocks (computed
    wherever the page is read: a worker; the learning itself is a fold in page order)."""

    story: _Story
    blocks: frozenset[int]


def summarize_page(tree: Any) -> PageSummary:
    """The :class:`PageSummary` of a parsed page."""
    return PageSummary(_story(tree), frozenset(key for _, _, key in _blocks(tree)))


def templates_of(summaries: Iterable[tuple[str | None, Any]]) -> HtmlTemplates:
    """The templates of the sites of ``summaries`` (``(site, summary)`` pairs in page order; a
    page without a site or a summary teaches nothing; a summary may be a function that makes
    it, called only for a page that is counted). A site's first :data:`LEARN_PAGES` stories
    are counted; a copy of a story already counted is not."""
    counts: dict[str, _SiteCounts] = defaultdict(_SiteCounts)
    for site, summary in summaries:
        if not site or summary is None:
            continue
        state = counts[site]
        if len(state.stories) >= LEARN_PAGES:
            continue  # enough pages of this site
        if callable(summary):
            summary = summary()
        if state.is_copy(summary.story):
            continue  # a copy of a story already counted, however titled
        state.stories.append(summary.story)
        state.blocks.update(summary.blocks)
    learned = HtmlTemplates()
    for site, state in counts.items():
        distinct = len(state.stories)
        need = max(MIN_PAGES, math.ceil(SHARE * distinct))
        template = {key: n for key, n in state.blocks.items() if n >= need}
        learned.pages[site] = distinct
        if template:
            learned.templates[site] = template
    return learned


def learn_templates(pages: Iterable[tuple[str | None, str | bytes | Any]]) -> HtmlTemplates:
    """The templates of the sites of ``pages`` (``(site, html or parsed tree)`` pairs; a page
    without a site teaches nothing). One pass; a site's first :data:`LEARN_PAGES` stories
    are counted."""
    def summaries() -> Iterator[tuple[str | None, Any]]:
        for site, html in pages:
            tree = (html if hasattr(html, "iter") else parse_html(html)) if site else None
            yield site, (lambda tree=tree: summarize_page(tree)) if tree is not None else None

    return templates_of(summaries())


class PageSummaries(StageBase):
    """Template learning's per-page work as a stage of the engines' plan: each partition's
    pages (raw HTML documents, ``id`` = path, ``source`` = the folder's site for a page that
    names none) parsed, sited and summarized where they are read; :attr:`found` then holds
    ``(path, site, summary)`` of every page in order, for :func:`templates_of` to fold."""

    name = "templates"

    def __init__(self, options: Any = None) -> None:
        self.options = options
        self.found: list[tuple[str, str | None, PageSummary | None]] = []

    @property
    def rounds(self) -> int:
        return 1

    def label(self, round: int = 0) -> str:
        return "learning site templates"

    def partial(self, part: int, documents: Iterable[Any], round: int = 0, carry: Any = None) -> Any:
        found = []
        for doc in documents:
            tree = parse_html(doc.text) if doc.text else None
            if tree is None:
                found.append((doc.id, None, None))
            else:
                found.append((doc.id, page_site(tree, self.options, doc.source), summarize_page(tree)))
        return {part: found}

    def merge(self, states: Any, round: int = 0) -> Any:
        return union_of_partitions(states)

    def merge_into(self, total: Any, state: Any, round: int = 0) -> Any:
        total.update(state)
        return total

    def finish(self, state: Any, round: int = 0) -> None:
        self.found = [page for part in sorted(state) for page in state[part]]

    def apply(self, doc: Any) -> Any:
        return doc


@dataclass
class TemplateBook:
    """Site templates between a run and its reader: those ``given`` (a saved model: every
    folder read uses them and none is learned), and those each folder ``learned`` (what
    ``cleancorpus fit`` keeps)."""

    given: HtmlTemplates | None = None
    learned: list[HtmlTemplates] = field(default_factory=list)

    def merged(self) -> HtmlTemplates:
        """The templates learned in every folder, per site (a site learned in two folders
        keeps the blocks of both, with the larger counts)."""
        merged = HtmlTemplates()
        for learned in self.learned:
            for site, blocks in learned.templates.items():
                into = merged.templates.setdefault(site, {})
                for key, pages in blocks.items():
                    into[key] = max(pages, into.get(key, 0))
            for site, pages in learned.pages.items():
                merged.pages[site] = max(pages, merged.pages.get(site, 0))
        return merged


def page_site(tree: Any, options: Any = None, fallback: str | None = None) -> str | None:
    """The site of a parsed page for template learning: the source of its canonical link or
    ``og:url`` (its host, or registered domain with ``source_by = "domain"``), else ``fallback``."""
    from ..io.kinds import ReadOptions, source_of

    for xpath in ('.//link[@rel="canonical"]/@href', './/meta[@property="og:url"]/@content'):
        found = tree.xpath(xpath)
        if found:
            site = source_of(str(found[0]).strip(), options or ReadOptions())
            if site:
                return site
    return fallback
