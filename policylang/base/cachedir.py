"""Where policylang keeps what it computed before, and how a cache file is written and trusted.

Caches only ever save time: a cache that cannot be read or written is skipped, and a file
in it that policylang did not write is ignored. They live under ``$POLICYLANG_CACHE_DIR``
if it is set, else the platform's per-user cache folder: ``$XDG_CACHE_HOME/policylang``
or ``~/.cache/policylang`` on Linux, ``~/Library/Caches/policylang`` on macOS,
``%LOCALAPPDATA%\\policylang\\Cache`` on Windows. Each cache has a folder of its own there
(``compiled/``, ``analysis/``).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

ENVIRONMENT = "POLICYLANG_CACHE_DIR"


def cache_directory(kind: str) -> Path:
    """The folder of the cache ``kind`` (it may not exist yet).

    >>> cache_directory("compiled").name
    'compiled'
    """
    explicit = os.environ.get(ENVIRONMENT)
    if explicit:
        return Path(explicit) / kind
    return _user_cache() / kind


def _user_cache() -> Path:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local or Path.home() / "AppData" / "Local") / "policylang" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "policylang"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policylang"


def trusted(status: os.stat_result) -> bool:
    """Whether a cache file with this status may be read: a regular file, ours or root's, that no one else may change.

    A file another user could have written (owned by them, or writable by the group or by
    everyone) is not read, as an SSH client will not read such a key; where the system has
    no owners (Windows) every regular file is.
    """
    if not stat.S_ISREG(status.st_mode):
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    return status.st_uid in (getuid(), 0) and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def private_directory(kind: str) -> Path | None:
    """The folder of the cache ``kind`` (made if need be) if no one but the user or root may write in it, else ``None``.

    For a cache another program reads without checking (Lark unpickles its parser tables),
    the folder, not each file, is what keeps others from planting one.
    """
    folder = cache_directory(kind)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        status = os.lstat(folder)
    except OSError:
        return None
    getuid = getattr(os, "getuid", None)
    if not stat.S_ISDIR(status.st_mode):
        return None
    if getuid is not None and (status.st_uid not in (getuid(), 0) or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return None
    return folder


def read_trusted(path: Path, limit: int, *, owner: bool = True) -> bytes | None:
    """The bytes of the cache file ``path`` if it is :func:`trusted` and at most ``limit`` bytes, else ``None``.

    ``owner=False`` reads a regular file whoever owns it: one installed with policylang,
    which is as trustworthy as policylang's own code beside it.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block us
        with os.fdopen(descriptor, "rb") as f:
            status = os.fstat(f.fileno())
            if not stat.S_ISREG(status.st_mode) or (owner and not trusted(status)) or status.st_size > limit:
                return None
            return f.read(limit + 1)
    except OSError:
        return None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` whole or not at all; whether it was written.

    The bytes go to a temporary file in the same folder, which then replaces ``path`` in one
    step: a reader sees the old file or the new one, never a part, and two processes
    writing the same file at once leave one of the two whole. A folder that cannot be
    made or written (read-only, full, not a folder) is not an error.
    """
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name no other writer uses (as tempfile.mkstemp makes, without importing tempfile,
        # shutil and their compressors into every process that compiles a policy)
        temporary = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o644)  # others may read a cache they share with us, never write it
        os.replace(temporary, path)
        return True
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False


def prune(folder: Path, suffix: str, keep: int) -> None:
    """Remove all but the ``keep`` newest files named ``*suffix`` in ``folder`` (skipped where it cannot).

    Looked at only when the folder holds more than ``keep`` entries, and then cut to
    three quarters of ``keep``, so that most writes only count the folder's names.
    """
    with contextlib.suppress(OSError):
        names = [n for n in os.listdir(folder) if n.endswith(suffix) and not n.startswith(".")]
        if len(names) <= keep:
            return
        files = []
        for name in names:
            with contextlib.suppress(OSError):
                files.append((os.stat(folder / name).st_mtime, folder / name))
        files.sort()
        for _, old in files[: len(files) - keep * 3 // 4]:
            with contextlib.suppress(OSError):
                old.unlink()
