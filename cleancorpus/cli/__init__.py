"""The ``cleancorpus`` command line: parses options and wires stages; no cleaning logic lives here.

One module per command (:mod:`.normalize`, :mod:`.explain`, :mod:`.check`, :mod:`.names`,
:mod:`.rule`, :mod:`.rules`, :mod:`.report`, :mod:`.dedup`, :mod:`.fit`, :mod:`.model`), each with ``add_parser(subparsers)`` and
``run(args)``; what they share (exit codes, common options, the table mapping flags to
settings) is in :mod:`.common`. This module builds the parser and runs a command.

Exit codes: 0 success; 1 some documents could not be read or written (the rest are
processed), or ``check`` found problems; 2 usage or configuration errors; 130 interrupted
(Ctrl-C); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from typing import Sequence

from ..config import ConfigError
from ..cruft import RuleError
from ..io import CorpusError
from ..names import TableError
from ..version import __version__
from ..model import ModelError
from . import check, dedup, explain, fit, model, names, normalize, report, rule, rules
from .common import EPILOG, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Parser, UsageError, number, printable

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "main", "number"]

#: The commands, in the order ``--help`` lists them.
COMMANDS = (normalize, explain, check, rule, names, rules, report, dedup, fit, model)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="cleancorpus", allow_abbrev=False, description="Clean a scraped news corpus: strip cruft, normalize name spellings, "
        "flag near-duplicate stories, and check it in CI.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cleancorpus {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    add_parser = sub.add_parser

    def strict_parser(name: str, **kwargs) -> argparse.ArgumentParser:
        """Subcommands refuse abbreviated long options (``--fi`` is not ``--fix``), as ruff does."""
        return add_parser(name, allow_abbrev=False, **kwargs)

    sub.add_parser = strict_parser  # type: ignore[method-assign]
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM, raised as an exception so that every ``finally`` (temporary files, spools,
    locks) runs before the process ends."""


def _raise_terminated(signum, frame) -> None:  # pragma: no cover - exercised through a subprocess
    raise Terminated()


def _closed_stream_problem(args: argparse.Namespace) -> str | None:
    """Why this command cannot run with the standard streams it was given, or None.

    A stream closed by the caller (``<&-``, ``>&-``) is ``None`` in Python. Standard
    output is needed only where results go there (every command but ``normalize`` and
    ``report`` into files): elsewhere it is replaced by the null device so that progress
    and summaries have somewhere to go. (A closed standard input matters only to reading
    ``-``, and the reader says so.)
    """
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
    if sys.stdout is None:
        to_files = args.command == "report" or (args.command == "normalize" and args.output != "-") \
            or (args.command == "check" and getattr(args, "output_file", None)) \
            or (args.command == "names" and getattr(args, "output", None))
        if not to_files:
            return "standard output is closed, so the results would be lost (redirect it, or use -o FILE)"
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse's usage errors (exit 2, the message printed) and --help (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    closed = _closed_stream_problem(args)
    if closed:
        print(f"cleancorpus: error: {closed}", file=sys.stderr)
        return EXIT_USAGE
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        code = args.func(args)
        sys.stdout.flush()  # here, so that a closed pipe is caught below and not at interpreter exit
        return code
    except (UsageError, ConfigError, RuleError, TableError, CorpusError, ModelError) as exc:
        print(f"cleancorpus: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cleancorpus: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("cleancorpus: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        # the reader of our output went away (``| head``): not an error of ours, and no traceback
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a disk that filled up or went away under a whole-run file (spool, index)
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"cleancorpus: error: {printable(f'{where}{exc.strerror or exc}')}", file=sys.stderr)
        return EXIT_FINDINGS
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
