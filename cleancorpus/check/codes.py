"""Finding codes, the finding type, and which codes a run reports.

Codes never change meaning and are never reused. Each has a page in ``rules.toml``
(what it finds, why, an example, the fix and its safety): ``cleancorpus rule CODE``.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from ..config import CheckSettings, ConfigError
from .rule_pages import has_fix, rule_pages

#: Each code's family and short description, from its page (``rules.toml``; see
#: :mod:`.rule_pages`, ``cleancorpus rule CODE``).
CODES: dict[str, tuple[str, str]] = {code: (page.family, page.short) for code, page in rule_pages().items()}
OPT_IN = {"CC202"}


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, its code, and what it is.

    ``key`` identifies the finding by content (for baselines: no line numbers); ``ref``
    identifies the change behind a fixable finding inside its document (``("line", N)``
    for a removed input line, ``("word", line, column, old)`` for a respelled word), so
    ``--fix`` applies exactly the changes whose findings were reported.
    """

    path: str
    line: int | None
    code: str
    message: str
    document: str
    key: str = ""
    ref: tuple = ()
    #: 1-based column of the finding's first character in its line (characters, not bytes;
    #: for a record, in the line of the record's text), ``None`` for a whole document
    column: int | None = None
    #: 1-based column just after its last character (as SARIF's ``endColumn``)
    end_column: int | None = None

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.code} {self.message}"

    @property
    def place(self) -> tuple:
        """What makes two findings the same finding (printed once)."""
        return (self.path, self.line, self.column, self.code, self.message, self.document)

    @property
    def family(self) -> str:
        return CODES[self.code][0]

    @property
    def fixable(self) -> bool:
        """Whether ``--fix`` can repair it: its code has a fix (its page says) and the finding
        points at the change (``ref``)."""
        return has_fix(self.code) and bool(self.ref)


@dataclass
class CheckResult:
    """All findings of a run, which of them fail it, and counts.

    ``notes`` are messages about the run that are not findings (a symbolic link skipped,
    a cache discarded, an interrupted fix completed); the command line prints them.
    """

    findings: list[Finding]
    failing: list[Finding]
    documents: int
    cache_hits: int = 0
    baseline_suppressed: int = 0
    fixed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    #: with a baseline, the findings it holds (the others are new); ``None`` without one
    baseline: list[Finding] | None = None

    @property
    def counts(self) -> Counter:
        return Counter(f.code for f in self.findings)


def expand_codes(patterns: Iterable[str], what: str) -> set[str]:
    """Codes matching exact codes or prefixes (``CC1`` = all cruft codes); unknown ones are errors."""
    result = set()
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise ConfigError(f"{what}: codes must be strings, not {pattern!r}")
        matched = {c for c in CODES if c.startswith(pattern.upper())}
        if not matched or not pattern.upper().startswith("CC"):
            raise ConfigError(f"unknown code {pattern!r} in {what}; known: {', '.join(CODES)}")
        result |= matched
    return result


def selected_codes(check: CheckSettings) -> set[str]:
    """The codes this run reports: ``select`` (default: all but opt-in ones) minus ``ignore``."""
    chosen = expand_codes(check.select, "select") if check.select else set(CODES) - OPT_IN
    chosen |= expand_codes(check.extend_select, "extend-select")
    for pattern, codes in check.per_path_ignores.items():
        expand_codes(codes, f"per-path-ignores {pattern!r}")
    return chosen - expand_codes(check.ignore, "ignore")


def ignored_here(finding: Finding, check: CheckSettings) -> bool:
    """Whether a per-path ignore covers this finding (patterns match the id or the path)."""
    for pattern, codes in check.per_path_ignores.items():
        if fnmatch.fnmatch(finding.document, pattern) or fnmatch.fnmatch(finding.path, pattern):
            if finding.code in expand_codes(codes, "per-path-ignores"):
                return True
    return False
