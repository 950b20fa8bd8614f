"""What a read is: the kinds of input, how to read them, and what can go wrong.

Shared by every reader (:mod:`.readers` for folders and records, :mod:`.pages` for text and
HTML files): the file kinds and their suffixes, :class:`ReadOptions`, :class:`ReadProblem`,
:class:`CorpusError`, a page's source (its host), bounded reading of a file's bytes, and
the content hash caches key on.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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


def base_suffix(path: Path) -> str:
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
    suffix = base_suffix(path)
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
    return str(path) == STDIN or (Path(path).is_file() and base_suffix(Path(path)) in JSONL_SUFFIXES)


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


def size_message(limit: int) -> str:
    return f"{limit / 1048576:g} MB (--max-document-mb or read.max_document_bytes)"


def read_document_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes (decompressed for ``.gz``), never more than ``limit`` of them:
    a larger file, or one that decompresses past the limit, raises :class:`TooLarge`."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            data = handle.read(-1 if limit is None else limit + 1)
        if limit is not None and len(data) > limit:
            raise TooLarge(f"decompresses to more than the maximum document size, {size_message(limit)}")
        return data
    if limit is not None and path.stat().st_size > limit:
        raise TooLarge(f"larger than the maximum document size, {size_message(limit)}")
    return path.read_bytes()


def folder_source(relative: str | Path) -> str | None:
    """The source of a file in a corpus folder: the folder it is in, relative to the input
    (``None`` at the top). ``relative``: a path, or its POSIX form as text."""
    parent = relative.rpartition("/")[0] if isinstance(relative, str) else relative.parent.as_posix()
    return None if parent in ("", ".") else parent


def content_hash(data: bytes) -> str:
    """A short hex digest of raw content: the key of caches (check, HTML extraction)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
