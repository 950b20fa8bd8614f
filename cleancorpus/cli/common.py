"""What every command shares: exit codes, the parser class, the common options, and the
one table that maps flags to settings."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

from ..config import Settings, discover_settings, validate_settings

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EPILOG = """examples:
  cleancorpus normalize seeds/                   clean the seeds into seeds-clean/
  cleancorpus normalize corpus.jsonl -o out/     JSON Lines in, JSON Lines out
  cat corpus.jsonl | cleancorpus normalize - -o out/
  cleancorpus explain seeds/ 002_dc28b77d8e265672.txt
  cleancorpus dedup corpus/ --json
  cleancorpus dedup new-batch/ --index corpus.idx
  cleancorpus names corpus/ -o discovered-names.toml
  cleancorpus rules --lang de                    the cruft rules, with the ids --disable takes
  cleancorpus check corpus/ --format github      lint for CI (exit 1 on findings)
  cleancorpus rule CC201                         what a finding code means, and its fix

exit codes: 0 success, 1 documents failed to read or write (or findings; dedup --fail-on-duplicates:
  duplicates), 2 usage or configuration error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM)
"""


class UsageError(Exception):
    """A command line that cannot run; exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with a suggestion for a mistyped option ("did you mean --fix?")."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        if message.startswith("unrecognized arguments:"):
            commands = {name: choice for action in self._actions if isinstance(action, argparse._SubParsersAction)
                        for name, choice in action.choices.items()}
            owners: dict[str, list[str]] = {}  # option -> the commands that take it
            for name, parser in [("", self), *commands.items()]:
                for action in parser._actions:
                    for option in action.option_strings:
                        if option.startswith("--"):
                            owners.setdefault(option, []).append(name)
            hints = []
            for word in message.split(":", 1)[1].split():
                if word.startswith("-"):
                    bare = word.split("=")[0]
                    if bare in owners:  # a real option, of other commands
                        hints.append(f"{bare} is an option of {', '.join(n for n in owners[bare] if n)} only")
                        continue
                    close = difflib.get_close_matches(bare, sorted(owners), n=1, cutoff=0.6)
                    if close:
                        hints.append(f"{word}: did you mean {close[0]}?")
            if hints:
                message += " (" + "; ".join(hints) + ")"
        super().error(message)


INPUT_HELP = ("folders (text, HTML, JSON Lines and Parquet shards inside), files (.txt .md .html .htm, "
              ".jsonl/.ndjson optionally .gz or .zst, .parquet), or - for JSON Lines on stdin")


