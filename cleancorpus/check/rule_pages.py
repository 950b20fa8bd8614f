"""The page of each finding code: what it finds, why it matters, an example, the fix, and
whether the fix is safe (``rules.toml``, data). ``cleancorpus rule CODE`` prints one, the
short descriptions of check's output come from the same pages, and so does the README's
table of codes (a test compares the two), so none of them can drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .._toml import load_toml_file

RULE_PAGES_FILE = Path(__file__).with_name("rules.toml")
#: Where a rule's page is read on the web (SARIF's ``helpUri``; the README's table of codes).
HELP_URI = "https://pypi.org/project/cleancorpus/"


@dataclass(frozen=True)
class RulePage:
    """One code's page. ``safe``: ``True`` when ``--fix`` applies the fix, ``False`` when
    only ``--unsafe-fixes`` does, ``None`` when there is nothing to fix in place."""

    code: str
    name: str
    family: str
    short: str
    summary: str
    why: str
    example: str
    fix: str
    safe: bool | None = None

    @property
    def fix_kind(self) -> str | None:
        """``"safe"``, ``"unsafe"``, or ``None`` when there is nothing to fix in place."""
        return None if self.safe is None else "safe" if self.safe else "unsafe"

    def text(self) -> str:
        """The page as ``cleancorpus rule CODE`` prints it."""
        fixable = {"safe": "yes, safe (--fix)", "unsafe": "yes, unsafe (--unsafe-fixes)", None: "no"}[self.fix_kind]
        return (f"{self.code} ({self.name}, {self.family})\n\n"
                f"What it finds: {self.summary}.\n\n"
                f"Why it matters: {self.why}\n\n"
                f"Example: {self.example}\n\n"
                f"Fix: {self.fix}\n\n"
                f"Fixable: {fixable}\n")

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "family": self.family, "short": self.short,
                "summary": self.summary,
                "why": self.why, "example": self.example, "fix": self.fix, "safe": self.safe}


@lru_cache(maxsize=1)
def rule_pages() -> dict[str, RulePage]:
    """Every code's page, in code order."""
    data = load_toml_file(RULE_PAGES_FILE, "rule pages")
    return {code: RulePage(code=code, **fields) for code, fields in sorted(data.items())}


def markdown_table() -> str:
    """The README's table of codes, from the pages."""
    rows = ["| code | family | meaning | fix |", "|---|---|---|---|"]
    for page in rule_pages().values():
        rows.append(f"| {page.code} | {page.family} | {page.summary} | {page.fix_kind or '-'} |")
    return "\n".join(rows) + "\n"


def fix_is_safe(code: str) -> bool:
    """Whether ``--fix`` applies a fix of ``code`` without ``--unsafe-fixes``."""
    page = rule_pages().get(code)
    return page is not None and page.fix_kind == "safe"


def has_fix(code: str) -> bool:
    """Whether findings of ``code`` can be fixed in place at all (safely or not)."""
    page = rule_pages().get(code)
    return page is not None and page.fix_kind is not None
