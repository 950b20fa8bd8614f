"""Python pipelines: dicts, data frames, Arrow tables and batched maps in and out."""

from __future__ import annotations

import sys

import pytest

import cleancorpus
from cleancorpus import Document, Pipeline, ReadOptions, Settings
from cleancorpus.adapters import MissingExtra
from test_dedup import story

CRUFT = "Share This Article"


def records() -> list[dict]:
    rows = []
    for i in range(6):
        rows.append({"id": f"r{i}", "lang": "en", "text": f"{CRUFT}\n\n{story(40 + i, 150)}", "score": i / 10})
    rows.append({"id": "r0-copy", "text": rows[0]["text"] + "\n\nOne more sentence at the end.", "lang": "en",
                 "score": 0.9})
    rows.append({"id": "r7", "text": "Nikol Pashinian met the council.", "lang": "hy", "score": None})
    return rows


def test_pipeline_run_takes_dicts_and_keeps_every_field_in_its_order() -> None:
    rows = records()
    out = cleancorpus.to_records(Pipeline().run(rows))
    assert [list(r)[:4] for r in out[:6]] == [["id", "lang", "text", "score"]] * 6
    assert list(out[6])[:4] == ["id", "text", "lang", "score"]
    assert all(CRUFT not in r["text"] for r in out)
    assert out[7]["text"] == "Nikol Pashinyan met the council." and out[7]["score"] is None
    assert out[0]["duplicate_of"] == "r0-copy" and "duplicate_of" not in out[1]  # the longest is kept
    assert rows[0]["text"].startswith(CRUFT)  # the caller's dicts are not changed


def test_field_names_are_options_and_a_record_without_text_is_named() -> None:
    docs = cleancorpus.from_records([{"key": 1, "body": "Some text here."}], text_field="body", id_field="key")
    assert docs[0].id == "1" and docs[0].text == "Some text here."
    back = cleancorpus.to_records(docs, text_field="body", id_field="key")
    assert back == [{"key": 1, "body": "Some text here."}]
    with pytest.raises(ValueError, match="record 2: no string field 'text'"):
        cleancorpus.from_records([{"text": "ok"}, {"body": "no text"}])
    with pytest.raises(TypeError, match="item 1: expected a Document or a mapping"):
        list(Pipeline().run([42]))


def test_every_one_call_stage_returns_a_list() -> None:
    docs = [Document("a", f"{CRUFT}\nNikol Pashinian spoke.")]
    assert isinstance(cleancorpus.remove_cruft(docs), list)
    assert isinstance(cleancorpus.normalize_names(docs), list)


def test_map_batch_applies_the_fitted_stages_to_plain_dict_batches() -> None:
    rows = records()
    pipeline = Pipeline()
    with pytest.raises(RuntimeError, match="fit"):
        pipeline.map_batch({"id": ["a"], "text": ["x"]})
    pipeline.fit(rows)
    expected = cleancorpus.to_records(Pipeline().run(rows))
    columns = {key: [r[key] for r in rows] for key in ("id", "text", "lang", "score")}
    first = pipeline.map_batch({k: v[:4] for k, v in columns.items()})
    second = pipeline.map_batch({k: v[4:] for k, v in columns.items()})
    out = {k: first[k] + second[k] for k in first}
    assert list(out) == ["id", "text", "lang", "score", "duplicate_of"]
    assert out["text"] == [r["text"] for r in expected]
    assert out["duplicate_of"] == [r.get("duplicate_of") for r in expected]
    assert out["duplicate_of"][0] == "r0-copy"


def test_map_batch_without_an_id_column_uses_the_indices() -> None:
    rows = [{"text": r["text"]} for r in records()]
    pipeline = Pipeline().fit(rows)
    columns = {"text": [r["text"] for r in rows]}
    out = pipeline.map_batch({"text": columns["text"][:2]}, indices=[0, 1])
    assert out["duplicate_of"] == ["record:7", None]  # the first record repeats the longer seventh


def test_datasets_map_batched(tmp_path) -> None:
    datasets = pytest.importorskip("datasets")
    rows = records()
    ds = datasets.Dataset.from_list(rows)
    pipeline = Pipeline().fit(ds)
    mapped = ds.map(pipeline.map_batch, batched=True, batch_size=3)
    assert mapped["duplicate_of"][0] == "r0-copy" and CRUFT not in mapped["text"][0]


def test_pandas_round_trip() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(records())
    out = cleancorpus.to_pandas(Pipeline().run(cleancorpus.from_pandas(frame)))
    assert list(out.columns)[:4] == ["id", "lang", "text", "score"]
    assert out.loc[0, "duplicate_of"] == "r0-copy" and len(out) == len(frame)


def test_arrow_round_trip() -> None:
    pyarrow = pytest.importorskip("pyarrow")
    table = pyarrow.Table.from_pylist(records())
    out = cleancorpus.to_arrow(Pipeline().run(cleancorpus.from_arrow(table)))
    assert out.num_rows == table.num_rows
    assert out.column("duplicate_of").to_pylist()[0] == "r0-copy"
    assert CRUFT not in out.column("text").to_pylist()[0]


def test_a_missing_extra_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtra) as info:
        cleancorpus.to_arrow([Document("a", "text")])
    assert str(info.value) == "pyarrow is not installed: pip install 'cleancorpus[parquet]'"
    with pytest.raises(MissingExtra, match=r"pip install 'cleancorpus\[pandas\]'"):
        cleancorpus.to_pandas([Document("a", "text")])


def test_read_options_from_settings_name_the_fields() -> None:
    settings = Settings(read=ReadOptions(text_field="body"))
    out = cleancorpus.to_records(Pipeline(settings, stages=("cruft",)).run([{"body": f"{CRUFT}\nKept line."}]),
                                 text_field="body")
    assert out == [{"body": "Kept line.", "id": "record:1"}]
