"""``cleancorpus dedup``: list clusters, explain a pair, or check a batch against an index."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import asdict
from difflib import SequenceMatcher
from typing import Iterator

from ..config import Settings
from ..dedup.detector import NearDuplicateDetector
from ..dedup.index import DuplicateIndex, IndexError_
from ..dedup.shingles import fold_words
from ..document import Document
from ..pipeline import Pipeline
from .common import (add_common_options, add_engine_options, add_model_option, engine_of, print_problems,
                     settings_from_args, use_model_of)


def add_parser(subparsers) -> None:
    """``cleancorpus dedup``: list clusters of near-duplicate stories."""
    parser = subparsers.add_parser("dedup", help="list clusters of near-duplicate stories")
    add_common_options(parser, several=True)
    parser.add_argument("--json", action="store_true", help="print the clusters as JSON")
    parser.add_argument("--explain", nargs=2, metavar=("A", "B"), help="why two documents are (not) duplicates")
    add_model_option(parser)
    add_engine_options(parser)
    parser.add_argument("--index", metavar="FILE", help="an on-disk index: check INPUT against it, then add INPUT")
    parser.add_argument("--fail-on-duplicates", action="store_true",
                        help="exit 1 when a duplicate is found (a cluster, or with --index a match), as check "
                        "fails on findings: for CI")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_dedup(args, settings_from_args(args))


def shared_passages(a: str, b: str, limit: int = 3, min_words: int = 5) -> list[str]:
    """The longest word runs two texts share (case and punctuation folded), longest first."""
    words_a, words_b = fold_words(a).split(), fold_words(b).split()
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    blocks = sorted((m for m in matcher.get_matching_blocks() if m.size >= min_words), key=lambda m: -m.size)
    return [" ".join(words_a[m.a:m.a + m.size]) for m in blocks[:limit]]


def _prepared(args: argparse.Namespace, settings: Settings, problems: list, progress=None,
              engine: dict | None = None) -> Iterator[Document]:
    """Cleaned, normalized documents, as a stream (duplicates are judged on what would be
    written); the inputs are read by the engine's workers (``engine``: what
    :func:`~.common.engine_of` gives, Dask's executor or none for this machine's ``--jobs``)."""
    from ..engines.local import CorpusInput

    pipeline = Pipeline(settings, stages=("repair", "cruft", "names"))
    templates = use_model_of(args, pipeline.stages, settings)
    return pipeline.run(CorpusInput(list(args.inputs), settings.read, problems, templates=templates), progress=progress,
                        last_pass="cleaning and sketching", **(engine or {}))


def _explain(docs: list[Document], settings: Settings, a: str, b: str) -> int:
    by_id = {d.id: d for d in docs}
    missing = [x for x in (a, b) if x not in by_id]
    if missing:
        print(f"cleancorpus: error: no document with id {', '.join(map(repr, missing))}", file=sys.stderr)
        return 2
    detector = NearDuplicateDetector(settings.dedup)
    detector.add([by_id[a], by_id[b]])
    jaccard, containment = detector.similarity(0, 1)
    verdict = "duplicates" if detector.is_duplicate(jaccard, containment) else "not duplicates"
    s = settings.dedup
    print(f"{a}\n{b}\n  jaccard {jaccard:.3f} (threshold {s.threshold}), containment {containment:.3f} "
          f"(threshold {s.containment}): {verdict}")
    print(f"  shingles: {len(detector.shingles[0])} and {len(detector.shingles[1])} distinct "
          f"{s.sketch.shingle_size}-word shingles")
    for passage in shared_passages(by_id[a].text, by_id[b].text):
        print(f"  shared: \"{passage[:300]}{'...' if len(passage) > 300 else ''}\"")
    return 0


def run_dedup(args: argparse.Namespace, settings: Settings) -> int:
    from ..progress import Progress

    problems: list = []
    progress = Progress(enabled=not args.quiet and not args.explain and not args.index)
    with engine_of(args) as where:  # the local plan, its tasks where the engine options say
        if args.explain or args.index:  # these need the cleaned texts themselves
            docs = _prepared(args, settings, problems, progress, where)
            return _dedup_stream(args, settings, docs, problems, progress)
        try:
            result = clusters_of(args, settings, problems, progress, where)
        finally:
            progress.close()
    return _print_result(args, result, problems)


def clusters_of(args: argparse.Namespace, settings: Settings, problems: list, progress=None,
                engine: dict | None = None):
    """The near-duplicate clusters of the inputs, cleaned and normalized as ``normalize``
    would write them: the pipeline's learning passes with the near-duplicate stage last,
    so its keyed shuffle runs where the engine runs tasks and this process gets verified
    edges and clusters, never the corpus's sketches."""
    from ..engines.local import CorpusInput, fit_stages

    pipeline = Pipeline(settings)
    templates = use_model_of(args, pipeline.stages, settings)
    fit_stages(CorpusInput(list(args.inputs), settings.read, problems, templates=templates), pipeline.stages,
               jobs=settings.processes, progress=progress, **(engine or {}))
    return pipeline.detector.result


