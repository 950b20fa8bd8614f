"""Speed and memory of whole commands (`normalize`, `dedup`, `check`) against the I/O floor.

The corpus: ~700-word news documents in JSON Lines, built from real article text (sentences
of the gold bodies of ../shared/data: Dragnet and the article-extraction benchmark), one
source per real site, each document with its site's cruft lines (newsletter, share,
read-time, follow lines, a site footer) and 5% reprints of another document. Each
command runs as a separate process (start-up included), its wall time and peak memory
measured (peak MB: the largest of the process and its workers; main MB: the main process's own,
polled from /proc); the floor is reading and writing the same JSON Lines in plain Python
(`json.loads` / `json.dumps` per line) in the same run. Then the time of `normalize` is
split by stage, in process, on the smallest size.

    python benchmarks/pipeline_speed.py                    # 10k and 100k
    python benchmarks/pipeline_speed.py --sizes 1000000 --commands normalize   # the 1M memory row
    python benchmarks/pipeline_speed.py --sizes 30000 --commands floor,dedup,dedup-2,check,check-2

Before and after in one run: ``--before PYTHON`` names the interpreter of an earlier version
(a venv with it installed); each command and the stage split then run with both, alternately,
``--repeat`` times, and the medians are printed side by side (this machine's speed drifts by
25-40% over minutes, so one run of each, minutes apart, compares nothing).

    python benchmarks/pipeline_speed.py --sizes 30000 --commands floor,normalize,dedup,check \\
        --before /path/to/venv-of-e218707/bin/python --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if not os.environ.get("CC_BENCH_INSTALLED"):  # (set for a child that measures an installed version)
    sys.path.insert(0, str(ROOT))

import _data  # noqa: E402

CRUFT = ["Get the {site} newsletter in your inbox:", "Share This Article", "{n} Min Read",
         "Follow {site} on Twitter", "Advertisement", "(c) {site} {year}. All rights reserved.",
         "Sign up for our free daily newsletter"]


def real_articles() -> list[tuple[str, list[str]]]:
    """(site, paragraphs) of every gold article body in ../shared/data."""
    articles = []
    sites = {}
    with open(_data.DATA / "dragnet-train" / "sites.tsv", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            key, site = line.split("\t")[:2]
            sites[key] = site or key
    for path in sorted((_data.DATA / "dragnet-train" / "gold").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace").split(_data.COMMENTS_MARK)[0]
        paragraphs = [p.strip() for p in text.split("\n") if len(p.split()) >= 8]
        if paragraphs:
            articles.append((sites.get(path.stem, path.stem), paragraphs))
    truth = json.loads((_data.DATA / "article-extraction-benchmark" / "ground-truth.json").read_text())
    for key, value in sorted(truth.items()):
        paragraphs = [p.strip() for p in (value.get("articleBody") or "").split("\n") if len(p.split()) >= 8]
        if paragraphs:
            articles.append((_data.host(value.get("url")) or key, paragraphs))
    return articles


def build_corpus(path: Path, size: int, seed: int = 1) -> None:
    """``size`` documents of ~700 words with the cruft of their site.

    A document's text is sentences drawn at random from all the gold article text, so
    two documents share about as little as two different news stories do (drawing whole
    paragraphs from one site's few articles would make most documents of a site
    near-duplicates of each other); 5% are reprints of an earlier document.
    """
    rng = random.Random(seed)
    sentences = [s.strip() + "." for _, paragraphs in real_articles() for p in paragraphs
                 for s in p.split(". ") if len(s.split()) >= 6]
    sites = sorted({site for site, _ in real_articles()})
    written: list[str] = []
    with open(path, "w", encoding="utf-8") as out:
        for i in range(size):
            if written and rng.random() < 0.05:  # a reprint of an earlier story
                text = rng.choice(written[-2000:])
                site = f"reprints{rng.randrange(20)}"
            else:
                site = rng.choice(sites)
                paragraphs, words = [], 0
                while words < 700:
                    paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
                    paragraphs.append(paragraph)
                    words += len(paragraph.split())
                lines = [rng.choice(sentences)[:80]] + paragraphs
                for template in CRUFT:
                    if rng.random() < 0.7:
                        lines.insert(rng.randrange(1, len(lines) + 1), template.format(
                            site=site, n=rng.randint(2, 9), year=rng.choice([2012, 2013])))
                text = "\n\n".join(lines)
                written.append(text)
            out.write(json.dumps({"id": f"doc-{i:07d}", "source": site, "text": text,
                                  "date": f"2013-{1 + i % 12:02d}-{1 + i % 28:02d}"}, ensure_ascii=False) + "\n")


FLOOR = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    for line in src:
        dst.write(json.dumps(json.loads(line), ensure_ascii=False) + "\\n")
"""


