"""Reading corpora.

Readers turn a directory, a file, JSON Lines or Parquet shards or standard input into a
stream of :class:`~cleancorpus.document.Document`; a file that cannot be read becomes a
:class:`ReadProblem` (named file, one-line reason) and the stream goes on. This module reads
records and walks folders; :mod:`.kinds` says what a read is (kinds, options, problems) and
:mod:`.pages` reads single text and HTML files. Their names are re-exported here.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import zlib
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence

from ..document import Document
from .kinds import (DIRECTORY_SUFFIXES, HTML_SUFFIXES, JSONL_SUFFIXES, KINDS_HELP, OWN_FILES,  # noqa: F401
                    PARQUET_SUFFIXES, STDIN, TEXT_SUFFIXES, CorpusError, ReadOptions, ReadProblem, TooLarge,
                    base_suffix, folder_source, read_document_bytes, size_message, content_hash, file_kind, host_of,
                    is_jsonl_input, is_record_file, source_of)
from .pages import read_file_document, decode_text, extract_html, learn_folder_templates  # noqa: F401


def bounded_lines(handle: IO[bytes], limit: int) -> Iterator[bytes | None]:
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
    first, stop = lines or (1, None)

    def wanted() -> Iterator[bytes | None]:
        for number, raw in enumerate(bounded_lines(handle, options.max_document_bytes), start=1):
            if number < first:
                continue
            if stop is not None and number >= stop:
                return
            yield raw

    yield from records_of_lines(wanted(), first, name, options, problems, location, seen, hashes)


def records_of_lines(lines: Iterable[bytes | None], start: int, name: str, options: ReadOptions,
                     problems: list[ReadProblem], location: str | None = None, seen: Any = None,
                     hashes: bool = False) -> Iterator[Document]:
    """Documents of JSON Lines ``lines`` numbered from ``start`` (``None``: a line longer than
    the size limit, from :func:`bounded_lines`); see :func:`_iter_jsonl` for the rest."""
    location = location or name
    seen = set() if seen is None else seen
    limit = options.max_document_bytes
    for number, raw in enumerate(lines, start=start):
        if raw is None:
            problems.append(ReadProblem(location, f"record larger than the maximum document size, "
                                                  f"{size_message(limit)}", line=number))
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
        from ..extras import require

        zstandard = require("zstandard", "zstd")
        raw = open(path, "rb")
        try:
            # a buffered reader gives ``readline`` (the zstandard reader has none of its own)
            return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
        except BaseException:
            raw.close()
            raise
    return open(path, "rb")


def iter_jsonl_file(path: Path, options: ReadOptions, problems: list[ReadProblem], name: str | None = None,
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


def iter_parquet_file(path: Path, options: ReadOptions, problems: list[ReadProblem], name: str | None = None,
                       seen: set[str] | None = None, rows: tuple[int, int] | None = None,
                       row_groups: list[int] | None = None) -> Iterator[Document]:
    """Documents of a Parquet file, a row group batch at a time (needs ``cleancorpus[parquet]``);
    ``rows``: only rows numbered ``first <= number < stop`` (from 1). ``row_groups``: read
    only these (consecutive) row groups, whose first row is ``rows[0]``."""
    from ..extras import require

    require("pyarrow", "parquet")
    import pyarrow.parquet as pq

    name = name or path.name
    seen = set() if seen is None else seen
    try:
        reader = pq.ParquetFile(path)
        number = 0
        first, stop = rows or (1, None)
        if row_groups is not None:
            number = first - 1
        for batch in reader.iter_batches(batch_size=1024, row_groups=row_groups):
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
    return [path for path, _ in corpus_files(root, follow_links, problems, records=records)]


def corpus_files(root: Path, follow_links: bool = False, problems: list[ReadProblem] | None = None, *,
                 records: bool = False) -> list[tuple[Path, str]]:
    """:func:`list_corpus_files` with each file's path relative to ``root`` (POSIX form),
    sorted by it. One ``os.scandir`` walk and string operations: a folder of a million
    files is listed without a ``Path`` operation per file and name."""
    found: list[tuple[str, str, bool]] = []  # (relative, full path, is a symbolic link)

    def walk(folder: str, relative: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                name = f"{relative}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{name}/")
                elif entry.is_file():
                    found.append((name, entry.path, entry.is_symlink()))

    walk(str(root), "")
    files = []
    for relative, full, linked in sorted(found):
        base = relative.rpartition("/")[2]
        if base.endswith(OWN_FILES):
            continue
        kind = file_kind(base)
        path = root / relative
        if kind is None or (kind in ("jsonl", "parquet") and not records):
            if problems is not None and kind is None:
                problems.append(ReadProblem(str(path), f"not a kind of file cleancorpus reads ({KINDS_HELP}); "
                                                       "skipped", fatal=False, kind="skipped"))
            continue
        if linked and not follow_links and leads_outside(path, root):
            if problems is not None:
                problems.append(ReadProblem(str(path), "symbolic link to a file outside the input; skipped "
                                            "(--follow-links reads it)", fatal=False, kind="link"))
            continue
        files.append((path, relative))
    return files


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
                content_hashes: bool = False, progress: Any = None) -> Iterator[Document]:
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
    always do (caches key on it). ``progress(label, done, total)`` hears of the pass that
    learns site templates from a folder of HTML pages before the first page is read.

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
    stream = _read_all(paths, options, collect, extraction_cache, content_hashes, progress)
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
            require_format_extra(root, kind)


def require_format_extra(path: Path, kind: str) -> None:
    """Raise :class:`CorpusError` naming ``path`` and the extra to install when its format
    (``kind``, and ``.zst``) needs one that is missing: for reading it, or writing it."""
    from ..extras import MissingExtra, require

    try:
        if kind == "parquet":
            require("pyarrow", "parquet")
        elif path.name.lower().endswith(".zst"):
            require("zstandard", "zstd")
    except MissingExtra as exc:
        raise CorpusError(f"{path}: {exc}") from None


def _read_all(paths: list, options: ReadOptions, problems: list[ReadProblem],
              extraction_cache: dict | None, hashes: bool = False, progress: Any = None) -> Iterator[Document]:
    seen: set[str] = set()
    prefixes = [f"{name}/" for name in input_names(paths)] if len(paths) > 1 else [""]
    for path, prefix in zip(paths, prefixes):
        yield from _read_any(path, options, problems, extraction_cache, prefix, seen, hashes, progress)


def _read_any(path: str | Path, options: ReadOptions, problems: list[ReadProblem],
              extraction_cache: dict | None = None, prefix: str = "", seen: set[str] | None = None,
              hashes: bool = False, progress: Any = None) -> Iterator[Document]:
    seen = set() if seen is None else seen
    if str(path) == STDIN:
        if sys.stdin is None:
            raise CorpusError("-: standard input is closed; nothing to read (name files or folders instead)")
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
        templates = learn_folder_templates(root, files, options, progress)
        for file in files:
            relative = prefix + file.relative_to(root).as_posix()
            kind = file_kind(file)
            if kind in ("jsonl", "parquet"):
                require_format_extra(file, kind)
                if kind == "jsonl":
                    yield from iter_jsonl_file(file, options, problems, relative, seen, hashes)
                else:
                    yield from iter_parquet_file(file, options, problems, relative, seen)
                continue
            doc = read_file_document(file, relative, folder_source(file.relative_to(root)), options, problems,
                                      extraction_cache, templates)
            if doc is not None:
                seen.add(doc.id)
                yield doc
    elif file_kind(root) == "jsonl":
        yield from iter_jsonl_file(root, options, problems, prefix.rstrip("/") or root.name, seen, hashes)
    elif file_kind(root) == "parquet":
        yield from iter_parquet_file(root, options, problems, prefix.rstrip("/") or root.name, seen)
    else:
        doc = read_file_document(root, prefix.rstrip("/") or root.name, None, options, problems, extraction_cache)
        if doc is not None:
            yield doc
