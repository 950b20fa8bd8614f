"""The stage interface: for every stage that learns from the corpus, ``merge`` of ``partial``
over any split of the corpus, merged in any order and any tree, equals one ``partial`` over
all of it, and what ``finish`` learns equals the one-pass ``fit`` (the stages called directly,
as datatrove tests its steps by rank). Then the local engine on several jobs and partition
sizes against one process.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from cleancorpus import CruftRemover, Document, NearDuplicateDetector, Settings
from cleancorpus.cruft import CruftSettings, RecurrenceSettings
from cleancorpus.engines.local import run_stages
from cleancorpus.names import NameNormalizer, NameSettings
from cleancorpus.pipeline import build_stages
from cleancorpus.stages import InMemoryExchange, split_carried

sys.path.insert(0, str(Path(__file__).parent))
from conftest import prose  # noqa: E402
from golden_corpus import build_rows  # noqa: E402


def recurrence_corpus(seed: int = 0, stories: int = 25) -> list[Document]:
    """Documents that make recurrence depend on order: copies of one story on one site
    (the first copy counts; copies fall in different partitions), documents with no prose
    line, and a promo sentence on most pages of a site (learned from its first pages only)."""
    rng = random.Random(seed)
    docs = []
    stories = [[prose(k * 7 + j, 3) for j in range(rng.randint(1, 3))]
               + [f"Report number {k} said the harbour board met again on a cold Tuesday evening."]
               for k in range(stories)]  # (the last sentence is the story's own: learned or not, it shows)
    for i in range(160):
        site = f"site{i % 4}"
        lines = [f"Menu {site}", "Home | World | Sport", f"Caption {rng.randint(0, 6)}"]
        if rng.random() < 0.15:
            lines += ["Short line only", "Another short one"]  # no prose: its own story
        else:
            lines += stories[rng.randrange(len(stories))]
        if rng.random() < 0.7:
            lines.append(f"For the latest stories from {site} download our app for iOS and Android today.")
        if rng.random() < 0.3:
            lines.append(f"A background sentence that several wire stories of {site} repeat word for word.")
        docs.append(Document(f"{site}/{i}", "\n".join(lines), source=site))
    return docs


def random_split(items: list, rng: random.Random) -> list[list]:
    cuts = sorted(rng.sample(range(1, len(items)), rng.randint(1, 9)))
    return [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)])]


def merged_in_random_tree(stage, states: list, round: int, rng: random.Random):
    """``states`` merged in a random order and random grouping."""
    pool = states[:]
    rng.shuffle(pool)
    while len(pool) > 1:
        take = rng.randint(2, min(4, len(pool)))
        group, pool = pool[:take], pool[take:]
        pool.insert(rng.randrange(len(pool) + 1), stage.merge(group, round))
    return stage.merge(pool, round)


def finished(stage, state, carries: list, round: int, rng: random.Random | None = None) -> None:
    """``finish``, or for a stage that learns by shuffle ``finish_by_shuffle`` on an exchange in
    this process with a random number of buckets."""
    if stage.learns_by_shuffle:
        exchange = InMemoryExchange()
        exchange.buckets = rng.randint(1, 6) if rng is not None else 2
        stage.finish_by_shuffle(state, carries, exchange, round)
    else:
        stage.finish(state, round)


def learned_by_rounds(make_stage, docs: list[Document], rng: random.Random | None):
    """The stage after its rounds over ``docs`` in random partitions (one, with ``rng=None``;
    every round sees the same partitions, as the engines give them)."""
    stage = make_stage()
    pieces = random_split(docs, rng) if rng is not None else [docs]
    carries = [None] * len(pieces)
    for round in range(stage.rounds):
        results = [split_carried(stage.partial(part, piece, round, carry=carries[part]))
                   for part, piece in enumerate(pieces)]
        states, carries = [r[0] for r in results], [r[1] for r in results]
        if rng is None:
            state = stage.merge(states, round)
        else:
            state = merged_in_random_tree(stage, states, round, rng)
        finished(stage, state, carries, round, rng)
    return stage


def recurrence_of(remover: CruftRemover) -> tuple:
    model = remover.recurrence
    return (dict(model.doc_counts), {s: dict(c) for s, c in model.line_counts.items()}, model.repeated_stories)


@pytest.mark.parametrize("first_docs", [1, 3, 30])
def test_recurrence_rounds_over_any_partitions_equal_the_one_pass_fit(first_docs: int) -> None:
    settings = CruftSettings(recurrence_settings=RecurrenceSettings(prose_first_docs=first_docs, prose_min_docs=2,
                                                                    prose_min_share=0.1))
    docs = recurrence_corpus()
    sequential = CruftRemover(settings).fit(docs)
    assert sequential.recurrence.repeated_stories > 0  # the corpus does have copies to skip
    expected = recurrence_of(sequential)
    assert recurrence_of(learned_by_rounds(lambda: CruftRemover(settings), docs, None)) == expected
    for seed in range(6):
        learned = learned_by_rounds(lambda: CruftRemover(settings), docs, random.Random(seed))
        assert recurrence_of(learned) == expected, seed
    # and what is removed is the same
    learned = learned_by_rounds(lambda: CruftRemover(settings), docs, random.Random(9))
    assert [learned.apply(d).text for d in docs] == [sequential.apply(d).text for d in docs]


def test_recurrence_on_the_golden_corpus_in_any_partitions() -> None:
    docs = [Document(r["id"], r["text"], r["source"]) for r in build_rows()]
    expected = recurrence_of(CruftRemover().fit(docs))
    for seed in range(3):
        assert recurrence_of(learned_by_rounds(CruftRemover, docs, random.Random(seed))) == expected


def name_corpus() -> list[Document]:
    rng = random.Random(5)
    names = ["Pashinyan", "Pashinian", "Aliyev", "Aliev", "Erdogan", "Erdoğan", "Zelensky", "Zelenskyy"]
    docs = []
    for i in range(120):
        picked = rng.sample(names, 3)
        text = " ".join(f"Prime Minister {n} met officials in Yerevan on Monday, said {n} aides." for n in picked)
        docs.append(Document(f"d{i}", text + " " + prose(i, 2)))
    return docs


def test_name_discovery_over_any_partitions_equals_one_pass() -> None:
    docs = name_corpus()
    make = lambda: NameNormalizer(NameSettings(use_shipped_table=False, apply_discovered=True))  # noqa: E731
    sequential = make().fit(docs)
    assert sequential.discovered  # there is something to discover
    for seed in (None, 0, 1, 2):
        learned = learned_by_rounds(make, docs, None if seed is None else random.Random(seed))
        assert learned.discovered == sequential.discovered


def test_near_duplicates_over_any_partitions_equal_one_pass() -> None:
    rows = build_rows()
    docs = [Document(r["id"], r["text"], r["source"]) for r in rows]
    expected = NearDuplicateDetector().fit(docs).result.to_dict()
    assert expected["clusters"]
    for seed in range(3):
        assert learned_by_rounds(NearDuplicateDetector, docs, random.Random(seed)).result.to_dict() == expected


def test_merge_never_changes_the_states_it_merges() -> None:
    """A task run again (its worker lost) must find its inputs as they were."""
    import pickle

    docs = recurrence_corpus(1)
    for stage in (CruftRemover(), NearDuplicateDetector(), NameNormalizer(NameSettings(apply_discovered=True))):
        for round in range(stage.rounds):
            pieces = random_split(docs, random.Random(2))
            results = [split_carried(stage.partial(part, piece, round)) for part, piece in enumerate(pieces)]
            states = [r[0] for r in results]
            before = [pickle.dumps(s) for s in states]
            stage.merge(states, round)
            stage.merge(states[::-1], round)
            assert [pickle.dumps(s) for s in states] == before, (stage.name, round)
            finished(stage, stage.merge(states, round), [r[1] for r in results], round)


def outputs_of(docs: list[Document], settings: Settings, **engine) -> list[tuple]:
    stages = build_stages(settings)
    out = list(run_stages(iter(docs), stages, **engine))
    return [(d.id, d.text, d.records) for d in out]


def test_local_engine_gives_one_result_for_any_jobs_and_partition_size() -> None:
    docs = recurrence_corpus(3) + [Document(r["id"], r["text"], r["source"]) for r in build_rows(60)]
    settings = Settings(names=NameSettings(apply_discovered=True),
                        cruft=CruftSettings(recurrence_settings=RecurrenceSettings(prose_first_docs=5)))
    expected = outputs_of(docs, settings)
    assert any(records for _, _, records in expected)
    for jobs, size in ((1, 7), (2, 200), (2, 3)):
        assert outputs_of(docs, settings, jobs=jobs, partition_size=size) == expected, (jobs, size)


@pytest.mark.parametrize("first_docs", [3, 30])
def test_folding_states_in_place_in_any_order_equals_merging(first_docs: int) -> None:
    """``merge_into`` (what a runner that owns the total uses) gives what ``merge`` gives."""
    docs = recurrence_corpus(stories=120)  # most stories once, some copied: a copy can crowd out a story
    settings = CruftSettings(recurrence_settings=RecurrenceSettings(prose_first_docs=first_docs, prose_min_docs=2,
                                                                    prose_min_share=0.1))
    for make, expected in ((lambda: CruftRemover(settings), recurrence_of(CruftRemover(settings).fit(docs))),
                           (NearDuplicateDetector, NearDuplicateDetector().fit(docs).result.to_dict())):
        for seed in range(4):
            rng = random.Random(seed)
            stage = make()
            pieces = random_split(docs, rng)
            carries = [None] * len(pieces)
            for round in range(stage.rounds):
                results = [split_carried(stage.partial(part, piece, round, carry=carries[part]))
                           for part, piece in enumerate(pieces)]
                states, carries = [r[0] for r in results], [r[1] for r in results]
                order = list(range(len(states)))
                rng.shuffle(order)
                total = states[order[0]]
                for k in order[1:]:
                    total = stage.merge_into(total, states[k], round)
                finished(stage, total, carries, round, rng)
                if stage.name == "cruft" and round == 0:  # which copies count, what is learned: as one pass
                    one = make()
                    one.finish(split_carried(one.partial(0, docs, 0))[0], 0)
                    mine, theirs = stage.story_plan, one.story_plan  # (positions differ by partitioning)
                    assert (mine.doc_counts, mine.learned, mine.repeated_stories, set(mine.firsts)) == \
                        (theirs.doc_counts, theirs.learned, theirs.repeated_stories, set(theirs.firsts)), seed
            got = recurrence_of(stage) if stage.name == "cruft" else stage.result.to_dict()
            assert got == expected, (stage.name, seed)


def test_the_near_duplicate_shuffle_leaves_no_sketches_in_the_main_process() -> None:
    """On the plan the main process gets the clusters, never the corpus's sketches: the
    detector the engine finished holds no document's signature, and finds what ``fit`` finds."""
    docs = [Document(r["id"], r["text"], r["source"]) for r in build_rows(80)]
    expected = NearDuplicateDetector().fit(docs).result.to_dict()
    assert expected["clusters"]
    for jobs, size in ((1, 9), (2, 13)):
        detector = NearDuplicateDetector()
        list(run_stages(iter(docs), [detector], jobs=jobs, partition_size=size))
        assert detector.result.to_dict() == expected, (jobs, size)
        assert len(detector.infos) == 0, (jobs, size)


