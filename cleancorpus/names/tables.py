"""Alias tables: one canonical spelling per entity and its variants.

Tables are TOML, one ``[[entity]]`` per canonical form::

    [[entity]]
    canonical = "Pashinyan"
    variants = ["Pashinian"]

The shipped table (``aliases.toml``) covers the region and beat of the seeds and widely
varying world names; users add their own files or a ``[[tool.cleancorpus.names.entity]]``
list in pyproject.toml. A user's entry wins over a shipped one for the same variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

from .._toml import load_toml, load_toml_file

SHIPPED = "shipped"


class TableError(ValueError):
    """A table that cannot be used (bad TOML, missing key, a variant claimed twice)."""


@dataclass(frozen=True)
class AliasEntry:
    """One entity: its canonical spelling, the variant spellings, and the table it came from."""

    canonical: str
    variants: tuple[str, ...]
    table: str = SHIPPED
    #: for an entry discovery made: the transliteration patterns its spellings differ by
    #: (``y/i``, ``doubled letter``...), which each change it makes records
    pattern: str = ""

    @property
    def label(self) -> str:
        """How records name this entry: ``table:canonical``."""
        return f"{self.table}:{self.canonical}"


def parse_entities(entities: Iterable[Mapping], table: str) -> list[AliasEntry]:
    """Entries from parsed ``[[entity]]`` tables, checked."""
    result = []
    for number, item in enumerate(entities, start=1):
        if not isinstance(item, Mapping) or "canonical" not in item:
            raise TableError(f"{table}: entity {number} has no 'canonical'")
        if not isinstance(item["canonical"], str) or not item["canonical"].strip():
            raise TableError(f"{table}: entity {number}: 'canonical' must be a non-empty string")
        unknown = set(item) - {"canonical", "variants", "note", "evidence", "confidence", "source"}
        if unknown:
            raise TableError(f"{table}: entity {item['canonical']!r} has unknown keys {sorted(unknown)}")
        variants = item.get("variants", [])
        if not isinstance(variants, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise TableError(f"{table}: entity {item['canonical']!r}: 'variants' must be a list of strings")
        variants = tuple(v for v in variants if v != item["canonical"])
        confidence = item.get("confidence", "apply")
        if confidence not in ("apply", "review"):
            raise TableError(f"{table}: entity {item['canonical']!r}: 'confidence' must be \"apply\" or \"review\"")
        if confidence == "review":  # a discovered entry nobody has approved yet: listed, never applied
            continue
        result.append(AliasEntry(str(item["canonical"]), variants, table))
    return result


def shipped_table() -> list[AliasEntry]:
    """The alias table that ships with cleancorpus."""
    text = resources.files(__package__).joinpath("aliases.toml").read_text(encoding="utf-8")
    return parse_entities(load_toml(text, "aliases.toml", TableError).get("entity", []), SHIPPED)


def load_table(path: str | Path) -> list[AliasEntry]:
    """A user's alias table from a TOML file."""
    return parse_entities(load_toml_file(path, "alias table", TableError).get("entity", []), str(path))


def table_forms(path: str | Path) -> set[str]:
    """Every spelling a user's alias table names (canonical forms and variants, of entries
    marked review too), after checking the table loads."""
    entities = load_toml_file(path, "alias table", TableError).get("entity", [])
    parse_entities(entities, str(path))  # (the checks load_table makes)
    return {form for item in entities for form in (item["canonical"], *item.get("variants", []))}


def merge_tables(*tables: Iterable[AliasEntry]) -> dict[str, AliasEntry]:
    """``{variant: entry}`` with later tables winning over earlier ones.

    Pass the shipped table first and the user's last. A canonical form of a later table
    also stops an earlier table from rewriting that word (so a user can keep "Kiev" by
    declaring it canonical).
    """
    mapping: dict[str, AliasEntry] = {}
    for table in tables:
        for entry in table:
            mapping.pop(entry.canonical, None)
            for variant in entry.variants:
                mapping[variant] = entry
    return mapping
