"""Name spellings: tables and precedence, replacement contexts, discovery, never-merge, audit, seeds."""

from __future__ import annotations

import re
from pathlib import Path

from cleancorpus import Document, NameNormalizer, NameSettings, WordChange, normalize_names
from cleancorpus.names import AliasEntry, discover_variants, load_table, variants_to_toml
from conftest import run_cli


def _respell(text: str, **settings) -> Document:
    return NameNormalizer(NameSettings(**settings)).apply(Document("d", text))


def test_seeds_only_pashinian_changes(seed_texts: dict[str, str]) -> None:
    docs = [Document(name, text) for name, text in seed_texts.items()]
    for before, after in zip(docs, normalize_names(docs)):
        assert "Pashinian" not in after.text
        assert after.text == before.text.replace("Pashinian", "Pashinyan")
        changes = after.records_of(WordChange)
        assert len(changes) == before.text.count("Pashinian")
    seed4 = next(d for d in normalize_names(docs) if d.id.startswith("004"))
    assert "Pashinyan’s fresh claims" in seed4.text


def test_replacement_contexts() -> None:
    text = ("PASHINIAN spoke. Pashinian's aide and the anti-Pashinian camp met "
            "“Pashinian is right,” he said. See https://example.am/Pashinian or mail pashinian@example.am. "
            "Armenia and Armenian stay.")
    doc = _respell(text)
    assert doc.text.startswith("PASHINYAN spoke. Pashinyan's aide and the anti-Pashinyan camp met “Pashinyan is right,”")
    assert "https://example.am/Pashinian" in doc.text and "pashinian@example.am" in doc.text
    assert "Armenia and Armenian stay." in doc.text
    quoted = _respell(text, inside_quotes=False)
    assert "“Pashinian is right,”" in quoted.text and "Pashinyan's aide" in quoted.text


def test_whole_words_only() -> None:
    doc = _respell("Alievski and Kievan Rus are not Aliev or Kiev.")
    assert doc.text == "Alievski and Kievan Rus are not Aliyev or Kyiv."


def test_audit_record_has_position_and_entry() -> None:
    doc = _respell("First line.\nThen Aliev spoke.")
    (change,) = doc.records_of(WordChange)
    assert (change.line, change.old, change.new, change.entry) == (2, "Aliev", "Aliyev", "shipped:Aliyev")
    assert "First line.\nThen Aliev spoke."[change.offset:change.offset + 5] == "Aliev"


def test_user_table_wins_and_shipped_can_be_switched_off(tmp_path: Path) -> None:
    table = tmp_path / "ours.toml"
    table.write_text('[[entity]]\ncanonical = "Pashinian"\nvariants = ["Pashinyan"]\n'
                     '[[entity]]\ncanonical = "Khandanyan"\nvariants = ["Khandanian"]\n')
    ours = _respell("Pashinyan met Khandanian and Aliev.", tables=(str(table),))
    assert ours.text == "Pashinian met Khandanyan and Aliyev."
    assert {c.entry for c in ours.records_of(WordChange)} == {f"{table}:Pashinian", f"{table}:Khandanyan",
                                                               "shipped:Aliyev"}
    alone = _respell("Pashinyan met Khandanian and Aliev.", tables=(str(table),), use_shipped_table=False)
    assert alone.text == "Pashinian met Khandanyan and Aliev."


def test_table_from_pyproject_and_cli(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Kocharian met Kiev officials.\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cleancorpus.names]\nshipped = false\n\n[[tool.cleancorpus.names.entity]]\n'
        'canonical = "Kocharyan"\nvariants = ["Kocharian"]\n')
    assert run_cli("normalize", corpus, "-o", tmp_path / "out").returncode == 0
    assert (tmp_path / "out/a.txt").read_text() == "Kocharyan met Kiev officials.\n"


def _discovery_corpus() -> list[Document]:
    rows = [
        "Prime Minister Nikol Pashinyan met President Ilham Aliyev in Brussels on Monday.",
        "Later, Nikol Pashinian told reporters in Yerevan that talks with Ilham Aliev went well.",
        "The late Heydar Aliev, father of the president, ruled Azerbaijan for a decade.",
        "In Baku, Heydar Aliyev is still honoured by President Aliyev, and Nikol Pashinyan was criticized.",
        "Sargis Khandanyan, who chairs the committee, said Armenia would decide alone.",
        "Many Armenian voters, Khandanyan said, trust the government in Armenia less.",
        "Azeri officials said Azeris living abroad followed the talks in Artsakh closely.",
        "Residents of Nagorno-Karabakh, which Armenians call Artsakh, fled to Armenia.",
        "Analyst Brian Smith and his colleague Bryan Jones disagreed. Brian Smith wrote first; "
        "Bryan Jones answered.",
        "Volodymyr Zelenskyy spoke to Volodymyr Zelensky's team, and Volodymyr Zelenskiy thanked them.",
    ]
    return [Document(f"d{i}", row) for i, row in enumerate(rows)]


