"""``cleancorpus normalize``: clean a corpus and write it with a report."""

from __future__ import annotations

import argparse
import sys

from .common import (EPILOG, EXIT_FINDINGS, EXIT_OK, UsageError, add_common_options, add_engine_options,
                     add_model_option, dask_options, html_target, number, print_problems, printable,
                     settings_from_args)


def add_parser(subparsers) -> None:
    """``cleancorpus normalize``: clean a corpus and write it with a report."""
    parser = subparsers.add_parser("normalize", help="clean a corpus and write it with a report",
                                   epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_options(parser, several=True)
    parser.add_argument("-o", "--output", help="a folder (the input layout mirrored: files as files, shards as "
                        "shards of the same names and compression), one file (FILE.jsonl, .jsonl.gz, .jsonl.zst "
                        "or .parquet), or - for JSON Lines on stdout (default: <INPUT>-clean beside the input)")
    parser.add_argument("--format", choices=("files", "jsonl"), help="files: every document as a file "
                        "named by its id (records too); jsonl: one corpus.jsonl in the output folder "
                        "(default: mirror the input layout, shards as shards)")
    parser.add_argument("--drop-duplicates", action="store_true", help="write only cluster representatives")
    parser.add_argument("--dropped", metavar="FILE", help="write the documents dropped as duplicates to this "
                        "file of records (.jsonl[.gz|.zst] or .parquet, with duplicate_of); implies "
                        "--drop-duplicates")
    parser.add_argument("--clean", action="store_true", help="remove files an earlier run wrote into the "
                        "output folder that this run did not (listed otherwise; others are never touched)")
    parser.add_argument("--shard-size", type=number(int, 1), metavar="N", help="reshard records into part-00000... "
                        "of N records each (format and compression of the first shard)")
    add_model_option(parser)
    add_engine_options(parser)
    parser.add_argument("--html-report", metavar="FILE", help="also write the run as one self-contained HTML "
                        "page (what 'cleancorpus report' makes of the run's report)")
    parser.add_argument("--explain", action="append", metavar="DOC_ID",
                        help="show this document with its removed lines and changed words marked, "
                        "and write nothing (same as 'cleancorpus explain INPUT DOC_ID')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..pipeline import normalize_corpus
    from ..progress import Progress

    if args.explain:
        if len(args.inputs) > 1:
            raise UsageError("--explain reads one input")
        from .explain import run as explain

        args.documents, args.input = args.explain, args.inputs[0]
        return explain(args)
    settings = settings_from_args(args)
    page = html_target(args.html_report) if args.html_report else None
    if page is not None:
        if args.output == "-":
            raise UsageError("--html-report needs a run report: give -o FOLDER or -o FILE, not -o -")
        from ..io import check_output_location

        for single in args.inputs:  # never a file in the input, nor over it
            check_output_location(single, page.parent, one_file=page)
    engine = dask_options(args)
    progress = Progress(enabled=not args.quiet)
    try:
        if engine:
            from ..engines.cluster import normalize_with_dask

            # the local engine's plan, its tasks on the cluster: every input and option
            report = normalize_with_dask(args.inputs, args.output, settings=settings, format=args.format,
                                         drop_duplicates=args.drop_duplicates, progress=progress,
                                         dropped=args.dropped, clean=args.clean, shard_size=args.shard_size,
                                         model=args.model, **engine)
        else:
            report = normalize_corpus(args.inputs, args.output, settings=settings, format=args.format,
                                      drop_duplicates=args.drop_duplicates, progress=progress,
                                      dropped=args.dropped, clean=args.clean, shard_size=args.shard_size,
                                      model=args.model)
    finally:
        progress.close()
    print_problems(report.problems)
    for failure in report.write_failures:
        print(printable(failure), file=sys.stderr)
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
    if page is not None and report.report_path:
        from ..report.html import write_html_report

        write_html_report(report.report_path, page)
        if not args.quiet:
            print(f"wrote {page}", file=sys.stderr)
    return EXIT_FINDINGS if report.failed or report.write_failures else EXIT_OK
