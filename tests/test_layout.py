"""The package's layering: no import circle between its modules, no private name used
across modules, one module per command in the CLI (issue 26, "the house shows the design").

Imports are read from the source with :mod:`ast`, those inside functions included: an
import deferred into a function to dodge a circle is still a circle of the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cleancorpus"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str]]:
    """``(module, imported name)`` for every ``from X import Y`` of cleancorpus in ``path``
    (``Y`` is ``""`` for a submodule import); package ``__init__`` resolution as Python's."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append((submodule, "") if submodule in known else (target, alias.name))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
    return [(module, item) for module, item in found if module in known and module != name]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {module for module, _ in imports_of(name, path, known)} for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_circle() -> None:
    """(The finder itself, on a graph with one circle and one chain.)"""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_modules() -> None:
    assert circles(graph()) == []


def test_no_private_name_is_imported_from_another_module() -> None:
    known = modules()
    private = [f"{name} imports {item} from {module}" for name, path in known.items()
               for module, item in imports_of(name, path, known)
               if item.startswith("_") and not item.startswith("__")]
    assert private == []


@pytest.mark.parametrize("command", ["normalize", "explain", "check", "rule", "names", "rules", "report", "dedup"])
def test_each_command_is_its_own_module(command: str) -> None:
    import importlib

    module = importlib.import_module(f"cleancorpus.cli.{command}")
    assert callable(module.add_parser) and callable(module.run)
    from cleancorpus.cli import build_parser

    parser = build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert choices[command].get_default("func") is module.run


#: A value for each flag of FLAG_SETTINGS that differs from the default settings.
FLAG_VALUES = {
    "text_field": ["--text-field", "body"], "id_field": ["--id-field", "key"],
    "source_field": ["--source-field", "site"], "url_field": ["--url-field", "link"],
    "date_field": ["--date-field", "day"], "follow_links": ["--follow-links"],
    "no_html_templates": ["--no-html-templates"], "max_document_mb": ["--max-document-mb", "2"],
    "no_repair": ["--no-repair"], "min_docs": ["--min-docs", "7"], "min_share": ["--min-share", "0.5"],
    "rules": ["--rules", "mine.toml"], "disable": ["--disable", "share-button"],
    "no_shipped_rules": ["--no-shipped-rules"], "no_recurrence": ["--no-recurrence"],
    "names_table": ["--names-table", "ours.toml"], "no_shipped_names": ["--no-shipped-names"],
    "apply_discovered": ["--apply-discovered"], "skip_quotations": ["--skip-quotations"],
    "threshold": ["--threshold", "0.7"], "representative": ["--representative", "earliest"],
    "prefer": ["--prefer", "wire"], "select": ["--select", "CC1,CC301"], "ignore": ["--ignore", "CC405"],
    "extend_select": ["--extend-select", "CC202"], "extend_ignore": ["--extend-ignore", "CC406"],
    "min_words": ["--min-words", "9"], "language": ["--language", "fr"],
    "max_cruft_share": ["--max-cruft-share", "0.2"],
}


def test_every_flag_of_the_settings_table_sets_its_field(tmp_path: Path) -> None:
    """Each row of FLAG_SETTINGS names a real flag and a real field, and the flag changes it."""
    from cleancorpus.cli import build_parser
    from cleancorpus.cli.common import FLAG_SETTINGS, apply_flags
    from cleancorpus.config import Settings

    assert sorted(FLAG_VALUES) == sorted(dest for dest, *_ in FLAG_SETTINGS)
    default = Settings()
    parser = build_parser()
    for dest, section, name, _how in FLAG_SETTINGS:
        args = parser.parse_args(["check", str(tmp_path), *FLAG_VALUES[dest]])
        changed = apply_flags(default, args)
        before, after = default, changed
        for part in section.split("."):
            before, after = getattr(before, part), getattr(after, part)
        assert getattr(after, name) != getattr(before, name), dest
    args = parser.parse_args(["check", str(tmp_path), "--select", "CC1,CC301", "--ignore", "CC405",
                              "--disable", "a", "--disable", "b", "--max-document-mb", "2"])
    changed = apply_flags(default, args)
    assert changed.check.select == ("CC1", "CC301")
    assert changed.check.ignore == default.check.ignore + ("CC405",)
    assert changed.cruft.disable == default.cruft.disable + ("a", "b")
    assert changed.read.max_document_bytes == 2 * 1024 * 1024


STAGE_CLASSES = {"CruftRemover", "NameNormalizer", "NearDuplicateDetector", "TextRepairer", "RecurrenceModel",
                 "NameDiscovery"}


def stage_knowledge_in(path: Path) -> list[str]:
    """What of the stages' own classes an engine module uses: imports of them, ``isinstance``
    on them, and attributes of a stage set from outside (``x.recurrence = ...``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found += [f"imports {a.name}" for a in node.names if a.name in STAGE_CLASSES]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            found += [f"isinstance on {n}" for n in sorted(names & STAGE_CLASSES)]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr.startswith("_") \
                        and not (isinstance(target.value, ast.Name) and target.value.id == "self"):
                    found.append(f"sets {target.attr} from outside")
    return found


def test_the_engines_use_the_stage_interface_and_nothing_else() -> None:
    """Engines move data between the stages' partial / merge / finish / apply (issue 26):
    no stage class named, no ``isinstance`` on one, no private attribute set from outside."""
    used = {path.name: stage_knowledge_in(path) for path in (PACKAGE / "engines").glob("*.py")}
    used["pipeline.py"] = [u for u in stage_knowledge_in(PACKAGE / "pipeline.py") if u.startswith(("isinstance", "sets"))]
    assert {name: found for name, found in used.items() if found} == {}
    sample = ast.parse("from x import CruftRemover\nisinstance(s, NearDuplicateDetector)\nd._duplicate_of = {}\n")
    probe = PACKAGE.parent / "tests" / ".layout-probe.py"
    probe.write_text(ast.unparse(sample), encoding="utf-8")
    try:
        assert len(stage_knowledge_in(probe)) == 3  # the finder finds what it looks for
    finally:
        probe.unlink()
