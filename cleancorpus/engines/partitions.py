"""Ids read in two partitions of a Dask collection (:class:`~.cluster.DaskPipeline`).

A partition of a bag renames its own repeated ids as the local reader does, but it cannot
know of another partition's; these group-by steps find ids that occur in two partitions,
so the run stops with their names instead of giving two documents one id.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Sequence


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
