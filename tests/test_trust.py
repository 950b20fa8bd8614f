"""What cleancorpus promises (README, "What cleancorpus promises"): one test per promise.

Each test here failed on the version before these promises were made: a cache that ran
code, fixes that lost JSON Lines records or changed what was not reported, files written
0600, outputs overwriting each other or the user's files, an interrupted fix that could
not be repeated, concurrent index runs that missed each other, links read from outside
the corpus, and CI annotations a file name could inject into.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import cleancorpus.check.fix as fix_module
from cleancorpus import Document, Settings
from cleancorpus.check import check_corpus
from cleancorpus.check.fix import JOURNAL
from cleancorpus.dedup.index import DuplicateIndex
from conftest import prose, run_cli

SEEDS_WITH_CRUFT = ["000_4dc42c2cc4e86bcb.txt", "001_ea6e1a5ba1303e2b.txt", "002_dc28b77d8e265672.txt",
                    "003_5b75a778aa4bdc70.txt"]
NAME_SEED = "004_d438aeefcfbf1390.txt"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------- 1. the cache holds data only


class _Exploit:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['CC_MARKER']}",))


def test_a_planted_cache_never_runs_code(seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = check_corpus(seeds, Settings(), cache_dir=cache)
    marker = tmp_path / "pwned"
    monkeypatch.setenv("CC_MARKER", str(marker))
    payload = pickle.dumps(_Exploit())
    (db_file,) = list(cache.glob("*.sqlite"))
    db = sqlite3.connect(db_file)
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        for column in columns[1:]:
            db.execute(f"UPDATE {table} SET {column} = ?", (payload,))
    db.commit()
    db.close()
    # the format of the version before, planted too: a pickle under the old file name
    old = sqlite3.connect(cache / "check-v1.sqlite")
    old.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB)")
    old.execute("INSERT INTO entries VALUES ('anything', ?)", (payload,))
    old.commit()
    old.close()
    second = check_corpus(seeds, Settings(), cache_dir=cache)
    assert not marker.exists()
    assert [f.text() for f in second.findings] == [f.text() for f in first.findings]
    assert any("discarded" in note for note in second.notes)
    # a cache file that is not SQLite at all: a warning, the same findings, and a rebuilt cache
    db_file.write_bytes(os.urandom(4096))
    result = run_cli("check", seeds, "--cache-dir", cache, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "discarded" in result.stderr
    assert (cache / ".gitignore").read_text().strip().endswith("*")


# ---------------------------------------------------------------------------- 2. --fix keeps every other byte


def test_fix_rewrites_only_the_text_of_changed_jsonl_records(tmp_path: Path) -> None:
    changed = prose(7, 6) + "\nShare This Article"
    lines = [
        '{"zeta": 1e400, "id": "a",  "text": ' + json.dumps(changed) + ', "alpha": [1, 2.50]}',
        "",
        "{not json at all",
        '{"id": "b", "body": "no text field here"}',
        '{"id": "c", "text": ' + json.dumps(prose(8, 6)) + ', "x": "caf\\u00e9"}',
        '   ',
        '{"id": "d", "text": ' + json.dumps(prose(9, 6) + "\nShare This Article") + "}\r",
    ]
    src = tmp_path / "c.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode())
    src.chmod(0o644)
    result = run_cli("check", src, "--fix", "--no-cache", cwd=tmp_path)
    assert "fixed 1 file(s)" in result.stderr, result.stderr
    after = src.read_bytes().decode().split("\n")
    assert len(after) == len(lines) + 1
    for number in (1, 2, 3, 4, 5):  # untouched lines are byte-identical
        assert after[number] == lines[number]
    assert after[0].startswith('{"zeta": 1e400, "id": "a",  "text": ') and after[0].endswith(', "alpha": [1, 2.50]}')
    assert "Share This Article" not in json.loads(after[0].replace("1e400", "1"))["text"]
    assert after[6].endswith("}\r") and "Share This Article" not in after[6]
    assert stat.S_IMODE(src.stat().st_mode) == 0o644


# ---------------------------------------------------------------------------- 3. --fix fixes only what is reported


def test_fix_changes_only_selected_not_ignored_and_reported_findings(seeds: Path, tmp_path: Path) -> None:
    before = snapshot(seeds)
    result = run_cli("check", seeds, "--select", "CC201", "--fix", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    after = snapshot(seeds)
    assert [name for name in before if before[name] != after[name]] == [NAME_SEED]
    assert "Pashinian" not in after[NAME_SEED].decode() and "XS" in after[NAME_SEED].decode()

    shutil.rmtree(seeds)
    shutil.copytree(Path(__file__).resolve().parents[1] / "seeds", seeds)
    run_cli("check", seeds, "--ignore", "CC1", "--fix", "--no-cache", cwd=tmp_path)
    after = snapshot(seeds)
    for name in SEEDS_WITH_CRUFT:
        assert after[name] == before[name]  # cruft not reported: not removed
    assert "Get the Mirror in your inbox:" in after["000_4dc42c2cc4e86bcb.txt"].decode()
    assert "Pashinian" not in after[NAME_SEED].decode()


def test_fix_leaves_what_the_baseline_and_per_path_ignores_hold(seeds: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    assert run_cli("check", seeds, "--write-baseline", baseline, "--no-cache", cwd=tmp_path).returncode == 0
    target = seeds / "000_4dc42c2cc4e86bcb.txt"
    target.write_text("Sign up for our newsletter\n\n" + target.read_text())
    (seeds.parent / "cleancorpus.toml").write_text('[check.per-path-ignores]\n"004_*" = ["CC201"]\n')
    before = snapshot(seeds)
    result = run_cli("check", seeds, "--baseline", baseline, "--fix", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    after = snapshot(seeds)
    assert [name for name in before if before[name] != after[name]] == ["000_4dc42c2cc4e86bcb.txt"]
    text = target.read_text()
    assert "Sign up for our newsletter" not in text and "Get the Mirror in your inbox:" in text


# ---------------------------------------------------------------------------- 4. modes


def test_written_files_get_the_umask_mode_and_fixed_files_keep_theirs(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = ("import os, sys; os.umask(0o027); from cleancorpus.cli import main; "
            f"sys.exit(main(['normalize', {str(seeds)!r}, '-o', {str(out)!r}, '-q']))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert set(modes.values()) == {0o640}, modes
    target = seeds / NAME_SEED
    target.chmod(0o664)
    assert run_cli("check", seeds, "--fix", "--no-cache", cwd=tmp_path).returncode == 0
    assert "Pashinian" not in target.read_text() and stat.S_IMODE(target.stat().st_mode) == 0o664


# ---------------------------------------------------------------------------- 5. one output name, one document


def test_two_inputs_never_share_an_output_name(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    article = "<html><body><article><p>" + prose(3, 8) + "</p></article></body></html>"
    (corpus / "story.html").write_text(article)
    (corpus / "story.txt").write_text(prose(4, 8))
    before = snapshot(corpus)
    result = run_cli("normalize", corpus, "-o", tmp_path / "out")
    assert result.returncode == 0 and re.search(r"^written +2$", result.stderr, re.M), result.stderr
    assert snapshot(corpus) == before  # the input is never modified
    assert (tmp_path / "out" / "story.txt").read_text() == prose(4, 8)
    assert prose(3, 8)[:60] in (tmp_path / "out" / "story.html.txt").read_text()
    # ids that collide in JSON Lines input: the second is a named failure, never an overwrite
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "x.html", "text": prose(5)}) + "\n" + json.dumps({"id": "x.txt", "text": prose(6)})
                   + "\n")
    result = run_cli("normalize", src, "-o", tmp_path / "out2", "--format", "files")
    assert result.returncode == 1 and "already wrote from x.html" in result.stderr
    assert (tmp_path / "out2" / "x.txt").read_text() == prose(5)


# ---------------------------------------------------------------------------- 6. an interrupted fix


def _recurring_corpus(root: Path) -> Path:
    corpus = root / "c"
    (corpus / "site").mkdir(parents=True)
    for i in range(20):
        (corpus / "site" / f"{i:02d}.txt").write_text(f"Story {i}\n\n{prose(100 + i, 5)}\n\nFollow us on Twitter\n")
    return corpus


def test_an_interrupted_fix_completes_to_the_same_end_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _recurring_corpus(tmp_path)
    reference = tmp_path / "reference"
    shutil.copytree(corpus, reference)
    assert run_cli("check", reference, "--fix", "--no-cache", cwd=tmp_path).returncode == 0
    expected = snapshot(reference)

    real_write = fix_module.atomic_write_bytes
    calls = []

    def dies_after_seven(path, data, **kwargs):
        calls.append(path)
        if len(calls) == 8:  # the journal, then seven files
            raise KeyboardInterrupt
        return real_write(path, data, **kwargs)

    monkeypatch.setattr(fix_module, "atomic_write_bytes", dies_after_seven)
    with pytest.raises(KeyboardInterrupt):
        check_corpus(corpus, Settings(), fix=True)
    monkeypatch.undo()
    assert (corpus / JOURNAL).is_file()
    assert not [p for p in corpus.rglob("*") if p.name.endswith(".tmp")]
    plain = run_cli("check", corpus, "--no-cache", cwd=tmp_path)
    assert "interrupted" in plain.stderr and snapshot(corpus) != expected
    resumed = run_cli("check", corpus, "--fix", "--no-cache", cwd=tmp_path)
    assert "completed an interrupted --fix" in resumed.stderr, resumed.stderr
    assert resumed.returncode == 0, resumed.stdout
    assert snapshot(corpus) == expected
    assert run_cli("check", corpus, "--no-cache", cwd=tmp_path).returncode == 0


def test_sigterm_leaves_no_temporary_files(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": prose(i, 30)}) + "\n" for i in range(8000)))
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "cleancorpus", "normalize", str(src), "-o",
                             str(tmp_path / "out"), "-q"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(spool_dir)})
    deadline = time.monotonic() + 60
    while not list(spool_dir.rglob("*spool*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    assert list(spool_dir.iterdir())  # the spool is there while the run goes on
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err, err
    assert list(spool_dir.iterdir()) == []
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------- 7. concurrent index runs


def _batch(folder: Path, start: int, count: int) -> Path:
    folder.mkdir()
    for i in range(start, start + count):
        (folder / f"{i:03d}.txt").write_text(prose(1000 + i, 10))
    return folder


def test_a_second_index_run_waits_and_sees_the_first(tmp_path: Path) -> None:
    index_path = tmp_path / "corpus.idx"
    batch = _batch(tmp_path / "batch", 0, 6)
    holder = DuplicateIndex(index_path)
    holder._lock()  # another run, in the middle of its batch
    proc = subprocess.Popen([sys.executable, "-m", "cleancorpus", "dedup", str(batch), "--index", str(index_path),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line = []
    reader = threading.Thread(target=lambda: first_line.append(proc.stderr.readline()), daemon=True)
    reader.start()
    reader.join(timeout=120)  # the second run says it waits, and does
    assert first_line and "in use by another run; waiting" in first_line[0]
    assert proc.poll() is None
    holder._check_and_add_locked([Document(f"{i:03d}.txt", prose(1000 + i, 10)) for i in range(6)], True)
    holder.db.execute("COMMIT")
    holder.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert report["indexed_before"] == 6 and report["added"] == 0 and len(report["already_indexed"]) == 6
    assert sqlite3.connect(index_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 6


def test_two_index_runs_at_once_add_everything_once(tmp_path: Path) -> None:
    index_path = tmp_path / "corpus.idx"
    first, second = _batch(tmp_path / "a", 0, 30), _batch(tmp_path / "b", 30, 30)
    runs = [subprocess.Popen([sys.executable, "-m", "cleancorpus", "dedup", str(batch), "--index", str(index_path),
                              "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for batch in (first, second, first)]
    reports = []
    for proc in runs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    assert sum(r["added"] for r in reports) == 60
    assert sqlite3.connect(index_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 60


def test_a_foreign_sqlite_file_is_never_written(tmp_path: Path) -> None:
    foreign = tmp_path / "app.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE users (name TEXT)")
    db.execute("INSERT INTO users VALUES ('ada')")
    db.commit()
    db.close()
    before = foreign.read_bytes()
    result = run_cli("dedup", _batch(tmp_path / "b", 0, 3), "--index", foreign)
    assert result.returncode == 2 and "not a cleancorpus index" in result.stderr
    assert foreign.read_bytes() == before


# ---------------------------------------------------------------------------- 8. links


def test_links_out_of_the_input_are_skipped_and_never_replaced(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("Private notes.\n\nShare This Article\n")
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "story.txt").write_text(prose(1, 6) + "\n")
    (corpus / "link.txt").symlink_to(secret)
    result = run_cli("normalize", corpus, "-o", tmp_path / "out")
    assert result.returncode == 0
    assert "link.txt: warning: symbolic link to a file outside the input; skipped" in result.stderr
    assert not (tmp_path / "out" / "link.txt").exists()
    followed = run_cli("normalize", corpus, "-o", tmp_path / "out2", "--follow-links")
    assert followed.returncode == 0 and (tmp_path / "out2" / "link.txt").read_text().startswith("Private notes.")
    fixed = run_cli("check", corpus, "--fix", "--follow-links", "--no-cache", cwd=tmp_path)
    assert "is a symbolic link; --fix never replaces a link" in fixed.stderr
    assert (corpus / "link.txt").is_symlink() and "Share This Article" in secret.read_text()


# ---------------------------------------------------------------------------- 9. CI annotations


def test_file_names_cannot_inject_annotations_or_break_junit(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    tricky = "a,line=99,title=x:y.txt"
    (corpus / tricky).write_text(prose(1, 6) + "\n\nShare This Article\n")
    control = "b\x01\x1b.txt"
    (corpus / control).write_text(prose(2, 6) + "\n\nShare This Article\n")
    os.makedirs(os.fsencode(corpus / "raw"))
    with open(os.fsencode(corpus) + b"/raw/c\xff.txt", "wb") as handle:
        handle.write((prose(3, 6) + "\n\nShare This Article\n").encode())
    github = run_cli("check", corpus, "--format", "github", "--no-cache", cwd=tmp_path)
    assert github.returncode == 1 and "Traceback" not in github.stderr
    line = next(x for x in github.stdout.splitlines() if "title%3Dx" in x or "a%2Cline" in x)
    properties = line.split("::")[1].split(" ", 1)[1].split(",")
    assert [p.split("=", 1)[0] for p in properties] == ["file", "line", "col", "endColumn", "title"]
    assert properties[0].endswith("a%2Cline=99%2Ctitle=x%3Ay.txt")
    junit = run_cli("check", corpus, "--format", "junit", "--no-cache", cwd=tmp_path)
    suite = ET.fromstring(junit.stdout).find("testsuite")
    assert suite is not None and int(suite.get("tests")) == 3
    names = {case.get("name") for case in suite.iter("testcase")}
    assert any(name.endswith("b\\x01\\x1b.txt") for name in names)
    assert any(name.endswith("c\\xff.txt") for name in names)
