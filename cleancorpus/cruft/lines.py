"""What a line looks like: the shape tests that keep the article safe.

Recurrence (a line seen on many pages of a site) is strong evidence of cruft for short
lines and weak evidence for prose: wire stories and follow-ups repeat whole background
paragraphs, and those are content. So a line that *reads like prose* is never removed
for recurring, only for matching a rule or repeating inside its own document.
"""

from __future__ import annotations

import regex

_SPACE = regex.compile(r"\s+")
_DIGITS = regex.compile(r"\d+")
_SENTENCE_END = regex.compile(r"[.!?…:;]['\"”’»)\]]*$")
_BYLINE = regex.compile(r"^(by|von|par|por|di|door|av|від|автор)\s+\p{Lu}", regex.IGNORECASE)
_QUOTE_START = regex.compile(r"^[\"“”„«‘'‹「『]")

#: Lines with at least this many words that end like a sentence read as prose.
PROSE_MIN_WORDS = 12
#: Lines with at least this many words read as prose whatever their ending.
PROSE_ALWAYS_WORDS = 25


def word_count(line: str) -> int:
    """Number of whitespace-separated tokens.

    ``str.split``, not a regular expression: this runs on every line of every document,
    and a regular expression over each line was the slowest step of the cruft stage. A
    stray dash or bullet counts as a word; the thresholds it feeds (12 and 25 words) do
    not notice.
    """
    return len(line.split())


def line_columns(text: str) -> tuple[list[str], list[str], list[int]]:
    """A text's lines, each stripped, and each one's word count: the columns every per-line
    test of the cruft stage reads, each computed once, by one C call a line.

    (Measured against cheaper-looking forms: a search of the whole text for irregular white
    space, to count words as spaces plus one, costs more than it saves: ``regex`` and ``re``
    take 50-75 us to scan a 5 KB text for a character class, and half the texts of a real
    corpus hold a tab, a no-break space or two spaces somewhere.)
    """
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    return lines, stripped, [len(line.split()) for line in stripped]


def looks_like_prose(line: str, min_words: int = PROSE_MIN_WORDS) -> bool:
    """True for sentence-like paragraphs: many words ending in sentence punctuation, or very many words."""
    # Split at most up to the larger threshold: the count is exact below it and says "at
    # least" above it, which is all the test needs, without cutting a long paragraph into
    # all its words (this runs on every line of every document).
    words = len(line.split(None, max(PROSE_ALWAYS_WORDS, min_words)))
    if words >= PROSE_ALWAYS_WORDS:
        return True
    return words >= min_words and ends_like_sentence(line.strip())


#: what may close a sentence after its final mark, and the final marks (see ``_SENTENCE_END``)
_CLOSERS = "'\"”’»)]"
_FINAL_MARKS = ".!?…:;"


def ends_like_sentence(stripped: str) -> bool:
    """Whether a stripped line ends in sentence punctuation (closing quotes allowed).

    The same answer as searching ``_SENTENCE_END``, without a search from every position
    of the line: strip the closing marks from the end, then look at the last character.
    """
    body = stripped.rstrip(_CLOSERS)
    return body != "" and body[-1] in _FINAL_MARKS


def looks_like_headline(line: str) -> bool:
    """A first line of five or more words without separators: a story's headline, which two
    versions of one story share, rather than a site's name or menu ("Seth's Blog", "News | Sport")."""
    stripped = line.strip()
    return word_count(stripped) >= 5 and not any(sep in stripped for sep in ("|", "»", "›", " - ", "•"))


def is_protected(line: str) -> bool:
    """Bylines and quotations: content even when a site prints them on many pages."""
    stripped = line.strip()
    return bool(_BYLINE.match(stripped) or _QUOTE_START.match(stripped))


def line_key(line: str) -> str:
    """The form under which lines count as 'the same' across documents.

    Whitespace collapsed, case folded, and every digit run replaced by ``0`` so that
    "3 Min Read" and "5 Min Read", or "Posted 12 May" and "Posted 3 May", share a key.
    """
    return _DIGITS.sub("0", _SPACE.sub(" ", line.strip()).casefold())


def repeat_key(line: str) -> str:
    """The form under which two lines of one document are 'the same': whitespace and case folded."""
    stripped = line.strip()
    # Most lines have single spaces only: then collapsing whitespace changes nothing and the
    # regular expression is skipped (regex's \s is a subset of what str.split splits on, so
    # a line that split-and-join leaves unchanged has nothing for the expression to collapse).
    if " ".join(stripped.split()) == stripped:
        return stripped.casefold()
    return _SPACE.sub(" ", stripped).casefold()
