"""The ``cleancorpus`` command line: parses options and wires stages; no cleaning logic lives here.

All command-line code is in this package: this module (options, normalize, explain, check,
names) and :mod:`.dedup` (``cleancorpus dedup``: clusters, ``--explain``, ``--index``).

Exit codes: 0 success; 1 some documents could not be read or written (the rest are
processed), or ``check`` found problems; 2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import math
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, Sequence

from .. import __version__
from ..config import ConfigError, Settings, discover_settings, validate_settings
from ..cruft import RuleError
from ..io import CorpusError
from ..names import TableError

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

exit codes: 0 success, 1 documents failed to read or write (or findings), 2 usage error
"""


class UsageError(Exception):
    """A command line that cannot run; exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with a suggestion for a mistyped option ("did you mean --fix?")."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        if message.startswith("unrecognized arguments:"):
            parsers = [self] + [choice for action in self._actions
                                if isinstance(action, argparse._SubParsersAction) for choice in action.choices.values()]
            known = sorted({o for parser in parsers for action in parser._actions for o in action.option_strings
                            if o.startswith("--")})
            hints = []
            for word in message.split(":", 1)[1].split():
                if word.startswith("-"):
                    close = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.6)
                    if close:
                        hints.append(f"{word}: did you mean {close[0]}?")
            if hints:
                message += " (" + "; ".join(hints) + ")"
        super().error(message)


INPUT_HELP = ("folders (text, HTML, JSON Lines and Parquet shards inside), files (.txt .md .html .htm, "
              ".jsonl/.ndjson optionally .gz or .zst, .parquet), or - for JSON Lines on stdin")


def _add_common(parser: argparse.ArgumentParser, several: bool = False) -> None:
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
    dedup = parser.add_argument_group("near-duplicates")
    dedup.add_argument("--threshold", type=number(float, 0, 1, above=0), help="exact Jaccard that flags a duplicate (default 0.4)")
    dedup.add_argument("--jobs", type=number(int, 0), help="worker processes for the per-document work: cruft, names, "
                       "signatures (default: all cores; results do not depend on it)")
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


def _first_input(args: argparse.Namespace) -> str:
    """The input settings are discovered from (the first, when there are several)."""
    return args.inputs[0] if getattr(args, "inputs", None) else args.input


def _settings(args: argparse.Namespace) -> Settings:
    settings = discover_settings(_first_input(args), args.config, args.isolated)
    read = settings.read
    for name in ("text_field", "id_field", "source_field", "url_field", "date_field"):
        if getattr(args, name, None):
            read = replace(read, **{name: getattr(args, name)})
    if args.follow_links:
        read = replace(read, follow_links=True)
    if getattr(args, "no_html_templates", False):
        read = replace(read, html_templates=False)
    if args.max_document_mb is not None:
        read = replace(read, max_document_bytes=max(1, int(args.max_document_mb * 1024 * 1024)))
    cruft = settings.cruft
    rec = cruft.recurrence_settings
    if args.min_docs is not None:
        rec = replace(rec, min_docs=args.min_docs)
    if args.min_share is not None:
        rec = replace(rec, min_share=args.min_share)
    cruft = replace(cruft, recurrence_settings=rec,
                    rule_files=cruft.rule_files + tuple(args.rules),
                    disable=cruft.disable + tuple(args.disable),
                    use_shipped_rules=cruft.use_shipped_rules and not args.no_shipped_rules,
                    recurrence=cruft.recurrence and not args.no_recurrence)
    names = replace(settings.names, tables=settings.names.tables + tuple(args.names_table),
                    use_shipped_table=settings.names.use_shipped_table and not args.no_shipped_names,
                    apply_discovered=settings.names.apply_discovered or args.apply_discovered,
                    inside_quotes=settings.names.inside_quotes and not args.skip_quotations)
    dedup = settings.dedup
    if args.threshold is not None:
        dedup = replace(dedup, threshold=args.threshold)
        if 0 < args.threshold <= 1:
            dedup = replace(dedup, lsh_threshold=min(dedup.lsh_threshold, args.threshold))
    dedup = replace(dedup, jobs=args.jobs if args.jobs is not None else 0)
    if args.representative:
        dedup = replace(dedup, representative=args.representative)
    if args.prefer:
        dedup = replace(dedup, preferred_sources=tuple(args.prefer))
    if dedup.representative == "source" and not dedup.preferred_sources:
        raise UsageError("--representative source needs at least one --prefer SOURCE")
    repair = replace(settings.repair, mojibake=settings.repair.mojibake and not args.no_repair)
    return validate_settings(replace(settings, read=read, repair=repair, cruft=cruft, names=names, dedup=dedup),
                             "command line and configuration")


def _add_engine(parser: argparse.ArgumentParser) -> None:
    """--engine and its options (the Dask engine needs ``cleancorpus[dask]``)."""
    engine = parser.add_argument_group("engine")
    engine.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local (default: this machine, --jobs processes) or dask (a Dask cluster; reads "
                        "JSON Lines and Parquet shards; pip install 'cleancorpus[dask]')")
    engine.add_argument("--scheduler", metavar="ADDRESS", help="dask: the scheduler to use (tcp://host:8786); "
                        "default: a local cluster of --workers processes")
    engine.add_argument("--workers", type=number(int, 1), metavar="N", help="dask: worker processes of the local cluster "
                        "(default: one per core)")
    engine.add_argument("--partition-size", type=number(int, 1), metavar="N", help="dask: records per partition "
                        "(default: one partition per shard)")


def _dask_options(args: argparse.Namespace) -> dict:
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
    from ..adapters import MissingExtra
    from ..engines.dask import require_dask

    try:
        require_dask()
    except MissingExtra as exc:
        raise UsageError(f"--engine dask: {exc}") from None
    return {"scheduler": args.scheduler, "workers": args.workers, "partition_size": args.partition_size}


def _printable(value: str) -> str:
    from ..check.formats import printable

    return printable(value)


def _print_problems(problems, stream=None) -> None:
    for problem in problems:
        print(_printable(str(problem)), file=stream or sys.stderr)


# ---------------------------------------------------------------------------- commands


def cmd_normalize(args: argparse.Namespace) -> int:
    from ..pipeline import normalize_corpus
    from ..progress import Progress

    if args.explain:
        if len(args.inputs) > 1:
            raise UsageError("--explain reads one input")
        args.documents, args.input = args.explain, args.inputs[0]
        return cmd_explain(args)
    settings = _settings(args)
    html_target = _html_target(args.html_report) if args.html_report else None
    if html_target is not None:
        if args.output == "-":
            raise UsageError("--html-report needs a run report: give -o FOLDER or -o FILE, not -o -")
        from ..io import check_output_location

        for single in args.inputs:  # never a file in the input, nor over it
            check_output_location(single, html_target.parent, one_file=html_target)
    engine = _dask_options(args)
    if engine and (args.format or args.shard_size):
        raise UsageError("--engine dask mirrors the input shards: --format and --shard-size are for the local engine")
    progress = Progress(enabled=not args.quiet)
    try:
        inputs = args.inputs[0] if len(args.inputs) == 1 else args.inputs
        if engine:
            from ..engines.dask import normalize_on_dask

            report = normalize_on_dask(args.inputs, args.output, settings=settings, drop_duplicates=args.drop_duplicates,
                                       dropped=args.dropped, clean=args.clean, progress=progress, **engine)
        else:
            report = normalize_corpus(inputs, args.output, settings=settings, format=args.format,
                                      drop_duplicates=args.drop_duplicates, progress=progress,
                                      dropped=args.dropped, clean=args.clean, shard_size=args.shard_size)
    finally:
        progress.close()
    _print_problems(report.problems)
    for failure in report.write_failures:
        print(_printable(failure), file=sys.stderr)
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
        if report.overwritten:
            print(f"note: replaced {report.overwritten} file(s) an earlier run had written in {report.output}; "
                  "other files there were left alone", file=sys.stderr)
        if report.stale_files:
            names = ", ".join(report.stale_files[:5]) + (" ..." if len(report.stale_files) > 5 else "")
            if report.removed_stale:
                print(f"removed {len(report.stale_files)} file(s) an earlier run had written and this one did "
                      f"not: {names}", file=sys.stderr)
            else:
                print(f"note: {len(report.stale_files)} file(s) in {report.output} are from an earlier run and "
                      f"not part of this output: {names} (--clean removes them)", file=sys.stderr)
        if report.report_path:
            print(f"wrote {report.output} (report: {report.report_path})", file=sys.stderr)
    if html_target is not None and report.report_path:
        from ..report.html import write_html_report

        write_html_report(report.report_path, html_target)
        if not args.quiet:
            print(f"wrote {html_target}", file=sys.stderr)
    return EXIT_FINDINGS if report.failed or report.write_failures else EXIT_OK


def _html_target(output: str | Path) -> Path:
    target = Path(output)
    if not target.parent.is_dir():
        raise UsageError(f"{target}: its folder {target.parent} does not exist")
    return target


def cmd_report(args: argparse.Namespace) -> int:
    from ..io import REPORT_NAME
    from ..report.html import ReportError, write_html_report

    source = Path(args.run_report)
    if source.is_dir():
        source = source / REPORT_NAME
    target = _html_target(args.output or source.parent / "report.html")
    try:
        write_html_report(source, target)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from ..document import LineRemoval, TextRepair, WordChange
    from ..io import read_corpus
    from ..pipeline import Pipeline

    settings = _settings(args)
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
    _print_problems(problems)
    missing = wanted - found
    for doc_id in sorted(missing):
        print(f"{args.input}: no document with id {doc_id!r}", file=sys.stderr)
    return EXIT_USAGE if missing else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ..check import FORMATS, baseline_of, check_corpus, load_baseline, selected_codes
    from ..check.formats import format_statistics, printable, printable_lines
    from ..io import atomic_write_bytes

    settings = _settings(args)
    check = settings.check
    if args.select:
        check = replace(check, select=tuple(c for v in args.select for c in v.split(",")))
    if args.ignore:
        check = replace(check, ignore=check.ignore + tuple(c for v in args.ignore for c in v.split(",")))
    if args.min_words is not None:
        check = replace(check, min_words=args.min_words)
    if args.language:
        check = replace(check, language=args.language)
    if args.max_cruft_share is not None:
        check = replace(check, max_cruft_share=args.max_cruft_share)
    settings = validate_settings(replace(settings, check=check), "command line and configuration")
    selected_codes(check)  # unknown codes are a usage error before any work
    baseline = load_baseline(args.baseline) if args.baseline else None
    if args.write_baseline and not Path(args.write_baseline).parent.is_dir():
        raise UsageError(f"{args.write_baseline}: its folder does not exist")
    if args.show_settings:
        sys.stdout.write(json.dumps({"origin": settings.origin, **settings.to_dict()}, indent=1, default=str) + "\n")
        return EXIT_OK
    if args.diff and args.fix:
        raise UsageError("--diff shows what --fix would do; give one of them")
    cache_dir = None if args.no_cache else args.cache_dir
    engine = _dask_options(args)
    if engine and (args.fix or args.diff):
        raise UsageError("--fix and --diff rewrite files in place on the local engine (drop --engine dask)")
    from ..progress import Progress

    progress = Progress(enabled=not args.quiet)
    try:
        if engine:
            from ..engines.dask import check_on_dask

            result = check_on_dask(args.input, settings, baseline=baseline, progress=progress, **engine)
        else:
            result = check_corpus(args.input, settings, cache_dir=cache_dir, fix=args.fix, baseline=baseline,
                                  diff=args.diff, progress=progress)
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
        atomic_write_bytes(Path(args.output_file), output.encode("utf-8"))
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


def cmd_rules(args: argparse.Namespace) -> int:
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


def cmd_names(args: argparse.Namespace) -> int:
    from ..io import atomic_write_bytes, read_corpus
    from ..names import NameDiscovery, variants_to_toml
    from ..pipeline import build_stages, run_stages
    from ..progress import Progress
    from ..repair import TextRepairer

    settings = _settings(args)
    problems: list = []
    repairer = TextRepairer(settings.repair)
    remover, normalizer = build_stages(settings, dedup=False, repair=False)
    discovery = NameDiscovery(normalizer.known_words())  # type: ignore[attr-defined]
    progress = Progress(enabled=not args.quiet)
    try:
        cleaned = run_stages(read_corpus(args.input, settings.read, problems), [repairer, remover],
                             progress=progress, last_pass="discovering")
        found = discovery.fit(cleaned).variants()
    finally:
        progress.close()
    _print_problems(problems)
    table = variants_to_toml(found, str(args.input))
    if args.output:
        atomic_write_bytes(Path(args.output), table.encode("utf-8"))
        if not args.quiet:
            print(f"wrote {len(found)} entries to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(table)
    return EXIT_FINDINGS if any(p.fatal for p in problems) else EXIT_OK


def cmd_dedup(args: argparse.Namespace) -> int:
    from .dedup import run_dedup

    settings = _settings(args)
    return run_dedup(args, settings)


# ---------------------------------------------------------------------------- parser


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

    normalize = sub.add_parser("normalize", help="clean a corpus and write it with a report",
                               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(normalize, several=True)
    normalize.add_argument("-o", "--output", help="a folder (the input layout mirrored: files as files, shards as "
                           "shards of the same names and compression), one file (FILE.jsonl, .jsonl.gz, .jsonl.zst "
                           "or .parquet), or - for JSON Lines on stdout (default: <INPUT>-clean beside the input)")
    normalize.add_argument("--format", choices=("files", "jsonl"), help="files: every document as a file "
                           "named by its id (records too); jsonl: one corpus.jsonl in the output folder "
                           "(default: mirror the input layout, shards as shards)")
    normalize.add_argument("--drop-duplicates", action="store_true", help="write only cluster representatives")
    normalize.add_argument("--dropped", metavar="FILE", help="write the documents dropped as duplicates to this "
                           "file of records (.jsonl[.gz|.zst] or .parquet, with duplicate_of); implies "
                           "--drop-duplicates")
    normalize.add_argument("--clean", action="store_true", help="remove files an earlier run wrote into the "
                           "output folder that this run did not (listed otherwise; others are never touched)")
    normalize.add_argument("--shard-size", type=number(int, 1), metavar="N", help="reshard records into part-00000... "
                           "of N records each (format and compression of the first shard)")
    _add_engine(normalize)
    normalize.add_argument("--html-report", metavar="FILE", help="also write the run as one self-contained HTML "
                           "page (what 'cleancorpus report' makes of the run's report)")
    normalize.add_argument("--explain", action="append", metavar="DOC_ID",
                           help="show this document with its removed lines and changed words marked, "
                           "and write nothing (same as 'cleancorpus explain INPUT DOC_ID')")
    normalize.set_defaults(func=cmd_normalize)

    explain = sub.add_parser("explain", help="show documents with their removed lines and changed words marked")
    _add_common(explain)
    explain.add_argument("documents", nargs="+", metavar="DOC_ID", help="document ids (paths relative to INPUT)")
    explain.set_defaults(func=cmd_explain)

    check = sub.add_parser("check", help="lint a corpus for CI: findings with codes, exit 1 when any fail",
                           epilog="codes: CC1xx cruft, CC2xx names, CC3xx near-duplicates, CC4xx document "
                           "problems (table in the README)\nexit codes: 0 clean, 1 findings, 2 usage or "
                           "configuration error", formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(check)
    check.add_argument("--output-format", "--format", dest="format", choices=("text", "json", "github", "junit"),
                       default="text", help="how findings are written (default: text)")
    check.add_argument("--output-file", metavar="FILE", help="write the findings to FILE instead of stdout")
    check.add_argument("--statistics", action="store_true", help="only the number of findings per code")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the run")
    check.add_argument("--diff", action="store_true",
                       help="show what --fix would change, as a unified diff, and write nothing")
    check.add_argument("--show-settings", action="store_true",
                       help="print the settings this run would use (configuration and flags resolved) and exit")
    check.add_argument("--select", action="append", metavar="CODES", help="report only these codes or prefixes")
    check.add_argument("--ignore", action="append", metavar="CODES", help="do not report these codes or prefixes")
    check.add_argument("--min-words", type=number(int, 0), help="CC405 below this many words (default 50)")
    check.add_argument("--language", help="CC404 when a document is not in this language (en, fr, de, ru, hy...)")
    check.add_argument("--max-cruft-share", type=number(float, 0, 1),
                       help="cruft findings fail only when more than this share of documents has them (default 0)")
    _add_engine(check)
    check.add_argument("--fix", action="store_true", help="write the cleaned text back over the input files")
    check.add_argument("--write-baseline", metavar="FILE", help="record today's findings and exit 0")
    check.add_argument("--baseline", metavar="FILE", help="fail only on findings not in this baseline")
    check.add_argument("--cache-dir", default=".cleancorpus_cache", help="where the cache lives "
                       "(default: .cleancorpus_cache in the current folder)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.set_defaults(func=cmd_check)

    names = sub.add_parser("names", help="discover name spelling variants no table lists, as a TOML table")
    _add_common(names)
    names.add_argument("-o", "--output", metavar="FILE", help="write the table here (default: stdout)")
    names.set_defaults(func=cmd_names)

    rules = sub.add_parser("rules", help="list the cruft rules with their ids, families and languages")
    rules.add_argument("--rules", action="append", metavar="FILE", default=[], help="also list the rules of FILE")
    rules.add_argument("--no-shipped", action="store_true", help="leave the shipped rules out")
    rules.add_argument("--lang", metavar="LANG", help="only rules of this language (en: English and language-free)")
    rules.add_argument("--json", action="store_true", help="print the rules as JSON")
    rules.set_defaults(func=cmd_rules)

    report = sub.add_parser("report", help="turn a run's report into one self-contained HTML page")
    report.add_argument("run_report", metavar="RUN_REPORT", help="a cleancorpus-report.json (or the output folder "
                        "holding one); its records file is read from beside it")
    report.add_argument("-o", "--output", metavar="FILE", help="the page to write (default: report.html beside "
                        "RUN_REPORT)")
    report.set_defaults(func=cmd_report)

    dedup = sub.add_parser("dedup", help="list clusters of near-duplicate stories")
    _add_common(dedup)
    dedup.add_argument("--json", action="store_true", help="print the clusters as JSON")
    dedup.add_argument("--explain", nargs=2, metavar=("A", "B"), help="why two documents are (not) duplicates")
    _add_engine(dedup)
    dedup.add_argument("--index", metavar="FILE", help="an on-disk index: check INPUT against it, then add INPUT")
    dedup.set_defaults(func=cmd_dedup)
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
    except (UsageError, ConfigError, RuleError, TableError, CorpusError) as exc:
        print(f"cleancorpus: error: {_printable(str(exc))}", file=sys.stderr)
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
        print(f"cleancorpus: error: {_printable(f'{where}{exc.strerror or exc}')}", file=sys.stderr)
        return EXIT_FINDINGS
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
