"""Files that other runs may read or write: replaced whole or not at all, and locked for one writer."""

from __future__ import annotations

import errno
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TextIO

fcntl: ModuleType | None
try:  # POSIX: keep two runs from writing one file at once.
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; one writer is then the user's care
    fcntl = None

_POLL = 0.2  # seconds between two tries of a lock held by another run


@contextmanager
def replaced(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file that replaces ``path`` whole when the block ends: written beside it,
    synced, then renamed over it, so a reader never sees it half-written and an error or a
    killed run leaves ``path`` as it was."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_whole(path: Path, text: str) -> None:
    """Replace ``path`` by ``text``, whole or not at all (see :func:`replaced`)."""
    with replaced(path) as out:
        out.write(text)


def lock(fd: int, *, wait: float = 0.0) -> bool:
    """Take the exclusive lock of an open file, waiting up to ``wait`` seconds while another
    process holds it; False when it could not be had. Without flock (Windows), True."""
    if fcntl is None:
        return True
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)
