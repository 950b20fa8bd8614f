"""Near-duplicates: verification, containment, clusters, representatives, determinism, index, seeds."""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

import pytest

from cleancorpus import DedupSettings, Document, NearDuplicateDetector, find_duplicates
from cleancorpus.dedup import SketchSettings
from cleancorpus.dedup.index import DuplicateIndex, IndexError_
from cleancorpus.engines.local import run_stages
from conftest import run_cli

WORDS = ("minister talks border peace army village river council vote budget market bank energy gas "
         "school court judge police storm harbour airport railway factory strike union farmer harvest "
         "festival museum bridge election protest treaty summit ceasefire refugee hospital doctor "
         "teacher student festival winter summer drought flood mountain valley coast island").split()


def story(seed: int, words: int = 120) -> str:
    rng = random.Random(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + ".")
    return "\n\n".join(sentences)


def edited(text: str, seed: int) -> str:
    """A republication: another outlet's cruft line, one sentence changed."""
    rng = random.Random(seed)
    parts = text.split("\n\n")
    parts[rng.randrange(len(parts))] = "The outlet added its own sentence here about something else."
    return "Share This Article\n\n" + "\n\n".join(parts)


def corpus() -> list[Document]:
    docs = [Document(f"s{i}.txt", story(i)) for i in range(12)]
    docs.append(Document("s0-copy.txt", edited(docs[0].text, 1)))
    docs.append(Document("s0-copy2.txt", edited(docs[0].text, 2)))
    half = docs[3].text.split("\n\n")
    docs.append(Document("s3-trimmed.txt", "\n\n".join(half[: len(half) * 2 // 3])))
    return docs


def test_clusters_of_three_with_the_longest_as_representative() -> None:
    result = find_duplicates(corpus())
    assert len(result.clusters) == 2
    three, two = sorted(result.clusters, key=lambda c: -len(c.members))
    group = [three.representative, *(m.id for m in three.members)]
    assert set(group) == {"s0.txt", "s0-copy.txt", "s0-copy2.txt"}
    lengths = {d.id: len(d.text) for d in corpus()}
    assert three.representative == max(group, key=lambda i: (lengths[i], i))
    assert two.representative == "s3.txt" and [m.id for m in two.members] == ["s3-trimmed.txt"]


def test_containment_finds_a_trimmed_version() -> None:
    result = find_duplicates(corpus())
    (member,) = [m for c in result.clusters for m in c.members if m.id == "s3-trimmed.txt"]
    assert member.containment > 0.95 and member.jaccard < 0.8
    strict = find_duplicates(corpus(), DedupSettings(containment=None, threshold=0.8))
    assert "s3-trimmed.txt" not in {m.id for c in strict.clusters for m in c.members}


def test_candidates_are_verified_before_they_count(monkeypatch: pytest.MonkeyPatch) -> None:
    loose = DedupSettings()
    detector = NearDuplicateDetector(loose)
    detector.add(corpus())
    real = detector.candidate_pairs()
    # an LSH false positive: two unrelated stories proposed as candidates
    import numpy as np

    fake = np.array(sorted(real | {(1, 2), (5, 9)}), dtype=np.int64)
    monkeypatch.setattr(detector, "_candidate_arrays", lambda: (fake, np.zeros((0, 2), dtype=np.int64)))
    result = detector.cluster()
    assert result.candidates == len(real) + 2 and result.verified == len(real)
    flagged = {m.id for c in result.clusters for m in c.members} | {c.representative for c in result.clusters}
    assert flagged == {"s0.txt", "s0-copy.txt", "s0-copy2.txt", "s3.txt", "s3-trimmed.txt"}
    for cluster in result.clusters:
        for member in cluster.members:
            assert member.jaccard >= loose.threshold or member.containment >= loose.containment


def test_numpy_banding_equals_datasketch_minhashlsh() -> None:
    docs = corpus()
    ours = NearDuplicateDetector(DedupSettings(lsh_threshold=0.2, containment_candidates="none"))
    ours.add(docs)
    theirs = NearDuplicateDetector(DedupSettings(lsh_threshold=0.2, lsh_backend="datasketch",
                                                 containment_candidates="none"))
    theirs.add(docs)
    assert ours.candidate_pairs() == theirs.candidate_pairs()


def test_datasketch_signature_method_finds_the_same_clusters() -> None:
    classic = find_duplicates(corpus(), DedupSettings(sketch=SketchSettings(method="datasketch")))
    assert classic.to_dict()["clusters"] == find_duplicates(corpus()).to_dict()["clusters"]


def test_representative_rules() -> None:
    docs = [Document("a.txt", story(50), source="wire", meta={"date": "2024-03-02"}),
            Document("b.txt", story(50) + "\n\nOne more closing line for this version.", source="daily",
                     meta={"date": "2024-03-05"}),
            Document("c.txt", edited(story(50), 3), source="blog", meta={"date": "2024-03-01"})]
    assert find_duplicates(docs).clusters[0].representative == "b.txt"
    assert find_duplicates(docs, DedupSettings(representative="earliest")).clusters[0].representative == "c.txt"
    preferred = DedupSettings(representative="source", preferred_sources=("wire", "daily"))
    assert find_duplicates(docs, preferred).clusters[0].representative == "a.txt"


def test_same_clusters_in_any_order_and_any_number_of_jobs() -> None:
    docs = corpus()
    expected = find_duplicates(docs).to_dict()
    shuffled = docs[:]
    random.Random(4).shuffle(shuffled)
    assert find_duplicates(shuffled).to_dict() == expected
    parallel = NearDuplicateDetector()  # on the local engine: two workers, partitions of 3
    list(run_stages(iter(shuffled), [parallel], jobs=2, partition_size=3))
    assert parallel.result.to_dict()["clusters"] == expected["clusters"]


def test_index_round_trip_and_settings_check(tmp_path: Path) -> None:
    docs = corpus()
    path = tmp_path / "corpus.idx"
    index = DuplicateIndex(path)
    matches, _ = index.check_and_add(docs[:12])
    assert matches == [] and len(index) == 12
    index.close()
    again = DuplicateIndex(path)
    matches, skipped = again.check_and_add(docs[12:] + docs[:1])
    assert skipped == ["s0.txt"]
    pairs = {(m.id, m.other, m.indexed) for m in matches}
    assert ("s0-copy.txt", "s0.txt", True) in pairs and ("s3-trimmed.txt", "s3.txt", True) in pairs
    # each new duplicate is reported once, against a kept document (the indexed original), never
    # against another copy
    assert ("s0-copy2.txt", "s0.txt", True) in pairs and len(matches) == len({m.id for m in matches}) == 3
    assert len(again) == 15
    again.close()
    with pytest.raises(IndexError_, match="sketch settings"):
        DuplicateIndex(path, DedupSettings(sketch=SketchSettings(shingle_size=3)))


def test_an_interrupted_add_leaves_the_index_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.idx"
    index = DuplicateIndex(path)
    index.check_and_add(corpus()[:5])

    def insert_then_die(rows):
        index.db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)", rows[:2])
        raise KeyboardInterrupt

    monkeypatch.setattr(index, "_insert", insert_then_die)
    with pytest.raises(KeyboardInterrupt):
        index.check_and_add(corpus()[5:])
    index.close()
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 5


def test_seeds_are_five_stories_and_a_resaved_seed_is_found(seeds: Path, tmp_path: Path) -> None:
    alone = run_cli("dedup", seeds, "--json")
    assert alone.returncode == 0, alone.stderr
    assert json.loads(alone.stdout)["clusters"] == []
    original = (seeds / "004_d438aeefcfbf1390.txt").read_text(encoding="utf-8")
    resaved = "Skip to content\n\nSign up for our newsletter\n\n" + original.replace("Pashinyan", "Pashinian") \
        .replace("XS\nSM\nMD\nLG", "Get the Mirror in your inbox:")
    (seeds / "zz_resaved.txt").write_text(resaved, encoding="utf-8")
    found = json.loads(run_cli("dedup", seeds, "--json").stdout)
    (cluster,) = found["clusters"]
    assert {cluster["representative"], *(m["id"] for m in cluster["members"])} == \
        {"004_d438aeefcfbf1390.txt", "zz_resaved.txt"}
    assert set(cluster["members"][0]) == {"id", "jaccard", "containment"}
    assert found["settings"]["threshold"] == DedupSettings().threshold
    out = tmp_path / "out"
    normalized = run_cli("normalize", seeds, "-o", out, "--drop-duplicates")
    assert normalized.returncode == 0
    written = sorted(p.name for p in out.glob("*.txt"))
    assert len(written) == 5 and re.search(r"^duplicate clusters +1$", normalized.stderr, re.M)
    report = json.loads((out / "cleancorpus-report.json").read_text())
    records = [json.loads(line) for line in (out / "cleancorpus-records.jsonl").read_text().splitlines()]
    duplicate = [d for d in records if d["duplicate_of"]]
    assert len(duplicate) == 1 and duplicate[0]["duplicate_of"]["jaccard"] > 0.9
    assert report["totals"]["documents_dropped_as_duplicates"] == 1


def test_explain_a_pair(seeds: Path) -> None:
    result = run_cli("dedup", seeds, "--explain", "000_4dc42c2cc4e86bcb.txt", "003_5b75a778aa4bdc70.txt")
    assert result.returncode == 0
    assert "not duplicates" in result.stdout and "shared: \"" in result.stdout
    assert run_cli("dedup", seeds, "--explain", "000_4dc42c2cc4e86bcb.txt", "nope").returncode == 2


def test_dedup_index_cli(seeds: Path, tmp_path: Path) -> None:
    idx = tmp_path / "seeds.idx"
    first = run_cli("dedup", seeds, "--index", idx, "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["added"] == 5
    batch = tmp_path / "batch"
    batch.mkdir()
    text = (seeds / "001_ea6e1a5ba1303e2b.txt").read_text(encoding="utf-8")
    (batch / "copy.txt").write_text("Top of page\n\n" + text, encoding="utf-8")
    second = json.loads(run_cli("dedup", batch, "--index", idx, "--json").stdout)
    assert second["indexed_before"] == 5 and second["added"] == 1
    assert second["duplicates"][0]["other"] == "001_ea6e1a5ba1303e2b.txt"
    assert second["duplicates"][0]["indexed"] is True


def test_vectorized_densification_matches_the_probe_loop() -> None:
    """densify() fills every empty bin from the first non-empty bin along its probe
    sequence: the same values as the one-bin-at-a-time loop it replaced."""
    import numpy as np

    from cleancorpus.dedup.shingles import mix64
    from cleancorpus.dedup.signatures import _EMPTY, densify

    def reference(signature: np.ndarray, seed: int) -> np.ndarray:
        signature = signature.copy()
        k = len(signature)
        filled = signature != _EMPTY
        if not filled.any():
            return signature
        source = signature.copy()
        for b in np.flatnonzero(~filled):
            attempt = 0
            while True:
                attempt += 1
                probe = int(mix64(np.array([(seed << 40) ^ (int(b) << 20) ^ attempt], dtype=np.uint64))[0]) % k
                if filled[probe]:
                    signature[b] = source[probe]
                    break
        return signature

    rng = np.random.default_rng(3)
    for seed in (1, 7, 12345):
        block = rng.integers(0, 2**63, size=(40, 128), dtype=np.uint64)
        for row, keep in enumerate(rng.integers(0, 129, size=40)):
            block[row, rng.permutation(128)[keep:]] = _EMPTY  # from all bins filled to none
        expected = np.vstack([reference(row, seed) for row in block])
        assert np.array_equal(densify(block, seed), expected)


def test_band_parameters_are_datasketchs_choice() -> None:
    """The (bands, rows) optimiser runs in numpy; it must choose what datasketch's does."""
    import random

    from datasketch.lsh import _optimal_param

    from cleancorpus.dedup.lsh import band_parameters

    rng = random.Random(3)
    cases = [(0.4, 128), (0.5, 128), (0.9, 64), (0.05, 16), (0.99, 2)]
    cases += [(round(rng.uniform(0.01, 0.99), 3), rng.choice([8, 32, 100, 200])) for _ in range(8)]
    for threshold, num_perm in cases:
        assert band_parameters(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5), (threshold, num_perm)
