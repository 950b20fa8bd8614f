"""The run report: its HTML page (parsed back, and loaded in a real browser when one is
installed), the JSON Schemas against real outputs, and the closing summary."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cleancorpus.report import RunReport, schema
from conftest import prose, run_cli

CRUFT = "Get the Daily Planet newsletter in your inbox:"


class Page(HTMLParser):
    """The parts of the page a test looks at: section ids, text per section, links, marks."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.marks = 0
        self.svg_marks = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "section":
            self.current = attrs.get("id")
            self.sections[self.current] = []
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "mark":
            self.marks += 1
        if tag == "line" and "mark" in (attrs.get("class") or ""):
            self.svg_marks += 1
        for key in ("src", "href"):
            if attrs.get(key) and not attrs[key].startswith("#") and "w3.org" not in attrs[key]:
                self.external.append(attrs[key])

    def handle_data(self, data):
        if self.current is not None:
            self.sections[self.current].append(data)

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]).split())


def built_corpus(folder: Path) -> Path:
    """Two sources with their own recurring cruft, a respelled name, a duplicate pair and a
    document that is mostly cruft (the outlier the page must show first)."""
    rows = []
    for i in range(12):
        named = "\nPrime minister Nikol Pashinian said the talks would resume in the spring, officials said." \
            if i == 3 else ""
        text = f"Headline number {i} of the planet\n{prose(i, 6)}{named}\n{CRUFT}\nShare This Article"
        rows.append({"id": f"p{i}", "source": "planet", "text": text})
    for i in range(6):
        rows.append({"id": f"s{i}", "source": "sun", "text": f"{prose(100 + i, 6)}\nFollow The Sun on Twitter"})
    rows.append({"id": "s-copy", "source": "sun", "text": rows[-1]["text"].replace("Follow", "Follow") + " Updated."})
    rows.append({"id": "thin", "source": "planet", "text": f"Thin one\n{CRUFT}\nShare This Article\n"
                 "Advertisement\nThe story is short here."})
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, Path]:
    corpus = built_corpus(tmp_path)
    out, page = tmp_path / "out", tmp_path / "report.html"
    result = run_cli("normalize", corpus, "-o", out, "--html-report", page, "--isolated")
    assert result.returncode == 0, result.stderr
    assert f"wrote {page}" in result.stderr
    return out, page


def test_the_page_shows_every_section_of_a_run(run: tuple[Path, Path]) -> None:
    out, page_path = run
    page = Page()
    page.feed(page_path.read_text(encoding="utf-8"))
    assert list(page.sections) == ["totals", "sources", "removal", "names", "clusters", "similarity"]
    report = json.loads((out / "cleancorpus-report.json").read_text())
    totals = page.text("totals")
    assert f"lines removed {report['totals']['lines_removed']:,}" in totals
    # per source: its rules and the lines learned as recurring there, with their document counts
    sources = page.text("sources")
    assert "planet" in sources and "sun" in sources
    assert re.search(r"planet \d+ \d+ .*newsletter-inbox \d+", sources)  # a rule's lines, per source
    # (the copy of a sun story is not counted twice: 6 stories)
    assert re.search(r"Follow The Sun on Twitter in 6 of 6 documents, removed 6 times", sources)
    # the document that lost most of its text comes first, linked to what was removed and why
    removal = page.text("removal")
    first = re.search(r'<a href="#doc-1">([^<]+)</a>', page_path.read_text(encoding="utf-8"))
    assert first is not None and first.group(1) == "thin"
    assert "#doc-1" in page.links and "doc-1" in page.ids
    assert "share-article" in removal and "Share This Article" in removal
    # names: form, canonical, count, entry, table or discovered
    assert re.search(r"Pashinian Pashinyan 1 \S+:Pashinyan table", page.text("names"))
    # clusters: the copy beside the document kept, its differences marked
    clusters = page.text("clusters")
    assert "kept: s-copy" in clusters and "s5: Jaccard" in clusters and page.marks >= 1  # the longer is kept
    # similarity histograms with the thresholds marked
    assert page.svg_marks == 2 and "threshold 0.4" in page.text("similarity")
    assert page.external == []  # self-contained: nothing loaded from elsewhere


