"""``cleancorpus fit``: learn from a corpus and save what was learned as a model folder."""

from __future__ import annotations

import argparse
import sys

from .common import (EXIT_FINDINGS, EXIT_OK, add_common_options, add_engine_options, learn_from_inputs,
                     print_problems, settings_from_args)


def add_parser(subparsers) -> None:
    """``cleancorpus fit INPUT... -o MODEL``."""
    parser = subparsers.add_parser(
        "fit", help="learn recurring lines per source, site templates and discovered names; save them as a model",
        description="Run the learning passes of 'normalize' and save what they learned as a model folder: "
        "recurring lines and sentences per source with their counts (and the texts they were removed as), the "
        "site templates of folders of HTML pages, and, with --apply-discovered, the name groups discovery found. "
        "'normalize --model MODEL' then cleans any input with it and learns nothing from that input (fit A then "
        "normalize A --model writes what normalize A writes).")
    add_common_options(parser, several=True, dedup=False)
    parser.add_argument("-o", "--output", required=True, metavar="MODEL",
                        help="the model folder to write (an earlier model there is replaced; anything else is not)")
    parser.add_argument("--no-texts", action="store_true", help="skip the pass that keeps the texts of the "
                        "recurring lines for 'model show' (it lists their counts only; cleaning is the same): "
                        "fit then takes about half the time")
    add_engine_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..io.readers import check_inputs
    from ..model import RecurringTexts, model_of, save_model
    from ..pipeline import build_stages

    settings = settings_from_args(args)
    check_inputs(list(args.inputs))
    stages = build_stages(settings, dedup=False)
    if settings.cruft.recurrence and not args.no_texts:  # one more pass: the texts recurring lines are removed as
        stages.append(RecurringTexts())
    from ..cruft.templates import TemplateBook

    book = TemplateBook()  # (the reader adds each folder's site templates to it)
    problems = learn_from_inputs(args, settings, stages, book)
    print_problems(problems)
    model = model_of(stages, settings, book)
    path = save_model(model, args.output)
    if not args.quiet:
        sources = len(model.recurrence or {})
        names = f", {len(model.names)} name groups" if model.names is not None else ""
        print(f"wrote model {path}: {model.documents:,} documents, {sources:,} sources{names}", file=sys.stderr)
    return EXIT_FINDINGS if any(p.fatal for p in problems) else EXIT_OK
