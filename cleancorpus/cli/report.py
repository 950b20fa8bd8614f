"""``cleancorpus report``: turn a run's report into one self-contained HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_OK, UsageError, html_target


def add_parser(subparsers) -> None:
    """``cleancorpus report``: turn a run's report into one self-contained HTML page."""
    parser = subparsers.add_parser("report", help="turn a run's report into one self-contained HTML page")
    parser.add_argument("run_report", metavar="RUN_REPORT", help="a cleancorpus-report.json (or the output folder "
                        "holding one); its records file is read from beside it")
    parser.add_argument("-o", "--output", metavar="FILE", help="the page to write (default: report.html beside "
                        "RUN_REPORT)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..io import REPORT_NAME
    from ..report.html import ReportError, write_html_report

    source = Path(args.run_report)
    if source.is_dir():
        source = source / REPORT_NAME
    target = html_target(args.output or source.parent / "report.html")
    try:
        write_html_report(source, target)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK
