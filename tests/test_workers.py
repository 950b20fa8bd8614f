"""The worker pool behind --jobs: order, errors, early stops and dead workers."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from cleancorpus.workers import WorkerError, ordered_map

_OFFSET = 0


def _set_offset(offset: int) -> None:
    global _OFFSET
    _OFFSET = offset


def _shifted(value: int) -> int:
    return value + _OFFSET


def _fails_on_seven(value: int) -> int:
    if value == 7:
        raise ValueError(f"bad value {value}")
    return value


def _dies_on_three(value: int) -> int:
    if value == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def _big(value: int) -> bytes:
    return bytes(value % 256 for _ in range(1)) * 3_000_000  # larger than any pipe buffer


def test_results_come_back_in_order_from_initialized_workers() -> None:
    assert list(ordered_map(_shifted, range(200), 3, initializer=_set_offset, initargs=(1000,))) == \
        [1000 + i for i in range(200)]


def test_large_items_and_results_do_not_deadlock() -> None:
    items = [bytes([i]) * 2_000_000 for i in range(6)]
    assert list(ordered_map(len, items, 2)) == [2_000_000] * 6
    assert [r[:1] for r in ordered_map(_big, range(5), 2)] == [bytes([i]) for i in range(5)]


def test_an_error_in_a_worker_is_raised_in_the_parent_and_ends_the_workers() -> None:
    with pytest.raises(ValueError, match="bad value 7"):
        list(ordered_map(_fails_on_seven, range(20), 2))
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_is_a_clear_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match="ended unexpectedly"):
        list(ordered_map(_dies_on_three, range(10), 2))
    assert multiprocessing.active_children() == []


def test_a_consumer_that_stops_early_ends_the_workers() -> None:
    results = ordered_map(_shifted, range(1000), 2)
    assert next(results) == 0
    results.close()
    assert multiprocessing.active_children() == []


def test_jobs_zero_means_one_process_per_core() -> None:
    import os

    from cleancorpus import Settings

    assert Settings(jobs=0).processes == (os.cpu_count() or 1)
    assert Settings(jobs=3).processes == 3
