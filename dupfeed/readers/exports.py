"""Read whatever a user downloaded: detect the platform of an export and read its posts."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..records import Post, Skip
from .archive import Archive
from .common import ReadResult
from .platforms import registry
from .reasons import DUPLICATE_ID, SAME_POST_TWICE


def input_formats() -> list[str]:
    """The names ``--input-format`` accepts."""
    return [module.NAME for module in registry()]


def detect_format(path: str | Path) -> str | None:
    """The platform whose export ``path`` is, or None."""
    with Archive(path) as archive:
        return next((m.NAME for m in registry() if m.detect(archive)), None)


def read_export(path: str | Path, *, input_format: str | None = None, include_direct: bool = False) -> ReadResult[Post]:
    """Every post of an export (zip, tar.gz, folder or single file), its platform detected
    unless ``input_format`` names it. Private messages in an export (Mastodon's direct
    messages) are left out unless ``include_direct``."""
    modules = {module.NAME: module for module in registry()}
    with Archive(path) as archive:
        if input_format is not None:
            if input_format not in modules:
                raise InputError(f"unknown input format {input_format!r}; known: {', '.join(modules)}")
            chosen = modules[input_format]
        else:
            chosen = next((m for m in modules.values() if m.detect(archive)), None)
        if chosen is None:
            shown = ", ".join(archive.members()[:12]) or "nothing"
            more = f" and {len(archive.members()) - 12} more" if len(archive.members()) > 12 else ""
            raise InputError(
                f"not a known export: found {shown}{more}; supported: {', '.join(modules)} (or name one with --input-format)",
                path=str(path),
            )
        private = {"include_direct": include_direct} if chosen.NAME == "mastodon" else {}
        result = chosen.read(archive, **private)
        result.skipped[:0] = archive.skipped
        return result


def merge_posts(posts: list[Post]) -> tuple[list[Post], list[Skip]]:
    """Posts of several exports without duplicates, and what was dropped.

    A post seen twice with the same platform, id and text (two overlapping archives of one
    account) is kept once, the first time, and counted as left out; a second post with an id
    already taken but another text is a fault of the input, skipped with reason "duplicate id".
    """
    seen: dict[tuple[str, str], Post] = {}
    out, skipped = [], []
    for post in posts:
        key = (post.platform, post.id)
        first = seen.get(key)
        if first is None:
            seen[key] = post
            out.append(post)
        else:
            reason = SAME_POST_TWICE if first.text == post.text else DUPLICATE_ID
            skipped.append(Skip(post.source_file or post.platform, None, reason, post.id))
    return out, skipped
