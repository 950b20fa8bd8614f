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
