"""``cleancorpus rule``: the page of a finding code (what it finds, why, an example, the fix
and whether it is safe), as ``ruff rule`` prints one."""

from __future__ import annotations

import argparse
import json
import sys

from .common import EXIT_OK, UsageError


def add_parser(subparsers) -> None:
    """``cleancorpus rule``: the page of a finding code."""
    parser = subparsers.add_parser("rule", help="what a finding code means: what it finds, why, an example, "
                                   "the fix and whether it is safe")
    parser.add_argument("code", nargs="?", metavar="CODE", help="a finding code (CC201)")
    parser.add_argument("--all", action="store_true", help="every code's page")
    parser.add_argument("--output-format", choices=("text", "json", "markdown"), default="text",
                        help="text (default), json, or markdown (the README's table of codes)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..check.rule_pages import markdown_table, rule_pages

    pages = rule_pages()
    if args.output_format == "markdown":
        sys.stdout.write(markdown_table())
        return EXIT_OK
    if args.all == bool(args.code):
        raise UsageError("give one CODE, or --all")
    code = (args.code or "").upper()
    if code and code not in pages:
        raise UsageError(f"no finding code {args.code!r} (the codes: {', '.join(pages)})")
    chosen = list(pages.values()) if args.all else [pages[code]]
    if args.output_format == "json":
        print(json.dumps([page.to_dict() for page in chosen] if args.all else chosen[0].to_dict(),
                         ensure_ascii=False, indent=1))
    else:
        sys.stdout.write("\n".join(page.text() for page in chosen))
    return EXIT_OK
