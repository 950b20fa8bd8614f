"""Where readers' comments start: a confirmed comment heading, or a block of comment metadata.

A heading such as "12 Comments" also appears in a post's byline area, above the
article, in plain HTML-to-text output; cutting there would delete the article. So a
heading opens the comment section only when it is *confirmed*: comment metadata lines
follow it (a timestamp, "says:", "Reply", "Posted by ... at 10:11 AM", "(Score:3)"), or
what follows is short next to what precedes it (a tail: seed 002's "1 Comment").
Without any heading, a dense run of comment metadata lines (trafilatura appends comments
right after the article) opens the section at its first metadata line, unless the page
opens with a stamp of the same shape: then it is a forum or Q&A thread, whose posts are its
content.
"""

from __future__ import annotations

from typing import Sequence

import regex

from .lines import PROSE_ALWAYS_WORDS, ends_like_sentence
from .rules import RuleSet

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = rf"(\b{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}|\b\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}|\b\d{{1,4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,4}}\b)"
# (not followed by more digits: "27.10.2019" holds a date, not the time 27.10)
_TIME = r"\b\d{1,2}[:.]\d{2}([:.]\d{2})?(?![.:/\-]?\d)\s*([ap]\.?m\.?\b)?"
_SIGNALS = [
    regex.compile(rf"{_DATE}.{{0,30}}{_TIME}|{_TIME}.{{0,30}}{_DATE}", regex.IGNORECASE),
    regex.compile(r"\b\d+\s+(seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b", regex.IGNORECASE),
    regex.compile(r"^[\[(]?(reply|replydelete|reply to this( comment)?|report( post| abuse| comment| this)?|permalink|"
                  r"flag|quote|like|\d+ likes?|in reply to .{1,40})[\])]?\s*[»›]?$", regex.IGNORECASE),
    regex.compile(r"^[^\"“”'‘’«]\S*( \S+){0,3} (says|wrote|writes|said)\s*(:|\.{2,3}|…)?$", regex.IGNORECASE),
    regex.compile(r"^[+*-]? ?\d{1,2}:\d{2}\s*([ap]\.?m\.?)?$|^[+*-]? ?link to this comment$|^by \S+ \(\d+\)$", regex.IGNORECASE),
    regex.compile(r"\(score:\s*-?\d", regex.IGNORECASE),
    regex.compile(rf"^(posted|written|submitted|commented)\b.{{0,60}}({_DATE}|{_TIME})", regex.IGNORECASE),
]

