"""The typed records dupfeed reads and reports: posts, sources, matches and findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, get_args

from .times import utc_iso

Verdict = Literal["copy", "revision", "original"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
"""Every verdict, strongest first: the order of counts in summaries and reports."""
VERDICT_RANK: dict[str, int] = {verdict: len(VERDICTS) - 1 - i for i, verdict in enumerate(VERDICTS)}
"""How strong a verdict is, ``original`` 0: a post that is a copy reaches ``revision`` too."""
FLAGGED_VERDICTS: tuple[Verdict, ...] = tuple(v for v in VERDICTS if v != "original")
"""The verdicts that flag a post (what ``--fail-on`` accepts)."""
Relation = Literal["source", "self_repost", "cross_author"]
MatchKind = Literal["source", "post"]
CopyKind = Literal["verbatim", "edited", "reworded"]


def reaches(verdict: str, threshold: str) -> bool:
    """Whether ``verdict`` is at least as strong as ``threshold`` (a copy reaches revision)."""
    return VERDICT_RANK[verdict] >= VERDICT_RANK[threshold]


def verdict_counts(counts: Mapping[str, int]) -> str:
    """Counts per verdict for a person, strongest first: ``3 copy, 1 revision, 40 original``."""
    return ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in VERDICTS)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, _Record):
        return value.to_dict()
    return value


def _in_utc(record: object, record_name: str, name: str, *, optional: bool = False) -> None:
    """Set the date field ``name`` of a frozen ``record`` to the same moment in UTC (as
    reports write it); refuse a date that could not be ordered: not a datetime (a string),
    or a naive one. No time zone is guessed: the order of two posts decides which copied
    the other, and a naive local time taken as UTC can reverse it."""
    value = getattr(record, name)
    if value is None and optional:
        return
    if not isinstance(value, datetime):
        raise TypeError(f"{record_name}: {name} must be a timezone-aware datetime, not {type(value).__name__} {value!r}")
    if value.utcoffset() is None:
        raise ValueError(
            f"{record_name}: {name} {value.isoformat()} has no time zone: give one (tzinfo=UTC for UTC); "
            "dupfeed does not guess it, since the order of posts decides who copied whom"
        )
    if value.tzinfo is not UTC:
        object.__setattr__(record, name, value.astimezone(UTC))


def _check_text(record: str, **values: object) -> None:
    for name, value in values.items():
        if not isinstance(value, str):
            raise TypeError(f"{record}: {name} must be a str, not {type(value).__name__} {value!r}")


class _Record:
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # each record is a dataclass

    _NOT_WRITTEN: ClassVar[frozenset[str]] = frozenset()
    """Fields a record keeps for the library and never writes out."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the record's fields (datetimes as ISO 8601, UTC as ``Z``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name not in self._NOT_WRITTEN}


@dataclass(frozen=True)
class Post(_Record):
    """One feed post, as read from an export or a JSONL/CSV file.

    ``created_at`` is a timezone-aware datetime, in any zone (kept as the same moment in UTC):
    a naive one or a string is refused here with a ``ValueError``/``TypeError`` naming the
    post, rather than failing deep inside a scan. ``links`` are the outbound URLs of the post, whether written in
    its text or given by the platform.
    """

    id: str
    text: str
    author: str | None
    created_at: datetime
    url: str | None = None
    links: tuple[str, ...] = ()
    platform: str = "jsonl"
    kind: str = "post"
    reply_to: str | None = None
    repost_of: str | None = None
    lang: str | None = None
    source_file: str | None = None

    def __post_init__(self) -> None:
        _check_text(f"Post {self.id!r}", id=self.id, text=self.text)
        _in_utc(self, f"Post {self.id!r}", "created_at")


