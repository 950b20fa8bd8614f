"""A run as one self-contained HTML page: what ``cleancorpus report`` and ``--html-report`` write.

The page reads from the run's two files (``cleancorpus-report.json`` and the records
beside it, streamed line by line, so a run of any size costs memory only for what the
page shows) and holds everything it needs: styles, plots as inline SVG drawn here, and a
few lines of script (a filter box), with no network and no external file. It opens from
disk.

Sections: totals; per source, lines removed by rule and the lines learned as recurring
there; the share of text removed per document (a histogram, and the documents that lost
the most, each with what was removed and why: over-deletion is what a user fears most);
name changes; duplicate clusters side by side with their representative; and the exact
similarities of checked pairs with the thresholds marked. Long lists are cut to their
largest entries, and the page says where.
"""

from __future__ import annotations

import difflib
import heapq
import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

#: How much of each long list the page shows (the rest is counted, and the page says so).
MAX_SOURCES = 200
MAX_RECURRING_PER_SOURCE = 25
MAX_OUTLIERS = 30
MAX_NAME_ROWS = 300
MAX_CLUSTERS = 50
#: Bins of the histogram of the share of text removed per document.
SHARE_BINS = 20

_IN_DOCUMENTS = re.compile(r"in (\d+) of (\d+) documents")


class ReportError(ValueError):
    """A run report that cannot be read (missing, not JSON, not a cleancorpus report)."""


@dataclass
class RecordTotals:
    """What the page needs from the per-document records, gathered in one streaming pass."""

    documents: int = 0
    documents_by_source: Counter = field(default_factory=Counter)
    removed_by_source: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: source -> recurring line -> [lines removed, documents it was in, documents of the source]
    recurring: dict[str, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(dict))
    share_bins: list[int] = field(default_factory=lambda: [0] * SHARE_BINS)
    #: a heap of (share removed, id, source, removed lines) holding the largest shares
    outliers: list[tuple[float, str, str, list[dict]]] = field(default_factory=list)
    names: Counter = field(default_factory=Counter)
    bad_lines: int = 0

    def add(self, record: dict[str, Any]) -> None:
        self.documents += 1
        source = record.get("source") or "(no source)"
        self.documents_by_source[source] += 1
        removed = record.get("removed_lines") or []
        removed_chars = 0
        for line in removed:
            rule = str(line.get("rule", ""))
            text = str(line.get("text", ""))
            removed_chars += len(text) + 1
            if rule.startswith("recurring:"):
                self.removed_by_source[source]["recurring"] += 1
                found = _IN_DOCUMENTS.search(str(line.get("detail", "")))
                entry = self.recurring[source].setdefault(text, [0, 0, 0])
                entry[0] += 1
                if found:
                    entry[1], entry[2] = max(entry[1], int(found.group(1))), max(entry[2], int(found.group(2)))
            else:
                self.removed_by_source[source][rule] += 1
        kept = record.get("kept_chars")
        if isinstance(kept, int) and kept + removed_chars > 0:
            share = removed_chars / (kept + removed_chars)
            self.share_bins[min(int(share * SHARE_BINS), SHARE_BINS - 1)] += 1
            if removed:
                item = (share, str(record.get("id")), source, removed)
                if len(self.outliers) < MAX_OUTLIERS:
                    heapq.heappush(self.outliers, item)
                elif item > self.outliers[0]:
                    heapq.heapreplace(self.outliers, item)
        for change in record.get("word_changes") or []:
            self.names[(str(change.get("old")), str(change.get("new")), str(change.get("entry")))] += 1


