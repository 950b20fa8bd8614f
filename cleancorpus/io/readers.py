"""Reading corpora.

Readers turn a directory, a file, JSON Lines or standard input into a stream of
:class:`~cleancorpus.document.Document`; a file that cannot be read becomes a
:class:`ReadProblem` (named file, one-line reason) and the stream goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Sequence
from urllib.parse import urlsplit

from ..document import Document, LineRemoval

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
DIRECTORY_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
#: Files cleancorpus itself writes beside an output: never read back as corpus.
OWN_FILES = ("cleancorpus-report.json", "cleancorpus-records.jsonl")
KINDS_HELP = ".txt, .md, .html, .htm (each optionally .gz), .jsonl or .ndjson (optionally .gz or .zst), .parquet"
STDIN = "-"


class CorpusError(Exception):
    """A problem with the corpus as a whole (missing input, output inside input...)."""


@dataclass(frozen=True)
class ReadProblem:
    """A file (or one JSON line) that could not be read as it should.

    ``fatal`` problems lose the document (it is skipped); the others are warnings
    about a document that was still read (for example a non-UTF-8 file decoded as cp1252).
    """

    path: str
    message: str
    line: int | None = None
    fatal: bool = True
    #: ``"link"`` for a symbolic link skipped because it leads outside the input (a note,
    #: not a problem of the corpus: ``check`` prints it but makes no finding of it).
    kind: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {'error' if self.fatal else 'warning'}: {self.message}"


@dataclass
class ReadOptions:
    """How to read a corpus.

    The JSON field names are configurable for JSON Lines input; ``html_comments``
    asks trafilatura to keep readers' comments (off by default: they are cruft to us).
    """

    text_field: str = "text"
    id_field: str = "id"
    url_field: str = "url"
    source_field: str = "source"
    date_field: str = "date"
    html_comments: bool = False
    html_favor_precision: bool = False
    #: trafilatura's ``favor_recall`` (keeps more of the page; with site templates taken out
    #: first it gained 0.007 F1 on Dragnet and lost 0.001 on the article-extraction set).
    html_favor_recall: bool = False
    #: Learn each site's template from a folder of HTML pages (blocks that recur across its
    #: pages: navigation, footers, boxes) and take it out before extraction; see
    #: :mod:`cleancorpus.cruft.templates`. Each removal is recorded as ``template:<site>``.
    html_templates: bool = True
    follow_links: bool = False
    #: What a URL's source is: its ``host`` (``news.example.com`` and ``blog.example.com``
    #: are two sources; each ``*.wordpress.com`` blog is its own) or its registered ``domain``.
    source_by: str = "host"
    #: A document (a file, a JSON line, or a file once decompressed) larger than this is a
    #: per-document failure: one huge or hostile document must not take the run's memory.
    max_document_bytes: int = 64 * 1024 * 1024


def _base_suffix(path: Path) -> str:
    """The suffix that says the format, looking through a trailing ``.gz`` or ``.zst``."""
    name = path.name.lower()
    for compression in (".gz", ".zst"):
        if name.endswith(compression):
            name = name[: -len(compression)]
    return os.path.splitext(name)[1]


def file_kind(path: str | Path) -> str | None:
    """``text``, ``html``, ``jsonl`` or ``parquet`` by the file's name, or ``None`` (not a kind we read).

    ``.gz`` works for all but Parquet (which compresses inside), ``.zst`` for JSON Lines.
    """
    path = Path(path)
    suffix = _base_suffix(path)
    name = path.name.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if name.endswith(".zst"):
        return None
    if suffix in PARQUET_SUFFIXES:
        return "parquet" if not name.endswith(".gz") else None
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    return None


def is_record_file(path: str | Path) -> bool:
    """A file of records (JSON Lines or Parquet), read as many documents."""
    return file_kind(path) in ("jsonl", "parquet")


def is_jsonl_input(path: str | Path) -> bool:
    """True for ``-`` (stdin) and ``*.jsonl`` / ``*.ndjson`` files, gzipped or not."""
    return str(path) == STDIN or (Path(path).is_file() and _base_suffix(Path(path)) in JSONL_SUFFIXES)


_PLAIN_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://([a-z0-9.-]+)(?:[/?#]|$)")


def host_of(url: str | None) -> str | None:
    """The host of a URL without ``www.``, or ``None``."""
    if not url:
        return None
    plain = _PLAIN_HOST.match(url)  # the common case (no port, user or capitals), without urlsplit
    if plain:
        host = plain.group(1)
        return host[4:] if host.startswith("www.") else host
    host = urlsplit(url if "//" in url else "//" + url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def source_of(url: str | None, options: ReadOptions) -> str | None:
    """The source a URL belongs to: its host, or with ``source_by = "domain"`` its
    registered domain (``alice.wordpress.com`` -> ``wordpress.com``)."""
    host = host_of(url)
    if host is None or options.source_by != "domain":
        return host
    try:
        from tld import get_fld  # installed with trafilatura (courlan depends on it)
    except ImportError:  # pragma: no cover - only if trafilatura stops bringing it
        return host
    return get_fld(host, fix_protocol=True, fail_silently=True) or host


class TooLarge(ValueError):
    """A document over the configured maximum size (``max_document_bytes``)."""


def _size_message(limit: int) -> str:
    return f"{limit / 1048576:g} MB (--max-document-mb or read.max_document_bytes)"


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes (decompressed for ``.gz``), never more than ``limit`` of them:
    a larger file, or one that decompresses past the limit, raises :class:`TooLarge`."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            data = handle.read(-1 if limit is None else limit + 1)
        if limit is not None and len(data) > limit:
            raise TooLarge(f"decompresses to more than the maximum document size, {_size_message(limit)}")
        return data
    if limit is not None and path.stat().st_size > limit:
        raise TooLarge(f"larger than the maximum document size, {_size_message(limit)}")
    return path.read_bytes()


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


def _folder_source(relative: Path) -> str | None:
    parent = relative.parent.as_posix()
    return None if parent in ("", ".") else parent


def content_hash(data: bytes) -> str:
    """A short hex digest of raw content: the key of caches (check, HTML extraction)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _page_bytes(path: Path, options: ReadOptions) -> bytes | None:
    try:
        return _read_bytes(path, options.max_document_bytes)
    except (TooLarge, OSError, EOFError, gzip.BadGzipFile, zlib.error):
        return None  # (reported when the page itself is read)


