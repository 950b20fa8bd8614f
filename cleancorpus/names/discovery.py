"""Discovering spelling variants of names in the corpus itself.

``NameDiscovery.fit`` streams the corpus once and keeps, for each capitalized word, its
count, its document count, how often it is capitalized in mid-sentence, and the words
that precede it (a given name such as "Nikol", a title such as "President"). Then
:meth:`NameDiscovery.variants` pairs words that are transliterations of each other.

Two words are a pair when they share a *transliteration key* (below), or when their keys
differ by one letter and they share context (the same given name or title before them).
The key folds what transliteration changes and nothing else (a small rule set, not a
black box):

==============  =========================================  ==========================
rule            example                                    key part
==============  =========================================  ==========================
diacritics      Erdoğan, Erdogan; Əliyev, Aliyev           erdogan, aliiev
y/i, iy/i, j/i  Pashinyan, Pashinian; Aliyev, Aliev, Alijev  pashinian, aliev
ye/e at start   Yerevan, Erevan                            erevan
sch/sh          Saakaschwili, Saakashvili                  saakashvili
zh/j            Ahmadinezhad, Ahmadinejad                  ahmadineiad
kh/h, gh/g      Khamenei, Hamenei                          hamenei
ts/tz/c         Tsikhanouskaya, Cikhanouskaya              cihanouskaia
q/k, ck/k       Qaddafi, Kaddafi                           kadafi
ph/f, w/v       Gorbachow, Gorbachov                       gorbachov
dh/d, ou/u      Kadhafi, Kadafi                            kadafi
doubled letter  Gaddafi, Gadafi                            gadafi
==============  =========================================  ==========================

Never merged: words where one key is the other plus a short ending (Armenia / Armenian,
Azeri / Azeris: an inflection or a derived word, not a spelling), words capitalized only
at the start of sentences (ordinary words), and different names that are not spellings
of one another (Artsakh / Nagorno-Karabakh share no key and no near key).

**Applied, or for review.** A group is *applied* by ``--apply-discovered`` (and reported as
CC202) only when a careful editor would respell it without asking (``confidence =
"apply"``); everything else is listed by ``cleancorpus names`` with ``confidence =
"review"`` and the reason, and never applied:

1. every two forms share a transliteration key, or their keys differ by one letter that
   transliteration confuses (``g/k``, ``o/u``, ``e/i``, ``a/e``, ``s/z``, ``c/k``, ``f/v``, an
   added ``h``, ``y``, ``i``, ``e`` or ``u``): Scherer / Shermer (an ``m``) is for review;
2. the forms share evidence of being one person: a given name or title before both
   ("Nikol", "President"; not a sentence opener such as "Why", a word mostly written in lower
   case), or at least two shared context words;
3. no sign of two people: when each form has given names before it and they never
   coincide (Sean Spicer, Eliot Spitzer), or is followed by its own surnames (Brian Smith,
   Bryan Jones), the forms are two names;
4. not a difference of capitals only (LinkedIn / Linkedin: a style, not a spelling);
5. a spelling, not another name: each form is within one changed letter in five of another
   form of the group (one in a short name): Wong / Voong (two letters of four) is for review.

**Given names go with their family name.** A group of given names (words mostly followed by a
capitalized word: Dianne, Diane) is never respelled alone: one Diane is not another person's
Dianne. It becomes one group per family name that follows two of its forms (Dianne Feinstein /
Diane Feinstein), counted on those full names, and only the full name is respelled; Diane Keaton
and Diane Lane are left as they are.

**Canonical spelling**, in this order: a table's canonical wins (such groups are left to the
table); else the spelling the corpus uses most (never the minority form: a corpus that writes
Shoigu fourteen times and Shoygu five keeps Shoigu); on a tie, the spelling wire style uses for
the transliteration (the most ``y`` forms, as AP and Reuters write Russian, Ukrainian and
Armenian names: Kadyrov, Yatsenyuk; ``sh``, ``kh``, ``zh`` over French or German ``ch``,
``sch``, ``j``: Saakashvili, Prigozhin; ``ou`` for Persian: Rouhani; no diacritics: Erdogan);
else the first in sorted order. ``cleancorpus names`` says which rule chose it.
"""

from __future__ import annotations

import unicodedata
import zlib
from bisect import bisect_left, insort
from functools import lru_cache
from collections import Counter, defaultdict
from itertools import compress, repeat
from operator import and_, ge, itemgetter, not_
from dataclasses import dataclass, field, replace
from typing import Iterable

import regex