def add_common_options(parser: argparse.ArgumentParser, several: bool = False, dedup: bool = True) -> None:
    """The input(s) and the options every corpus command takes (reading, cruft, names, and,
    with ``dedup``, near-duplicates: a command that finds none is not offered their options)."""
    if several:
        parser.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    else:
        parser.add_argument("input", help=INPUT_HELP.replace("folders", "a folder").replace("files (", "a file ("))
    parser.add_argument("--config", metavar="FILE", help="settings file (default: cleancorpus.toml or "
                        "pyproject.toml [tool.cleancorpus] found from the input upwards)")
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")
    parser.add_argument("--text-field", help="JSON Lines: the field holding the text (default: text)")
    parser.add_argument("--id-field", help="JSON Lines: the field holding the id (default: id)")
    parser.add_argument("--source-field", help="records: the field naming the source (default: source)")
    parser.add_argument("--url-field", help="records: the field holding the URL (default: url)")
    parser.add_argument("--date-field", help="records: the field holding the date (default: date)")
    parser.add_argument("--max-document-mb", type=number(float, above=0), metavar="MB",
                        help="a document larger than this (read, or decompressed) is a named failure (default 64)")
    parser.add_argument("--follow-links", action="store_true",
                        help="read symbolic links that lead outside the input folder (skipped by default)")
    parser.add_argument("--no-html-templates", action="store_true",
                        help="HTML folders: do not learn and take out each site's template before extraction")
    parser.add_argument("--no-repair", action="store_true",
                        help="leave mojibake (\"donâ€™t\" for \"don't\") as it is; repaired by default")
    cruft = parser.add_argument_group("cruft")
    cruft.add_argument("--rules", action="append", metavar="FILE", default=[], help="extra cruft rules (TOML)")
    cruft.add_argument("--disable", action="append", metavar="RULE", default=[], help="switch a cruft rule off")
    cruft.add_argument("--no-shipped-rules", action="store_true", help="use only your own rules")
    cruft.add_argument("--no-recurrence", action="store_true", help="do not learn recurring lines")
    cruft.add_argument("--min-docs", type=number(int, 1), help="recurring: seen in at least N documents of a source")
    cruft.add_argument("--min-share", type=number(float, 0, 1), help="recurring: and in at least this share of them")
    names = parser.add_argument_group("names")
    names.add_argument("--names-table", action="append", metavar="FILE", default=[], help="your alias table (TOML)")
    names.add_argument("--no-shipped-names", action="store_true", help="do not use the shipped alias table")
    names.add_argument("--apply-discovered", action="store_true",
                       help="also respell variants discovered in the corpus (see 'cleancorpus names')")
    names.add_argument("--skip-quotations", action="store_true", help="leave names inside quotation marks alone")
    run = parser.add_argument_group("run")
    run.add_argument("--jobs", type=number(int, 0), help="worker processes for the per-document work: cruft, names, "
                     "signatures (default: all cores; results do not depend on it)")
    if not dedup:
        return
    dedup = parser.add_argument_group("near-duplicates")
    dedup.add_argument("--threshold", type=number(float, 0, 1, above=0), help="exact Jaccard that flags a duplicate (default 0.4)")
    dedup.add_argument("--representative", choices=("longest", "earliest", "source"),
                       help="which member a cluster keeps: the longest text (default), the earliest date, "
                       "or the first source given with --prefer")
    dedup.add_argument("--prefer", action="append", default=[], metavar="SOURCE",
                       help="preferred sources, in order, for --representative source")