def test_a_repeated_id_on_the_plan_is_named_in_the_error() -> None:
    docs = [Document(r["id"], r["text"], r["source"]) for r in build_rows(30)]
    docs.append(Document(docs[4].id, "another text under the same id " * 20, "x"))
    with pytest.raises(ValueError, match=f"duplicate document id {docs[4].id!r}"):
        list(run_stages(iter(docs), [NearDuplicateDetector()], jobs=1, partition_size=7))


@pytest.mark.parametrize("method", ["ensemble", "datasketch"])
def test_containment_methods_that_need_the_whole_corpus_find_on_the_plan_what_fit_finds(method: str) -> None:
    """datasketch's ensemble schemes split documents by the corpus's set sizes, which no
    partition knows: the plan gathers the sketches for them instead of silently finding
    candidates without them (excerpts would be missed)."""
    from cleancorpus import DedupSettings
    from test_containment import corpus_with_excerpts, excerpt

    docs = corpus_with_excerpts()
    docs += [Document(f"part{i}", excerpt(docs[i].text, 0.35 + 0.1 * (i % 5))) for i in range(0, 20, 2)]
    settings = DedupSettings(containment=0.7, containment_candidates=method)
    expected = NearDuplicateDetector(settings).fit(docs).result.to_dict()
    without = NearDuplicateDetector(DedupSettings(containment=0.7, containment_candidates="none")).fit(docs)
    without = without.result.to_dict()
    assert expected["clusters"] != without["clusters"]  # the excerpts are found by these candidates only
    for jobs, size in ((1, 9), (2, 13)):
        detector = NearDuplicateDetector(settings)
        list(run_stages(iter(docs), [detector], jobs=jobs, partition_size=size))
        assert detector.result.to_dict() == expected, (jobs, size)


