"""``cleancorpus check``: lint a corpus for CI: findings with codes, exit 1 when any fail."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import (EXIT_FINDINGS, EXIT_OK, UsageError, add_common_options, add_engine_options,
                     add_model_option, engine_of, number, settings_from_args)


#: Where the check cache lives unless --cache-dir says otherwise.
DEFAULT_CACHE = ".cleancorpus_cache"


def add_parser(subparsers) -> None:
    """``cleancorpus check``: lint a corpus for CI: findings with codes, exit 1 when any fail."""
    parser = subparsers.add_parser("check", help="lint a corpus for CI: findings with codes, exit 1 when any fail",
                                   epilog="codes: CC1xx cruft, CC2xx names, CC3xx near-duplicates, CC4xx document "
                                   "problems (table in the README)\nexit codes: 0 clean, 1 findings, 2 usage or "
                                   "configuration error", formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_options(parser, several=True)
    parser.add_argument("--output-format", "--format", dest="format", choices=("text", "json", "github", "junit", "sarif", "gitlab"),
                        default="text", help="how findings are written (default: text)")
    parser.add_argument("--output-file", metavar="FILE", help="write the findings to FILE instead of stdout")
    parser.add_argument("--statistics", action="store_true", help="only the number of findings per code")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the run")
    parser.add_argument("--diff", action="store_true",
                        help="show what --fix would change, as a unified diff, and write nothing")
    parser.add_argument("--show-settings", action="store_true",
                        help="print the settings this run would use (configuration and flags resolved) and exit")
    parser.add_argument("--select", action="append", metavar="CODES", help="report only these codes or prefixes")
    parser.add_argument("--ignore", action="append", metavar="CODES", help="do not report these codes or prefixes")
    parser.add_argument("--extend-select", action="append", metavar="CODES",
                        help="report these codes too (on top of --select or the configured selection)")
    parser.add_argument("--extend-ignore", action="append", metavar="CODES",
                        help="do not report these codes either (on top of --ignore and the configuration)")
    parser.add_argument("--min-words", type=number(int, 0), help="CC405 below this many words (default 50)")
    parser.add_argument("--language", help="CC404 when a document is not in this language (en, fr, de, ru, hy...)")
    parser.add_argument("--max-cruft-share", type=number(float, 0, 1),
                        help="cruft findings fail only when more than this share of documents has them (default 0)")
    add_model_option(parser)
    add_engine_options(parser)
    parser.add_argument("--fix", action="store_true", help="write the cleaned text back over the input files "
                        "(safe fixes: see 'cleancorpus rule CODE')")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also the fixes that may "
                        "change what a text says (a respelling from a discovered variant)")
    parser.add_argument("--write-baseline", metavar="FILE", help="record today's findings and exit 0")
    parser.add_argument("--baseline", metavar="FILE", help="fail only on findings not in this baseline")
    parser.add_argument("--cache-dir", help="where the cache lives (default: .cleancorpus_cache in the current "
                        "folder; with --engine dask on storage the workers share, as the spool files)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..check import FORMATS, baseline_of, check_corpus, load_baseline, selected_codes
    from ..check.formats import format_statistics, printable, printable_lines
    from ..io import atomic_write_bytes

    settings = settings_from_args(args)  # the check flags too (FLAG_SETTINGS)
    check = settings.check
    selected_codes(check)  # unknown codes are a usage error before any work
    baseline = load_baseline(args.baseline) if args.baseline else None
    for written in (args.write_baseline, args.output_file):  # (as --html-report: a missing folder is a typo)
        if written and not Path(written).parent.is_dir():
            raise UsageError(f"{written}: its folder {Path(written).parent} does not exist")
    if args.show_settings:
        sys.stdout.write(json.dumps({"origin": settings.origin, **settings.to_dict()}, indent=1, default=str) + "\n")
        return EXIT_OK
    if args.diff and args.fix:
        raise UsageError("--diff shows what --fix would do; give one of them")
    cache_dir = None if args.no_cache else (args.cache_dir or DEFAULT_CACHE)
    from ..progress import Progress

    progress = Progress(enabled=not args.quiet)
    try:
        with engine_of(args) as engine:
            result = check_corpus(args.inputs, settings, cache_dir=cache_dir, fix=args.fix, baseline=baseline,
                                  unsafe_fixes=args.unsafe_fixes, diff=args.diff, progress=progress,
                                  model=args.model, **engine)
    finally:
        progress.close()
    for note in result.notes:
        print(f"cleancorpus: {printable(note)}", file=sys.stderr)
    if args.write_baseline:
        atomic_write_bytes(Path(args.write_baseline), json.dumps(baseline_of(result.findings), indent=1)
                           .encode("utf-8", errors="surrogatepass") + b"\n", make_parents=False)
        print(f"wrote {len(result.findings)} finding(s) to the baseline {args.write_baseline}", file=sys.stderr)
        return EXIT_OK
    if args.diff:
        output = "".join(printable_lines(d) for d in result.diffs)
        changes = bool(result.diffs)
    elif args.statistics:
        output = format_statistics(result)
        changes = False
    else:
        output = FORMATS[args.format](result)
        changes = False
    if args.output_file:
        atomic_write_bytes(Path(args.output_file), output.encode("utf-8"), make_parents=False)
    else:
        sys.stdout.write(output)
    if result.fixed:
        print(f"fixed {len(result.fixed)} file(s) in place: the reported cruft removed and names respelled "
              "(run check again to see what remains)", file=sys.stderr)
    if args.exit_zero:
        return EXIT_OK
    if args.diff:
        return EXIT_FINDINGS if changes else EXIT_OK
    return EXIT_FINDINGS if result.failing else EXIT_OK