def number(kind: type = float, low: float | None = None, high: float | None = None, *,
           above: float | None = None):
    """An argparse type: a finite ``kind`` (int or float) in range, else argparse's exit 2
    with the allowed range (``--max-document-mb 0``: "must be more than 0")."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}")
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(f"{text} is out of range: it must be more than {above:g}")
        if (low is not None and value < low) or (high is not None and value > high):
            allowed = f"from {low:g} to {high:g}" if low is not None and high is not None else \
                f"at least {low:g}" if low is not None else f"at most {high:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: it must be {allowed}")
        return value
    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def first_input(args: argparse.Namespace) -> str:
    """The input settings are discovered from (the first, when there are several)."""
    return args.inputs[0] if getattr(args, "inputs", None) else args.input


def _codes(values: list[str]) -> tuple[str, ...]:
    return tuple(code for value in values for code in value.split(","))


#: How a flag changes the settings: its argparse ``dest``, the settings section (a dotted
#: path from :class:`~cleancorpus.config.Settings`), the field, and how:
#: ``"value"`` (the flag's value, when given), ``"on"`` (true when given), ``"off"`` (false
#: when given), ``"extend"`` (the flag's values added to the configured ones), or a function
#: of the flag's value (when given). A command that lacks a flag leaves its field alone.
FLAG_SETTINGS: tuple[tuple[str, str, str, Any], ...] = (
    ("text_field", "read", "text_field", "value"),
    ("id_field", "read", "id_field", "value"),
    ("source_field", "read", "source_field", "value"),
    ("url_field", "read", "url_field", "value"),
    ("date_field", "read", "date_field", "value"),
    ("follow_links", "read", "follow_links", "on"),
    ("no_html_templates", "read", "html_templates", "off"),
    ("max_document_mb", "read", "max_document_bytes", lambda mb: max(1, int(mb * 1024 * 1024))),
    ("no_repair", "repair", "mojibake", "off"),
    ("min_docs", "cruft.recurrence_settings", "min_docs", "value"),
    ("min_share", "cruft.recurrence_settings", "min_share", "value"),
    ("rules", "cruft", "rule_files", "extend"),
    ("disable", "cruft", "disable", "extend"),
    ("no_shipped_rules", "cruft", "use_shipped_rules", "off"),
    ("no_recurrence", "cruft", "recurrence", "off"),
    ("names_table", "names", "tables", "extend"),
    ("no_shipped_names", "names", "use_shipped_table", "off"),
    ("apply_discovered", "names", "apply_discovered", "on"),
    ("skip_quotations", "names", "inside_quotes", "off"),
    ("threshold", "dedup", "threshold", "value"),
    ("representative", "dedup", "representative", "value"),
    ("prefer", "dedup", "preferred_sources", lambda sources: tuple(sources) if sources else None),
    ("select", "check", "select", lambda values: _codes(values) if values else None),
    ("ignore", "check", "ignore", "extend-codes"),
    ("extend_select", "check", "extend_select", "extend-codes"),
    ("extend_ignore", "check", "ignore", "extend-codes"),
    ("min_words", "check", "min_words", "value"),
    ("language", "check", "language", "value"),
    ("max_cruft_share", "check", "max_cruft_share", "value"),
)


def _with_field(settings: Any, path: list[str], name: str, change: Callable[[Any], Any]) -> Any:
    """``settings`` with ``path.name`` changed by ``change(old value)`` (dataclasses all the way)."""
    if not path:
        return replace(settings, **{name: change(getattr(settings, name))})
    inner = getattr(settings, path[0])
    return replace(settings, **{path[0]: _with_field(inner, path[1:], name, change)})


def _change(how: Any, value: Any) -> Callable[[Any], Any] | None:
    """How a flag's ``value`` changes its field's old value, by the table's ``how``
    (``None``: it leaves the field alone)."""
    if how == "value":
        return lambda old: value
    if how == "on":
        return lambda old: True
    if how == "off":
        return lambda old: False
    if how == "extend":
        return lambda old: tuple(old) + tuple(value)
    if how == "extend-codes":
        return lambda old: tuple(old) + _codes(value)
    converted = how(value)
    return None if converted is None else (lambda old: converted)


def apply_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    """``settings`` with every flag of :data:`FLAG_SETTINGS` the command line gave applied."""
    for dest, section, name, how in FLAG_SETTINGS:
        value = getattr(args, dest, None)
        if value is None or value is False or value == []:
            continue  # not given (or not a flag of this command)
        change = _change(how, value)
        if change is not None:
            settings = _with_field(settings, section.split("."), name, change)
    return settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The run's settings: the configuration found from the first input, then the flags."""
    settings = apply_flags(discover_settings(first_input(args), args.config, args.isolated), args)
    dedup = settings.dedup
    if getattr(args, "threshold", None) is not None and 0 < args.threshold <= 1:
        # a stricter threshold must not be missed by a looser candidate search
        dedup = replace(dedup, lsh_threshold=min(dedup.lsh_threshold, args.threshold))
    jobs = args.jobs if getattr(args, "jobs", None) is not None else 0
    if dedup.representative == "source" and not dedup.preferred_sources:
        raise UsageError("--representative source needs at least one --prefer SOURCE")
    return validate_settings(replace(settings, dedup=dedup, jobs=jobs), "command line and configuration")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine and its options (the Dask engine needs ``cleancorpus[dask]``)."""
    engine = parser.add_argument_group("engine")
    engine.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local (default: this machine, --jobs processes) or dask (the same run on a Dask "
                        "cluster; pip install 'cleancorpus[dask]')")
    engine.add_argument("--scheduler", metavar="ADDRESS", help="dask: the scheduler to use (tcp://host:8786); "
                        "default: a local cluster of --workers processes")
    engine.add_argument("--workers", type=number(int, 1), metavar="N", help="dask: worker processes of the local cluster "
                        "(default: one per core)")
    engine.add_argument("--partition-size", type=number(int, 1), metavar="N", help="dask: documents a task reads "
                        "at a time (default: 200; dedup of shards: one partition per shard)")


def dask_options(args: argparse.Namespace) -> dict:
    """The engine options of ``args`` for the Dask engine (refused with the local one)."""
    if args.engine != "dask":
        given = [o for o, v in (("--scheduler", args.scheduler), ("--workers", args.workers),
                                ("--partition-size", args.partition_size)) if v is not None]
        if given:
            raise UsageError(f"{', '.join(given)} need --engine dask")
        return {}
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers needs a positive number")
    if args.partition_size is not None and args.partition_size < 1:
        raise UsageError("--partition-size needs a positive number")
    from ..engines.cluster import require_dask
    from ..extras import MissingExtra

    try:
        require_dask()
    except MissingExtra as exc:
        raise UsageError(f"--engine dask: {exc}") from None
    return {"scheduler": args.scheduler, "workers": args.workers, "partition_size": args.partition_size}


@contextlib.contextmanager
def engine_of(args: argparse.Namespace) -> Iterator[dict]:
    """Where a command's tasks run, as keyword arguments for the engine's plan
    (``executor``, ``workdir``, ``partition_size``): nothing for the local engine
    (``--jobs`` processes here), or the Dask cluster the engine options name for the
    block's duration (spools then go under the current folder when the scheduler is
    elsewhere: its workers must reach them)."""
    engine = dask_options(args)
    if not engine:
        yield {}
        return
    from ..engines.cluster import DaskExecutor, dask_client

    with dask_client(engine["scheduler"], engine["workers"]) as client:
        given = {"partition_size": engine["partition_size"]} if engine["partition_size"] else {}
        yield {"executor": DaskExecutor(client), "workdir": Path.cwd() if engine["scheduler"] else None, **given}


MODEL_HELP = ("clean with a model folder from 'cleancorpus fit': recurring lines and discovered names come "
              "from it, nothing is learned from INPUT (near-duplicates are still found within INPUT)")


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """``--model MODEL`` (see :mod:`cleancorpus.model`)."""
    parser.add_argument("--model", metavar="MODEL", help=MODEL_HELP)


def use_model_of(args: argparse.Namespace, stages: list, settings: Settings) -> Any:
    """Give ``stages`` what the ``--model`` of ``args`` learned, and return what its reader is
    to be given (the model's site templates: ``CorpusInput(templates=...)``); ``None`` without
    a model. A model that cannot be used stops the command before any work
    (:class:`~cleancorpus.model.ModelError`)."""
    if not getattr(args, "model", None):
        return None
    from ..model import apply_model

    return apply_model(args.model, stages, settings).template_book()


def learn_from_inputs(args: argparse.Namespace, settings: Settings, stages: list, templates: Any = None) -> list:
    """Run the learning passes of ``stages`` over the command's inputs (read by the engine's
    workers, on the engine its options name, with progress unless ``--quiet``), for commands
    that want what was learned, not the documents (``names``, ``fit``). ``templates``: a
    :class:`~cleancorpus.cruft.templates.TemplateBook` the reader adds the site templates it
    learns to. Returns the problems met reading (printed by the caller)."""
    from ..engines.local import CorpusInput, fit_stages
    from ..progress import Progress

    problems: list = []
    progress = Progress(enabled=not args.quiet)
    try:
        with engine_of(args) as engine:
            fit_stages(CorpusInput(list(args.inputs), settings.read, problems, progress, templates=templates), stages,
                       progress=progress, jobs=settings.processes, **engine)
    finally:
        progress.close()
    return problems


def printable(value: str) -> str:
    """``value`` with control characters escaped (file names cannot forge output lines)."""
    from ..check.formats import printable as escaped

    return escaped(value)


def print_problems(problems, stream=None) -> None:
    """Each read problem on one escaped line (standard error by default)."""
    for problem in problems:
        print(printable(str(problem)), file=stream or sys.stderr)


def html_target(output: str | Path) -> Path:
    """Where an HTML report goes; its folder must exist."""
    target = Path(output)
    if not target.parent.is_dir():
        raise UsageError(f"{target}: its folder {target.parent} does not exist")
    return target