def test_the_report_command_and_its_errors(run: tuple[Path, Path], tmp_path: Path) -> None:
    out, first = run
    again = tmp_path / "again.html"
    result = run_cli("report", out, "-o", again)  # the output folder names its report
    assert result.returncode == 0, result.stderr
    assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    missing = run_cli("report", tmp_path / "nothing.json", "-o", again)
    assert missing.returncode == 2 and "nothing.json: no such file" in missing.stderr
    (tmp_path / "other.json").write_text('{"a": 1}')
    wrong = run_cli("report", tmp_path / "other.json", "-o", again)
    assert wrong.returncode == 2 and "not a cleancorpus run report" in wrong.stderr
    (tmp_path / "in").mkdir()  # the page is never written into the input
    built_corpus(tmp_path / "in")
    inside = run_cli("normalize", tmp_path / "in", "-o", tmp_path / "o2", "--html-report", tmp_path / "in" / "r.html")
    assert inside.returncode == 2 and "inside the input" in inside.stderr and not (tmp_path / "o2").exists()
    nowhere = run_cli("report", out, "-o", tmp_path / "missing" / "r.html")
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    assert "Traceback" not in missing.stderr + wrong.stderr + nowhere.stderr


def test_long_lists_are_cut_and_the_page_says_so(tmp_path: Path) -> None:
    from cleancorpus.report import html as page_module

    report = {"cleancorpus": "x", "input": "in", "output": "out", "totals": {}, "settings": {},
              "clusters": [{"representative": f"r{i}", "members": [{"id": f"m{i}", "jaccard": 0.9,
                                                                     "containment": 0.9}]} for i in range(60)]}
    totals = page_module.RecordTotals()
    for i in range(250):
        totals.add({"id": f"d{i}", "source": f"site{i}", "kept_chars": 100,
                    "removed_lines": [{"line": 1, "text": "x", "rule": "ad-label", "detail": ""}]})
    text = page_module.render_html(report, totals)
    assert "Showing the 200 sources with the most lines removed of 250" in text
    assert "Showing the first 50 of 60 clusters" in text
    assert text.count('class=explain') == page_module.MAX_OUTLIERS


def test_the_schemas_hold_for_real_outputs(run: tuple[Path, Path], seeds: Path, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out, _ = run
    seeds_out = tmp_path / "seeds-out"
    assert run_cli("normalize", seeds, "-o", seeds_out).returncode == 0
    for folder in (out, seeds_out):
        jsonschema.validate(json.loads((folder / "cleancorpus-report.json").read_text()), schema("summary"))
        for line in (folder / "cleancorpus-records.jsonl").read_text().splitlines():
            jsonschema.validate(json.loads(line), schema("records"))
    with pytest.raises(jsonschema.ValidationError):  # the schemas do reject a wrong shape
        jsonschema.validate({"id": 1, "source": None}, schema("records"))


def test_the_closing_summary_is_an_aligned_table_with_thousands_separators() -> None:
    report = RunReport(input="x")
    report.read, report.written, report.words_changed = 1234567, 1234000, 12
    report.by_rule.update({"newsletter-inbox": 40211, "repeat": 7})
    lines = report.summary().splitlines()
    assert lines[0].split() == ["documents", "read", "1,234,567"]
    assert "40,211" in report.summary() and len({len(line) for line in lines}) == 1  # aligned: one width


def _browser() -> str | None:
    return next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)


@pytest.mark.skipif(_browser() is None, reason="no chromium installed (apt-get install -y chromium)")
def test_the_page_renders_in_a_real_browser(run: tuple[Path, Path], tmp_path: Path) -> None:
    _, page = run
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([_browser(), *flags, "--enable-logging=stderr", "--virtual-time-budget=3000", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120)
    root = re.search(r"<html[^>]*>", dom.stdout)
    assert root is not None and 'data-rendered="6"' in root.group(), dom.stderr[-2000:]  # the script ran over 6 sections
    assert "data-errors" not in root.group() and "Uncaught" not in dom.stderr  # and nothing threw
    shot = Path(os.environ.get("CLEANCORPUS_SCREENSHOT", tmp_path / "report.png"))
    subprocess.run([_browser(), *flags, "--window-size=1280,2000", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000  # something was drawn
