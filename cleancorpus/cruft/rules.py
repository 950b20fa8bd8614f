"""The cruft rule library: patterns with ids, kept as data in TOML.

The shipped rules live in ``rules.toml`` beside this module. A user adds rules in a
file of the same shape and switches shipped rules off by id. Patterns are compiled
with the ``regex`` module (Unicode classes such as ``\\p{P}``), case-insensitive, and
must match a whole stripped line: a rule never removes part of a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import regex

from .._toml import load_toml, load_toml_file

VALID_SCOPES = ("line", "section")
#: "not remembered" in a memo whose values may be ``None``
_UNKNOWN = object()


class RuleError(ValueError):
    """A rules file that cannot be used: bad TOML, a missing key, an invalid pattern."""


class RuleTimeout(RuleError):
    """A user rule that took longer than its time limit on one line (catastrophic backtracking)."""


@dataclass(frozen=True)
class Rule:
    """One cruft pattern.

    ``scope="line"`` removes a matching line; ``scope="section"`` removes the matching
    line and everything after it (a comment section). ``needs_run`` asks for at least
    that many consecutive matching lines (or tokens on one line), for patterns such as
    size pickers that are harmless alone.
    """

    id: str
    family: str
    pattern: str
    scope: str = "line"
    needs_run: int = 1
    #: the language the rule is written for (``"de"``, ``"pl"``...), ``""`` for English or any
    lang: str = ""
    #: where the rule comes from (shown when it fails) and its per-line time limit in
    #: seconds (``None`` for shipped rules, which are tested not to backtrack)
    origin: str = "shipped rules.toml"
    timeout: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", regex.compile(self.pattern, regex.IGNORECASE | regex.V1))

    def matches(self, stripped_line: str) -> bool:
        """True when the pattern matches the whole (already stripped) line.

        Raises :class:`RuleTimeout` when a user rule runs past its time limit on the line.
        """
        try:
            return self._compiled.fullmatch(stripped_line, timeout=self.timeout) is not None  # type: ignore
        except TimeoutError:
            raise RuleTimeout(f"{self.origin}: rule {self.id!r} took more than {self.timeout:g} s on one line "
                              f"({stripped_line[:60]!r}...): its pattern backtracks; fix or disable it") from None


class RuleSet:
    """Rules tested in order, answering "which rule is the first to match this line?".

    Consecutive shipped rules are compiled into one alternation of named groups: one
    ``fullmatch`` per line instead of one per rule (the rule scan is the hottest loop of
    the cruft stage). A ``fullmatch`` of ``(?P<r0>a)|(?P<r1>b)`` finds the first
    alternative, in order, that matches the whole line: the same rule as testing them one
    by one. User rules are tested one by one, each under its time limit (their patterns
    may use numbered backreferences, which an alternation would renumber).

    Most lines cannot match most rules, and that shows in their first word ("The
    minister said..." can match no rule; "Share this..." only the share rules). So each
    alternation is narrowed per *opening* (a line's first word and the space after it, at
    most ``OPENING_CHARS`` characters): ``regex``'s partial matching answers "can any line
    starting like this match the rule?" exactly, case folding included. Lines whose
    opening no rule can start (most prose) skip the scan; the others run the narrowed
    alternation (a single rule's own pattern, or, for a set of rules that opens many
    lines, an alternation compiled for it once).
    """

    #: How much of a line's start decides which rules can match it.
    OPENING_CHARS = 24
    #: A set of several rules gets its own alternation after this many lines need it (a
    #: compile costs tens of milliseconds: it pays for itself after a few thousand lines).
    NARROW_AFTER = 2000
    #: At most this many openings are remembered (beyond it a line is still scanned
    #: correctly, with its opening's rules found again).
    MAX_OPENINGS = 65536
    #: At most this many lines' answers are remembered per segment (then it starts again).
    MAX_LINES = 32_768

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        self.segments: list[tuple[regex.Pattern | None, list[Rule]]] = []
        for rule in self.rules:
            combinable = rule.timeout is None
            if combinable and self.segments and self.segments[-1][0] is not None:
                self.segments[-1][1].append(rule)
            else:
                self.segments.append((None if not combinable else True, [rule]))  # type: ignore[arg-type]
        self.segments = [(self._combine(group) if marker is not None else None, group)
                         for marker, group in self.segments]
        #: per segment: opening -> the narrowed scan for it (see :meth:`_narrowed`)
        self._by_opening: list[dict[str, list]] = [{} for _ in self.segments]
        #: per segment: ids of a set of rules -> [lines that needed it, scan or None]
        self._by_rules: list[dict[tuple[int, ...], list]] = [{} for _ in self.segments]
        #: per segment: line -> the rule it matches (``None``: none), for lines that open
        #: like a rule (see :meth:`_segment_match`)
        self._matches: list[dict[str, Rule | None]] = [{} for _ in self.segments]

    def __getstate__(self) -> dict:
        """What a copy in another process gets: the remembered line answers are left behind."""
        state = dict(self.__dict__)
        state["_matches"] = [{} for _ in self.segments]
        return state

    @staticmethod
    def _combine(group: list[Rule]) -> regex.Pattern:
        return regex.compile("|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(group)),
                             regex.IGNORECASE | regex.V1)

    @classmethod
    def opening(cls, line: str) -> str:
        """What decides which rules can match ``line``: up to and including its first space,
        at most :data:`OPENING_CHARS` characters."""
        return line[:(line.find(" ", 0, cls.OPENING_CHARS) + 1) or cls.OPENING_CHARS]

    def _ids(self, segment: int, line: str) -> tuple[int, ...]:
        """The positions in ``segment``'s group of the rules that can match a line opening
        like ``line`` (found by partial matching, then remembered)."""
        combined, group = self.segments[segment]
        opening = self.opening(line)
        openings = self._by_opening[segment]
        ids = openings.get(opening)
        if ids is None:
            if combined.fullmatch(opening, partial=True) is None:  # type: ignore[union-attr]
                ids = ()
            else:
                ids = tuple(i for i, rule in enumerate(group)
                            if rule._compiled.fullmatch(opening, partial=True) is not None)  # type: ignore[attr-defined]
            if len(openings) < self.MAX_OPENINGS:
                openings[opening] = ids
        return ids

    def _narrowed(self, segment: int, line: str) -> tuple[regex.Pattern | None, list[Rule]]:
        """The scan for ``line`` in ``segment``: ``(None, [])`` when no rule can match it, a
        single rule's pattern, the alternation of the rules that can, or the whole one."""
        combined, group = self.segments[segment]
        ids = self._ids(segment, line)
        if not ids:
            return None, []
        if len(ids) == 1:
            rule = group[ids[0]]
            return rule._compiled, [rule]  # type: ignore[attr-defined]
        entry = self._by_rules[segment].setdefault(ids, [0, None])
        if entry[1] is None:
            entry[0] += 1
            if entry[0] < self.NARROW_AFTER:
                return combined, group
            rules = [group[i] for i in ids]
            entry[1] = (self._combine(rules), rules)
        return entry[1]

    def _segment_match(self, segment: int, line: str) -> Rule | None:
        """The first rule of (shipped) ``segment`` that matches ``line``, or ``None``.

        A line some rule can start like is remembered with its answer: cruft lines are the
        lines a corpus repeats most, so most of them are answered by a lookup.
        """
        scan, rules = self._narrowed(segment, line)
        if scan is None:
            return None
        remembered = self._matches[segment]
        found = remembered.get(line, _UNKNOWN)
        if found is _UNKNOWN:
            match = scan.fullmatch(line)
            found = None if match is None else rules[0] if len(rules) == 1 else next(
                rule for i, rule in enumerate(rules) if match.group(f"r{i}") is not None)
            if len(remembered) >= self.MAX_LINES:
                remembered.clear()
            remembered[line] = found
        return found  # type: ignore[return-value]

    def first_match(self, stripped_line: str) -> Rule | None:
        """The first rule (in order) that matches the whole stripped line, or ``None``."""
        for segment, (combined, group) in enumerate(self.segments):
            if combined is None:
                if group[0].matches(stripped_line):
                    return group[0]
                continue
            found = self._segment_match(segment, stripped_line)
            if found is not None:
                return found
        return None

    @classmethod
    def openings(cls, lines: Sequence[str]) -> list[str]:
        """:meth:`opening` of each line, in one list pass (what :meth:`first_matches` and
        :meth:`could_match` take, computed once when both scan the same lines)."""
        limit = cls.OPENING_CHARS
        return [line[:(line.find(" ", 0, limit) + 1) or limit] for line in lines]

    def first_matches(self, lines: Sequence[str], openings: Sequence[str] | None = None) -> list[Rule | None]:
        """``[self.first_match(line) for line in lines]``, computed a segment at a time.

        The batch form the cruft stage calls: for each segment of shipped rules, one list
        pass looks up each line's opening (``openings``, if already computed) and drops the
        lines no rule can start like (most prose); only the rest reach :meth:`_narrowed` and
        a ``fullmatch``. User rules (each under its time limit) are tested on the lines
        still unmatched.
        """
        found: list[Rule | None] = [None] * len(lines)
        if openings is None:
            openings = self.openings(lines)
        pending: Sequence[int] = range(len(lines))
        for segment, (combined, group) in enumerate(self.segments):
            if not pending:
                break
            if combined is None:
                rule = group[0]
                for index in pending:
                    if rule.matches(lines[index]):
                        found[index] = rule
            else:
                known = self._by_opening[segment].get
                # an opening not seen yet (``None``) is a candidate until _narrowed decides
                for index in [i for i in pending if known(openings[i]) != ()]:
                    found[index] = self._segment_match(segment, lines[index])
            pending = [i for i in pending if found[i] is None]
        return found

    def could_match(self, lines: Sequence[str], openings: Sequence[str] | None = None) -> list[bool]:
        """For each line, ``False`` when no rule can match it, judged by its opening alone
        (``True`` means "test it": :meth:`first_match` may still find nothing). Every line
        is a candidate for a set with user rules (their patterns are not narrowed)."""
        if any(combined is None for combined, _ in self.segments):
            return [True] * len(lines)
        if openings is None:
            openings = self.openings(lines)
        candidates = [False] * len(lines)
        for segment in range(len(self.segments)):
            known = self._by_opening[segment].get
            candidates = [c or bool(self._ids(segment, line) if (ids := known(o)) is None else ids)
                          for c, o, line in zip(candidates, openings, lines)]
        return candidates

    def __bool__(self) -> bool:
        return bool(self.rules)


def _parse_rules(data: dict, origin: str, timeout: float | None = None) -> list[Rule]:
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RuleError(f"{origin}: 'rule' must be a list of tables ([[rule]])")
    rules = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise RuleError(f"{origin}: rule {number} is not a table")
        missing = [k for k in ("id", "pattern") if k not in entry]
        if missing:
            raise RuleError(f"{origin}: rule {number} lacks {', '.join(missing)}")
        unknown = set(entry) - {"id", "family", "pattern", "scope", "needs_run", "lang"}
        if unknown:
            raise RuleError(f"{origin}: rule {entry['id']!r} has unknown keys {sorted(unknown)}")
        for key in ("id", "pattern", "family", "scope", "lang"):
            if key in entry and not isinstance(entry[key], str):
                raise RuleError(f"{origin}: rule {number}: {key} must be a string, not {entry[key]!r}")
        needs_run = entry.get("needs_run", 1)
        if isinstance(needs_run, bool) or not isinstance(needs_run, int) or needs_run < 1:
            raise RuleError(f"{origin}: rule {entry['id']!r}: needs_run must be a whole number of at least 1, "
                            f"not {needs_run!r}")
        scope = entry.get("scope", "line")
        if scope not in VALID_SCOPES:
            raise RuleError(f"{origin}: rule {entry['id']!r}: scope must be one of {VALID_SCOPES}")
        try:
            rules.append(Rule(id=entry["id"], family=entry.get("family", "user"), pattern=entry["pattern"],
                              scope=scope, needs_run=needs_run, lang=entry.get("lang", ""), origin=origin,
                              timeout=timeout))
        except regex.error as exc:
            raise RuleError(f"{origin}: rule {entry['id']!r}: invalid pattern: {exc}") from None
    return rules


def shipped_rules() -> list[Rule]:
    """The rules that ship with cleancorpus."""
    text = resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8")
    return _parse_rules(load_toml(text, "rules.toml"), "shipped rules.toml")


def load_rules_file(path: str | Path, timeout: float | None = 1.0) -> list[Rule]:
    """Rules from a user's TOML file (same shape as the shipped ``rules.toml``), each run
    with a per-line time limit of ``timeout`` seconds."""
    return _parse_rules(load_toml_file(path, "rules", RuleError), str(path), timeout)


def build_rules(*, use_shipped: bool = True, extra_files: Iterable[str | Path] = (),
                disable: Iterable[str] = (), timeout: float | None = 1.0) -> list[Rule]:
    """The active rule list: shipped rules (unless off), then the user's, minus disabled ids.

    A user rule with the id of a shipped rule replaces it. Disabling an id that no
    rule has is an error, so a typo does not silently keep a rule on.
    """
    rules: dict[str, Rule] = {}
    if use_shipped:
        rules.update((r.id, r) for r in shipped_rules())
    for file in extra_files:
        rules.update((r.id, r) for r in load_rules_file(file, timeout))
    disabled = set(disable)
    unknown = disabled - set(rules)
    if unknown:
        raise RuleError(f"cannot disable unknown cruft rule(s): {', '.join(sorted(unknown))}")
    return [r for r in rules.values() if r.id not in disabled]
