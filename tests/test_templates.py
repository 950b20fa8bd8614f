"""Site templates learned from the HTML (issue 15): blocks that recur across one site's
pages are taken out before extraction and recorded as ``template:<site>``."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from cleancorpus import LineRemoval, read_corpus
from cleancorpus.io.readers import ReadOptions

STORIES = [
    ("Harbour reopens after storm", "The harbour of the northern town reopened on Monday after a week of repairs to "
     "the sea wall, which had been damaged by the storm that hit the coast at the start of the month."),
    ("Council approves tram line", "The city council approved the new tram line on Tuesday evening after a debate "
     "that lasted more than six hours, and the first section should open in four years."),
    ("School meals to be free", "Every primary school pupil in the region will receive free school meals from "
     "September, the education minister announced, in a plan paid for by a tax on sugary drinks."),
    ("Bridge closed for inspection", "Engineers closed the old railway bridge for an inspection after cracks were "
     "found in two of its supports; buses replace the trains for at least three weeks."),
    ("Museum finds lost painting", "A painting missing for almost a century was found in the storerooms of the city "
     "museum, hidden behind a later canvas painted over it by a careless restorer."),
]
NAV = "Home Local Sport Weather"
PROMO = "Get the Northern Daily newsletter every morning: sign up now and never miss a story from your town."
FOOTER = "Copyright 2024 Northern Daily Media Group. All rights reserved."


def page(title: str, body: str, n: int, host: str | None = "news.northern.example") -> str:
    canonical = f'<link rel="canonical" href="https://{host}/2024/{n}/story.html">' if host else ""
    return (f"<!DOCTYPE html><html><head><title>{title} | Northern Daily</title>{canonical}</head><body>"
            f"<header><nav><ul>{''.join(f'<li><a href=/{w}>{w}</a></li>' for w in NAV.split())}</ul></nav></header>"
            f"<div class=promo><p>{PROMO}</p></div>"
            f"<main><article><h1>{title}</h1><p>{body}</p><p>Our correspondent number {n} followed the events "
            f"closely, talking to residents and officials on the scene for this report.</p></article></main>"
            f"<footer><p>{FOOTER}</p></footer></body></html>")


def write_site(folder: Path, stories=STORIES, host: str | None = "news.northern.example") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, (title, body) in enumerate(stories):
        (folder / f"story{n}.html").write_text(page(title, body, n, host), encoding="utf-8")
    return folder


def template_removals(docs) -> list[LineRemoval]:
    return [r for d in docs for r in d.records_of(LineRemoval) if r.rule.startswith("template:")]


def test_a_sites_template_blocks_are_removed_before_extraction_and_recorded(tmp_path):
    site = write_site(tmp_path / "site")
    before = {p.name: p.read_bytes() for p in site.iterdir()}
    out = tmp_path / "out"
    assert run_cli("normalize", str(site), "-o", str(out), "-q", "--isolated").returncode == 0
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before  # the input is never touched
    for n, (title, body) in enumerate(STORIES):
        text = (out / f"story{n}.txt").read_text(encoding="utf-8")
        assert body in text and title in text
        assert PROMO not in text and FOOTER not in text
    records = [json.loads(line) for line in (out / "cleancorpus-records.jsonl").read_text().splitlines()]
    removed = [r for rec in records for r in rec["removed_lines"] if r["rule"] == "template:news.northern.example"]
    assert {r["text"] for r in removed} >= {PROMO, FOOTER, NAV}
    assert all(r["line"] == 0 and " of 5 pages" in r["detail"] for r in removed)
    report = json.loads((out / "cleancorpus-report.json").read_text())
    assert report["totals"]["lines_removed_by_rule"]["template"] == len(removed)  # (as recurring:<source>)


def test_copies_of_one_article_do_not_make_it_a_template(tmp_path):
    """Three copies of one story and two others: the story's paragraph is on 3 of 5 pages,
    but it is one story, counted once; the real template still goes."""
    copies = [STORIES[0]] * 3 + STORIES[1:3]
    site = write_site(tmp_path / "site", copies)
    docs = list(read_corpus(site))
    assert all(copies[int(d.id[5])][1] in d.text for d in docs)
    texts = {r.text for r in template_removals(docs)}
    assert PROMO in texts and not any(STORIES[0][1] in t for t in texts)


def test_sites_are_learned_apart_and_the_setting_turns_it_off(tmp_path):
    """Two hosts in one folder, and pages without a canonical link in a subfolder (the
    folder is their site); html_templates = false reads every page as trafilatura alone does."""
    folder = tmp_path / "mixed"
    write_site(folder / "a", host="news.northern.example")
    write_site(folder / "b", STORIES[:3], host="blog.northern.example")
    write_site(folder / "c", STORIES[1:5], host=None)
    docs = list(read_corpus(folder))
    rules = {d.id.split("/")[0]: {r.rule for r in d.records_of(LineRemoval) if r.line == 0} for d in docs}
    assert rules["a"] == {"template:news.northern.example"}
    assert rules["b"] == {"template:blog.northern.example"}
    assert rules["c"] == {"template:c"}
    plain = list(read_corpus(folder, ReadOptions(html_templates=False)))
    assert not template_removals(plain)
    assert [d.id for d in plain] == [d.id for d in docs]


def test_a_single_page_or_a_small_site_learns_nothing(tmp_path):
    site = write_site(tmp_path / "two", STORIES[:2])
    assert not template_removals(read_corpus(site))
    assert not template_removals(read_corpus(site / "story0.html"))


def test_check_does_not_report_template_blocks_and_explain_shows_them(tmp_path):
    """Template blocks are taken out while reading the page (as the extractor drops a menu):
    check judges the text; explain lists the blocks above the page's lines."""
    site = write_site(tmp_path / "site")
    done = run_cli("check", str(site), "--isolated", "--no-cache", "--ignore", "CC405")  # (short stories)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = run_cli("explain", str(site), "story1.html", "--isolated").stdout
    assert f"- html [template:news.northern.example: <div> on 5 of 5 pages] {PROMO}" in shown
    plain = run_cli("explain", str(site), "story1.html", "--isolated", "--no-html-templates").stdout
    assert "template:" not in plain and "story1.html" in plain