def _dedup_stream(args: argparse.Namespace, settings: Settings, docs: Iterator[Document], problems: list,
                  progress) -> int:
    if args.explain:
        wanted = set(args.explain)
        chosen = [d for d in docs if d.id in wanted]  # only the two documents are kept
        print_problems(problems)
        return _explain(chosen, settings, *args.explain)
    docs = list(docs)
    print_problems(problems)
    return run_index(args, settings, docs, problems)


def _print_result(args: argparse.Namespace, result, problems: list) -> int:
    print_problems(problems)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
    else:
        for cluster in result.clusters:
            print(f"{cluster.representative} (kept)")
            for m in cluster.members:
                print(f"  {m.id}  jaccard {m.jaccard:.3f}  containment {m.containment:.3f}")
        for group in result.related:
            print(f"related (a chain, for review; nothing dropped through it): {' '.join(group.documents)}"
                  f"  (kept: {' '.join(group.kept)})")
        if not args.quiet:
            print(f"{result.documents} documents, {len(result.clusters)} clusters, "
                  f"{sum(len(c.members) for c in result.clusters)} duplicates", file=sys.stderr)
    found = bool(result.clusters) and args.fail_on_duplicates
    return 1 if found or any(p.fatal for p in problems) else 0


def run_index(args: argparse.Namespace, settings, docs: list[Document], problems: list) -> int:
    """``cleancorpus dedup NEW --index FILE``: report duplicates of indexed documents, add NEW."""
    try:
        index = DuplicateIndex(args.index, settings.dedup,
                               on_wait=lambda message: print(f"cleancorpus: {message}", file=sys.stderr))
        try:
            matches, skipped = index.check_and_add(docs)
            before = index.size_before
            added = len(index) - before
        finally:
            index.close()
    except IndexError_ as exc:
        print(f"cleancorpus: error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
        print(f"cleancorpus: error: {args.index}: cannot use the index ({exc})", file=sys.stderr)
        # a full disk is a failure of this run (exit 1); anything else is an unusable index (exit 2)
        return 1 if "full" in str(exc) or "disk" in str(exc) else 2
    if args.json:
        print(json.dumps({"index": str(args.index), "indexed_before": before, "added": added,
                          "already_indexed": skipped,
                          "duplicates": [asdict(m) | {"jaccard": round(m.jaccard, 4),
                                                      "containment": round(m.containment, 4)} for m in matches]},
                         indent=1))
    else:
        for m in matches:
            where = "indexed" if m.indexed else "new"
            print(f"{m.id} duplicates {m.other} ({where})  jaccard {m.jaccard:.3f}  containment {m.containment:.3f}")
        if not args.quiet:
            print(f"{len(docs)} documents checked against {before} indexed; {len(matches)} duplicate pairs; "
                  f"{added} added to {args.index}"
                  + (f"; {len(skipped)} already indexed, not added again" if skipped else ""), file=sys.stderr)
    found = bool(matches) and args.fail_on_duplicates
    return 1 if found or any(p.fatal for p in problems) else 0
