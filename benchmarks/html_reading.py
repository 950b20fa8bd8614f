"""Reading a folder of HTML pages with and without site templates, end to end.

The Dragnet pages (../shared/data, never copied into the project) are written to a
temporary folder, one sub-folder per site (as a scraper saves them), and
``cleancorpus normalize`` runs on it through the Python API, once with the reader's
default (site templates learned, then taken out before trafilatura) and once with
``html_templates = false``, each in this process, one job. Prints pages/s, the share of
the time the learning pass takes, and the quality of the output text against the gold
(the cruft benchmark's metric), so the cost and the gain are read off one table.

    python benchmarks/html_reading.py
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _data  # noqa: E402

import cleancorpus  # noqa: E402
from cleancorpus import Settings, normalize_corpus  # noqa: E402
from cleancorpus.io.pages import learn_folder_templates  # noqa: E402
from cleancorpus.io.readers import list_corpus_files  # noqa: E402


def _folder_name(site: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in site) or "site"


def main() -> None:
    pages = _data.load_dragnet()
    work = Path(tempfile.mkdtemp(prefix="cc-html-"))
    try:
        corpus = work / "pages"
        for page in pages:
            folder = corpus / _folder_name(page["site"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{page['key']}.html").write_bytes(
                gzip.decompress((_data.DATA / "dragnet-train" / "input" / f"{page['key']}.html.gz").read_bytes()))
        golds = {f"{_folder_name(p['site'])}/{p['key']}.html": p["gold"] for p in pages}
        files = list_corpus_files(corpus)
        start = time.perf_counter()
        learned = learn_folder_templates(corpus, files, Settings().read)
        learning = time.perf_counter() - start
        rows = []
        for label, templates in (("templates (default)", True), ("html_templates = false", False)):
            settings = Settings()
            settings = replace(settings, read=replace(settings.read, html_templates=templates))
            out = work / f"out-{templates}"
            start = time.perf_counter()
            report = normalize_corpus(corpus, out, settings=settings)
            seconds = time.perf_counter() - start
            texts = {doc_id: (out / (doc_id[:-5] + ".txt")).read_text(encoding="utf-8")
                     if (out / (doc_id[:-5] + ".txt")).exists() else "" for doc_id in golds}
            p, r, f = _data.prf(list(golds.values()), [texts[k] for k in golds])
            removed = sum(n for rule, n in report.by_rule.items() if rule.split(":")[0] == "template")
            rows.append((label, len(pages) / seconds, seconds, p, r, f, removed))
        sites = len(learned.templates) if learned else 0
        print(f"cleancorpus {cleancorpus.__version__}; {len(pages)} Dragnet pages in {len({p['site'] for p in pages})} "
              f"site folders; templates learned for {sites} sites; the learning pass alone: {learning:.1f} s "
              f"({len(pages) / learning:,.0f} pages/s)")
        print("| reader | pages/s | seconds | precision | recall | F1 | template blocks removed |")
        print("|---|---|---|---|---|---|---|")
        for label, rate, seconds, p, r, f, removed in rows:
            print(f"| {label} | {rate:,.1f} | {seconds:.1f} | {p:.3f} | {r:.3f} | {f:.3f} | {removed:,} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
