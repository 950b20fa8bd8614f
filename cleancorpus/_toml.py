"""TOML loading with one clear error type (tomllib on 3.11+, tomli before)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_toml(text: str, origin: str, error: type[Exception] = ValueError) -> dict:
    """Parse TOML text; raise ``error`` naming ``origin`` and the problem on bad syntax."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{origin}: invalid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{origin}: invalid TOML: nested too deeply") from None


def load_toml_file(path, what: str, error: type[Exception] = ValueError) -> dict:
    """Read and parse a TOML file; one-line ``error`` naming the file for unreadable or bad TOML.

    ``what`` says what the file is for ("rules", "alias table", "configuration").
    """
    from pathlib import Path

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read {what}: not UTF-8 (byte {exc.start})") from None
    return load_toml(text, str(path), error)
