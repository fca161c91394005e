"""Readers turn files into records: posts from JSONL/CSV, sources from folders and JSONL.

A reader never stops at a bad record: it skips it with a :class:`~dupfeed.records.Skip`
(file, line, reason) and goes on. A file it cannot read at all raises
:class:`~dupfeed.errors.InputError` naming the file and line.
"""

from .posts import read_posts
from .sources import read_sources

__all__ = ["read_posts", "read_sources"]