from ..document import Document
from .tables import AliasEntry

_FIRST = itemgetter(0)
#: Words and what lies between them, in one split (a capturing group keeps the words).
_WORD_AND_GAPS = regex.compile(r"([\p{L}\p{M}][\p{L}\p{M}\-]*)")
_SENTENCE_START = regex.compile(r"(^|[.!?:;\"“”«»]\s*|\n\s*)$")

_KEY_RULES: list[tuple[str, str, str]] = [
    # (name, pattern, replacement), applied in order to the lower-cased, diacritic-free word
    ("ye/e at start", r"^ye", "e"),
    ("sch/sh", r"sch", "sh"),
    ("zh/j", r"zh", "j"),
    ("kh/h", r"kh", "h"),
    ("gh/g", r"gh", "g"),
    ("dh/d", r"dh", "d"),
    ("ph/f", r"ph", "f"),
    ("ts/c", r"t[sz]", "c"),
    ("ck/k", r"ck", "k"),
    ("q/k", r"q", "k"),
    ("w/v", r"w", "v"),
    ("ou/u", r"ou", "u"),
    ("j/i", r"j", "i"),
    ("y/i", r"y", "i"),
    ("doubled letter", r"(.)\1+", r"\1"),
]
_COMPILED_KEY_RULES = [(name, regex.compile(p), r) for name, p, r in _KEY_RULES]

#: An ending that makes a different word, not a different spelling (Armenia/Armenian).
MAX_INFLECTION = 3
#: Words shorter than this are never paired (too many accidental matches).
MIN_LENGTH = 4
#: Share of occurrences that must be capitalized in mid-sentence for a word to count as a name.
MIN_NAME_SHARE = 0.9
#: How many preceding (and following) words are kept per name as context.
CONTEXT_LIMIT = 50


#: Latin letters that no Unicode decomposition takes to a base letter, as transliteration
#: writes them without the mark (Azerbaijani Əliyev / Aliyev, Turkish ı, Polish ł, Nordic ø).
_UNDECOMPOSED = str.maketrans({"ə": "a", "Ə": "A", "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
                               "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H"})


