"""``cleancorpus check``: the corpus linter. The same stages as ``normalize``, turned into findings.

Every finding has a stable code (never reused for another meaning), a path, a line where
one applies, and a message. Codes:

=======  ===========  ==========================================================
code     family       meaning
=======  ===========  ==========================================================
CC101    cruft        a line a cruft rule (shipped or yours) matches
CC102    cruft        a line that recurs across many documents of its source
CC103    cruft        a line that repeats an earlier line of the document
CC104    cruft        a comment section or end matter (and every line in it)
CC201    names        a spelling that an alias table maps to another form
CC202    names        a spelling that discovery maps to another form (opt-in)
CC301    duplicates   a near-duplicate of another document
CC401    document     cannot be read (binary, undecodable, malformed JSON line)
CC402    document     empty, or near-empty after cleaning (fewer than 5 words)
CC403    document     mojibake: text decoded with the wrong encoding ("â€™")
CC404    document     not in the expected language (when ``language`` is set)
CC405    document     very short after cleaning (fewer than ``min_words`` words)
CC406    document     not valid UTF-8 (read with a fallback encoding)
=======  ===========  ==========================================================

``check`` never writes the corpus unless ``--fix`` is given. A cache keyed by file
content and settings makes a second run over an unchanged corpus cheap: per document it
keeps the extracted text, the line digests recurrence counts, and the document's
findings and near-duplicate sketch (valid while the recurrence state of its source is
unchanged).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import pickle
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

import regex

from .config import CheckSettings, ConfigError, Settings
from .cruft.recurrence import source_of
from .dedup import NearDuplicateDetector
from .dedup.detector import info_of
from .dedup.signatures import sketch_texts
from .document import Document, LineRemoval, WordChange
from .io import STDIN, ReadProblem, read_corpus
from .names import NameDiscovery
from .pipeline import build_stages

CODES: dict[str, tuple[str, str]] = {
    "CC101": ("cruft", "a line a cruft rule matches"),
    "CC102": ("cruft", "a line that recurs across many documents of its source"),
    "CC103": ("cruft", "a line that repeats an earlier line of the document"),
    "CC104": ("cruft", "a comment section or end matter"),
    "CC201": ("names", "a spelling that an alias table maps to another form"),
    "CC202": ("names", "a spelling that discovery maps to another form (opt-in)"),
    "CC301": ("duplicates", "a near-duplicate of another document"),
    "CC401": ("document", "cannot be read"),
    "CC402": ("document", "empty or near-empty after cleaning"),
    "CC403": ("document", "mojibake"),
    "CC404": ("document", "not in the expected language"),
    "CC405": ("document", "very short after cleaning"),
    "CC406": ("document", "not valid UTF-8"),
}
OPT_IN = {"CC202"}
SECTION_RULES = ("comment-section", "comment-metadata", "end-matter-heading")
NEAR_EMPTY_WORDS = 5
CACHE_VERSION = "1"

_MOJIBAKE = regex.compile(r"â€[™œ\x9d“”˜¦¢\x94\x93]|Ã[©¨¤¶¼±§¡³­ª¹º]|Ã\s|Â[\xa0 ©®°·]|Ð[°±²³µ¸¾]Ñ")
_WORDS = regex.compile(r"\p{L}+")
_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as", "he", "said"},
    "fr": {"le", "la", "les", "de", "des", "et", "est", "un", "une", "du", "que", "dans", "pour", "il", "qui"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "den", "von", "mit", "sich", "auf"},
    "es": {"el", "la", "los", "las", "de", "y", "que", "en", "un", "una", "por", "con", "para", "es", "se"},
    "it": {"il", "di", "che", "la", "e", "per", "un", "una", "in", "non", "con", "sono", "gli", "del", "le"},
    "pt": {"o", "a", "os", "as", "de", "que", "e", "do", "da", "em", "um", "uma", "para", "com", "não"},
    "ru": {"и", "в", "не", "на", "что", "с", "по", "это", "как", "он", "из", "за", "к", "но", "о"},
}
_SCRIPTS = {"hy": r"\p{Armenian}", "ka": r"\p{Georgian}", "ar": r"\p{Arabic}", "el": r"\p{Greek}",
            "he": r"\p{Hebrew}", "uk": r"\p{Cyrillic}", "ru": r"\p{Cyrillic}", "zh": r"\p{Han}"}


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, its code, and what it is."""

    path: str
    line: int | None
    code: str
    message: str
    document: str
    key: str = ""

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.code} {self.message}"


