"""What the reports and ``dupfeed db status`` read from a store besides its findings: the runs,
and the verdicts of each day. A mixin of :class:`~dupfeed.store.Store`, so that no SQL is
written outside ``store/``."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from .db import Database

_DAY = 86_400_000_000  # microseconds, the unit of the findings' ``at``
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Run(NamedTuple):
    """One run recorded in a store."""

    run: int
    command: str
    started: str
    finished: str | None
    status: str


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run: ``kept`` counts what it had committed (``sources``, ``posts``,
    ``scored``), which stays; the run is marked ``interrupted`` and a rerun finishes its work."""

    def __init__(self, run: int, kept: dict[str, int]):
        super().__init__(run, kept)
        self.run, self.kept = run, kept


class StoreQueries:
    """Runs and daily counts, read from ``self.db``."""

    db: Database

    @property
    def path(self) -> Path:
        """The store's file."""
        return self.db.path

    def run_started(self, run: int) -> str:
        """When ``run`` started (ISO 8601, UTC)."""
        return self.db.conn.execute("SELECT started FROM runs WHERE run = ?", (run,)).fetchone()[0]

    def run_kept(self, run: int) -> dict[str, int]:
        """What ``run`` has committed: sources and posts added, posts scored."""
        conn = self.db.conn
        sources, posts = conn.execute(
            "SELECT coalesce(sum(is_source), 0), coalesce(sum(1 - is_source), 0) FROM docs WHERE run = ?", (run,)
        ).fetchone()
        scored = conn.execute("SELECT count(*) FROM findings WHERE run = ? AND doc IS NOT NULL", (run,)).fetchone()[0]
        return {"sources": sources, "posts": posts, "scored": scored}

    def recent_runs(self, limit: int) -> list[Run]:
        """The last ``limit`` runs, newest first; a run marked running while no process holds
        the store was killed (SIGKILL, a crash) and is shown ``killed``, as the next run marks it."""
        rows = self.db.conn.execute(
            "SELECT run, command, started, finished, status FROM runs ORDER BY run DESC LIMIT ?", (limit,)
        )
        runs = [Run(*row) for row in rows]
        if any(r.status == "running" for r in runs) and not self.db.writer_active():
            runs = [r._replace(status="killed") if r.status == "running" else r for r in runs]
        return runs

    def verdicts_by_day(self, days: int) -> dict[str, Counter[str]]:
        """Posts scored per verdict for each UTC day their posts were made, over the ``days`` days
        up to that of the latest post scored (``{ISO date: counts}``; days with none left out)."""
        last = self.db.conn.execute("SELECT max(at) FROM findings").fetchone()[0]
        if last is None:
            return {}
        since = (last // _DAY - days + 1) * _DAY
        by_day: dict[str, Counter[str]] = defaultdict(Counter)
        for day, verdict, count in self.db.conn.execute(
            # Days by floor division (SQLite's / rounds toward zero, wrong before 1970).
            "SELECT (at - ((at % :d) + :d) % :d) / :d AS day, verdict, count(*) FROM findings WHERE at >= :since "
            "GROUP BY day, verdict",
            {"d": _DAY, "since": since},
        ):
            by_day[(_EPOCH + timedelta(microseconds=day * _DAY)).date().isoformat()][verdict] += count
        return dict(by_day)
