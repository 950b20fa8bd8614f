"""`cleancorpus check`: codes of every family, formats, config, baseline, --fix, cache, exit codes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import cleancorpus.check.stage as check_stage
from cleancorpus import Settings
from cleancorpus.check import CODES, check_corpus
from conftest import prose, run_cli

PROSE = ("The regional council approved the new water plan on Tuesday after a long debate, and officials "
         "said work on the pipes would begin in the spring once the money arrives from the capital. ")


def check(*args: str, cwd: Path) -> tuple[int, str, str]:
    result = run_cli("check", *map(str, args), "--no-cache", cwd=cwd)
    return result.returncode, result.stdout, result.stderr


def test_seeds_fail_with_the_expected_findings(seeds: Path, tmp_path: Path) -> None:
    code, out, _ = check(seeds, cwd=tmp_path)
    assert code == 1
    expected = [
        ("000_4dc42c2cc4e86bcb.txt:18:1: CC101", "Get the Mirror in your inbox:"),
        ("000_4dc42c2cc4e86bcb.txt:22:1: CC101", "Get the Mirror-Spectator Weekly"),
        ("003_5b75a778aa4bdc70.txt:18:1: CC101", "Get the Mirror in your inbox:"),
        ("003_5b75a778aa4bdc70.txt:39:1: CC101", "Get the Mirror-Spectator Weekly"),
        ("001_ea6e1a5ba1303e2b.txt:34:1: CC101", "Leave a comment"),
        ("001_ea6e1a5ba1303e2b.txt:36:1: CC101", "Leave a Reply"),
        ("001_ea6e1a5ba1303e2b.txt:38:1: CC101", "Your email address"),
        ("002_dc28b77d8e265672.txt:17:1: CC104", "1 Comment"),
        ("002_dc28b77d8e265672.txt:19:1: CC104", "such a bastard"),
        ("002_dc28b77d8e265672.txt:5:1: CC103", "Putin: We Didn't Leave Karabakh"),
        ("004_d438aeefcfbf1390.txt:27:1: CC101", "'XS'"),
        ("004_d438aeefcfbf1390.txt:30:1: CC101", "'LG'"),
        ("004_d438aeefcfbf1390.txt:3:41: CC201", "'Pashinian' -> 'Pashinyan'"),
    ]
    lines = out.splitlines()
    for where, what in expected:
        assert any(where in line and what in line for line in lines), (where, what)
    assert "CC101  a line a cruft rule matches" in out


def test_normalized_seeds_pass(seeds: Path, tmp_path: Path) -> None:
    assert run_cli("normalize", seeds, "-o", tmp_path / "OUT").returncode == 0
    code, out, _ = check(tmp_path / "OUT", cwd=tmp_path)
    assert code == 0, out


def build_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "site").mkdir(parents=True)
    for i in range(3):
        # three different stories of one site (copies of one story would count once)
        (corpus / "site" / f"s{i}.txt").write_text(f"Story {i}\n\n{prose(40 + i)}\n\n"
                                                  "Follow the Valley Gazette on Mastodon\n")
    (corpus / "rule.txt").write_text(PROSE + "\n\nShare This Article\n")
    (corpus / "repeat.txt").write_text("Water plan passes\n\nWater plan passes\n\n" + PROSE + "Extra.\n")
    (corpus / "comments.txt").write_text(f"Water plan\n\n{prose(1)}\n\n{prose(2)}\n\n{prose(3)}\n\n2 Comments\n\n"
                                         "Jane says:\n\nMarch 3, 2024 at 5:12 pm\n\nI do not agree with this at all.\n")
    (corpus / "name.txt").write_text(PROSE + " Kocharian said so.\n")
    (corpus / "dup-a.txt").write_text(PROSE * 3 + "The end of the first version came here.\n")
    (corpus / "dup-b.txt").write_text(PROSE * 3 + "The end of the second version came here.\n")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02")
    (corpus / "empty.txt").write_text("")
    (corpus / "mojibake.txt").write_text(PROSE + "The minister said itâ€™s fine.\n")
    (corpus / "short.txt").write_text("A short note about the water plan and nothing more at all.\n")
    (corpus / "latin.txt").write_bytes((PROSE + "Caf\xe9.\n").encode("cp1252"))
    return corpus


def test_every_code_family(tmp_path: Path) -> None:
    corpus = build_corpus(tmp_path)
    code, out, _ = check(corpus, "--select", "CC", "--format", "json", cwd=tmp_path)
    assert code == 1
    report = json.loads(out)
    by_code: dict[str, set[str]] = {}
    for f in report["findings"]:
        by_code.setdefault(f["code"], set()).add(Path(f["path"]).name)
    assert {"s0.txt", "s1.txt", "s2.txt"} <= by_code["CC102"]
    assert "rule.txt" in by_code["CC101"]
    assert by_code["CC103"] == {"repeat.txt"}
    assert by_code["CC104"] == {"comments.txt"}
    assert by_code["CC201"] == {"name.txt"}
    assert by_code["CC301"] & {"dup-a.txt", "dup-b.txt"}
    assert by_code["CC401"] == {"binary.txt"}
    assert "empty.txt" in by_code["CC402"]
    assert by_code["CC403"] == {"mojibake.txt"}
    assert "short.txt" in by_code["CC405"]
    assert by_code["CC406"] == {"latin.txt"}
    # language: an English corpus checked for French
    code, out, _ = check(corpus, "--select", "CC404", "--language", "fr", cwd=tmp_path)
    assert code == 1 and "CC404" in out and "rule.txt" in out
    # discovery (opt-in): a spelling no table lists
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text(PROSE + "Minister Ararat Mirzoyan spoke, and Minister Ararat Mirzoyan left.\n")
    (other / "b.txt").write_text(PROSE + "Later Minister Ararat Mirzoian said more.\n")
    code, out, _ = check(other, "--select", "CC202", "--no-shipped-names", cwd=tmp_path)
    assert code == 1 and "CC202 name spelling 'Mirzoian' -> 'Mirzoyan' (discovered:Mirzoyan)" in out


def test_every_code_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for code in CODES:
        assert f"| {code} |" in readme, code


def test_formats_parse(seeds: Path, tmp_path: Path) -> None:
    code, out, _ = check(seeds, "--format", "json", cwd=tmp_path)
    data = json.loads(out)
    assert code == 1 and data["version"] == 1 and data["failed"] is True and data["documents"] == 5
    assert set(data["findings"][0]) == {"path", "line", "column", "end_column", "code", "message", "document",
                                        "fails"}
    assert sum(data["summary"].values()) == len(data["findings"])
    code, out, _ = check(seeds, "--format", "junit", cwd=tmp_path)
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None and int(suite.get("failures")) == 5
    assert int(suite.get("tests")) == len(list(suite.iter("testcase")))  # JUnit counts right
    assert {case.get("name").split("/")[-1] for case in suite.iter("testcase")} >= {"004_d438aeefcfbf1390.txt"}
    assert all(f.get("type").startswith("CC") for f in suite.iter("failure"))
    code, out, _ = check(seeds, "--format", "github", cwd=tmp_path)
    first = out.splitlines()[0]
    assert first.startswith("::error file=") and ",line=18,col=1,endColumn=30,title=CC101::" in first


def test_config_discovery_precedence_and_errors(seeds: Path, tmp_path: Path) -> None:
    (seeds.parent / "cleancorpus.toml").write_text('[check]\nignore = ["CC1"]\n')
    code, out, _ = check(seeds, cwd=tmp_path)
    assert code == 1 and "CC101" not in out and "CC201" in out
    code, out, _ = check(seeds, "--ignore", "CC2", cwd=tmp_path)  # the flag adds to the file's ignores
    assert code == 0, out
    code, out, _ = check(seeds, "--select", "CC101", "--isolated", cwd=tmp_path)  # no file: CC1 is back
    assert code == 1 and "CC101" in out and "CC201" not in out
    (seeds.parent / "cleancorpus.toml").write_text('[check]\nignore = ["CC999"]\n')
    code, _, err = check(seeds, cwd=tmp_path)
    assert code == 2 and "unknown code 'CC999'" in err
    (seeds.parent / "cleancorpus.toml").write_text('[check]\nignored = ["CC101"]\n')
    code, _, err = check(seeds, cwd=tmp_path)
    assert code == 2 and "unknown key(s) in [check]: ignored" in err
    (seeds.parent / "cleancorpus.toml").unlink()
    (seeds.parent / "pyproject.toml").write_text('[tool.cleancorpus.check]\nselect = ["CC201"]\n'
                                                 '[tool.cleancorpus.check.per-path-ignores]\n"004_*" = ["CC201"]\n')
    code, out, _ = check(seeds, cwd=tmp_path)
    assert code == 0, out
    assert check(seeds, "--select", "CC9", cwd=tmp_path)[0] == 2


def test_max_cruft_share_and_exit_codes(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"{i}.txt").write_text(prose(10 + i, 6))
    (corpus / "x.txt").write_text(prose(20, 6) + "\nShare This Article\n")
    assert check(corpus, cwd=tmp_path)[0] == 1
    code, out, _ = check(corpus, "--max-cruft-share", "0.25", cwd=tmp_path)
    assert code == 0 and "CC101" in out  # still reported, no longer failing
    assert check(tmp_path / "missing", cwd=tmp_path)[0] == 2


def test_baseline_fails_only_on_new_findings(seeds: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    code, _, err = check(seeds, "--write-baseline", baseline, cwd=tmp_path)
    assert code == 0 and "27 finding(s)" in err
    assert check(seeds, "--baseline", baseline, cwd=tmp_path)[0] == 0
    path = seeds / "000_4dc42c2cc4e86bcb.txt"
    path.write_text("Sign up for our newsletter\n" + path.read_text())
    code, out, _ = check(seeds, "--baseline", baseline, "--format", "json", cwd=tmp_path)
    data = json.loads(out)
    assert code == 1
    assert [f["message"] for f in data["findings"] if f["fails"]] == ["cruft (newsletter-signup): "
                                                                      "'Sign up for our newsletter'"]
    code, out, _ = check(seeds, "--baseline", baseline, cwd=tmp_path)  # the text output marks the new one
    marked = [line for line in out.splitlines() if line.endswith(" [new]")]
    assert code == 1 and len(marked) == 1 and "Sign up for our newsletter" in marked[0]
    assert sum(": CC" in line for line in out.splitlines()) > 1  # (the baseline's findings are listed unmarked)


def test_fix_then_check_passes_and_check_alone_writes_nothing(seeds: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    check(seeds, cwd=tmp_path)
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before
    result = run_cli("check", seeds, "--fix", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0 and "fixed 5 file(s)" in result.stderr  # everything found was fixable
    assert "Pashinian" not in (seeds / "004_d438aeefcfbf1390.txt").read_text()
    code, out, _ = check(seeds, cwd=tmp_path)
    assert code == 0, out


def test_cache_rechecks_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "c"
    for folder in ("a", "b", "c"):
        (corpus / folder).mkdir(parents=True)
        (corpus / folder / "doc.txt").write_text(f"Story from {folder}\n\n{prose(ord(folder), 6)}\n\nShare This Article\n")
    checked: list[str] = []
    original = check_stage.document_findings

    def counting(doc, cleaned, path, settings):
        checked.append(doc.id)
        return original(doc, cleaned, path, settings)

    monkeypatch.setattr(check_stage, "document_findings", counting)
    cache = tmp_path / "cache"
    first = check_corpus(corpus, Settings(), cache_dir=cache)
    assert sorted(checked) == ["a/doc.txt", "b/doc.txt", "c/doc.txt"] and len(first.findings) == 3
    checked.clear()
    second = check_corpus(corpus, Settings(), cache_dir=cache)
    assert checked == [] and [f.text() for f in second.findings] == [f.text() for f in first.findings]
    (corpus / "b" / "doc.txt").write_text(f"Story from b\n\n{prose(ord('b'), 6)}\n\nShare This Article\nAdvertisement\n")
    third = check_corpus(corpus, Settings(), cache_dir=cache)
    assert checked == ["b/doc.txt"]
    assert len(third.findings) == 4
    checked.clear()
    check_corpus(corpus, Settings(), cache_dir=None)  # no cache: everything is checked
    assert len(checked) == 3


def test_pre_commit_hook_is_declared() -> None:
    hooks = (Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text()
    assert "id: cleancorpus-check" in hooks and "entry: cleancorpus check" in hooks


def test_fix_rewrites_a_jsonl_file_and_refuses_stdin_and_gz(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "a", "text": prose(7, 6) + "\nShare This Article", "lang": "en"}) + "\n")
    result = run_cli("check", src, "--fix", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0 and "fixed 1 file(s)" in result.stderr
    row = json.loads(src.read_text())
    assert row["lang"] == "en" and "Share This Article" not in row["text"]
    assert run_cli("check", "-", "--fix", input='{"text": "x"}\n', cwd=tmp_path).returncode == 2
    (tmp_path / "c.jsonl.gz").write_bytes(b"")
    assert run_cli("check", tmp_path / "c.jsonl.gz", "--fix", cwd=tmp_path).returncode == 2


def test_linter_conventions(seeds: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    # --diff shows what --fix would change and writes nothing; exit 1 when there is something to fix
    result = run_cli("check", seeds, "--diff", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1 and "-Get the Mirror in your inbox:" in result.stdout
    lines = result.stdout.splitlines()
    assert "-3 Min Read" in lines
    assert any(x.startswith("-") and "Pashinian" in x for x in lines)
    assert any(x.startswith("+") and "Pashinyan" in x and "Pashinian" not in x for x in lines)
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before
    # --diff with --select shows only the selected fixes
    only_names = run_cli("check", seeds, "--diff", "--select", "CC201", "--no-cache", cwd=tmp_path).stdout
    assert "Mirror" not in only_names and "Pashinian" in only_names
    # --statistics: counts per code only
    stats = run_cli("check", seeds, "--statistics", "--no-cache", cwd=tmp_path)
    assert stats.returncode == 1 and "      17  CC101  fails" in stats.stdout and ".txt:" not in stats.stdout
    # --exit-zero; --output-format is --format; --output-file
    out_file = tmp_path / "findings.json"
    quiet = run_cli("check", seeds, "--exit-zero", "--output-format", "json", "--output-file", out_file, "--no-cache",
                    cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == "" and json.loads(out_file.read_text())["failed"] is True
    # --show-settings prints the resolved settings
    shown = run_cli("check", seeds, "--show-settings", "--min-words", "80", cwd=tmp_path)
    assert shown.returncode == 0 and json.loads(shown.stdout)["check"]["min_words"] == 80
    # abbreviations are refused, and a near miss is suggested
    abbreviated = run_cli("check", seeds, "--fi", cwd=tmp_path)
    assert abbreviated.returncode == 2 and "did you mean --fix?" in abbreviated.stderr
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before


def test_findings_in_records_name_the_record_and_the_line_of_its_text(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": "first", "text": "A story of the day.\nShare This Article\nMore text follows here."},
            {"id": "second", "text": "Another story.\nThe prime minister Nikol Pashinian spoke.\nAdvertisement"}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = check(corpus, "--select", "CC1,CC2", "--no-cache", cwd=tmp_path)
    assert code == 1
    # the line is the record's line in the file; the column, of the line of the record's text
    assert "c.jsonl:1:1: CC101 cruft (share-article): 'Share This Article' [record first, line 2 of its text]" in out
    assert "c.jsonl:2:1: CC101 cruft (ad-label): 'Advertisement' [record second, line 3 of its text]" in out
    assert re.search(r"c\.jsonl:2:26: CC201 name spelling 'Pashinian' -> 'Pashinyan' \(.*\) \[record second, "
                     r"line 2 of its text\]", out)


def test_the_cache_keeps_a_documents_recurrence_scan_with_its_story(tmp_path: Path) -> None:
    """A cached file is not read line by line again: its line digests and story key both come back."""
    from cleancorpus.check.cache import CheckCache

    cache = CheckCache(tmp_path / "cache")
    cache.put_scan("story", {b"12345678", b"abcdefgh"}, b"storykey")
    cache.put_scan("no-prose", {b"ijklmnop"}, None)
    cache.close()
    again = CheckCache(tmp_path / "cache")
    assert again.get_scan("story") == ({b"12345678", b"abcdefgh"}, b"storykey")
    assert again.get_scan("no-prose") == ({b"ijklmnop"}, None)
    assert again.get_scan("missing") is None
    again.close()


def test_two_findings_on_one_line_have_two_columns_and_each_is_printed_once(tmp_path: Path) -> None:
    """(issue 31) A column tells two occurrences on one line apart; text, JSON and GitHub
    output all carry it."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Prime Minister Nikol Pashinian met Pashinian supporters in Yerevan.\n"
                                  "Donâ€™t miss it.\n", encoding="utf-8")
    code, out, _ = check(corpus, "--select", "CC201,CC403", "--no-cache", cwd=tmp_path)
    lines = [line for line in out.splitlines() if ": CC" in line]
    assert [line.split(": CC")[0].rsplit("/", 1)[-1] for line in lines] == ["a.txt:1:22", "a.txt:1:36",
                                                                             "a.txt:2:4"]
    assert len(set(lines)) == len(lines)
    code, out, _ = check(corpus, "--select", "CC201", "--no-cache", "--format", "json", cwd=tmp_path)
    found = json.loads(out)["findings"]
    assert [(f["line"], f["column"], f["end_column"]) for f in found] == [(1, 22, 31), (1, 36, 45)]
    code, out, _ = check(corpus, "--select", "CC201", "--no-cache", "--format", "github", cwd=tmp_path)
    assert ",line=1,col=22,endColumn=31," in out and ",line=1,col=36,endColumn=45," in out


