"""The check run: the same stages as ``normalize``, turned into findings (and, with ``fix``, fixes)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from ..config import ConfigError, Settings
from ..document import Document
from ..engines.local import CorpusInput, ProgressCallback, fit_stages
from ..io import STDIN, ReadProblem
from .baseline import split_by_baseline
from .cache import CacheMemo, CheckCache
from .codes import CheckResult, Finding, ignored_here, selected_codes
from .rule_pages import fix_is_safe
from .fix import JOURNAL, FixPlan, complete_journal, plan_fix, unified_diff_of, write_fixes
from .stage import CheckStage


def _fingerprint(settings: Settings) -> str:
    """What the cache's entries depend on: every setting but ``jobs`` (results do not
    depend on it), the inline names, and the rule files' and tables' contents."""
    settings_data = settings.to_dict()
    settings_data.pop("jobs", None)
    data = json.dumps(settings_data, sort_keys=True, default=str)
    data += json.dumps(list(settings.names_entities), sort_keys=True, default=str)
    for path in (*settings.cruft.rule_files, *settings.names.tables):
        try:
            data += Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            data += path
    return hashlib.blake2b(data.encode("utf-8", errors="surrogatepass"), digest_size=16).hexdigest()


def _safety_line(codes: set[str]) -> str:
    """The line above a file's diff that says which of its fixes are safe (patch ignores it)."""
    safe = sorted(c for c in codes if fix_is_safe(c))
    unsafe = sorted(c for c in codes if not fix_is_safe(c))
    parts = ([f"safe fixes {', '.join(safe)}"] if safe else []) + ([f"unsafe fixes {', '.join(unsafe)}"] if unsafe
                                                                    else [])
    return f"# cleancorpus: {'; '.join(parts)}\n" if parts else ""


def _within(doc: Document, root: str, only: bool) -> bool:
    """Whether ``doc`` was read from the input ``root`` (``only``: it is the one input)."""
    if only:
        return True
    path = doc.meta.get("path")
    if not path:
        return False
    found, top = Path(path).resolve(), Path(root).resolve()
    return found == top or top in found.parents


def _problem_finding(problem: ReadProblem) -> Finding:
    if problem.fatal:
        code = "CC401"
    elif "UTF-8" in problem.message:
        code = "CC406"
    else:
        code = "CC402"
    return Finding(problem.path, problem.line, code, problem.message, problem.path, f"{code}:{problem.message}")


def cc301_finding(path: str, line: int | None, member, representative: str) -> Finding:
    """The finding of a near-duplicate ``member`` of ``representative``'s cluster."""
    return Finding(path, line, "CC301", f"near-duplicate of {representative} (jaccard {member.jaccard:.2f}, "
                                        f"containment {member.containment:.2f})", member.id, f"CC301:{representative}")


def conclude(findings: list[Finding], problems: list[ReadProblem], notes: list[str], documents: int, check,
             codes: set[str], baseline: dict | None) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """``(findings, failing, known)`` of a run: read problems as findings (links and skipped
    files as notes), only selected and not ignored codes, sorted; the baseline's findings
    known; cruft findings failing the run only past ``max_cruft_share`` of the documents."""
    findings = list(findings)
    for problem in problems:
        if problem.kind in ("link", "skipped"):
            notes.append(str(problem))
        else:
            findings.append(_problem_finding(problem))
    findings = [f for f in findings if f.code in codes and not ignored_here(f, check)]
    findings.sort(key=lambda f: (f.path, f.line or 0, f.column or 0, f.code, f.message))
    findings = list({f.place: f for f in findings}.values())  # the same finding twice is printed once
    failing, known = (split_by_baseline(findings, baseline) if baseline is not None else (list(findings), []))
    cruft_docs = {f.document for f in failing if f.family == "cruft"}
    if documents and len(cruft_docs) <= check.max_cruft_share * documents:
        failing = [f for f in failing if f.family != "cruft"]
    return findings, failing, known


