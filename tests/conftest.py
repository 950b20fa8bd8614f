"""Shared helpers: the seeds, and running the real command line in a subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def run_cli(*args: str, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m cleancorpus ARGS`` and capture its output (text)."""
    return subprocess.run([sys.executable, "-m", "cleancorpus", *map(str, args)], capture_output=True,
                          text=True, input=input, cwd=cwd, timeout=300)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the seeds (so a test can never write next to the real ones)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


_VOCABULARY = ("minister council river village budget harbour railway factory election summit treaty school "
               "hospital farmer harvest bridge museum winter drought flood valley coast island market bank "
               "energy union strike court judge police storm airport teacher student protest refugee").split()


def prose(seed: int, sentences: int = 4) -> str:
    """A paragraph of distinct, sentence-shaped text (no two seeds share 5-word runs)."""
    import random

    rng = random.Random(seed)
    return " ".join(" ".join(rng.choice(_VOCABULARY) for _ in range(12)).capitalize() + "."
                    for _ in range(sentences))
