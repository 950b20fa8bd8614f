"""`cleancorpus check` with a cold cache, a warm cache, and one file changed.

Writes N text files (sentences drawn from the article-extraction benchmark's ground truth,
with a few cruft lines per site folder) to a temporary folder, then times `check_corpus`:
first run (empty cache), second run (nothing changed), third run (one file changed), and
a run without cache for reference.

    python benchmarks/check_cache.py 100000 [JOBS]

``JOBS`` (default 1): worker processes of each run (``--jobs``).
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup_speed import sentence_pool  # noqa: E402

from cleancorpus import Settings  # noqa: E402
from cleancorpus.check import check_corpus  # noqa: E402


def write_corpus(root: Path, n: int) -> None:
    rng = random.Random(3)
    pool = sentence_pool()
    for i in range(n):
        folder = root / f"site{i % 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        paragraphs = [" ".join(rng.choice(pool) for _ in range(4)) for _ in range(8)]
        cruft = [f"Follow site {i % 100} on Mastodon", "Share This Article"]
        (folder / f"{i:07d}.txt").write_text("\n\n".join(paragraphs + cruft) + "\n", encoding="utf-8")


def timed(label: str, corpus: Path, cache: Path | None, jobs: int = 1) -> tuple[str, float, int, int]:
    start = time.perf_counter()
    result = check_corpus(corpus, dataclasses.replace(Settings(), jobs=jobs), cache_dir=cache)
    return label, time.perf_counter() - start, len(result.findings), result.cache_hits


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    root = Path(tempfile.mkdtemp(prefix="cleancorpus-check-"))
    try:
        corpus, cache = root / "corpus", root / "cache"
        write_corpus(corpus, n)
        rows = [timed("first run (empty cache)", corpus, cache, jobs),
                timed("second run (unchanged)", corpus, cache, jobs)]
        changed = corpus / "site007" / f"{7:07d}.txt"
        changed.write_text(changed.read_text(encoding="utf-8") + "\nAdvertisement\n", encoding="utf-8")
        rows.append(timed("third run (one file changed)", corpus, cache, jobs))
        rows.append(timed("no cache", corpus, None, jobs))
        first = rows[0][1]
        print(f"{n:,} documents of about 700 words in 100 site folders, --jobs {jobs}")
        print("| run | seconds | share of first run | findings | cache hits |")
        print("|---|---|---|---|---|")
        for label, seconds, findings, hits in rows:
            print(f"| {label} | {seconds:.1f} | {seconds / first:.0%} | {findings:,} | {hits:,} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
