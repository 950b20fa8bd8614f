"""Worker processes that never outlive the run and never swallow or hang on its signals.

Why not ``multiprocessing.Pool``: its helper threads feed tasks into one shared pipe, and
``Pool.terminate()`` can wait forever on the thread that is blocked writing into it (seen
in CI: SIGTERM at the wrong moment left ``normalize`` hanging in ``terminate``). Here the
parent has no helper threads at all. Each worker has its own pipe; the parent writes a
task to one worker and reads results back in order, and on any exception (SIGTERM raised
as :class:`~cleancorpus.cli.Terminated`, Ctrl-C, an error) it kills every worker at once,
so the ``finally`` blocks of the caller (spools, temporary files) always run.

Workers start with SIGINT and SIGTERM blocked in the parent (a signal arriving while a
child is being forked would otherwise run the parent's handler inside fork bookkeeping)
and delivered right after. Each worker restores the default SIGTERM, ignores Ctrl-C (the
parent decides), and on Linux asks the kernel to end it when the parent dies, so even
``kill -9`` of the parent leaves no worker running.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from collections import deque
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PR_SET_PDEATHSIG = 1
IN_FLIGHT_PER_WORKER = 2


class WorkerError(RuntimeError):
    """A worker process ended without answering, or raised an error that cannot be sent back."""


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _worker_main(conn: Connection, parent: int, function: Callable, initializer: Callable | None,
                 initargs: tuple) -> None:
    """A worker: read tasks (on a thread, so the parent's writes never wait on our writes),
    compute them in order, send back ``(True, result)`` or ``(False, error)``."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
    tasks: queue.SimpleQueue = queue.SimpleQueue()

    def receive() -> None:
        try:
            while (task := conn.recv()) is not None:
                tasks.put(task)
        except (EOFError, OSError):
            pass
        tasks.put(None)

    threading.Thread(target=receive, daemon=True).start()
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException as exc:  # reported as the answer to every task
        failure: BaseException | None = exc
    else:
        failure = None
    while (task := tasks.get()) is not None:
        if failure is not None:
            conn.send((False, _sendable(failure)))
            continue
        try:
            answer = (True, function(task))
        except Exception as exc:
            answer = (False, _sendable(exc))
        conn.send(answer)
    conn.close()


def _sendable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a :class:`WorkerError` carrying its traceback."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return WorkerError(f"a worker failed: {text.strip()}")


class WorkerPool:
    """``jobs`` worker processes that each run ``function`` on the tasks sent to them.

    Use :func:`ordered_map` rather than this class directly.
    """

    def __init__(self, jobs: int, function: Callable, initializer: Callable | None = None,
                 initargs: tuple = ()) -> None:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.processes: list = []
        self.connections: list[Connection] = []
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            for _ in range(jobs):
                ours, theirs = context.Pipe(duplex=True)
                process = context.Process(target=_worker_main, daemon=True,
                                          args=(theirs, os.getpid(), function, initializer, initargs))
                process.start()
                theirs.close()
                self.processes.append(process)
                self.connections.append(ours)
        except BaseException:
            self.kill()
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def send(self, worker: int, task: Any) -> None:
        try:
            self.connections[worker].send(task)
        except (BrokenPipeError, ConnectionResetError):
            raise self._died(worker) from None

    def receive(self, worker: int) -> Any:
        try:
            ok, value = self.connections[worker].recv()
        except (EOFError, ConnectionResetError):
            raise self._died(worker) from None
        if not ok:
            raise value
        return value

    def _died(self, worker: int) -> WorkerError:
        process = self.processes[worker]
        process.join(timeout=1)
        return WorkerError(f"a worker process ended unexpectedly (exit code {process.exitcode}); "
                           "if it was killed for memory, try fewer --jobs or a smaller batch")

    def close(self) -> None:
        """Tell the workers there is no more work and wait for them (they are idle)."""
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.send(None)
        for process in self.processes:
            process.join(timeout=5)
        self.kill()

    def kill(self) -> None:
        """End every worker now (SIGKILL) and reap it; never blocks on a pipe."""
        for process in self.processes:
            if process.exitcode is None:
                with contextlib.suppress(OSError, ValueError):
                    process.kill()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.close()
        for process in self.processes:
            with contextlib.suppress(OSError, ValueError, AssertionError):
                process.join()
        self.processes, self.connections = [], []


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter), read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ordered_map(function: Callable[[T], R], items: Iterable[T], jobs: int, *, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator[R]:
    """``function(item)`` for each item, in order, computed by ``jobs`` worker processes.

    ``function``, ``initializer`` and ``initargs`` reach the workers by fork (not pickled),
    items and results through pipes. Item ``k`` goes to worker ``k % jobs`` and at most
    ``IN_FLIGHT_PER_WORKER`` items per worker are in flight, so a stream of any length is
    mapped in bounded memory and results come back in order without reordering buffers.
    If the consumer stops early or anything raises (SIGTERM included), the workers are
    killed before the exception goes on.
    """
    pool = WorkerPool(jobs, function, initializer, initargs)
    try:
        in_flight: deque[int] = deque()
        for position, item in enumerate(items):
            worker = position % jobs
            if len(in_flight) >= IN_FLIGHT_PER_WORKER * jobs:
                yield pool.receive(in_flight.popleft())
            pool.send(worker, item)
            in_flight.append(worker)
        while in_flight:
            yield pool.receive(in_flight.popleft())
    except BaseException:
        pool.kill()
        raise
    else:
        pool.close()
    finally:
        pool.kill()  # a consumer that stopped early (GeneratorExit) ends the workers too
