"""Cruft removal quality on real pages nobody here wrote (../shared/data).

For both data sets, prints macro precision / recall / F1 on 4-word shingles (the
article-extraction benchmark's metric) for: trafilatura (defaults, and comments off),
a plain HTML-to-text conversion (inscriptis), each alone, with a naive 'drop every line
seen on two or more pages of the same site', and with cleancorpus; then trafilatura on the
pages without the site templates cleancorpus learns from the HTML (the reader's default for
a folder of pages), alone and with cleancorpus. cleancorpus runs over
the whole set at once with each page's site as its source, as a user would run it.

    python benchmarks/cruft_quality.py          # extraction is cached in benchmarks/.cache
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _data  # noqa: E402

import cleancorpus  # noqa: E402
from cleancorpus import Document, remove_cruft  # noqa: E402

METHODS = ("trafilatura", "trafilatura-nocomments", "trafilatura-precision", "plain")


def naive_recurrence(texts: list[str], sites: list[str]) -> list[str]:
    """The naive baseline: drop every line that occurs on two or more pages of the same site."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for text, site in zip(texts, sites):
        counts[site].update({line.strip() for line in text.split("\n") if line.strip()})
    return ["\n".join(l for l in text.split("\n") if counts[site][l.strip()] < 2) for text, site in zip(texts, sites)]


def with_cleancorpus(texts: list[str], sites: list[str], keys: list[str]) -> list[str]:
    docs = [Document(id=k, text=t, source=s) for k, t, s in zip(keys, texts, sites)]
    return [d.text for d in remove_cruft(docs)]


def main() -> None:
    rows = []
    for name, loader in (("article-extraction (181)", _data.load_aeb), ("dragnet-train (966)", _data.load_dragnet)):
        pages = loader()
        golds = [p["gold"] for p in pages]
        sites = [p["site"] for p in pages]
        keys = [p["key"] for p in pages]
        dataset = name.split()[0]
        for method in METHODS:
            texts = _data.extracted(dataset, pages, method)
            rows.append((name, method, *_data.prf(golds, texts), ""))
            rows.append((name, method + " + naive", *_data.prf(golds, naive_recurrence(texts, sites)), ""))
            start = time.perf_counter()
            cleaned = with_cleancorpus(texts, sites, keys)
            seconds = time.perf_counter() - start
            rows.append((name, method + " + cleancorpus", *_data.prf(golds, cleaned), f"{len(pages) / seconds:,.0f}"))
        for recall in (False, True):
            method = "trafilatura-nocomments, site templates" + (", favor_recall" if recall else "")
            texts, learning = _data.extracted_with_templates(dataset, pages, recall)
            rows.append((name, method, *_data.prf(golds, texts), f"(learning {len(pages) / learning:,.0f})"))
            rows.append((name, method + " + cleancorpus", *_data.prf(golds, with_cleancorpus(texts, sites, keys)), ""))
    print(f"cleancorpus {cleancorpus.__version__}; metric: macro P/R over pages, F1 of the means; 4-word shingles")
    print("| data set | text | precision | recall | F1 | cleancorpus pages/s |")
    print("|---|---|---|---|---|---|")
    for name, method, p, r, f, speed in rows:
        print(f"| {name} | {method} | {p:.3f} | {r:.3f} | {f:.3f} | {speed} |")


if __name__ == "__main__":
    main()
