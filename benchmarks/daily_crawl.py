"""A daily crawl: each day cleaned with the model of the days before (issue 28).

The shared Dragnet training pages (../shared/data), extracted with trafilatura (comments off,
cached in benchmarks/.cache), each site's pages split into ``--days`` days in page order (a
site with fewer pages than days has fewer days). For the pages of days 2 and later, three
ways to clean a day, scored against the hand-made gold text (macro P/R over pages, F1 of the
means, 4-word shingles, as ``cruft_quality.py``):

- the day alone: recurrence learned from that day's pages only (what every run did before
  models);
- the day with the model of the days before: ``Pipeline(stages=("cruft",)).fit(days before)
  .save(MODEL)``, then ``Pipeline.load(MODEL).run(day)``, which learns nothing from the day;
- the day with the model of the days before *and the day* (a model fitted on days 1..N, what
  ``--update-model`` is to give: the day's own recurring lines are learned too);
- all days at once: every page cleaned in one run, scored on the same pages (the reference:
  what a run that sees the whole crawl learns).

    python benchmarks/daily_crawl.py --days 3
    python benchmarks/daily_crawl.py --days 3 --min-pages 9   # sites with 3+ pages a day
    python benchmarks/daily_crawl.py --days 3 --html          # site templates from the HTML too

``--html``: the pages are extracted by cleancorpus's HTML reader with the site templates each
way of cleaning has (learned from the day's pages alone, from the days before, from the days
before and the day, from all pages; sites as the benchmark labels them), then cleaned with the
recurrence learned from the same pages: a model holds both (``cleancorpus fit`` of folders of
pages keeps the templates the reader learns).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _data  # noqa: E402

import cleancorpus  # noqa: E402
from cleancorpus import Document, Pipeline  # noqa: E402

STAGES = ("cruft",)


def days_of(pages: list[dict], days: int) -> list[int]:
    """The day (0-based) of each page: a site's pages in order, cut into ``days`` runs."""
    by_site: dict[str, list[int]] = defaultdict(list)
    for index, page in enumerate(pages):
        by_site[page["site"]].append(index)
    day = [0] * len(pages)
    for indexes in by_site.values():
        for rank, index in enumerate(indexes):
            day[index] = rank * days // len(indexes)
    return day


def clean(docs: list[Document]) -> dict[str, str]:
    return {d.id: d.text for d in Pipeline(stages=STAGES).run(docs)}


def extract(pages: list[dict], learned_from: list[dict]) -> list[Document]:
    """``pages`` as documents, extracted with the site templates learned from ``learned_from``."""
    from multiprocessing import Pool

    from cleancorpus.cruft.templates import learn_templates

    templates = learn_templates((p["site"], p["html"]) for p in learned_from)
    with Pool(2) as pool:
        texts = pool.map(_data._extract_without_template,
                         [(p["html"], p.get("url"), p["site"], templates.templates.get(p["site"]), False) for p in pages],
                         chunksize=8)
    return [Document(p["key"], t, source=p["site"]) for p, t in zip(pages, texts)]


def html_days(pages: list[dict], day: list[int], days: int) -> dict[str, dict[str, str]]:
    """The four ways of cleaning each later day, the HTML read with each way's site templates."""
    ways: dict[str, dict[str, str]] = {"alone": {}, "before": {}, "before and the day": {}}
    with tempfile.TemporaryDirectory() as folder:
        for n in range(1, days):
            today = [p for p, k in zip(pages, day) if k == n]
            before = [p for p, k in zip(pages, day) if k < n]
            ways["alone"].update(clean(extract(today, today)))
            for way, learned_from in (("before", before), ("before and the day", before + today)):
                model = Path(folder) / f"model-{n}"
                Pipeline(stages=STAGES).fit(extract(learned_from, learned_from)).save(model)
                ways[way].update({d.id: d.text for d in Pipeline.load(model, stages=STAGES).run(
                    extract(today, learned_from))})
    ways["all"] = clean(extract(pages, pages))
    return ways


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--min-pages", type=int, default=1, help="only sites with at least this many pages")
    parser.add_argument("--html", action="store_true", help="read the HTML with each way's site templates")
    args = parser.parse_args()
    pages = _data.load_dragnet()
    per_site = Counter(p["site"] for p in pages)
    texts = _data.extracted("dragnet-train", pages, "trafilatura-nocomments")
    kept = [i for i, p in enumerate(pages) if per_site[p["site"]] >= args.min_pages]
    pages, texts = [pages[i] for i in kept], [texts[i] for i in kept]
    day = days_of(pages, args.days)
    docs = [Document(p["key"], t, source=p["site"]) for p, t in zip(pages, texts)]
    gold = {p["key"]: p["gold"] for p in pages}
    later = [d for d, n in zip(docs, day) if n > 0]
    alone: dict[str, str] = {}
    with_model: dict[str, str] = {}
    updated: dict[str, str] = {}
    seconds = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for n in range(1, args.days):
            today = [d for d, k in zip(docs, day) if k == n]
            before = [d for d, k in zip(docs, day) if k < n]
            alone.update(clean(today))
            model = Path(folder) / f"model-{n}"
            Pipeline(stages=STAGES).fit(before).save(model)
            start = time.perf_counter()
            with_model.update({d.id: d.text for d in Pipeline.load(model, stages=STAGES).run(today)})
            seconds += time.perf_counter() - start
            Pipeline(stages=STAGES).fit(before + today).save(model)
            updated.update({d.id: d.text for d in Pipeline.load(model, stages=STAGES).run(today)})
    together = clean(docs)
    if args.html:
        ways = html_days(pages, day, args.days)
        alone, with_model, updated, together = (ways["alone"], ways["before"], ways["before and the day"],
                                                ways["all"])
    keys = [d.id for d in later]
    raw = {d.id: d.text for d in docs}
    sites_later = {d.source for d in later}
    print(f"cleancorpus {cleancorpus.__version__}, {time.strftime('%Y-%m-%d')}; dragnet-train, "
          f"{'the HTML reader with site templates' if args.html else 'trafilatura'} "
          f"(comments off); {len(pages)} pages of {len({p['site'] for p in pages})} sites with {args.min_pages}+ pages, "
          f"in {args.days} days: "
          f"{len(keys)} pages of {len(sites_later)} sites on days 2-{args.days} are scored")
    print("| pages of days 2 and later cleaned | precision | recall | F1 |")
    print("|---|---:|---:|---:|")
    for label, cleaned in (("not cleaned (trafilatura alone)", raw), ("the day alone", alone),
                           ("with the model of the days before", with_model),
                           ("with the model of the days before and the day", updated),
                           ("all days at once (reference)", together)):
        p, r, f = _data.prf([gold[k] for k in keys], [cleaned[k] for k in keys])
        print(f"| {label} | {p:.3f} | {r:.3f} | {f:.3f} |")
    if not args.html:
        print(f"\n(applying the models: {len(keys) / seconds:,.0f} pages/s)")


if __name__ == "__main__":
    main()
