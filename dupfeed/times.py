"""Times as dupfeed writes them: ISO 8601 in UTC, the zone written ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(moment: datetime, timespec: str = "auto") -> str:
    """``moment`` (a UTC datetime) as ISO 8601 text, ``+00:00`` written ``Z``."""
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")


def utc_now() -> str:
    """Now, to the second, as ISO 8601 text in UTC: when a run started or a page was fetched."""
    return utc_iso(datetime.now(UTC), "seconds")