def test_the_content_hash_caches_key_on_follows_the_template(tmp_path):
    """check's caches key a page on its content hash: a page read without its template, or
    with another one (the site gained pages), must not be taken for the page read before."""
    site = write_site(tmp_path / "site", STORIES[:3])
    hashes = {d.id: d.meta["content_hash"] for d in read_corpus(site)}
    plain = {d.id: d.meta["content_hash"] for d in read_corpus(site, ReadOptions(html_templates=False))}
    assert all(hashes[i] != plain[i] for i in hashes)
    # seven more pages without the footer: it is now on 3 of 10 pages, no longer template;
    # story0.html's bytes are unchanged, what is read from it is not
    for n in range(3, 10):
        (site / f"story{n}.html").write_text(page(f"Title {n}", f"Story number {n} of the week.", n).replace(
            f"<footer><p>{FOOTER}</p></footer>", ""))
    grown = {d.id: d for d in read_corpus(site)}
    assert FOOTER not in {r.text for r in template_removals([grown["story0.html"]])}
    assert grown["story0.html"].meta["content_hash"] != hashes["story0.html"]


def test_the_learning_pass_reports_progress(tmp_path):
    """A folder of many pages is read twice (learning, then reading): the first pass is not silent."""
    from cleancorpus import normalize_corpus

    site = write_site(tmp_path / "site")
    heard = []
    normalize_corpus(site, tmp_path / "out", progress=lambda label, done, total: heard.append((label, done, total)))
    learning = [h for h in heard if h[0] == "learning site templates"]
    assert learning[-1] == ("learning site templates", 5, 5)
    assert heard.index(learning[-1]) < min(i for i, h in enumerate(heard) if h[0] != "learning site templates")


def test_a_block_inside_a_removed_block_is_recorded_once_and_xhtml_pages_parse(tmp_path):
    """A template box whose paragraph is a template block too (through a non-block element)
    goes once, recorded once; a page with an XML declaration is learned like any other."""
    from cleancorpus.cruft.templates import learn_templates, parse_html

    box = "<div class=box><center><p>Most read this week on the Northern Daily</p></center></div>"
    pages = [("s", f"<html><head><title>{t}</title></head><body>{box}<p>{b}</p></body></html>")
             for t, b in STORIES]
    learned = learn_templates(pages)
    _, removed = learned.strip(pages[0][1], "s")
    assert [text for text, _, _ in removed] == ["Most read this week on the Northern Daily"]
    assert removed[0][1].endswith("/div")
    xhtml = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Zażółć</p></body></html>'
    assert parse_html(xhtml) is not None and parse_html("") is None


