"""Mojibake repaired with ftfy (recorded, fixable by check) and language told by py3langid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleancorpus import Document
from cleancorpus.document import TextRepair
from cleancorpus.repair import TextRepairer, repair_line
from conftest import prose, run_cli

BROKEN = "The minister said: â€œWe donâ€™t agree.â€\x9d"
MENDED = "The minister said: “We don’t agree.”"
CLEAN_LINES = ["Café au lait à Paris, naïve façade, São Paulo, Dvořák, Łódź, Ærø.",
               "Ελληνικά κείμενα, русский текст, 中文文本, עברית, ქართული, Հայերեն.",
               "Prices rose 5°C ± 2, “quoted” — dashed… ©2024 ™ and ½ cup.",
               "plain ASCII line with nothing to repair"]


def test_mojibake_lines_are_repaired_and_other_text_is_left_alone() -> None:
    assert repair_line(BROKEN) == MENDED
    assert repair_line("Ã©tÃ© Ã  Paris") == "été à Paris"
    for line in CLEAN_LINES:
        assert repair_line(line) == line, line


def test_the_stage_records_each_repaired_line_with_its_input_line_number() -> None:
    text = "\n".join(["Headline", CLEAN_LINES[0], BROKEN, "", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€"])
    doc = TextRepairer().apply(Document("d", text))
    assert doc.text.split("\n") == ["Headline", CLEAN_LINES[0], MENDED, "", "привет мир"]
    assert [(r.line, r.old, r.new) for r in doc.records_of(TextRepair)] == [
        (3, BROKEN, MENDED), (5, "Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€", "привет мир")]
    untouched = Document("c", "\n".join(CLEAN_LINES))
    assert TextRepairer().apply(untouched) is untouched


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for i in range(4):
        broken = {1: BROKEN, 3: "Ã‰tÃ© Ã  Paris, said the mayor of the city."}.get(i, "")  # each once: not recurring
        (folder / f"{i}.txt").write_text(f"Headline {i}\n{prose(i, 5)}\n{broken}\nShare This Article\n",
                                         encoding="utf-8")
    return folder


def test_normalize_repairs_records_and_can_be_told_not_to(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    assert run_cli("normalize", corpus, "-o", tmp_path / "out").returncode == 0
    assert MENDED in (tmp_path / "out" / "1.txt").read_text(encoding="utf-8")
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "cleancorpus-records.jsonl").open())}
    assert records["1.txt"]["repairs"] == [{"line": 3, "old": BROKEN, "new": MENDED, "fix": "mojibake"}]
    assert records["0.txt"]["repairs"] == []
    report = json.loads((tmp_path / "out" / "cleancorpus-report.json").read_text())
    assert report["totals"]["lines_repaired"] == 2
    assert run_cli("normalize", corpus, "-o", tmp_path / "raw", "--no-repair").returncode == 0
    assert BROKEN in (tmp_path / "raw" / "1.txt").read_text(encoding="utf-8")
    explained = run_cli("explain", corpus, "1.txt")
    assert f"~ line 3: mojibake repaired: {BROKEN} -> {MENDED}" in explained.stdout


def test_several_jobs_repair_as_one_does(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    for jobs in ("1", "2"):
        assert run_cli("normalize", corpus, "-o", tmp_path / f"j{jobs}", "--jobs", jobs).returncode == 0
    for name in ("1.txt", "3.txt", "cleancorpus-records.jsonl"):
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()


def test_check_reports_mojibake_and_fixes_only_what_is_selected(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    found = run_cli("check", corpus, "--select", "CC403", "--no-cache", "--isolated")
    assert found.returncode == 1 and found.stdout.count(": CC403 mojibake") == 2 and "1.txt:3:20: CC403" in found.stdout
    before = (corpus / "0.txt").read_text(encoding="utf-8")
    fixed = run_cli("check", corpus, "--select", "CC403", "--fix", "--no-cache", "--isolated")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    text = (corpus / "1.txt").read_text(encoding="utf-8")
    assert MENDED in text and "Share This Article" in text  # cruft was not selected: left
    assert (corpus / "0.txt").read_text(encoding="utf-8") == before
    again = run_cli("check", corpus, "--select", "CC403", "--no-cache", "--isolated")
    assert again.returncode == 0 and ": CC403" not in again.stdout


def test_language_is_identified_and_short_texts_are_never_judged(tmp_path: Path) -> None:
    pytest.importorskip("py3langid")
    corpus = tmp_path / "c"
    corpus.mkdir()
    english = ("The government announced on Monday that the new railway line between the two cities "
               "would open next spring, after years of delays caused by disputes over funding and land.")
    german = ("Die Regierung kündigte am Montag an, dass die neue Bahnstrecke zwischen den beiden Städten "
              "im nächsten Frühjahr eröffnet werden soll, nach jahrelangen Verzögerungen und Streit.")
    (corpus / "en.txt").write_text(english, encoding="utf-8")
    (corpus / "de.txt").write_text(german, encoding="utf-8")
    (corpus / "short.txt").write_text("Kurz: nur ein paar Worte hier, zu wenig.", encoding="utf-8")
    result = run_cli("check", corpus, "--select", "CC404", "--language", "de", "--min-words", "1", "--no-cache",
                     "--isolated")
    assert result.returncode == 1
    assert "en.txt" in result.stdout and "de.txt" not in result.stdout and "short.txt" not in result.stdout
    wrong = run_cli("check", corpus, "--language", "xx", "--no-cache", "--isolated")
    assert wrong.returncode == 2 and "ISO 639-1" in wrong.stderr


def test_the_quick_test_never_skips_what_ftfy_would_repair() -> None:
    """Mojibake made by misreading UTF-8 text of many scripts in every code page repaired:
    whenever ftfy changes a line, the quick test must have let it through."""
    from ftfy import fix_encoding

    import ftfy.bad_codecs  # noqa: F401

    from cleancorpus.repair import may_hold_mojibake

    web_code_pages = ("latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
                      "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2")

    samples = ["don’t “quote” — dash … ellipsis €5 ™", "été à Paris, naïve façade, São Paulo", "Dvořák, Łódź, Ærø, İstanbul",
               "Привет, мир: ёжик і їжак", "Ελληνικά κείμενα", "中文文本 and 日本語", "עברית ו-العربية", "Ünïcödé ß ẞ 🎉"]
    checked = 0
    for text in samples:
        data = text.encode("utf-8")
        for encoding in web_code_pages:
            broken = data.decode(encoding, errors="ignore")
            for candidate in (broken, broken.replace("\xa0", " "), "Headline: " + broken[:12]):
                if fix_encoding(candidate) != candidate:
                    checked += 1
                    assert may_hold_mojibake(candidate), (encoding, candidate)
    assert checked > 30
    for text in samples:  # and clean text is never changed
        assert repair_line(text) == text
