"""The one error family of dupfeed: every failure a user can cause is a DupfeedError."""

from __future__ import annotations


class DupfeedError(Exception):
    """Base class of every error dupfeed raises on purpose.

    The command line catches this class once and prints ``str(error)`` as one line.
    """


class InputError(DupfeedError):
    """Input that cannot be used: names the file and, where known, the line at fault."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = message
        where = path or ""
        if path and line is not None:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class OptionsError(DupfeedError):
    """An option value outside its valid range."""


def require(ok: bool, message: str) -> None:
    """Validate one option: raise :class:`OptionsError` with ``message`` unless ``ok``."""
    if not ok:
        raise OptionsError(message)
