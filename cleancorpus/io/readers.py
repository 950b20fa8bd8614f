"""Reading corpora.

Readers turn a directory, a file, JSON Lines or standard input into a stream of
:class:`~cleancorpus.document.Document`; a file that cannot be read becomes a
:class:`ReadProblem` (named file, one-line reason) and the stream goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator
from urllib.parse import urlsplit

from ..document import Document

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
DIRECTORY_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
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
    follow_links: bool = False
    #: A document (a file, a JSON line, or a file once decompressed) larger than this is a
    #: per-document failure: one huge or hostile document must not take the run's memory.
    max_document_bytes: int = 64 * 1024 * 1024


def _base_suffix(path: Path) -> str:
    """The suffix that says the format, looking through a trailing ``.gz``."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1]


def is_jsonl_input(path: str | Path) -> bool:
    """True for ``-`` (stdin) and ``*.jsonl`` / ``*.ndjson`` files, gzipped or not."""
    return str(path) == STDIN or (Path(path).is_file() and _base_suffix(Path(path)) in JSONL_SUFFIXES)


def host_of(url: str | None) -> str | None:
    """The host of a URL without ``www.``, or ``None``."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else "//" + url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


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


def _read_file_document(path: Path, doc_id: str, source: str | None, options: ReadOptions,
                        problems: list[ReadProblem], extraction_cache: dict | None = None) -> Document | None:
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
    if _base_suffix(path) in HTML_SUFFIXES:
        cached = extraction_cache.get(meta["content_hash"]) if extraction_cache is not None else None
        text, found = cached if cached is not None else extract_html(text, options=options)
        if extraction_cache is not None and cached is None:
            extraction_cache[meta["content_hash"]] = (text, found)
        meta.update(found)
        source = found.get("hostname") or host_of(found.get("url")) or source
        if not text.strip():
            problems.append(ReadProblem(str(path), "no main text found in the HTML", fatal=False))
    elif not text.strip():
        problems.append(ReadProblem(str(path), "empty file", fatal=False))
    return Document(id=doc_id, text=text, source=source, meta=meta)


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
                location: str | None = None) -> Iterator[Document]:
    """Documents of a JSON Lines stream; ``name`` makes default ids, ``location`` is the file's path."""
    location = location or name
    seen: set[str] = set()
    limit = options.max_document_bytes
    for number, raw in enumerate(_bounded_lines(handle, limit), start=1):
        if raw is None:
            problems.append(ReadProblem(location, f"record larger than the maximum document size, "
                                                  f"{_size_message(limit)}", line=number))
            continue
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            problems.append(ReadProblem(location, f"malformed JSON: {exc}", line=number))
            continue
        except RecursionError:
            problems.append(ReadProblem(location, "malformed JSON: nested too deeply", line=number))
            continue
        if not isinstance(obj, dict):
            problems.append(ReadProblem(location, "a JSON object was expected", line=number))
            continue
        text = obj.get(options.text_field)
        if not isinstance(text, str):
            problems.append(ReadProblem(location, f"no string field {options.text_field!r}", line=number))
            continue
        doc_id = obj.get(options.id_field)
        doc_id = str(doc_id) if doc_id is not None else f"{name}:{number}"
        bad = _not_unicode(text) or _not_unicode(doc_id)
        if bad:
            problems.append(ReadProblem(location, f"{'text' if _not_unicode(text) else 'id'} holds {bad}: "
                                                  "not valid Unicode", line=number))
            continue
        if doc_id in seen:
            problems.append(ReadProblem(location, f"id {doc_id!r} was already used; this document is read as "
                                              f"{doc_id}#{number}", line=number, fatal=False))
            doc_id = f"{doc_id}#{number}"
        seen.add(doc_id)
        url = obj.get(options.url_field)
        source = obj.get(options.source_field) or host_of(url if isinstance(url, str) else None)
        meta = {"fields": {k: v for k, v in obj.items() if k != options.text_field},
                "text_at": list(obj).index(options.text_field), "line": number,
                "path": location, "content_hash": content_hash(raw)}
        if isinstance(url, str):
            meta["url"] = url
        date = obj.get(options.date_field)
        if isinstance(date, (str, int, float)) and not isinstance(date, bool) and str(date).strip():
            meta["date"] = str(date)
        yield Document(id=doc_id, text=text, source=str(source) if source else None, meta=meta)


def _iter_jsonl_file(path: Path, options: ReadOptions, problems: list[ReadProblem]) -> Iterator[Document]:
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as handle:
            yield from _iter_jsonl(handle, path.name, options, problems, str(path))
    except (OSError, EOFError, zlib.error) as exc:
        problems.append(ReadProblem(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"))


def leads_outside(path: Path, root: Path) -> bool:
    """Whether ``path`` is a symbolic link whose target lies outside ``root``."""
    if not path.is_symlink():
        return False
    return not path.resolve().is_relative_to(root.resolve())


def list_corpus_files(root: Path, follow_links: bool = False,
                      problems: list[ReadProblem] | None = None) -> list[Path]:
    """The readable files under ``root``: recursive, sorted, hidden files skipped.

    A symbolic link whose target lies outside ``root`` is skipped (noted in ``problems``)
    unless ``follow_links``: a corpus folder must not read, copy or rewrite files from
    elsewhere on the machine. Linked folders are never descended into.
    """
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and _base_suffix(path) in DIRECTORY_SUFFIXES:
            if not follow_links and leads_outside(path, root):
                if problems is not None:
                    problems.append(ReadProblem(str(path), "symbolic link to a file outside the input; skipped "
                                                "(--follow-links reads it)", fatal=False, kind="link"))
                continue
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def read_corpus(path: str | Path, options: ReadOptions | None = None,
                problems: list[ReadProblem] | None = None, extraction_cache: dict | None = None) -> Iterator[Document]:
    """Read documents from a directory, a file, a JSON Lines file or ``-`` (stdin).

    Lazy: one document at a time. Problems are appended to ``problems`` (and the
    document skipped when fatal); without a list, the first fatal problem raises
    :class:`CorpusError`. A missing input always raises :class:`CorpusError`.
    ``extraction_cache`` (a dict-like keyed by content hash) spares re-extracting HTML.

    >>> docs = list(read_corpus("seeds"))            # doctest: +SKIP
    >>> docs[0].id
    '000_4dc42c2cc4e86bcb.txt'
    """
    options = options or ReadOptions()
    collect = problems if problems is not None else []
    stream = _read_any(path, options, collect, extraction_cache)
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


def _read_any(path: str | Path, options: ReadOptions, problems: list[ReadProblem],
              extraction_cache: dict | None = None) -> Iterator[Document]:
    if str(path) == STDIN:
        yield from _iter_jsonl(sys.stdin.buffer, "<stdin>", options, problems)
        return
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"{root}: no such file or directory")
    if root.is_dir():
        files = list_corpus_files(root, options.follow_links, problems)
        if not files:
            raise CorpusError(f"{root}: no .txt, .md, .html or .htm files (or their .gz) in this folder; "
                              "give a .jsonl file directly")
        for file in files:
            relative = file.relative_to(root)
            doc = _read_file_document(file, relative.as_posix(), _folder_source(relative), options, problems,
                                      extraction_cache)
            if doc is not None:
                yield doc
    elif _base_suffix(root) in JSONL_SUFFIXES:
        yield from _iter_jsonl_file(root, options, problems)
    else:
        doc = _read_file_document(root, root.name, None, options, problems, extraction_cache)
        if doc is not None:
            yield doc
