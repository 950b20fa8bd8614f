"""A stage's keyed shuffle through files: the :class:`~cleancorpus.stages.Exchange` of the
local engine, and of the Dask engine running the local plan (``normalize``:
:class:`~.cluster.DaskExecutor`), whose workers share the run's folder. (``DaskPipeline``
keeps its pieces as futures on the workers instead: :class:`~.cluster.FutureExchange`.)

Every handle is a file (:class:`Stored`); a task loads the files its arguments name, calls
the stage's function and writes the result (one file per piece when the result is split),
so what this process holds of a step is a list of file names, and a piece travels once,
from the task that made it to the task that takes it. Tasks run where the run's executor
runs them (this process, ``--jobs`` workers, a Dask cluster).
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence


@dataclass(frozen=True)
class Stored:
    """A value kept in a file of the exchange."""

    path: str

    def load(self) -> Any:
        with open(self.path, "rb") as handle:
            return pickle.load(handle)


def write_value(path: str, value: Any) -> None:
    """``value`` pickled to ``path``. (Written in place: a step's files are read only after
    every task of the step is done, and the folder is scratch, removed however the run ends.)"""
    with open(path, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def resolved(value: Any) -> Any:
    """A task's argument with its handles loaded (an argument may be a handle, or a list
    or tuple of handles and lists of handles)."""
    if isinstance(value, Stored):
        return value.load()
    if isinstance(value, (list, tuple)) and any(isinstance(v, (Stored, list, tuple)) for v in value):
        return [resolved(v) for v in value]
    return value


def run_stored(function: Callable, args: tuple, path: str, pieces: int) -> None:
    """One task of a step: ``function`` of the loaded ``args``, written to ``path`` (or, with
    ``pieces``, each piece to ``path.k``)."""
    result = function(*(resolved(a) for a in args))
    if not pieces:
        write_value(path, result)
        return
    result = list(result)
    if len(result) != pieces:
        raise ValueError(f"{getattr(function, '__name__', function)} gave {len(result)} pieces, not {pieces}")
    for k, piece in enumerate(result):
        write_value(f"{path}.{k}", piece)


class FileExchange:
    """The exchange of one stage's shuffle in a folder of its own (removed by :meth:`close`).

    ``executor``: the run's executor (its ``call`` runs tasks, its ``width`` says how many
    at once); ``progress(label, tasks done, tasks)`` as steps go."""

    BUCKETS_PER_WORKER = 2

    def __init__(self, executor: Any, folder: str | Path | None = None, progress: Callable | None = None) -> None:
        self.executor = executor
        self.folder = Path(tempfile.mkdtemp(prefix="cleancorpus-shuffle-", dir=folder))
        self.progress = progress
        self.buckets = self.BUCKETS_PER_WORKER * max(int(getattr(executor, "width", 1)), 1)
        self.steps = 0

    def run(self, function: Callable, tasks: Sequence[tuple], label: str, pieces: int = 0) -> list:
        step, self.steps = self.steps, self.steps + 1
        paths = [str(self.folder / f"{step:03d}-{k:06d}") for k in range(len(tasks))]
        items = [(function, tuple(args), path, pieces) for args, path in zip(tasks, paths)]
        for done, _ in enumerate(self.executor.call(run_stored, items), 1):
            if self.progress is not None:
                self.progress(f"{label} (tasks)", done, len(items))
        if pieces:
            return [[Stored(f"{path}.{k}") for k in range(pieces)] for path in paths]
        return [Stored(path) for path in paths]

    def gather(self, handles: Sequence[Any]) -> list:
        return [h.load() for h in handles]

    def share(self, value: Any) -> Stored:
        step, self.steps = self.steps, self.steps + 1
        path = str(self.folder / f"{step:03d}-shared")
        write_value(path, value)
        return Stored(path)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "FileExchange":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