def fold_diacritics(word: str) -> str:
    """``Erdoğan`` -> ``Erdogan``, ``Əliyev`` -> ``Aliyev``: Unicode decomposition with
    combining marks dropped, and the few Latin letters with a mark of their own folded."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).translate(
        _UNDECOMPOSED)


def transliteration_key(word: str) -> tuple[str, list[str]]:
    """The folded key of a word and the names of the rules that changed it."""
    key = fold_diacritics(word).lower()
    applied = []
    for name, pattern, replacement in _COMPILED_KEY_RULES:
        new = pattern.sub(replacement, key)
        if new != key:
            applied.append(name)
            key = new
    return key, applied


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = 0
    edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


@lru_cache(maxsize=1 << 16)
def _rank(word: str) -> tuple[bool, int, str]:
    """A stable, process-independent order of context words: capitalized words first (a
    given name or a title: the evidence discovery weighs most), then a CRC, then the word."""
    return not word[:1].isupper(), zlib.crc32(word.encode("utf-8", "surrogatepass")), word


class ContextCounter(Counter):
    """Counts of the context words of one name, bounded to the ``CONTEXT_LIMIT`` words of
    smallest :func:`_rank` among all the words ever offered: the capitalized ones first, then
    a bottom-k sample of the others.

    Why this and not the first words met: the kept words and their counts are then the same
    whatever order the documents come in, and two counters of disjoint parts of a corpus
    merge (:meth:`merged`) into exactly the counter of the whole, so discovery can run per
    partition (``--engine dask``) with the one-process result. A kept word is counted on
    every occurrence: once rejected or evicted, ``CONTEXT_LIMIT`` words of smaller rank have
    been seen, so it can never be among the kept ones again.
    """

    #: the kept words' ranks in order, once the counter is full (made when first needed;
    #: an eviction is then a pop and an insort, not a search for the largest rank again)
    _ranks: list | None = None

    def offer(self, word: str) -> None:
        """Count one occurrence of ``word`` if it is (still) among the kept words."""
        if word in self:
            self[word] += 1
        elif len(self) < CONTEXT_LIMIT:
            self[word] = 1
            self._ranks = None
        else:
            self._offer_when_full(word)

    def _offer_when_full(self, word: str) -> None:
        ranks = self._ranks
        if ranks is None:
            ranks = self._ranks = sorted(map(_rank, self))
        rank = _rank(word)
        if rank < ranks[-1]:
            del self[ranks.pop()[-1]]
            insort(ranks, rank)
            self[word] = 1

    def merged(self, other: Counter) -> "ContextCounter":
        """The counter of both parts of the corpus (the bottom ``CONTEXT_LIMIT`` of the union)."""
        total = ContextCounter(self)
        total.update(other)
        if len(total) > CONTEXT_LIMIT:
            for word in sorted(total, key=_rank)[CONTEXT_LIMIT:]:
                del total[word]
        return total

    def __reduce__(self):
        return ContextCounter, (dict(self),)


@dataclass
class WordStats:
    """What discovery knows of one capitalized word form."""

    count: int = 0
    mid_sentence: int = 0
    documents: int = 0
    before: ContextCounter = field(default_factory=ContextCounter)
    after: ContextCounter = field(default_factory=ContextCounter)

    def merge(self, other: "WordStats") -> None:
        """Add the counts of ``other`` (the same word in another part of the corpus)."""
        self.count += other.count
        self.mid_sentence += other.mid_sentence
        self.documents += other.documents
        self.before = self.before.merged(other.before)
        self.after = self.after.merged(other.after)


@dataclass(frozen=True)
class DiscoveredVariant:
    """A proposed table entry with the evidence behind it.

    ``confidence`` is ``"apply"`` (respelled by ``--apply-discovered``) or ``"review"`` (only
    listed, ``reason`` says why); ``canonical_by`` says which rule chose the canonical.
    """

    canonical: str
    variants: tuple[str, ...]
    counts: dict[str, int]
    documents: int
    shared_context: tuple[str, ...]
    rules: tuple[str, ...]
    score: float
    confidence: str = "apply"
    reason: str = ""
    canonical_by: str = ""
    #: the full names the group rests on, most frequent first: ``(full name, count)``
    #: (the given names seen before a family name's forms, or the full names of a given-name group)
    full_names: tuple[tuple[str, int], ...] = ()

    def to_entry(self) -> AliasEntry:
        return AliasEntry(self.canonical, self.variants, "discovered", ", ".join(self.rules))


class NameDiscovery:
    """Finds spelling variants of names in a corpus (one streaming pass, small state).

    Memory: one :class:`WordStats` per distinct capitalized word, each with at most
    ``CONTEXT_LIMIT`` context words kept in full.
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self.stats: dict[str, WordStats] = defaultdict(WordStats)
        self.lowercase: Counter[str] = Counter()
        self.known = set(known)
        #: word -> {capitalized word right before it: count}, made from the followers when needed
        self._preceded: dict[str, dict[str, int]] | None = None

    def add(self, doc: Document) -> None:
        """Count the capitalized words of one document.

        For every capitalized word (two letters or more): its count, whether it stands in
        mid-sentence (not after ``.``, ``!``, ``?``, ``:``, ``;``, a quote or a line break),
        the last two words before it that are not stop words (its context), and the next word
        when that is capitalized and follows after a space (its surname, for a given name).
        Every other word is counted in lower case (how often a word is written so).

        The text is split into words and the separators between them in one regular
        expression call; the lower-case counts, the stop-word test and the capitals are
        maps of built-in functions over all words at once (no Python step per word), and
        Python steps only through the capitalized words (about one word in eight), with
        the same counts as a step per word (``tests/test_names_precision.py`` compares them).
        """
        parts = _WORD_AND_GAPS.split(doc.text)
        words = parts[1::2]
        gaps = parts[0::2]  # gaps[k] comes before words[k]; the last one after every word
        if not words:
            return
        positions = range(len(words))
        lowered = list(map(str.lower, words))
        capital = list(map(str.isupper, map(_FIRST, words)))
        named = list(map(and_, capital, map(ge, map(len, words), repeat(2))))  # two letters or more, a capital
        self.lowercase.update(compress(lowered, map(not_, named)))
        context_at = list(compress(positions, map(not_, map(_STOP.__contains__, lowered))))  # context words
        all_stats = self.stats
        for word in set(compress(words, named)):
            all_stats[word].documents += 1
        last = len(words) - 1
        for k in compress(positions, named):
            word = words[k]
            stats = all_stats[word]
            stats.count += 1
            gap = gaps[k]
            # (a single space, the common case, is mid-sentence; "" at the start is not)
            if gap == " " or ((k or gap) and not _SENTENCE_START.search(gap[-3:])):
                stats.mid_sentence += 1
            j = bisect_left(context_at, k)  # context words before the name: context_at[:j]
            if j:
                before = stats.before
                # (offer's common case inline: this is discovery's cost)
                if j > 1:
                    word_before = words[context_at[j - 2]]
                    if word_before in before:
                        before[word_before] += 1
                    else:
                        before.offer(word_before)
                word_before = words[context_at[j - 1]]
                if word_before in before:
                    before[word_before] += 1
                else:
                    before.offer(word_before)
            if k < last and capital[k + 1] and gaps[k + 1][:1] == " ":
                after, following = stats.after, words[k + 1]
                if following in after:
                    after[following] += 1
                else:
                    after.offer(following)

    def fit(self, documents: Iterable[Document]) -> "NameDiscovery":
        """Count every document (one pass)."""
        for doc in documents:
            self.add(doc)
        return self

    def merge(self, other: "NameDiscovery") -> "NameDiscovery":
        """Add what ``other`` counted in another part of the corpus: the result is what one
        discovery over both parts counts, in any order (see :class:`ContextCounter`)."""
        for word, stats in other.stats.items():
            if word in self.stats:
                self.stats[word].merge(stats)
            else:  # a copy: merging more parts later must never change ``other``
                self.stats[word] = replace(stats)
        self.lowercase.update(other.lowercase)
        return self

    def _is_name(self, word: str) -> bool:
        """Capitalized in mid-sentence, or never (or rarely) written in lower case: a name,
        not an ordinary word that opens sentences."""
        stats = self.stats[word]
        if len(word) < MIN_LENGTH or word.isupper():
            return False
        lower = self.lowercase.get(word.lower(), 0)
        if lower > (1 - MIN_NAME_SHARE) * stats.count:
            return False
        return stats.mid_sentence > 0 or lower == 0

    def _context(self, word: str) -> set[str]:
        return {w.lower() for w in self.stats[word].before if w.lower() not in _STOP}

    def _supports(self, a: str, b: str, shared_words: int = 0) -> bool:
        """Strong shared context: a capitalized word (a given name, a title) before both, or,
        when ``shared_words`` is set, at least that many shared words ("the city of")."""
        shared = self._context(a) & self._context(b)
        if shared_words and len(shared) >= shared_words:
            return True
        capitalized = {w.lower() for m in (a, b) for w in self.stats[m].before if self._name_or_title(w)}
        return bool(shared & capitalized)

    def _name_or_title(self, word: str) -> bool:
        """A capitalized context word that is evidence: a title ("President"), or a word
        almost never written in lower case (a given name), not a sentence opener ("Why")."""
        if not word[:1].isupper():
            return False
        lower = word.lower()
        if lower in _TITLES:
            return True
        stats = self.stats.get(word)
        return self.lowercase.get(lower, 0) <= (1 - MIN_NAME_SHARE) * (stats.count if stats else 1)

    def variants(self, min_count: int = 1) -> list[DiscoveredVariant]:
        """Proposed entries, most evidence first. Words already in a table are left out."""
        # (sorted: the groups, their order and their reasons never depend on the corpus order)
        self._preceded = None
        names = sorted(w for w in list(self.stats) if self._is_name(w) and self.stats[w].count >= min_count)
        keys = {w: transliteration_key(w) for w in names}
        by_key: dict[str, list[str]] = defaultdict(list)
        for word in names:
            by_key[keys[word][0]].append(word)
        # near keys: same length band and first letter, edit distance one, with shared context
        parent = {w: w for w in names}

        def find(w: str) -> str:
            while parent[w] != w:
                parent[w] = parent[parent[w]]
                w = parent[w]
            return w

        def join(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        for group in by_key.values():
            for i, a in enumerate(group):
                for b in group[i + 1:]:
                    if _weak_key(a) != _weak_key(b) or self._supports(a, b):
                        join(a, b)
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in by_key:
            if len(key) >= 6:
                buckets[(_FIRST_LETTER_CLASS.get(key[0], key[0]), len(key))].append(key)
        for (first, length), bucket in buckets.items():
            candidates = bucket + buckets.get((first, length + 1), [])
            for a in bucket:
                for b in candidates:
                    # (each pair once: of one length, in sorted order; a longer key is met only
                    # from the shorter one's bucket, whichever sorts first: Khamenei / Khamenehi)
                    if not (a < b or len(a) != len(b)) or not _edit_distance_at_most_one(a, b) or _inflection(a, b):
                        continue
                    wa, wb = by_key[a][0], by_key[b][0]
                    if a[-1] != b[-1]:
                        # a different last letter is an inflection (Versicherten/Versicherter),
                        # except the Belarusian -a of a Russian -o (Lukashenka / Lukashenko) in a
                        # long name with a given name before both: one person, two transliterations
                        if not (len(a) >= 8 and {a[-1], b[-1]} == {"a", "o"}
                                and self._given_names(wa) & self._given_names(wb)):
                            continue
                    if self._supports(wa, wb, shared_words=2):
                        join(wa, wb)
        groups: dict[str, list[str]] = defaultdict(list)
        for word in names:
            groups[find(word)].append(word)
        found = []
        for members in groups.values():
            if len(members) < 2 or any(m in self.known for m in members):
                continue
            if any(_inflection(keys[a][0], keys[b][0]) for a in members for b in members if a != b):
                continue
            if any(self._is_given_name(m) for m in members):
                found.extend(self._people(members, keys))  # given names: only with a family name
                continue
            if self._different_people(members):
                continue
            found.append(self._describe(members, keys))
        found.sort(key=lambda v: (v.confidence != "apply", -v.score, v.canonical))
        return found

    def _different_people(self, members: list[str]) -> bool:
        """Given names of different people: each form is followed, again and again, by its own surnames
        (Brian Smith, Bryan Jones); respelling one into the other would rename a person."""
        followers = []
        for m in members:
            after = self.stats[m].after
            if sum(after.values()) >= 2 and sum(after.values()) >= 0.5 * self.stats[m].count:
                followers.append(set(after))
        return any(not (a & b) for i, a in enumerate(followers) for b in followers[i + 1:])

    def _is_given_name(self, word: str) -> bool:
        """Whether ``word`` is used as a given name: followed by a capitalized word (its
        family name) at least twice and in at least :data:`GIVEN_NAME_SHARE` of its
        occurrences (a surname seen once in a team list, "Vermaelen Jenkinson", is not)."""
        stats = self.stats[word]
        followed = sum(stats.after.values())
        return followed >= 2 and followed >= GIVEN_NAME_SHARE * stats.count

    def _people(self, members: list[str], keys: dict) -> list[DiscoveredVariant]:
        """A group of given names as groups of full names, one per family name that follows
        two or more of the forms (Dianne Feinstein / Diane Feinstein): a given name is a
        spelling of another only for one person, so the full name is what is respelled."""
        found = []
        surnames = sorted({s for m in members for s in self.stats[m].after})
        for surname in surnames:
            forms = [m for m in members if self.stats[m].after.get(surname)]
            if len(forms) < 2 or len(surname) < 2:
                continue
            counts = {f"{m} {surname}": self.stats[m].after[surname] for m in forms}
            ranked = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))  # most frequent first
            full = list(counts)
            canonical, canonical_by = choose_canonical(full, counts)
            given = canonical.rsplit(" ", 1)[0]
            rules = sorted({r for m in forms for r in keys[m][1]} - set(keys[given][1])) or \
                sorted({r for m in forms for r in keys[m][1]})
            reason = self._spelling_reason(forms, keys)
            if not reason and sorted(counts.values())[-2:] == [counts[canonical]] * 2:
                reason = f"no spelling of {surname}'s given name is the more frequent: {' / '.join(sorted(forms))}"
            if not reason and counts[canonical] < MIN_FULL_NAME_COUNT:
                reason = (f"{canonical} only {counts[canonical]} times: too few to tell a spelling from "
                          "another person")
            found.append(DiscoveredVariant(
                canonical=canonical,
                variants=tuple(sorted(f for f in full if f != canonical)),
                counts=dict(ranked),
                # (at most: documents of the full names are not counted, their mentions bound them)
                documents=min(sum(counts.values()), max(self.stats[m].documents for m in forms)),
                shared_context=(surname,),
                rules=tuple(rules),
                score=1.0 if len({keys[m][0] for m in forms}) == 1 else 0.8,
                confidence="review" if reason else "apply",
                reason=reason,
                canonical_by=canonical_by,
                full_names=ranked,
            ))
        return found

    def _spelling_reason(self, members: list[str], keys: dict) -> str:
        """Why the forms are not spellings of one name, or ``""``: a difference of capitals
        only, keys more than a transliteration apart, or a form more than one letter in five
        from every other (a digraph for a letter counting once: Iwanischwili / Ivanishvili)."""
        if len({m.lower() for m in members}) == 1:
            return "the forms differ only in capitals"
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                ka, kb = keys[a][0], keys[b][0]
                if ka != kb and not _explained_near(ka, kb):
                    return f"{a} / {b} differ by more than a transliteration"
        for a in members:
            near = [b for b in members if b != a and _letters_apart(a, b) <= _letters_allowed(a, b)]
            if not near:
                b = min((m for m in members if m != a), key=lambda m: (_letters_apart(a, m), m))
                return (f"{a} / {b} differ in {_letters_apart(a, b)} letters of {min(len(a), len(b))}: "
                        "another name, not a spelling")
        return ""

    def _full_names(self, members: list[str], limit: int = 3) -> tuple[tuple[str, int], ...]:
        """The full names a family-name group rests on: the given names seen right before
        each form (``Nikol Pashinyan``: the words whose followers include the form), with how
        often, most frequent first; titles (President) and words not used as given names
        (a month, a headline word) are left out."""
        if self._preceded is None:  # the followers turned around, once per variants()
            self._preceded = defaultdict(dict)
            for word, stats in self.stats.items():
                for follower, count in stats.after.items():
                    self._preceded[follower][word] = count
        found: dict[str, int] = {}
        for m in members:
            before = self._preceded.get(m, {})
            given = sorted((w for w in before if w.lower() not in _TITLES and self._is_given_name(w)),
                           key=lambda w: (-before[w], w))[:limit]
            for g in given:
                found[f"{g} {m}"] = before[g]
        return tuple(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))

    def _given_names(self, word: str) -> set[str]:
        """Capitalized words seen right before ``word`` that are names, not titles."""
        return {w.lower() for w in self.stats[word].before if self._name_or_title(w) and w.lower() not in _TITLES}

    def _review_reason(self, members: list[str], keys: dict) -> str:
        """Why a group must not be applied without review, or ``""`` (see the module docstring)."""
        spelling = self._spelling_reason(members, keys)
        if spelling:
            return spelling
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if not self._supports(a, b, shared_words=2):
                    return f"no shared context for {a} / {b} (no given name or title before both)"
                given_a, given_b = self._given_names(a), self._given_names(b)
                if given_a and given_b and not given_a & given_b and \
                        min(self.stats[a].count, self.stats[b].count) >= 2:
                    return (f"different given names before {a} ({', '.join(sorted(given_a)[:3])}) and "
                            f"{b} ({', '.join(sorted(given_b)[:3])}): two people")
        return ""

    def _describe(self, members: list[str], keys: dict) -> DiscoveredVariant:
        counts = {m: self.stats[m].count for m in members}
        canonical, canonical_by = choose_canonical(members, counts)
        contexts = [self._context(m) for m in members]
        shared_lower = set.intersection(*contexts) if contexts else set()
        spelled = {w.lower(): w for m in members for w in sorted(self.stats[m].before)}
        shared = {spelled.get(w, w) for w in shared_lower}
        union = set.union(*contexts) if contexts else set()
        same_key = len({keys[m][0] for m in members}) == 1
        rules = sorted({r for m in members for r in keys[m][1]} - {r for r in keys[canonical][1]}) or \
            sorted({r for m in members for r in keys[m][1]})
        score = (0.6 if same_key else 0.4) + 0.4 * (len(shared) / len(union) if union else 0.0)
        reason = self._review_reason(members, keys)
        return DiscoveredVariant(
            canonical=canonical,
            variants=tuple(sorted(m for m in members if m != canonical)),
            counts=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            documents=max(self.stats[m].documents for m in members),
            shared_context=tuple(sorted(shared)),
            rules=tuple(rules),
            score=round(score, 3),
            confidence="review" if reason else "apply",
            reason=reason,
            canonical_by=canonical_by,
            full_names=self._full_names(members),
        )


