"""Readers, writers and bad input: every reader and writer, every bad input the foundation names."""

from __future__ import annotations

import errno
import gzip
import json
import os
from pathlib import Path

import pytest

from cleancorpus import CorpusError, Document, ReadOptions, read_corpus, write_corpus
from cleancorpus import io as ccio

HTML = """<html><head><title>Quake shakes the valley</title>
<meta name="author" content="Ann Reporter"><meta property="og:site_name" content="Valley News">
<link rel="canonical" href="https://www.valleynews.example/quake"></head>
<body><nav>Home | World | Sport</nav><article><h1>Quake shakes the valley</h1>
<p>A strong earthquake shook the valley on Monday morning, damaging dozens of old buildings and
cutting power to thousands of homes across the region, officials said.</p>
<p>Rescue teams worked through the night to search collapsed houses, and the regional governor
declared a state of emergency for the three worst-hit districts.</p></article>
<footer>Copyright Valley News</footer></body></html>"""


def test_directory_is_read_recursively_sorted_with_relative_ids(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("zed\n")
    (tmp_path / "a.md").write_text("alpha\n")
    (tmp_path / "b" / "c.txt.gz").write_bytes(gzip.compress(b"gzipped text\n"))
    (tmp_path / "notes.csv").write_text("ignored,1\n")
    (tmp_path / ".hidden.txt").write_text("hidden\n")
    docs = list(read_corpus(tmp_path))
    assert [d.id for d in docs] == ["a.md", "b/c.txt.gz", "b/z.txt"]
    assert docs[1].text == "gzipped text\n"
    assert docs[0].source is None and docs[2].source == "b"


def test_single_file_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("just one\n")
    (doc,) = read_corpus(path)
    assert doc.id == "one.txt" and doc.text == "just one\n"


def test_html_goes_through_trafilatura_with_metadata(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML)
    (tmp_path / "page2.htm.gz").write_bytes(gzip.compress(HTML.encode()))
    docs = list(read_corpus(tmp_path))
    assert [d.id for d in docs] == ["page.html", "page2.htm.gz"]
    doc = docs[0]
    assert "strong earthquake shook the valley" in doc.text
    assert "Home | World | Sport" not in doc.text and "Copyright" not in doc.text
    assert doc.meta["title"] == "Quake shakes the valley"
    assert doc.meta["author"] == "Ann Reporter"
    assert doc.source == "valleynews.example"


def test_jsonl_with_configurable_fields_and_gzip(tmp_path: Path) -> None:
    rows = [{"body": "first text", "key": "a1", "link": "https://www.example.org/x", "extra": 7},
            {"body": "second text", "publisher": "Daily"}]
    data = "".join(json.dumps(r) + "\n" for r in rows)
    (tmp_path / "c.jsonl").write_text(data)
    (tmp_path / "c2.jsonl.gz").write_bytes(gzip.compress(data.encode()))
    options = ReadOptions(text_field="body", id_field="key", url_field="link", source_field="publisher")
    for name in ("c.jsonl", "c2.jsonl.gz"):
        docs = list(read_corpus(tmp_path / name, options))
        assert [d.text for d in docs] == ["first text", "second text"]
        assert docs[0].id == "a1" and docs[1].id == f"{name}:2"
        assert docs[0].source == "example.org" and docs[1].source == "Daily"
        assert docs[0].meta["fields"]["extra"] == 7


def test_missing_path_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file or directory"):
        list(read_corpus(tmp_path / "nope"))


def test_bad_files_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("good text\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 cr\xe8me\n".encode("cp1252"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "broken.txt.gz").write_bytes(b"not gzip at all")
    problems: list = []
    docs = {d.id: d for d in read_corpus(tmp_path, problems=problems)}
    assert set(docs) == {"good.txt", "empty.txt", "latin.txt"}
    assert docs["latin.txt"].text == "café crème\n"
    messages = {Path(p.path).name: (p.message, p.fatal) for p in problems}
    assert messages["binary.txt"] == ("binary file (contains NUL bytes), not text", True)
    assert messages["latin.txt"] == ("not valid UTF-8; decoded as cp1252", False)
    assert messages["empty.txt"] == ("empty file", False)
    assert messages["broken.txt.gz"][1] is True and "cannot read" in messages["broken.txt.gz"][0]


def test_malformed_jsonl_reports_line_numbers_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "one"}\n{broken\n\n[1, 2]\n{"title": "no text"}\n{"text": "five"}\n')
    problems: list = []
    docs = list(read_corpus(path, problems=problems))
    assert [d.text for d in docs] == ["one", "five"]
    assert [(p.line, p.fatal) for p in problems] == [(2, True), (4, True), (5, True)]
    assert "malformed JSON" in problems[0].message
    assert "no string field 'text'" in problems[2].message
    with pytest.raises(CorpusError, match="c.jsonl:2"):
        list(read_corpus(path))  # without a problems list the first fatal problem raises


def test_mirror_writer_keeps_layout_and_turns_html_into_txt(tmp_path: Path) -> None:
    docs = [Document("a/b.html", "html text"), Document("c.txt", "plain"), Document("d.txt.gz", "zipped")]
    summary = write_corpus(docs, tmp_path / "out")
    assert summary.written == 3 and not summary.failures
    assert (tmp_path / "out/a/b.txt").read_text() == "html text"
    assert (tmp_path / "out/c.txt").read_text() == "plain"
    assert gzip.decompress((tmp_path / "out/d.txt.gz").read_bytes()) == b"zipped"


def test_jsonl_writer_keeps_original_fields(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "x", "text": "old", "url": "https://e.org/1", "lang": "en"}) + "\n")
    docs = [d.evolve(text="new") for d in read_corpus(src)]
    write_corpus(docs, tmp_path / "out", format="jsonl", jsonl_name="in.jsonl")
    (row,) = [json.loads(line) for line in (tmp_path / "out/in.jsonl").read_text().splitlines()]
    assert row == {"id": "x", "text": "new", "url": "https://e.org/1", "lang": "en", "source": "e.org"}


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_corpus([Document("keep.txt", "from an earlier run")], out)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ccio.os, "replace", disk_full)
    summary = write_corpus([Document("keep.txt", "new text"), Document("other.txt", "x")], out)
    assert summary.written == 0
    assert len(summary.failures) == 2 and "No space left on device" in summary.failures[0]
    assert sorted(os.listdir(out)) == [".cleancorpus-manifest", "keep.txt"]  # no temporary file left behind
    assert (out / "keep.txt").read_text() == "from an earlier run"
    assert (out / "keep.txt").read_text() == "from an earlier run"  # old file intact