# Signals 0, 1, 5 and 6 need a digit; a line without one is tested against the others only.
# Signals 2 and 4 are cheap and tested as one alternation (a search for ``a|b`` finds a match
# exactly when one of ``a`` and ``b`` has one). The two costly ones are tested only past a
# gate that every line they match passes (most lines do not): signal 3 ("John says:") ends
# in its verb, so a line must end in a verb's last letter or its punctuation, then have the
# verb at its end; signal 0 (a date and a time) needs a time's digits around ":" or ".".
_CHEAP_NO_DIGIT = regex.compile("|".join(f"(?:{_SIGNALS[i].pattern})" for i in (2, 4)), regex.IGNORECASE)
_SAYS = _SIGNALS[3]
#: what a line that signal 3 matches can end in: "s", "e", "d" in any case (long s
#: included), its punctuation, or white space (the test suite checks this set against the
#: pattern's flags over all of Unicode).
SAYS_LAST_CHARS = frozenset("sSſeEdD:.…\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                            "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SAYS_GATE = regex.compile(r"(says|wrote|writes|said)\s*(:|\.{2,3}|…)?$", regex.IGNORECASE)
_STAMP_GATE = regex.compile(r"\d[:.]\d\d")
_OTHER_NEEDS_DIGIT = regex.compile("|".join(f"(?:{_SIGNALS[i].pattern})" for i in (1, 5, 6)), regex.IGNORECASE)
_DIGIT = regex.compile(r"\d")


_STAMP = _SIGNALS[0]
_MONTH_WORD = regex.compile(rf"\b{_MONTH}", regex.IGNORECASE)
_NUMBER = regex.compile(r"\d+")


def stamp_shape(stripped: str) -> str | None:
    """The shape of a line's date-and-time stamp ("03.03.2011, 14:43" -> "0.0.0, 0:0";
    month names -> "M"), or ``None`` without one: posts of one thread share it."""
    found = _STAMP.search(stripped)
    if found is None:
        return None
    return _NUMBER.sub("0", _MONTH_WORD.sub("M", found.group().lower()))


def _has_signal(stripped: str) -> bool:
    """Whether any of the metadata patterns matches a (stripped, non-empty) line: the same
    answer as testing all of them, at a fraction of the cost (see the gates above)."""
    if _CHEAP_NO_DIGIT.search(stripped) is not None:
        return True
    if (stripped[-1:] in SAYS_LAST_CHARS and _SAYS_GATE.search(stripped) is not None
            and _SAYS.search(stripped) is not None):
        return True
    if _DIGIT.search(stripped) is None:
        return False
    if _STAMP_GATE.search(stripped) is not None and _STAMP.search(stripped) is not None:
        return True
    return _OTHER_NEEDS_DIGIT.search(stripped) is not None


#: Short lines whose answer is remembered (then it starts again): metadata and cruft lines
#: recur across a corpus (in the benchmark corpus four short lines in five are repeats).
SIGNAL_MEMO_LINES = 32_768
_signal_memo: dict[str, bool] = {}


def comment_signals(stripped: Sequence[str], words: Sequence[int]) -> list[bool]:
    """For each line, whether it is comment metadata: short (at most ``SIGNAL_MAX_WORDS``
    words) and with a metadata signal (the batch form of :func:`_has_signal`, whose
    answers for short lines it remembers)."""
    memo = _signal_memo
    found = []
    for line, w in zip(stripped, words):
        if w > SIGNAL_MAX_WORDS or w == 0:
            found.append(False)
            continue
        signal = memo.get(line)
        if signal is None:
            if len(memo) >= SIGNAL_MEMO_LINES:
                memo.clear()
            signal = memo[line] = _has_signal(line)
        found.append(signal)
    return found

#: A metadata line is short: a name, a date, a link word.
SIGNAL_MAX_WORDS = 20
#: Non-empty lines looked at after a heading for metadata.
LOOKAHEAD = 25
#: Metadata lines needed after a heading, or in a headerless run.
HEADING_SIGNALS = 2
BLOCK_SIGNALS = 3
#: Prose words (see :func:`looks_like_prose`, with a lower bar) an article needs before its comments.
MIN_ARTICLE_WORDS = 40
PROSE_WORDS = 8
#: A heading's first metadata line comes within this many non-empty lines.
FIRST_SIGNAL_WITHIN = 4
#: A comment *counter* ("19 Responses", "{ 20 comments… }") opens the section on its own after
#: this many prose words: above an article (a byline area) it has almost no prose before it.
COUNTED_ARTICLE_WORDS = 100
_COUNTED = regex.compile(r"^\W*\d+\s+(\w+\s+)?(comments?|responses?|replies|reactions|thoughts)\b", regex.IGNORECASE)
#: Non-empty lines at most between two metadata lines of one comment block.
MAX_GAP = 8
#: A comment heading followed by at most this share of the words before it is a tail section.
TAIL_SHARE = 0.6
#: The same for other end-matter headings (related links, author box), which are more
#: often also printed above or inside an article.
END_MATTER_SHARE = 0.3
#: ...and is followed by at most this many paragraphs of 25 words or more (teasers are shorter).
END_MATTER_PARAGRAPHS = 2


def find_comment_section(lines: Sequence[str], heading_rules: RuleSet, min_line: int = 3, *,
                         stripped: Sequence[str] | None = None,
                         words: Sequence[int] | None = None,
                         nonempty: Sequence[int] | None = None,
                         openings: Sequence[str] | None = None) -> tuple[int, str, str] | None:
    """``(first line index, rule id, detail)`` of the comment section (or end matter), or ``None``.

    Word counts here are *prose* words (words of sentence-like lines), so a long navigation
    menu above an article does not make the article look like a short tail. ``stripped``
    and ``words`` (each line stripped, and its word count) and ``nonempty`` (the indexes
    of the non-empty lines) spare recomputing them, as ``openings`` does the rule openings
    of the non-empty lines (:meth:`.RuleSet.openings`).
    """
    if stripped is None:
        stripped = [line.strip() for line in lines]
    if words is None:
        words = [len(line.split()) for line in stripped]
    if nonempty is None:
        nonempty = [i for i, line in enumerate(stripped) if line]
    texts = [stripped[i] for i in nonempty]
    words = [words[i] for i in nonempty]
    prose = [w if w >= PROSE_ALWAYS_WORDS or (w >= PROSE_WORDS and ends_like_sentence(text)) else 0
             for text, w in zip(texts, words)]
    total = sum(prose)
    signal = comment_signals(texts, words)
    # only lines that open like a heading rule are tested against the rules (most open like none)
    heading = [False] * min(min_line, len(texts)) + heading_rules.could_match(
        texts[min_line:], openings[min_line:] if openings is not None else None)
    before = 0
    for position, index in enumerate(nonempty):
        if heading[position]:
            rule = heading_rules.first_match(stripped[index])
            if rule is not None:
                after = total - before - prose[position]
                window = signal[position + 1: position + 1 + LOOKAHEAD]
                if (rule.family == "comments" and before >= MIN_ARTICLE_WORDS
                        and sum(window) >= HEADING_SIGNALS and any(window[:FIRST_SIGNAL_WITHIN])):
                    return index, rule.id, f"{sum(window)} comment metadata lines follow"
                if rule.family == "comments" and before >= COUNTED_ARTICLE_WORDS and _COUNTED.match(stripped[index]):
                    return index, rule.id, f"a comment counter after {before} words of article"
                share = TAIL_SHARE if rule.family == "comments" else END_MATTER_SHARE
                # end matter (related links with teasers, an author box) holds at most one full
                # paragraph; a heading followed by several ("In other developments:") introduces
                # more of the article
                paragraphs = sum(1 for value in prose[position + 1:] if value >= PROSE_ALWAYS_WORDS)
                if before >= MIN_ARTICLE_WORDS and after <= share * before and (
                        rule.family == "comments" or paragraphs <= END_MATTER_PARAGRAPHS):
                    return index, rule.id, "at the end of the document"
        before += prose[position]
    # No confirmed heading: metadata lines alternating with comment bodies, after some text.
    positions = [p for p, is_signal in enumerate(signal) if is_signal]
    prefix = [0]
    for value in prose:
        prefix.append(prefix[-1] + value)
    # A thread (forum, Q&A) is posts all the way down: its first post, at the top, carries a
    # stamp of the same shape as the later ones. Those are content, not comments after an article.
    opening = {stamp_shape(stripped[nonempty[p]]) for p in positions if prefix[p] < MIN_ARTICLE_WORDS} - {None}
    for rank, position in enumerate(positions):
        before = prefix[position]
        run = positions[rank: rank + BLOCK_SIGNALS]
        if before < MIN_ARTICLE_WORDS or len(run) < BLOCK_SIGNALS:
            continue
        if opening and stamp_shape(stripped[nonempty[position]]) in opening:
            continue
        # each gap between two metadata lines is short and holds a comment body (a line of 5+ words);
        # lists of related stories with timestamps have no bodies between their lines.
        if all(0 < b - a <= MAX_GAP and max(words[a + 1:b] or [0]) >= 5 for a, b in zip(run, run[1:])):
            return nonempty[position], "comment-metadata", f"{len(positions) - rank} comment metadata lines from here"
    return None
