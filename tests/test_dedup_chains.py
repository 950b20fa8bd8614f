"""Near-duplicate clusters do not chain: nothing is dropped that is not a verified
near-duplicate of the document kept for it (chains, stars, ties; one job, several, the
index; the Dask engine's copy of this is in test_dask.py)."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

from cleancorpus import DedupSettings, Document, find_duplicates
from cleancorpus.dedup import DocInfo, NearDuplicateDetector
from cleancorpus.dedup.clusters import greedy_clusters
from cleancorpus.dedup.index import DuplicateIndex, IndexError_
from cleancorpus.engines.local import run_stages
from conftest import run_cli
from test_dedup import story


def paragraphs(seed: int, n: int) -> list[str]:
    """``n`` distinct paragraphs of about 40 words."""
    return [story(seed * 100 + k, 40).replace("\n\n", " ") for k in range(n)]


def chain(length: int, seed: int = 1, prefix: str = "c") -> list[Document]:
    """``length`` documents of eight paragraphs, each sharing five with the one before
    (Jaccard about 0.43) and two or fewer with the one before that (about 0.13). Each is
    longer than the next (one long word pads the last paragraph), so the longest-first
    order walks the chain from its start."""
    every = paragraphs(seed, 8 + 3 * (length - 1))
    bodies = ["\n\n".join(every[3 * k:3 * k + 8]) for k in range(length)]
    longest = max(len(b) for b in bodies)
    return [Document(f"{prefix}{k}.txt", body + " z" + "z" * (longest - len(body) + 10 * (length - k)))
            for k, body in enumerate(bodies)]


def similarity(docs: list[Document]) -> dict[tuple[str, str], tuple[float, float]]:
    detector = NearDuplicateDetector()
    detector.add(docs)
    return {(docs[i].id, docs[j].id): detector.similarity(i, j)
            for i in range(len(docs)) for j in range(len(docs)) if i != j}


def assert_no_member_below_the_thresholds(docs: list[Document], clusters, settings=DedupSettings()) -> None:
    measured = similarity(docs)
    for cluster in clusters:
        for member in cluster.members:
            jaccard, containment = measured[(cluster.representative, member.id)]
            assert jaccard >= settings.threshold or containment >= settings.containment, (cluster, member)
            assert member.jaccard == pytest.approx(jaccard)


def test_a_chain_becomes_two_clusters_and_its_far_end_is_kept() -> None:
    docs = chain(3)
    measured = similarity(docs)
    assert measured[("c0.txt", "c1.txt")][0] > 0.4 and measured[("c1.txt", "c2.txt")][0] > 0.4
    assert measured[("c0.txt", "c2.txt")][0] < 0.2  # the ends are different stories
    result = find_duplicates(docs)
    assert [(c.representative, [m.id for m in c.members]) for c in result.clusters] == [("c0.txt", ["c1.txt"])]
    assert [r.to_dict() for r in result.related] == [{"documents": ["c0.txt", "c1.txt", "c2.txt"],
                                                      "kept": ["c0.txt", "c2.txt"]}]
    assert result.to_dict()["related"] == [r.to_dict() for r in result.related]


def test_a_long_chain_never_attaches_below_the_thresholds_in_any_order_or_jobs() -> None:
    docs = chain(7) + chain(4, seed=2, prefix="d")
    expected = find_duplicates(docs)
    assert_no_member_below_the_thresholds(docs, expected.clusters)
    dropped = {m.id for c in expected.clusters for m in c.members}
    kept = {d.id for d in docs} - dropped
    assert {"c0.txt", "c2.txt", "c4.txt", "c6.txt", "d0.txt", "d2.txt"} <= kept  # every other link is kept
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    assert find_duplicates(shuffled).to_dict() == expected.to_dict()
    detector = NearDuplicateDetector()  # on the local engine: two workers, partitions of 2
    list(run_stages(iter(shuffled), [detector], jobs=2, partition_size=2))
    parallel = detector.result
    assert parallel.to_dict()["clusters"] == expected.to_dict()["clusters"]
    assert parallel.to_dict()["related"] == expected.to_dict()["related"]


def star(center_first: bool) -> list[Document]:
    """A center sharing five of eight paragraphs with each of three points that share
    nothing with each other; dates order them (``earliest``) center first or a point first."""
    center_body = paragraphs(7, 8)
    docs = [Document("center.txt", "\n\n".join(center_body), meta={"date": "2024-01-02" if center_first else
                                                                   "2024-01-05"})]
    for k in range(3):
        own = paragraphs(20 + k, 3)
        picked = center_body[:5] if k == 0 else center_body[3:8] if k == 1 else center_body[:2] + center_body[5:8]
        docs.append(Document(f"point{k}.txt", "\n\n".join(picked + own),
                             meta={"date": f"2024-01-0{3 + k}" if center_first else f"2024-01-0{1 if k == 0 else 6}"}))
    return docs


def test_a_star_is_one_cluster_from_its_center_and_split_from_a_point() -> None:
    earliest = DedupSettings(representative="earliest")
    docs = star(center_first=True)
    result = find_duplicates(docs, earliest)
    assert [(c.representative, [m.id for m in c.members]) for c in result.clusters] == \
        [("center.txt", ["point0.txt", "point1.txt", "point2.txt"])]
    assert result.related == []
    docs = star(center_first=False)  # point0 is the earliest: the center joins it, the other points stay
    result = find_duplicates(docs, earliest)
    assert [(c.representative, [m.id for m in c.members]) for c in result.clusters] == [("point0.txt", ["center.txt"])]
    assert result.related[0].kept == ["point0.txt", "point1.txt", "point2.txt"]
    assert_no_member_below_the_thresholds(docs, result.clusters)


def test_ties_in_the_representative_order_are_broken_by_id_whatever_the_edge_order() -> None:
    infos = {k: DocInfo(name, 100) for k, name in enumerate(["b", "a", "c", "d"])}
    edges = [(0, 1, 0.5, 0.6), (1, 2, 0.5, 0.6), (2, 3, 0.9, 0.9), (0, 3, 0.45, 0.5)]
    expected = greedy_clusters(edges, infos)
    for seed in range(5):
        shuffled = edges[:]
        random.Random(seed).shuffle(shuffled)
        flipped = [(b, a, j, c) if random.Random(seed + len(shuffled)).random() < 0.5 else (a, b, j, c)
                   for a, b, j, c in shuffled]
        assert greedy_clusters(flipped, infos) == expected
    clusters, related = expected
    # all of length 100: "a" is first by id and kept; b and c attach to it; d's kept neighbours
    # are none (c and b are members), so d is kept alone
    assert [(c.representative, [m.id for m in c.members]) for c in clusters] == [("a", ["b", "c"])]
    assert related[0].kept == ["a", "d"]


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0.4, 1.0)), max_size=40),
       st.lists(st.integers(1, 5), min_size=12, max_size=12))
def test_greedy_clusters_attach_only_along_verified_pairs(pairs, lengths) -> None:
    """Any graph: each member has a verified pair with its representative, no two kept
    documents have one (else the later would have been attached), every document of a pair
    is kept or a member exactly once."""
    infos = {k: DocInfo(f"d{k:02d}", lengths[k]) for k in range(12)}
    edges = [(a, b, j, j) for a, b, j in pairs if a != b]
    clusters, related = greedy_clusters(edges, infos)
    linked = {frozenset((infos[a].id, infos[b].id)) for a, b, _, _ in edges}
    members = [m.id for c in clusters for m in c.members]
    assert len(members) == len(set(members))
    for c in clusters:
        assert all(frozenset((c.representative, m.id)) in linked for m in c.members)
    kept = {infos[k].id for a, b, _, _ in edges for k in (a, b)} - set(members)
    assert not any(frozenset((x, y)) in linked for x in kept for y in kept if x < y)
    assert {c.representative for c in clusters} <= kept
    for group in related:
        assert len(group.kept) > 1 and set(group.kept) <= kept


def test_normalize_drops_only_what_duplicates_the_kept_document(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for doc in chain(3):
        (corpus / doc.id).write_text(doc.text, encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("normalize", corpus, "-o", out, "--drop-duplicates", "--isolated")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.txt")) == ["c0.txt", "c2.txt"]  # c2 is not a copy of c0
    report = json.loads((out / "cleancorpus-report.json").read_text())
    assert report["totals"]["documents_dropped_as_duplicates"] == 1
    assert report["related"] == [{"documents": ["c0.txt", "c1.txt", "c2.txt"], "kept": ["c0.txt", "c2.txt"]}]
    listed = json.loads(run_cli("dedup", corpus, "--json", "--isolated").stdout)
    assert listed["clusters"][0]["members"][0]["id"] == "c1.txt"
    assert listed["clusters"][0]["members"][0]["jaccard"] >= 0.4
    assert listed["related"] == report["related"]
    text = run_cli("dedup", corpus, "--isolated").stdout
    assert "related (a chain, for review; nothing dropped through it): c0.txt c1.txt c2.txt" in text


def test_the_index_attaches_across_runs_only_to_kept_documents(tmp_path: Path) -> None:
    path = tmp_path / "corpus.idx"
    docs = chain(3)
    index = DuplicateIndex(path)
    first, _ = index.check_and_add(docs[:2])  # c1 duplicates c0: c1 is not kept
    assert [(m.id, m.other, m.indexed) for m in first] == [("c1.txt", "c0.txt", False)]
    second, _ = index.check_and_add(docs[2:])  # c2 is like c1 only, and c1 was not kept
    assert second == []
    index.close()
    stored = dict(sqlite3.connect(path).execute("SELECT id, duplicate_of FROM documents"))
    assert stored == {"c0.txt": None, "c1.txt": "c0.txt", "c2.txt": None}


def test_an_index_from_before_duplicate_of_counts_its_documents_as_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.idx"
    docs = chain(3)
    DuplicateIndex(path).check_and_add(docs[:2], add=True)
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE documents DROP COLUMN duplicate_of")  # as an index of the first format was
    db.commit()
    db.close()
    index = DuplicateIndex(path)
    found, _ = index.check_and_add(docs[2:])
    assert [(m.id, m.other) for m in found] == [("c2.txt", "c1.txt")]  # c1 counted as kept
    index.close()


@pytest.mark.parametrize("tamper, message", [
    ("UPDATE documents SET signature = x'00' WHERE id = 'c0.txt'", "signature is 1 bytes"),
    ("UPDATE documents SET signature = NULL WHERE id = 'c0.txt'", "signature is NoneType"),
    ("UPDATE documents SET shingles = 'text' WHERE id = 'c0.txt'", "shingle set is str"),
    ("UPDATE documents SET shingles = x'000000' WHERE id = 'c0.txt'", "shingle set is 3 bytes"),
    ("UPDATE documents SET length = 'long' WHERE id = 'c0.txt'", "length is 'long'"),
])
def test_a_tampered_index_is_one_line_error_naming_the_document(tmp_path: Path, tamper: str, message: str) -> None:
    path = tmp_path / "corpus.idx"
    DuplicateIndex(path).check_and_add(chain(2))
    db = sqlite3.connect(path)
    db.execute(tamper)
    db.commit()
    db.close()
    with pytest.raises(IndexError_, match=f"document 'c0.txt': its {message}"):
        DuplicateIndex(path).check_and_add(chain(3)[2:])
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "new.txt").write_text(chain(3)[2].text, encoding="utf-8")
    done = run_cli("dedup", batch, "--index", path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "c0.txt" in done.stderr
