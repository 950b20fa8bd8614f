"""Golden outputs: speed work must never change what the pipeline does.

``tests/golden/pipeline.json`` was recorded from the pipeline before the speed work on
the corpus ``golden_corpus.build_rows`` makes (cruft of three kinds of site, comment
sections, repeated titles, name variants, reprints). Each test compares every document's
cleaned text (digest), every removal and respelling record, and every duplicate verdict.
"""

from __future__ import annotations

import json

import pytest

from golden_corpus import GOLDEN, build_rows, outputs


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(GOLDEN.read_text())


def test_the_pipeline_gives_the_recorded_outputs(expected: dict) -> None:
    got = outputs(build_rows())
    assert sorted(got) == sorted(expected)
    different = [doc_id for doc_id in expected if got[doc_id] != expected[doc_id]]
    assert different == [], f"{len(different)} documents differ, first: {different[:3]}"


def test_several_jobs_give_the_recorded_outputs_in_order(expected: dict) -> None:
    from cleancorpus import Document, DuplicateOf, LineRemoval, Pipeline, Settings
    from cleancorpus.dedup import DedupSettings

    rows = build_rows()
    docs = [Document(r["id"], r["text"], r["source"]) for r in rows]
    out = list(Pipeline(Settings(jobs=2)).run(iter(docs)))  # a stream: spooled, in workers
    assert [d.id for d in out] == [r["id"] for r in rows]
    for doc in out:
        want = expected[doc.id]
        assert [[r.line, r.rule, r.detail] for r in doc.records_of(LineRemoval)] == want["removed"]
        assert len(doc.records_of(DuplicateOf)) == len(want["duplicate_of"])