def test_discovery_finds_variants_and_never_merges_different_entities() -> None:
    found = {v.canonical: v for v in discover_variants(_discovery_corpus())}
    groups = [{v.canonical, *v.variants} for v in found.values()]
    assert {"Pashinyan", "Pashinian"} in groups
    assert {"Aliyev", "Aliev"} in groups
    assert {"Zelenskyy", "Zelensky", "Zelenskiy"} in groups
    merged = set().union(*groups)
    for word in ("Armenia", "Armenian", "Armenians", "Azeri", "Azeris", "Khandanyan", "Artsakh",
                 "Heydar", "Ilham", "Brian", "Bryan"):
        assert word not in merged, word
    pashinyan = found["Pashinyan"]
    assert pashinyan.counts == {"Pashinyan": 2, "Pashinian": 1}
    assert "Nikol" in pashinyan.shared_context and "y/i" in pashinyan.rules and 0 < pashinyan.score <= 1


def test_discovered_table_round_trips_and_applies_only_on_request(tmp_path: Path) -> None:
    docs = _discovery_corpus()
    table = tmp_path / "found.toml"
    table.write_text(variants_to_toml(discover_variants(docs)))
    entries = load_table(table)
    assert AliasEntry("Pashinyan", ("Pashinian",), str(table)) in entries
    settings = NameSettings(use_shipped_table=False)
    plain = NameNormalizer(settings)
    assert not plain.needs_fit and plain.apply(docs[1]).text == docs[1].text
    asked = NameNormalizer(NameSettings(use_shipped_table=False, apply_discovered=True)).fit(docs)
    respelled = asked.apply(docs[1])
    assert "Nikol Pashinyan told" in respelled.text and "Ilham Aliyev went" in respelled.text
    assert respelled.records_of(WordChange)[0].entry == "discovered:Pashinyan"


def test_names_command_writes_a_reviewable_table(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "names.toml"
    result = run_cli("names", seeds, "--no-shipped-names", "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert 'canonical = "Pashinyan"' in text and 'variants = ["Pashinian"]' in text
    assert re.search(r'counts = \{ "Pashinyan" = \d+, "Pashinian" = 6 \}', text)
    # with the shipped table on, the pair is already known: nothing new to report
    known = run_cli("names", seeds)
    assert known.returncode == 0 and "[[entity]]" not in known.stdout
    applied = run_cli("normalize", seeds, "-o", tmp_path / "o", "--no-shipped-names", "--apply-discovered")
    assert applied.returncode == 0
    assert "Pashinian" not in (tmp_path / "o/004_d438aeefcfbf1390.txt").read_text()


def test_the_fast_scan_finds_exactly_what_the_guarded_pattern_finds() -> None:
    """NameNormalizer._matches (a literal scan, then the guarded pattern at each candidate)
    gives the same matches as a full scan with the guarded pattern, on texts built to hit
    every boundary case: variants glued to letters, digits, underscores, possessives,
    overlapping longer and shorter variants."""
    import random

    normalizer = NameNormalizer()
    variants = list(normalizer._lookup)
    rng = random.Random(11)
    glue_before = ["", "x", " ", "-", "'s ", "é", "_", "1", "(", "Kim ", "\n"]
    glue_after = ["", "x", " ", "'s", "ñ", "_", "2", ")", "-il", "\n"]
    for _ in range(400):
        text = "".join(rng.choice(glue_before) + rng.choice(variants) + rng.choice(glue_after) for _ in range(25))
        expected = [(m.span(), m.group()) for m in normalizer._pattern.finditer(text)]
        assert [(m.span(), m.group()) for m in normalizer._matches(text)] == expected


def test_the_trie_scan_finds_every_place_a_plain_alternation_finds() -> None:
    """The literal pre-scan is a trie-shaped pattern; it must propose the same places as
    the plain alternation it replaced, including words that are prefixes of others."""
    import random

    from cleancorpus.names.replace import literal_trie_pattern

    rng = random.Random(7)
    words = ["Ali", "Aliev", "Aliyev", "Al", "Armenia", "ARMENIA", "Zelensky", "Zelenskyy", "É", "Éric", "a.b", "x|y"]
    plain = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    trie = re.compile(literal_trie_pattern(words))
    pieces = words + [" ", "Alie", "Arm", "zz", "Zelen", "\n", "É", "a-b", "x"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for start in range(len(text) + 1):
            a, b = plain.search(text, start), trie.search(text, start)
            assert (a and a.start()) == (b and b.start()), (text, start)
