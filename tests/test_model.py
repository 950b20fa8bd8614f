"""Models: ``fit`` saves what a run learns, ``normalize --model`` applies it and learns nothing.

Issue 28's first part: fit + apply writes exactly what one ``normalize`` writes (one job and
two, with name discovery too); a small day cleaned with the model of a larger corpus loses
the recurring lines it could not learn alone; the Python API does the same; and every bad
model (missing, not a model, damaged, truncated, newer, other settings) stops the run with
one line naming the file, before anything is read or written, leaving the model whole.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cleancorpus import Document, LineRemoval, Pipeline
from cleancorpus.model import ModelError, load_model
from conftest import prose, run_cli

SITES = ("harbour-news.example", "valley-times.example", "coast-post.example")


def site_pages(site: str, count: int, first: int = 0) -> list[dict]:
    """Pages of one site: its own prose, its footer and share lines on most pages, a
    newsletter line on every third, and a name spelled two ways across the site."""
    pages = []
    for n in range(first, first + count):
        seed = hash((site, n)) % 10_000
        lines = [f"Story {n} from {site}: the council and the harbour", prose(seed, 3), "Share This Article",
                 prose(seed + 1, 4) + (" Mayor Arvid Kaljulayd spoke." if n % 3 == 1 else " Mayor Arvid Kaljulaid spoke."),
                 f"Follow {site} on Twitter"]
        if n % 3 == 0:
            lines.append(f"Get the {site} newsletter every morning")
        lines.append(f"(c) {site} 2013. All rights reserved.")
        pages.append({"id": f"{site}/{n}", "source": site, "text": "\n\n".join(lines)})
    return pages


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of an output folder, the run report without what names this run's paths."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "cleancorpus-report.json":
                report = json.loads(data)
                for key in ("output", "model"):
                    report.pop(key)
                data = json.dumps(report, sort_keys=True).encode()
            found[path.relative_to(folder).as_posix()] = data
    return found


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "corpus.jsonl", [p for site in SITES for p in site_pages(site, 12)])


@pytest.mark.parametrize("options", [["--jobs", "1"], ["--jobs", "2"], ["--jobs", "2", "--apply-discovered"]])
def test_fit_then_normalize_with_the_model_writes_what_normalize_writes(corpus: Path, tmp_path: Path,
                                                                        options: list[str]) -> None:
    fitted = run_cli("fit", corpus, "-o", tmp_path / "model", "--isolated", *options)
    assert fitted.returncode == 0, fitted.stderr
    alone = run_cli("normalize", corpus, "-o", tmp_path / "alone", "-q", "--isolated", *options)
    assert alone.returncode == 0, alone.stderr
    applied = run_cli("normalize", corpus, "-o", tmp_path / "applied", "-q", "--isolated", "--model",
                      tmp_path / "model", *options)
    assert applied.returncode == 0, applied.stderr
    assert folder_bytes(tmp_path / "applied") == folder_bytes(tmp_path / "alone")
    report = json.loads((tmp_path / "applied" / "cleancorpus-report.json").read_text())
    assert report["model"] == str(tmp_path / "model")
    assert report["totals"]["lines_removed_by_rule"]["recurring"] >= 2 * 36  # not vacuous: footers and follows
    model = load_model(tmp_path / "model")
    assert set(model.recurrence) == set(SITES) and model.documents == 36
    if "--apply-discovered" in options:
        assert model.names and any({"Kaljulaid", "Kaljulayd"} <= {g["canonical"], *g["variants"]}
                                   for g in model.names)
        assert report["totals"]["words_changed"] > 0
    else:
        assert model.names is None


def test_a_small_day_is_cleaned_with_what_the_earlier_days_taught(tmp_path: Path) -> None:
    """Three pages of a day: the newsletter line is on one of them, so the day alone cannot
    learn it recurs; the model of the twelve pages before knows it does."""
    site = SITES[0]
    write_jsonl(tmp_path / "day1.jsonl", site_pages(site, 12))
    day2 = write_jsonl(tmp_path / "day2.jsonl", site_pages(site, 3, first=100))
    assert run_cli("fit", tmp_path / "day1.jsonl", "-o", tmp_path / "model", "-q", "--isolated").returncode == 0
    assert run_cli("normalize", day2, "-o", tmp_path / "alone.jsonl", "-q", "--isolated").returncode == 0
    assert run_cli("normalize", day2, "-o", tmp_path / "with-model.jsonl", "-q", "--isolated", "--model",
                   tmp_path / "model", "--html-report", tmp_path / "page.html").returncode == 0
    assert f"cleaned with the model <code>{tmp_path / 'model'}</code>" in (tmp_path / "page.html").read_text()
    newsletter = f"Get the {site} newsletter every morning"

    def texts(name: str) -> str:
        return "".join(json.loads(line)["text"] for line in (tmp_path / name).read_text().splitlines())

    assert newsletter in texts("alone.jsonl")
    assert newsletter not in texts("with-model.jsonl")
    assert prose(hash((site, 100)) % 10_000, 3) in texts("with-model.jsonl")  # the article stays
    records = [json.loads(line) for line in (tmp_path / "with-model.jsonl.cleancorpus-records.jsonl")
               .read_text().splitlines()]
    removed = [line for r in records for line in r["removed_lines"] if line["text"] == newsletter]
    assert removed and removed[0]["rule"] == f"recurring:{site}" and "of 12 documents" in removed[0]["detail"]


def test_the_python_api_saves_and_loads_a_model(tmp_path: Path) -> None:
    docs = [Document(p["id"], p["text"], source=p["source"]) for site in SITES for p in site_pages(site, 10)]
    fitted = Pipeline().fit(docs)
    fitted.save(tmp_path / "model")
    loaded = Pipeline.load(tmp_path / "model")
    assert [s.rounds for s in loaded.stages if s.name in ("cruft", "names")] == [0, 0]  # nothing to learn
    expected = [(d.text, d.records) for d in Pipeline().run(docs)]
    got = [(d.text, d.records) for d in loaded.run(docs)]
    assert got == expected
    assert any(isinstance(r, LineRemoval) and r.rule.startswith("recurring:") for _, records in got for r in records)


def test_refitting_replaces_a_model_and_nothing_else_is_overwritten(corpus: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    assert run_cli("fit", corpus, "-o", model, "-q", "--isolated").returncode == 0
    first = (model / "model.json").read_text()
    assert run_cli("fit", corpus, "-o", model, "-q", "--isolated").returncode == 0
    assert json.loads((model / "model.json").read_text())["created"] >= json.loads(first)["created"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "model"]  # no temporary folder left
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    refused = run_cli("fit", corpus, "-o", other, "-q", "--isolated")
    assert refused.returncode == 2 and "not a cleancorpus model; not overwritten" in refused.stderr
    assert (other / "mine.txt").read_text() == "keep me" and len(list(other.iterdir())) == 1


def _damage(model: Path, how: str) -> Path:
    if how == "missing":
        return model.parent / "no-such-model"
    if how == "not a model":
        (model / "model.json").write_text(json.dumps({"format": "something-else"}))
    elif how == "corrupt":
        data = bytearray((model / "cruft.json").read_bytes())
        data[len(data) // 2] ^= 0x01
        (model / "cruft.json").write_bytes(bytes(data))
    elif how == "truncated":
        data = (model / "cruft.json").read_bytes()
        (model / "cruft.json").write_bytes(data[: len(data) // 3])
    elif how == "newer":
        manifest = json.loads((model / "model.json").read_text())
        manifest["format_version"] = 99
        (model / "model.json").write_text(json.dumps(manifest))
    elif how == "file missing":
        (model / "cruft.json").unlink()
    return model


@pytest.mark.parametrize("how, message", [
    ("missing", "no such model"), ("not a model", "not a cleancorpus model"),
    ("corrupt", "damaged or truncated"), ("truncated", "damaged or truncated"),
    ("newer", "written by a newer cleancorpus"), ("file missing", "cruft.json: missing from the model"),
])
def test_a_bad_model_stops_the_run_with_one_line_and_stays_as_it_was(corpus: Path, tmp_path: Path, how: str,
                                                                     message: str) -> None:
    model = tmp_path / "model"
    assert run_cli("fit", corpus, "-o", model, "-q", "--isolated").returncode == 0
    model = _damage(model, how)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.glob("*")} if model.exists() else {}
    result = run_cli("normalize", corpus, "-o", tmp_path / "out", "-q", "--isolated", "--model", model)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # refused before anything was read or written
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.glob("*")} if model.exists() else {}
    assert after == before
    shown = run_cli("model", "show", model)
    assert shown.returncode == 2 and message in shown.stderr


def test_a_model_made_with_other_settings_is_refused(corpus: Path, tmp_path: Path) -> None:
    assert run_cli("fit", corpus, "-o", tmp_path / "model", "-q", "--isolated").returncode == 0
    config = tmp_path / "cleancorpus.toml"
    config.write_text("[cruft]\nmin_docs = 3\n")
    result = run_cli("normalize", corpus, "-o", tmp_path / "out", "-q", "--config", config, "--model",
                     tmp_path / "model")
    assert result.returncode == 2, result.stderr
    assert "made with other settings" in result.stderr and "min_docs (2 in the model, 3 here)" in result.stderr
    without_names = run_cli("normalize", corpus, "-o", tmp_path / "out", "-q", "--isolated", "--apply-discovered",
                            "--model", tmp_path / "model")
    assert without_names.returncode == 2 and "apply_discovered" in without_names.stderr
    with pytest.raises(ModelError, match="other settings"):
        from cleancorpus.config import Settings
        from cleancorpus.cruft import CruftSettings

        Pipeline.load(tmp_path / "model", Settings(cruft=CruftSettings(repeats=False)))


def test_model_show_says_what_the_model_holds(corpus: Path, tmp_path: Path) -> None:
    assert run_cli("fit", corpus, "-o", tmp_path / "model", "-q", "--isolated", "--apply-discovered").returncode == 0
    shown = run_cli("model", "show", tmp_path / "model")
    assert shown.returncode == 0, shown.stderr
    assert "fitted on 36 documents" in shown.stdout and "3 sources" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if SITES[0] in line)
    documents, counted, recurring, _ = (int(x.replace(",", "")) for x in row.split()[1:5])
    assert documents == 12 and recurring >= 3 and counted >= recurring
    assert "Kaljula" in shown.stdout and "groups discovered" in shown.stdout
    # the texts the recurring lines were removed as, with the documents they were removed from
    assert f"    12  Follow {SITES[0]} on Twitter" in shown.stdout
    assert f"     4  Get the {SITES[0]} newsletter every morning" in shown.stdout
    assert load_model(tmp_path / "model").examples[SITES[0]][0] == (f"(c) {SITES[0]} 2013. All rights reserved.", 12)
    assert run_cli("model").returncode == 2


def test_check_dedup_and_explain_take_the_model_too(tmp_path: Path) -> None:
    """A three-page day: with the model of the days before, ``explain`` marks the newsletter
    line as recurring, ``check`` reports it (CC101), ``dedup`` runs; a bad model stops each."""
    site = SITES[0]
    write_jsonl(tmp_path / "day1.jsonl", site_pages(site, 12))
    day2 = write_jsonl(tmp_path / "day2.jsonl", site_pages(site, 3, first=100))
    model = tmp_path / "model"
    assert run_cli("fit", tmp_path / "day1.jsonl", "-o", model, "-q", "--isolated").returncode == 0
    newsletter = f"Get the {site} newsletter every morning"
    page = f"{site}/102"  # (102 % 3 == 0: the page with the newsletter line)
    alone = run_cli("explain", day2, page, "--isolated")
    with_model = run_cli("explain", day2, page, "--isolated", "--model", model)
    assert alone.returncode == 0 and with_model.returncode == 0, with_model.stderr
    shown = {name: next(line for line in r.stdout.splitlines() if newsletter in line)
             for name, r in (("alone", alone), ("model", with_model))}
    assert shown["alone"].startswith(" ")  # kept
    assert shown["model"].startswith("-") and f"[recurring:{site}: in 4 of 12 documents]" in shown["model"]
    checked = {name: run_cli("check", day2, "--isolated", "--no-cache", "--format", "json", *extra)
               for name, extra in (("alone", []), ("model", ["--model", model]))}
    texts = {name: [f.get("text", "") + f.get("message", "") for f in json.loads(r.stdout)["findings"]]
             for name, r in checked.items()}
    assert not any(newsletter in t for t in texts["alone"])
    assert any(newsletter in t for t in texts["model"]), checked["model"].stdout[:2000]
    deduped = run_cli("dedup", day2, "--isolated", "--json", "--model", model)
    assert deduped.returncode == 0, deduped.stderr
    for command in (["explain", day2, page], ["check", day2, "--no-cache"], ["dedup", day2]):
        refused = run_cli(*command, "--isolated", "--model", tmp_path / "nowhere")
        assert refused.returncode == 2 and "no such model" in refused.stderr, (command, refused.stderr)


def test_fit_without_texts_gives_the_same_cleaning(corpus: Path, tmp_path: Path) -> None:
    """``--no-texts`` skips the pass that keeps the recurring lines' texts: the counts, and so
    the cleaning, are the same; ``model show`` then lists counts only."""
    assert run_cli("fit", corpus, "-o", tmp_path / "with", "-q", "--isolated").returncode == 0
    assert run_cli("fit", corpus, "-o", tmp_path / "without", "-q", "--isolated", "--no-texts").returncode == 0
    with_texts, without = load_model(tmp_path / "with"), load_model(tmp_path / "without")
    assert with_texts.recurrence == without.recurrence and with_texts.examples and not without.examples
    assert "recurring lines removed" not in run_cli("model", "show", tmp_path / "without").stdout


def test_site_templates_of_html_pages_are_in_the_model(tmp_path: Path) -> None:
    """A folder of a site's pages: fit keeps the site template the reader learns; normalizing
    the folder with the model writes what normalizing it alone writes; a day of one page (too
    few to learn a template from) loses the template's blocks with the model, not alone."""
    from test_templates import FOOTER, PROMO, STORIES, page, write_site

    site = write_site(tmp_path / "day1")
    day2 = tmp_path / "day2"
    day2.mkdir()
    (day2 / "story9.html").write_text(page("Ferry timetable changes", STORIES[0][1].replace("harbour", "ferry port"),
                                           9), encoding="utf-8")
    model = tmp_path / "model"
    assert run_cli("fit", site, "-o", model, "-q", "--isolated").returncode == 0
    learned = load_model(model)
    assert learned.templates and learned.templates["news.northern.example"][1]  # blocks with their pages
    assert "site templates: 1 sites of HTML pages, 1 with a template" in run_cli("model", "show", model).stdout
    for jobs in ("1", "2"):
        assert run_cli("normalize", site, "-o", tmp_path / f"alone{jobs}", "-q", "--isolated", "--jobs", jobs
                       ).returncode == 0
        assert run_cli("normalize", site, "-o", tmp_path / f"applied{jobs}", "-q", "--isolated", "--jobs", jobs,
                       "--model", model).returncode == 0
        assert folder_bytes(tmp_path / f"applied{jobs}") == folder_bytes(tmp_path / f"alone{jobs}")
    assert run_cli("normalize", day2, "-o", tmp_path / "day2-alone", "-q", "--isolated").returncode == 0
    assert run_cli("normalize", day2, "-o", tmp_path / "day2-model", "-q", "--isolated", "--model", model
                   ).returncode == 0
    alone = (tmp_path / "day2-alone" / "story9.txt").read_text()
    with_model = (tmp_path / "day2-model" / "story9.txt").read_text()
    assert "ferry port" in alone and "ferry port" in with_model and PROMO not in with_model
    assert "template:" not in (tmp_path / "day2-alone" / "cleancorpus-records.jsonl").read_text()
    records = [json.loads(line) for line in (tmp_path / "day2-model" / "cleancorpus-records.jsonl").read_text()
               .splitlines()]
    removed = {r["text"]: r["detail"] for rec in records for r in rec["removed_lines"]
               if r["rule"] == "template:news.northern.example"}
    assert {PROMO, FOOTER} <= set(removed) and all("of 5 pages" in d for d in removed.values())
    explained = run_cli("explain", day2, "story9.html", "--isolated", "--model", model)
    assert f"[template:news.northern.example" in explained.stdout and PROMO in explained.stdout