def test_a_partitions_sketches_survive_pickling_and_pairs_are_made_distinct_as_numpy_does() -> None:
    """The shuffle's pieces travel pickled (flat arrays, not an object a document), and its
    pairs are made distinct by one int64 key a pair: both must give back exactly what they got."""
    import pickle

    import numpy as np

    from cleancorpus.dedup.partitioned import sketch_partition, unique_pairs
    from cleancorpus.dedup.results import DedupSettings

    docs = [Document(r["id"], r["text"], r["source"], {"date": "2024-01-02"}) for r in build_rows(12)]
    docs.append(Document("empty", "", "x"))
    for part in (docs, docs[:1], []):
        sketch = sketch_partition(part, 40, DedupSettings())
        back = pickle.loads(pickle.dumps(sketch))
        assert (back.base, back.infos, back.problems) == (sketch.base, sketch.infos, sketch.problems)
        assert np.array_equal(back.signatures, sketch.signatures)
        assert [s.tolist() for s in back.shingles] == [s.tolist() for s in sketch.shingles]
        assert [s.dtype for s in back.shingles] == [s.dtype for s in sketch.shingles]
    rng = np.random.default_rng(3)
    for top in (1, 5, 1000, 2**31):
        pairs = rng.integers(0, top, size=(500, 2), dtype=np.int64)
        assert np.array_equal(unique_pairs(pairs), np.unique(pairs, axis=0)), top
    assert unique_pairs(np.zeros((0, 2), dtype=np.int64)).shape == (0, 2)


