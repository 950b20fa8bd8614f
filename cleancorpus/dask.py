"""cleancorpus inside pipelines that already use Dask.

>>> import dask.bag as db                                    # doctest: +SKIP
>>> from distributed import Client                            # doctest: +SKIP
>>> import cleancorpus.dask
>>> client = Client()                                         # doctest: +SKIP
>>> records = db.read_text("shards/*.jsonl").map(json.loads)  # doctest: +SKIP
>>> cleaned = cleancorpus.dask.normalize(records, cleancorpus.Settings())   # doctest: +SKIP
>>> cleaned.to_textfiles("clean/*.jsonl", ...)                # doctest: +SKIP

:func:`normalize` fits the corpus-wide stages on the cluster of the current
``distributed`` client (cruft recurrence and the near-duplicate clusters are computed as
maps and group-bys over the partitions; only their small results reach the client) and
returns a lazy collection of the cleaned records, as
``to_records(Pipeline(settings).run(records))`` gives them on one machine.
Needs ``pip install 'cleancorpus[dask]'``.
"""

from __future__ import annotations

from typing import Any

from .config import Settings

__all__ = ["normalize"]


def normalize(collection: Any, settings: Settings | None = None) -> Any:
    """Cleaned records of a Dask bag of records (dicts) or a Dask data frame (one row a record).

    Returns the same kind of collection: a bag of dicts (the record's fields, its cleaned
    text, ``duplicate_of``), or a data frame with those columns. Fitting runs now, on the
    cluster of the current client; cleaning runs when the result is computed. Ids are read
    as :func:`cleancorpus.from_records` reads them (``record:N`` by position when a record
    has none), so results equal the local pipeline's.
    """
    from .engines.cluster import DaskPipeline, RecordsPartition, clean_records, require_dask

    distributed = require_dask()
    import dask
    import dask.bag as db

    settings = settings or Settings()
    frame = hasattr(collection, "to_bag") and hasattr(collection, "columns")
    bag = collection.to_bag(format="dict") if frame else collection
    client = distributed.get_client()
    parts = client.compute(bag.to_delayed())
    lengths = client.gather(client.map(len, parts, pure=False))
    starts = [sum(lengths[:k]) for k in range(len(lengths))]
    partitions = [client.submit(RecordsPartition, number, start, part, pure=False)
                  for number, (start, part) in enumerate(zip(starts, parts))]
    pipeline = DaskPipeline(client, partitions, settings).fit()
    stages = pipeline.broadcast(pipeline.fitted_stages())
    cleaned = db.from_delayed([dask.delayed(clean_records)(p, settings.read, stages) for p in partitions])
    return cleaned.to_dataframe() if frame else cleaned
