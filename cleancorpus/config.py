"""One settings object, read from ``[tool.cleancorpus]`` in pyproject.toml or ``cleancorpus.toml``.

The file is found from the input upwards (the first folder holding a ``cleancorpus.toml``,
or a ``pyproject.toml`` with a ``[tool.cleancorpus]`` table). Command-line flags then
override single values. Settings are passed down explicitly; there are no globals.
An unknown key is an error, never silently ignored: a typo must not switch a check off.

Example ``cleancorpus.toml`` (the same keys go under ``[tool.cleancorpus]`` in pyproject)::

    [cruft]
    disable = ["share-button"]
    min_docs = 3
    min_share = 0.05

    [names]
    tables = ["names.toml"]

    [dedup]
    threshold = 0.4

    [check]
    ignore = ["CC201"]
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ._toml import load_toml_file
from .errors import ConfigError
from .cruft import CruftSettings, RecurrenceSettings
from .dedup import DedupSettings, SketchSettings
from .dedup.containment import METHODS as CONTAINMENT_METHODS
from .io import ReadOptions
from .names import NameSettings
from .repair import RepairSettings


@dataclass(frozen=True)
class CheckSettings:
    """What ``cleancorpus check`` reports and when it fails (see :mod:`cleancorpus.check`)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: codes added to ``select`` (or to the default codes when ``select`` is empty), as ruff's
    #: ``extend-select``: opt into CC202 without listing every other code
    extend_select: tuple[str, ...] = ()
    #: glob -> codes not reported for matching paths or ids (``per-path-ignores``, or ruff's
    #: name ``per-file-ignores``)
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_cruft_share: float = 0.0
    min_words: int = 50
    language: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, one frozen object per run."""

    read: ReadOptions = field(default_factory=ReadOptions)
    repair: RepairSettings = field(default_factory=RepairSettings)
    cruft: CruftSettings = field(default_factory=CruftSettings)
    names: NameSettings = field(default_factory=NameSettings)
    names_entities: tuple[dict, ...] = ()
    dedup: DedupSettings = field(default_factory=DedupSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    #: worker processes of the local engine (0: one per core); the results never depend on it
    jobs: int = 1
    origin: str | None = None

    @property
    def processes(self) -> int:
        """The worker processes a run uses: ``jobs``, or one per core when it is 0."""
        import os

        return self.jobs or os.cpu_count() or 1

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (for the report)."""
        from dataclasses import asdict

        data = asdict(self)
        data.pop("names_entities")
        data["names"]["inline_entities"] = len(self.names_entities)
        return data


_TYPES = (bool, int, float, str)


def _check_keys(section: str, data: dict, allowed: set[str], origin: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) in [{section}]: {', '.join(sorted(unknown))}; "
                          f"allowed: {', '.join(sorted(allowed))}")