def test_one_story_under_six_headlines_is_never_the_sites_template(tmp_path):
    """Trust III (issue 25, class 4): a story republished under six headlines (the body the
    same, the byline paragraph the same) is one story; its paragraphs stay on every page,
    and the real template (promo, footer, navigation) still goes."""
    body = STORIES[0][1]
    headlines = ["Harbour reopens", "Storm damage repaired", "Sea wall fixed", "Port back in business",
                 "Town harbour open again", "Repairs end at the harbour"]
    site = tmp_path / "site"
    site.mkdir()
    for n, headline in enumerate(headlines):
        (site / f"copy{n}.html").write_text(page(headline, body, 0), encoding="utf-8")
    for n, (title, text) in enumerate(STORIES[1:], start=10):
        (site / f"story{n}.html").write_text(page(title, text, n), encoding="utf-8")
    docs = list(read_corpus(site))
    texts = {r.text for r in template_removals(docs)}
    assert PROMO in texts and FOOTER in texts
    assert not any(body in t or "Our correspondent number 0" in t for t in texts)
    for doc in docs:
        if doc.id.startswith("copy"):
            assert body in doc.text and "Our correspondent number 0" in doc.text


def test_a_block_that_is_most_of_its_page_is_never_removed(tmp_path):
    """The learned template is only what surrounds an article: a page whose whole text is a
    block the site's other pages also carry (a teaser page holding only that box) keeps it."""
    site = write_site(tmp_path / "site")
    (site / "only-promo.html").write_text(
        '<!DOCTYPE html><html><head><title>Newsletter</title>'
        '<link rel="canonical" href="https://news.northern.example/newsletter.html"></head>'
        f'<body><div class=promo><p>{PROMO}</p></div></body></html>', encoding="utf-8")
    docs = {d.id: d for d in read_corpus(site)}
    assert PROMO in docs["only-promo.html"].text
    assert PROMO not in docs["story0.html"].text  # removed where it is not the page


def test_template_learning_in_the_workers_learns_what_one_process_learns(tmp_path):
    """With --jobs 2 the pages are parsed and summarized by the workers (a learning pass of
    the plan) and only the fold runs in the main process: the same templates, the same
    output, for two sites, a copy of a story and partitions of every size."""
    import dataclasses

    from cleancorpus import Settings, normalize_corpus
    from cleancorpus.cruft.templates import PageSummaries, learn_templates, parse_html, page_site, templates_of
    from cleancorpus.engines.local import fit_stages
    from cleancorpus.io.pages import RawPages

    corpus = tmp_path / "corpus"
    write_site(corpus / "north")
    write_site(corpus / "south", STORIES[::-1] + STORIES[:1], host="news.southern.example")  # a copy of story 0
    pages = sorted(corpus.rglob("*.html"))
    raw = [(str(p), p.parent.name) for p in pages]
    alone = learn_templates((page_site(parse_html(p.read_text()), None, p.parent.name), p.read_text())
                            for p in pages)
    assert alone.templates and len(alone.templates) == 2
    for size in (1, 3, len(raw)):
        stage = PageSummaries()
        fit_stages([], [stage])  # (nothing to learn from no documents: found stays empty)
        assert stage.found == []
        fit_stages([d for part in [RawPages(raw[i:i + size]) for i in range(0, len(raw), size)]
                    for d in part.read(ReadOptions(), set())[0]], [stage], jobs=2, partition_size=size)
        assert [path for path, _, _ in stage.found] == [str(p) for p in pages]
        learned = templates_of((site, summary) for _, site, summary in stage.found)
        assert learned.templates == alone.templates and learned.pages == alone.pages
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        normalize_corpus(corpus, out, settings=dataclasses.replace(Settings(), jobs=jobs), partition_size=2)
        outputs[jobs] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
                         if p.is_file() and p.name != "cleancorpus-report.json"}
    assert outputs[1] == outputs[2]
    assert b"template:news.southern.example" in outputs[2]["cleancorpus-records.jsonl"]
