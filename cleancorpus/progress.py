"""Progress of long runs on stderr: a live bar on a terminal, one line per stage elsewhere.

On a terminal, each stage ("fitting cruft", "writing", "sketching"...) gets a tqdm bar
with its count, its own rate (smoothed: the current speed, not the run's average), and,
where the total is known (the passes after the first, which has counted the corpus), the
percentage and the time left. In a pipe or a CI log there is no bar: one line when a
stage ends (``writing: 12,000 documents in 9.1 s (1,320/s)``), and only for stages that
lasted long enough to matter. ``-q`` silences both.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO

#: Stages shorter than this many seconds print nothing, so short runs stay quiet
#: (``CLEANCORPUS_PROGRESS_AFTER`` sets another, e.g. 0 to see every stage).
MIN_SECONDS = 1.0


def _after() -> float:
    try:
        return max(float(os.environ.get("CLEANCORPUS_PROGRESS_AFTER", MIN_SECONDS)), 0.0)
    except ValueError:
        return MIN_SECONDS


#: The unit a bar shows (``1,320 docs/s``): short, and never cut inside a word.
SHORT_UNITS = {"documents": "docs", "partitions": "parts", "pages": "pages", "tasks": "tasks"}


def _unit(stage: str) -> str:
    """What a stage counts: documents, partitions (a distributed engine's stages are
    labelled ``... (partitions)``), or HTML pages (learning site templates)."""
    if stage.endswith("(partitions)"):
        return "partitions"
    if stage.endswith("(tasks)"):  # the steps of a shuffle (finding duplicates)
        return "tasks"
    return "pages" if stage == "learning site templates" else "documents"


class Progress:
    """A progress callback: ``progress(stage, count, total=None)`` as documents pass.

    Call :meth:`close` at the end (it ends the last stage).
    """

    def __init__(self, enabled: bool = True, stream: TextIO | None = None, *, terminal: bool | None = None,
                 after: float | None = None) -> None:
        self.stream = stream or sys.stderr
        is_terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = enabled
        self.after = _after() if after is None else after
        self.terminal = is_terminal if terminal is None else terminal
        self.stage: str | None = None
        self.count = 0
        self.started = 0.0
        self.bar = None

    def __call__(self, stage: str, count: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self._end_stage()
            self.stage, self.started = stage, time.monotonic()
            if self.terminal:
                from tqdm import tqdm

                size = shutil.get_terminal_size((100, 24))  # (a terminal that reports no size: 100 x 24,
                # where tqdm would draw nothing)
                self.bar = tqdm(total=total, desc=stage, unit=f" {SHORT_UNITS[_unit(stage)]}", file=self.stream, delay=self.after,
                                mininterval=0.2, smoothing=0.1, ncols=size.columns, nrows=size.lines, leave=True)
        if self.bar is not None:
            self.bar.update(count - self.count)
        self.count = count

    def _end_stage(self) -> None:
        if self.stage is None:
            return
        seconds = time.monotonic() - self.started
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif seconds >= self.after:
            self.stream.write(f"{self.stage}: {self.count:,} {_unit(self.stage)} in {seconds:.1f} s "
                              f"({self.count / max(seconds, 1e-9):,.0f}/s)\n")
            self.stream.flush()
        self.stage, self.count = None, 0

    def close(self) -> None:
        if self.enabled:
            self._end_stage()
