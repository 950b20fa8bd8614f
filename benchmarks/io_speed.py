"""Reading and writing records: cleancorpus against the floor of each format, in one run.

A corpus of ``N`` records (about 700 words each, drawn from real article sentences as in
``dedup_speed.py``, plus three other fields) is written once as JSON Lines, JSON Lines .gz
and Parquet. For each format, two things are timed on the same files:

- **floor**: the format read and written directly (``json.loads``/``json.dumps`` per line
  with ``open``/``gzip.open``; ``pyarrow.parquet.read_table``/``write_table``), the least
  any tool can do;
- **cleancorpus**: ``read_corpus`` (documents with ids, sources, every field kept) and
  ``write_records_file`` (atomic, fields in order, the report-free part of ``normalize``).

No cleaning stage runs: this measures only what the formats cost. Peak memory is not
compared (the floor for Parquet holds the whole table by design).

    python benchmarks/io_speed.py 100000
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup_speed import generate  # noqa: E402


def records(n: int) -> list[dict]:
    return [{"id": key, "url": f"https://site{i % 50}.example/{i}", "date": "2026-11-30", "text": text,
             "lang": "en"} for i, (key, text) in enumerate(generate(n))]


def floor_jsonl(path: Path, out: Path) -> None:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as source, opener(out, "wb") as target:
        for line in source:
            record = json.loads(line)
            target.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")


def floor_parquet(path: Path, out: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(path), out)


def through_cleancorpus(path: Path, out: Path) -> None:
    from cleancorpus import read_corpus
    from cleancorpus.io.writers import write_records_file

    summary = write_records_file(read_corpus(path, problems=[]), out)
    assert not summary.failures, summary.failures


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    import cleancorpus

    rows = records(args.n)
    print(f"cleancorpus {cleancorpus.__version__}, pyarrow {pa.__version__}, {args.n:,} records of "
          f"{sum(len(r['text'].split()) for r in rows) / len(rows):.0f} words, one core")
    print("| format | floor (s) | cleancorpus (s) | cleancorpus records/s | ratio |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        (root / "in.jsonl").write_bytes(data)
        (root / "in.jsonl.gz").write_bytes(gzip.compress(data, compresslevel=6))
        pq.write_table(pa.Table.from_pylist(rows), root / "in.parquet")
        del rows, data
        for name, floor in (("in.jsonl", floor_jsonl), ("in.jsonl.gz", floor_jsonl), ("in.parquet", floor_parquet)):
            source = root / name
            base = min(timed(floor, source, root / f"floor-{name}") for _ in range(2))
            ours = min(timed(through_cleancorpus, source, root / f"ours-{name}") for _ in range(2))
            print(f"| {name.removeprefix('in')} | {base:.1f} | {ours:.1f} | {args.n / ours:,.0f} | "
                  f"{ours / base:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
