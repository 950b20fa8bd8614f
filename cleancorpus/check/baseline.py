"""Baselines: record today's findings so that a run fails only on new ones.

Findings are matched on code, path and content key (never the line number), so an edit
above a known finding does not make it new. A baseline file is validated as it is read:
a file that is not the documented shape is a usage error naming the file, not a crash.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..config import ConfigError
from .codes import Finding

BASELINE_VERSION = 1


def baseline_of(findings: list[Finding]) -> dict:
    """What ``--write-baseline`` records: every finding's code, path and content key."""
    return {"version": BASELINE_VERSION,
            "findings": [{"code": f.code, "path": f.path, "key": f.key} for f in findings]}


def load_baseline(path: str | Path) -> dict:
    """Read and validate a baseline file; :class:`ConfigError` (exit 2) when it cannot be used."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a baseline (invalid JSON: {exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a baseline (invalid JSON: nested too deeply)") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ConfigError(f"{path}: not a baseline (an object with a 'findings' list was expected)")
    for number, item in enumerate(data["findings"], start=1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("code", "path", "key")):
            raise ConfigError(f"{path}: finding {number} of the baseline needs string 'code', 'path' and 'key'")
    return data


def split_by_baseline(findings: list[Finding], baseline: dict) -> tuple[list[Finding], list[Finding]]:
    """``(new, known)``: findings not in the baseline, and those it already lists (each entry once)."""
    allowed = Counter((f["code"], f["path"], f["key"]) for f in baseline.get("findings", []))
    new, known = [], []
    for f in findings:
        mark = (f.code, f.path, f.key)
        if allowed[mark] > 0:
            allowed[mark] -= 1
            known.append(f)
        else:
            new.append(f)
    return new, known
