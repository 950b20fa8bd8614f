"""Every bad input is a one-line error with the right exit code: never a traceback, a hang
or unbounded memory (README: "Exit codes" and "Limits").

Usage and configuration problems exit 2 naming the file or option and the allowed
values; a bad document is a per-document failure (named, exit 1) and the rest is written.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleancorpus import Document, NameNormalizer, read_corpus
from cleancorpus.cli import main
from conftest import prose, run_cli


def run_main(*args: str) -> tuple[int, str, str]:
    """The CLI in this process (fast enough for property tests)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def small_corpus(root: Path, count: int = 3) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    for i in range(count):
        (corpus / f"{i}.txt").write_text(f"Story {i}\n\n{prose(i, 5)}\n")
    return corpus


# ---------------------------------------------------------------------------- the name stage


def test_name_changes_point_at_the_right_lines_in_long_documents() -> None:
    lines = [prose(i, 2) + (" Pashinian spoke." if i % 7 == 0 else "") for i in range(300)]
    doc = NameNormalizer().apply(Document("d", "\n".join(lines)))
    assert [c.line for c in doc.records] == [i + 1 for i in range(300) if i % 7 == 0]
    one_line = NameNormalizer().apply(Document("d", " ".join(lines) + " see https://x.am/Pashinian"))
    assert len(one_line.records) == len(doc.records) and {c.line for c in one_line.records} == {1}


# ---------------------------------------------------------------------------- user rules


def test_a_backtracking_user_rule_stops_the_run_naming_the_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nid = "greedy"\npattern = "(a|aa)+$"\n')
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "x.txt").write_text(prose(1) + "\n" + "a" * 48 + "b\n")
    started = time.monotonic()
    code, _, err = run_main("normalize", corpus, "-o", tmp_path / "out", "--rules", rules, "--isolated")
    assert code == 2 and time.monotonic() - started < 60
    assert f"{rules}: rule 'greedy' took more than 1 s on one line" in err


@pytest.mark.parametrize("body, message", [
    ('[[rule]]\nid = "x"\npattern = 42\n', "pattern must be a string"),
    ('[[rule]]\nid = "x"\npattern = "a"\nneeds_run = "lots"\n', "needs_run must be a whole number"),
    ('rule = 5\n', "'rule' must be a list of tables"),
])
def test_bad_rule_files_are_usage_errors(tmp_path: Path, body: str, message: str) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(body)
    code, _, err = run_main("normalize", small_corpus(tmp_path), "--rules", rules, "-o", tmp_path / "o")
    assert code == 2 and message in err and str(rules) in err


def test_a_rules_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_bytes(b'[[rule]]\nid = "caf\xe9"\npattern = "x"\n')
    code, _, err = run_main("check", small_corpus(tmp_path), "--rules", rules, "--no-cache")
    assert code == 2 and "not UTF-8" in err


# ---------------------------------------------------------------------------- size limits


