"""Shared loaders for the benchmarks: the evaluation sets in ../shared/data (never copied here)."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections import Counter
from pathlib import Path
from statistics import mean
from urllib.parse import urlsplit

DATA = Path(os.environ.get("CLEANCORPUS_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CACHE = Path(__file__).resolve().parent / ".cache"
COMMENTS_MARK = "!@#$%^&*()  COMMENTS"


def host(url: str | None) -> str:
    h = urlsplit(url or "").hostname or ""
    return h[4:] if h.startswith("www.") else h


def load_aeb() -> list[dict]:
    """Article-extraction benchmark: key, html, gold, site."""
    root = DATA / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        pages.append({"key": key, "html": html, "gold": truth[key].get("articleBody", ""),
                      "site": host(truth[key].get("url")) or key, "url": truth[key].get("url")})
    return pages


def load_dragnet() -> list[dict]:
    """Dragnet training pages: key, html, gold (readers' comments cut off), site."""
    root = DATA / "dragnet-train"
    sites = {}
    with open(root / "sites.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            sites[row["id"]] = (row["site"], row.get("url_if_found") or None)
    pages = []
    for path in sorted((root / "input").glob("*.html.gz")):
        key = path.name[: -len(".html.gz")]
        gold_path = root / "gold" / f"{key}.txt"
        if not gold_path.exists():
            continue
        gold = gold_path.read_text(encoding="utf-8", errors="replace")
        if COMMENTS_MARK in gold:
            gold = gold.split(COMMENTS_MARK)[0]
        raw = gzip.decompress(path.read_bytes())
        html = raw.decode("utf-8", "replace")
        site, url = sites.get(key, (key, None))
        pages.append({"key": key, "html": html, "gold": gold, "site": site or key, "url": url})
    return pages


_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall((text or "").lower())
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_scores(gold: str, predicted: str) -> tuple[float | None, float | None]:
    """Per-page precision and recall on 4-word shingles with multiplicity (None where undefined)."""
    true, pred = shingles(gold), shingles(predicted)
    tp = sum(min(c, pred.get(k, 0)) for k, c in true.items())
    fp = sum(pred.values()) - tp
    fn = sum(true.values()) - tp
    perfect = fp == fn == 0
    precision = None if tp + fp == 0 else (1.0 if perfect else tp / (tp + fp))
    recall = None if tp + fn == 0 else (1.0 if perfect else tp / (tp + fn))
    return precision, recall


def prf(golds: list[str], predictions: list[str]) -> tuple[float, float, float]:
    """Macro precision, recall and F1 (F1 of the means), as the benchmark computes them."""
    ps, rs = [], []
    for gold, pred in zip(golds, predictions):
        p, r = page_scores(gold, pred)
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    p, r = mean(ps), mean(rs)
    return p, r, 2 * p * r / (p + r)


def _extract(args: tuple[str, str, str | None]) -> str:
    method, html, url = args
    if method == "plain":
        from inscriptis import get_text
        return get_text(html)
    import trafilatura
    comments = method == "trafilatura"
    precision = method == "trafilatura-precision"
    return trafilatura.extract(html, url=url, include_comments=comments, favor_precision=precision) or ""


def _extract_without_template(args: tuple) -> str:
    html, url, site, templates, recall = args
    from cleancorpus.cruft.templates import HtmlTemplates
    from cleancorpus.io import extract_html
    from cleancorpus.io.readers import ReadOptions

    page, _ = HtmlTemplates(templates={site: templates} if templates else {}).strip(html, site)
    return extract_html(page, url, ReadOptions(html_favor_recall=recall))[0]


def extracted_with_templates(dataset: str, pages: list[dict], recall: bool = False) -> tuple[list[str], float]:
    """Each page's text as cleancorpus's HTML reader extracts it with site templates learned
    from the set (comments off; sites as the benchmark labels them), and the seconds that
    learning took. ``recall``: the reader's ``html_favor_recall`` (trafilatura's ``favor_recall``)."""
    import time
    from multiprocessing import Pool

    from cleancorpus.cruft.templates import learn_templates

    CACHE.mkdir(exist_ok=True)
    cache = CACHE / f"{dataset}-templates{'-recall' if recall else ''}.json"
    start = time.perf_counter()
    learned = learn_templates((p["site"], p["html"]) for p in pages)
    seconds = time.perf_counter() - start
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if all(p["key"] in data for p in pages):
            return [data[p["key"]] for p in pages], seconds
    with Pool(os.cpu_count()) as pool:
        texts = pool.map(_extract_without_template, [(p["html"], p.get("url"), p["site"],
                                                      learned.templates.get(p["site"]), recall) for p in pages],
                         chunksize=8)
    cache.write_text(json.dumps({p["key"]: t for p, t in zip(pages, texts)}), encoding="utf-8")
    return texts, seconds


def extracted(dataset: str, pages: list[dict], method: str) -> list[str]:
    """Text of each page by ``method`` (trafilatura | trafilatura-nocomments | trafilatura-precision
    (comments off, ``favor_precision``) | plain), cached on disk."""
    CACHE.mkdir(exist_ok=True)
    cache = CACHE / f"{dataset}-{method}.json"
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if all(p["key"] in data for p in pages):
            return [data[p["key"]] for p in pages]
    from multiprocessing import Pool
    with Pool(os.cpu_count()) as pool:
        texts = pool.map(_extract, [(method, p["html"], p.get("url")) for p in pages], chunksize=8)
    cache.write_text(json.dumps({p["key"]: t for p, t in zip(pages, texts)}), encoding="utf-8")
    return texts
