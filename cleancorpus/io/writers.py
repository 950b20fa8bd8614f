"""Writing corpora: mirrored files or one JSON Lines file, atomically, never over a stranger's file.

Every file goes through :func:`~cleancorpus.io.atomic.atomic_open` (a temporary file,
fsync, rename; the mode of the file replaced or the umask's). An output folder carries a
manifest (``.cleancorpus-manifest``, one JSON-quoted relative path a line) of the files
cleancorpus wrote there; a run replaces a file only when the manifest lists it, so a file
the user put in the output folder, or an unrelated file beside a single input, is never
replaced. The manifest line is appended *before* the file is written, so a run killed
mid-way still lets the next run replace what it wrote.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Sequence

from ..document import Document
from .atomic import atomic_open, atomic_write_bytes
from .kinds import ReadProblem
from .records import DUPLICATE_FIELD, document_to_json, record_line  # noqa: F401  (DUPLICATE_FIELD re-exported)
from .readers import (HTML_SUFFIXES, STDIN, CorpusError, ReadOptions, file_kind, is_record_file,
                      require_format_extra)
from .shards import ShardWriter

MANIFEST = ".cleancorpus-manifest"
REPORT_NAME = "cleancorpus-report.json"


def output_relative_path(doc_id: str) -> str:
    """Where a document goes in a mirrored output: its id, with ``.html``/``.htm`` as ``.txt``."""
    gz = doc_id.lower().endswith(".gz")
    stem = doc_id[:-3] if gz else doc_id
    base, ext = os.path.splitext(stem)
    if ext.lower() in HTML_SUFFIXES:
        stem = base + ".txt"
    return stem + (".gz" if gz else "")


def plan_output_names(ids: Iterable[str]) -> dict[str, str]:
    """Output names for a whole corpus with no two documents on one name.

    ``story.html`` normally becomes ``story.txt``; when the corpus also holds ``story.txt``
    (or ``story.htm``), each converted document keeps its full name instead
    (``story.html.txt``), so no document overwrites another.
    """
    ids = list(ids)
    plain = {doc_id: output_relative_path(doc_id) for doc_id in ids}
    taken: dict[str, int] = {}
    for name in plain.values():
        taken[name.lower()] = taken.get(name.lower(), 0) + 1
    planned = {}
    for doc_id, name in plain.items():
        if taken[name.lower()] > 1 and name != doc_id:
            gz = doc_id.lower().endswith(".gz")
            stem = doc_id[:-3] if gz else doc_id
            name = stem + ".txt" + (".gz" if gz else "")
        planned[doc_id] = name
    return planned


def check_output_location(input_path: str | Path, output: Path, one_file: Path | None = None) -> None:
    """Refuse an output that is the input, lies inside it, or is a file (the input is never touched).

    ``one_file``: the output is that single file (in ``output``); it must not be the input.
    """
    if str(input_path) == STDIN:
        if output.exists() and not output.is_dir():
            raise CorpusError(f"output {output} exists and is not a folder")
        return
    source = Path(input_path).resolve()
    target = output.resolve()
    if one_file is not None:
        if one_file.resolve() == source:
            raise CorpusError(f"output {one_file} would overwrite the input {input_path}")
        if source.is_dir() and source in one_file.resolve().parents:
            raise CorpusError(f"output {one_file} is inside the input {input_path}; choose a place outside it")
        return
    if target.exists() and not target.is_dir():
        raise CorpusError(f"output {output} exists and is not a folder")
    if target == source or (source.is_dir() and source in target.parents):
        raise CorpusError(f"output {output} is inside the input {input_path}; choose a folder outside it")
    mirrored_name = source.name if is_record_file(source) else output_relative_path(source.name)
    if source.is_file() and target == source.parent and mirrored_name == source.name:
        raise CorpusError(f"output {output} would overwrite the input {input_path}")


@dataclass(frozen=True)
class OutputPlan:
    """Where a ``normalize`` run writes, decided and checked before anything is read."""

    #: the output folder, or the one file (``one_file``); unused when ``to_stdout``
    out: Path
    one_file: bool
    to_stdout: bool
    #: the file of dropped duplicates (``--dropped``), or ``None``
    dropped: Path | None


def plan_output(inputs: Sequence[str | Path], output: str | Path | None, dropped: str | Path | None = None, *,
                stdout: bool = True) -> OutputPlan:
    """Check and decide a run's output: a folder (default ``<INPUT>-clean``), one file of
    records (``.jsonl[.gz|.zst]``, ``.parquet``), or ``-`` (when ``stdout``); the file of
    dropped duplicates. Raises :class:`CorpusError` for an output inside or over an input,
    several inputs without an output, or a kind of file records cannot be written to. Both
    engines use it, so they refuse the same outputs with the same words."""

    to_stdout = output is not None and str(output) == "-"
    if to_stdout and not stdout:
        raise CorpusError("--engine dask writes files: give -o FOLDER or -o FILE, not -o -")
    one_file = (output is not None and not to_stdout and file_kind(output) in ("jsonl", "parquet")
                and not Path(output).is_dir())
    if output is None and len(inputs) > 1:
        raise CorpusError("several inputs need an output: give -o FOLDER, -o FILE.jsonl"
                          + (" or -o -" if stdout else ""))
    dropped_path = Path(dropped) if dropped is not None else None
    if dropped_path is not None:
        if file_kind(dropped_path) not in ("jsonl", "parquet"):
            raise CorpusError(f"--dropped {dropped_path}: give a .jsonl, .jsonl.gz, .jsonl.zst or .parquet file")
        for single in inputs:
            check_output_location(single, dropped_path.parent, one_file=dropped_path)
    out = Path(output) if output is not None else default_output(inputs[0])
    if not to_stdout:
        for single in inputs:
            check_output_location(single, out.parent if one_file else out, one_file=out if one_file else None)
    for written in ([out] if one_file else []) + ([dropped_path] if dropped_path is not None else []):
        require_format_extra(written, file_kind(written))  # (a mirrored output's shards: their inputs')
    return OutputPlan(out, one_file, to_stdout, dropped_path)


def default_output(input_path: str | Path) -> Path:
    """``<INPUT>-clean`` beside the input folder; for a single file, ``<its folder>-clean``
    beside that folder (``seeds/004.txt`` -> ``seeds-clean/``, where ``normalize seeds/``
    writes too), so the output never lands inside the corpus a later run reads."""
    path = Path(input_path)
    if str(input_path) == STDIN:
        raise CorpusError("reading from stdin needs an output folder: give -o OUTPUT")
    folder = path.resolve() if path.is_dir() else path.resolve().parent
    if folder.parent == folder:  # a file at the root of the file system: nothing is beside it
        raise CorpusError(f"{input_path}: give an output folder with -o OUTPUT")
    return folder.parent / f"{folder.name}-clean"


@dataclass
class WriteSummary:
    """What a write did: files written, files from an earlier run it replaced, failures."""

    written: int = 0
    overwritten: int = 0
    failures: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    #: warnings on what was written, not lost: a Parquet column written as text, say
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, message)


#: Longest file name most file systems take, in bytes.
MAX_NAME_BYTES = 255


def unusable_name(relative: str) -> str | None:
    """Why ``relative`` (a document's output path) cannot be a file under the output
    folder, or ``None``: empty, ``.``/``..`` parts, NUL or undecodable characters, or a
    part longer than file systems allow."""
    if not relative or relative.endswith("/"):
        return "empty name"
    for part in relative.split("/"):
        if part in ("", ".", ".."):
            return f"a {part or 'empty'!r} path part"
        if "\x00" in part:
            return "a NUL character"
        try:
            size = len(os.fsencode(part))  # undecodable bytes of a real file name are fine
        except UnicodeEncodeError:
            return "characters that are not valid Unicode"
        if size > MAX_NAME_BYTES:
            return f"a part of {size} bytes; file systems take {MAX_NAME_BYTES}"
    return None


class OutputFolder:
    """An output folder and its manifest of the files cleancorpus wrote there.

    :meth:`claim` says whether a relative path may be written (new, or written by an
    earlier run) and records it in the manifest before the write.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / MANIFEST
        #: manifest entries ignored, each with the reason (see :meth:`_load`)
        self.ignored: list[str] = []
        self.known = self._load()
        self.this_run: dict[str, str] = {}
        self.replaced = 0
        self._log: IO[bytes] | None = None

    def _load(self) -> set[str]:
        """The manifest's names. The manifest is data from the disk (anyone may have
        written it): an entry that is not a relative path resolving inside the folder
        without passing through a symbolic link (``../x``, ``/etc/x``, ``link/x``) is
        ignored, with its reason in ``self.ignored``, so it is never listed, replaced or
        deleted."""
        known: set[str] = set()
        try:
            lines = self.manifest_path.read_bytes().splitlines()
        except OSError:
            return known
        for raw in lines:
            try:
                name = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if not isinstance(name, str):
                continue
            reason = self._outside(name)
            if reason:
                self.ignored.append(f"manifest entry {name!r} {reason}; ignored")
            else:
                known.add(name)
        return known

    def _outside(self, name: str) -> str | None:
        """Why manifest entry ``name`` is not a file of this folder, or None."""
        path = Path(name)
        if not name or path.is_absolute() or name.startswith(("/", "\\")) or "\x00" in name:
            return "is not a relative path"
        if any(part in ("..", "") for part in name.split("/")) or "\\" in name:
            return "leaves the output folder"
        current = self.root
        try:
            for part in path.parts:
                current = current / part
                if current.is_symlink():
                    return "goes through a symbolic link"
            if not current.resolve().is_relative_to(self.root.resolve()):
                return "leaves the output folder"
        except (OSError, ValueError):
            return "cannot be looked up"
        return None

    def claim(self, relative: str, owner: str) -> str | None:
        """``None`` when ``relative`` may be written for ``owner`` (and is now in the manifest),
        else the one-line reason it may not."""
        unusable = unusable_name(relative)
        if unusable:
            return f"{owner!r}: cannot be a file name in the output ({unusable}); not written"
        target = self.root / relative
        earlier = self.this_run.get(relative)
        if earlier is not None:
            return f"{owner}: would be written to {target}, which this run already wrote from {earlier}; not written"
        if not target.resolve().is_relative_to(self.root.resolve()):
            return f"{owner}: id escapes the output folder, not written"
        try:
            if target.is_symlink():
                return f"{target}: is a symbolic link; not replaced"
            exists = target.exists()
        except OSError as exc:
            return f"{target}: cannot write: {exc.strerror or exc}"
        if exists and relative not in self.known:
            return (f"{target}: exists and was not written by cleancorpus; not replaced "
                    "(move it away or choose another output folder)")
        if relative not in self.known:
            try:
                if self._log is None:
                    self.root.mkdir(parents=True, exist_ok=True)
                    self._log = open(self.manifest_path, "ab")
                self._log.write(json.dumps(relative, ensure_ascii=True).encode("ascii") + b"\n")
                self._log.flush()
            except OSError as exc:
                return f"{self.manifest_path}: cannot write: {exc.strerror or exc}"
            self.known.add(relative)
        self.this_run[relative] = owner
        return None

    def close(self) -> None:
        """Rewrite the manifest compactly (sorted, one entry a path)."""
        if self._log is not None:
            self._log.close()
            self._log = None
            data = "".join(json.dumps(name, ensure_ascii=True) + "\n" for name in sorted(self.known))
            with contextlib.suppress(OSError):  # the appended log already lists everything
                atomic_write_bytes(self.manifest_path, data.encode("ascii"))

    def write(self, relative: str, data: bytes, owner: str | None = None) -> str | None:
        """Write one file (claimed first); ``None`` on success, else the failure's message.
        ``self.replaced`` counts the files of earlier runs this one replaced."""
        reason = self.claim(relative, owner or relative)
        if reason is not None:
            return reason
        target = self.root / relative
        try:
            existed = target.exists()
            atomic_write_bytes(target, data)
        except OSError as exc:
            return f"{target}: cannot write: {exc.strerror or exc}"
        self.replaced += existed
        return None


def stale_files(output: str | Path, written: Iterable[str], remove: bool = False,
                problems: list | None = None) -> list[str]:
    """Files of ``output`` an earlier run wrote that this run did not (``written``: relative
    paths), sorted; with ``remove``, they are deleted and leave the manifest.

    Only names in the manifest are ever considered, so a file cleancorpus did not write is
    never listed or touched; a name that is now a symbolic link or a folder is left alone,
    and an entry that leads outside the folder is ignored (a warning appended to
    ``problems``) and dropped from the rewritten manifest.
    """
    folder = OutputFolder(output)
    if problems is not None:
        problems.extend(ReadProblem(str(folder.manifest_path), message, fatal=False) for message in folder.ignored)
    keep = set(written)
    stale = sorted(name for name in folder.known - keep if (folder.root / name).is_file()
                   and not (folder.root / name).is_symlink())
    if remove and (folder.known - keep or folder.ignored):
        for name in stale:
            with contextlib.suppress(FileNotFoundError):
                (folder.root / name).unlink()
        folder.known &= keep | {n for n in folder.known - keep if (folder.root / n).exists()}
        data = "".join(json.dumps(name, ensure_ascii=True) + "\n" for name in sorted(folder.known))
        atomic_write_bytes(folder.manifest_path, data.encode("ascii"))
    return stale


#: A temporary file of :func:`~.atomic.atomic_open` (``.NAME.XXXXXXXX.tmp``) and a Dask
#: engine's work folder (``.cleancorpus-parts-XXXXXXXX``): what a killed run leaves.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")
_WORK_FOLDER = re.compile(r"^\.cleancorpus-parts-[A-Za-z0-9_]{8}$")


def remove_leftovers(output: str | Path, started: float) -> list[str]:
    """Remove what a run into ``output`` that was killed (``kill -9``, a power cut) left
    there, and return it (relative paths, sorted): temporary files of files the manifest
    lists, and the Dask engine's work folders, each older than ``started`` (this run's start,
    so a run writing at this moment keeps its own). Nothing else is touched."""
    folder = OutputFolder(output)
    known = folder.known | {MANIFEST}
    removed: list[str] = []
    folders = {str(Path(name).parent) for name in known}
    for relative in sorted(folders):
        place = folder.root / relative
        if place.is_symlink() or not place.is_dir():
            continue
        with contextlib.suppress(OSError), os.scandir(place) as entries:
            for entry in entries:
                match = _TEMPORARY.match(entry.name)
                here = (Path(relative) / entry.name).as_posix().removeprefix("./")
                try:
                    old = entry.stat(follow_symlinks=False).st_mtime < started
                except OSError:
                    continue
                if not old or entry.is_symlink():
                    continue
                target = (Path(relative) / match.group("name")).as_posix() if match else ""
                if match and entry.is_file(follow_symlinks=False) and target.removeprefix("./") in known:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        removed.append(here)
                elif relative == "." and _WORK_FOLDER.match(entry.name) and entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                    removed.append(here + "/")
    folder.close()
    return sorted(removed)


def _encode_text(text: str, gz: bool) -> bytes:
    data = text.encode("utf-8")
    return gzip.compress(data, mtime=0) if gz else data


def write_files(documents: Iterable[Document], output: Path, names: dict[str, str] | None = None,
                options: ReadOptions | None = None, *, as_shards: bool = True,
                shard_size: int | None = None) -> WriteSummary:
    """Mirror the input layout under ``output``: one file per text or HTML document, at its
    id's relative path, and each JSON Lines or Parquet shard as a shard of the same name
    and compression (see :mod:`.shards`).

    ``names`` (from :func:`plan_output_names`) gives each id its output name; ids not in it
    use :func:`output_relative_path`. Two documents on one name: the second is a failure.
    ``as_shards=False`` writes records from shards as files too (one per document, by id).
    ``shard_size`` reshards: all records go to ``part-00000``, ``part-00001``... of that many
    records each, in the format and compression of the first shard.
    """
    summary = WriteSummary()
    folder = OutputFolder(output)
    shards = ShardWriter(output, options or ReadOptions(), lambda shard: folder.claim(shard, shard), shard_size)
    try:
        for doc in documents:
            shard = doc.meta.get("shard") if as_shards else None
            if shard:
                if shards.write(doc, shard):
                    summary.written += 1
                continue
            relative = (names or {}).get(doc.id) or output_relative_path(doc.id)
            try:
                data = _encode_text(doc.text, relative.lower().endswith(".gz"))
            except UnicodeEncodeError as exc:
                summary.failures.append(f"{doc.id!r}: text holds characters that are not valid Unicode "
                                        f"({exc.reason}); not written")
                continue
            failure = folder.write(relative, data, doc.id)
            if failure is not None:
                summary.failures.append(failure)
                continue
            summary.written += 1
            summary.paths.append(output / relative)
        shards.finish()
    except BaseException:
        shards.abort()
        raise
    finally:
        summary.overwritten = folder.replaced + shards.replaced
        summary.failures.extend(shards.failures)
        summary.notes.extend(shards.notes)
        summary.paths.extend(shards.paths)
        folder.close()
    return summary


class RecordsFile:
    """One file of records written a document at a time, its format from its name
    (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``, ``.parquet``), in place atomically when
    :meth:`close` is called (all or nothing; :meth:`abort` leaves the target as it was)."""

    def __init__(self, target: Path, options: ReadOptions | None = None) -> None:
        self.target = Path(target)
        self.summary = WriteSummary()
        self.folder = OutputFolder(self.target.parent)
        # documents of many inputs: one schema unified over every input's (see .parquet)
        self.shards = ShardWriter(self.target.parent, options or ReadOptions(),
                                  lambda shard: self.folder.claim(shard, shard))
        self.failed = False

    def write(self, doc: Document) -> None:
        if self.failed:
            return
        try:
            if self.shards.write(doc, self.target.name):
                self.summary.written += 1
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.shards.abort()
        self.failed = True
        self.summary.failures.append(f"{self.target}: cannot write: {exc.strerror or exc}")

    def close(self) -> WriteSummary:
        """Finish the file (an empty one when no document came) and say what was written."""
        try:
            if not self.failed:
                if self.shards.current is None:
                    self.shards._open(self.target.name, Document("", ""))
                    self.shards.current = self.target.name
                self.shards.finish()
        except OSError as exc:
            self._fail(exc)
        finally:
            self.folder.close()
        self.summary.overwritten = self.shards.replaced
        self.summary.failures.extend(self.shards.failures)
        self.summary.notes.extend(self.shards.notes)
        self.summary.paths.extend(self.shards.paths)
        return self.summary

    def abort(self) -> None:
        self.shards.abort()
        self.folder.close()


def write_records_file(documents: Iterable[Document], target: Path, options: ReadOptions | None = None
                       ) -> WriteSummary:
    """Every document into one file of records (see :class:`RecordsFile`)."""
    records = RecordsFile(target, options)
    try:
        for doc in documents:
            records.write(doc)
    except BaseException:
        records.abort()
        raise
    return records.close()


def write_stdout(documents: Iterable[Document], options: ReadOptions | None = None) -> WriteSummary:
    """Every document as a JSON Lines record on standard output (``-o -``)."""
    import sys

    summary = WriteSummary()
    out = sys.stdout.buffer
    for doc in documents:
        out.write(record_line(doc, options or ReadOptions()))
        summary.written += 1
    out.flush()
    return summary




def write_jsonl(documents: Iterable[Document], target: Path, options: ReadOptions | None = None) -> WriteSummary:
    """Write all documents to one JSON Lines file, atomically (all or nothing)."""
    summary = WriteSummary()
    folder = OutputFolder(target.parent)
    reason = folder.claim(target.name, target.name)
    if reason is not None:
        summary.failures.append(reason)
        folder.close()
        return summary
    existed = target.exists()
    count = 0
    try:
        with atomic_open(target) as handle:
            for doc in documents:
                handle.write(record_line(doc, options or ReadOptions()))
                count += 1
    except OSError as exc:
        summary.failures.append(f"{target}: cannot write: {exc.strerror or exc}")
        return summary
    finally:
        folder.close()
    summary.written = count
    summary.overwritten = int(existed)
    summary.paths.append(target)
    return summary


def write_corpus(documents: Iterable[Document], output: str | Path, *, format: str = "mirror",
                 jsonl_name: str = "corpus.jsonl", options: ReadOptions | None = None,
                 names: dict[str, str] | None = None, shard_size: int | None = None) -> WriteSummary:
    """Write documents under ``output``.

    ``mirror`` (default): the input layout, text documents as files and records as shards
    of the names and compression they came in; ``files``: every document as a file named
    by its id (records too); ``jsonl``: one JSON Lines file, ``jsonl_name``.
    A file already in ``output`` is replaced only if cleancorpus wrote it (see the manifest).
    """
    output = Path(output)
    if format == "jsonl":
        return write_jsonl(documents, output / jsonl_name, options)
    if format not in ("files", "mirror"):
        raise ValueError(f"unknown output format {format!r} (mirror, files or jsonl)")
    return write_files(documents, output, names, options, as_shards=format == "mirror", shard_size=shard_size)
