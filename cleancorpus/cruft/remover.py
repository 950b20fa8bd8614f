"""The cruft stage: rules, recurrence and in-document repeats, composed.

:class:`CruftRemover` follows the fit/apply shape: ``fit`` learns recurring lines per
source in one streaming pass; ``apply`` is a pure function of one document and that
state, returning a new document with a :class:`~cleancorpus.document.LineRemoval`
record for every line it removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from ..document import SOURCE_LINES, Document, LineRemoval
from ..stages import Carried, StageBase
from .comments import find_comment_section
from .lines import line_columns, looks_like_headline, repeat_key
from .partitioned import LineCounts, StoryPlan, StoryState, scan_documents
from .recurrence import RecurrenceModel, RecurrenceSettings, source_of
from .rules import Rule, RuleSet, build_rules

REPEAT_RULE = "repeat"
#: Repeats of these first non-empty lines (the title area) are removed wherever they occur.
OPENING_LINES = 3
SECTION_RULE = "comment-section"


@dataclass(frozen=True)
class CruftSettings:
    """What the cruft stage does.

    - ``use_shipped_rules`` / ``rule_files`` / ``disable``: the rule library.
    - ``recurrence``: learn recurring lines per source (needs ``fit``); its thresholds.
    - ``repeats``: remove a line that repeats an earlier line of the same document.
    - ``section_min_line``: a comment-section heading among the first this-many
      non-empty lines is not taken as the start of the comments.
    """

    use_shipped_rules: bool = True
    rule_files: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    recurrence: bool = True
    recurrence_settings: RecurrenceSettings = field(default_factory=RecurrenceSettings)
    repeats: bool = True
    section_min_line: int = 3
    #: Seconds a user rule may take on one line before the run stops naming the rule (exit 2).
    rule_timeout: float = 1.0


def kept_line_indexes(lines: list[str], removed) -> list[int]:
    """The indexes of ``lines`` that stay when the indexes in ``removed`` go.

    A blank line right after a removed line is dropped too when it would double a blank
    line (or open the text), so paragraphs stay separated by one blank line.
    """
    kept: list[int] = []
    previous_removed = False
    for index, line in enumerate(lines):
        if index in removed:
            previous_removed = True
            continue
        if previous_removed and not line.strip() and (not kept or not lines[kept[-1]].strip()):
            continue
        kept.append(index)
        previous_removed = False
    return kept


_OPENING_QUOTES = "\"“„«‘‹「『"
_CLOSING_QUOTES = "\"”“»’›」』"


def continued_quotations(stripped: list[str], nonempty: list[int]) -> set[int]:
    """The lines that continue a quotation opened on an earlier line and not yet closed.

    A quotation starting a line is protected from recurrence (a byline or a quote is
    content even when reprinted); a long one wrapped over several lines must be protected
    on all of them, not only its first. A quotation still open after three lines is
    taken as unbalanced punctuation, not as a quote.
    """
    found: set[int] = set()
    open_for = 0
    for index in nonempty:
        line = stripped[index]
        if open_for:
            found.add(index)
            open_for = 0 if any(q in line for q in _CLOSING_QUOTES) or open_for >= 3 else open_for + 1
        elif line[0] in _OPENING_QUOTES and not any(q in line[1:] for q in _CLOSING_QUOTES):
            open_for = 1
    return found


class CruftRemover(StageBase):
    """Removes cruft lines from documents and records each removal with its rule.

    Learning recurrence takes two rounds (:mod:`.partitioned`): which documents count (the
    first copy of each story) and which sentences are learned, then the line counts.

    >>> remover = CruftRemover().fit(docs)        # doctest: +SKIP
    >>> clean = [remover.apply(d) for d in docs]  # doctest: +SKIP
    """

    name = "cruft"

    def __init__(self, settings: CruftSettings | None = None, rules: list[Rule] | None = None) -> None:
        self.settings = settings or CruftSettings()
        s = self.settings
        self.rules = rules if rules is not None else build_rules(
            use_shipped=s.use_shipped_rules, extra_files=s.rule_files, disable=s.disable, timeout=s.rule_timeout)
        self.line_rules = RuleSet(r for r in self.rules if r.scope == "line")
        self.section_rules = RuleSet(r for r in self.rules if r.scope == "section")
        self.recurrence = RecurrenceModel(s.recurrence_settings)
        #: what the first learning round decided (between the two rounds only)
        self.story_plan: StoryPlan | None = None
        #: where learning finds the recurrence scans of unchanged documents (``check``'s
        #: cache, see :func:`.partitioned.scan_documents`); ``None``: every one is scanned
        self.scan_memo: Any = None

    @property
    def rounds(self) -> int:
        """Two learning rounds when recurrence is on, else none (none either when the
        recurrence comes from a saved model: :meth:`use_learned`)."""
        return 2 if self.settings.recurrence and not self.learned else 0

    #: the recurrence was given (a saved model), not learned from the corpus being cleaned
    learned = False

    def use_learned(self, recurrence: RecurrenceModel) -> None:
        """Clean with ``recurrence`` (counts learned earlier: :mod:`cleancorpus.model`) and
        learn nothing from the corpus: the engines then run no learning round for this stage."""
        self.recurrence = recurrence
        self.story_plan = None
        self.learned = True

    def partial(self, part: int, documents: Iterable[Document], round: int = 0,
                carry: list | None = None) -> Carried | LineCounts:
        """What partition ``part`` teaches: its stories (round 0, carrying each document's
        scan to round 1), its line counts (round 1, from the scans carried, or ``documents``
        scanned again when none are)."""
        if round == 0:
            scans = scan_documents(documents, self.recurrence, self.scan_memo)
            return Carried(StoryState.of_scans(part, scans, self.recurrence.settings), scans)
        if self.story_plan is None:
            raise RuntimeError("the second round of recurrence needs the first one finished")
        if carry is None:
            carry = scan_documents(documents, self.recurrence, self.scan_memo)
        return LineCounts.of_scans(part, carry, self.story_plan)

    def merge(self, states: Sequence, round: int = 0) -> StoryState | LineCounts:
        if round == 0:
            return StoryState.merge(states, self.recurrence.settings)
        return LineCounts.merge(states)

    def merge_into(self, total: StoryState | LineCounts, state: StoryState | LineCounts,
                   round: int = 0) -> StoryState | LineCounts:
        if round == 0:
            return total.absorb(state, self.recurrence.settings)  # type: ignore[call-arg]
        return total.absorb(state)  # type: ignore[call-arg]

    def finish(self, state: StoryState | LineCounts, round: int = 0) -> None:
        if round == 0:
            self.story_plan = state.finish()  # type: ignore[union-attr]
        else:
            self.recurrence = state.finish(self.recurrence.settings, self.story_plan)  # type: ignore[call-arg]
            self.story_plan = None

    def fit(self, documents: Iterable[Document]) -> "CruftRemover":
        """Learn recurring lines per source from the whole corpus (one pass)."""
        if self.settings.recurrence:
            self.recurrence.fit(documents)
        else:
            for _ in documents:
                pass
        return self

    def for_workers(self) -> "CruftRemover":
        """A copy for worker processes: recurrence keeps only the recurring lines' counts
        (all ``apply`` looks at), not every short line of the corpus."""
        import copy

        slim = copy.copy(self)
        slim.recurrence = self.recurrence.recurring_only()
        return slim

    # ------------------------------------------------------------------ per document

    def _runs_ok(self, lines: list[str], decisions: list[tuple[str, str] | None], rules: list[Rule | None]) -> None:
        """Undo matches of ``needs_run`` rules whose run of lines (or tokens) is too short."""
        index = 0
        while index < len(lines):
            rule = rules[index]
            if rule is None or rule.needs_run <= 1:
                index += 1
                continue
            end = index
            tokens = 0
            while end < len(lines) and rules[end] is rule:
                tokens += len(lines[end].split())
                end += 1
            if end - index < rule.needs_run and tokens < rule.needs_run:
                for k in range(index, end):
                    decisions[k] = None
            index = end

    def removals(self, doc: Document) -> dict[int, tuple[str, str]]:
        """The lines of ``doc`` to remove: ``{line index: (rule id, detail)}``.

        Built from columns, each computed for all lines at once by a batch kernel (each
        line stripped and its words counted, the rule scan, the comment-section search,
        recurrence); only the last step, repeats and the order of decisions, walks the lines.
        """
        lines, stripped, words = line_columns(doc.text)
        decisions: list[tuple[str, str] | None] = [None] * len(lines)
        source = source_of(doc)
        nonempty = [i for i, count in enumerate(words) if count]
        texts = [stripped[i] for i in nonempty]
        openings = RuleSet.openings(texts)
        section = find_comment_section(lines, self.section_rules, self.settings.section_min_line,
                                       stripped=stripped, words=words, nonempty=nonempty, openings=openings)
        if self.line_rules:
            matched: list[Rule | None] = [None] * len(lines)
            for index, rule in zip(nonempty, self.line_rules.first_matches(texts, openings)):
                if rule is not None:
                    matched[index] = rule
                    decisions[index] = (rule.id, "")
            self._runs_ok(lines, decisions, matched)
        end = section[0] if section is not None else len(lines)
        if section is not None:
            start, rule_id, why = section
            for index in nonempty:
                if index >= start and decisions[index] is None:
                    decisions[index] = (rule_id, why) if index == start else (
                        SECTION_RULE, f"in the comment section opened on line {start + 1}")
        recurring: list[int] | None = None
        if self.settings.recurrence and self.recurrence.recurring_counts(source):
            recurring = self.recurrence.counts_of(source, texts, [words[i] for i in nonempty])
            total = self.recurrence.doc_counts.get(source, 0)
            quoted = continued_quotations(stripped, nonempty)
            if nonempty and looks_like_headline(texts[0]):
                quoted.add(nonempty[0])  # (a headline, like a continued quotation, is not recurring)
        # Two lines with one repeat key have as many words (the key only collapses whitespace
        # runs and folds case, and every character ``regex`` calls whitespace splits words for
        # ``str.split`` too): a line whose word count no other line has cannot repeat or be
        # repeated, and its key (a copy and a case fold of the line) is never computed.
        word_counts = Counter(words[i] for i in nonempty) if self.settings.repeats else Counter()
        seen: dict[str, int] = {}
        previous_text = -1  # index of the last non-empty line kept so far
        opening = set(nonempty[:OPENING_LINES])
        for position, index in enumerate(nonempty):
            if index >= end or decisions[index] is not None:
                continue
            if recurring is not None and recurring[position] and index not in quoted:
                decisions[index] = (f"recurring:{source}", f"in {recurring[position]} of {total} documents")
                continue
            if word_counts[words[index]] > 1:
                key = repeat_key(stripped[index])
                earlier = seen.get(key)
                # A title or caption printed twice: right after itself, or a repeat of one
                # of the first lines (the title). Elsewhere a list or recipe may repeat a
                # short line on purpose ("Eat every 2-3 hours"), so it stays.
                if earlier is not None and (earlier == previous_text or earlier in opening):
                    decisions[index] = (REPEAT_RULE, f"repeats line {earlier + 1}")
                    continue
                seen.setdefault(key, index)
            previous_text = index
        return {i: d for i, d in enumerate(decisions) if d is not None}

    def apply(self, doc: Document) -> Document:
        """A new document without its cruft lines, with a record for each removed line.

        A blank line left next to a removed one is dropped when it would double an
        existing blank line, so paragraphs stay separated by one blank line as before.
        """
        return self.apply_removals(doc, self.removals(doc))

    def apply_removals(self, doc: Document, removed: dict[int, tuple[str, str]]) -> Document:
        """``doc`` without the lines in ``removed`` (``{line index: (rule, detail)}``), recorded.

        :meth:`apply` uses every removal :meth:`removals` decides; ``check --fix`` passes
        only the selected ones.
        """
        if not removed:
            return doc
        lines = doc.text.split("\n")
        kept_indexes = kept_line_indexes(lines, removed)
        earlier = doc.meta.get(SOURCE_LINES)
        records = tuple(LineRemoval(doc.id, earlier[index] if earlier else index + 1, lines[index].strip(),
                                    *removed[index]) for index in sorted(removed))
        origins = tuple(earlier[i] for i in kept_indexes) if earlier else tuple(i + 1 for i in kept_indexes)
        meta = {**doc.meta, SOURCE_LINES: origins}
        return doc.evolve(text="\n".join(lines[i] for i in kept_indexes), records=records, meta=meta)

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        """Apply to each document lazily (call ``fit`` first when recurrence is on)."""
        for doc in documents:
            yield self.apply(doc)


def remove_cruft(documents: Iterable[Document], settings: CruftSettings | None = None) -> list[Document]:
    """Fit on ``documents`` and return them cleaned: the one-call form for a list.

    For a corpus too large for memory, use ``CruftRemover().fit(stream)`` then ``run(stream_again)``.
    """
    docs = list(documents)
    remover = CruftRemover(settings).fit(docs)
    return [remover.apply(d) for d in docs]
