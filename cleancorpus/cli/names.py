"""``cleancorpus names``: discover name spelling variants no table lists, as a TOML table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_FINDINGS, EXIT_OK, add_common_options, print_problems, settings_from_args


def add_parser(subparsers) -> None:
    """``cleancorpus names``: discover name spelling variants no table lists, as a TOML table."""
    parser = subparsers.add_parser("names", help="discover name spelling variants no table lists, as a TOML table")
    add_common_options(parser, several=True, dedup=False)
    parser.add_argument("-o", "--output", metavar="FILE", help="write the table here (default: stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    from ..io import atomic_write_bytes, read_corpus
    from ..names import NameDiscovery, variants_to_toml
    from ..pipeline import build_stages, run_stages
    from ..progress import Progress
    from ..repair import TextRepairer

    settings = settings_from_args(args)
    problems: list = []
    repairer = TextRepairer(settings.repair)
    remover, normalizer = build_stages(settings, dedup=False, repair=False)
    discovery = NameDiscovery(normalizer.known_words())  # type: ignore[attr-defined]
    progress = Progress(enabled=not args.quiet)
    try:
        cleaned = run_stages(read_corpus(args.inputs, settings.read, problems), [repairer, remover],
                             progress=progress, last_pass="discovering", jobs=settings.jobs or os.cpu_count() or 1)
        found = discovery.fit(cleaned).variants()
    finally:
        progress.close()
    print_problems(problems)
    table = variants_to_toml(found, " ".join(map(str, args.inputs)))
    if args.output:
        atomic_write_bytes(Path(args.output), table.encode("utf-8"))
        if not args.quiet:
            print(f"wrote {len(found)} entries to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(table)
    return EXIT_FINDINGS if any(p.fatal for p in problems) else EXIT_OK
