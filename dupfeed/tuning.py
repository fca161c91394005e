"""Options by the names the command line gives them: ``--threshold`` is ``lsh_threshold``.

:class:`~dupfeed.options.Options` keeps its field names (a store saves them); this maps the
flags' names onto them, so that a script, a config file or the command line can say
``threshold=0.3, copy_at=0.9`` as ``dupfeed scan --threshold 0.3 --copy-at 0.9`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .errors import OptionsError
from .options import Options

FLAG_NAMES = {
    "threshold": "lsh_threshold",
    "copy_at": "copy_containment",
    "revision_at": "revision_containment",
}
"""The command line's name of each option whose flag differs from its field."""


def options_from(settings: Mapping[str, object] | None = None, /, **more: object) -> Options:
    """:class:`Options` from settings named as the flags (``threshold``, ``copy_at``, even
    ``--revision-at``) or as the fields (``lsh_threshold``); a ``None`` value keeps the default.

    Raises:
        OptionsError: an unknown name (the known ones listed), one option given under two
            names, or a value out of range (Options' own check).
    """
    fields = Options.names()
    values: dict[str, Any] = {}
    for given, value in {**(settings or {}), **more}.items():
        name = given.lstrip("-").replace("-", "_")
        field = FLAG_NAMES.get(name, name)
        if field not in fields:
            known = ", ".join(sorted({*fields, *FLAG_NAMES}))
            raise OptionsError(f"unknown option {given!r}; known: {known}")
        if field in values:
            raise OptionsError(f"option {field!r} given twice (as {given!r} too)")
        if value is not None:
            values[field] = value
    try:
        return replace(Options(), **values)
    except TypeError as err:  # a value of the wrong type, met by Options' range checks
        raise OptionsError(f"an option has a value of the wrong type ({err}): {values}") from None
