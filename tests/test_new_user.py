"""What a new user or a CI author trips on (issue 32): each test holds one item, as a
user meets it on the command line. (The README's examples are held by test_readme.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from test_trust import prose


def two_folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two inputs sharing one story (a near-duplicate across them) and a cruft line each."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "story.txt").write_text(prose(1, 8) + "\n\nShare This Article\n", encoding="utf-8")
    (b / "story.txt").write_text(prose(1, 8) + "\n\nShare This Article\n", encoding="utf-8")
    (b / "other.txt").write_text(prose(2, 8) + "\n", encoding="utf-8")
    return a, b


def test_check_names_and_dedup_take_several_inputs_as_normalize_does(tmp_path: Path) -> None:
    a, b = two_folders(tmp_path)
    checked = run_cli("check", a, b, "--isolated", "--output-format", "json")
    assert checked.returncode == 1, checked.stderr
    findings = json.loads(checked.stdout)["findings"]
    paths = {Path(f["path"]).resolve() for f in findings}
    assert {(a / "story.txt").resolve(), (b / "story.txt").resolve()} <= paths  # both inputs' files
    assert any(f["code"] == "CC301" for f in findings)  # a duplicate across the two inputs
    fixed = run_cli("check", a, b, "--isolated", "--fix", "--select", "CC101")
    assert fixed.returncode == 0, fixed.stderr
    for folder in (a, b):  # each input fixed in place
        assert "Share This Article" not in (folder / "story.txt").read_text()
    listed = run_cli("dedup", a, b, "--isolated", "--json")
    assert listed.returncode == 0, listed.stderr
    clusters = json.loads(listed.stdout)["clusters"]
    assert len(clusters) == 1 and {clusters[0]["representative"], clusters[0]["members"][0]["id"]} == \
        {"a/story.txt", "b/story.txt"}
    named = run_cli("names", a, b, "--isolated", "-q")
    assert named.returncode == 0 and "discovered by cleancorpus names in" in named.stdout


def test_dedup_fails_on_duplicates_only_when_asked(tmp_path: Path) -> None:
    a, b = two_folders(tmp_path)
    assert run_cli("dedup", a, b, "--isolated", "-q").returncode == 0
    assert run_cli("dedup", a, b, "--isolated", "-q", "--fail-on-duplicates").returncode == 1
    assert run_cli("dedup", b, "--isolated", "-q", "--fail-on-duplicates").returncode == 0  # none in b alone
    index = tmp_path / "corpus.idx"
    assert run_cli("dedup", a, "--index", index, "--isolated", "-q", "--fail-on-duplicates").returncode == 0
    later = tmp_path / "later"
    later.mkdir()
    (later / "reprint.txt").write_text((a / "story.txt").read_text())
    again = run_cli("dedup", later, "--index", index, "--isolated", "--fail-on-duplicates")
    assert again.returncode == 1 and "reprint.txt duplicates story.txt" in again.stdout
    assert run_cli("dedup", later, "--index", tmp_path / "fresh.idx", "--isolated", "-q",
                   "--fail-on-duplicates").returncode == 0  # nothing indexed to match


def test_a_scheduler_that_cannot_answer_is_one_line_and_exit_2(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.jsonl").write_text(json.dumps({"id": "1", "text": prose(1, 3)}) + "\n")
    for address, said in (("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
                          ("tcp://", "is not a scheduler address"), ("not a scheduler", "is not a scheduler address")):
        done = run_cli("normalize", shards, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", address, "-q")
        assert done.returncode == 2 and said in done.stderr, (address, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out").exists()  # nothing written


def test_what_a_killed_run_left_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """kill -9 in the middle of writing a shard, then the same command again: no temporary
    file is left, and the warning names what was removed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(corpus / "big.jsonl", "w", encoding="utf-8") as handle:
        for k in range(4000):
            handle.write(json.dumps({"id": str(k), "text": prose(k, 4)}) + "\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cleancorpus", "normalize", str(corpus), "-o", str(out), "-q", "--isolated",
               "--no-recurrence"]
    assert subprocess.run(command, capture_output=True, timeout=300).returncode == 0  # the manifest lists big.jsonl
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.glob(".big.jsonl.*.tmp")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    left = list(out.glob(".big.jsonl.*.tmp"))
    assert left, "the run was not caught writing (the test needs a bigger corpus)"
    old = time.time() - 60
    for path in left:
        os.utime(path, (old, old))
    (out / ".notes.txt").write_text("the user's own hidden file")
    again = subprocess.run(command[:-2] + ["--no-recurrence"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert not list(out.glob(".*.tmp"))
    assert "left by an interrupted earlier run; removed" in again.stderr
    assert (out / ".notes.txt").read_text() == "the user's own hidden file"  # not ours: never touched


def test_options_are_offered_only_where_they_apply(tmp_path: Path) -> None:
    a, _ = two_folders(tmp_path)
    for command in ("names", "explain"):
        extra = ["story.txt"] if command == "explain" else []
        done = run_cli(command, a, *extra, "--threshold", "0.5")
        assert done.returncode == 2 and "--threshold is an option of normalize, check, dedup only" in done.stderr
        assert "--representative" not in run_cli(command, "--help").stdout
    assert "--threshold" in run_cli("dedup", "--help").stdout


def test_every_output_file_needs_its_folder_to_exist(tmp_path: Path) -> None:
    a, _ = two_folders(tmp_path)
    for flag in ("--output-file", "--write-baseline"):
        done = run_cli("check", a, "--isolated", flag, tmp_path / "missing" / "findings.txt")
        assert done.returncode == 2 and "its folder" in done.stderr and "does not exist" in done.stderr, flag
    assert not (tmp_path / "missing").exists()


def test_help_names_every_exit_code_and_the_bar_names_its_unit() -> None:
    import io

    from cleancorpus.progress import Progress

    shown = run_cli("--help").stdout
    for code in ("0 success", "1 documents failed", "2 usage", "130 interrupted", "143 terminated"):
        assert code in shown, code

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    progress = Progress(stream=terminal, after=0)
    for count in range(1, 301):
        progress("writing", count, 300)
    progress.close()
    assert " docs/s" in terminal.getvalue() or "docs]" in terminal.getvalue(), terminal.getvalue()[-300:]
    assert "docu/" not in terminal.getvalue()


def test_the_check_cache_is_used_on_dask_not_ignored(tmp_path: Path) -> None:
    """--cache-dir with --engine dask: the workers write the cache (it was once refused)."""
    pytest.importorskip("distributed")
    a, _ = two_folders(tmp_path)
    done = run_cli("check", a, "--engine", "dask", "--workers", "1", "--cache-dir", tmp_path / "cache", "--isolated")
    assert done.returncode == 1 and "CC101" in done.stdout, done.stderr[-500:]
    cache = tmp_path / "cache" / "check-v5.sqlite"
    assert cache.is_file()
    import sqlite3

    with sqlite3.connect(cache) as db:  # the documents' entries, and their recurrence scans
        assert db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= 1
        assert db.execute("SELECT COUNT(*) FROM digests").fetchone()[0] >= 1


def test_shingle_hashes_do_not_depend_on_the_chunk_they_are_hashed_in(monkeypatch) -> None:
    """Long documents are hashed a chunk at a time (memory, issue 32): the hashes, their
    order and their documents are the same for any chunk size."""
    import random

    from cleancorpus.dedup import shingles

    rng = random.Random(7)
    words = ["a", "bé", "tea", "Ωmega", "x", "long" * 30, "q—r", "“hi”", "1,2", "zz", "«b»"]
    for _ in range(200):
        texts = [" ".join(rng.choice(words) for _ in range(rng.randrange(0, 30))) for _ in range(rng.randrange(1, 6))]
        size = rng.randrange(1, 6)
        monkeypatch.setattr(shingles, "CHUNK_BYTES", 1 << 20)
        whole = shingles.batch_shingle_hashes(texts, size)
        monkeypatch.setattr(shingles, "CHUNK_BYTES", rng.choice([1, 2, 5, 17]))
        cut = shingles.batch_shingle_hashes(texts, size)
        assert whole[0].tolist() == cut[0].tolist() and whole[1].tolist() == cut[1].tolist(), (texts, size)


def test_two_copies_of_one_text_keep_their_own_findings_through_the_cache(tmp_path: Path) -> None:
    """The check cache was keyed on content: the second copy of a text (another file,
    another input) got the first copy's findings, with the first copy's path."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("one.txt", "two.txt"):
        (corpus / name).write_text(prose(3, 6) + "\n\nShare This Article\n", encoding="utf-8")
    cache = tmp_path / "cache"
    for run in ("fresh", "cached"):
        done = run_cli("check", corpus, "--isolated", "--select", "CC101", "--cache-dir", cache,
                       "--output-format", "json")
        paths = sorted(Path(f["path"]).name for f in json.loads(done.stdout)["findings"])
        assert paths == ["one.txt", "two.txt"], (run, paths)


def test_the_pre_commit_hook_runs_as_declared(tmp_path: Path) -> None:
    """(issue 31) .pre-commit-hooks.yaml declares a hook pre-commit can run: its entry and
    arguments, run as pre-commit runs them (no file names passed), check the corpus folder
    and fail on findings. (pre-commit's own try-repo needs the network to build its
    environment; this runs the declared command directly.)"""
    import shlex

    import pytest

    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "cleancorpus-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "story.txt").write_text(prose(4, 8) + "\n\nShare This Article\n", encoding="utf-8")
    command = [*shlex.split(hook["entry"]), *hook.get("args", []), "--isolated", "--no-cache"]
    assert command[0] == "cleancorpus"
    failing = subprocess.run([sys.executable, "-m", "cleancorpus", *command[1:]], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert failing.returncode == 1 and "CC101" in failing.stdout
    (corpus / "story.txt").write_text(prose(4, 8) + "\n", encoding="utf-8")
    passing = subprocess.run([sys.executable, "-m", "cleancorpus", *command[1:]], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert passing.returncode == 0, passing.stdout


def test_signatures_and_shingle_sets_do_not_depend_on_the_pieces(monkeypatch) -> None:
    """Sketches are built a piece at a time (memory, issue 32): one piece for the whole batch
    or many small ones give the same signatures and sets, for both methods."""
    import random

    import numpy as np

    from cleancorpus.dedup import SketchSettings, shingles
    from cleancorpus.dedup.signatures import sketch_texts

    rng = random.Random(11)
    words = ["the", "minister", "said", "Ωmega", "bé", "1,2", "port", "council", "x"]
    for _ in range(60):
        texts = [" ".join(rng.choice(words) for _ in range(rng.randrange(0, 200))) for _ in range(rng.randrange(1, 9))]
        settings = SketchSettings(shingle_size=rng.randrange(1, 6), num_perm=rng.choice([8, 128]),
                                  seed=rng.choice([1, 5]), method=rng.choice(["oph", "datasketch"]))
        monkeypatch.setattr(shingles, "CHUNK_BYTES", 1 << 20)
        whole = sketch_texts(texts, settings)
        monkeypatch.setattr(shingles, "CHUNK_BYTES", rng.choice([1, 9, 60]))
        cut = sketch_texts(texts, settings)
        assert np.array_equal(whole.signatures, cut.signatures)
        assert all(np.array_equal(a, b) for a, b in zip(whole.shingle_sets, cut.shingle_sets))


def test_an_output_whose_extra_is_missing_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    """Writing .parquet or .zst (the output, or --dropped) without its extra was a traceback
    after the output folder was made; now a one-line error before anything is written."""
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(json.dumps({"id": "1", "text": prose(1, 3)}) + "\n")
    out = tmp_path / "out"
    for module, args, extra in (("pyarrow", [out / "one.parquet"], "parquet"),
                                ("zstandard", [out / "one.jsonl.zst"], "zstd"),
                                ("pyarrow", [out, "--dropped", tmp_path / "dropped.parquet"], "parquet")):
        args = [str(arg) for arg in args]
        code = (f"import sys; sys.modules[{module!r}] = None; sys.modules[{module + '.parquet'!r}] = None\n"
                "from cleancorpus.cli import main\n"
                f"sys.exit(main(['normalize', {str(corpus)!r}, '-o', *{args!r}, '-q']))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and done.stderr.strip().endswith(f"is not installed: pip install "
                                                                     f"'cleancorpus[{extra}]'"), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and not out.exists(), args


def test_a_sink_that_cannot_start_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    """A records file whose writer fails as it opens (here: zstandard missing) is not
    renamed into place empty: the temporary file is dropped."""
    import pytest

    from cleancorpus import Document
    from cleancorpus.extras import MissingExtra
    from cleancorpus.io import write_records_file

    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(MissingExtra):
        write_records_file([Document("a", "text")], tmp_path / "out.jsonl.zst")
    assert [p.name for p in tmp_path.iterdir() if p.name != ".cleancorpus-manifest"] == []