def learn_folder_templates(root: Path, files: Sequence[Path], options: ReadOptions) -> Any:
    """The site templates of the HTML pages among ``files`` (see
    :mod:`cleancorpus.cruft.templates`), or ``None`` when there are too few pages to learn from."""
    from ..cruft.templates import MIN_PAGES, _parse, learn_templates, page_site

    pages = [f for f in files if _base_suffix(f) in HTML_SUFFIXES]
    if not options.html_templates or len(pages) < MIN_PAGES:
        return None

    def parsed() -> Iterator[tuple[str | None, Any]]:
        for page in pages:
            data = _page_bytes(page, options)
            tree = _parse(decode_text(data)[0]) if data else None
            if tree is not None:
                yield page_site(tree, options, _folder_source(page.relative_to(root))), tree

    learned = learn_templates(parsed())
    return learned if learned.templates else None


def _extract_page(text: str, doc_id: str, source: str | None, options: ReadOptions, meta: dict,
                  extraction_cache: dict | None, templates: Any) -> tuple[str, dict, tuple]:
    """Extract an HTML page's text (without its site's template when one was learned):
    ``(text, metadata, records of the template blocks removed)``."""
    page: Any = text
    removed: tuple = ()
    if templates is not None:
        from ..cruft.templates import RECORDED_TEXT, _parse, page_site

        tree = _parse(text)
        site = page_site(tree, options, source) if tree is not None else None
        if templates.has_template(site):
            page, blocks = templates.strip(tree, site)
            # the text read depends on the template too: caches keyed on the hash must see it
            meta["content_hash"] = content_hash(f"{meta['content_hash']}:{templates.fingerprint(site)}".encode())
            removed = tuple(LineRemoval(doc_id, 0, block[:RECORDED_TEXT], f"template:{site}",
                                        f"<{path.rsplit('/', 1)[-1]}> on {pages} of {templates.pages[site]} pages")
                            for block, path, pages in blocks)
    key = meta["content_hash"]
    cached = extraction_cache.get(key) if extraction_cache is not None else None
    extracted, found = cached if cached is not None else extract_html(page, options=options)
    if extraction_cache is not None and cached is None:
        extraction_cache[key] = (extracted, found)
    return extracted, found, removed