@dataclass(frozen=True)
class Source(_Record):
    """A known source article that posts may copy.

    ``id`` is the path relative to the sources folder, or the id given in a sources JSONL file.
    ``published``, when known, is a timezone-aware datetime (checked and kept in UTC as a post's date is).
    """

    id: str
    text: str
    url: str | None = None
    title: str | None = None
    site_name: str | None = None
    author: str | None = None
    published: datetime | None = None
    lang: str | None = None

    def __post_init__(self) -> None:
        _check_text(f"Source {self.id!r}", id=self.id, text=self.text)
        _in_utc(self, f"Source {self.id!r}", "published", optional=True)


@dataclass(frozen=True)
class Span(_Record):
    """One copied passage: ``text[post_start:post_end]`` of the post matches
    ``text[match_start:match_end]`` of the matched document (ends exclusive)."""

    post_start: int
    post_end: int
    match_start: int
    match_end: int


@dataclass(frozen=True)
class CommonText(_Record):
    """Words of the post, ``text[post_start:post_end]``, aligned to the match but discounted as
    common text: a phrase found in ``posts`` posts or more (a template, a tagline, a stock
    reply), which is not evidence that one copied the other."""

    post_start: int
    post_end: int
    posts: int


@dataclass(frozen=True)
class Match(_Record):
    """A source or earlier post that a post copies from.

    ``similarity`` is the Jaccard similarity of the two whole shingle sets; ``containment`` is the
    share of the post's words that lie in the copied passages (``spans``).
    """

    kind: MatchKind
    id: str
    author: str | None
    url: str | None
    relation: Relation
    similarity: float
    containment: float
    attributed: bool
    spans: tuple[Span, ...] = ()
    aligned_words: int = 0
    """Words of the post aligned to words of the match (exactly or as close variants) and not
    common text: what ``containment`` counts. Words edited inside a passage are not counted."""
    discounted_words: int = 0
    """Aligned words left out as common text (a phrase recurring across many posts)."""
    discounted: tuple[CommonText, ...] = ()
    """Where those words are, and in how many posts each phrase was found."""
    copy_kind: CopyKind = "verbatim"
    """``verbatim`` (the passages as in the match), ``edited`` (words changed, inserted or
    dropped inside them) or ``reworded`` (sentences said again in other words)."""
    target: Post | Source | None = field(default=None, compare=False, repr=False)
    """The matched record itself (its text shows the passages); not part of ``to_dict()``."""

    _NOT_WRITTEN: ClassVar[frozenset[str]] = frozenset({"target"})


@dataclass(frozen=True)
class Finding(_Record):
    """The result for one post: its verdict and its matches, strongest first."""

    id: str
    author: str | None
    created_at: datetime
    verdict: Verdict
    matches: tuple[Match, ...] = ()
    post: Post | None = field(default=None, compare=False, repr=False)

    _NOT_WRITTEN: ClassVar[frozenset[str]] = frozenset({"post"})

    def to_dict(self) -> dict[str, Any]:
        """The ``--format jsonl`` record: id, author, created_at, verdict, matches, then the
        post's platform and kind when the post is known (fields added after the first five)."""
        out = super().to_dict()  # the post itself is not written: its platform and kind are
        if self.post is not None:
            out["platform"] = self.post.platform
            out["kind"] = self.post.kind
        return out


class Reason(str):
    """Why a record is skipped: the short text that summaries count ("empty text", "boost"),
    and whether the record is ``left_out`` by design (not the author's own text, never public,
    or deleted by the platform) rather than a fault of the input.

    A reason is its text (a ``str``), so a skip counts, prints and compares as it reads; the
    readers' reasons are named constants in :mod:`dupfeed.readers.reasons`.
    """

    left_out: bool

    def __new__(cls, text: str, *, left_out: bool = False) -> Reason:
        reason = super().__new__(cls, text)
        reason.left_out = left_out
        return reason

    @property
    def text(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Skip(_Record):
    """A record that could not be used, with where it came from and why."""

    path: str
    line: int | None
    reason: Reason
    detail: str = ""

    @property
    def is_fault(self) -> bool:
        """Whether the input is at fault (a bad record), rather than left out by design."""
        return not self.reason.left_out
