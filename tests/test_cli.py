"""The command line end to end: normalize on the seeds, outputs, exit codes, errors."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from conftest import prose, run_cli


def test_normalize_seeds_writes_five_files_and_a_report(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    result = run_cli("normalize", seeds, "-o", out)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == ([".cleancorpus-manifest"] + sorted(p.name for p in seeds.iterdir())
                       + ["cleancorpus-records.jsonl", "cleancorpus-report.json"])
    report = json.loads((out / "cleancorpus-report.json").read_text())
    totals = report["totals"]
    assert totals["documents_read"] == 5 and totals["documents_written"] == 5 and totals["documents_failed"] == 0
    records = [json.loads(line) for line in (out / "cleancorpus-records.jsonl").read_text().splitlines()]
    assert report["records"] == "cleancorpus-records.jsonl" and len(records) == 5
    assert totals["lines_removed"] == sum(len(d["removed_lines"]) for d in records) > 0
    assert totals["words_changed"] == 6
    assert report["settings"]["dedup"]["threshold"] > 0
    doc = next(d for d in records if d["id"].startswith("004"))
    assert {"line": 1, "text": "Մատչելիության հղումներ", "rule": "accessibility-links", "detail": ""} \
        in doc["removed_lines"]
    assert re.search(r"^documents read +5$", result.stderr, re.M) and re.search(r"^written +5$", result.stderr, re.M)
    assert re.search(r"^failed +0$", result.stderr, re.M) and re.search(r"^names changed +6$", result.stderr, re.M)


def test_the_input_is_never_modified(seeds: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    assert run_cli("normalize", seeds, "-o", tmp_path / "out").returncode == 0
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before


def test_default_output_is_beside_the_input_and_named(seeds: Path) -> None:
    result = run_cli("normalize", seeds)
    assert result.returncode == 0, result.stderr
    out = seeds.parent / "seeds-clean"
    assert (out / "cleancorpus-report.json").is_file()
    assert f"wrote {out}" in result.stderr


def test_output_inside_input_is_a_usage_error(seeds: Path) -> None:
    result = run_cli("normalize", seeds, "-o", seeds / "out")
    assert result.returncode == 2
    assert "inside the input" in result.stderr
    assert not (seeds / "out").exists()


def test_missing_input_and_unknown_option_are_usage_errors(tmp_path: Path) -> None:
    missing = run_cli("normalize", tmp_path / "nothing", "-o", tmp_path / "o")
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    unknown = run_cli("normalize", tmp_path, "--frobnicate")
    assert unknown.returncode == 2 and "unrecognized arguments" in unknown.stderr


def test_unreadable_documents_exit_1_and_the_rest_is_written(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("A good article.\n\nShare This Article\n")
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    result = run_cli("normalize", corpus, "-o", tmp_path / "out")
    assert result.returncode == 1
    assert f"{corpus / 'bad.txt'}: error: binary file" in result.stderr
    assert (tmp_path / "out/good.txt").read_text() == "A good article.\n"
    report = json.loads((tmp_path / "out/cleancorpus-report.json").read_text())
    assert report["totals"]["documents_failed"] == 1
    assert report["problems"][0]["path"].endswith("bad.txt")


def test_jsonl_on_stdin_and_malformed_lines(tmp_path: Path) -> None:
    data = '{"id": "a", "text": "Story one.\\nShare This Article"}\nnot json\n{"id": "b", "text": "Story two."}\n'
    result = run_cli("normalize", "-", "-o", tmp_path / "out", input=data)
    assert result.returncode == 1
    assert "<stdin>:2: error: malformed JSON" in result.stderr
    rows = [json.loads(x) for x in (tmp_path / "out/corpus.jsonl").read_text().splitlines()]
    assert rows == [{"id": "a", "text": "Story one."}, {"id": "b", "text": "Story two."}]


def test_stdin_needs_an_output(tmp_path: Path) -> None:
    result = run_cli("normalize", "-", input='{"text": "x"}\n', cwd=tmp_path)
    assert result.returncode == 2 and "give -o OUTPUT" in result.stderr


def test_jsonl_file_in_jsonl_out_and_format_flag(tmp_path: Path) -> None:
    src = tmp_path / "news.jsonl.gz"
    src.write_bytes(gzip.compress(b'{"text": "Hello.\\n3 Min Read"}\n'))
    assert run_cli("normalize", src, "-o", tmp_path / "o1").returncode == 0
    # written back with the same name and compression
    assert json.loads(gzip.decompress((tmp_path / "o1/news.jsonl.gz").read_bytes()))["text"] == "Hello."
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "x.txt").write_text("Body.\n")
    assert run_cli("normalize", folder, "-o", tmp_path / "o2", "--format", "jsonl").returncode == 0
    assert json.loads((tmp_path / "o2/corpus.jsonl").read_text()) == {"id": "x.txt", "text": "Body.\n"}


def test_rerun_overwrites_only_its_own_files_and_says_so(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("normalize", seeds, "-o", out).returncode == 0
    (out / "mine.txt").write_text("keep me")
    (out / "000_4dc42c2cc4e86bcb.txt").write_text("stale")  # written by cleancorpus, edited since
    result = run_cli("normalize", seeds, "-o", out)
    assert result.returncode == 0
    assert "replaced 5 file(s)" in result.stderr
    assert (out / "mine.txt").read_text() == "keep me"
    assert "stale" not in (out / "000_4dc42c2cc4e86bcb.txt").read_text()


def test_a_file_cleancorpus_did_not_write_is_never_replaced(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "000_4dc42c2cc4e86bcb.txt").write_text("the user's own file")
    result = run_cli("normalize", seeds, "-o", out)
    assert result.returncode == 1
    assert "000_4dc42c2cc4e86bcb.txt: exists and was not written by cleancorpus; not replaced" in result.stderr
    assert (out / "000_4dc42c2cc4e86bcb.txt").read_text() == "the user's own file"
    assert (out / "001_ea6e1a5ba1303e2b.txt").exists()  # the rest is written
    # a single HTML input written into its own folder never replaces the user's x.txt there
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "x.html").write_text("<html><body><article><p>" + "A long paragraph of real news text. " * 20
                                   + "</p></article></body></html>")
    (folder / "x.txt").write_text("unrelated notes")
    result = run_cli("normalize", folder / "x.html", "-o", folder)
    assert result.returncode == 1 and "not replaced" in result.stderr
    assert (folder / "x.txt").read_text() == "unrelated notes"


def test_version_help_and_quiet(seeds: Path, tmp_path: Path) -> None:
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("cleancorpus ")
    helptext = run_cli("normalize", "--help")
    assert helptext.returncode == 0 and "cleancorpus normalize seeds/" in helptext.stdout
    quiet = run_cli("normalize", seeds, "-o", tmp_path / "q", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert run_cli().returncode == 2


def test_explain_marks_removed_lines_and_changed_words(seeds: Path) -> None:
    result = run_cli("explain", seeds, "004_d438aeefcfbf1390.txt")
    assert result.returncode == 0, result.stderr
    assert "-    1 [accessibility-links] Մատչելիության հղումներ" in result.stdout
    assert "-    7 [repeat: repeats line 6]" in result.stdout
    assert "~ line 3: Pashinian -> Pashinyan [shipped:Pashinyan]" in result.stdout
    assert run_cli("explain", seeds, "nope.txt").returncode == 2


def test_normalize_explain_shows_and_writes_nothing(seeds: Path) -> None:
    result = run_cli("normalize", seeds, "--explain", "001_ea6e1a5ba1303e2b.txt")
    assert result.returncode == 0
    assert "-    3 [read-time] 3 Min Read" in result.stdout
    assert not (seeds.parent / "seeds-clean").exists()


def test_progress_is_a_bar_on_a_terminal_and_a_line_per_stage_elsewhere() -> None:
    import io

    from cleancorpus.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(stream=stream, after=0)
        for count in range(1, 1201):
            progress("fitting cruft", count)
        for count in range(1, 1201):
            progress("writing", count, 1200)
        progress.close()
    assert "fitting cruft" in terminal.getvalue() and "1200/1200" in terminal.getvalue()  # a total: a percentage
    assert "\r" in terminal.getvalue()  # redrawn in place
    lines = pipe.getvalue().splitlines()  # no bar in a pipe: one line per stage
    assert len(lines) == 2 and lines[1].startswith("writing: 1,200 documents in ")
    quiet = Terminal()
    Progress(enabled=False, stream=quiet, after=0)("writing", 5)
    assert quiet.getvalue() == ""


def test_progress_shows_on_a_pseudo_terminal_and_not_in_a_pipe(tmp_path: Path) -> None:
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": str(i), "text": prose(i, 3)}) + "\n" for i in range(300)))
    env = {**os.environ, "CLEANCORPUS_PROGRESS_AFTER": "0"}
    command = [sys.executable, "-m", "cleancorpus", "normalize", str(corpus), "-o", str(tmp_path / "a")]
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=secondary, env=env)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=120)
    os.close(primary)
    text = seen.decode("utf-8", "replace")
    assert process.returncode == 0 and "\r" in text and "writing" in text and "300/300" in text
    piped = subprocess.run([*command[:-1], str(tmp_path / "b")], capture_output=True, text=True, env=env, timeout=120)
    assert "\r" not in piped.stderr and re.search(r"^writing: 300 documents in [\d.]+ s", piped.stderr, re.M)


def test_import_and_version_load_no_heavy_dependencies() -> None:
    """``import cleancorpus`` and ``--version`` start fast: datasketch, scipy and trafilatura
    are loaded only where they are used (banding, datasketch signatures, HTML)."""
    import subprocess
    import sys

    code = ("import sys, contextlib, io\n"
            "import cleancorpus\n"
            "from cleancorpus.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['--version'])\n"
            "print(sorted(m for m in ('datasketch', 'scipy', 'trafilatura') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_readme_python_examples_run() -> None:
    """Every ```python block of the README runs as written (from the project folder)."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    blocks = re.findall(r"```python\n(.*?)```", (root / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    for block in blocks:
        result = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=root)
        assert result.returncode == 0, (block[:200], result.stderr[-500:])


def test_a_single_file_default_output_is_outside_its_corpus_folder(seeds: Path) -> None:
    result = run_cli("normalize", seeds / "004_d438aeefcfbf1390.txt", "-q")
    assert result.returncode == 0, result.stderr
    assert (seeds.parent / "seeds-clean" / "004_d438aeefcfbf1390.txt").exists()
    assert sorted(p.name for p in seeds.iterdir()) == sorted(p.name for p in (Path(__file__).resolve().parents[1]
                                                                               / "seeds").iterdir())
