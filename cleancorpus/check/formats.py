"""Output formats of ``cleancorpus check``: text, JSON, GitHub annotations, JUnit XML, SARIF
2.1.0 and GitLab Code Quality.

Any file name can reach these formats (a corpus is scraped data), so each one escapes
what its consumer treats as syntax: GitHub's workflow-command properties (``%``, ``:``,
``,``, newlines) and XML (characters XML 1.0 cannot hold are written as ``\\xNN``).
Undecodable bytes of a file name (kept by Python as lone surrogates) are shown as
``\\xNN`` everywhere, so output is always valid UTF-8. Control characters (terminal escapes
such as ESC, newlines that would forge a finding line, C1 controls, bidirectional overrides
and Unicode line separators) are shown as ``\\xNN`` / ``\\uNNNN`` in every format meant for
a terminal, a log or an annotation; JSON escapes them itself.
"""

from __future__ import annotations

import json
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

import regex

from .codes import CODES, CheckResult, Finding

_SURROGATE = regex.compile(r"[\ud800-\udfff]")
# What a terminal, a CI log or an annotation would act on rather than show.
_CONTROL = regex.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Characters XML 1.0 does not allow, even escaped.
_NOT_XML = regex.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def unsurrogated(value: str) -> str:
    """``value`` with lone surrogates (undecodable bytes of a file name) shown as ``\\xNN``."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) & 0xFF:02x}" if 0xDC80 <= ord(m.group()) <= 0xDCFF
                          else f"\\u{ord(m.group()):04x}", value)


def printable(value: str) -> str:
    """``value`` safe to print on one line of a terminal or a log: lone surrogates and
    control characters shown as escapes (``\\x1b``, ``\\x0a``, ``\\u202e``)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", unsurrogated(value))


def printable_lines(value: str) -> str:
    """:func:`printable` for text of several lines (a diff): the newlines are kept."""
    return "\n".join(printable(line) for line in value.split("\n"))


def _xml_safe(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", printable(value))


def format_text(result: CheckResult) -> str:
    """One line a finding (``path:line:column: CODE message``), counts per code, and a closing line.

    With a baseline, each finding it does not hold is marked ``[new]``."""
    known = {id(f) for f in result.baseline} if result.baseline is not None else None
    lines = [printable(f.text()) + (" [new]" if known is not None and id(f) not in known else "")
             for f in result.findings]
    if result.findings:
        lines.append("")
        for code, count in sorted(result.counts.items()):
            lines.append(f"{count:6d}  {code}  {CODES[code][1]}")
    failing = len(result.failing)
    lines.append(f"{len(result.findings)} finding(s) in {result.documents} document(s); "
                 f"{failing} above the configured limits"
                 + (f"; {result.baseline_suppressed} in the baseline" if result.baseline_suppressed else ""))
    return "\n".join(lines) + "\n"


def format_statistics(result: CheckResult) -> str:
    """Findings counted per code, most frequent first (like ``ruff --statistics``)."""
    failing = {f.code for f in result.failing}
    lines = [f"{count:8,d}  {code}  {'fails' if code in failing else 'passes'}  {CODES[code][1]}"
             for code, count in sorted(result.counts.items(), key=lambda item: (-item[1], item[0]))]
    lines.append(f"{len(result.findings):,} finding(s) in {result.documents:,} document(s)")
    return "\n".join(lines) + "\n"


def format_json(result: CheckResult) -> str:
    """The documented JSON schema: ``version``, ``documents``, ``failed``, ``summary``, ``findings``."""
    failing = {id(f) for f in result.failing}
    return json.dumps({
        "version": 1,
        "documents": result.documents,
        "failed": bool(result.failing),
        "summary": dict(sorted(result.counts.items())),
        "findings": [{"path": unsurrogated(f.path), "line": f.line, "column": f.column, "end_column": f.end_column,
                      "code": f.code,
                      "message": unsurrogated(f.message), "document": unsurrogated(f.document),
                      "fails": id(f) in failing} for f in result.findings],
    }, ensure_ascii=False, indent=1) + "\n"


def github_property(value: str) -> str:
    """Escape a workflow-command property value as GitHub's toolkit does (then any other
    control character as :func:`printable` shows it)."""
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                     .replace(":", "%3A").replace(",", "%2C"))


def github_message(value: str) -> str:
    """Escape a workflow-command message as GitHub's toolkit does (then any other control
    character as :func:`printable` shows it)."""
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def format_github(result: CheckResult) -> str:
    """``::error file=...,line=...,title=CODE::message``: annotations on the pull request."""
    failing = {id(f) for f in result.failing}
    out = []
    for f in result.findings:
        level = "error" if id(f) in failing else "warning"
        line = f",line={f.line}" if f.line else ""
        if f.line and f.column:
            line += f",col={f.column}" + (f",endColumn={f.end_column}" if f.end_column else "")
        out.append(f"::{level} file={github_property(f.path)}{line},title={github_property(f.code)}::"
                   f"{github_message(f.message)}")
    return "\n".join(out) + ("\n" if out else "")