def test_output_inside_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    with pytest.raises(CorpusError, match="inside the input"):
        ccio.check_output_location(tmp_path / "in", tmp_path / "in" / "out")
    with pytest.raises(CorpusError, match="inside the input"):
        ccio.check_output_location(tmp_path / "in", tmp_path / "in")
    ccio.check_output_location(tmp_path / "in", tmp_path / "in-clean")  # beside it is fine


def test_repeated_jsonl_ids_are_kept_apart_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "a", "text": "two"}\n')
    problems: list = []
    docs = list(read_corpus(path, problems=problems))
    assert [d.id for d in docs] == ["a", "a#2"] and [d.text for d in docs] == ["one", "two"]
    assert problems[0].line == 2 and not problems[0].fatal and "already used" in problems[0].message


def test_a_folder_without_readable_files_and_a_file_as_output_are_errors(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.csv").write_text("a,b\n")
    with pytest.raises(CorpusError, match="no files cleancorpus reads in this folder"):
        list(read_corpus(tmp_path / "in"))
    (tmp_path / "out.txt").write_text("")
    with pytest.raises(CorpusError, match="exists and is not a folder"):
        ccio.check_output_location(tmp_path / "in", tmp_path / "out.txt")


def test_the_source_of_an_html_page_is_its_host_or_with_a_setting_its_domain(tmp_path: Path) -> None:
    from dataclasses import replace

    body = "<p>" + "A paragraph of real news text about the council. " * 20 + "</p>"
    for name, url in (("a.html", "https://alice.wordpress.com/2020/01/post"),
                      ("b.html", "https://bob.wordpress.com/2021/02/post")):
        (tmp_path / name).write_text(f'<html><head><link rel="canonical" href="{url}"></head>'
                                     f"<body><article>{body}</article></body></html>")
    by_host = {d.id: d.source for d in read_corpus(tmp_path)}
    assert by_host == {"a.html": "alice.wordpress.com", "b.html": "bob.wordpress.com"}
    options = replace(ccio.ReadOptions(), source_by="domain")
    assert {d.source for d in read_corpus(tmp_path, options)} == {"wordpress.com"}
    records = [{"text": "x", "url": "https://news.example.co.uk/a"}]
    from cleancorpus import from_records

    assert from_records(records)[0].source == "news.example.co.uk"
    assert from_records(records, options=options)[0].source == "example.co.uk"
