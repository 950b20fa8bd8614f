"""Engines: who runs the stages.

The stages are the same on every engine, and an engine uses nothing of them but their
interface (:mod:`cleancorpus.stages`: ``partial`` / ``merge`` / ``finish`` rounds, and
``apply``); it only decides where those run and how data moves between them.

- ``local`` (default, :mod:`.local`): one stream through :func:`~.local.run_stages`, with
  ``--jobs`` worker processes on this machine. Reads anything cleancorpus reads.
- ``dask`` (:mod:`.cluster`, ``pip install 'cleancorpus[dask]'``): the corpus as partitions of
  record shards (:mod:`.partitions`) on a Dask cluster (a ``LocalCluster`` on this machine,
  or any scheduler: Kubernetes, YARN, an HPC queue). Learning is maps and trees of merges
  over partitions, plus the near-duplicate stage's shuffle (:mod:`cleancorpus.dedup.partitioned`),
  applying is a map, and workers write the output shards. Same output, records, clusters
  and representatives as the local engine.
"""

ENGINES = ("local", "dask")
