"""Documents from single files: text and HTML pages.

A file's bytes are decoded (UTF-8, else the most plausible legacy code page, named in a
warning); an HTML page goes through trafilatura, after its site's template (blocks that
recur across the site's pages, :mod:`cleancorpus.cruft.templates`) is taken out when the
page was read with others of its site.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..document import Document, LineRemoval
from .kinds import (HTML_SUFFIXES, ReadOptions, ReadProblem, TooLarge, base_suffix, folder_source, read_document_bytes,
                    content_hash, source_of)

_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
#: legacy encodings by how common they are on news sites: the tie-breaker between equally plausible ones
_COMMON = ("cp1252", "cp1250", "cp1251", "koi8_r", "gb18030", "gbk", "big5", "shift_jis", "euc_jp", "euc_kr",
           "cp1254", "cp1253", "cp1257", "cp1256", "cp1255", "iso8859_2", "iso8859_5", "latin_1")
#: below this share of plausible characters, charset detection's best guess is not text
_MAX_CHAOS = 0.3


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of the sample is mostly NUL (ASCII-range
    text in UTF-16), else ``None``."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a document's bytes; returns ``(text, encoding)``.

    In order: UTF-8 (BOM allowed); UTF-16 with a BOM, or without one when the NUL bytes
    say so; UTF-8 with a few stray invalid bytes replaced (when the rest holds real UTF-8
    multi-byte text, re-decoding it all in a legacy code page would garble it); else the
    encoding ``charset_normalizer`` finds with confidence (cp1252, cp1251, ...). Raises
    ``ValueError`` for binary data and for bytes no encoding fits with confidence.
    """
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding
            except UnicodeDecodeError:
                raise ValueError(f"starts with a {encoding} byte-order mark but is not {encoding}") from None
    if b"\x00" in data[:8192]:
        encoding = _utf16_without_bom(data[:8192])
        if encoding is not None:
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
        raise ValueError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", errors="replace")
    stray = replaced.count("\ufffd")
    multibyte = sum(1 for ch in replaced[:200000] if ord(ch) > 0x7F and ch != "\ufffd")
    if stray <= max(1, len(replaced) // 2000) and multibyte >= 4 * stray:
        return replaced.lstrip("\ufeff"), "utf-8 (invalid bytes replaced)"
    from charset_normalizer import from_bytes  # imported here: only non-UTF-8 input needs it

    matches = list(from_bytes(data))
    if not matches or min(m.chaos for m in matches) > _MAX_CHAOS:
        raise ValueError("not text in any encoding detected with confidence (binary or corrupt?)")
    # Short texts fit many code pages equally well: among the equally plausible ones,
    # take the most widely used on the web.
    lowest = min(m.chaos for m in matches)
    tied = [m for m in matches if m.chaos <= lowest + 0.01]
    best = min(tied, key=lambda m: (_COMMON.index(m.encoding) if m.encoding in _COMMON else len(_COMMON),
                                    -m.coherence))
    return str(best), best.encoding


def extract_html(html: str, url: str | None = None, options: ReadOptions | None = None) -> tuple[str, dict[str, Any]]:
    """The main text of an HTML page with trafilatura, and the metadata it found.

    Returns ``("", {})`` when trafilatura finds no main text.
    """
    import trafilatura  # imported lazily: slow to import, and only HTML needs it

    options = options or ReadOptions()
    result = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=options.html_comments,
        favor_precision=options.html_favor_precision,
        favor_recall=options.html_favor_recall,
    )
    if result is None:
        return "", {}
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    meta = {k: data.get(k) for k in ("title", "date", "author", "sitename", "hostname", "url") if data.get(k)}
    return data.get("text") or "", meta


def _page_bytes(path: Path, options: ReadOptions) -> bytes | None:
    try:
        return read_document_bytes(path, options.max_document_bytes)
    except (TooLarge, OSError, EOFError, gzip.BadGzipFile, zlib.error):
        return None  # (reported when the page itself is read)


def learn_folder_templates(root: Path, files: Sequence[Path], options: ReadOptions, progress: Any = None,
                           fit: Any = None) -> Any:
    """The site templates of the HTML pages among ``files`` (see
    :mod:`cleancorpus.cruft.templates`), or ``None`` when there are too few pages to learn from.
    ``progress(label, pages done, pages)`` hears of each page (a pass of its own, before reading).
    ``fit(stages, partitions, total)``: the engine that runs the per-page work (parsing, the
    page's site, its story and blocks) in its workers, as a learning pass of the plan
    (:class:`~cleancorpus.cruft.templates.PageSummaries` over :class:`RawPages`); only the
    fold over the pages' summaries, in page order, runs here. Without it, all runs here."""
    from ..cruft.templates import MIN_PAGES, PageSummaries, page_site, parse_html, summarize_page, templates_of

    pages = [f for f in files if base_suffix(f) in HTML_SUFFIXES]
    if not options.html_templates or len(pages) < MIN_PAGES:
        return None

    sites: dict[str, str | None] = {}

    def summaries() -> Iterator[tuple[str | None, Any]]:
        if fit is not None:
            stage = PageSummaries(options)
            described = [(str(page), folder_source(page.relative_to(root))) for page in pages]
            fit([stage], [RawPages(described[i:i + RAW_PAGES]) for i in range(0, len(described), RAW_PAGES)],
                len(described))
            for path, site, summary in stage.found:
                if summary is not None:
                    sites[path] = site
                    yield site, summary
            return
        for done, page in enumerate(pages, 1):
            if progress is not None:
                progress("learning site templates", done, len(pages))
            data = _page_bytes(page, options)
            tree = parse_html(decode_text(data)[0]) if data else None
            if tree is not None:
                sites[str(page)] = site = page_site(tree, options, folder_source(page.relative_to(root)))
                yield site, (lambda tree=tree: summarize_page(tree))

    learned = templates_of(summaries())
    learned.page_sites = sites  # (reading finds each page's site here instead of parsing it again)
    return learned if learned.templates else None