def test_checks_near_duplicate_rule_finds_on_the_plan_what_fit_finds_without_sketches_in_the_main_process() -> None:
    """check's CC301: the checking round carries its partitions' sketches to the detector's
    shuffle, so what reaches the main process is findings and clusters, never a sketch."""
    from cleancorpus.check.stage import CheckStage
    from cleancorpus.engines.local import fit_stages

    docs = [Document(r["id"], r["text"], r["source"]) for r in build_rows(80)]
    settings = Settings()
    cleaned = list(run_stages(iter(docs), build_stages(settings, dedup=False)))
    expected = NearDuplicateDetector(settings.dedup).fit(cleaned).result.to_dict()
    assert expected["clusters"]
    for jobs, size in ((1, 9), (2, 13)):
        stage = CheckStage(settings, {"CC301", "CC101"})
        fit_stages(iter(docs), [stage], jobs=jobs, partition_size=size)
        assert stage.duplicates.to_dict() == expected, (jobs, size)
        assert len(stage.detector.infos) == 0
        assert [c.id for c in stage.checked] == [d.id for d in docs]
        assert all(len(c.signature) == 0 and len(c.shingles) == 0 for c in stage.checked)


def test_the_shuffle_spreads_a_large_corpus_over_more_buckets_with_the_same_clusters(monkeypatch) -> None:
    """A bucket holds at most BUCKET_DOCS documents' keys (its task's memory is bounded);
    the clusters do not depend on how many buckets there are."""
    import cleancorpus.dedup.partitioned as partitioned

    docs = [Document(r["id"], r["text"], r["source"]) for r in build_rows(80)]
    expected = NearDuplicateDetector().fit(docs).result.to_dict()
    assert expected["clusters"]
    for limit in (7, 31):
        monkeypatch.setattr(partitioned, "BUCKET_DOCS", limit)
        detector = NearDuplicateDetector()
        list(run_stages(iter(docs), [detector], jobs=1, partition_size=11))
        assert detector.result.to_dict() == expected, limit
