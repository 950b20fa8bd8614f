"""Near-duplicate detection speed and memory, against naive datasketch, update_batch and rensa.

A synthetic corpus is built from real article bodies (the article-extraction benchmark's
ground truth in ../shared/data): each document is about 700 words of sentences drawn
from the pool, and 3% are light edits of an earlier document (the duplicates to find).
Every approach runs in its own process on the same generated stream of documents (the
time to generate them is measured alone and subtracted), from shingling to candidate pairs; cleancorpus also verifies every candidate
exactly and builds clusters. ``cleancorpus-jaccard-only`` is the same detector with the
containment candidates off (what they cost). Peak memory is the process's maximum resident set size.

    python benchmarks/dedup_speed.py 10000 100000          # sizes
    python benchmarks/dedup_speed.py 1000000 --only cleancorpus
    python benchmarks/dedup_speed.py 10000 100000 --only cleancorpus-jaccard-only --only cleancorpus --repeat 3
    python benchmarks/dedup_speed.py 10000 100000 --phases      # the containment search's own cost
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NUM_PERM = 128
THRESHOLD = 0.5
APPROACHES = ("datasketch-naive", "datasketch-update_batch", "rensa", "cleancorpus-jaccard-only", "cleancorpus")
# naive datasketch runs about 190 documents/s: past this size it is measured on a prefix
NAIVE_LIMIT = 10_000


def sentence_pool() -> list[str]:
    import _data

    pool = []
    for page in _data.load_aeb():
        pool += [s.strip() for s in re.split(r"(?<=[.!?])\s+", page["gold"]) if len(s.split()) >= 6]
    return pool


def generate(n: int, seed: int = 1):
    """``n`` documents of about 700 words; 3% are light edits of an earlier document."""
    rng = random.Random(seed)
    pool = sentence_pool()
    recent: list[str] = []
    for i in range(n):
        if recent and rng.random() < 0.03:
            base = rng.choice(recent).split(". ")
            del base[rng.randrange(len(base))]
            text = ". ".join(base)
        else:
            text = " ".join(rng.choice(pool) for _ in range(32))
        if len(recent) < 2000:
            recent.append(text)
        else:
            recent[rng.randrange(2000)] = text
        yield f"doc{i}", text


def python_shingles(text: str, k: int = 5) -> list[str]:
    words = re.findall(r"\w+", text.lower())
    return [" ".join(words[i:i + k]) for i in range(max(1, len(words) - k + 1))]


def run_cleancorpus(docs, containment: bool = True) -> dict:
    """The default detector; ``containment=False`` turns the containment candidates off."""
    from cleancorpus import Document
    from cleancorpus.dedup import DedupSettings, NearDuplicateDetector

    settings = DedupSettings(containment_candidates="sampled" if containment else "none")
    start = time.perf_counter()
    result = NearDuplicateDetector(settings).fit(Document(i, t) for i, t in docs).result
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pairs": result.verified, "candidates": result.candidates}


def run_datasketch(docs, batch: bool) -> dict:
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    sketches = []
    for key, text in docs:
        m = MinHash(num_perm=NUM_PERM)
        shingles = [s.encode() for s in python_shingles(text)]
        if batch:
            m.update_batch(shingles)
        else:
            for s in shingles:
                m.update(s)
        lsh.insert(key, m)
        sketches.append((key, m))
    pairs = {tuple(sorted((key, other))) for key, m in sketches for other in lsh.query(m) if other != key}
    return {"seconds": time.perf_counter() - start, "pairs": len(pairs), "candidates": len(pairs)}


def run_rensa(docs) -> dict:
    from rensa import RMinHash, RMinHashLSH

    start = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)
    sketches = []
    for index, (_, text) in enumerate(docs):
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(python_shingles(text))
        lsh.insert(index, m)
        sketches.append(m)
    pairs = {tuple(sorted((i, o))) for i, m in enumerate(sketches) for o in lsh.query(m) if o != i}
    return {"seconds": time.perf_counter() - start, "pairs": len(pairs), "candidates": len(pairs)}


def child(approach: str, n: int) -> None:
    """Run one approach on a stream of ``n`` generated documents; generation time is subtracted."""
    start = time.perf_counter()
    words = sum(len(t.split()) for _, t in generate(n)) / n
    generation = time.perf_counter() - start
    start = time.perf_counter()
    for _ in generate(n):
        pass
    generation = min(generation, time.perf_counter() - start)
    docs = generate(n)
    if approach.startswith("cleancorpus"):
        out = run_cleancorpus(docs, containment=approach == "cleancorpus")
    elif approach == "rensa":
        out = run_rensa(docs)
    else:
        out = run_datasketch(docs, batch=approach.endswith("update_batch"))
    out["seconds"] -= generation
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["words"] = words
    out["n"] = n
    print(json.dumps(out))


def phases(n: int, repeat: int = 3) -> None:
    """In one process: sketch ``n`` documents once, then time clustering with the containment
    candidates off and on, alternately (the precise cost of the containment search)."""
    from dataclasses import replace

    from cleancorpus import Document
    from cleancorpus.dedup import DedupSettings, NearDuplicateDetector

    detector = NearDuplicateDetector(DedupSettings())
    start = time.perf_counter()
    detector.add(Document(i, t) for i, t in generate(n))
    sketching = time.perf_counter() - start
    best = {"none": float("inf"), "sampled": float("inf")}
    detector.settings = replace(detector.settings, containment_candidates="none")
    detector.cluster()  # warm: the first banding imports datasketch
    for _ in range(repeat):
        for method in best:
            detector.settings = replace(detector.settings, containment_candidates=method)
            start = time.perf_counter()
            detector.cluster()
            best[method] = min(best[method], time.perf_counter() - start)
    extra = best["sampled"] - best["none"]
    print(f"| {n:,} | {sketching:.1f} | {best['none']:.2f} | {best['sampled']:.2f} | {extra:+.2f} | "
          f"{extra / (sketching + best['none']):.1%} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--only", choices=APPROACHES, action="append")
    parser.add_argument("--child", nargs=2)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each approach this many times and keep the fastest (runs vary by ~10%%)")
    parser.add_argument("--phases", action="store_true",
                        help="time sketching and clustering with containment off/on in one process")
    args = parser.parse_args()
    if args.phases:
        print("| documents | sketching (s, incl. generation) | clustering, containment off (s) | on (s) | "
              "difference (s) | share of the detector |")
        print("|---|---|---|---|---|---|")
        for size in args.sizes:
            phases(size, args.repeat if args.repeat > 1 else 3)
        return
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    import cleancorpus
    import datasketch

    print(f"cleancorpus {cleancorpus.__version__}, datasketch {datasketch.__version__}, num_perm {NUM_PERM}, "
          f"LSH threshold {THRESHOLD}, one core")
    print("| documents | approach | measured on | seconds | documents/s | peak MB | pairs | vs naive |")
    print("|---|---|---|---|---|---|---|---|")
    approaches = args.only or APPROACHES
    for size in args.sizes:
        rates = {}
        runs: dict[str, list[dict]] = {a: [] for a in approaches}
        failed: dict[str, str] = {}
        for _ in range(args.repeat):  # interleaved (A B A B), so a slow spell of the machine hits both
            for approach in approaches:
                n = min(size, NAIVE_LIMIT) if approach == "datasketch-naive" else size
                proc = subprocess.run([sys.executable, __file__, "--child", approach, str(n)], capture_output=True,
                                      text=True)
                if proc.returncode:
                    failed[approach] = proc.stderr.strip().splitlines()[-1]
                    continue
                runs[approach].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        for approach in approaches:
            if not runs[approach]:
                print(f"| {size:,} | {approach} | failed: {failed.get(approach)} |")
                continue
            out = min(runs[approach], key=lambda r: r["seconds"])
            n = out["n"]
            rates[approach] = n / out["seconds"]
            ratio = f"{rates[approach] / rates['datasketch-naive']:.1f}x" if "datasketch-naive" in rates else "-"
            print(f"| {size:,} | {approach} | {n:,} docs of {out['words']:.0f} words | {out['seconds']:.1f} | "
                  f"{rates[approach]:,.0f} | {max(r['peak_mb'] for r in runs[approach]):,.0f} | {out['pairs']:,} | "
                  f"{ratio} |", flush=True)


if __name__ == "__main__":
    main()
