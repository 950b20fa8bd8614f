"""``cleancorpus rules``: list the cruft rules with their ids, families and languages."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK


def add_parser(subparsers) -> None:
    """``cleancorpus rules``: list the cruft rules with their ids, families and languages."""
    parser = subparsers.add_parser("rules", help="list the cruft rules with their ids, families and languages")
    parser.add_argument("--rules", action="append", metavar="FILE", default=[], help="also list the rules of FILE")
    parser.add_argument("--no-shipped", action="store_true", help="leave the shipped rules out")
    parser.add_argument("--lang", metavar="LANG", help="only rules of this language (en: English and language-free)")
    parser.add_argument("--json", action="store_true", help="print the rules as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the cruft rules (shipped, then those of ``--rules`` files) with their ids, which
    ``--disable`` and the records name."""
    import json

    from ..cruft.rules import build_rules

    rules = build_rules(use_shipped=not args.no_shipped, extra_files=args.rules)
    if args.lang:
        rules = [r for r in rules if r.lang == ("" if args.lang == "en" else args.lang)]
    rows = [{"id": r.id, "family": r.family, "scope": r.scope, "lang": r.lang or "en/any", "pattern": r.pattern,
             "origin": r.origin} for r in rules]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    width = max((len(r["id"]) for r in rows), default=2)
    print(f"{'id':<{width}}  {'family':<13} {'scope':<7} {'lang':<6} pattern")
    for row in rows:
        shown = row["pattern"] if len(row["pattern"]) <= 70 else row["pattern"][:67] + "..."
        print(f"{row['id']:<{width}}  {row['family']:<13} {row['scope']:<7} {row['lang']:<6} {shown}")
    print(f"{len(rows)} rule(s)", file=sys.stderr)
    return EXIT_OK