def main_process_peak(pid: int, peak: list[float], every: float = 0.2) -> None:
    """Poll the high-water mark of ``pid``'s own resident memory (``VmHWM``, MB) into
    ``peak[0]`` until it exits: the main process alone, where ``ru_maxrss`` of a child
    is the largest of it and the workers it waited for."""
    while True:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]) / 1024)
        except (OSError, ValueError):
            return
        time.sleep(every)


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MB) of the child and its workers, and of the
    child's own process (the main process), of one command."""
    import threading

    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    main_peak = [0.0]
    poller = threading.Thread(target=main_process_peak, args=(process.pid, main_peak), daemon=True)
    poller.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024, main_peak[0]


def stage_split(path: Path, limit: int = 10000) -> list[tuple[str, float]]:
    """Seconds per stage of the normalize pipeline, in process, on the first ``limit`` documents."""
    from cleancorpus import CruftRemover, NameNormalizer, read_corpus
    from cleancorpus.dedup import DedupSettings, NearDuplicateDetector
    from cleancorpus.io import write_jsonl
    from cleancorpus.report import RunReport

    timings = []
    start = time.perf_counter()
    docs = [d for _, d in zip(range(limit), read_corpus(path))]
    timings.append(("read JSON Lines", time.perf_counter() - start))
    remover = CruftRemover()
    start = time.perf_counter()
    remover.fit(docs)
    timings.append(("cruft: fit (recurrence)", time.perf_counter() - start))
    start = time.perf_counter()
    docs = [remover.apply(d) for d in docs]
    timings.append(("cruft: apply", time.perf_counter() - start))
    names = NameNormalizer()
    start = time.perf_counter()
    docs = [names.apply(d) for d in docs]
    timings.append(("names: apply", time.perf_counter() - start))
    detector = NearDuplicateDetector(DedupSettings())
    start = time.perf_counter()
    detector.add(docs)
    timings.append(("near-duplicates: shingles + signatures", time.perf_counter() - start))
    start = time.perf_counter()
    detector.cluster()
    docs = [detector.apply(d) for d in docs]
    timings.append(("near-duplicates: candidates, verification, clusters", time.perf_counter() - start))
    with tempfile.TemporaryDirectory() as folder:
        report = RunReport(input=str(path))
        start = time.perf_counter()
        with open(Path(folder) / "records.jsonl", "wb") as handle:
            report.records_out = handle
            for doc in docs:
                report.add(doc)
        timings.append(("report records", time.perf_counter() - start))
        start = time.perf_counter()
        write_jsonl(docs, Path(folder) / "out.jsonl")
        timings.append(("write JSON Lines", time.perf_counter() - start))
    return timings


def command_for(name: str, python: str, corpus: Path, folder: Path, size: int) -> list[str]:
    """The command line that measures ``name`` (``floor``, ``normalize``, ``dedup-2``...) with ``python``."""
    out = folder / f"out-{size}-{name}"
    jobs = name.split("-")[1] if "-" in name else "1"
    if name == "floor":
        return [python, "-c", FLOOR, str(corpus), str(folder / "floor.jsonl")]
    if name.startswith("normalize"):
        subprocess.run(["rm", "-rf", str(out)], check=True)
        return [python, "-m", "cleancorpus", "normalize", str(corpus), "-o", str(out), "-q", "--isolated",
                "--jobs", jobs]
    if name.startswith("dedup"):
        return [python, "-m", "cleancorpus", "dedup", str(corpus), "--json", "-q", "--isolated", "--jobs", jobs]
    if name.startswith("check"):
        return [python, "-m", "cleancorpus", "check", str(corpus), "--no-cache", "--isolated", "--jobs", jobs,
                "--format", "json"]
    raise SystemExit(f"unknown command {name}")


def stage_split_with(python: str, corpus: Path) -> list[tuple[str, float]]:
    """:func:`stage_split` run by ``python`` in a child process (its installed cleancorpus)."""
    script = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import pipeline_speed; "
              f"from pathlib import Path; print(json.dumps(pipeline_speed.stage_split(Path({str(corpus)!r}))))")
    result = subprocess.run([python, "-c", script], check=True, capture_output=True, text=True, cwd=tempfile.gettempdir(),
                            env={**os.environ, "CC_BENCH_INSTALLED": "1"})
    return [tuple(pair) for pair in json.loads(result.stdout)]


