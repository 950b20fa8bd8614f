"""Discovery precision: what --apply-discovered may respell, what only goes for review, and
which spelling becomes canonical."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleancorpus import Document, NameNormalizer, NameSettings, WordChange
from cleancorpus.names.discovery import choose_canonical, discover_variants, variants_to_toml
from cleancorpus.names.tables import load_table
from conftest import run_cli

FILLER = "The talks went on for hours and nothing was agreed before the evening."


def corpus(*sentences: str, copies: int = 3) -> list[Document]:
    return [Document(f"d{i}-{k}", f"{FILLER} {sentence} {FILLER}") for i, sentence in enumerate(sentences)
            for k in range(copies)]


def groups(docs: list[Document]) -> dict[frozenset, object]:
    return {frozenset((v.canonical, *v.variants)): v for v in discover_variants(docs)}


def applied_changes(docs: list[Document]) -> list[tuple[str, str]]:
    normalizer = NameNormalizer(NameSettings(use_shipped_table=False, apply_discovered=True)).fit(docs)
    return [(c.old, c.new) for d in docs for c in normalizer.apply(d).records_of(WordChange)]


@pytest.mark.parametrize("sentences, pair", [
    # two given names that are each common on their own, no shared context
    (("Yesterday Terry called the office.", "On Monday Terri wrote to the board."), {"Terry", "Terri"}),
    # two surnames with different given names before them
    (("Press secretary Sean Spicer spoke.", "Former governor Eliot Spitzer spoke."), {"Spicer", "Spitzer"}),
    # a place and an ordinary word written as a brand
    (("The flight landed in Lyon after noon.", "Passengers of Lion Air waited again."), {"Lyon", "Lion"}),
    # two short surnames a w/v apart, no shared context
    (("A report by Weber was published.", "A study by Veber came out."), {"Weber", "Veber"}),
    # y/j at the start of two surnames, no shared context
    (("The coach Young was not there.", "The striker Joung scored twice."), {"Young", "Joung"}),
])
def test_different_names_are_never_applied(sentences, pair) -> None:
    docs = corpus(*sentences)
    found = groups(docs)
    for members, variant in found.items():
        if pair <= members:
            assert variant.confidence == "review" and variant.reason, variant
    assert not [c for c in applied_changes(docs) if {c[0], c[1]} == pair]


def test_a_company_and_a_city_are_never_grouped() -> None:
    docs = corpus("The phone maker Samsung reported profits.", "The port of Samsun on the Black Sea.")
    assert not [m for m in groups(docs) if {"Samsung", "Samsun"} <= m]


def test_one_person_spelled_two_ways_is_applied() -> None:
    docs = corpus("Prime Minister Nikol Pashinyan met the envoy.", "Prime Minister Nikol Pashinian left.")
    variant = groups(docs)[frozenset({"Pashinyan", "Pashinian"})]
    assert variant.confidence == "apply" and variant.reason == ""
    assert set(applied_changes(docs)) == {("Pashinian", "Pashinyan")}


def test_a_difference_that_is_not_a_transliteration_is_for_review() -> None:
    docs = corpus("The writer Michael Scherer said so.", "The writer Michael Shermer said so.")
    for members, variant in groups(docs).items():
        if {"Scherer", "Shermer"} <= members:
            assert variant.confidence == "review" and "more than a transliteration" in variant.reason
    assert applied_changes(docs) == []


@pytest.mark.parametrize("forms, counts, canonical, rule", [
    (("Kadirov", "Kadyrov"), (5, 5), "Kadyrov", "wire style on a tie"),
    (("Kadirov", "Kadyrov"), (9, 2), "Kadirov", "most frequent"),  # never the minority form (issue 30)
    (("Shoigu", "Shoygu"), (14, 5), "Shoigu", "most frequent"),
    (("Rohani", "Rouhani"), (3, 3), "Rouhani", "wire style on a tie"),
    (("Saakachvili", "Saakashvili"), (2, 2), "Saakashvili", "wire style on a tie"),
    (("Erdoğan", "Erdogan"), (1, 4), "Erdogan", "most frequent"),
    (("Erdoğan", "Erdogan"), (4, 1), "Erdoğan", "most frequent"),
    (("Erdoğan", "Erdogan"), (2, 2), "Erdogan", "wire style on a tie"),
    (("Romneyy", "Romney"), (1, 40), "Romney", "most frequent"),
    (("Gadafi", "Gaddafi"), (2, 2), "Gadafi", "first in sorted order"),
])
def test_canonical_order(forms, counts, canonical, rule) -> None:
    chosen, why = choose_canonical(list(forms), dict(zip(forms, counts)))
    assert chosen == canonical and why.startswith(rule)


def test_review_entries_are_listed_by_names_but_never_loaded(tmp_path: Path) -> None:
    docs = corpus("Prime Minister Nikol Pashinyan met the envoy.", "Prime Minister Nikol Pashinian left.",
                  "Yesterday Terry called the office.", "On Monday Terri wrote to the board.")
    table = tmp_path / "found.toml"
    table.write_text(variants_to_toml(discover_variants(docs)))
    text = table.read_text()
    assert 'confidence = "review"  # not applied: no shared context for' in text
    assert 'confidence = "apply"' in text and "canonical_by" in text
    loaded = {e.canonical for e in load_table(table)}
    assert "Pashinyan" in loaded and not loaded & {"Terry", "Terri"}


def test_names_command_shows_confidence(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    for doc in corpus("Yesterday Terry called the office.", "On Monday Terri wrote to the board."):
        (folder / f"{doc.id}.txt").write_text(doc.text)
    out = tmp_path / "names.toml"
    result = run_cli("names", folder, "--no-shipped-names", "-o", out)
    assert result.returncode == 0, result.stderr
    assert 'confidence = "review"' in out.read_text()


def _discovery_corpus() -> list[Document]:
    """Variants with more than CONTEXT_LIMIT distinct words before them, so the bound binds."""
    import random

    rng = random.Random(5)
    words = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(7)) for _ in range(400)]
    docs = []
    for n in range(120):
        name = rng.choice(["Pashinyan", "Pashinian", "Aliyev", "Aliev", "Tsikhanouskaya", "Tikhanovskaya"])
        given = {"Pashinyan": "Nikol", "Pashinian": "Nikol", "Aliyev": "Ilham", "Aliev": "Ilham"}.get(name, "Sviatlana")
        filler = " ".join(rng.choice(words) for _ in range(6))
        docs.append(Document(f"d{n}", f"On {filler} {rng.choice(words)} {given} {name} spoke. Later {rng.choice(words)} "
                                      f"{name} and President {name} met {rng.choice(['Ilham', 'Nikol'])} again."))
    return docs


def test_discovery_is_the_same_in_any_order_and_merged_from_parts():
    """Discovery keeps a bounded, order-free sample of context words, so the counts of parts
    of a corpus merge into exactly the one-pass result (what --engine dask relies on)."""
    import random

    from cleancorpus.names.discovery import CONTEXT_LIMIT, NameDiscovery

    docs = _discovery_corpus()
    whole = NameDiscovery().fit(docs)
    assert max(len(s.before) for s in whole.stats.values()) == CONTEXT_LIMIT  # the bound binds
    shuffled = docs[:]
    random.Random(1).shuffle(shuffled)
    parts = [NameDiscovery().fit(shuffled[i:i + 17]) for i in range(0, len(shuffled), 17)]
    merged = parts[0]
    for part in parts[1:]:
        merged.merge(part)
    for other in (NameDiscovery().fit(shuffled), merged):
        assert set(other.stats) == set(whole.stats)
        for word, stats in whole.stats.items():
            assert dict(other.stats[word].before) == dict(stats.before), word
            assert dict(other.stats[word].after) == dict(stats.after), word
            assert (other.stats[word].count, other.stats[word].documents) == (stats.count, stats.documents)
        assert other.variants() == whole.variants()
    groups = {frozenset((v.canonical, *v.variants)): v for v in whole.variants()}
    for pair in ({"Pashinyan", "Pashinian"}, {"Aliyev", "Aliev"}):
        found = groups[frozenset(pair)]
        assert found.canonical == max(pair, key=lambda w: (whole.stats[w].count, w))  # the corpus's majority


def test_a_sentence_opener_is_not_shared_evidence():
    """"Why Romney ..." and "Why Romnei ...": a capitalized word that is mostly written in
    lower case opens a sentence; it is not a given name both share."""
    from cleancorpus.names.discovery import NameDiscovery

    docs = [Document("a", "He asked why it mattered. Why Romney won is clear, and why Mitt Romney spoke."),
            Document("b", "That is the reason why. Why Romnei lost the vote, why nobody knew.")]
    found = {v.canonical: v for v in NameDiscovery().fit(docs).variants()}
    assert "Romney" not in found or found["Romney"].confidence == "review"


@pytest.mark.parametrize("majority, minority, given", [
    ("Gorbachev", "Gorbachov", "Mikhail"),        # Russian ё written e or o
    ("Luhansk", "Lugansk", "Governor"),           # Ukrainian h, Russian g
    ("Kharkiv", "Kharkov", "Mayor"),              # Ukrainian i, Russian o
    ("Gaddafi", "Qaddafi", "Muammar"),            # the first letter: g, q and k for one sound
    ("Khamenei", "Khamenehi", "Ali"),             # keys of two lengths, the shorter sorting after
    ("Lukashenko", "Lukashenka", "Alexander"),    # the Belarusian -a of a Russian -o, one given name
    ("Erdogan", "Erdoğan", "Recep"),              # a diacritic (decomposes: g + breve)
    ("Aliyev", "Əliyev", "Ilham"),                # a letter of its own (schwa), written a in English
])
def test_transliterations_of_one_name_are_unified_into_the_majority_form(majority, minority, given) -> None:
    """Issue 30: real transliteration patterns are found when the context agrees, and the
    canonical is the spelling the corpus uses most, never the minority form."""
    docs = corpus(*[f"The speech by {given} {majority} was long." for _ in range(3)],
                  f"Later {given} {minority} said more.", copies=2)
    found = groups(docs)[frozenset({majority, minority})]
    assert found.confidence == "apply", found.reason
    assert found.canonical == majority and found.canonical_by.startswith("most frequent")
    assert set(applied_changes(docs)) == {(minority, majority)}


def test_an_o_and_an_a_ending_of_two_people_are_not_one_name() -> None:
    """The -a/-o exception needs one given name before both: two people whose surnames end
    differently (Giulia Ferrara, Marco Ferraro) keep their names."""
    docs = corpus("The speech by Giulia Ferrara was long.", "Later Marco Ferraro said more.")
    assert frozenset({"Ferrara", "Ferraro"}) not in groups(docs)
    assert applied_changes(docs) == []


def _reference_add():
    """The per-word loop discovery used before (benchmarks/names_discovery_speed.py keeps it
    as its baseline): what the split-based ``NameDiscovery.add`` must count exactly."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "names_discovery_speed.py"
    spec = importlib.util.spec_from_file_location("names_discovery_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_add


def test_discovery_counts_as_a_step_per_word_would():
    """The split-based count (all words at once, Python only at capitalized words) gives the
    per-word loop's counts on random text: punctuation, quotes, line breaks, hyphens,
    apostrophes, one-letter capitals, accents, a text that starts with a name or a space."""
    import random

    from cleancorpus.names.discovery import NameDiscovery

    rng = random.Random(30)
    pieces = ["Nikol", "Pashinyan", "Pashinian's", "the", "of", "and", "said", "I", "A", "x-Men", "Erdoğan",
              "President", "Aliyev", "aliyev", "Why", "why", "new-York", "Saint-Denis", "é", "Ünal", "mr", "Mr",
              "2024", "co-op", "O'Neill", "Ilham", "Kharkiv"]
    gaps = [" ", " ", " ", "  ", ". ", ", ", "\n", "\n\n  ", "! ", "? ", ': "', "; ", " “", "” ", " «", "» ", "-",
            " - ", "...", "\t", "'", "’s "]
    docs = []
    for n in range(300):
        words = [rng.choice(pieces) for _ in range(rng.randint(0, 60))]
        text = rng.choice(["", " ", "\n", '"']) + "".join(w + rng.choice(gaps) for w in words)
        docs.append(Document(f"d{n}", text.rstrip() if rng.random() < 0.5 else text))
    fast, slow = NameDiscovery(), NameDiscovery()
    reference_add = _reference_add()
    for doc in docs:
        fast.add(doc)
        reference_add(slow, doc)
    assert set(fast.stats) == set(slow.stats) and fast.lowercase == slow.lowercase
    for word, stats in slow.stats.items():
        mine = fast.stats[word]
        assert (mine.count, mine.mid_sentence, mine.documents) == (stats.count, stats.mid_sentence, stats.documents), word
        assert dict(mine.before) == dict(stats.before) and dict(mine.after) == dict(stats.after), word
    assert fast.variants() == slow.variants()


def test_names_write_table_accepts_the_applied_groups_into_the_users_table(tmp_path: Path) -> None:
    """Issue 30: one command takes what discovery is sure of into the user's own table; the
    entries already there stay as they are, nothing is added twice, review groups never,
    and the table then respells the corpus with --names-table."""
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    table = tmp_path / "aliases.toml"
    mine = '# my own table\n[[entity]]\ncanonical = "Kyiv"\nvariants = ["Kiev"]\n'
    table.write_text(mine, encoding="utf-8")
    first = run_cli("names", seeds, "--no-shipped-names", "--write-table", table, cwd=tmp_path)
    assert first.returncode == 0 and "added 1 discovered group(s)" in first.stderr, first.stderr
    text = table.read_text(encoding="utf-8")
    assert text.startswith(mine.rstrip("\n")) and text.count("[[entity]]") == 2 and 'canonical = "Pashinyan"' in text
    assert {e.canonical for e in load_table(table)} == {"Kyiv", "Pashinyan"}
    again = run_cli("names", seeds, "--no-shipped-names", "--write-table", table, cwd=tmp_path)
    assert "added 0 discovered group(s) (1 already in the table" in again.stderr
    assert table.read_text(encoding="utf-8") == text
    out = tmp_path / "out"
    run_cli("normalize", seeds, "-o", out, "-q", "--no-shipped-names", "--names-table", table, cwd=tmp_path)
    cleaned = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.txt"))
    assert "Pashinyan" in cleaned and "Pashinian" not in cleaned
    broken = tmp_path / "broken.toml"
    broken.write_text("entity = [", encoding="utf-8")
    refused = run_cli("names", seeds, "--write-table", broken, cwd=tmp_path)
    assert refused.returncode == 2 and "broken.toml" in refused.stderr
    assert broken.read_text(encoding="utf-8") == "entity = ["


def _people_corpus() -> list[Document]:
    """One well-known Dianne (also misspelled Diane), and two other people named Diane."""
    lines = ["Senator Dianne Feinstein said the bill was a good start."] * 8 + \
            ["Dianne Feinstein, the senator from California, voted no."] * 6 + \
            ["Senator Diane Feinstein spoke to reporters on Monday."] * 4 + \
            ["The actress Diane Keaton said the film was a good start."] * 9 + \
            ["Diane Keaton and Diane Lane attended the premiere."] * 5
    return [Document(f"p{i}", f"{FILLER} {line} {FILLER}") for i, line in enumerate(lines)]


def test_a_given_name_is_respelled_only_with_its_family_name() -> None:
    """Issue 30: the given name alone was counted across every Diane and Dianne, and one
    Dianne became Diane. Now the group is the person's full name: Dianne Feinstein's
    misspellings are unified, and the other Dianes are untouched."""
    docs = _people_corpus()
    found = discover_variants(docs)
    assert not [v for v in found if {"Diane", "Dianne"} <= {v.canonical, *v.variants}]
    person = next(v for v in found if v.canonical == "Dianne Feinstein")
    assert person.variants == ("Diane Feinstein",) and person.confidence == "apply"
    assert dict(person.full_names) == {"Dianne Feinstein": 14, "Diane Feinstein": 4}
    changes = applied_changes(docs)
    assert set(changes) == {("Diane Feinstein", "Dianne Feinstein")} and len(changes) == 4
    normalizer = NameNormalizer(NameSettings(use_shipped_table=False, apply_discovered=True)).fit(docs)
    assert all("Diane Keaton" in normalizer.apply(d).text for d in docs if "Keaton" in d.text)


def test_a_full_name_seen_too_rarely_is_for_review() -> None:
    docs = corpus("Rumor has it Tori Hunter paid for it.", "Ken Griffey and Tori Hunter posed.",
                  "Finally Torii Hunter homered.", copies=1)
    found = discover_variants(docs)
    for v in found:
        if "Tori Hunter" in (v.canonical, *v.variants):
            assert v.confidence == "review" and "too few" in v.reason
    assert applied_changes(docs) == []


@pytest.mark.parametrize("a, b", [("Wong", "Voong"), ("Modi", "Moody")])
def test_another_name_a_letter_pattern_away_is_not_a_spelling(a: str, b: str) -> None:
    """Issue 30: Wong and Voong share a key (w/v and a doubled letter) but differ in two
    letters of four: two surnames, not two spellings."""
    docs = corpus(f"City councillor Mayor {a} said the budget was late.",
                  f"City councillor Mayor {b} said the budget was late.", copies=4)
    group = groups(docs).get(frozenset({a, b}))
    assert group is not None and group.confidence == "review" and "another name, not a spelling" in group.reason
    assert applied_changes(docs) == []


def test_a_long_name_with_several_transliteration_letters_is_still_one_name() -> None:
    """A digraph for a letter counts once: Iwanischwili / Ivanishvili (w/v twice, sch/sh) are
    two letters apart in eleven, a German and an English transliteration of one name."""
    docs = corpus("Prime Minister Bidzina Ivanishvili met the envoy.", "Prime Minister Bidzina Iwanischwili left.")
    variant = groups(docs)[frozenset({"Ivanishvili", "Iwanischwili"})]
    assert variant.confidence == "apply", variant.reason
    assert ("Bidzina Ivanishvili", 3) in variant.full_names


def test_the_names_table_shows_the_full_names_a_group_rests_on(tmp_path: Path) -> None:
    text = variants_to_toml(discover_variants(_people_corpus()))
    assert 'canonical = "Dianne Feinstein"' in text and 'variants = ["Diane Feinstein"]' in text
    assert 'full_names = { "Dianne Feinstein" = 14, "Diane Feinstein" = 4 }' in text
    table = tmp_path / "people.toml"
    table.write_text(text)
    loaded = {e.canonical: e.variants for e in load_table(table)}
    assert loaded["Dianne Feinstein"] == ("Diane Feinstein",)


def test_the_report_records_and_explain_name_the_person_and_the_pattern(tmp_path: Path) -> None:
    """Each discovered respelling's record says which transliteration pattern it was; the
    run report lists every discovered group with its counts, full names and evidence (valid
    against the shipped schemas), and the HTML page and explain show them."""
    import json

    jsonschema = pytest.importorskip("jsonschema")
    from cleancorpus.report import schema

    folder = tmp_path / "c"
    folder.mkdir()
    for doc in _people_corpus():
        (folder / f"{doc.id}.txt").write_text(doc.text)
    out, page = tmp_path / "out", tmp_path / "page.html"
    result = run_cli("normalize", folder, "-o", out, "--apply-discovered", "--no-shipped-names", "-q",
                     "--html-report", page)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "cleancorpus-report.json").read_text())
    jsonschema.validate(report, schema("summary"))
    (group,) = [g for g in report["discovered_names"] if g["canonical"] == "Dianne Feinstein"]
    assert group["variants"] == ["Diane Feinstein"] and group["confidence"] == "apply"
    assert group["full_names"][0] == {"name": "Dianne Feinstein", "count": 14}
    changes = []
    for line in (out / "cleancorpus-records.jsonl").read_text().splitlines():
        jsonschema.validate(json.loads(line), schema("records"))
        changes += json.loads(line)["word_changes"]
    assert changes and all(c["pattern"] == "doubled letter" and c["old"] == "Diane Feinstein" for c in changes)
    assert "Name spellings discovered" in page.read_text() and "Dianne Feinstein (14)" in page.read_text()
    shown = run_cli("explain", folder, "p14.txt", "--apply-discovered", "--no-shipped-names").stdout
    assert "Diane Feinstein -> Dianne Feinstein [discovered:Dianne Feinstein, doubled letter]" in shown
