"""Finding codes, the finding type, and which codes a run reports.

Codes never change meaning and are never reused:

=======  ===========  ==========================================================
code     family       meaning
=======  ===========  ==========================================================
CC101    cruft        a line a cruft rule (shipped or yours) matches
CC102    cruft        a line that recurs across many documents of its source
CC103    cruft        a line that repeats an earlier line of the document
CC104    cruft        a comment section or end matter (and every line in it)
CC201    names        a spelling that an alias table maps to another form
CC202    names        a spelling that discovery maps to another form (opt-in)
CC301    duplicates   a near-duplicate of another document
CC401    document     cannot be read (binary, undecodable, malformed JSON line)
CC402    document     empty, or near-empty after cleaning (fewer than 5 words)
CC403    document     mojibake: text decoded with the wrong encoding ("â€™"); fixable (ftfy)
CC404    document     not in the expected language (when ``language`` is set)
CC405    document     very short after cleaning (fewer than ``min_words`` words)
CC406    document     not valid UTF-8 (read with a fallback encoding)
=======  ===========  ==========================================================
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from ..config import CheckSettings, ConfigError

CODES: dict[str, tuple[str, str]] = {
    "CC101": ("cruft", "a line a cruft rule matches"),
    "CC102": ("cruft", "a line that recurs across many documents of its source"),
    "CC103": ("cruft", "a line that repeats an earlier line of the document"),
    "CC104": ("cruft", "a comment section or end matter"),
    "CC201": ("names", "a spelling that an alias table maps to another form"),
    "CC202": ("names", "a spelling that discovery maps to another form (opt-in)"),
    "CC301": ("duplicates", "a near-duplicate of another document"),
    "CC401": ("document", "cannot be read"),
    "CC402": ("document", "empty or near-empty after cleaning"),
    "CC403": ("document", "mojibake"),
    "CC404": ("document", "not in the expected language"),
    "CC405": ("document", "very short after cleaning"),
    "CC406": ("document", "not valid UTF-8"),
}
OPT_IN = {"CC202"}
#: Families whose findings ``--fix`` can repair.
FIXABLE_FAMILIES = ("cruft", "names")
#: Other codes whose findings ``--fix`` can repair (when they carry a ``ref``).
FIXABLE_CODES = ("CC403",)


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

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.code} {self.message}"

    @property
    def family(self) -> str:
        return CODES[self.code][0]

    @property
    def fixable(self) -> bool:
        return (self.family in FIXABLE_FAMILIES or self.code in FIXABLE_CODES) and bool(self.ref)


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
