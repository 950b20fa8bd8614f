"""Engines: who runs the stages.

The stages (:mod:`cleancorpus.pipeline`) are the same on every engine; an engine only
decides where their ``fit`` and ``apply`` run and how data moves between them.

- ``local`` (default): one stream through :func:`~cleancorpus.pipeline.run_stages`, with
  ``--jobs`` worker processes on this machine. Reads anything cleancorpus reads.
- ``dask`` (:mod:`.cluster`, ``pip install 'cleancorpus[dask]'``): the corpus as partitions of
  record shards (:mod:`.partitions`) on a Dask cluster (a ``LocalCluster`` on this machine,
  or any scheduler: Kubernetes, YARN, an HPC queue). Fits are maps and group-bys over
  partitions (:mod:`cleancorpus.cruft.partitioned`, :mod:`cleancorpus.dedup.partitioned`),
  applying is a map, and workers write the output shards. Same output, records, clusters
  and representatives as the local engine.
"""

ENGINES = ("local", "dask")