def check_corpus(input_path: str | Path | Sequence[str | Path], settings: Settings | None = None, *,
                 cache_dir: str | Path | None = None, fix: bool = False, baseline: dict | None = None,
                 diff: bool = False, progress: ProgressCallback | None = None,
                 unsafe_fixes: bool = False, model: str | Path | None = None, **engine: Any) -> CheckResult:
    """Check a corpus (one input, or several checked as one corpus, as ``normalize`` reads
    them); with ``fix``, also write the reported fixes back over the input files.

    ``fix`` changes only what is reported: selected codes, not ignored (per path too), not
    in ``baseline``, and only safe fixes (each code's page says) unless ``unsafe_fixes``.
    ``diff`` computes the same fixes as unified diffs (``result.diffs``) and writes nothing.
    Raises :class:`~cleancorpus.config.ConfigError` for unknown codes or unsupported options.
    ``progress(stage, count, total)`` is told as documents pass. ``engine``: where the
    plan's tasks run (``executor``, ``workdir``, ``partition_size`` of
    :func:`~cleancorpus.engines.local.run_stages`; default ``settings.jobs`` processes here).
    Every document is read, cleaned and checked in the engine's workers
    (:class:`~.stage.CheckStage`); this process merges what they learned and found, writes
    the cache and the fixes. ``model``: a model folder (``cleancorpus fit``) whose recurrence
    and discovered names the cleaning uses instead of learning them from the input.
    """
    if progress is None:
        progress = lambda stage, count, total: None  # noqa: E731
    settings = settings or Settings()
    check = settings.check
    codes = selected_codes(check)
    inputs = [str(input_path)] if isinstance(input_path, (str, Path)) else [str(p) for p in input_path]
    if not inputs:
        raise ConfigError("no input to check")
    base = inputs[0] if len(inputs) == 1 else ""  # several inputs: each id starts with its input's name
    if fix and STDIN in inputs:
        raise ConfigError("--fix cannot write back to standard input")
    if fix and any(path.lower().endswith(".gz") for path in inputs):
        raise ConfigError("--fix does not rewrite compressed input in place; use normalize")
    notes: list[str] = []
    fixed: list[str] = []
    for root in (Path(path) for path in inputs if path != STDIN and Path(path).is_dir()):
        if fix:
            resumed = complete_journal(root, notes)
            if resumed is not None:  # the interrupted fix is the fix of this run
                fixed, fix = fixed + resumed, False
        elif (root / JOURNAL).is_file():
            notes.append(f"{root / JOURNAL}: a check --fix was interrupted here; run check --fix to complete it")

    cache = CheckCache(cache_dir)  # opened here first: a broken cache is rebuilt before any worker reads it
    fingerprint = _fingerprint(settings)
    memo = CacheMemo(cache_dir, fingerprint) if cache_dir is not None and cache.path is not None else None
    problems: list[ReadProblem] = []
    learned = None
    if model is not None:  # (a model that cannot be used stops the check before any work)
        from ..model import load_model

        learned = load_model(model)
    stage = CheckStage(settings, codes, base, fingerprint=fingerprint, memo=memo, keep_fixable=fix or diff,
                       model=learned, model_path=str(model))
    corpus = CorpusInput(inputs, settings.read, problems, progress, hashes=True, extraction_cache=memo,
                         templates=learned.template_book() if learned is not None else None)
    fit_stages(corpus, [stage], jobs=settings.processes, progress=progress, **engine)
    remover, normalizer, repairer = stage.remover, stage.normalizer, stage.repairer
    documents = len(stage.checked)
    findings: list[Finding] = []
    where: dict[str, tuple[str, int | None]] = {}  # id -> (path, line): all CC301 needs
    originals: list[Document] = []
    for checked in stage.checked:
        findings.extend(checked.findings)
        where[checked.id] = (checked.path, checked.line)
        if checked.original is not None:
            originals.append(checked.original)
    hits = sum(checked.cached for checked in stage.checked)
    stage.checked = []
    cache.close()
    notes = cache.warnings + notes
    if "CC301" in codes:  # the clusters the stage's shuffle found (the sketches stayed in the workers)
        for cluster in stage.duplicates.clusters:
            for member in cluster.members:
                findings.append(cc301_finding(*where[member.id], member, cluster.representative))
    findings, failing, known = conclude(findings, problems, notes, documents, check, codes, baseline)
    diffs: list[str] = []
    if fix or diff:
        known_ids = {id(f) for f in known}
        wanted: dict[str, set[tuple]] = {}
        unsafe_left = 0
        fixed_codes: dict[str, set[str]] = {}
        for f in findings:
            if f.fixable and id(f) not in known_ids:
                if unsafe_fixes or fix_is_safe(f.code):
                    wanted.setdefault(f.document, set()).add(f.ref)
                    fixed_codes.setdefault(f.document, set()).add(f.code)
                else:
                    unsafe_left += 1
        if unsafe_left:  # (as ruff says of its hidden fixes)
            notes.append(f"{unsafe_left} unsafe fix(es) not {'shown' if diff else 'applied'} (they may change "
                         f"what a text says); --unsafe-fixes {'shows' if diff else 'applies'} them")
        plans: dict[str, FixPlan] = {}
        planned_docs = []
        for doc in originals:
            if doc.id in wanted:
                plan = plan_fix(doc, remover, normalizer, wanted[doc.id], repairer)
                if plan is not None:
                    plans[doc.id] = plan
                    planned_docs.append(doc)
        if diff:
            diffs = [_safety_line(fixed_codes.get(doc.id, set())) + unified_diff_of(doc, plans[doc.id])
                     for doc in planned_docs]
            return CheckResult(findings, failing, documents, hits, len(known), fixed, notes, diffs,
                               baseline=None if baseline is None else known)
        for root in inputs:  # each input's files, with that input's fix journal
            mine = [doc for doc in planned_docs if _within(doc, root, len(inputs) == 1)]
            fixed += write_fixes(mine, plans, root, settings.read.text_field, notes)
        repaired = set(fixed)  # what --fix repaired no longer fails the run (as with a linter's --fix)
        failing = [f for f in failing
                   if not (f.fixable and f.path in repaired and f.ref in wanted.get(f.document, ()))]
    return CheckResult(findings, failing, documents, hits, len(known), fixed, notes,
                       baseline=None if baseline is None else known)
