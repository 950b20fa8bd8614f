"""The README's examples are the real output: every console example that runs on the
shipped seeds (a line ``$ cleancorpus ... seeds/ ...`` in a fenced block) is run on a copy
of the seeds and its output compared with the README's, so the two cannot drift.

In the README's sample output, a line ``...`` stands for any number of lines, a line ending
in ``...`` for any line that starts with what comes before it, and ``/path/to`` for the
folder the example runs in. Trailing spaces do not count.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def examples() -> list[tuple[int, str, list[str]]]:
    """``(line number, command, expected output lines)`` of each runnable console example."""
    found = []
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    inside = False
    current: tuple[int, str, list[str]] | None = None
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            if current:
                found.append(current)
            inside, current = not inside, None
            continue
        if not inside:
            continue
        if line.startswith("$ cleancorpus "):
            if current:
                found.append(current)
            command = line[2:].split("  #")[0].strip()
            current = (number, command, []) if " seeds/" in command and "|" not in command else None
        elif current is not None:
            current[2].append(line)
    return found


def matches(expected: list[str], actual: list[str]) -> str | None:
    """Why ``actual`` is not what ``expected`` shows (``None``: it is)."""
    expected = [line.rstrip() for line in expected]
    actual = [line.rstrip() for line in actual]

    def fits(pattern: str, line: str) -> bool:
        if pattern.endswith("...") and pattern.strip() != "...":
            return line.startswith(pattern[:-3].rstrip()) and len(line) >= len(pattern[:-3].rstrip())
        return pattern == line

    def walk(e: int, a: int) -> bool:
        while e < len(expected):
            if expected[e].strip() == "...":
                return any(walk(e + 1, later) for later in range(a, len(actual) + 1))
            if a >= len(actual) or not fits(expected[e], actual[a]):
                return False
            e, a = e + 1, a + 1
        return a == len(actual)

    if walk(0, 0):
        return None
    return "expected:\n" + "\n".join(expected) + "\n\nactual:\n" + "\n".join(actual)


def test_the_readme_shows_runnable_examples() -> None:
    """(The test below would prove nothing if it found no example.)"""
    commands = [command.split()[1] for _, command, _ in examples()]
    assert {"normalize", "explain", "check", "dedup", "names"} <= set(commands)


def test_the_matcher_tells_a_difference() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"]) is None
    assert matches(["a", "b..."], ["a", "bcd"]) is None
    assert matches(["a", "b"], ["a", "c"]) is not None
    assert matches(["a"], ["a", "extra"]) is not None


@pytest.mark.parametrize("line, command, expected", examples(), ids=lambda value: str(value)[:40])
def test_a_readme_example_prints_what_the_readme_shows(line: int, command: str, expected: list[str],
                                                       tmp_path: Path) -> None:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    done = subprocess.run([sys.executable, "-m", "cleancorpus", *shlex.split(command)[1:]], cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
                          env={**__import__("os").environ, "COLUMNS": "100"})
    actual = re.sub(re.escape(str(tmp_path)), "/path/to", done.stdout).splitlines()
    problem = matches(expected, actual)
    assert problem is None, f"README.md line {line}: {command}\n{problem}"