def read_run(report_path: str | Path) -> tuple[dict[str, Any], RecordTotals]:
    """The run report and the totals of its records file (found beside it, by the name the
    report gives). Raises :class:`ReportError` naming the file for what cannot be read."""
    path = Path(report_path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: not a readable JSON report ({exc})") from None
    except RecursionError:
        raise ReportError(f"{path}: not a readable JSON report (nested too deeply)") from None
    if not isinstance(report, dict) or "cleancorpus" not in report or "totals" not in report:
        raise ReportError(f"{path}: not a cleancorpus run report (cleancorpus-report.json)")
    problem = report_shape_problem(report)
    if problem:
        raise ReportError(f"{path}: not a valid run report: {problem}")
    totals = RecordTotals()
    records = path.parent / str(report.get("records") or "cleancorpus-records.jsonl")
    if records.is_file():
        with open(records, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    totals.bad_lines += 1
                    continue
                if record_shape_problem(record) is None:
                    totals.add(record)
                else:  # a record of another shape is counted, not drawn
                    totals.bad_lines += 1
    return report, totals


_NUMBER = (int, float)
_TEXT_OR_NONE = (str, type(None))


def _wrong(where: str, value: Any, expected: str) -> str:
    return f"{where} is {type(value).__name__}, not {expected}"


def report_shape_problem(report: dict) -> str | None:
    """The first field of a run report whose type the page cannot use, or None. The file
    is data from the disk (it may be edited or planted): every field drawn is checked."""
    def number(value) -> bool:
        return isinstance(value, _NUMBER) and not isinstance(value, bool)

    for key in ("input", "output", "cleancorpus", "records", "model"):
        if not isinstance(report.get(key), _TEXT_OR_NONE):
            return _wrong(f"'{key}'", report.get(key), "text")
    totals = report.get("totals")
    if not isinstance(totals, dict):
        return _wrong("'totals'", totals, "an object")
    for key, value in totals.items():
        if key == "lines_removed_by_rule":
            if not isinstance(value, dict) or not all(number(v) for v in value.values()):
                return "'totals.lines_removed_by_rule' is not an object of counts"
        elif not number(value):
            return _wrong(f"'totals.{key}'", value, "a number")
    for key, kind, expected in (("problems", list, "a list"), ("clusters", list, "a list"),
                                ("related", list, "a list"), ("settings", dict, "an object"),
                                ("excerpts", dict, "an object"), ("similarities", dict, "an object"),
                                ("discovered_names", list, "a list")):
        value = report.get(key)
        if value is not None and not isinstance(value, kind):
            return _wrong(f"'{key}'", value, expected)
    for number_, problem in enumerate(report.get("problems") or [], start=1):
        if not isinstance(problem, dict):
            return _wrong(f"problem {number_}", problem, "an object")
    for number_, group in enumerate(report.get("discovered_names") or [], start=1):
        if not isinstance(group, dict) or not isinstance(group.get("canonical"), str) \
                or not isinstance(group.get("variants", []), list) or not isinstance(group.get("counts", {}), dict) \
                or not isinstance(group.get("full_names", []), list) \
                or not all(isinstance(f, dict) for f in group.get("full_names", [])):
            return f"discovered name group {number_} is not an object with a 'canonical', 'variants' and 'counts'"
    for number_, cluster in enumerate(report.get("clusters") or [], start=1):
        if not isinstance(cluster, dict) or not isinstance(cluster.get("representative"), str) \
                or not isinstance(cluster.get("members", []), list):
            return f"cluster {number_} is not an object with a 'representative' and a 'members' list"
        for member in cluster.get("members", []):
            if not isinstance(member, dict) or not isinstance(member.get("id"), str) \
                    or not all(number(member.get(k, 0)) for k in ("jaccard", "containment")):
                return f"a member of cluster {number_} is not an object with an 'id' and numbers"
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in (report.get("excerpts") or {}).items()):
        return "'excerpts' is not an object of texts"
    dedup = (report.get("settings") or {}).get("dedup")
    if dedup is not None and (not isinstance(dedup, dict) or not all(
            v is None or number(v) for k, v in dedup.items() if k in ("threshold", "containment"))):
        return "'settings.dedup' is not an object with numeric thresholds"
    similarities = report.get("similarities")
    if similarities:
        if not number(similarities.get("pairs", 0)) or not all(
                isinstance(similarities.get(k, []), list) and all(number(x) for x in similarities.get(k, []))
                for k in ("jaccard", "containment")):
            return "'similarities' is not an object of counts"
    return None


def record_shape_problem(record: Any) -> str | None:
    """What makes one line of a records file unusable for the page, or None."""
    if not isinstance(record, dict):
        return _wrong("a record", record, "an object")
    if not isinstance(record.get("source"), _TEXT_OR_NONE) or not isinstance(record.get("id"), _TEXT_OR_NONE):
        return "its 'id' or 'source' is not text"
    kept = record.get("kept_chars")
    if kept is not None and (not isinstance(kept, int) or isinstance(kept, bool)):
        return _wrong("'kept_chars'", kept, "a whole number")
    for key in ("removed_lines", "word_changes"):
        items = record.get(key) or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return f"'{key}' is not a list of objects"
    return None


# ---------------------------------------------------------------------------- drawing

def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _n(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}"


def histogram_svg(counts: list[int], *, title: str, x_label: str, marks: Iterable[tuple[float, str]] = (),
                  width: int = 640, height: int = 220) -> str:
    """Bars of ``counts`` over [0, 1] as inline SVG, with vertical lines at ``marks``
    (``(x, label)``, x between 0 and 1)."""
    left, right, top, bottom = 48, 12, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts) if counts and max(counts) > 0 else 1
    step = plot_w / max(len(counts), 1)
    parts = [f'<svg class="hist" role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="14" class="svg-title">{_e(title)}</text>']
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + i * step
        parts.append(f'<rect x="{x + 0.5:.1f}" y="{top + plot_h - h:.1f}" width="{max(step - 1, 0.5):.1f}" '
                     f'height="{h:.1f}"><title>{i / len(counts):.2f}-{(i + 1) / len(counts):.2f}: '
                     f'{count:,}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + tick * plot_w
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" class="tick" text-anchor="middle">{tick:g}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 8}" class="tick" text-anchor="end">{peak:,}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" class="tick" '
                 f'text-anchor="middle">{_e(x_label)}</text>')
    for x_value, label in marks:
        x = left + min(max(x_value, 0.0), 1.0) * plot_w
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" class="mark"/>'
                     f'<text x="{x + 3:.1f}" y="{top + 10}" class="mark-label">{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def side_by_side(representative: str, member: str) -> tuple[str, str]:
    """Both texts as HTML with the words that differ marked (a word-level diff)."""
    a, b = representative.split(), member.split()
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = _e(" ".join(a[i1:i2])), _e(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(old)
            right.append(new)
        else:
            if old:
                left.append(f"<mark>{old}</mark>")
            if new:
                right.append(f"<mark>{new}</mark>")
    return " ".join(left), " ".join(right)


# ---------------------------------------------------------------------------- sections

def _totals_section(report: dict[str, Any], totals: RecordTotals) -> str:
    t = report.get("totals", {})
    rows = [("documents read", t.get("documents_read", 0)), ("documents written", t.get("documents_written", 0)),
            ("documents failed", t.get("documents_failed", 0)),
            ("dropped as duplicates", t.get("documents_dropped_as_duplicates", 0)),
            ("lines repaired (mojibake)", t.get("lines_repaired", 0)),
            ("lines removed", t.get("lines_removed", 0)), ("names changed", t.get("words_changed", 0)),
            ("duplicate clusters", t.get("duplicate_clusters", 0)), ("duplicates", t.get("duplicates", 0))]
    body = "".join(f"<tr><th>{_e(k)}</th><td class=num>{_n(int(v or 0))}</td></tr>" for k, v in rows)
    by_rule = t.get("lines_removed_by_rule", {}) or {}
    rules = "".join(f"<tr><td><code>{_e(r)}</code></td><td class=num>{_n(int(n))}</td></tr>"
                    for r, n in sorted(by_rule.items(), key=lambda kv: -kv[1]))
    problems = report.get("problems") or []
    problem_rows = "".join(f"<li><code>{_e(p.get('path'))}</code>: {_e(p.get('message'))}</li>" for p in problems[:50])
    more = f"<p class=note>{len(problems) - 50:,} more problems are in the JSON report.</p>" if len(problems) > 50 else ""
    return (f'<section id="totals"><h2>Totals</h2><p>Input <code>{_e(report.get("input"))}</code>, output '
            f'<code>{_e(report.get("output"))}</code>, cleancorpus {_e(report.get("cleancorpus"))}'
            + (f'; cleaned with the model <code>{_e(report["model"])}</code> (recurring lines and discovered '
               f'names came from it, not from this input)' if report.get("model") else "") + '.</p>'
            f'<div class=cols><table class=totals>{body}</table>'
            f'<table><thead><tr><th>rule</th><th>lines removed</th></tr></thead><tbody>{rules}</tbody></table></div>'
            + (f"<h3>Problems</h3><ul>{problem_rows}</ul>{more}" if problems else "")
            + (f"<p class=note>{totals.bad_lines:,} record lines could not be read.</p>" if totals.bad_lines else "")
            + "</section>")


def _sources_section(totals: RecordTotals) -> str:
    sources = sorted(totals.documents_by_source, key=lambda s: (-sum(totals.removed_by_source[s].values()), s))
    shown = sources[:MAX_SOURCES]
    rows = []
    for source in shown:
        removed = totals.removed_by_source[source]
        rules = ", ".join(f"{_e(rule)} {n:,}" for rule, n in removed.most_common())
        recurring = sorted(totals.recurring.get(source, {}).items(), key=lambda kv: (-kv[1][1], kv[0]))
        lines = "".join(f"<li><q>{_e(text)}</q> <span class=dim>in {docs:,} of {of:,} documents, removed "
                        f"{count:,} times</span></li>"
                        for text, (count, docs, of) in recurring[:MAX_RECURRING_PER_SOURCE])
        cut = (f"<li class=dim>and {len(recurring) - MAX_RECURRING_PER_SOURCE:,} more recurring lines</li>"
               if len(recurring) > MAX_RECURRING_PER_SOURCE else "")
        learned = f"<details><summary>{len(recurring):,} learned</summary><ul>{lines}{cut}</ul></details>" \
            if recurring else "<span class=dim>none</span>"
        rows.append(f"<tr data-source=\"{_e(source.lower())}\"><td>{_e(source)}</td>"
                    f"<td class=num>{totals.documents_by_source[source]:,}</td>"
                    f"<td class=num>{sum(removed.values()):,}</td><td>{rules or '-'}</td><td>{learned}</td></tr>")
    note = (f"<p class=note>Showing the {len(shown):,} sources with the most lines removed of "
            f"{len(sources):,}.</p>" if len(sources) > len(shown) else "")
    return ('<section id="sources"><h2>Per source</h2><p>Lines removed by rule, and the lines learned as '
            'recurring on each source (removed because they recur across its stories).</p>'
            '<input type=search id=source-filter placeholder="filter sources" aria-label="filter sources">'
            f'{note}<table id=source-table><thead><tr><th>source</th><th>documents</th><th>lines removed</th>'
            f'<th>by rule</th><th>recurring lines</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _removal_section(totals: RecordTotals) -> str:
    outliers = sorted(totals.outliers, reverse=True)
    svg = histogram_svg(totals.share_bins, title="Documents by share of text removed",
                        x_label="share of the document's text removed")
    rows, explanations = [], []
    for number, (share, doc_id, source, removed) in enumerate(outliers, start=1):
        rows.append(f'<tr><td><a href="#doc-{number}">{_e(doc_id)}</a></td><td>{_e(source)}</td>'
                    f'<td class=num>{share:.0%}</td><td class=num>{len(removed):,}</td></tr>')
        lines = "".join(f"<li><span class=line>line {_e(r.get('line'))}</span> <code>{_e(r.get('rule'))}</code>"
                        f"{(' <span class=dim>' + _e(r.get('detail')) + '</span>') if r.get('detail') else ''}"
                        f"<br><q>{_e(r.get('text'))}</q></li>" for r in removed)
        explanations.append(f'<div class=explain id="doc-{number}"><h4>{_e(doc_id)} <span class=dim>'
                            f'({share:.0%} removed)</span></h4><ol>{lines}</ol></div>')
    return ('<section id="removal"><h2>Share of text removed per document</h2>'
            f'<p>{totals.documents:,} documents. Over-deletion shows at the right of the histogram.</p>{svg}'
            f'<h3>The {len(outliers):,} documents that lost the most</h3><p class=note>Each links to what was '
            f'removed and why (<code>cleancorpus normalize --explain ID</code> shows the whole document).</p>'
            '<table><thead><tr><th>document</th><th>source</th><th>removed</th><th>lines</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{"".join(explanations)}</section>')


def _names_section(totals: RecordTotals) -> str:
    rows = []
    for (old, new, entry), count in totals.names.most_common(MAX_NAME_ROWS):
        kind = "discovered" if entry.startswith("discovered:") else "table"
        rows.append(f"<tr><td>{_e(old)}</td><td>{_e(new)}</td><td class=num>{count:,}</td>"
                    f"<td><code>{_e(entry)}</code></td><td>{kind}</td></tr>")
    note = (f"<p class=note>Showing the {MAX_NAME_ROWS:,} most frequent of {len(totals.names):,} changes.</p>"
            if len(totals.names) > MAX_NAME_ROWS else "")
    body = ("<table><thead><tr><th>form</th><th>canonical</th><th>count</th><th>entry</th><th>from</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>") if rows else "<p>No name was respelled.</p>"
    return f'<section id="names"><h2>Name changes</h2>{note}{body}</section>'


def _discovered_section(report: dict[str, Any]) -> str:
    """The spelling groups discovery found: the counts, the full names each rests on and
    the evidence, so a user can accept a group into a table (``names --write-table``)."""
    groups = report.get("discovered_names") or []
    if not groups:
        return ""
    rows = []
    for group in groups[:MAX_NAME_ROWS]:
        counts = ", ".join(f"{_e(k)} {_e(v)}" for k, v in (group.get("counts") or {}).items())
        full = ", ".join(f"{_e(f.get('name'))} ({_e(f.get('count'))})" for f in group.get("full_names") or [])
        verdict = "applied" if group.get("confidence") == "apply" else f"for review: {_e(group.get('reason'))}"
        rows.append(f"<tr><td>{_e(group.get('canonical'))}</td><td>{counts}</td><td>{full}</td>"
                    f"<td>{_e(', '.join(map(str, group.get('rules') or [])))}</td><td>{verdict}</td></tr>")
    return ('<section id="discovered"><h2>Name spellings discovered</h2><p class=note>Groups of spellings the '
            'corpus itself shows (<code>--apply-discovered</code>); <code>cleancorpus names INPUT --write-table '
            'TABLE</code> accepts the applied ones into your table.</p><table><thead><tr><th>canonical</th>'
            '<th>counts</th><th>full names it rests on</th><th>pattern</th><th>verdict</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _clusters_section(report: dict[str, Any]) -> str:
    clusters = report.get("clusters") or []
    excerpts = report.get("excerpts") or {}
    blocks = []
    for cluster in clusters[:MAX_CLUSTERS]:
        rep = cluster.get("representative")
        members = cluster.get("members") or []
        views = []
        for member in members:
            similarity = (f"Jaccard {member.get('jaccard', 0):.3f}, containment {member.get('containment', 0):.3f}")
            if rep in excerpts and member.get("id") in excerpts:
                left, right = side_by_side(excerpts[rep], excerpts[member["id"]])
                view = (f"<div class=pair><div><h5>{_e(rep)} (kept)</h5><p>{left}</p></div>"
                        f"<div><h5>{_e(member.get('id'))}</h5><p>{right}</p></div></div>")
            else:
                view = "<p class=dim>(texts not kept in this report)</p>"
            views.append(f"<details><summary>{_e(member.get('id'))}: {similarity}</summary>{view}</details>")
        blocks.append(f"<div class=cluster><h4>kept: {_e(rep)} <span class=dim>({len(members):,} "
                      f"duplicate{'s' if len(members) != 1 else ''})</span></h4>{''.join(views)}</div>")
    note = (f"<p class=note>Showing the first {MAX_CLUSTERS:,} of {len(clusters):,} clusters (all are in the "
            "JSON report).</p>" if len(clusters) > MAX_CLUSTERS else "")
    body = "".join(blocks) if blocks else "<p>No near-duplicates were found.</p>"
    return (f'<section id="clusters"><h2>Duplicate clusters</h2><p>{len(clusters):,} clusters. Open a member to '
            f'see it beside the document its cluster keeps, with the words that differ marked.</p>{note}{body}'
            "</section>")


def _similarity_section(report: dict[str, Any]) -> str:
    counts = report.get("similarities")
    dedup = (report.get("settings") or {}).get("dedup") or {}
    if not counts:
        return ('<section id="similarity"><h2>Similarity of checked pairs</h2>'
                '<p>The near-duplicate stage did not run.</p></section>')
    threshold, containment = dedup.get("threshold"), dedup.get("containment")
    j_marks = [(float(threshold), f"threshold {threshold}")] if isinstance(threshold, (int, float)) else []
    c_marks = [(float(containment), f"containment {containment}")] if isinstance(containment, (int, float)) else []
    return ('<section id="similarity"><h2>Similarity of checked pairs</h2>'
            f'<p>The exact similarities of the {int(counts.get("pairs", 0)):,} candidate pairs checked (pairs whose '
            'signature estimate was far below the thresholds are not checked and not counted). A pair is a '
            'duplicate when its Jaccard or its containment reaches its threshold; a valley at the threshold '
            'means it separates well.</p>'
            + histogram_svg(counts.get("jaccard", []), title="Jaccard similarity", x_label="Jaccard", marks=j_marks)
            + histogram_svg(counts.get("containment", []), title="Containment", x_label="containment of the "
                            "smaller in the larger", marks=c_marks)
            + "</section>")


_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232a;background:#fafafa}
header{background:#1d3557;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
nav a{color:#cfe3ff;margin-right:14px}main{padding:8px 24px 48px;max-width:1200px}
section{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:8px 16px 16px;margin:16px 0}
table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #eceff2;padding:4px 10px;text-align:left;
vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}.cols{display:flex;gap:32px;flex-wrap:wrap}
.dim,.note{color:#66707a}.note{font-size:13px}code{font-size:12.5px;background:#f1f3f5;padding:0 3px;border-radius:3px}
q{font-style:italic}mark{background:#ffe08a}svg.hist{display:block;margin:8px 0}svg rect{fill:#457b9d}
svg .axis{stroke:#333}svg .mark{stroke:#d62828;stroke-width:2;stroke-dasharray:4 3}svg .mark-label{fill:#d62828;
font-size:11px}svg .tick{font-size:11px;fill:#444}svg .svg-title{font-size:13px;font-weight:600}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:16px}.pair p{white-space:pre-wrap;font-size:13px}
.explain{border-left:3px solid #e3e6ea;padding-left:12px;margin:10px 0}.line{color:#66707a;font-size:12px}
input[type=search]{padding:4px 8px;width:260px}
"""

_SCRIPT = """
(function(){
  var errors=[];
  window.addEventListener('error',function(e){errors.push(String(e.message));
    document.documentElement.setAttribute('data-errors',errors.join(' | '));});
  var box=document.getElementById('source-filter');
  if(box){box.addEventListener('input',function(){var q=box.value.toLowerCase();
    document.querySelectorAll('#source-table tbody tr').forEach(function(row){
      row.style.display=row.getAttribute('data-source').indexOf(q)>=0?'':'none';});});}
  document.documentElement.setAttribute('data-rendered',
    String(document.querySelectorAll('main > section').length));
})();
"""


def render_html(report: dict[str, Any], totals: RecordTotals) -> str:
    """The whole page for a run report and its record totals."""
    sections = [_totals_section(report, totals), _sources_section(totals), _removal_section(totals),
                _names_section(totals), _discovered_section(report), _clusters_section(report),
                _similarity_section(report)]
    nav = "".join(f'<a href="#{key}">{label}</a>' for key, label in (
        ("totals", "Totals"), ("sources", "Sources"), ("removal", "Removed per document"), ("names", "Names"),
        ("clusters", "Clusters"), ("similarity", "Similarity")))
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>cleancorpus report: {_e(report.get('input'))}</title><style>{_STYLE}</style></head><body>"
            f"<header><h1>cleancorpus run: {_e(report.get('input'))}</h1><nav>{nav}</nav></header>"
            f"<main>{''.join(sections)}</main><script>{_SCRIPT}</script></body></html>\n")


def write_html_report(report_path: str | Path, output: str | Path) -> Path:
    """Read a run report (and its records) and write its HTML page to ``output`` (atomically)."""
    from ..io import atomic_write_bytes

    report, totals = read_run(report_path)
    target = Path(output)
    try:
        page = render_html(report, totals)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a shape the checks above let through
        raise ReportError(f"{report_path}: not a valid run report ({type(exc).__name__}: {exc})") from None
    atomic_write_bytes(target, page.encode("utf-8"))
    return target