#: Words before a name that are titles or roles, not given names (they do not tell people apart).
_TITLES = {"president", "prime", "minister", "foreign", "defense", "defence", "former", "chairman", "leader",
           "secretary", "governor", "senator", "sen", "rep", "general", "gen", "colonel", "col", "king", "queen",
           "prince", "princess", "pope", "sheikh", "ayatollah", "imam", "chancellor", "mayor", "judge", "justice",
           "speaker", "ambassador", "spokesman", "spokeswoman", "commander", "captain", "sir", "lord", "lady",
           "mr", "mrs", "ms", "dr", "professor", "prof", "deputy", "vice", "head", "chief", "premier", "emir",
           "patriarch", "archbishop", "bishop", "coach", "director", "ceo", "founder", "minister's"}

#: Letters transliteration confuses (one for the other), and letters it adds or drops. Besides
#: the vowels and voicings of many systems: Russian ё written e or o (Gorbachev / Gorbachov),
#: and the Ukrainian against the Russian form of one name: г as h or g (Luhansk / Lugansk),
#: і for о (Kharkiv / Kharkov).
_CONFUSED = [{"g", "k"}, {"o", "u"}, {"e", "i"}, {"a", "e"}, {"s", "z"}, {"c", "k"}, {"f", "v"}, {"i", "e"},
             {"a", "o"}, {"e", "o"}, {"g", "h"}, {"i", "o"}]
