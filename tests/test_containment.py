"""Containment candidates: excerpts are found whatever their Jaccard; shared quotes are not flagged."""

from __future__ import annotations

import numpy as np
import pytest

from cleancorpus import DedupSettings, Document, NearDuplicateDetector, find_duplicates
from cleancorpus.dedup.containment import sample_mask
from test_dedup import story


def excerpt(text: str, share: float) -> str:
    words = text.split(" ")
    return " ".join(words[: int(len(words) * share)])


def pair_ids(detector: NearDuplicateDetector, pairs) -> set[tuple[str, str]]:
    return {tuple(sorted((detector.infos[a].id, detector.infos[b].id))) for a, b in pairs}


def corpus_with_excerpts() -> list[Document]:
    docs = [Document(f"a{i}", story(500 + i, 700)) for i in range(30)]
    docs += [Document(f"a{i}-excerpt", excerpt(docs[i].text, 0.2 + 0.05 * (i % 4))) for i in range(12)]
    return docs


def test_sampling_is_a_fixed_share_of_shingles_and_the_same_everywhere() -> None:
    values = np.random.default_rng(1).integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)
    for rate in (4, 8, 10):
        share = sample_mask(values, rate).mean()
        assert abs(share - 1 / rate) < 0.01, (rate, share)
    assert (sample_mask(values[:1000], 8) == sample_mask(values, 8)[:1000]).all()


def test_an_excerpt_of_a_quarter_is_a_candidate_and_flagged_though_jaccard_banding_misses_it() -> None:
    docs = corpus_with_excerpts()
    without = NearDuplicateDetector(DedupSettings(containment_candidates="none"))
    without.add(docs)
    jaccard_only = pair_ids(without, without._candidate_arrays()[0])
    wanted = {(f"a{i}", f"a{i}-excerpt") for i in range(12)}
    assert len(wanted - jaccard_only) >= 6, "the corpus must hold excerpts the Jaccard LSH misses"

    detector = NearDuplicateDetector(DedupSettings())
    detector.add(docs)
    assert wanted <= pair_ids(detector, detector._candidate_arrays()[1])
    result = detector.cluster()
    flagged = {(c.representative, m.id) for c in result.clusters for m in c.members}
    assert wanted <= flagged
    for cluster in result.clusters:
        for member in cluster.members:
            assert member.containment >= 0.9 and member.jaccard < 0.4
    assert len(result.clusters) == 12  # nothing else joined


def test_stories_sharing_a_long_statement_or_a_boilerplate_paragraph_are_never_flagged() -> None:
    statement = story(9000, 60)  # a statement quoted word for word by every story
    boilerplate = story(9001, 45)  # the "about the company" block under every press story
    docs = []
    for i in range(40):
        body = story(700 + i, 250).split("\n\n")
        body.insert(len(body) // 2, statement)
        docs.append(Document(f"quote{i}", "\n\n".join(body)))
        docs.append(Document(f"press{i}", story(800 + i, 200) + "\n\n" + boilerplate))
    detector = NearDuplicateDetector(DedupSettings())
    detector.add(docs)
    result = detector.cluster()
    assert result.clusters == []
    a, b = detector.index_of["quote0"], detector.index_of["quote1"]
    assert detector.similarity(a, b)[1] < 0.5  # well under the 0.9 containment threshold


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_numpy_ensemble_equals_datasketch_minhashlshensemble(threshold: float) -> None:
    docs = corpus_with_excerpts()[:24]
    docs += [Document(f"part{i}", excerpt(docs[i].text, 0.35 + 0.1 * (i % 5))) for i in range(0, 20, 2)]
    docs += [Document(f"copy{i}", docs[i].text + " The end.") for i in range(0, 20, 4)]
    found = []
    for method in ("ensemble", "datasketch"):
        detector = NearDuplicateDetector(DedupSettings(containment=threshold, containment_candidates=method))
        detector.add(docs)
        found.append(pair_ids(detector, detector._candidate_arrays()[1]))
    ours, theirs = found
    assert {(f"a{i}", f"copy{i}") for i in range(0, 20, 4)} <= theirs
    assert ours == theirs


def test_containment_search_can_be_turned_off_and_excerpts_are_then_missed() -> None:
    docs = corpus_with_excerpts()
    off = find_duplicates(docs, DedupSettings(containment_candidates="none"))
    on = find_duplicates(docs)
    members = lambda r: {m.id for c in r.clusters for m in c.members}  # noqa: E731
    assert len(members(on)) > len(members(off))
