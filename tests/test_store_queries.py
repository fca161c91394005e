"""What the store answers besides findings (runs, days), and SQLite's errors as one clear line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import post_row, write_jsonl

from dupfeed.cli.main import main
from dupfeed.store import Store, StoreError


def _ingested(tmp_path: Path, runner) -> Path:
    posts = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            post_row("a", "Tomatoes in, slugs out, and the first courgette of the year.", created_at="2024-05-01T23:30:00Z"),
            post_row("b", "A walk along the canal before the rain came down on the town.", created_at="2024-05-03T08:00:00Z"),
        ],
    )
    db = tmp_path / "s.db"
    assert runner.invoke(main, ["db", "ingest", str(posts), "--db", str(db), "-q"]).exit_code == 0
    return db


def test_runs_and_days_are_read_from_the_store(runner, tmp_path):
    db = _ingested(tmp_path, runner)
    with Store(db) as store:
        run = store.begin_run("test")
        assert [r.command for r in store.recent_runs(5)] == ["test", "ingest"]
        assert store.run_started(run).endswith("Z")
        assert store.verdicts_by_day(60) == {"2024-05-01": {"original": 1}, "2024-05-03": {"original": 1}}
        assert store.verdicts_by_day(1) == {"2024-05-03": {"original": 1}}


def test_an_sqlite_error_inside_a_store_is_a_store_error_naming_the_file(runner, tmp_path):
    db = _ingested(tmp_path, runner)
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE runs")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"s\.db: the store cannot be used: no such table: runs"), Store(db) as store:
        store.recent_runs(5)
    result = runner.invoke(main, ["db", "status", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {db}: the store cannot be used: no such table: runs\n"
