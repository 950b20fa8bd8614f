"""Learned state that lasts: what a run learned, saved as data and used again.

A *model* is a folder written by ``cleancorpus fit`` (or :meth:`Pipeline.save
<cleancorpus.pipeline.Pipeline.save>`) and read by ``normalize --model`` (or
:meth:`Pipeline.load <cleancorpus.pipeline.Pipeline.load>`), which then applies it as it is
and learns nothing from its input: ``fit A -o M`` then ``normalize A --model M`` writes
exactly what ``normalize A`` writes, and a small crawl of tomorrow is cleaned with what
today's large one taught.

What a model holds (version 1):

- ``model.json``: the manifest: format and version, the cleancorpus version that wrote
  it, when, the settings that decide what is learned (``read``, ``repair``, ``cruft``,
  ``names``: a model is applied only with the same ones), the documents it was fitted on,
  and each data file with its SHA-256 (a damaged or truncated file is refused, named);
- ``cruft.json``: recurrence, per source: the documents counted and *every* counted short
  line and learned sentence with its count (8-byte digests in hex, as the stage keeps
  them: memory and size are bounded by a source's distinct short lines, not its size);
  counts, not only what passed the thresholds, so that models can later be added up; and
  (``cleancorpus fit``) the texts the recurring lines were removed as, with their counts;
- ``names.json``: when name discovery was on, the groups it found, with their evidence;
- ``templates.json`` (``cleancorpus fit`` of folders of HTML pages): the site templates the
  reader learned, per site its pages counted and each template block's key with its pages.

Data formats only (JSON; never pickle), written to a temporary folder beside the target
and renamed into place: a reader never sees half a model, and a failed write leaves the
earlier model whole. Near-duplicates are not in the model yet: ``normalize --model``
still finds them within its input (``dedup --index`` keeps an index across runs).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .stages import StageBase
from .version import __version__

FORMAT = "cleancorpus-model"
FORMAT_VERSION = 1
MANIFEST = "model.json"
#: the sections of the settings that decide what a model learns (and so must match to use it)
LEARNING_SETTINGS = ("read", "repair", "cruft", "names")


class ModelError(ValueError):
    """A model that cannot be used: missing, damaged, newer, or made with other settings."""


@dataclass
class Model:
    """What a run learned, as plain data (see the module docstring)."""

    #: the learning settings that made it (``Settings.to_dict()``'s :data:`LEARNING_SETTINGS`)
    settings: dict
    #: source -> ``(documents counted, {digest: documents})``; ``None`` without recurrence
    recurrence: dict[str, tuple[int, dict[bytes, int]]] | None = None
    #: stories not counted again because their source had them
    repeated_stories: int = 0
    #: the name groups discovery found (:func:`~cleancorpus.names.discovery.variant_to_dict`);
    #: ``None`` when discovery was off
    names: list[dict] | None = None
    #: source -> the texts its recurring lines were removed as, with the documents each was
    #: removed from, most first (at most :data:`EXAMPLES` a source): what ``model show`` lists
    examples: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: site -> ``(pages counted, {block key: pages})``: the site templates learned from HTML
    #: pages (``cleancorpus fit`` of folders of pages); ``None`` when the model has none to give
    #: (then a run with it still learns templates from its pages)
    templates: dict[str, tuple[int, dict[int, int]]] | None = None
    #: documents the model was fitted on
    documents: int = 0
    version: str = __version__
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def template_book(self) -> Any:
        """What the reader is given (:class:`~cleancorpus.cruft.templates.TemplateBook`): the
        model's site templates, used in every folder of pages instead of learning them; ``None``
        when the model holds no templates."""
        if self.templates is None:
            return None
        from .cruft.templates import HtmlTemplates, TemplateBook

        given = HtmlTemplates(templates={site: dict(blocks) for site, (_, blocks) in self.templates.items() if blocks},
                              pages={site: pages for site, (pages, _) in self.templates.items()}, given=True)
        return TemplateBook(given=given)

    def recurring_lines(self, source: str, min_docs: int, min_share: float) -> int:
        """How many short lines of ``source`` pass the given thresholds (for ``model show``)."""
        total, counts = (self.recurrence or {}).get(source, (0, {}))
        bar = max(min_docs, min_share * total)
        return sum(1 for digest, count in counts.items() if digest[0] != 0xFF and count >= bar)


#: texts of recurring lines a model keeps per source (for ``model show``; cleaning needs none)
EXAMPLES = 100


class RecurringTexts(StageBase):
    """A learning stage of ``fit`` only: after recurrence is learned, one more pass in which
    the cruft stage is applied (by the engine, as to any stage after it) and the texts its
    recurring lines were removed as are counted per source, so a model can show its lines and
    not only their digests. Counts add up: merging is exact in any order."""

    name = "recurring texts"
    light = True

    @property
    def rounds(self) -> int:
        return 1

    def __init__(self) -> None:
        self.examples: dict[str, list[tuple[str, int]]] = {}

    def partial(self, part: int, documents: Any, round: int = 0, carry: Any = None) -> dict[str, Counter]:
        from .document import LineRemoval

        found: dict[str, Counter] = {}
        for doc in documents:
            for record in doc.records_of(LineRemoval):
                if record.rule.startswith("recurring:"):
                    found.setdefault(record.rule[len("recurring:"):], Counter())[record.text] += 1
        return found

    def merge(self, states: Sequence[dict], round: int = 0) -> dict[str, Counter]:
        merged: dict[str, Counter] = {}
        for state in states:
            for source, counts in state.items():
                merged.setdefault(source, Counter()).update(counts)
        return merged

    def finish(self, state: dict, round: int = 0) -> None:
        self.examples = {source: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:EXAMPLES]
                         for source, counts in sorted(state.items())}

    def apply(self, doc: Any) -> Any:
        return doc

    def label(self, round: int = 0) -> str:
        return "keeping the recurring lines' texts"


def learning_settings(settings: Any) -> dict:
    """The parts of ``settings`` (a :class:`~cleancorpus.config.Settings`) a model depends on,
    as plain data (JSON's types: tuples become lists)."""
    data = settings.to_dict()
    return json.loads(json.dumps({key: data[key] for key in LEARNING_SETTINGS}))


def settings_differences(made_with: dict, given: dict, prefix: str = "") -> list[str]:
    """The dotted keys where two settings dicts differ (``cruft.recurrence_settings.min_docs``)."""
    found = []
    for key in sorted(set(made_with) | set(given)):
        a, b = made_with.get(key), given.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += settings_differences(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append(f"{prefix}{key} ({json.dumps(a)} in the model, {json.dumps(b)} here)")
    return found


# ---------------------------------------------------------------- from and into stages

def model_of(stages: Sequence[Any], settings: Any, templates: Any = None) -> Model:
    """The model of fitted ``stages`` (the pipeline's, after its learning passes), and of the
    site templates the reader learned (``templates``: the run's
    :class:`~cleancorpus.cruft.templates.TemplateBook`, or ``None`` when the run had no reader)."""
    model = Model(settings=learning_settings(settings))
    if templates is not None and settings.read.html_templates:
        merged = templates.merged()
        model.templates = {site: (pages, dict(merged.templates.get(site, {})))
                           for site, pages in sorted(merged.pages.items())}
    for stage in stages:
        if stage.name == "cruft" and stage.settings.recurrence:
            recurrence = stage.recurrence
            # (every document is counted, or skipped as a copy of a story its source had)
            model.documents = sum(recurrence.doc_counts.values()) + recurrence.repeated_stories
            model.recurrence = {source: (recurrence.doc_counts.get(source, 0), dict(counts))
                                for source, counts in recurrence.line_counts.items()}
            for source, total in recurrence.doc_counts.items():  # (a source with no short line at all)
                model.recurrence.setdefault(source, (total, {}))
            model.repeated_stories = recurrence.repeated_stories
        elif stage.name == "names" and stage.discover:
            from .names.discovery import variant_to_dict

            model.names = [variant_to_dict(v) for v in getattr(stage, "candidates", [])]
        elif stage.name == RecurringTexts.name:
            model.examples = dict(stage.examples)
    return model


def use_model(model: Model, stages: Sequence[Any], settings: Any, where: str = "the model") -> None:
    """Give ``stages`` what ``model`` learned: each learning stage then learns nothing from
    the corpus it is run on. Raises :class:`ModelError` when the model was made with other
    learning settings, or lacks what a stage needs."""
    differences = settings_differences(model.settings, learning_settings(settings))
    if differences:
        shown = "; ".join(differences[:3]) + (f"; and {len(differences) - 3} more" if len(differences) > 3 else "")
        raise ModelError(f"{where} was made with other settings: {shown} (fit it again with these settings)")
    for stage in stages:
        if stage.name == "cruft" and stage.settings.recurrence:
            from .cruft.recurrence import RecurrenceModel

            if model.recurrence is None:
                raise ModelError(f"{where} holds no recurrence (fitted with recurrence off)")
            recurrence = RecurrenceModel(stage.settings.recurrence_settings)
            for source, (total, counts) in model.recurrence.items():
                recurrence.doc_counts[source] = total
                if counts:
                    recurrence.line_counts[source] = Counter(counts)
            recurrence.repeated_stories = model.repeated_stories
            stage.use_learned(recurrence)
        elif stage.name == "names" and stage.discover and model.names is not None:
            # (a model fitted without discovery has none to give: a stage that discovers only to
            # report, check's CC202, then discovers from its input; one that applies them was
            # refused above, its apply_discovered setting differing from the model's)
            from .names.discovery import variant_from_dict

            stage.use_learned([variant_from_dict(v) for v in model.names])


def apply_model(path: str | Path, stages: Sequence[Any], settings: Any) -> Model:
    """Load the model in folder ``path`` and give ``stages`` what it learned (:func:`load_model`
    then :func:`use_model`): what every command and :meth:`Pipeline.load
    <cleancorpus.pipeline.Pipeline.load>` does with a model, before anything is read. Returns
    the model (its :meth:`Model.template_book` is for the run's reader)."""
    model = load_model(path)
    use_model(model, stages, settings, where=str(path))
    return model


# ---------------------------------------------------------------- the folder

def _json_bytes(value: Any) -> bytes:
    """Compact JSON (key order kept: a group's counts are listed most frequent first)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def save_model(model: Model, path: str | Path) -> Path:
    """Write ``model`` as the folder ``path`` (see the module docstring), atomically: into a
    temporary folder beside it, then renamed into place. An earlier model at ``path`` is
    replaced; anything else there is never overwritten (:class:`ModelError`)."""
    target = Path(path)
    if target.exists() and not (target.is_dir() and (target / MANIFEST).is_file()):
        raise ModelError(f"{target}: exists and is not a cleancorpus model; not overwritten (give a new folder)")
    files: dict[str, bytes] = {}
    if model.recurrence is not None:
        files["cruft.json"] = _json_bytes({
            "repeated_stories": model.repeated_stories,
            "sources": {source: {"documents": total, "lines": {d.hex(): n for d, n in sorted(counts.items())},
                                 "examples": [[text, n] for text, n in model.examples.get(source, [])]}
                        for source, (total, counts) in sorted(model.recurrence.items())}})
    if model.names is not None:
        files["names.json"] = _json_bytes({"groups": model.names})
    if model.templates is not None:
        files["templates.json"] = _json_bytes({"sites": {
            site: {"pages": pages, "blocks": {str(key): n for key, n in sorted(blocks.items())}}
            for site, (pages, blocks) in sorted(model.templates.items())}})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "cleancorpus": model.version,
                "created": model.created, "documents": model.documents, "settings": model.settings,
                "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.writing-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(staging, 0o777 & ~umask)  # (mkdtemp makes it private; a model is shared like any output)
        for name, data in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        if target.exists():  # the earlier model steps aside only once the new one is whole
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "model")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _read_json(path: Path, expected_sha: str | None = None) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: missing from the model (fit it again)") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if expected_sha is not None and hashlib.sha256(data).hexdigest() != expected_sha:
        raise ModelError(f"{path}: damaged or truncated (its checksum is not the one model.json records); "
                         "fit the model again")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc}); the model is damaged, fit it again") from None


def load_model(path: str | Path) -> Model:
    """The model in folder ``path``; :class:`ModelError` (naming the file) when it is not a
    model, is damaged or truncated, or was written by a newer cleancorpus."""
    folder = Path(path)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model (a folder written by 'cleancorpus fit')")
    manifest = _read_json(folder / MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{folder / MANIFEST}: not a cleancorpus model")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(f"{folder}: written by a newer cleancorpus ({manifest.get('cleancorpus')}, model format "
                         f"{version}); this one ({__version__}) reads format {FORMAT_VERSION}: upgrade cleancorpus")
    files = manifest.get("files")
    if not isinstance(files, dict) or not isinstance(manifest.get("settings"), dict):
        raise ModelError(f"{folder / MANIFEST}: damaged (no files or settings listed); fit the model again")
    model = Model(settings=manifest["settings"], documents=int(manifest.get("documents", 0)),
                  version=str(manifest.get("cleancorpus", "")), created=str(manifest.get("created", "")))
    try:
        if "cruft.json" in files:
            data = _read_json(folder / "cruft.json", files["cruft.json"])
            model.repeated_stories = int(data["repeated_stories"])
            model.recurrence = {source: (int(entry["documents"]),
                                         {bytes.fromhex(d): int(n) for d, n in entry["lines"].items()})
                                for source, entry in data["sources"].items()}
            model.examples = {source: [(str(text), int(n)) for text, n in entry.get("examples", [])]
                              for source, entry in data["sources"].items() if entry.get("examples")}
        if "names.json" in files:
            model.names = list(_read_json(folder / "names.json", files["names.json"])["groups"])
        if "templates.json" in files:
            sites = _read_json(folder / "templates.json", files["templates.json"])["sites"]
            model.templates = {site: (int(entry["pages"]), {int(k): int(n) for k, n in entry["blocks"].items()})
                               for site, entry in sites.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"{folder}: damaged (a data file lacks {exc}); fit the model again") from None
    return model


def describe(model: Model, path: str | Path) -> str:
    """What ``cleancorpus model show`` prints: what the model holds, per source (recurring
    lines counted with the thresholds of the settings it was fitted with)."""
    lines = [f"model {path}: format {FORMAT_VERSION}, written by cleancorpus {model.version} on {model.created}",
             f"  fitted on {model.documents:,} documents"]
    if model.recurrence is None:
        lines.append("  recurrence: not learned (fitted with recurrence off)")
    else:
        thresholds = model.settings.get("cruft", {}).get("recurrence_settings", {})
        min_docs, min_share = thresholds.get("min_docs", 2), thresholds.get("min_share", 0.05)
        lines.append(f"  recurrence: {len(model.recurrence):,} sources; {model.repeated_stories:,} copies of a "
                     f"story counted once")
        ranked = sorted(model.recurrence.items(), key=lambda item: (-item[1][0], item[0]))
        lines.append(f"    {'source':<40} {'documents':>10} {'counted lines':>14} {'recurring':>10} {'sentences':>10}")
        for source, (total, counts) in ranked[:20]:
            sentences = sum(1 for d in counts if d[0] == 0xFF)
            lines.append(f"    {source[:40]:<40} {total:>10,} {len(counts) - sentences:>14,} "
                         f"{model.recurring_lines(source, min_docs, min_share):>10,} {sentences:>10,}")
        if len(ranked) > 20:
            lines.append(f"    ... and {len(ranked) - 20:,} more sources")
        if model.examples:
            lines.append("  recurring lines removed, by source (documents), most first:")
            for source, _ in ranked[:20]:
                shown = model.examples.get(source, [])[:5]
                if shown:
                    lines.append(f"    {source}")
                    lines += [f"      {n:>6,}  {text[:100]}" for text, n in shown]
    if model.templates is not None:
        with_template = sum(1 for _, blocks in model.templates.values() if blocks)
        lines.append(f"  site templates: {len(model.templates):,} sites of HTML pages, {with_template:,} with a "
                     f"template ({sum(len(b) for _, b in model.templates.values()):,} blocks)")
    if model.names is None:
        lines.append("  names: discovery was off")
    else:
        applied = sum(1 for g in model.names if g.get("confidence") == "apply")
        lines.append(f"  names: {len(model.names):,} groups discovered ({applied:,} applied, "
                     f"{len(model.names) - applied:,} for review)")
        for group in model.names[:10]:
            lines.append(f"    {group['canonical']} <- {', '.join(group['variants'])} ({group['confidence']})")
    return "\n".join(lines)