def test_documents_over_the_size_limit_fail_alone(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    (corpus / "huge.txt").write_text("word " * 100_000)
    with gzip.open(corpus / "bomb.txt.gz", "wb") as handle:  # 4 MB of zeros-like text in a few KB
        handle.write(b"a" * (4 * 1024 * 1024))
    code, _, err = run_main("normalize", corpus, "-o", tmp_path / "out", "--max-document-mb", "0.25")
    assert code == 1
    assert "huge.txt: error: larger than the maximum document size, 0.25 MB" in err
    assert "bomb.txt.gz: error: decompresses to more than the maximum document size" in err
    assert sorted(p.name for p in (tmp_path / "out").glob("*.txt")) == ["0.txt", "1.txt", "2.txt"]
    report = json.loads((tmp_path / "out" / "cleancorpus-report.json").read_text())
    assert report["totals"]["documents_failed"] == 2


def test_a_jsonl_record_over_the_limit_fails_alone(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    rows = [{"id": "a", "text": prose(1)}, {"id": "big", "text": "x " * 300_000}, {"id": "c", "text": prose(2)}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, _, err = run_main("normalize", src, "-o", tmp_path / "out", "--max-document-mb", "0.1")
    assert code == 1 and "c.jsonl:2: error: record larger than the maximum document size" in err
    written = [json.loads(x)["id"] for x in (tmp_path / "out" / "c.jsonl").read_text().splitlines()]
    assert written == ["a", "c"]


# ---------------------------------------------------------------------------- bad documents and ids


def test_bad_json_text_and_ids_are_named_failures_and_the_rest_is_written(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    lines = [json.dumps({"id": "good", "text": prose(1)}),
             '{"id": "surrogate", "text": "bad \\ud800 text"}',
             json.dumps({"id": ".", "text": prose(2)}),
             json.dumps({"id": "a\u0000b", "text": prose(3)}),
             json.dumps({"id": "x" * 300, "text": prose(4)}),
             json.dumps({"id": "also-good", "text": prose(5)})]
    # line 7: a surrogate as raw bytes, no escape (json reads bytes with "surrogatepass")
    src.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "raw", "text": "bad \xed\xa0\x80 bytes"}\n')
    out = tmp_path / "out"
    code, _, err = run_main("normalize", src, "-o", out, "--format", "files")
    assert code == 1
    assert "c.jsonl:2: error: text holds an unpaired surrogate (\\ud800): not valid Unicode" in err
    assert "c.jsonl:7: error: text holds an unpaired surrogate (\\ud800): not valid Unicode" in err
    assert "'.': cannot be a file name in the output" in err
    assert "cannot be a file name in the output (a NUL character)" in err
    assert "a part of 300 bytes" in err
    assert out.is_dir() and (out / "good").read_text() == prose(1) and (out / "also-good").exists()
    json.loads((out / "cleancorpus-report.json").read_text())


def test_a_file_name_that_is_not_utf8_does_not_break_the_report(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    with open(os.fsencode(corpus) + b"/caf\xe9.txt", "wb") as handle:
        handle.write(prose(9).encode())
    code, _, err = run_main("normalize", corpus, "-o", tmp_path / "out")
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "cleancorpus-report.json").read_text(encoding="utf-8"))
    assert report["totals"]["documents_written"] == 4


# ---------------------------------------------------------------------------- settings


@pytest.mark.parametrize("config, message", [
    ("[dedup]\nthreshold = 1.5\n", "dedup.threshold must be a number in (0, 1], not 1.5"),
    ("[dedup]\nthreshold = -0.5\n", "dedup.threshold must be a number in (0, 1]"),
    ("[dedup]\ncontainment = 2\n", "dedup.containment must be a number in (0, 1]"),
    ("[cruft]\nmin_docs = -3\n", "cruft.min_docs must be a whole number in [1,"),
    ("[cruft]\nmin_share = -1\n", "cruft.min_share must be a number in [0, 1]"),
    ("[check]\nmin_words = -5\n", "check.min_words must be a whole number in [0,"),
    ('[dedup]\nrepresentative = "bogus"\n', "dedup.representative must be one of 'longest', 'earliest', 'source'"),
    ("[read]\ntext_field = 5\n", "read.text_field must be a string"),
    ("[dedup]\nnum_perm = 1\n", "num_perm"),
    ("[dedup]\nnum_perm = 5000\n", "num_perm"),
    ("[dedup]\nshingle_size = 0\n", "dedup.shingle_size must be a whole number in [1, 50]"),
    ("[dedup]\nshingle_size = 2.5\n", "dedup.shingle_size must be a whole number"),
    ('[dedup]\nmethod = "bogus"\n', "unknown signature method 'bogus'"),
    ("[dedup]\nseed = -1\n", "dedup.seed must be a whole number in [0,"),
    ("cruft = 5\n", "cruft must be a table"),
    ('[check]\nlanguage = "xx"\n', "check.language must be an ISO 639-1 code"),
])
def test_bad_settings_are_usage_errors_naming_the_range(tmp_path: Path, config: str, message: str) -> None:
    corpus = small_corpus(tmp_path)
    (tmp_path / "cleancorpus.toml").write_text(config)
    for command in (("normalize", corpus, "-o", tmp_path / "o"), ("check", corpus, "--no-cache")):
        code, _, err = run_main(*command)
        assert code == 2 and message in err, (command[0], err)
        assert "cleancorpus.toml" in err


def test_bad_flags_are_usage_errors(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    code, _, err = run_main("dedup", corpus, "--threshold", "1.5")
    assert code == 2 and "--threshold: 1.5 is out of range: it must be from 0 to 1" in err
    code, _, err = run_main("normalize", corpus, "--min-docs", "0", "-o", tmp_path / "o")
    assert code == 2 and "--min-docs: 0 is out of range: it must be at least 1" in err
    (tmp_path / "cleancorpus.toml").write_text("[dedup]\nthreshold = 1.5\n")  # the same range in the config
    code, _, err = run_main("dedup", corpus)
    assert code == 2 and "dedup.threshold must be a number in (0, 1], not 1.5" in err


def test_a_broken_pyproject_on_the_way_up_is_an_error_not_skipped(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.cleancorpus.check\nignore = [\n")
    code, _, err = run_main("check", corpus, "--no-cache")
    assert code == 2 and f"{tmp_path / 'pyproject.toml'}: invalid TOML" in err and "line 1" in err


def test_bad_baselines_are_usage_errors(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    for content, message in (("[1]", "an object with a 'findings' list"),
                             ('{"findings": [{"code": "CC101"}]}', "finding 1 of the baseline needs"),
                             ("not json", "invalid JSON")):
        (tmp_path / "b.json").write_text(content)
        code, _, err = run_main("check", corpus, "--baseline", tmp_path / "b.json", "--no-cache")
        assert code == 2 and message in err
    code, _, err = run_main("check", corpus, "--write-baseline", tmp_path / "missing" / "b.json", "--no-cache")
    assert code == 2 and f"its folder {tmp_path / 'missing'} does not exist" in err and not (tmp_path / "missing").exists()


def test_a_cache_folder_that_is_a_file_only_warns(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    (tmp_path / "cache").write_text("not a folder")
    code, out, err = run_main("check", corpus, "--cache-dir", tmp_path / "cache", "--select", "CC4", "--min-words", "5")
    assert code == 0 and "running without a cache" in err


def test_a_corrupted_index_is_a_clear_error(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    index = tmp_path / "i.idx"
    assert run_main("dedup", corpus, "--index", index)[0] == 0
    data = bytearray(index.read_bytes())
    data[100:4096] = os.urandom(4096 - 100)
    index.write_bytes(bytes(data))
    code, _, err = run_main("dedup", corpus, "--index", index)
    assert code == 2 and str(index) in err and "Traceback" not in err


# ---------------------------------------------------------------------------- full disks


def test_a_full_disk_names_each_failure_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = small_corpus(tmp_path)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    code, _, err = run_main("normalize", corpus, "-o", tmp_path / "out")
    assert code == 1
    assert err.count("No space left on device") == 5  # three documents, the records and the report
    code, _, err = run_main("check", corpus, "--fix", "--no-cache")
    assert code in (0, 1) and "Traceback" not in err


# ---------------------------------------------------------------------------- leftovers


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc (Linux)")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": prose(i, 12)}) + "\n" for i in range(30000)))
    proc = subprocess.Popen([sys.executable, "-m", "cleancorpus", "dedup", str(src), "--jobs", "2", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = [c for c in _children(proc.pid) if _alive(c)]
        time.sleep(0.05)
    assert len(workers) >= 2, "the workers never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


def test_a_failed_run_leaves_no_spool(tmp_path: Path) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n')
    env = {**os.environ, "TMPDIR": str(spool)}
    for args in (["names", tmp_path / "missing"], ["dedup", tmp_path / "missing"], ["names", bad, "--min-docs", "0"],
                 ["explain", tmp_path / "missing", "x"]):
        result = subprocess.run([sys.executable, "-m", "cleancorpus", *map(str, args)], capture_output=True,
                                text=True, env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr
    assert list(spool.iterdir()) == []


# ---------------------------------------------------------------------------- encodings and dates


def test_utf16_is_decoded_and_random_bytes_fail(tmp_path: Path) -> None:
    text = "Президент сказал: " + prose(1)
    (tmp_path / "bom.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    (tmp_path / "nobom.txt").write_bytes(prose(2).encode("utf-16-be"))
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 256)) * 8)
    (tmp_path / "stray.txt").write_bytes(("Zażółć gęślą jaźń. " * 30).encode() + b"\xff tail")
    problems: list = []
    docs = {d.id: d for d in read_corpus(tmp_path, problems=problems)}
    assert docs["bom.txt"].text == text and docs["nobom.txt"].text == prose(2)
    assert "noise.txt" not in docs
    assert any("noise.txt" in p.path and "not text" in p.message and p.fatal for p in problems)
    assert docs["stray.txt"].text.startswith("Zażółć gęślą jaźń.")  # one stray byte never re-decodes the page


def test_earliest_representative_reads_jsonl_dates(tmp_path: Path) -> None:
    body = prose(42, 10)
    rows = [{"id": "late", "text": body + " Extra words at the end here.", "date": "2024-05-02"},
            {"id": "early", "text": body, "date": "2024-05-01"}]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = run_main("dedup", src, "--json", "--representative", "earliest")
    assert code == 0
    assert [c["representative"] for c in json.loads(out)["clusters"]] == ["early"]


# ---------------------------------------------------------------------------- pipes


def test_output_piped_into_head_is_not_a_traceback(seeds: Path) -> None:
    for command in ("explain {s} 000_4dc42c2cc4e86bcb.txt", "check {s} --no-cache", "dedup {s} --json"):
        shell = f"{sys.executable} -m cleancorpus {command.format(s=seeds)} | head -c 1 > /dev/null"
        result = subprocess.run(shell, shell=True, capture_output=True, text=True)
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, (command, result.stderr)


def test_the_help_still_names_every_limit() -> None:
    result = run_cli("normalize", "--help")
    assert "--max-document-mb" in result.stdout and "--follow-links" in result.stdout


@pytest.mark.parametrize("lang, body", [
    ("zh", "新华社北京电 国务院总理今天在人民大会堂会见了来访的代表团，双方就经济合作和人文交流深入交换了意见。"),
    ("pl", "Zażółć gęślą jaźń: premier spotkał się w poniedziałek z delegacją i rozmawiał o współpracy gospodarczej."),
    ("de", "Die Bürgermeisterin eröffnete am Montag die neue Straßenbahnlinie über die Brücke nach Süden."),
])
def test_an_html_page_declared_utf8_with_one_stray_byte_keeps_its_text(tmp_path: Path, lang: str, body: str) -> None:
    """Issue 15: one invalid byte in a UTF-8 page is replaced where it is; the page is never
    re-decoded whole in a legacy code page (which garbled Chinese and Polish before trafilatura)."""
    paragraphs = "".join(f"<p>{body} ({n})</p>" for n in range(6))
    html = (f'<html lang="{lang}"><head><meta charset="utf-8"><title>T</title></head><body><article>'
            f"{paragraphs}</article></body></html>").encode()
    middle = html.index(b"(3)")
    (tmp_path / "page.html").write_bytes(html[:middle] + b"\xff" + html[middle:])
    problems: list = []
    (doc,) = read_corpus(tmp_path, problems=problems)
    assert body in doc.text and doc.text.count(body) >= 5
    assert "Ã" not in doc.text and "Å" not in doc.text  # no mojibake of a cp1252 decoding
