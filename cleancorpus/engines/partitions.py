"""A corpus of record shards as partitions: slices of shards that a worker reads on its own.

A partition is a range of lines of one JSON Lines shard (plain, ``.gz`` or ``.zst``) or of
rows of one Parquet file. It reads its documents exactly as :func:`~cleancorpus.io.read_corpus`
does (same ids, sources, metadata and problems), so results can be compared across engines:
the one difference is that an id repeated in *another* partition cannot be renamed there
(the local reader renames it); the engine finds such ids and stops with their names.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..document import Document
from ..io.readers import (STDIN, CorpusError, ReadOptions, ReadProblem, iter_jsonl_file, iter_parquet_file,
                          require_format_extra, check_inputs, file_kind, input_names, list_corpus_files, open_records)


@dataclass(frozen=True)
class Partition:
    """Records ``first <= number < stop`` (lines or rows, from 1) of one shard."""

    number: int
    path: str
    #: the shard's name in the corpus: ids default to ``name:line``, the output shard takes it
    name: str
    kind: str
    first: int = 1
    stop: int | None = None

    def read(self, options: ReadOptions) -> tuple[list[Document], list[ReadProblem]]:
        """The partition's documents and the problems met reading them."""
        problems: list[ReadProblem] = []
        span = (self.first, self.stop if self.stop is not None else 1 << 62)
        if self.kind == "jsonl":
            docs = list(iter_jsonl_file(Path(self.path), options, problems, self.name, lines=span))
        else:
            docs = list(iter_parquet_file(Path(self.path), options, problems, self.name, rows=span))
        return docs, problems


@dataclass(frozen=True)
class Shard:
    """One record file of the input and its name in the corpus."""

    path: str
    name: str
    kind: str


def list_shards(inputs: Sequence[str | Path]) -> list[Shard]:
    """The record shards of ``inputs`` in the order the local reader reads them, named as it
    names them; :class:`CorpusError` for standard input or a text or HTML document (a
    distributed run reads shards)."""
    inputs = list(inputs)
    if not inputs:
        raise CorpusError("no input given")
    check_inputs(inputs)
    prefixes = [f"{name}/" for name in input_names(inputs)] if len(inputs) > 1 else [""]
    shards: list[Shard] = []
    for path, prefix in zip(inputs, prefixes):
        if str(path) == STDIN:
            raise CorpusError("standard input cannot be partitioned: --engine dask reads files "
                              "(JSON Lines or Parquet shards)")
        root = Path(path)
        files = list_corpus_files(root, records=True) if root.is_dir() else [root]
        if root.is_dir() and not files:
            raise CorpusError(f"{root}: no files cleancorpus reads in this folder")
        for file in files:
            kind = file_kind(file)
            if kind not in ("jsonl", "parquet"):
                raise CorpusError(f"{file}: --engine dask reads JSON Lines and Parquet shards, not single text or "
                                  "HTML documents (use the local engine for folders of documents)")
            require_format_extra(file, kind)
            name = prefix + file.relative_to(root).as_posix() if root.is_dir() else (prefix.rstrip("/") or root.name)
            shards.append(Shard(str(file), name, kind))
    return shards


def count_records(shard: Shard) -> int:
    """Lines (JSON Lines) or rows (Parquet) of a shard: what splitting it needs."""
    if shard.kind == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(shard.path).metadata.num_rows
    lines, last = 0, b"\n"
    with open_records(Path(shard.path)) as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def plan_partitions(shards: Sequence[Shard], counts: Sequence[int] | None = None,
                    partition_size: int | None = None) -> list[Partition]:
    """Partitions of at most ``partition_size`` records (``counts``: each shard's), or one per shard."""
    partitions: list[Partition] = []
    for k, shard in enumerate(shards):
        if not partition_size or counts is None:
            partitions.append(Partition(len(partitions), shard.path, shard.name, shard.kind))
            continue
        first = 1
        while True:
            stop = first + partition_size
            last = stop >= counts[k] + 1
            partitions.append(Partition(len(partitions), shard.path, shard.name, shard.kind, first,
                                        None if last else stop))
            if last:
                break
            first = stop
    return partitions


def _bucket(key: str, buckets: int) -> int:
    data = key.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little") % buckets


def id_entries(ids: Sequence[str], part: int, buckets: int) -> list[list[tuple[str, int]]]:
    """Per bucket of id: ``(id, partition)`` of a partition's documents (what
    :func:`clashing_ids` groups)."""
    out: list[list[tuple[str, int]]] = [[] for _ in range(buckets)]
    for doc_id in ids:
        out[_bucket(doc_id, buckets)].append((doc_id, part))
    return out


def clashing_ids(pieces: Sequence[list[tuple[str, int]]]) -> list[str]:
    """Ids read in two partitions (a partition renames its own repeats, as the local reader does)."""
    parts: dict[str, set[int]] = defaultdict(set)
    for doc_id, part in (e for piece in pieces for e in piece):
        parts[doc_id].add(part)
    return sorted(i for i, p in parts.items() if len(p) > 1)
