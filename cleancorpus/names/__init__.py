"""Name spellings: alias tables, replacement with an audit record, and discovery of variants."""

from .discovery import DiscoveredVariant, NameDiscovery, discover_variants, transliteration_key, variants_to_toml
from .replace import NameNormalizer, NameSettings, normalize_names
from .tables import AliasEntry, TableError, load_table, merge_tables, shipped_table

__all__ = ["AliasEntry", "DiscoveredVariant", "NameDiscovery", "NameNormalizer", "NameSettings", "TableError",
           "discover_variants", "load_table", "merge_tables", "normalize_names", "shipped_table",
           "transliteration_key", "variants_to_toml"]