#: First letters a near key may differ in (Gaddafi / Qaddafi / Kaddafi: g, q and k for one sound).
_FIRST_LETTER_CLASS = {"g": "k", "q": "k", "c": "k"}
_ADDED = set("hyieu")


#: A word mostly followed by a capitalized word is a given name (see the module docstring).
GIVEN_NAME_SHARE = 0.5
#: Mentions the canonical full name of a given-name group needs before it is applied (Tori
#: Hunter written twice in one article is no evidence against the Torii Hunter of another).
MIN_FULL_NAME_COUNT = 3


#: Several letters for one sound, each counted as one letter by :func:`_letters_apart`.
_DIGRAPHS = [(regex.compile(p), r) for p, r in ((r"sch", "sh"), (r"kh", "h"), (r"zh", "j"), (r"gh", "g"),
                                                 (r"dh", "d"), (r"ph", "f"), (r"t[sz]", "c"), (r"ck", "k"),
                                                 (r"ou", "u"))]


def _letters_apart(a: str, b: str) -> int:
    """Letters changed, added or dropped between two spellings: the Levenshtein distance of
    the lower-cased, diacritic-free forms, a digraph for a letter (``sch``/``sh``, ``kh``/``h``,
    ``zh``/``j``...) counting once. Erdoğan / Erdogan are 0 apart, Wong / Voong 2."""
    a, b = fold_diacritics(a).lower(), fold_diacritics(b).lower()
    for pattern, replacement in _DIGRAPHS:
        a, b = pattern.sub(replacement, a), pattern.sub(replacement, b)
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _letters_allowed(a: str, b: str) -> int:
    """How many letters a spelling may change: one in five, and one in a short name."""
    return max(1, min(len(a), len(b)) // 5)


def _explained_near(a: str, b: str) -> bool:
    """Keys one letter apart where that letter is a transliteration's: ``kadafi``/``gadafi``
    (g/k), ``ruhani``/``rohani`` (o/u), ``gadafi``/``gadhafi`` (an added h)."""
    if len(a) == len(b):
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        return len(diff) == 1 and {diff[0][0], diff[0][1]} in _CONFUSED
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) != 1:
        return False
    for i in range(len(long)):
        if long[:i] + long[i + 1:] == short:
            return long[i] in _ADDED
    return False


