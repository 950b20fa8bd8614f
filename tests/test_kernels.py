"""Each batch kernel of the cruft stage gives what its per-line definition gives.

The cruft stage computes its per-line facts a column at a time (``line_columns``,
``RuleSet.first_matches`` / ``could_match``, ``comment_signals``, ``RecurrenceModel.counts_of``)
and remembers the answers for lines a corpus repeats. Each is compared here with the
per-line function it replaces, on random lines (hypothesis) built from the shapes that
matter (rule openings, comment metadata, sentence ends, white space of every kind,
non-ASCII letters, empty and very long lines), and the whole stage is compared with itself
with every memo forced to forget after each line.
"""

from __future__ import annotations

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleancorpus import CruftRemover, Document
from cleancorpus.cruft import comments
from cleancorpus.cruft.lines import _SENTENCE_END, ends_like_sentence, line_columns
from cleancorpus.cruft.recurrence import RecurrenceModel
from cleancorpus.cruft.rules import RuleSet, build_rules, load_rules_file

SETTINGS = settings(max_examples=int(__import__("os").environ.get("CC_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=list(HealthCheck))

#: pieces of lines that reach the interesting branches of each kernel
FRAGMENTS = [
    "Share This Article", "Share", "share on Twitter", "Advertisement", "Get the Mirror in your inbox:",
    "3 Min Read", "XS SM MD LG", "Top of page", "Leave a Reply", "Comments", "12 Comments", "Related",
    "Reply", "[Report abuse]", "John says:", "Anna wrote...", "she said", "March 3, 2011 at 10:11 am",
    "03.03.2011, 14:43", "3 hours ago", "(Score:3, Insightful)", "Posted by Ann on 12/03/2011",
    "Link to this comment", "by anna (12)", "10:42 pm", "12 May 2011 at 14.43", "2011-05-12 9.05", "In reply to the minister", "Sign up for our newsletter",
    "«Der Minister sagte»", "“Quoted,” he said.", "Ende.", "Why?", "Wait…", "(a note)", "By Jane Roe",
    "Éric Zemmour", "Ərdoğan İstanbul", "Straße", "ſays", "中文新闻", "Пашинян заявил", "",
]
#: characters of random text: letters (with case and folding oddities), digits, sentence and
#: closing marks, and every kind of white space ``str.split`` knows, line breaks aside
ALPHABET = ("abcXYZ éßſİıΣσςK019.,:;!?…'\"”’»)]([«„“-|•\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2003\u200a"
            "\u2028\u2029\u202f\u205f\u3000")

random_text = st.text(alphabet=ALPHABET, max_size=40)
piece = st.one_of(st.sampled_from(FRAGMENTS), random_text)
a_line = st.one_of(
    st.lists(piece, max_size=4).map(" ".join),
    st.lists(piece, max_size=4).map("  ".join),
    st.builds(lambda p, n: " ".join([p] * n), st.sampled_from(FRAGMENTS[:30]), st.integers(1, 400)),  # very long
)
stripped_lines = st.lists(a_line.map(str.strip), max_size=30)


def shipped_and_user_rules(tmp_path_factory) -> list:
    """The shipped rules with a user file between them in order (user rules are their own
    segments of a rule set, tested one by one)."""
    folder = tmp_path_factory.mktemp("rules")
    path = folder / "rules.toml"
    path.write_text('[[rule]]\nid = "user-said"\npattern = \'.{0,20} said\'\n\n'
                    '[[rule]]\nid = "user-related"\npattern = \'related( stories)?\'\nscope = "section"\n',
                    encoding="utf-8")
    return build_rules() + load_rules_file(path)


@SETTINGS
@given(lines=stripped_lines)
def test_first_matches_is_first_match_of_each_line(lines: list[str], tmp_path_factory) -> None:
    for rules in (build_rules(), shipped_and_user_rules(tmp_path_factory)):
        for scope in ("line", "section"):
            chosen = [r for r in rules if r.scope == scope]
            expected = [next((r for r in chosen if r.matches(line)), None) for line in lines]
            batch = RuleSet(chosen)
            assert batch.first_matches(lines) == expected
            assert batch.first_matches(lines, RuleSet.openings(lines)) == expected  # answered from memory now
            assert [batch.first_match(line) for line in lines] == expected
            forgetful = RuleSet(chosen)
            forgetful.MAX_LINES = 1
            forgetful.MAX_OPENINGS = 1
            assert forgetful.first_matches(lines) == expected
            candidates = RuleSet(chosen).could_match(lines)
            assert all(could for could, rule in zip(candidates, expected) if rule is not None)


@SETTINGS
@given(lines=stripped_lines)
def test_comment_signals_are_each_pattern_searched(lines: list[str]) -> None:
    words = [len(line.split()) for line in lines]
    expected = [0 < w <= comments.SIGNAL_MAX_WORDS and any(p.search(line) for p in comments._SIGNALS)
                for line, w in zip(lines, words)]
    assert comments.comment_signals(lines, words) == expected
    assert comments.comment_signals(lines, words) == expected  # from memory


def test_comment_signals_forgetting_gives_the_same(seed_texts: dict[str, str], monkeypatch) -> None:
    lines = [line.strip() for text in seed_texts.values() for line in text.split("\n")] + FRAGMENTS
    words = [len(line.split()) for line in lines]
    remembered = comments.comment_signals(lines, words)
    monkeypatch.setattr(comments, "SIGNAL_MEMO_LINES", 1)
    assert comments.comment_signals(lines, words) == remembered
    assert sum(remembered) >= 12


def test_the_says_gate_admits_every_last_character_the_pattern_can_end_with() -> None:
    """A line the "says:" signal matches ends in a letter of a verb's end, its punctuation or
    white space, under the pattern's own case folding: the gate's set must hold all of them."""
    every_character = "".join(map(chr, range(0x110000)))
    ending = regex.compile(r"[sed:.…]|\s", comments._SAYS.flags)
    assert set(ending.findall(every_character)) == set(comments.SAYS_LAST_CHARS)


@SETTINGS
@given(lines=stripped_lines)
def test_ends_like_sentence_is_the_regular_expression(lines: list[str]) -> None:
    closers = [line + tail for line in lines for tail in ("", ".”", "?)", "»", ".\"'", ";]")]
    assert [ends_like_sentence(s) for s in closers] == [_SENTENCE_END.search(s) is not None for s in closers]


@SETTINGS
@given(lines=st.lists(a_line, max_size=30))
def test_line_columns_are_split_strip_and_word_count(lines: list[str]) -> None:
    text = "\n".join(lines)
    got_lines, stripped, words = line_columns(text)
    assert got_lines == text.split("\n")
    assert stripped == [line.strip() for line in got_lines]
    assert words == [len(line.split()) for line in got_lines]


def _site(number: int, extra: list[str]) -> list[Document]:
    body = ("The council met on Tuesday to discuss the harbour plan and its cost to the town. "
            "Residents spoke for and against it at length.")
    return [Document(f"d{number}-{i}", "\n\n".join([f"Story {i} of many about the harbour and the town",
                                                      f"{body} Item {i} of the day, with its own words.",
                                                      *extra, "Share This Article", "Follow us on Twitter"]),
                     source=f"site{number}") for i in range(12)]


@SETTINGS
@given(lines=stripped_lines)
def test_counts_of_is_recurring_count_of_each_line(lines: list[str]) -> None:
    model = RecurrenceModel().fit(_site(1, lines[:3]) + _site(2, ["A promo sentence that every page of this "
                                                                   "site prints at its foot, word for word."]))
    for source in ("site1", "site2", "elsewhere"):
        recurring = model.recurring_counts(source)
        sentences = model.has_sentences(recurring)
        probe = lines + ["Share This Article", "Follow us on Twitter", "A promo sentence that every page of this "
                         "site prints at its foot, word for word."] + lines[:3]
        words = [len(line.split()) for line in probe]
        expected = [model.recurring_count(recurring, line, w, sentences) if recurring else 0
                    for line, w in zip(probe, words)]
        assert model.counts_of(source, probe, words) == expected
        assert model.counts_of(source, probe, words) == expected  # from memory
    assert any(model.counts_of("site1", ["Share This Article"], [3]))


@SETTINGS
@given(bodies=st.lists(st.lists(a_line, max_size=12).map("\n".join), min_size=1, max_size=6))
def test_the_stage_forgetting_every_answer_cleans_as_it_does_remembering(bodies: list[str], monkeypatch) -> None:
    docs = [Document(f"d{i}", body + "\n\nShare This Article\n\nJohn says:\n\nReply", source="s")
            for i, body in enumerate(bodies)]
    remembering = CruftRemover().fit(docs)
    expected = [(d.text, d.records) for d in (remembering.apply(doc) for doc in docs + docs)]
    forgetting = CruftRemover().fit(docs)
    for rules in (forgetting.line_rules, forgetting.section_rules):
        rules.MAX_LINES = 1
    forgetting.recurrence.MEMO_LINES = 0
    monkeypatch.setattr(comments, "SIGNAL_MEMO_LINES", 1)
    assert [(d.text, d.records) for d in (forgetting.apply(doc) for doc in docs + docs)] == expected


@SETTINGS
@given(bodies=st.lists(st.lists(a_line, max_size=12).map("\n".join), min_size=1, max_size=6))
def test_scan_of_a_document_is_its_scan_a_line_at_a_time(bodies: list[str], monkeypatch) -> None:
    """The recurrence scan (stripped lines in one pass, short lines from a memo, the story
    hashed joined) gives what scanning a line at a time gives (the path of very long texts)."""
    from cleancorpus.cruft import recurrence

    prose = ("The council met on Tuesday to discuss the harbour plan and what it would cost the town.\n"
             "  Residents spoke for and against it at length, and the vote was put off to next month.  ")
    docs = [Document(f"d{i}", body if i % 2 else f"{prose}\n{body}\n{prose}", source="s")
            for i, body in enumerate(bodies + bodies)]
    model = RecurrenceModel()
    batch = [model.scan(doc) for doc in docs]
    forgetful = RecurrenceModel()
    forgetful.MEMO_SCANS = 1
    assert [forgetful.scan(doc) for doc in docs] == batch
    monkeypatch.setattr(recurrence, "LAZY_LINES", 0)
    assert [RecurrenceModel().scan(doc) for doc in docs] == batch


@SETTINGS
@given(text=st.text(alphabet="aé ñÃ©Â€™œ\u00a0Ð¸ÑÎ±Ï\u0080xyz", max_size=300))
def test_the_mojibake_test_is_the_pattern_searched(text: str, monkeypatch) -> None:
    """``may_hold_mojibake`` tests the pattern where lead bytes are, then searches: the same
    answer as searching the text's bytes, whichever way it goes."""
    from cleancorpus import repair

    pattern, _ = repair._finder()
    data = text.encode("utf-8", "surrogatepass")
    expected = (not text.isascii()) and (b"\xc3\x83 " in data or b"\xc3\x82 " in data
                                         or pattern.search(data) is not None)
    assert repair.may_hold_mojibake(text) == expected
    monkeypatch.setattr(repair, "_LEADS_TESTED", 1)
    assert repair.may_hold_mojibake(text) == expected
