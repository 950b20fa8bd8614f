"""Every finding code has a page (issue 31): what it finds, why, an example, the fix and
its safety; ``cleancorpus rule`` prints it, the README's table is made from the same
pages, and ``--fix`` applies only safe fixes unless ``--unsafe-fixes``."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from conftest import run_cli

from cleancorpus.check.rule_pages import markdown_table, rule_pages

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_the_package_emits_has_a_full_page() -> None:
    emitted = set()
    for path in (ROOT / "cleancorpus").rglob("*.py"):
        emitted |= set(re.findall(r'"(CC\d{3})"', path.read_text(encoding="utf-8")))
    pages = rule_pages()
    assert emitted and emitted <= set(pages), emitted - set(pages)
    for page in pages.values():
        for field in ("name", "family", "short", "summary", "why", "example", "fix"):
            assert getattr(page, field).strip(), (page.code, field)
        assert page.safe in (True, False, None)


def test_the_readme_table_of_codes_is_made_from_the_pages() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme  # regenerate with: cleancorpus rule --output-format markdown


def test_rule_prints_a_page_every_page_or_a_one_line_error() -> None:
    one = run_cli("rule", "cc201")
    assert one.returncode == 0
    for part in ("CC201 (table-spelling, names)", "What it finds:", "Why it matters:", "Example:", "Fix:",
                 "Fixable: yes, safe (--fix)"):
        assert part in one.stdout, part
    every = run_cli("rule", "--all")
    assert every.returncode == 0 and all(code in every.stdout for code in rule_pages())
    pages = json.loads(run_cli("rule", "--all", "--output-format", "json").stdout)
    assert [p["code"] for p in pages] == list(rule_pages())
    assert run_cli("rule", "--output-format", "markdown").stdout == markdown_table()
    for args in (["CC999"], [], ["CC201", "--all"]):
        done = run_cli("rule", *args)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, args


def test_fix_applies_an_unsafe_fix_only_when_asked(tmp_path: Path) -> None:
    """CC202 (a respelling from a discovered variant) is unsafe: --fix leaves it and says
    so; --unsafe-fixes applies it."""
    rng = random.Random(3)
    people = [("Ostap", "Kovalchuk", "Kowalchuk"), ("Ilkin", "Guliyev", "Guliev")]
    verbs = ["met the council", "spoke in parliament", "visited the port", "signed the decree"]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k in range(30):
        given, a, b = people[k % 2]
        surname = a if rng.random() < 0.6 else b
        (corpus / f"{k:03d}.txt").write_text(f"Minister {given} {surname} {rng.choice(verbs)} on day {k}.\n\n"
                                            f"Later {surname} {rng.choice(verbs)} again, officials said.\n")
    before = {p.name: p.read_text() for p in corpus.iterdir()}
    safe = run_cli("check", corpus, "--isolated", "--no-cache", "--select", "CC202", "--fix")
    assert "unsafe fix(es) not applied" in safe.stderr and "--unsafe-fixes applies them" in safe.stderr
    assert {p.name: p.read_text() for p in corpus.iterdir()} == before  # nothing changed
    unsafe = run_cli("check", corpus, "--isolated", "--no-cache", "--select", "CC202", "--fix", "--unsafe-fixes")
    assert unsafe.returncode == 0, unsafe.stderr
    after = {p.name: p.read_text() for p in corpus.iterdir()}
    assert after != before
    again = run_cli("check", corpus, "--isolated", "--no-cache", "--select", "CC202", "--output-format", "json")
    assert json.loads(again.stdout)["findings"] == []  # every reported variant respelled


def test_diff_marks_safe_and_unsafe_fixes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rng = random.Random(5)
    for k in range(30):
        surname = "Kovalchuk" if rng.random() < 0.6 else "Kowalchuk"
        extra = "\n\nShare This Article\n" if k == 0 else "\n"
        (corpus / f"{k:03d}.txt").write_text(f"Minister Ostap {surname} met the council on day {k}.\n\n"
                                            f"Later {surname} spoke again, officials said.{extra}")
    shown = run_cli("check", corpus, "--isolated", "--no-cache", "--select", "CC101,CC202", "--diff")
    assert "# cleancorpus: safe fixes CC101" in shown.stdout and "unsafe fixes" not in shown.stdout
    assert "unsafe fix(es) not shown" in shown.stderr
    every = run_cli("check", corpus, "--isolated", "--no-cache", "--select", "CC101,CC202", "--diff",
                    "--unsafe-fixes")
    assert "# cleancorpus: unsafe fixes CC202" in every.stdout