def _typed(value: Any, like: Any, key: str, origin: str) -> Any:
    if isinstance(like, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: {key} must be true or false")
        return value
    if isinstance(like, (int, float)) and not isinstance(like, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{origin}: {key} must be a number")
        return type(like)(value) if isinstance(like, float) else value
    if isinstance(like, tuple):
        if isinstance(value, str) or not isinstance(value, list):
            raise ConfigError(f"{origin}: {key} must be a list")
        if any(not isinstance(item, str) for item in value):
            raise ConfigError(f"{origin}: {key} must be a list of strings")
        return tuple(value)
    if isinstance(like, str) and not isinstance(value, str):
        raise ConfigError(f"{origin}: {key} must be a string")
    return value


def _table(data: dict, key: str, origin: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{origin}: {key} must be a table ([{key}]), not {type(value).__name__}")
    return value


def _in_range(value: Any, low: float, high: float, key: str, origin: str, *, low_open: bool = False,
              integer: bool = False) -> None:
    kind = "a whole number" if integer else "a number"
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and (not integer or isinstance(value, int))
          and (low < value if low_open else low <= value) and value <= high)
    if not ok:
        bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]"
        raise ConfigError(f"{origin}: {key} must be {kind} in {bounds}, not {value!r}")


def _one_of(value: Any, allowed: tuple, key: str, origin: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{origin}: {key} must be one of {', '.join(map(repr, allowed))}, not {value!r}")


def validate_settings(settings: "Settings", origin: str | None = None) -> "Settings":
    """Check every value against its allowed range or values; :class:`ConfigError` names the
    key, the range and the value. The one validation path for config files and flags."""
    origin = origin or settings.origin or "settings"
    big = float(2 ** 62)
    r = settings.read
    for key in ("text_field", "id_field", "url_field", "source_field", "date_field"):
        value = getattr(r, key)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{origin}: read.{key} must be a non-empty string, not {value!r}")
    _in_range(r.max_document_bytes, 1, big, "read.max_document_bytes", origin, integer=True)
    rec = settings.cruft.recurrence_settings
    _in_range(rec.min_docs, 1, big, "cruft.min_docs", origin, integer=True)
    _in_range(rec.min_share, 0, 1, "cruft.min_share", origin)
    _in_range(rec.max_line_chars, 1, big, "cruft.max_line_chars", origin, integer=True)
    _in_range(rec.prose_min_docs, 1, big, "cruft.prose_min_docs", origin, integer=True)
    _in_range(rec.prose_min_share, 0, 1, "cruft.prose_min_share", origin)
    _in_range(rec.prose_first_docs, 1, big, "cruft.prose_first_docs", origin, integer=True)
    _in_range(settings.cruft.section_min_line, 0, big, "cruft.section_min_line", origin, integer=True)
    _in_range(settings.cruft.rule_timeout, 0, 3600, "cruft.rule_timeout", origin, low_open=True)
    _in_range(settings.names.discovery_min_score, 0, 1, "names.discovery_min_score", origin)
    _one_of(settings.read.source_by, ("host", "domain"), "read.source_by", origin)
    d = settings.dedup
    _in_range(d.threshold, 0, 1, "dedup.threshold", origin, low_open=True)
    if d.containment is not None:
        _in_range(d.containment, 0, 1, "dedup.containment", origin, low_open=True)
    _in_range(d.lsh_threshold, 0, 1, "dedup.lsh_threshold", origin, low_open=True)
    _in_range(d.min_shingles, 0, big, "dedup.min_shingles", origin, integer=True)
    _in_range(settings.jobs, 0, 1024, "jobs", origin, integer=True)
    _in_range(d.batch_size, 1, 10 ** 7, "dedup.batch_size", origin, integer=True)
    _one_of(d.representative, ("longest", "earliest", "source"), "dedup.representative", origin)
    _one_of(d.lsh_backend, ("numpy", "datasketch"), "dedup.lsh_backend", origin)
    _one_of(d.containment_candidates, CONTAINMENT_METHODS, "dedup.containment_candidates", origin)
    _in_range(d.containment_sample_rate, 1, 1024, "dedup.containment_sample_rate", origin, integer=True)
    sk = d.sketch
    _in_range(sk.shingle_size, 1, 50, "dedup.shingle_size", origin, integer=True)
    _in_range(sk.num_perm, 2, 4096, "dedup.num_perm", origin, integer=True)
    _in_range(sk.seed, 0, 2 ** 32 - 1, "dedup.seed", origin, integer=True)
    _one_of(sk.method, ("oph", "datasketch"), "dedup.method", origin)
    c = settings.check
    _in_range(c.min_words, 0, big, "check.min_words", origin, integer=True)
    _in_range(c.max_cruft_share, 0, 1, "check.max_cruft_share", origin)
    if c.language is not None:
        from .check.language import supported_languages

        if c.language not in supported_languages():
            raise ConfigError(f"{origin}: check.language must be an ISO 639-1 code the language identifier "
                              f"knows ({', '.join(supported_languages())}), not {c.language!r}")
    for pattern, codes in c.per_path_ignores.items():
        if not isinstance(codes, tuple) or any(not isinstance(code, str) for code in codes):
            raise ConfigError(f"{origin}: check.per-path-ignores {pattern!r} must be a list of codes")
    return settings


def _resolve(paths: list[str], base: Path) -> tuple[str, ...]:
    return tuple(str((base / p).resolve()) if not Path(p).is_absolute() else p for p in paths)


def settings_from_mapping(data: dict, origin: str = "configuration", base: Path | None = None) -> Settings:
    """Settings from a parsed ``[tool.cleancorpus]`` table; relative paths are taken from ``base``."""
    base = base or Path.cwd()
    _check_keys("tool.cleancorpus", data, {"read", "repair", "cruft", "names", "dedup", "check", "jobs"}, origin)
    settings = Settings(origin=origin)
    if "jobs" in data:
        settings = replace(settings, jobs=_typed(data["jobs"], 1, "jobs", origin))

    for section in ("read", "repair", "cruft", "names", "dedup", "check"):
        _table(data, section, origin)
    repair = data.get("repair", {})
    _check_keys("repair", repair, {f.name for f in fields(RepairSettings)}, origin)
    settings = replace(settings, repair=replace(settings.repair, **{
        k: _typed(v, getattr(settings.repair, k), f"repair.{k}", origin) for k, v in repair.items()}))
    read = data.get("read", {})
    allowed = {f.name for f in fields(ReadOptions)}
    _check_keys("read", read, allowed, origin)
    settings = replace(settings, read=replace(settings.read, **{
        k: _typed(v, getattr(settings.read, k), f"read.{k}", origin) for k, v in read.items()}))

    cruft = dict(data.get("cruft", {}))
    recurrence_keys = {f.name for f in fields(RecurrenceSettings)}
    _check_keys("cruft", cruft, {"shipped", "rules", "disable", "recurrence", "repeats",
                                 "section_min_line", "rule_timeout"} | recurrence_keys, origin)
    rec = settings.cruft.recurrence_settings
    rec = replace(rec, **{k: _typed(cruft.pop(k), getattr(rec, k), f"cruft.{k}", origin)
                          for k in list(cruft) if k in recurrence_keys})
    cs = settings.cruft
    cs = replace(
        cs,
        use_shipped_rules=_typed(cruft.get("shipped", cs.use_shipped_rules), True, "cruft.shipped", origin),
        rule_files=_resolve(list(_typed(cruft.get("rules", []), (), "cruft.rules", origin)), base),
        disable=_typed(cruft.get("disable", []), (), "cruft.disable", origin),
        recurrence=_typed(cruft.get("recurrence", cs.recurrence), True, "cruft.recurrence", origin),
        repeats=_typed(cruft.get("repeats", cs.repeats), True, "cruft.repeats", origin),
        section_min_line=_typed(cruft.get("section_min_line", cs.section_min_line), 1,
                                "cruft.section_min_line", origin),
        rule_timeout=_typed(cruft.get("rule_timeout", cs.rule_timeout), 1.0, "cruft.rule_timeout", origin),
        recurrence_settings=rec,
    )
    settings = replace(settings, cruft=cs)

    names = data.get("names", {})
    _check_keys("names", names, {"shipped", "tables", "inside_quotes", "entity", "apply_discovered",
                                 "discovery_min_score"}, origin)
    ns = settings.names
    ns = replace(
        ns,
        use_shipped_table=_typed(names.get("shipped", True), True, "names.shipped", origin),
        tables=_resolve(list(_typed(names.get("tables", []), (), "names.tables", origin)), base),
        inside_quotes=_typed(names.get("inside_quotes", True), True, "names.inside_quotes", origin),
        apply_discovered=_typed(names.get("apply_discovered", False), True, "names.apply_discovered", origin),
        discovery_min_score=_typed(names.get("discovery_min_score", ns.discovery_min_score), 0.5,
                                   "names.discovery_min_score", origin),
    )
    entities = names.get("entity", [])
    if not isinstance(entities, list):
        raise ConfigError(f"{origin}: names.entity must be a list of tables ([[...names.entity]])")
    settings = replace(settings, names=ns, names_entities=tuple(entities))

    dedup = dict(data.get("dedup", {}))
    sketch_keys = {f.name for f in fields(SketchSettings)}
    dedup_keys = {f.name for f in fields(DedupSettings)} - {"sketch", "batch_size"}
    _check_keys("dedup", dedup, sketch_keys | dedup_keys | {"jobs"}, origin)
    if "jobs" in dedup:  # (where it was before it became the run's: still read)
        settings = replace(settings, jobs=_typed(dedup.pop("jobs"), 1, "dedup.jobs", origin))
    sk = settings.dedup.sketch
    sketch_values = {k: _typed(dedup.pop(k), getattr(sk, k), f"dedup.{k}", origin)
                     for k in list(dedup) if k in sketch_keys}
    try:
        sk = replace(sk, **sketch_values)
    except ValueError as exc:
        raise ConfigError(f"{origin}: dedup: {exc}") from None
    ds = settings.dedup
    if "containment" in dedup and dedup["containment"] is False:
        dedup["containment"] = None
    elif "containment" in dedup:
        dedup["containment"] = _typed(dedup["containment"], 0.5, "dedup.containment", origin)
    ds = replace(ds, sketch=sk, **{k: _typed(v, getattr(ds, k), f"dedup.{k}", origin) if getattr(ds, k) is not None
                                   else v for k, v in dedup.items()})
    settings = replace(settings, dedup=ds)

    check = dict(data.get("check", {}))
    check_keys = {"select", "ignore", "extend-select", "extend-ignore", "per-path-ignores", "per-file-ignores",
                  "max_cruft_share", "min_words", "language"}
    _check_keys("check", check, check_keys, origin)
    ck = settings.check
    per_path: dict = {}
    for key in ("per-path-ignores", "per-file-ignores"):  # (ruff's name, the same table)
        table = check.pop(key, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: check.{key} must be a table of glob = [codes]")
        for pattern, codes in table.items():
            _typed(codes, (), f"check.{key} {pattern!r}", origin)
            per_path[pattern] = tuple(per_path.get(pattern, ())) + tuple(codes)
    for key in ("extend-select", "extend-ignore"):
        if key in check:
            _typed(check[key], (), f"check.{key}", origin)
    extend_select = tuple(check.pop("extend-select", ()))
    extend_ignore = tuple(check.pop("extend-ignore", ()))
    if extend_ignore:
        check["ignore"] = list(check.get("ignore", ck.ignore)) + list(extend_ignore)
    if "language" in check and not isinstance(check["language"], str):
        raise ConfigError(f"{origin}: check.language must be a string")
    ck = replace(ck, per_path_ignores={k: tuple(v) for k, v in per_path.items()},
                 extend_select=ck.extend_select + extend_select,
                 **{k: _typed(v, getattr(ck, k), f"check.{k}", origin) if getattr(ck, k) is not None else v
                    for k, v in check.items()})
    return validate_settings(replace(settings, check=ck), origin)


def find_config(start: str | Path) -> Path | None:
    """The nearest ``cleancorpus.toml`` or pyproject.toml with ``[tool.cleancorpus]``, from ``start`` upwards."""
    if str(start) == "-":
        start = Path.cwd()
    path = Path(start).resolve()
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "cleancorpus.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            # a pyproject.toml that cannot be parsed is an error, never skipped: it may hold our settings
            data = load_toml_file(pyproject, "configuration", ConfigError)
            if "cleancorpus" in data.get("tool", {}):
                return pyproject
    return None


def load_settings(path: str | Path | None) -> Settings:
    """Settings from a config file (``cleancorpus.toml`` or a pyproject.toml); defaults for ``None``."""
    if path is None:
        return Settings()
    path = Path(path)
    data = load_toml_file(path, "configuration", ConfigError)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("cleancorpus", {})
    return settings_from_mapping(data, str(path), path.parent)


def discover_settings(input_path: str | Path, config: str | Path | None = None,
                      isolated: bool = False) -> Settings:
    """Settings for a run: an explicit ``config`` file, else the one found from the input upwards."""
    if isolated:
        return Settings()
    if config is not None:
        return load_settings(config)
    return load_settings(find_config(input_path))
