"""Memory for one large document: `cleancorpus normalize` against reading and writing it.

A folder holding a single text document of N MB (article paragraphs, repeated with
variation) is normalized in a fresh process; its peak resident memory is compared with a
process that only reads the file and writes it back (the floor: Python, the text, a copy).
Each run is its own process, so peaks do not mix.

    python benchmarks/large_document.py 10 50
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def make_document(folder: Path, megabytes: int) -> Path:
    from test_trust import prose  # (the tests' generator of article-like paragraphs)

    folder.mkdir(parents=True, exist_ok=True)
    parts, size, k = [], 0, 0
    while size < megabytes * 1024 * 1024:
        paragraph = prose(k, 6) + "\n\n"
        parts.append(paragraph)
        size += len(paragraph)
        k += 1
    path = folder / "big.txt"
    path.write_text("".join(parts), encoding="utf-8")
    return path


FLOOR = "import sys; data = open(sys.argv[1], encoding='utf-8').read(); open(sys.argv[2], 'w', encoding='utf-8').write(data)"


def peak_of(command: list[str]) -> tuple[float, float]:
    """(peak resident MB of the command's process alone, seconds): ``os.wait4`` gives the
    usage of that one child."""
    import os

    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} exited {child.returncode}")
    return usage.ru_maxrss / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 50], help="document sizes in MB")
    args = parser.parse_args()
    print("| document | floor peak (MB) | normalize peak (MB) | normalize / document | seconds |")
    print("|---|---|---|---|---|")
    for megabytes in sorted(args.sizes):
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work) / "in"
            path = make_document(folder, megabytes)
            floor, _ = peak_of([sys.executable, "-c", FLOOR, str(path), str(Path(work) / "copy.txt")])
            peak, seconds = peak_of([sys.executable, "-m", "cleancorpus", "normalize", str(folder), "-o",
                                     str(Path(work) / "out"), "-q", "--isolated"])
            print(f"| {megabytes} MB | {floor:,.0f} | {peak:,.0f} | {peak / megabytes:.1f}x | {seconds:.1f} |")


if __name__ == "__main__":
    main()
