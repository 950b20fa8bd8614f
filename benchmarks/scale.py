"""`normalize` on the local engine and on Dask (1 and 2 workers), in one run, same corpus.

The corpus is pipeline_speed.py's (~700-word documents from real article text, each with
its site's cruft, 5% reprints), split into shards of 10,000 records (Dask reads shards;
one partition per shard). Each run is a separate `cleancorpus normalize` process; the
Dask runs use a LocalCluster started here (single-threaded worker processes) and reach it
with --scheduler, so the workers' peak memory can be read from them after the run (a
fresh cluster per run). Outputs are compared with the local engine's: the table says
whether they are identical.

    python benchmarks/scale.py --size 100000 --keep /tmp/ccb
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from pipeline_speed import build_corpus, measure  # noqa: E402


def shards_of(corpus: Path, folder: Path, per_shard: int) -> Path:
    """``corpus`` split into ``folder/part-NNNNN.jsonl`` of ``per_shard`` records."""
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with open(corpus, "rb") as source:
        out, count, number = None, 0, 0
        for line in source:
            if out is None or count == per_shard:
                if out is not None:
                    out.close()
                out = open(folder / f"part-{number:05d}.jsonl", "wb")
                number, count = number + 1, 0
            out.write(line)
            count += 1
        if out is not None:
            out.close()
    return folder


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_dask(shards: Path, out: Path, workers: int) -> tuple[float, float, list[float]]:
    """Seconds of the command, its own (the client's) peak and each worker's peak resident memory (MB)."""
    import distributed

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50, memory_limit=0) as cluster, distributed.Client(cluster) as client:
        seconds, client_peak, _ = measure([sys.executable, "-m", "cleancorpus", "normalize", str(shards), "-o", str(out),
                                        "-q", "--isolated", "--engine", "dask", "--scheduler",
                                        cluster.scheduler_address])
        peaks = sorted(kb / 1024 for kb in client.run(_peak_kb).values())
    return seconds, client_peak, peaks


def same_output(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir() if not p.name.startswith(".") and not p.name.endswith(".json"))
    return names == sorted(p.name for p in b.iterdir() if not p.name.startswith(".") and not p.name.endswith(".json")) \
        and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--per-shard", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/ccb"))
    parser.add_argument("--dask-only", action="store_true", help="only the Dask rows (compared with the local "
                        "output an earlier run left in --keep)")
    args = parser.parse_args()
    args.keep.mkdir(parents=True, exist_ok=True)
    corpus = args.keep / f"corpus-{args.size}.jsonl"
    if not corpus.exists():
        build_corpus(corpus, args.size)
    shards = shards_of(corpus, args.keep / f"shards-{args.size}", args.per_shard)
    import cleancorpus
    import dask

    print(f"cleancorpus {cleancorpus.__version__}, dask {dask.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; {args.size:,} documents in "
          f"{len(list(shards.iterdir()))} shards")
    print(f"{'engine':<26} {'seconds':>8} {'docs/s':>8} {'vs local':>9} {'peak MB':>20} {'same output':>12}")
    rows = []
    local_out = args.keep / "scale-local"
    local_seconds = args.size / 1000  # (with --dask-only the ratio column is against 1,000 docs/s)
    for workers in (1, 2) if args.dask_only else ():
        out = args.keep / f"scale-dask-{workers}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        seconds, client_peak, peaks = run_dask(shards, out, workers)
        print(f"dask, {workers} worker(s): {seconds:.1f} s, {args.size / seconds:,.0f} docs/s, peak MB "
              f"{client_peak:,.0f} + {' / '.join(f'{p:,.0f}' for p in peaks)}, same output as local: "
              f"{'yes' if same_output(local_out, out) else 'NO'}")
    if args.dask_only:
        return
    subprocess.run(["rm", "-rf", str(local_out)], check=True)
    seconds, peak, _ = measure([sys.executable, "-m", "cleancorpus", "normalize", str(shards), "-o", str(local_out),
                             "-q", "--isolated", "--jobs", "1"])
    local_seconds = seconds
    rows.append(("local, 1 job", seconds, f"{peak:,.0f}", True))
    jobs_out = args.keep / "scale-local-2"
    subprocess.run(["rm", "-rf", str(jobs_out)], check=True)
    seconds, peak, _ = measure([sys.executable, "-m", "cleancorpus", "normalize", str(shards), "-o", str(jobs_out),
                             "-q", "--isolated", "--jobs", "2"])
    rows.append(("local, --jobs 2", seconds, f"{peak:,.0f}", same_output(local_out, jobs_out)))
    for workers in (1, 2):
        out = args.keep / f"scale-dask-{workers}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        seconds, client_peak, peaks = run_dask(shards, out, workers)
        rows.append((f"dask, {workers} worker{'s' if workers > 1 else ''}", seconds,
                     f"{client_peak:,.0f} + " + " / ".join(f"{p:,.0f}" for p in peaks), same_output(local_out, out)))
    for label, seconds, peak, same in rows:
        print(f"{label:<26} {seconds:>8.1f} {args.size / seconds:>8,.0f} {local_seconds / seconds:>8.2f}x "
              f"{peak:>20} {'yes' if same else 'NO':>12}")


if __name__ == "__main__":
    main()
