"""Cruft removal: shipped rules, lines recurring across a source, in-document repeats, comment sections."""

from .recurrence import RecurrenceModel, RecurrenceSettings, source_of
from .remover import CruftRemover, CruftSettings, remove_cruft
from .rules import Rule, RuleError, build_rules, load_rules_file, shipped_rules

__all__ = [
    "CruftRemover", "CruftSettings", "RecurrenceModel", "RecurrenceSettings", "Rule", "RuleError",
    "build_rules", "load_rules_file", "remove_cruft", "shipped_rules", "source_of",
]