def compare(args: argparse.Namespace, folder: Path) -> None:
    """Each command (and the stage split) with ``--before`` and with this checkout, alternately."""
    from statistics import median

    pythons = {"before": args.before, "after": sys.executable}
    print(f"{'documents':>10} {'command':<22} {'before s':>9} {'after s':>9} {'after/before':>13} "
          f"{'before MB':>10} {'after MB':>9}   (medians of {args.repeat}, run alternately)")
    for size in [int(x) for x in args.sizes.split(",")]:
        corpus = folder / f"corpus-{size}.jsonl"
        if not corpus.exists():
            raise SystemExit(f"{corpus} missing: build it with a run without --before first (--keep {folder})")
        for name in args.commands.split(","):
            times: dict[str, list[float]] = {"before": [], "after": []}
            peaks: dict[str, list[float]] = {"before": [], "after": []}
            for _ in range(args.repeat):
                for which, python in pythons.items():
                    seconds, peak, _ = measure(command_for(name, python, corpus, folder, size))
                    times[which].append(seconds)
                    peaks[which].append(peak)
            b, a = median(times["before"]), median(times["after"])
            print(f"{size:>10,} {name:<22} {b:>9.1f} {a:>9.1f} {a / b:>13.2f} {median(peaks['before']):>10,.0f} "
                  f"{median(peaks['after']):>9,.0f}", flush=True)
    corpus = folder / f"corpus-{[int(x) for x in args.sizes.split(',')][0]}.jsonl"
    splits: dict[str, list[list[tuple[str, float]]]] = {"before": [], "after": []}
    for _ in range(args.repeat):
        for which, python in pythons.items():
            splits[which].append(stage_split_with(python, corpus))
    print(f"\nstage split (in process, one core, first 10,000 documents of {corpus.name}; medians of {args.repeat}):")
    print(f"  {'':<52} {'before s':>9} {'after s':>9} {'after docs/s':>13}")
    for position, (label, _) in enumerate(splits["after"][0]):
        b = median(run[position][1] for run in splits["before"])
        a = median(run[position][1] for run in splits["after"])
        print(f"  {label:<52} {b:>9.2f} {a:>9.2f} {10000 / a:>13,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--commands", default="floor,normalize,normalize-2,dedup,check")
    parser.add_argument("--keep", type=Path, help="build the corpora in this folder and keep them")
    parser.add_argument("--before", help="the Python of an earlier version: measure both, alternately")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each with --before (medians are printed)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cc-speed-"))
    folder.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    import cleancorpus
    print(f"cleancorpus {cleancorpus.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d')}")
    if args.before:
        compare(args, folder)
        return
    print(f"{'documents':>10} {'command':<22} {'seconds':>8} {'docs/s':>8} {'x floor':>8} {'peak MB':>8} "
          f"{'main MB':>8}")
    smallest = None
    for size in [int(x) for x in args.sizes.split(",")]:
        corpus = folder / f"corpus-{size}.jsonl"
        if not corpus.exists():  # built in a child process: this one stays small, and so do the
            # measured commands (a forked child's peak memory counts the pages it shares with us)
            subprocess.run([python, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import pipeline_speed; "
                            f"pipeline_speed.build_corpus(__import__('pathlib').Path({str(corpus)!r}), {size})"],
                           check=True)
        smallest = smallest or corpus
        floor = None
        for name in args.commands.split(","):
            seconds, peak, main_peak = measure(command_for(name, python, corpus, folder, size))
            floor = seconds if name == "floor" else floor
            ratio = f"{seconds / floor:>8.1f}" if floor else f"{'':>8}"
            command_name, _, jobs = name.partition("-")
            label = f"{command_name} --jobs {jobs or 1}" if command_name != "floor" else name
            print(f"{size:>10,} {label:<22} {seconds:>8.1f} {size / seconds:>8,.0f} {ratio} {peak:>8,.0f} "
                  f"{main_peak:>8,.0f}", flush=True)
    if smallest is not None and "normalize" in args.commands:
        print(f"\nnormalize split by stage (in process, one core, first 10,000 documents of {smallest.name}):")
        timings = stage_split(smallest)
        total = sum(t for _, t in timings)
        for label, seconds in timings:
            print(f"  {label:<52} {seconds:>6.2f} s {100 * seconds / total:>5.1f}%  {10000 / seconds:>9,.0f} docs/s")


if __name__ == "__main__":
    main()