def wire_style(word: str) -> int:
    """How closely a spelling follows English wire style for transliterated names: one point
    for each ``y`` (Kadyrov, Yatsenyuk), ``sh``, ``kh``, ``zh`` and ``ou``, minus one for each
    French or German ``sch``/``tch``/``dj`` and each diacritic (Erdoğan -> Erdogan)."""
    lowered = regex.sub(r"(.)\1+", r"\1", word.lower())  # a doubled letter is no style (Romneyy)
    score = sum(lowered.count(part) for part in ("y", "sh", "kh", "zh", "ou"))
    score -= sum(lowered.count(part) for part in ("sch", "tch", "dj"))
    score -= sum(1 for c in unicodedata.normalize("NFD", word) if unicodedata.combining(c))
    return score


def choose_canonical(members: list[str], counts: dict[str, int]) -> tuple[str, str]:
    """The canonical form of a discovered group and the rule that chose it: the spelling the
    corpus uses most for that name (respelling its majority into a minority form would
    change more text, and against the corpus's own usage); on a tie, wire style; then the
    first in sorted order."""
    top = max(counts[m] for m in members)
    frequent = [m for m in members if counts[m] == top]
    if len(frequent) == 1:
        return frequent[0], "most frequent in the corpus"
    styles = {m: wire_style(m) for m in frequent}
    best = max(styles.values())
    styled = sorted(m for m in frequent if styles[m] == best)
    if len(styled) == 1:
        return styled[0], "wire style on a tie (y, sh, kh, zh, ou; no diacritics)"
    return styled[0], "first in sorted order"


