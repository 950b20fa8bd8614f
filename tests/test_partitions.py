"""Reading in the workers (issue 26 part 2): the input as partitions read on their own gives
exactly what one sequential read gives (documents, ids and their renaming, problems and
their order), for every kind of input and any partition size; and the local engine reading
that way writes the same output for any number of jobs."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from cleancorpus import Settings, read_corpus
from cleancorpus.engines.local import CorpusInput, run_stages
from cleancorpus.io import ReadOptions
from cleancorpus.io.partitions import SeenIds, partition_corpus
from cleancorpus.pipeline import build_stages

sys.path.insert(0, str(Path(__file__).parent))
from conftest import prose  # noqa: E402


def record(doc_id, k: int, **more) -> str:
    return json.dumps({"id": doc_id, "text": prose(k, 3), "source": f"s{k % 3}", **more})


def build_corpus(root: Path) -> Path:
    """A folder with every kind of input and the reading problems that depend on order."""
    corpus = root / "corpus"
    (corpus / "pages").mkdir(parents=True)
    lines = [record(f"r{k}", k) for k in range(9)]
    lines[4] = record("r1", 4)  # an id repeated in the file: renamed r1#5
    lines.insert(6, "{not json")
    lines.insert(7, "")
    lines.append(record(None, 40))  # no id: shard:line
    lines.append(json.dumps({"id": "no-text"}))
    lines.append(record("x" * 10, 41, text="y" * 5000))  # longer than the size limit below
    (corpus / "a.jsonl").write_text("\n".join(lines) + "\n")
    with gzip.open(corpus / "b.jsonl.gz", "wt") as handle:  # ids already read in a.jsonl: renamed
        handle.write("\n".join([record("r2", 50), record("r3", 51), record("r1#5", 52), record("b1", 53)]) + "\n")
    (corpus / "c.txt").write_text(prose(60, 4))
    (corpus / "d.txt").write_bytes(b"")  # empty: a warning
    (corpus / "e.txt").write_bytes("caf\xe9 au lait, said the council. ".encode("latin-1") * 5)
    (corpus / "skip.bin").write_bytes(b"\x00\x01")
    for k in range(4):
        (corpus / "pages" / f"p{k}.html").write_text(
            f"<html><head><title>Story {k}</title></head><body><nav>Home | News | Sport</nav>"
            f"<article><p>{prose(70 + k, 5)}</p><p>{prose(80 + k, 4)}</p></article>"
            "<footer>Copyright Example Media</footer></body></html>")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"id": [f"q{k}" for k in range(7)] + ["r4"], "text": [prose(90 + k, 2) for k in range(8)]})
        pq.write_table(table, corpus / "f.parquet", row_group_size=3)
    except ImportError:
        pass
    return corpus


def read_by_partitions(paths: list, options: ReadOptions, size: int) -> tuple[list, list]:
    seen = SeenIds()  # one set over every partition: what the engine gives each partition
    docs, problems = [], []
    for partition in partition_corpus(paths, options, size):
        found, met = partition.read(options, seen)
        docs += found
        problems += met
    return docs, problems


def fields(docs) -> list[tuple]:
    return [(d.id, d.text, d.source, d.meta, d.records) for d in docs]


@pytest.mark.parametrize("size", [1, 2, 3, 200])
def test_partitions_read_what_one_sequential_read_reads(tmp_path: Path, size: int) -> None:
    corpus = build_corpus(tmp_path)
    options = ReadOptions(max_document_bytes=2000)
    problems: list = []
    expected = list(read_corpus([corpus], options, problems))
    assert any("#" in d.id for d in expected) and problems  # there are renamings and problems to get right
    docs, met = read_by_partitions([corpus], options, size)
    assert fields(docs) == fields(expected)
    assert [str(p) for p in met] == [str(p) for p in problems]
    # several inputs, one of them a single file
    problems = []
    expected = list(read_corpus([corpus, corpus / "a.jsonl"], options, problems))
    docs, met = read_by_partitions([corpus, corpus / "a.jsonl"], options, size)
    assert fields(docs) == fields(expected) and [str(p) for p in met] == [str(p) for p in problems]


def test_standard_input_is_cut_into_partitions(monkeypatch) -> None:
    lines = "\n".join(record(f"i{k % 5}", k) for k in range(12)) + "\n"
    options = ReadOptions()

    class Stdin:
        buffer = io.BytesIO(lines.encode())

    monkeypatch.setattr(sys, "stdin", Stdin)
    problems: list = []
    expected = list(read_corpus(["-"], options, problems))
    Stdin.buffer = io.BytesIO(lines.encode())
    docs, met = read_by_partitions(["-"], options, 5)
    assert fields(docs) == fields(expected) and len(met) == len(problems) == 7


@pytest.mark.parametrize("jobs,size", [(1, 2), (2, 3), (2, 200)])
def test_the_engine_reading_in_workers_gives_the_sequential_output(tmp_path: Path, jobs: int, size: int) -> None:
    corpus = build_corpus(tmp_path)
    settings = Settings()
    problems: list = []
    expected = [fields([d])[0] for d in run_stages(list(read_corpus([corpus], settings.read, problems)),
                                                    build_stages(settings))]
    source = CorpusInput([corpus], settings.read)
    got = [fields([d])[0] for d in run_stages(source, build_stages(settings), jobs=jobs, partition_size=size)]
    assert got == expected
    assert [str(p) for p in source.problems] == [str(p) for p in problems]