def test_extend_select_extend_ignore_and_per_file_ignores(seeds: Path, tmp_path: Path) -> None:
    """(issue 31) ruff's names: extend-select opts a code in without listing the others,
    extend-ignore adds to ignore, per-file-ignores is per-path-ignores by another name."""
    (seeds / "cleancorpus.toml").write_text('[check]\nextend-select = ["CC202"]\nextend-ignore = ["CC405"]\n'
                                            '[check.per-file-ignores]\n"004_*" = ["CC201"]\n')
    code, out, _ = check(seeds, "--no-cache", "--format", "json", cwd=tmp_path)
    found = json.loads(out)["findings"]
    codes = {f["code"] for f in found}
    assert "CC101" in codes and "CC405" not in codes  # the default selection stays; CC405 ignored
    assert not any(f["code"] == "CC201" and "004_" in f["path"] for f in found)
    code, out, _ = check(seeds, "--no-cache", "--format", "json", "--extend-ignore", "CC101", cwd=tmp_path)
    assert "CC101" not in {f["code"] for f in json.loads(out)["findings"]}
    (seeds / "cleancorpus.toml").write_text('[check]\nextend-select = ["CC999"]\n')
    code, _, err = check(seeds, "--no-cache", cwd=tmp_path)
    assert code == 2 and "unknown code 'CC999' in extend-select" in err