_STOP = {"the", "a", "an", "of", "and", "in", "on", "to", "for", "by", "with", "at", "from", "as", "that", "is",
         "was", "said", "says", "he", "she", "it", "they", "his", "her", "its", "their", "but", "or", "mr", "mrs",
         "ms", "dr", "about", "after", "before", "also", "not", "be", "has", "have", "had", "this", "which", "who"}


_WEAK_RULES = [(regex.compile(p), r) for p, r in ((r"sch", "sh"), (r"ck", "k"), (r"ph", "f"), (r"ou", "u"),
                                                  (r"w", "v"), (r"(.)\1+", r"\1"))]


def _weak_key(word: str) -> str:
    """The word with only the *weak* rules applied: case, diacritics, doubled letters, and the
    spellings Western names vary by too (sch/sh, ck/k, ph/f, ou/u, w/v). Two words that differ
    in nothing else (Miley/Milley, Patrick/Patrik, Busch/Bush) are as often two names as two
    spellings, so they pair only with strong shared context."""
    key = fold_diacritics(word).lower()
    for pattern, replacement in _WEAK_RULES:
        key = pattern.sub(replacement, key)
    return key


def _inflection(a: str, b: str) -> bool:
    """One key is the other plus a short ending: a different word (Armenia/Armenian)."""
    short, long = sorted((a, b), key=len)
    return short != long and long.startswith(short) and len(long) - len(short) <= MAX_INFLECTION


