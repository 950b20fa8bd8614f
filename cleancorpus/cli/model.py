"""``cleancorpus model show MODEL``: what a model folder holds."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, UsageError


def add_parser(subparsers) -> None:
    """``cleancorpus model show MODEL``."""
    parser = subparsers.add_parser("model", help="show what a model folder (from 'cleancorpus fit') holds")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="the sources, their documents and recurring lines, the name groups")
    show.add_argument("model", metavar="MODEL", help="a model folder written by 'cleancorpus fit'")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..model import describe, load_model

    if getattr(args, "action", None) != "show":
        raise UsageError("model needs an action: cleancorpus model show MODEL")
    model = load_model(args.model)
    print(describe(model, args.model))
    return EXIT_OK
