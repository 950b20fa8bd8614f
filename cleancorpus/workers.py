"""Worker processes that never outlive the run and never swallow its signals.

:func:`process_pool` starts all workers at once with SIGINT and SIGTERM blocked in the
parent (a signal arriving while a child is being forked would otherwise run the
parent's handler inside fork bookkeeping, where Python ignores the exception it raises)
and delivered right after. Each worker restores the default signal handling, ignores
Ctrl-C (the parent decides), and on Linux asks the kernel to end it when the parent
dies, so even ``kill -9`` of the parent leaves no worker running.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _worker_init(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def process_pool(jobs: int, initializer: Callable | None = None,
                 initargs: tuple = ()) -> Iterator[multiprocessing.pool.Pool]:
    """A ``multiprocessing`` pool of ``jobs`` workers, terminated when the block ends.

    ``initializer(*initargs)`` runs once in each worker (to give it the fitted stages).
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        pool = context.Pool(jobs, initializer=_worker_init, initargs=(os.getpid(), initializer, initargs))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter), read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ordered_map(function: Callable[[T], R], items: Iterable[T], jobs: int, *, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator[R]:
    """``function(item)`` for each item, in order, computed by ``jobs`` worker processes.

    At most ``2 * jobs`` items are in flight, so a stream of any length is mapped in
    bounded memory (``Pool.imap`` would read the whole input ahead).
    """
    with process_pool(jobs, initializer, initargs) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.apply_async(function, (item,)))
            if len(pending) > 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
