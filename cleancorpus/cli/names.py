"""``cleancorpus names``: discover name spelling variants no table lists, as a TOML table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (EXIT_FINDINGS, EXIT_OK, add_common_options, add_engine_options, engine_of, print_problems,
                     settings_from_args)


def add_parser(subparsers) -> None:
    """``cleancorpus names``: discover name spelling variants no table lists, as a TOML table."""
    parser = subparsers.add_parser("names", help="discover name spelling variants no table lists, as a TOML table")
    add_common_options(parser, several=True, dedup=False)
    parser.add_argument("-o", "--output", metavar="FILE", help="write the table here (default: stdout)")
    add_engine_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Discovery as ``normalize`` runs it: the name stage learning, on either engine, in
    workers that read their own partitions; its finished state lists every variant."""
    from ..engines.local import CorpusInput, fit_stages
    from ..io import atomic_write_bytes
    from ..names import variants_to_toml
    from ..pipeline import build_stages
    from ..progress import Progress

    settings = settings_from_args(args)
    problems: list = []
    stages = build_stages(settings, dedup=False, discover_names=True)
    normalizer = next(stage for stage in stages if stage.name == "names")
    progress = Progress(enabled=not args.quiet)
    try:
        with engine_of(args) as engine:
            fit_stages(CorpusInput(list(args.inputs), settings.read, problems, progress), stages, progress=progress,
                       jobs=settings.processes, **engine)
    finally:
        progress.close()
    found = normalizer.candidates  # type: ignore[attr-defined]
    print_problems(problems)
    table = variants_to_toml(found, " ".join(map(str, args.inputs)))
    if args.output:
        atomic_write_bytes(Path(args.output), table.encode("utf-8"))
        if not args.quiet:
            print(f"wrote {len(found)} entries to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(table)
    return EXIT_FINDINGS if any(p.fatal for p in problems) else EXIT_OK
