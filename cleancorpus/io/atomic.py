"""Atomic writes that keep file modes: a file is either the old one or the whole new one.

Every file cleancorpus writes goes through :func:`atomic_open`: the data goes to a
temporary file in the target's folder, is flushed to disk, takes the mode (and, where
permitted, the owner) of the file it replaces, or the mode the umask gives a new file,
and is then renamed over the target. On any error or interruption the temporary file is
removed, so neither a partial file nor a ``.tmp`` is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterator

_UMASK: int | None = None


def current_umask() -> int:
    """The process umask (read once: setting it is the only way to read it)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


def new_file_mode() -> int:
    """The mode ``open()`` would give a new file here: 0666 less the umask."""
    return 0o666 & ~current_umask()


def _take_mode_of(fd: int, path: Path) -> None:
    """Give the open temporary file the mode and owner of ``path``, or a new file's mode."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        os.fchmod(fd, new_file_mode())
        return
    os.fchmod(fd, stat.S_IMODE(info.st_mode))
    if hasattr(os, "fchown"):
        with contextlib.suppress(OSError):  # only root may give a file away; then keep ours
            os.fchown(fd, info.st_uid, info.st_gid)


@contextlib.contextmanager
def atomic_open(path: Path, *, make_parents: bool = True) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` only when the block ends without error.

    The replaced file keeps its mode and owner; a new file gets the umask's mode.
    ``path`` itself must not be a symbolic link (a link is never replaced by a file).
    """
    path = Path(path)
    if path.is_symlink():
        raise OSError(f"{path} is a symbolic link; it is not replaced")
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            _take_mode_of(handle.fileno(), path)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes, *, make_parents: bool = True) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one."""
    with atomic_open(Path(path), make_parents=make_parents) as handle:
        handle.write(data)
