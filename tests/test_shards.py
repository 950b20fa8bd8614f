"""Corpora as they come: folders of shards, Parquet, .zst, several inputs, one output file, stdout."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cleancorpus import read_corpus
from conftest import prose, run_cli

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")
zstandard = pytest.importorskip("zstandard")

CRUFT = "Share This Article"


def record(i: int, **extra) -> dict:
    return {"id": f"n{i}", "lang": "en", "text": f"{CRUFT}\n{prose(i, 6)}", "score": i, **extra}


def jsonl_bytes(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def read_jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


@pytest.fixture
def shard_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "data").mkdir(parents=True)
    (folder / "story.txt").write_text(f"{CRUFT}\n{prose(100, 5)}\n")
    (folder / "data" / "part-00000.jsonl.gz").write_bytes(gzip.compress(jsonl_bytes([record(i) for i in range(3)])))
    (folder / "data" / "part-00001.jsonl").write_bytes(jsonl_bytes([record(i) for i in range(3, 6)]))
    (folder / "data" / "part-00002.jsonl.zst").write_bytes(
        zstandard.ZstdCompressor().compress(jsonl_bytes([record(i) for i in range(6, 8)])))
    pq.write_table(pa.Table.from_pylist([record(i) for i in range(8, 11)]), folder / "data" / "part-00003.parquet")
    (folder / "notes.csv").write_text("a,b\n")
    return folder


def test_a_folder_of_text_and_shards_is_written_back_with_the_same_names_and_compression(
        shard_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("normalize", shard_folder, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "notes.csv: warning: not a kind of file cleancorpus reads" in result.stderr
    assert CRUFT not in (out / "story.txt").read_text()
    gz = read_jsonl(gzip.decompress((out / "data/part-00000.jsonl.gz").read_bytes()))
    plain = read_jsonl((out / "data/part-00001.jsonl").read_bytes())
    zst = read_jsonl(zstandard.ZstdDecompressor().stream_reader(
        (out / "data/part-00002.jsonl.zst").read_bytes()).read())
    table = pq.read_table(out / "data/part-00003.parquet")
    assert [r["id"] for r in gz + plain + zst] == [f"n{i}" for i in range(8)]
    assert table.column("id").to_pylist() == ["n8", "n9", "n10"]
    original = pq.read_schema(shard_folder / "data/part-00003.parquet")
    assert table.schema == original.append(pa.field("duplicate_of", pa.string()))  # columns and types kept
    assert table.column("duplicate_of").null_count == 3
    for row in gz + plain + zst + table.to_pylist():
        assert list(row)[:4] == ["id", "lang", "text", "score"]  # every field, in its order
        assert row.get("duplicate_of") is None
        assert CRUFT not in row["text"] and row["lang"] == "en"
    assert not (out / "notes.csv").exists()


def test_ids_of_records_and_files_as_documented(shard_folder: Path) -> None:
    for row in ({"lang": "en", "text": prose(1)},):
        (shard_folder / "data" / "no-ids.jsonl").write_bytes(jsonl_bytes([row, row]))
    ids = [d.id for d in read_corpus(shard_folder, problems=[])]
    assert ids[:2] == ["data/no-ids.jsonl:1", "data/no-ids.jsonl:2"]
    assert "story.txt" in ids and "n0" in ids and "n10" in ids


def test_several_inputs_each_under_its_name(shard_folder: Path, tmp_path: Path) -> None:
    single = tmp_path / "extra.jsonl"
    single.write_bytes(jsonl_bytes([record(20), {"text": prose(21, 6)}]))
    table = tmp_path / "more.parquet"
    pq.write_table(pa.Table.from_pylist([record(30)]), table)
    out = tmp_path / "out"
    result = run_cli("normalize", shard_folder, single, table, "-o", out)
    assert result.returncode == 0, result.stderr
    assert (out / "corpus/story.txt").is_file() and (out / "corpus/data/part-00000.jsonl.gz").is_file()
    assert [r["id"] for r in read_jsonl((out / "extra.jsonl").read_bytes())] == ["n20", "extra.jsonl:2"]
    assert pq.read_table(out / "more.parquet").column("id").to_pylist() == ["n30"]
    ids = [d.id for d in read_corpus([shard_folder, single], problems=[])]
    assert "corpus/story.txt" in ids and "extra.jsonl:2" in ids
    no_output = run_cli("normalize", shard_folder, single)
    assert no_output.returncode == 2 and "several inputs need an output" in no_output.stderr


def test_one_output_file_jsonl_gz_or_parquet_with_the_report_beside_it(shard_folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "clean.jsonl.gz"
    assert run_cli("normalize", shard_folder, "-o", target, "--drop-duplicates").returncode == 0
    rows = read_jsonl(gzip.decompress(target.read_bytes()))
    assert len(rows) == 12 and all(CRUFT not in r["text"] for r in rows)
    report = json.loads((tmp_path / "clean.jsonl.gz.cleancorpus-report.json").read_text())
    assert report["totals"]["documents_written"] == 12 and report["output"] == str(target)
    assert report["records"] == "clean.jsonl.gz.cleancorpus-records.jsonl"
    assert (tmp_path / "clean.jsonl.gz.cleancorpus-records.jsonl").is_file()
    parquet = tmp_path / "clean.parquet"
    assert run_cli("normalize", shard_folder, "-o", parquet).returncode == 0
    assert pq.read_table(parquet).num_rows == 12


def test_stdout_output_is_json_lines_and_creates_nothing(shard_folder: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cleancorpus", "normalize", str(shard_folder), "-o", "-"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 12 and all(CRUFT not in r["text"] for r in rows)
    assert re.search(r"^documents read +12$", result.stderr, re.M)
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]  # no folder or file named "-"


def test_parquet_with_other_field_names(tmp_path: Path) -> None:
    table = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist([{"key": 7, "body": f"{CRUFT}\n{prose(7, 5)}", "site": "daily"}]), table)
    out = tmp_path / "out"
    result = run_cli("normalize", table, "-o", out, "--text-field", "body", "--id-field", "key",
                     "--source-field", "site")
    assert result.returncode == 0, result.stderr
    (row,) = pq.read_table(out / "t.parquet").to_pylist()
    assert row["key"] == 7 and CRUFT not in row["body"]


def test_a_file_of_an_unknown_kind_is_one_line_and_leaves_no_output(tmp_path: Path) -> None:
    table = tmp_path / "data.bin"
    pq.write_table(pa.Table.from_pylist([record(1)]), table)
    result = run_cli("normalize", table, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"cleancorpus: error: {table}: not a kind of file cleancorpus reads (.txt, .md, .html, .htm (each "
        "optionally .gz), .jsonl or .ndjson (optionally .gz or .zst), .parquet)"]
    assert not (tmp_path / "out").exists()
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    damaged = run_cli("normalize", broken, "-o", tmp_path / "out2")
    assert damaged.returncode == 1 and "broken.parquet: error: cannot read as Parquet" in damaged.stderr


def test_reading_parquet_without_pyarrow_names_the_extra(tmp_path: Path) -> None:
    table = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist([record(1)]), table)
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
            "from cleancorpus.cli import main\n"
            f"sys.exit(main(['normalize', {str(table)!r}, '-o', {str(tmp_path / 'out')!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"cleancorpus: error: {table}: pyarrow is not installed: "
                                     "pip install 'cleancorpus[parquet]'")
    assert not (tmp_path / "out").exists()


def test_stale_files_of_an_earlier_run_are_listed_then_removed_with_clean_and_others_never(
        shard_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("normalize", shard_folder, "-o", out).returncode == 0
    (out / "mine.txt").write_text("my own notes")  # not written by cleancorpus
    (shard_folder / "story.txt").unlink()
    (shard_folder / "data" / "part-00001.jsonl").unlink()
    listed = run_cli("normalize", shard_folder, "-o", out)
    assert listed.returncode == 0, listed.stderr
    assert "2 file(s) in" in listed.stderr and "data/part-00001.jsonl, story.txt" in listed.stderr
    assert (out / "story.txt").exists()  # listed, not removed
    report = json.loads((out / "cleancorpus-report.json").read_text())
    assert report["stale_files"] == {"left": ["data/part-00001.jsonl", "story.txt"]}
    cleaned = run_cli("normalize", shard_folder, "-o", out, "--clean")
    assert cleaned.returncode == 0 and "removed 2 file(s)" in cleaned.stderr
    assert not (out / "story.txt").exists() and not (out / "data/part-00001.jsonl").exists()
    assert (out / "mine.txt").read_text() == "my own notes"
    assert (out / "data/part-00000.jsonl.gz").exists()
    again = run_cli("normalize", shard_folder, "-o", out, "--clean")
    assert "file(s) an earlier run had written and this one did not" not in again.stderr
    assert "are from an earlier run" not in again.stderr


def test_drop_duplicates_never_leaves_an_earlier_duplicate_and_dropped_go_to_their_file(
        shard_folder: Path, tmp_path: Path) -> None:
    copy = record(0)
    copy["id"], copy["text"] = "n0-copy", copy["text"] + "\nAnd one more sentence for the copy, longer."
    (shard_folder / "data" / "part-00004.jsonl").write_bytes(jsonl_bytes([copy]))
    out, dropped = tmp_path / "out", tmp_path / "dropped.jsonl"
    result = run_cli("normalize", shard_folder, "-o", out, "--dropped", dropped, "--clean")
    assert result.returncode == 0, result.stderr
    kept = read_jsonl(gzip.decompress((out / "data/part-00000.jsonl.gz").read_bytes()))
    assert "n0" not in [r["id"] for r in kept]  # the shorter copy is the duplicate
    (row,) = read_jsonl(dropped.read_bytes())
    assert row["id"] == "n0" and row["duplicate_of"] == "n0-copy" and CRUFT not in row["text"]


def test_shard_size_reshards_records(shard_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("normalize", shard_folder, "-o", out, "--shard-size", "4")
    assert result.returncode == 0, result.stderr
    parts = sorted(p.name for p in out.glob("part-*"))
    assert parts == ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz"]
    rows = [r for name in parts for r in read_jsonl(gzip.decompress((out / name).read_bytes()))]
    assert [r["id"] for r in rows] == [f"n{i}" for i in range(11)]
    assert (out / "story.txt").is_file()
    bad = run_cli("normalize", shard_folder, "-o", tmp_path / "one.jsonl", "--shard-size", "4")
    assert bad.returncode == 2 and "--shard-size needs" in bad.stderr


def test_a_kept_duplicate_says_which_document_it_repeats(shard_folder: Path, tmp_path: Path) -> None:
    copy = record(3)
    copy["id"], copy["text"] = "n3-copy", copy["text"] + "\nAnd one more sentence for the copy, longer."
    (shard_folder / "data" / "part-00004.jsonl").write_bytes(jsonl_bytes([copy]))
    out = tmp_path / "out"
    assert run_cli("normalize", shard_folder, "-o", out).returncode == 0
    rows = {r["id"]: r for r in read_jsonl((out / "data/part-00001.jsonl").read_bytes())}
    assert rows["n3"]["duplicate_of"] == "n3-copy" and "duplicate_of" not in rows["n4"]