@dataclass
class CheckResult:
    """All findings of a run, which of them fail it, and counts."""

    findings: list[Finding]
    failing: list[Finding]
    documents: int
    cache_hits: int = 0
    baseline_suppressed: int = 0
    fixed: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(f.code for f in self.findings)


# ---------------------------------------------------------------------------- selection


def expand_codes(patterns: Iterable[str], what: str) -> set[str]:
    """Codes matching exact codes or prefixes (``CC1`` = all cruft codes); unknown ones are errors."""
    result = set()
    for pattern in patterns:
        matched = {c for c in CODES if c.startswith(pattern.upper())}
        if not matched or not pattern.upper().startswith("CC"):
            raise ConfigError(f"unknown code {pattern!r} in {what}; known: {', '.join(CODES)}")
        result |= matched
    return result


def selected_codes(check: CheckSettings) -> set[str]:
    """The codes this run reports: ``select`` (default: all but opt-in ones) minus ``ignore``."""
    chosen = expand_codes(check.select, "select") if check.select else set(CODES) - OPT_IN
    for pattern, codes in check.per_path_ignores.items():
        expand_codes(codes, f"per-path-ignores {pattern!r}")
    return chosen - expand_codes(check.ignore, "ignore")


def _ignored_here(finding: Finding, check: CheckSettings) -> bool:
    for pattern, codes in check.per_path_ignores.items():
        if fnmatch.fnmatch(finding.document, pattern) or fnmatch.fnmatch(finding.path, pattern):
            if finding.code in expand_codes(codes, "per-path-ignores"):
                return True
    return False


# ---------------------------------------------------------------------------- cache