def test_sarif_and_gitlab_reports_hold_their_shape_and_keep_fingerprints(seeds: Path, tmp_path: Path) -> None:
    """(issue 31) SARIF 2.1.0 for code scanning and GitLab's Code Quality report: each
    validates (the published SARIF 2.1.0 schema, and schemas written from the standard and
    GitLab's documentation: tests/data/README.md), every
    code is a rule with its page, and a finding keeps its fingerprint when lines above it move."""
    jsonschema = pytest.importorskip("jsonschema")
    data = Path(__file__).parent / "data"
    code, out, _ = check(seeds, "--format", "sarif", cwd=tmp_path)
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads((data / "sarif-2.1.0-required.schema.json").read_text()))
    # and the published SARIF 2.1.0 schema itself (tests/data/README.md says where it comes from)
    published = json.loads((data / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(published)(published)
    assert [e.message for e in validator.iter_errors(sarif)] == []
    broken = json.loads(out)
    broken["runs"][0]["results"][0]["level"] = "fatal"  # not a SARIF level: the schema must say so
    assert any("fatal" in e.message for e in validator.iter_errors(broken))
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(CODES)
    assert len(run["results"]) == 27 and code == 1
    pashinian = next(r for r in run["results"] if r["ruleId"] == "CC201")
    assert pashinian["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 41,
                                                                       "endLine": 3, "endColumn": 50}
    code, out, _ = check(seeds, "--format", "gitlab", cwd=tmp_path)
    gitlab = json.loads(out)
    jsonschema.validate(gitlab, json.loads((data / "gitlab-code-quality.schema.json").read_text()))
    assert {issue["severity"] for issue in gitlab} <= {"major", "minor"} and len(gitlab) == 27
    fingerprints = {issue["fingerprint"] for issue in gitlab}
    assert len(fingerprints) == len(gitlab)  # one a finding
    seed = seeds / "004_d438aeefcfbf1390.txt"
    seed.write_text("A new first line.\n\n" + seed.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = check(seeds, "--format", "gitlab", cwd=tmp_path)
    moved = json.loads(out)
    assert {issue["fingerprint"] for issue in moved} == fingerprints  # lines moved, fingerprints kept
    assert any(issue["location"].get("positions", {}).get("begin", {}).get("line") == 5 for issue in moved
               if issue["check_name"] == "CC201")
