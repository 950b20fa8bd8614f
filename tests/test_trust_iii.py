"""Trust III (issue 25): each test holds one class of what a hostile user tried, with
several of its examples: nothing outside the output deleted or listed, in-place fixes that
keep owner and mode or refuse, no traceback on bad data, no terminal or annotation
injection, no story learned as a template, no column lost."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from cleancorpus.io import atomic_write_bytes
from conftest import run_cli
from test_trust import prose

NAME_SEED = "004_d438aeefcfbf1390.txt"


def small_corpus(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        (folder / f"story{k}.txt").write_text(prose(k, 6) + "\n\nShare This Article\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------- 1. the manifest


def test_a_planted_manifest_never_deletes_or_lists_a_file_outside_the_output(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    assert run_cli("normalize", corpus, "-o", out, "-q", "--isolated").returncode == 0
    victims = {name: tmp_path / name for name in ("relative.txt", "absolute.txt", "linked.txt", "deep.txt")}
    for path in victims.values():
        path.write_text("precious")
    (out / "link-to-outside.txt").symlink_to(victims["linked.txt"])
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "deep.txt").write_text("precious")
    (out / "sub").symlink_to(tmp_path / "elsewhere")  # a folder link: sub/deep.txt is outside
    planted = ["../relative.txt", str(victims["absolute.txt"]), "link-to-outside.txt", "sub/deep.txt",
               "./../absolute.txt", "story0.txt/../../relative.txt"]
    with open(out / ".cleancorpus-manifest", "a", encoding="ascii") as manifest:
        manifest.writelines(json.dumps(entry) + "\n" for entry in planted)
    listed = run_cli("normalize", corpus, "-o", out, "--isolated")
    assert listed.returncode == 0, listed.stderr
    report = json.loads((out / "cleancorpus-report.json").read_text())
    assert report["stale_files"] == {"left": []}  # none of them is listed as stale
    for entry in ("../relative.txt", "sub/deep.txt", "./../absolute.txt"):
        assert f"manifest entry {entry!r}" in listed.stderr  # each named in a warning
    cleaned = run_cli("normalize", corpus, "-o", out, "--clean", "--isolated")
    assert cleaned.returncode == 0, cleaned.stderr
    for path in [*victims.values(), tmp_path / "elsewhere" / "deep.txt"]:
        assert path.read_text() == "precious", path
    assert (out / "link-to-outside.txt").is_symlink()
    manifest = (out / ".cleancorpus-manifest").read_text()
    assert "relative.txt" not in manifest and "deep.txt" not in manifest  # dropped when rewritten


# ---------------------------------------------------------------------------- 2. fix keeps owner and mode


def test_fix_refuses_a_read_only_file_names_it_and_fixes_the_others(seeds: Path, tmp_path: Path) -> None:
    (seeds / "zz_copy.txt").write_text((seeds / NAME_SEED).read_text(encoding="utf-8"), encoding="utf-8")
    target = seeds / NAME_SEED
    target.chmod(0o444)
    before = target.read_bytes()
    done = run_cli("check", seeds, "--select", "CC201", "--fix", "--no-cache", "--isolated", cwd=tmp_path)
    assert "Traceback" not in done.stderr
    refusals = [line for line in done.stderr.splitlines() if NAME_SEED in line]
    assert len(refusals) == 1 and "read-only" in refusals[0] and "0444" in refusals[0]
    assert target.read_bytes() == before and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert "Pashinian" not in (seeds / "zz_copy.txt").read_text(encoding="utf-8")  # the run went on
    assert done.returncode == 1  # what could not be fixed is still reported


def test_in_place_rewrites_keep_the_owner_or_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "theirs.txt"
    path.write_text("old")
    if os.geteuid() == 0:  # root can keep another user's ownership: it does
        os.chown(path, 4321, 4321)
        atomic_write_bytes(path, b"new", in_place=True)
        assert (path.stat().st_uid, path.stat().st_gid, path.read_text()) == (4321, 4321, "new")
        os.chown(path, 0, 0)
    # another user, in a folder they may write, meeting a file owned by someone else
    path.chmod(0o666)
    monkeypatch.setattr(os, "geteuid", lambda: 4321)
    monkeypatch.setattr(os, "getegid", lambda: 4321)
    monkeypatch.setattr(os, "getgroups", lambda: [4321])
    real_fchown = os.fchown

    def fchown_as_another_user(fd, uid, gid):
        if uid != 4321:
            raise PermissionError(1, "Operation not permitted")
        real_fchown(fd, uid, gid)

    monkeypatch.setattr(os, "fchown", fchown_as_another_user)
    content = path.read_text()
    with pytest.raises(PermissionError, match="another owner; not replaced"):
        atomic_write_bytes(path, b"newer", in_place=True)
    assert path.read_text() == content
    path.chmod(0o644)  # read-only for anyone but its owner
    with pytest.raises(PermissionError, match="read-only for this user"):
        atomic_write_bytes(path, b"newer", in_place=True)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------- 6. no injection


def test_control_characters_in_names_are_escaped_in_every_output_format(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    names = ["esc\x1b[31mred\x1b[0m.txt", "forged\nx.txt:1: CC101 fake.txt", "bidi\u202etxt.exe.txt"]
    for k, name in enumerate(names):
        (corpus / name).write_text(prose(k, 6) + "\n\nShare This Article\n", encoding="utf-8")
    for fmt in ("text", "github", "junit"):
        done = run_cli("check", corpus, "--format", fmt, "--no-cache", "--isolated", cwd=tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        for stream in (done.stdout, done.stderr):
            assert "\x1b" not in stream and "\u202e" not in stream
        assert "\\x1b[31mred" in done.stdout and "\\u202e" in done.stdout
        if fmt == "text":  # the newline did not make a finding line of its own
            assert not any(line.startswith("x.txt:1:") for line in done.stdout.splitlines())
            assert "forged\\x0ax.txt" in done.stdout
    as_json = json.loads(run_cli("check", corpus, "--format", "json", "--no-cache", "--isolated",
                                 cwd=tmp_path).stdout)
    assert {Path(f["path"]).name for f in as_json["findings"]} == set(names)  # JSON escapes them itself
    explained = run_cli("normalize", corpus, "-o", tmp_path / "out", "--isolated")
    assert "\x1b" not in explained.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_a_read_problem_naming_a_hostile_file_is_one_escaped_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok.txt").write_text(prose(1, 6), encoding="utf-8")
    (corpus / "bad\x1b]0;title\x07\n.jsonl").write_text('{"text": 1}\nnot json\n', encoding="utf-8")
    done = run_cli("normalize", corpus, "-o", tmp_path / "out", "--isolated")
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr and "\x07" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if "bad\\x1b]0;title\\x07\\x0a.jsonl" in line]
    assert problems, done.stderr


# ---------------------------------------------------------------------------- 5. no traceback


def _one_line_error(done, code: int = 2) -> str:
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("flags, expected", [
    (["--max-document-mb", "0"], "--max-document-mb: 0 is out of range: it must be more than 0"),
    (["--max-document-mb", "-1"], "must be more than 0"),
    (["--max-document-mb", "nan"], "'nan' is not a finite number"),
    (["--threshold", "1.5"], "--threshold: 1.5 is out of range: it must be from 0 to 1"),
    (["--min-docs", "0"], "--min-docs: 0 is out of range: it must be at least 1"),
    (["--min-share", "2"], "it must be from 0 to 1"),
    (["--jobs", "-3"], "--jobs: -3 is out of range: it must be at least 0"),
    (["--shard-size", "0"], "--shard-size: 0 is out of range"),
    (["--min-docs", "two"], "'two' is not a whole number"),
])
def test_out_of_range_flags_exit_2_with_the_allowed_range(seeds: Path, tmp_path: Path, flags, expected) -> None:
    done = run_cli("normalize", seeds, "-o", tmp_path / "out", *flags)
    assert expected in _one_line_error(done)
    assert not (tmp_path / "out").exists()


def test_deeply_nested_configuration_and_baselines_are_one_line_errors(seeds: Path, tmp_path: Path) -> None:
    deep_toml = tmp_path / "deep.toml"
    deep_toml.write_text("[cruft]\nx = " + "[" * 20000 + "]" * 20000 + "\n")
    assert "deep.toml: invalid TOML: nested too deeply" in _one_line_error(
        run_cli("normalize", seeds, "-o", tmp_path / "out", "--config", deep_toml))
    rules = tmp_path / "rules.toml"
    rules.write_text(deep_toml.read_text())
    assert "nested too deeply" in _one_line_error(run_cli("normalize", seeds, "-o", tmp_path / "o2", "--rules", rules))
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("[" * 200000 + "]" * 200000)
    assert "not a baseline (invalid JSON: nested too deeply)" in _one_line_error(
        run_cli("check", seeds, "--baseline", deep_json, "--no-cache", cwd=tmp_path))
    shard = tmp_path / "shard.jsonl"
    shard.write_text('{"id": "a", "text": ' + "[" * 100000 + "]" * 100000 + "}\n"
                     + json.dumps({"id": "b", "text": prose(2, 6)}) + "\n")
    done = run_cli("normalize", shard, "-o", tmp_path / "o3.jsonl")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "nested too deeply" in done.stderr
    assert [json.loads(x)["id"] for x in (tmp_path / "o3.jsonl").read_text().splitlines()] == ["b"]  # went on


def _closed(stream: str, *args: object) -> "subprocess.CompletedProcess":
    import subprocess

    redirect = {"stdin": "<&-", "stdout": ">&-"}[stream]
    return subprocess.run(["sh", "-c", f'exec "$0" -m cleancorpus "$@" {redirect}', sys.executable, *map(str, args)],
                          stdout=subprocess.PIPE if stream != "stdout" else None, stderr=subprocess.PIPE, text=True,
                          timeout=300)


def test_closed_standard_streams_are_named_not_tracebacks(seeds: Path, tmp_path: Path) -> None:
    assert "standard input is closed" in _one_line_error(_closed("stdin", "normalize", "-", "-o", tmp_path / "a"))
    for args in (["normalize", seeds, "-o", "-"], ["check", seeds, "--no-cache"], ["dedup", seeds, "--json"]):
        assert "standard output is closed" in _one_line_error(_closed("stdout", *args))
    done = _closed("stdout", "normalize", seeds, "-o", tmp_path / "out")  # nothing goes to stdout: it runs
    assert done.returncode == 0 and "Traceback" not in done.stderr and (tmp_path / "out" / NAME_SEED).is_file()


def test_a_bad_scheduler_address_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    shard = tmp_path / "s.jsonl"
    shard.write_text(json.dumps({"id": "a", "text": prose(1, 6)}) + "\n")
    for address in ("not a scheduler", "foo://host:1"):
        line = _one_line_error(run_cli("dedup", shard, "--engine", "dask", "--scheduler", address))
        assert "is not a scheduler address" in line and "tcp://host:8786" in line


def _wrong_values(value):
    return [v for v in (None, 7, "text", [], {}, [1, "x"], {"a": [None]}, True) if type(v) is not type(value)]


def test_hostile_report_and_records_files_never_end_in_a_traceback(seeds: Path, tmp_path: Path) -> None:
    from cleancorpus.report.html import ReportError, write_html_report

    out = tmp_path / "run"
    assert run_cli("normalize", seeds, "-o", out, "-q").returncode == 0
    good = json.loads((out / "cleancorpus-report.json").read_text())
    good["clusters"] = [{"representative": "a", "members": [{"id": "b", "jaccard": 0.5, "containment": 0.6}]}]
    records = (out / "cleancorpus-records.jsonl").read_text().splitlines()
    paths = [(key,) for key in good] + [("totals", key) for key in good["totals"]] + \
        [("clusters", 0, "representative"), ("clusters", 0, "members"), ("clusters", 0, "members", 0, "jaccard"),
         ("settings", "dedup"), ("settings", "dedup", "threshold")]
    tried = refused = 0
    for path in paths:
        holder = good
        for key in path[:-1]:
            holder = holder[key]
        if not isinstance(holder, (dict, list)) or (isinstance(holder, dict) and path[-1] not in holder):
            continue
        for wrong in _wrong_values(holder[path[-1]]):
            bad = json.loads(json.dumps(good))
            target = bad
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = wrong
            (out / "cleancorpus-report.json").write_text(json.dumps(bad))
            tried += 1
            try:
                write_html_report(out / "cleancorpus-report.json", tmp_path / "page.html")
            except ReportError as exc:
                refused += 1
                assert str(exc).startswith(str(out / "cleancorpus-report.json")) and "\n" not in str(exc)
    assert tried > 100 and refused > tried // 3
    (out / "cleancorpus-report.json").write_text(json.dumps(good))
    hostile = [json.dumps(x) for x in ([], 5, {"id": 3}, {"removed_lines": "x"}, {"removed_lines": [5]},
                                       {"kept_chars": "big"}, {"word_changes": {"a": 1}}, {"source": ["x"]})]
    (out / "cleancorpus-records.jsonl").write_text("\n".join(records[:2] + hostile + ["[" * 50000]) + "\n")
    page = write_html_report(out / "cleancorpus-report.json", tmp_path / "page.html")
    assert page.is_file()
    bad = dict(good, totals={"documents_read": "five"})
    (out / "cleancorpus-report.json").write_text(json.dumps(bad))
    line = _one_line_error(run_cli("report", out / "cleancorpus-report.json", "-o", tmp_path / "p.html"))
    assert "'totals.documents_read' is str, not a number" in line


def test_map_batch_refuses_columns_of_different_lengths() -> None:
    from cleancorpus import Document, Pipeline, Settings

    pipeline = Pipeline(Settings(), stages=("cruft",)).fit([Document("a", prose(1, 4)), Document("b", prose(2, 4))])
    with pytest.raises(ValueError, match="one length"):
        pipeline.map_batch({"id": ["a", "b"], "text": [prose(1, 4)]})
    with pytest.raises(ValueError, match="indices"):
        pipeline.map_batch({"id": ["a"], "text": [prose(1, 4)]}, indices=[0, 1])
    assert len(pipeline.map_batch({"id": ["a", "b"], "text": [prose(1, 4), prose(2, 4)]})["text"]) == 2


# ---------------------------------------------------------------------------- 3. no column or field lost


def _write_parquet(path: Path, columns: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_records_into_parquet_keep_every_column_and_say_what_became_text(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [prose(k, 4) for k in range(6)]
    _write_jsonl(tmp_path / "late/a.jsonl", [{"id": "1", "text": texts[0]},
                                             {"id": "2", "text": texts[1], "extra": "kept"}])
    _write_jsonl(tmp_path / "conflict/a.jsonl", [{"id": "1", "text": texts[0], "n": 2},
                                                 {"id": "2", "text": texts[1], "n": "two"}])
    _write_parquet(tmp_path / "schemas/one.parquet", {"id": ["1", "2"], "text": texts[:2], "alpha": [1, 2]})
    _write_parquet(tmp_path / "schemas/two.parquet", {"id": ["3", "4"], "text": texts[2:4], "beta": ["x", "y"]})
    _write_parquet(tmp_path / "dup/a.parquet", {"id": ["1", "2"], "text": texts[:2], "duplicate_of": [7, None]})

    def written(corpus: str, target: str, *flags: str, table_of: str = "") -> tuple[list[dict], object, str]:
        done = run_cli("normalize", tmp_path / corpus, "-o", tmp_path / target, "-q", "--isolated", *flags)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        table = pq.read_table(tmp_path / target / table_of)
        return table.to_pylist(), table.schema, done.stderr

    rows, schema, _ = written("late", "late.parquet")  # a field absent from the first record
    assert [r["extra"] for r in rows] == [None, "kept"]
    rows, schema, stderr = written("conflict", "conflict.parquet")  # "two" after 2: text, and said so
    assert [r["n"] for r in rows] == ["2", "two"]
    assert "conflict.parquet: warning: column 'n' has values of more than one type; written as text" in stderr
    report = json.loads((tmp_path / "conflict.parquet.cleancorpus-report.json").read_text())
    assert [p["message"] for p in report["problems"]] == ["column 'n' has values of more than one type; "
                                                          "written as text"]
    rows, schema, stderr = written("schemas", "schemas.parquet")  # two schemas into one file
    assert schema.names == ["id", "text", "alpha", "beta", "duplicate_of"]
    assert str(schema.field("alpha").type) == "int64"  # the input's type kept
    assert [(r["alpha"], r["beta"]) for r in rows] == [(1, None), (2, None), (None, "x"), (None, "y")]
    assert "warning" not in stderr  # nothing had to become text
    rows, schema, _ = written("schemas", "resharded", "--shard-size", "3", table_of="part-00000.parquet")
    assert schema.names == ["id", "text", "alpha", "beta", "duplicate_of"]  # both inputs' columns
    assert [r["beta"] for r in rows] == [None, None, "x"]
    rows, schema, stderr = written("dup", "dup.parquet")  # an input duplicate_of of another type
    assert str(schema.field("duplicate_of").type) == "string"
    assert [r["duplicate_of"] for r in rows] == ["7", None]
    assert "column 'duplicate_of' held values that are not text" in stderr


def test_a_column_null_for_a_whole_batch_or_widening_later_is_kept(tmp_path: Path) -> None:
    """Batches past the first (10,000 records) with a type the first did not have: the
    column takes the type of its values, not of the first batch."""
    pq = pytest.importorskip("pyarrow.parquet")
    from cleancorpus import Document
    from cleancorpus.io import write_records_file
    from cleancorpus.io.parquet import PARQUET_BATCH

    total = PARQUET_BATCH + 5

    def documents():
        for k in range(total):
            late = k >= PARQUET_BATCH
            fields = {"tag": "t" if late else None, "score": 0.5 if late else k, "deep": {"k": k}}
            if late:
                fields["deep"] = {"k": k, "when": "later"}
            yield Document(f"d{k}", "text", meta={"fields": fields})

    summary = write_records_file(documents(), tmp_path / "big.parquet")
    assert summary.written == total and not summary.failures and not summary.notes
    reader = pq.ParquetFile(tmp_path / "big.parquet")
    assert reader.metadata.num_row_groups == 2
    table = reader.read()
    assert str(table.schema.field("tag").type) == "string"
    assert str(table.schema.field("score").type) == "double"
    assert table.column("tag").to_pylist()[PARQUET_BATCH - 1:] == [None] + ["t"] * 5
    assert table.column("score").to_pylist()[:3] == [0.0, 1.0, 2.0]
    deep = table.column("deep").to_pylist()
    assert deep[0] == {"k": 0, "when": None} and deep[-1] == {"k": total - 1, "when": "later"}
    assert not list(Path(tmp_path).glob(".cleancorpus-spool-*"))  # the spooled pieces are gone


def test_values_json_has_no_type_for_are_written_as_iso_strings(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import datetime
    import decimal

    _write_parquet(tmp_path / "nested/a.parquet", {
        "id": ["1", "2"], "text": [prose(1, 4), prose(2, 4)],
        "meta": [{"when": datetime.datetime(2024, 1, 2, 3, 4, 5), "price": decimal.Decimal("1.50")},
                 {"when": datetime.datetime(2024, 1, 3), "price": decimal.Decimal("2.25")}],
        "day": [datetime.date(2024, 1, 2), None], "raw": [b"\x00\x01", b"ab"]})
    for target in ("out.jsonl", "out.jsonl.gz", "folder", "-"):
        done = run_cli("normalize", tmp_path / "nested", "-o", target if target == "-" else tmp_path / target,
                       "-q", "--isolated")
        assert done.returncode == 0 and "Traceback" not in done.stderr, (target, done.stderr)
        if target == "-":
            text = done.stdout
        elif target == "folder":  # a Parquet shard mirrored: still Parquet, types kept
            import pyarrow.parquet as pq

            table = pq.read_table(tmp_path / "folder/a.parquet")
            assert table.column("meta").to_pylist()[0]["when"] == datetime.datetime(2024, 1, 2, 3, 4, 5)
            continue
        else:
            import gzip

            data = (tmp_path / target).read_bytes()
            text = (gzip.decompress(data) if target.endswith(".gz") else data).decode()
        first = json.loads(text.splitlines()[0])
        assert first["meta"] == {"when": "2024-01-02T03:04:05", "price": "1.50"}, target
        assert first["day"] == "2024-01-02" and first["raw"] == "AAE=", target