def variant_to_dict(v: DiscoveredVariant) -> dict:
    """A discovered group as the run report keeps it (``discovered_names``)."""
    return {"canonical": v.canonical, "variants": list(v.variants), "counts": dict(v.counts),
            "full_names": [{"name": name, "count": count} for name, count in v.full_names],
            "documents": v.documents, "shared_context": list(v.shared_context), "rules": list(v.rules),
            "score": v.score, "confidence": v.confidence, "reason": v.reason, "canonical_by": v.canonical_by}


def variant_from_dict(data: dict) -> DiscoveredVariant:
    """The group :func:`variant_to_dict` gave (a saved model's ``names.json``)."""
    return DiscoveredVariant(
        canonical=str(data["canonical"]), variants=tuple(data["variants"]),
        counts={str(k): int(n) for k, n in data["counts"].items()}, documents=int(data["documents"]),
        shared_context=tuple(data["shared_context"]), rules=tuple(data["rules"]), score=float(data["score"]),
        confidence=str(data["confidence"]), reason=str(data["reason"]), canonical_by=str(data["canonical_by"]),
        full_names=tuple((str(f["name"]), int(f["count"])) for f in data["full_names"]))


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entity_toml(v: DiscoveredVariant) -> str:
    """One discovered group as an ``[[entity]]`` table of an alias table, with its evidence."""
    counts = ", ".join(f"{_toml_string(k)} = {n}" for k, n in v.counts.items())
    full_names = ", ".join(f"{_toml_string(k)} = {n}" for k, n in v.full_names)
    return "\n".join([
        "[[entity]]",
        f"canonical = {_toml_string(v.canonical)}",
        f"variants = [{', '.join(_toml_string(x) for x in v.variants)}]",
        f"confidence = {_toml_string(v.confidence)}"
        + (f"  # not applied: {v.reason}" if v.reason else "  # applied by --apply-discovered"),
        f"evidence = {{ counts = {{ {counts} }}, documents = {v.documents}, "
        f"shared_context = [{', '.join(_toml_string(x) for x in v.shared_context)}], "
        f"rules = [{', '.join(_toml_string(x) for x in v.rules)}], score = {v.score}, "
        f"canonical_by = {_toml_string(v.canonical_by)}, full_names = {{ {full_names} }} }}",
    ]) + "\n"


def variants_to_toml(found: list[DiscoveredVariant], origin: str = "") -> str:
    """A TOML alias table of discovered variants, with evidence, ready to review and commit."""
    lines = [f"# Spelling variants discovered by cleancorpus names{' in ' + origin if origin else ''}.",
             "# Review each entry; delete what is wrong; then use it with --names-table.",
             "# Entries marked review are skipped when the table is loaded: change them to apply to use them.",
             "# confidence: apply = respelled by --apply-discovered; review = only listed here, with the",
             "# reason (no shared context, two people, more than a transliteration apart...).",
             "# canonical: the most frequent form, then wire style on a tie (y, sh, kh, zh, ou; no diacritics)",
             ""]
    for v in found:
        lines += entity_toml(v).splitlines() + [""]
    return "\n".join(lines)


def discover_variants(documents: Iterable[Document], known: Iterable[str] = ()) -> list[DiscoveredVariant]:
    """Spelling variants of names in ``documents`` that no table lists (one call)."""
    return NameDiscovery(known).fit(documents).variants()
