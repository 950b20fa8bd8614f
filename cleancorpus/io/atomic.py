"""Atomic writes that keep file modes: a file is either the old one or the whole new one.

Every file cleancorpus writes goes through :func:`atomic_open`: the data goes to a
temporary file in the target's folder, is flushed to disk, takes the mode (and, where
permitted, the owner) of the file it replaces, or the mode the umask gives a new file,
and is then renamed over the target. On any error or interruption the temporary file is
removed, so neither a partial file nor a ``.tmp`` is ever left behind.

Rewriting a user's own file in place (``check --fix``) asks more, with ``in_place``: a file
whose mode bits do not let this user write it (read-only, or another user's without a
write bit for us) is refused, and so is one whose owner and group could not be kept (only
root may give a file away): the rename would otherwise hand another user's file to us.
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


def writable_by_us(info: os.stat_result) -> bool:
    """Whether the mode bits of a file let this process's user write it (for root: any
    write bit at all, so a file made read-only on purpose counts as read-only)."""
    if not hasattr(os, "geteuid"):
        return bool(info.st_mode & stat.S_IWUSR)
    uid = os.geteuid()
    mode = info.st_mode
    if uid == 0:
        return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    if info.st_uid == uid:
        return bool(mode & stat.S_IWUSR)
    if info.st_gid == os.getegid() or info.st_gid in os.getgroups():
        return bool(mode & stat.S_IWGRP)
    return bool(mode & stat.S_IWOTH)


def refuses_in_place(path: Path) -> str | None:
    """Why ``path`` may not be rewritten in place by this user, or None (see the module)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    if not writable_by_us(info):
        return f"{path}: is read-only for this user (mode {stat.S_IMODE(info.st_mode):04o}); not replaced"
    return None


def _take_mode_of(fd: int, path: Path, in_place: bool = False) -> None:
    """Give the open temporary file the mode and owner of ``path``, or a new file's mode.
    With ``in_place``, an owner or group that cannot be kept is an error."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        os.fchmod(fd, new_file_mode())
        return
    os.fchmod(fd, stat.S_IMODE(info.st_mode))
    if hasattr(os, "fchown"):
        try:  # only root may give a file away; else ours is kept (a new file in the output)
            os.fchown(fd, info.st_uid, info.st_gid)
        except OSError:
            if in_place:
                raise PermissionError(f"{path}: owned by uid {info.st_uid} gid {info.st_gid}; replacing it would "
                                      "give it another owner; not replaced") from None


@contextlib.contextmanager
def atomic_open(path: Path, *, make_parents: bool = True, in_place: bool = False) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` only when the block ends without error.

    The replaced file keeps its mode and owner; a new file gets the umask's mode.
    ``path`` itself must not be a symbolic link (a link is never replaced by a file).
    ``in_place``: a user's file rewritten in place; refused (``PermissionError``) when this
    user may not write it or its owner cannot be kept.
    """
    path = Path(path)
    if path.is_symlink():
        raise OSError(f"{path} is a symbolic link; it is not replaced")
    if in_place:
        reason = refuses_in_place(path)
        if reason:
            raise PermissionError(reason)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            _take_mode_of(handle.fileno(), path, in_place)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes, *, make_parents: bool = True, in_place: bool = False) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one
    (``in_place``: see :func:`atomic_open`)."""
    with atomic_open(Path(path), make_parents=make_parents, in_place=in_place) as handle:
        handle.write(data)
