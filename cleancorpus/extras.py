"""Optional dependencies: import one, or say in one line which extra installs it.

A leaf module (it imports nothing of cleancorpus), so readers, writers and engines can ask
for ``pyarrow`` or ``zstandard`` without importing each other.
"""

from __future__ import annotations

import importlib
from typing import Any


class MissingExtra(ImportError):
    """An optional dependency that is not installed, named with the extra that installs it."""


def require(module: str, extra: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtra` with the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{module} is not installed: pip install 'cleancorpus[{extra}]'") from None
