"""``cleancorpus names``: discover name spelling variants no table lists, as a TOML table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (EXIT_FINDINGS, EXIT_OK, UsageError, add_common_options, add_engine_options,
                     learn_from_inputs, print_problems, settings_from_args)


def add_parser(subparsers) -> None:
    """``cleancorpus names``: discover name spelling variants no table lists, as a TOML table."""
    parser = subparsers.add_parser("names", help="discover name spelling variants no table lists, as a TOML table")
    add_common_options(parser, several=True, dedup=False)
    parser.add_argument("-o", "--output", metavar="FILE", help="write the table here (default: stdout)")
    parser.add_argument("--write-table", metavar="TABLE", help="accept the groups confident enough to apply into "
                        "your alias table TABLE (made if missing; its entries are kept, a group naming a spelling "
                        "it already has is left out); use it with --names-table TABLE")
    add_engine_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Discovery as ``normalize`` runs it: the name stage learning, on either engine, in
    workers that read their own partitions; its finished state lists every variant."""
    from ..io import atomic_write_bytes
    from ..names import variants_to_toml
    from ..pipeline import build_stages

    settings = settings_from_args(args)
    if args.write_table:  # a table that does not load is an error before any work
        accept_into_table(Path(args.write_table), [], quiet=True)
    stages = build_stages(settings, dedup=False, discover_names=True)
    normalizer = next(stage for stage in stages if stage.name == "names")
    problems = learn_from_inputs(args, settings, stages)
    found = normalizer.candidates  # type: ignore[attr-defined]
    print_problems(problems)
    if args.write_table:
        accept_into_table(Path(args.write_table), found, quiet=args.quiet)
        if not args.output:
            return EXIT_FINDINGS if any(p.fatal for p in problems) else EXIT_OK
    table = variants_to_toml(found, " ".join(map(str, args.inputs)))
    if args.output:
        atomic_write_bytes(Path(args.output), table.encode("utf-8"))
        if not args.quiet:
            print(f"wrote {len(found)} entries to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(table)
    return EXIT_FINDINGS if any(p.fatal for p in problems) else EXIT_OK


def accept_into_table(path: Path, found: list, quiet: bool = False) -> list:
    """Add the discovered groups marked ``apply`` to the user's alias table at ``path``
    (written atomically; made with a header if missing): the entries already there are kept
    as they are, and a group that names any spelling the table already has is left out (the
    user decided about that name). Returns the groups added."""
    from ..io import atomic_write_bytes
    from ..names.discovery import entity_toml
    from ..names.tables import table_forms

    if not path.parent.is_dir():
        raise UsageError(f"{path}: its folder {path.parent} does not exist")
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    known = table_forms(path) if path.exists() else set()
    accepted = [v for v in found if v.confidence == "apply"]
    added = [v for v in accepted if not {v.canonical, *v.variants} & known]
    if added:
        head = (existing.rstrip("\n") + "\n\n") if existing.strip() else (
            "# Alias table: canonical spellings and their variants (cleancorpus --names-table).\n"
            "# Groups added by 'cleancorpus names --write-table' carry the evidence they were found with.\n\n")
        atomic_write_bytes(path, (head + "\n".join(entity_toml(v) for v in added)).encode("utf-8"))
    if not quiet:
        print(f"{path}: added {len(added)} discovered group(s) ({len(accepted) - len(added)} already in the table; "
              f"{len(found) - len(accepted)} for review only, not added: 'cleancorpus names' lists them)",
              file=sys.stderr)
    return added