def format_junit(result: CheckResult) -> str:
    """One test case per file with findings, a failure per failing finding; valid XML for any name."""
    failing = {id(f) for f in result.failing}
    by_doc: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_doc.setdefault(f.path, []).append(f)
    cases = []
    for path, found in sorted(by_doc.items()):
        failures = "".join(
            f"<failure type={quoteattr(f.code)} message={quoteattr(_xml_safe(f.message))}>"
            f"{escape(_xml_safe(f.text()))}</failure>"
            for f in found if id(f) in failing)
        cases.append(f"<testcase classname=\"cleancorpus.check\" name={quoteattr(_xml_safe(path))}>"
                     f"{failures}</testcase>")
    failed_docs = sum(1 for found in by_doc.values() if any(id(f) in failing for f in found))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<testsuites><testsuite name=\"cleancorpus check\" tests=\"{len(cases)}\" "
            f"failures=\"{failed_docs}\">{''.join(cases)}</testsuite></testsuites>\n")


def fingerprints(result: CheckResult) -> list[str]:
    """A fingerprint per finding, stable across runs (code, document and content, never the
    line: editing above a finding keeps it), so code scanning and GitLab track a finding
    from one run to the next; repeats of one finding in a document are numbered."""
    import hashlib

    seen: dict[str, int] = {}
    found = []
    for f in result.findings:
        base = f"{f.code}\0{unsurrogated(f.document)}\0{unsurrogated(f.key or f.message)}"
        seen[base] = seen.get(base, 0) + 1
        found.append(hashlib.sha256(f"{base}\0{seen[base]}".encode()).hexdigest()[:32])
    return found


def _uri(path: str) -> str:
    """A SARIF artifact URI: a relative path as it is (forward slashes), an absolute one as file://."""
    from pathlib import Path, PurePosixPath

    clean = unsurrogated(path)
    return Path(clean).as_uri() if Path(clean).is_absolute() else str(PurePosixPath(*Path(clean).parts))


def format_sarif(result: CheckResult) -> str:
    """SARIF 2.1.0 (GitHub code scanning, most CI dashboards): every code as a rule with its
    page, each finding a result with its region (line and column) and a stable fingerprint."""
    from ..version import __version__
    from .rule_pages import HELP_URI, rule_pages

    pages = rule_pages()
    index = {code: k for k, code in enumerate(pages)}
    failing = {id(f) for f in result.failing}
    rules = [{"id": page.code, "name": page.name,
              "shortDescription": {"text": page.short},
              "fullDescription": {"text": page.summary},
              "help": {"text": page.text(), "markdown": page.text()},
              "helpUri": f"{HELP_URI}#{page.code.lower()}",
              "properties": {"family": page.family, "fix": page.fix_kind or "none"}}
             for page in pages.values()]
    results = []
    for f, fingerprint in zip(result.findings, fingerprints(result)):
        location: dict = {"artifactLocation": {"uri": _uri(f.path)}}
        if f.line:
            region = {"startLine": f.line}
            if f.column:
                region.update(startColumn=f.column, endLine=f.line)
                if f.end_column:
                    region["endColumn"] = f.end_column
            location["region"] = region
        results.append({"ruleId": f.code, "ruleIndex": index[f.code],
                        "level": "error" if id(f) in failing else "warning",
                        "message": {"text": unsurrogated(f.message)},
                        "locations": [{"physicalLocation": location}],
                        "partialFingerprints": {"cleancorpusFinding/v1": fingerprint}})
    return json.dumps({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "cleancorpus", "version": __version__,
                                      "informationUri": HELP_URI, "rules": rules}},
                  "columnKind": "unicodeCodePoints",
                  "results": results}],
    }, ensure_ascii=False, indent=1) + "\n"


def format_gitlab(result: CheckResult) -> str:
    """GitLab's Code Quality report (a JSON list): description, check name, fingerprint,
    severity (major when the finding fails the run, minor otherwise) and location."""
    failing = {id(f) for f in result.failing}
    issues = []
    for f, fingerprint in zip(result.findings, fingerprints(result)):
        if f.line and f.column:
            where = {"path": unsurrogated(f.path), "positions": {
                "begin": {"line": f.line, "column": f.column},
                "end": {"line": f.line, "column": f.end_column or f.column}}}
        else:
            where = {"path": unsurrogated(f.path), "lines": {"begin": f.line or 1}}
        issues.append({"description": f"{f.code} {unsurrogated(f.message)}", "check_name": f.code,
                       "fingerprint": fingerprint, "severity": "major" if id(f) in failing else "minor",
                       "location": where})
    return json.dumps(issues, ensure_ascii=False, indent=1) + "\n"


FORMATS: dict[str, Callable[[CheckResult], str]] = {
    "text": format_text, "json": format_json, "github": format_github, "junit": format_junit,
    "sarif": format_sarif, "gitlab": format_gitlab}
