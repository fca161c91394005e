"""One reader per platform export. Each module has:

- ``NAME``: the value of ``--input-format`` that selects it;
- ``detect(archive) -> bool``: whether the archive looks like this platform's export;
- ``read(archive) -> ReadResult[Post]``: every post in it, bad records skipped with reasons.

``REGISTRY`` lists them in detection order (most specific first).
"""

from __future__ import annotations

from importlib import import_module

_MODULES = ("linkedin", "x", "mastodon", "bluesky", "facebook", "reddit", "feeds", "generic")


def registry():
    """The platform reader modules that are present, in detection order."""
    found = []
    for name in _MODULES:
        try:
            found.append(import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
    return found
