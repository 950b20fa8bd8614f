"""``cleancorpus explain``: show documents with their removed lines and changed words marked."""

from __future__ import annotations

import argparse
import sys

from .common import (EXIT_OK, EXIT_USAGE, add_common_options, add_engine_options, add_model_option, engine_of,
                     print_problems, settings_from_args, use_model_of)
from ..document import Document
from ..stages import StageBase

#: where :class:`KeepOriginals` puts a wanted document's text as it was read
ORIGINAL_TEXT = "explain_original_text"


def add_parser(subparsers) -> None:
    """``cleancorpus explain``: show documents with their removed lines and changed words marked."""
    parser = subparsers.add_parser("explain", help="show documents with their removed lines and changed words marked")
    add_common_options(parser, dedup=False)
    parser.add_argument("documents", nargs="+", metavar="DOC_ID", help="document ids (paths relative to INPUT)")
    add_model_option(parser)
    add_engine_options(parser)
    parser.set_defaults(func=run)


class KeepOriginals(StageBase):
    """The first stage of an ``explain`` run: the documents asked for keep the text they were
    read with (in their meta), so it can be shown line by line beside what the other stages
    did, whichever engine and worker ran them."""

    name = "originals"
    light = True

    def __init__(self, wanted: set[str]) -> None:
        self.wanted = frozenset(wanted)

    def apply(self, doc: Document) -> Document:
        return doc.evolve(meta={**doc.meta, ORIGINAL_TEXT: doc.text}) if doc.id in self.wanted else doc


def run(args: argparse.Namespace) -> int:
    from ..document import LineRemoval, TextRepair, WordChange
    from ..engines.local import CorpusInput, run_stages
    from ..pipeline import build_stages

    settings = settings_from_args(args)
    problems: list = []
    wanted = set(args.documents)
    stages = [KeepOriginals(wanted), *build_stages(settings, dedup=False)]
    templates = use_model_of(args, stages, settings)
    with engine_of(args) as engine:
        cleaned = [doc for doc in run_stages(CorpusInput([args.input], settings.read, problems, templates=templates), stages,
                                             jobs=settings.processes, **engine)
                   if doc.id in wanted]
    found = set()
    for doc in cleaned:
        found.add(doc.id)
        removed = {r.line: r for r in doc.records_of(LineRemoval)}
        print(f"=== {doc.id} (source: {doc.source or '-'})")
        for r in doc.records_of(LineRemoval):
            if r.line == 0:  # a block of the site's template, taken out of the HTML before extraction
                print(f"- html [{r.rule}: {r.detail}] {r.text}")
        for number, line in enumerate(doc.meta[ORIGINAL_TEXT].split("\n"), start=1):
            if number in removed:
                r = removed[number]
                print(f"- {number:4d} [{r.rule}{': ' + r.detail if r.detail else ''}] {line}")
            else:
                print(f"  {number:4d} {line}")
        for repair in doc.records_of(TextRepair):
            print(f"~ line {repair.line}: {repair.fix} repaired: {repair.old} -> {repair.new}")
        for change in doc.records_of(WordChange):
            pattern = f", {change.pattern}" if change.pattern else ""
            print(f"~ line {change.line}: {change.old} -> {change.new} [{change.entry}{pattern}]")
    print_problems(problems)
    missing = wanted - found
    for doc_id in sorted(missing):
        print(f"{args.input}: no document with id {doc_id!r}", file=sys.stderr)
    return EXIT_USAGE if missing else EXIT_OK