class CheckCache:
    """A key-value store in one SQLite file; values are pickled. ``None`` path: in memory only."""

    def __init__(self, folder: str | Path | None) -> None:
        self.hits = 0
        if folder is None:
            self.db = sqlite3.connect(":memory:")
        else:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(Path(folder) / f"check-v{CACHE_VERSION}.sqlite")
        self.db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB)")
        self.pending: dict[str, bytes] = {}

    def get(self, key: str):
        row = self.db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return pickle.loads(row[0])

    def __setitem__(self, key: str, value) -> None:
        self.pending[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", self.pending.items())
        self.db.close()


class _ExtractionCache:
    """The dict-like the reader wants, stored in the check cache."""

    def __init__(self, cache: CheckCache) -> None:
        self.cache = cache

    def get(self, key: str):
        return self.cache.get("x:" + key)

    def __setitem__(self, key: str, value) -> None:
        self.cache["x:" + key] = value


def _fingerprint(settings: Settings) -> str:
    data = json.dumps(settings.to_dict(), sort_keys=True, default=str)
    data += json.dumps(list(settings.names_entities), sort_keys=True, default=str)
    for path in (*settings.cruft.rule_files, *settings.names.tables):
        try:
            data += Path(path).read_text(encoding="utf-8")
        except OSError:
            data += path
    return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()


# ---------------------------------------------------------------------------- per document


def _path_of(doc: Document, input_path: str) -> str:
    return str(doc.meta.get("path") or Path(input_path) / doc.id)


def _line_of(doc: Document, line: int | None) -> int | None:
    """Findings inside a JSON Lines record point at the record's line."""
    return doc.meta.get("line") if "fields" in doc.meta else line


def _cruft_code(rule: str) -> str:
    if rule.startswith("recurring:"):
        return "CC102"
    if rule == "repeat":
        return "CC103"
    if rule in SECTION_RULES:
        return "CC104"
    return "CC101"


def _language_mismatch(text: str, language: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(text)[:2000]]
    if not words:
        return False
    if language in _STOPWORDS:
        hits = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
        best = max(hits, key=hits.get)
        return hits[language] < 0.02 * len(words) or (best != language and hits[best] > 2 * hits[language])
    if language in _SCRIPTS:
        letters = regex.findall(r"\p{L}", text[:20000])
        own = regex.findall(_SCRIPTS[language], text[:20000])
        return bool(letters) and len(own) < 0.5 * len(letters)
    raise ConfigError(f"language {language!r} is not supported by the check; "
                      f"supported: {', '.join(sorted(set(_STOPWORDS) | set(_SCRIPTS)))}")


def _document_findings(original: Document, cleaned: Document, path: str, check: CheckSettings) -> list[Finding]:
    found = []
    line = _line_of(original, None)
    words = len(_WORDS.findall(cleaned.text))
    if words < NEAR_EMPTY_WORDS:
        found.append(Finding(path, line, "CC402", f"empty or near-empty after cleaning ({words} words)",
                             original.id, "CC402"))
    elif words < check.min_words:
        found.append(Finding(path, line, "CC405", f"very short after cleaning ({words} words, "
                             f"minimum {check.min_words})", original.id, "CC405"))
    for number, text in enumerate(original.text.split("\n"), start=1):
        match = _MOJIBAKE.search(text)
        if match:
            found.append(Finding(path, _line_of(original, number), "CC403",
                                 f"mojibake {match.group()!r}: text decoded with the wrong encoding",
                                 original.id, "CC403:" + text.strip()[:200]))
            break
    if check.language and words >= NEAR_EMPTY_WORDS and _language_mismatch(cleaned.text, check.language):
        found.append(Finding(path, line, "CC404", f"not in the expected language ({check.language})",
                             original.id, "CC404"))
    return found


def _change_findings(doc: Document, path: str, code_for_names: str = "CC201") -> list[Finding]:
    found = []
    for r in doc.records_of(LineRemoval):
        code = _cruft_code(r.rule)
        detail = f", {r.detail}" if r.detail else ""
        shown = r.text if len(r.text) <= 80 else r.text[:77] + "..."
        found.append(Finding(path, _line_of(doc, r.line), code, f"cruft ({r.rule}{detail}): {shown!r}", doc.id,
                             f"{code}:{r.text}"))
    for c in doc.records_of(WordChange):
        code = "CC202" if c.entry.startswith("discovered:") else code_for_names
        found.append(Finding(path, _line_of(doc, c.line), code, f"name spelling {c.old!r} -> {c.new!r} "
                             f"({c.entry})", doc.id, f"{code}:{c.old}->{c.new}"))
    return found


# ---------------------------------------------------------------------------- the run


def check_corpus(input_path: str | Path, settings: Settings | None = None, *, cache_dir: str | Path | None = None,
                 fix: bool = False, baseline: dict | None = None) -> CheckResult:
    """Check a corpus; with ``fix``, also write the cleaned text back over the input files.

    Raises :class:`~cleancorpus.config.ConfigError` for unknown codes or unsupported options.
    """
    settings = settings or Settings()
    check = settings.check
    codes = selected_codes(check)
    input_path = str(input_path)
    if fix and input_path == STDIN:
        raise ConfigError("--fix cannot write back to standard input")
    if fix and input_path.lower().endswith(".gz"):
        raise ConfigError("--fix does not rewrite compressed input in place; use normalize")
    cache = CheckCache(cache_dir)
    fingerprint = _fingerprint(settings)
    problems: list[ReadProblem] = []
    docs = list(read_corpus(input_path, settings.read, problems, extraction_cache=_ExtractionCache(cache)))

    remover, normalizer = build_stages(settings, dedup=False)
    for doc in docs if settings.cruft.recurrence else ():
        key = f"l:{fingerprint}:{doc.meta.get('content_hash')}"
        digests = cache.get(key) if doc.meta.get("content_hash") else None
        if digests is None:
            digests = remover.recurrence.digests(doc)
            cache[key] = digests
        remover.recurrence.add(doc, digests)
    if "CC202" in codes or settings.names.apply_discovered:
        discovery = NameDiscovery(normalizer.known_words()).fit(remover.apply(d) for d in docs)
        normalizer.use_discovered(discovery.variants())

    findings: list[Finding] = []
    detector = NearDuplicateDetector(settings.dedup)
    cleaned_docs: dict[str, Document] = {}
    entries: list = [None] * len(docs)
    pending = []  # documents not in the cache: sketched together, in batches
    for position, doc in enumerate(docs):
        path = _path_of(doc, input_path)
        state = remover.recurrence.state_of(source_of(doc)) if settings.cruft.recurrence else "-"
        key = f"d:{fingerprint}:{doc.meta.get('content_hash')}:{state}:{'CC202' in codes}"
        entries[position] = cache.get(key) if doc.meta.get("content_hash") and not fix else None
        if entries[position] is None:
            cleaned = normalizer.apply(remover.apply(doc))
            doc_findings = _change_findings(cleaned, path) + _document_findings(doc, cleaned, path, check)
            pending.append((position, key, cleaned, doc_findings))
            if fix:
                cleaned_docs[doc.id] = cleaned
    batch = settings.dedup.batch_size
    for start in range(0, len(pending), batch):
        chunk = pending[start:start + batch]
        sketch = sketch_texts([cleaned.text for _, _, cleaned, _ in chunk], settings.dedup.sketch)
        for (position, key, cleaned, doc_findings), signature, shingles in zip(
                chunk, sketch.signatures, sketch.shingle_sets):
            entries[position] = (doc_findings, signature.copy(), shingles.copy(), len(cleaned.text))
            cache[key] = entries[position]
    for doc, (doc_findings, signature, shingles, length) in zip(docs, entries):
        findings += doc_findings
        detector.add_sketched(info_of(doc, length), signature, shingles)
    hits = cache.hits
    cache.close()

    if "CC301" in codes:
        result = detector.cluster()
        by_id = {d.id: d for d in docs}
        for cluster in result.clusters:
            for member in cluster.members:
                doc = by_id[member.id]
                findings.append(Finding(_path_of(doc, input_path), _line_of(doc, None), "CC301",
                                        f"near-duplicate of {cluster.representative} (jaccard {member.jaccard:.2f}, "
                                        f"containment {member.containment:.2f})", doc.id,
                                        f"CC301:{cluster.representative}"))
    for problem in problems:
        if problem.fatal:
            code = "CC401"
        elif "UTF-8" in problem.message:
            code = "CC406"
        else:
            code = "CC402"
        findings.append(Finding(problem.path, problem.line, code, problem.message,
                                problem.path, f"{code}:{problem.message}"))

    findings = [f for f in findings if f.code in codes and not _ignored_here(f, check)]
    findings.sort(key=lambda f: (f.path, f.line or 0, f.code, f.message))
    failing = list(findings)
    suppressed = 0
    if baseline is not None:
        allowed = Counter((f["code"], f["path"], f["key"]) for f in baseline.get("findings", []))
        kept = []
        for f in failing:
            mark = (f.code, f.path, f.key)
            if allowed[mark] > 0:
                allowed[mark] -= 1
                suppressed += 1
            else:
                kept.append(f)
        failing = kept
    cruft_docs = {f.document for f in failing if CODES[f.code][0] == "cruft"}
    if docs and len(cruft_docs) <= check.max_cruft_share * len(docs):
        failing = [f for f in failing if CODES[f.code][0] != "cruft"]
    fixed = _write_fixes(docs, cleaned_docs, input_path, settings) if fix else []
    if fixed:  # what --fix repaired no longer fails the run (as with a linter's --fix)
        repaired = set(fixed)
        failing = [f for f in failing if not (f.path in repaired and CODES[f.code][0] in ("cruft", "names"))]
    return CheckResult(findings, failing, len(docs), hits, suppressed, fixed)


def _write_fixes(docs: list[Document], cleaned: dict[str, Document], input_path: str,
                 settings: Settings) -> list[str]:
    """Write cleaned text back over the input files that changed (atomically)."""
    from .io import HTML_SUFFIXES, _base_suffix, atomic_write_bytes, write_jsonl

    changed = [d for d in docs if d.id in cleaned and cleaned[d.id].text != d.text]
    written = []
    jsonl_files: dict[str, list[Document]] = {}
    for doc in docs:
        if "fields" in doc.meta:
            jsonl_files.setdefault(doc.meta["path"], []).append(cleaned.get(doc.id, doc))
    if jsonl_files:
        if any(d.id in cleaned and cleaned[d.id].text != d.text for d in docs):
            target = Path(input_path)
            write_jsonl(jsonl_files[next(iter(jsonl_files))], target, settings.read)
            written.append(str(target))
        return written
    for doc in changed:
        path = Path(doc.meta["path"])
        if _base_suffix(path) in HTML_SUFFIXES or path.name.endswith(".gz"):
            continue  # HTML or compressed input is never rewritten in place; use normalize
        atomic_write_bytes(path, cleaned[doc.id].text.encode("utf-8"))
        written.append(str(path))
    return written


# ---------------------------------------------------------------------------- output


def format_text(result: CheckResult) -> str:
    lines = [f.text() for f in result.findings]
    if result.findings:
        lines.append("")
        for code, count in sorted(result.counts.items()):
            lines.append(f"{count:6d}  {code}  {CODES[code][1]}")
    failing = len(result.failing)
    lines.append(f"{len(result.findings)} finding(s) in {result.documents} document(s); "
                 f"{failing} above the configured limits"
                 + (f"; {result.baseline_suppressed} in the baseline" if result.baseline_suppressed else ""))
    return "\n".join(lines) + "\n"


def format_json(result: CheckResult) -> str:
    """The documented JSON schema: ``version``, ``documents``, ``failed``, ``summary``, ``findings``."""
    failing = {id(f) for f in result.failing}
    return json.dumps({
        "version": 1,
        "documents": result.documents,
        "failed": bool(result.failing),
        "summary": dict(sorted(result.counts.items())),
        "findings": [{**{k: v for k, v in asdict(f).items() if k != "key"}, "fails": id(f) in failing}
                     for f in result.findings],
    }, ensure_ascii=False, indent=1) + "\n"


def _github_escape(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def format_github(result: CheckResult) -> str:
    failing = {id(f) for f in result.failing}
    out = []
    for f in result.findings:
        level = "error" if id(f) in failing else "warning"
        line = f",line={f.line}" if f.line else ""
        out.append(f"::{level} file={_github_escape(f.path)}{line},title={f.code}::{_github_escape(f.message)}")
    return "\n".join(out) + ("\n" if out else "")


def format_junit(result: CheckResult) -> str:
    failing = {id(f) for f in result.failing}
    by_doc: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_doc.setdefault(f.path, []).append(f)
    cases = []
    for path, found in sorted(by_doc.items()):
        failures = "".join(
            f"<failure type={quoteattr(f.code)} message={quoteattr(f.message)}>{escape(f.text())}</failure>"
            for f in found if id(f) in failing)
        cases.append(f"<testcase classname=\"cleancorpus.check\" name={quoteattr(path)}>{failures}</testcase>")
    failed_docs = sum(1 for found in by_doc.values() if any(id(f) in failing for f in found))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<testsuites><testsuite name=\"cleancorpus check\" tests=\"{max(result.documents, len(by_doc))}\" "
            f"failures=\"{failed_docs}\">{''.join(cases)}</testsuite></testsuites>\n")


FORMATS = {"text": format_text, "json": format_json, "github": format_github, "junit": format_junit}


def baseline_of(result: CheckResult) -> dict:
    """What ``--write-baseline`` records: every finding's code, path and content key (no line
    numbers, so a line moving does not make an old finding new)."""
    return {"version": 1, "findings": [{"code": f.code, "path": f.path, "key": f.key} for f in result.findings]}