#: HTML pages a task of template learning reads at a time.
RAW_PAGES = 50


@dataclass
class RawPages:
    """HTML pages as they are, for template learning: ``(path, the folder's site)`` each; a
    partition whose documents are the pages' raw text (``id`` the path, ``source`` the
    folder's site), nothing extracted. A page that cannot be read gives empty text (its
    problem is reported when it is read for real)."""

    pages: list[tuple[str, str | None]]

    def read(self, options: ReadOptions, seen: Any) -> tuple[list[Document], list[ReadProblem]]:
        docs = []
        for path, site in self.pages:
            data = _page_bytes(Path(path), options)
            docs.append(Document(path, decode_text(data)[0] if data else "", site))
        return docs, []


def _extract_page(text: str, doc_id: str, path: Path, options: ReadOptions, meta: dict,
                  extraction_cache: dict | None, templates: Any, folder_site: str | None = None) -> tuple[str, dict, tuple]:
    """Extract an HTML page's text (without its site's template when one was learned):
    ``(text, metadata, records of the template blocks removed)``. ``folder_site``: the site
    the page's folder names (a page's site when it names none itself)."""
    page: Any = text
    removed: tuple = ()
    site = templates.page_sites.get(str(path)) if templates is not None else None
    tree = None
    if templates is not None and templates.given:  # (learning did not see this page: find its site as learning would)
        from ..cruft.templates import page_site, parse_html

        tree = parse_html(text)
        site = page_site(tree, options, folder_site) if tree is not None else None
    if templates is not None and templates.has_template(site):
        from ..cruft.templates import RECORDED_TEXT

        stripped, blocks = templates.strip(tree if tree is not None else text, site)
        if blocks:
            page = stripped
            # the text read depends on the template too: caches keyed on the hash must see it
            meta["content_hash"] = content_hash(f"{meta['content_hash']}:{templates.fingerprint(site)}".encode())
            removed = tuple(LineRemoval(doc_id, 0, block[:RECORDED_TEXT], f"template:{site}",
                                        f"<{tag_path.rsplit('/', 1)[-1]}> on {pages} of {templates.pages[site]} pages")
                            for block, tag_path, pages in blocks)
    key = meta["content_hash"]
    cached = extraction_cache.get(key) if extraction_cache is not None else None
    extracted, found = cached if cached is not None else extract_html(page, options=options)
    if extraction_cache is not None and cached is None:
        extraction_cache[key] = (extracted, found)
    return extracted, found, removed


def read_file_document(path: Path, doc_id: str, source: str | None, options: ReadOptions,
                        problems: list[ReadProblem], extraction_cache: dict | None = None,
                        templates: Any = None) -> Document | None:
    try:
        data = read_document_bytes(path, options.max_document_bytes)
    except TooLarge as exc:
        problems.append(ReadProblem(str(path), str(exc)))
        return None
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        problems.append(ReadProblem(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
        return None
    try:
        text, encoding = decode_text(data)
    except ValueError as exc:
        problems.append(ReadProblem(str(path), str(exc)))
        return None
    meta: dict[str, Any] = {"path": str(path), "content_hash": content_hash(data)}
    if encoding not in ("utf-8-sig",):
        meta["encoding"] = encoding
        problems.append(ReadProblem(str(path), f"not valid UTF-8; decoded as {encoding}", fatal=False))
    removed: tuple = ()
    if base_suffix(path) in HTML_SUFFIXES:
        text, found, removed = _extract_page(text, doc_id, path, options, meta, extraction_cache, templates, source)
        meta.update(found)
        # the page's host, not trafilatura's hostname (the registered domain: every
        # *.wordpress.com blog would be one source)
        source = source_of(found.get("url"), options) or found.get("hostname") or source
        if not text.strip():
            problems.append(ReadProblem(str(path), "no main text found in the HTML", fatal=False))
    elif not text.strip():
        problems.append(ReadProblem(str(path), "empty file", fatal=False))
    return Document(id=doc_id, text=text, source=source, meta=meta, records=removed)
