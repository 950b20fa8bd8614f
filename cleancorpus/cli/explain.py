"""``cleancorpus explain``: show documents with their removed lines and changed words marked."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK, EXIT_USAGE, add_common_options, print_problems, settings_from_args


def add_parser(subparsers) -> None:
    """``cleancorpus explain``: show documents with their removed lines and changed words marked."""
    parser = subparsers.add_parser("explain", help="show documents with their removed lines and changed words marked")
    add_common_options(parser, dedup=False)
    parser.add_argument("documents", nargs="+", metavar="DOC_ID", help="document ids (paths relative to INPUT)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..document import LineRemoval, TextRepair, WordChange
    from ..io import read_corpus
    from ..pipeline import Pipeline

    settings = settings_from_args(args)
    problems: list = []
    wanted = set(args.documents)
    pipeline = Pipeline(settings, stages=("repair", "cruft", "names"))
    originals: dict[str, str] = {}

    def remember(stream):
        for doc in stream:
            if doc.id in wanted:
                originals[doc.id] = doc.text
            yield doc

    found = set()
    for doc in pipeline.run(remember(read_corpus(args.input, settings.read, problems=problems))):
        if doc.id not in wanted:
            continue
        found.add(doc.id)
        removed = {r.line: r for r in doc.records_of(LineRemoval)}
        print(f"=== {doc.id} (source: {doc.source or '-'})")
        for r in doc.records_of(LineRemoval):
            if r.line == 0:  # a block of the site's template, taken out of the HTML before extraction
                print(f"- html [{r.rule}: {r.detail}] {r.text}")
        for number, line in enumerate(originals[doc.id].split("\n"), start=1):
            if number in removed:
                r = removed[number]
                print(f"- {number:4d} [{r.rule}{': ' + r.detail if r.detail else ''}] {line}")
            else:
                print(f"  {number:4d} {line}")
        for repair in doc.records_of(TextRepair):
            print(f"~ line {repair.line}: {repair.fix} repaired: {repair.old} -> {repair.new}")
        for change in doc.records_of(WordChange):
            print(f"~ line {change.line}: {change.old} -> {change.new} [{change.entry}]")
    print_problems(problems)
    missing = wanted - found
    for doc_id in sorted(missing):
        print(f"{args.input}: no document with id {doc_id!r}", file=sys.stderr)
    return EXIT_USAGE if missing else EXIT_OK
