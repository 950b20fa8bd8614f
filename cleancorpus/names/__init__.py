"""Name spellings: alias tables, replacement with an audit record, and discovery of variants."""

from .replace import NameNormalizer, NameSettings, normalize_names
from .tables import AliasEntry, TableError, load_table, merge_tables, shipped_table

__all__ = ["AliasEntry", "NameNormalizer", "NameSettings", "TableError", "load_table", "merge_tables",
           "normalize_names", "shipped_table"]