def _read_file_document(path: Path, doc_id: str, source: str | None, options: ReadOptions,
                        problems: list[ReadProblem], extraction_cache: dict | None = None,
                        templates: Any = None) -> Document | None:
    try:
        data = _read_bytes(path, options.max_document_bytes)
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
    if _base_suffix(path) in HTML_SUFFIXES:
        text, found, removed = _extract_page(text, doc_id, source, options, meta, extraction_cache, templates)
        meta.update(found)
        # the page's host, not trafilatura's hostname (the registered domain: every
        # *.wordpress.com blog would be one source)
        source = source_of(found.get("url"), options) or found.get("hostname") or source
        if not text.strip():
            problems.append(ReadProblem(str(path), "no main text found in the HTML", fatal=False))
    elif not text.strip():
        problems.append(ReadProblem(str(path), "empty file", fatal=False))
    return Document(id=doc_id, text=text, source=source, meta=meta, records=removed)


def _bounded_lines(handle: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of a binary stream, each read with at most ``limit`` bytes in memory; a
    longer line is skipped to its end and yields ``None`` in its place."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(1 << 20)
            yield None
            continue
        yield line


def _not_unicode(value: str) -> str | None:
    """A description of the first unpaired surrogate in ``value`` (JSON can spell one,
    ``"\\ud800"``, but no UTF-8 file can hold it), or ``None``."""
    try:
        value.encode("utf-8")
        return None
    except UnicodeEncodeError as exc:
        return f"an unpaired surrogate (\\u{ord(value[exc.start]):04x})"


def _iter_jsonl(handle: IO[bytes], name: str, options: ReadOptions, problems: list[ReadProblem],
                location: str | None = None, seen: set[str] | None = None, hashes: bool = False,
                lines: tuple[int, int] | None = None) -> Iterator[Document]:
    """Documents of a JSON Lines stream; ``name`` makes default ids (``name:line``) and is
    the shard the records go back to, ``location`` is the file's path, ``seen`` the ids
    already read (shared by every shard of a run, so ids stay unique across them). ``hashes``:
    give each document the ``content_hash`` of its line (what the check cache keys on; a
    blake2b of every line is a third of the reading time, so only when asked). ``lines``:
    only the lines numbered ``first <= number < stop`` (a partition of the file)."""
    location = location or name
    seen = set() if seen is None else seen
    limit = options.max_document_bytes
    first, stop = lines or (1, None)
    for number, raw in enumerate(_bounded_lines(handle, limit), start=1):
        if number < first:
            continue
        if stop is not None and number >= stop:
            break
        if raw is None:
            problems.append(ReadProblem(location, f"record larger than the maximum document size, "
                                                  f"{_size_message(limit)}", line=number))
            continue
        if raw.isspace() or not raw:  # (no strip: that would copy every line)
            continue
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            problems.append(ReadProblem(location, f"malformed JSON: {exc}", line=number))
            continue
        except RecursionError:
            problems.append(ReadProblem(location, "malformed JSON: nested too deeply", line=number))
            continue
        # an unpaired surrogate can come only from a \u escape or from surrogate bytes (json reads
        # bytes with "surrogatepass"): a line with neither skips the check
        doc = record_document(obj, name, number, location, options, problems, seen, {"line": number},
                              maybe_surrogates=b"\\u" in raw or b"\xed" in raw)
        if doc is not None:
            if hashes:
                doc.meta["content_hash"] = content_hash(raw)
            yield doc


def record_document(obj: Any, name: str, number: int, location: str, options: ReadOptions,
                    problems: list[ReadProblem], seen: set[str], where: dict[str, Any] | None = None,
                    *, shard: bool = True, maybe_surrogates: bool = True) -> Document | None:
    """One record (a JSON line, a Parquet row, a dict from Python) as a document, or ``None``
    with a problem noted. The one place ids, sources, dates and kept fields of records are
    decided. ``name`` makes the default id (``name:number``) and, with ``shard``, is the
    shard the record is written back to; ``where`` (line or row) goes into the metadata.
    ``maybe_surrogates=False`` (the caller knows none can be there) skips the Unicode check."""
    if not isinstance(obj, dict):
        problems.append(ReadProblem(location, "a JSON object was expected", line=number))
        return None
    text = obj.get(options.text_field)
    if not isinstance(text, str):
        problems.append(ReadProblem(location, f"no string field {options.text_field!r}", line=number))
        return None
    doc_id = obj.get(options.id_field)
    doc_id = str(doc_id) if doc_id is not None else f"{name}:{number}"
    # an unpaired surrogate is not ASCII, and str.isascii() is O(1): most records skip the encode
    bad = None if not maybe_surrogates or (text.isascii() and doc_id.isascii()) else (
        _not_unicode(text) or _not_unicode(doc_id))
    if bad:
        problems.append(ReadProblem(location, f"{'text' if _not_unicode(text) else 'id'} holds {bad}: "
                                              "not valid Unicode", line=number))
        return None
    if doc_id in seen:
        renamed = f"{doc_id}#{number}"
        if renamed in seen:
            renamed = f"{doc_id}#{name}:{number}"
        problems.append(ReadProblem(location, f"id {doc_id!r} was already used; this document is read as "
                                              f"{renamed}", line=number, fatal=False))
        doc_id = renamed
    seen.add(doc_id)
    url = obj.get(options.url_field)
    source = obj.get(options.source_field) or source_of(url if isinstance(url, str) else None, options)
    fields = dict(obj)  # (a copy in C, then one key out: cheaper than a comprehension)
    del fields[options.text_field]
    meta = {"fields": fields, "text_at": list(obj).index(options.text_field), **(where or {})}
    if shard:
        meta.update(path=location, shard=name)
    if isinstance(url, str):
        meta["url"] = url
    date = obj.get(options.date_field)
    dated = isinstance(date, (str, int, float)) or hasattr(date, "isoformat")  # Parquet and pandas timestamps
    if dated and not isinstance(date, bool) and str(date).strip():
        meta["date"] = str(date)
    return Document(id=doc_id, text=text, source=str(source) if source else None, meta=meta)


def open_records(path: Path) -> IO[bytes]:
    """A binary handle on a JSON Lines file, decompressed for ``.gz`` and ``.zst``."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zst"):
        from ..adapters import require

        zstandard = require("zstandard", "zstd")
        raw = open(path, "rb")
        try:
            # a buffered reader gives ``readline`` (the zstandard reader has none of its own)
            return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
        except BaseException:
            raw.close()
            raise
    return open(path, "rb")


def _iter_jsonl_file(path: Path, options: ReadOptions, problems: list[ReadProblem], name: str | None = None,
                     seen: set[str] | None = None, hashes: bool = False,
                     lines: tuple[int, int] | None = None) -> Iterator[Document]:
    try:
        with open_records(path) as handle:
            yield from _iter_jsonl(handle, name or path.name, options, problems, str(path), seen, hashes, lines)
    except (OSError, EOFError, zlib.error) as exc:
        problems.append(ReadProblem(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
    except Exception as exc:  # zstandard's own error type
        if type(exc).__module__.startswith("zstandard"):
            problems.append(ReadProblem(str(path), f"cannot read: {exc}"))
        else:
            raise


def _iter_parquet_file(path: Path, options: ReadOptions, problems: list[ReadProblem], name: str | None = None,
                       seen: set[str] | None = None, rows: tuple[int, int] | None = None) -> Iterator[Document]:
    """Documents of a Parquet file, a row group batch at a time (needs ``cleancorpus[parquet]``);
    ``rows``: only rows numbered ``first <= number < stop`` (from 1)."""
    from ..adapters import require

    require("pyarrow", "parquet")
    import pyarrow.parquet as pq

    name = name or path.name
    seen = set() if seen is None else seen
    try:
        reader = pq.ParquetFile(path)
        number = 0
        first, stop = rows or (1, None)
        for batch in reader.iter_batches(batch_size=1024):
            if number + batch.num_rows < first:
                number += batch.num_rows
                continue
            if stop is not None and number + 1 >= stop:
                break
            names = batch.schema.names  # a column at a time to Python, then rows: faster than to_pylist
            for values in zip(*(column.to_pylist() for column in batch.columns)):
                number += 1
                if number < first or (stop is not None and number >= stop):
                    continue
                record = dict(zip(names, values))
                # (Arrow strings are valid UTF-8: no unpaired surrogate to look for)
                doc = record_document(record, name, number, str(path), options, problems, seen, {"row": number},
                                      maybe_surrogates=False)
                if doc is not None:
                    yield doc
    except OSError as exc:
        problems.append(ReadProblem(str(path), f"cannot read as Parquet: {getattr(exc, 'strerror', None) or exc}"))
    except Exception as exc:  # pyarrow's ArrowInvalid and kin: a damaged or foreign file
        if type(exc).__module__.startswith("pyarrow"):
            problems.append(ReadProblem(str(path), f"cannot read as Parquet: {exc}"))
        else:
            raise


def leads_outside(path: Path, root: Path) -> bool:
    """Whether ``path`` is a symbolic link whose target lies outside ``root``."""
    if not path.is_symlink():
        return False
    return not path.resolve().is_relative_to(root.resolve())


def list_corpus_files(root: Path, follow_links: bool = False,
                      problems: list[ReadProblem] | None = None, *, records: bool = False) -> list[Path]:
    """The readable files under ``root``: recursive, sorted, hidden files skipped.

    Text and HTML files always; JSON Lines and Parquet shards too with ``records``. A file
    of another kind is named in ``problems`` (skipped, never silently), except the report
    files cleancorpus writes itself. A symbolic link whose target lies outside ``root`` is
    skipped (noted in ``problems``) unless ``follow_links``: a corpus folder must not
    read, copy or rewrite files from elsewhere on the machine. Linked folders are never
    descended into.
    """
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file() or \
                path.name.endswith(OWN_FILES):
            continue
        kind = file_kind(path)
        if kind is None or (kind in ("jsonl", "parquet") and not records):
            if problems is not None and kind is None:
                problems.append(ReadProblem(str(path), f"not a kind of file cleancorpus reads ({KINDS_HELP}); "
                                                       "skipped", fatal=False, kind="skipped"))
            continue
        if not follow_links and leads_outside(path, root):
            if problems is not None:
                problems.append(ReadProblem(str(path), "symbolic link to a file outside the input; skipped "
                                            "(--follow-links reads it)", fatal=False, kind="link"))
            continue
        files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def text_document_ids(paths: Sequence[str | Path], follow_links: bool = False) -> list[str]:
    """The ids the text and HTML files of these inputs will have (shards excluded), to plan
    output names before anything is read."""
    ids: list[str] = []
    prefixes = [f"{name}/" for name in input_names(paths)] if len(paths) > 1 else [""]
    for path, prefix in zip(paths, prefixes):
        root = Path(path)
        if str(path) == STDIN or not root.exists():
            continue
        if root.is_dir():
            ids += [prefix + f.relative_to(root).as_posix() for f in list_corpus_files(root, follow_links)]
        elif file_kind(root) in ("text", "html"):
            ids.append(prefix.rstrip("/") or root.name)
    return ids


def input_names(paths: Sequence[str | Path]) -> list[str]:
    """The name each input's documents are filed under when a run reads several inputs
    (its folder or file name); two inputs of one name are a :class:`CorpusError`."""
    names = [STDIN if str(p) == STDIN else Path(p).resolve().name for p in paths]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CorpusError(f"several inputs are named {repeated[0]!r}: their documents would share ids; "
                          "give inputs with different names")
    return names


def read_corpus(path: str | Path | Sequence[str | Path], options: ReadOptions | None = None,
                problems: list[ReadProblem] | None = None, extraction_cache: dict | None = None,
                content_hashes: bool = False) -> Iterator[Document]:
    """Read documents from folders, files, JSON Lines or Parquet shards, or ``-`` (stdin).

    ``path`` may be one input or a list of them. A folder is read recursively: each text
    or HTML file is one document (its id: the path inside the folder), each JSON Lines or
    Parquet shard many (ids from the id field, else ``shard-path:line``). With several
    inputs, each id starts with its input's name (``a/story.txt``, ``b.jsonl:3``).

    Lazy: one document at a time. Problems are appended to ``problems`` (and the
    document skipped when fatal); without a list, the first fatal problem raises
    :class:`CorpusError`. A missing input, or a file of a kind cleancorpus does not read,
    always raises :class:`CorpusError` before anything is read.
    ``extraction_cache`` (a dict-like keyed by content hash) spares re-extracting HTML.
    ``content_hashes``: records get a ``content_hash`` in their metadata too, as files
    always do (caches key on it).

    >>> docs = list(read_corpus("seeds"))            # doctest: +SKIP
    >>> docs[0].id
    '000_4dc42c2cc4e86bcb.txt'
    """
    options = options or ReadOptions()
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    if not paths:
        raise CorpusError("no input given")
    check_inputs(paths)
    collect = problems if problems is not None else []
    stream = _read_all(paths, options, collect, extraction_cache, content_hashes)
    if problems is not None:
        yield from stream
        return
    for doc in stream:
        fatal = [p for p in collect if p.fatal]
        if fatal:
            raise CorpusError(str(fatal[0]))
        yield doc
    fatal = [p for p in collect if p.fatal]
    if fatal:
        raise CorpusError(str(fatal[0]))


def check_inputs(paths: Sequence[str | Path]) -> None:
    """Raise :class:`CorpusError` (one line, naming the input) for an input that is missing,
    of a kind cleancorpus does not read, or that needs an extra that is not installed."""
    if len(paths) > 1:
        input_names(paths)
        if sum(str(p) == STDIN for p in paths) > 1:
            raise CorpusError("standard input (-) can be read only once")
    for path in paths:
        if str(path) == STDIN:
            continue
        root = Path(path)
        if not root.exists():
            raise CorpusError(f"{root}: no such file or directory")
        if root.is_file():
            kind = file_kind(root)
            if kind is None:
                raise CorpusError(f"{root}: not a kind of file cleancorpus reads ({KINDS_HELP})")
            _require_reader(root, kind)


def _require_reader(path: Path, kind: str) -> None:
    from ..adapters import MissingExtra, require

    try:
        if kind == "parquet":
            require("pyarrow", "parquet")
        elif path.name.lower().endswith(".zst"):
            require("zstandard", "zstd")
    except MissingExtra as exc:
        raise CorpusError(f"{path}: {exc}") from None


def _read_all(paths: list, options: ReadOptions, problems: list[ReadProblem],
              extraction_cache: dict | None, hashes: bool = False) -> Iterator[Document]:
    seen: set[str] = set()
    prefixes = [f"{name}/" for name in input_names(paths)] if len(paths) > 1 else [""]
    for path, prefix in zip(paths, prefixes):
        yield from _read_any(path, options, problems, extraction_cache, prefix, seen, hashes)


def _read_any(path: str | Path, options: ReadOptions, problems: list[ReadProblem],
              extraction_cache: dict | None = None, prefix: str = "", seen: set[str] | None = None,
              hashes: bool = False) -> Iterator[Document]:
    seen = set() if seen is None else seen
    if str(path) == STDIN:
        for doc in _iter_jsonl(sys.stdin.buffer, "<stdin>", options, problems, seen=seen, hashes=hashes):
            doc.meta["shard"] = prefix + "corpus.jsonl"  # what a mirrored output calls it
            yield doc
        return
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"{root}: no such file or directory")
    if root.is_dir():
        files = list_corpus_files(root, options.follow_links, problems, records=True)
        if not files:
            raise CorpusError(f"{root}: no files cleancorpus reads in this folder ({KINDS_HELP})")
        templates = learn_folder_templates(root, files, options)
        for file in files:
            relative = prefix + file.relative_to(root).as_posix()
            kind = file_kind(file)
            if kind in ("jsonl", "parquet"):
                _require_reader(file, kind)
                if kind == "jsonl":
                    yield from _iter_jsonl_file(file, options, problems, relative, seen, hashes)
                else:
                    yield from _iter_parquet_file(file, options, problems, relative, seen)
                continue
            doc = _read_file_document(file, relative, _folder_source(file.relative_to(root)), options, problems,
                                      extraction_cache, templates)
            if doc is not None:
                seen.add(doc.id)
                yield doc
    elif file_kind(root) == "jsonl":
        yield from _iter_jsonl_file(root, options, problems, prefix.rstrip("/") or root.name, seen, hashes)
    elif file_kind(root) == "parquet":
        yield from _iter_parquet_file(root, options, problems, prefix.rstrip("/") or root.name, seen)
    else:
        doc = _read_file_document(root, prefix.rstrip("/") or root.name, None, options, problems, extraction_cache)
        if doc is not None:
            yield doc
