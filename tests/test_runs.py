"""Runs as a user lives them: Ctrl-C (a real SIGINT to the command in a subprocess), progress."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, write_jsonl

sys.path.insert(0, str(ROOT / "benchmarks"))
import synthetic  # the seeded generator the benchmarks use

POSTS = 2500


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feed")
    articles = synthetic.articles(20, seed=5)
    posts, _ = synthetic.posts(POSTS, articles, seed=5)
    write_jsonl(folder / "sources.jsonl", [a.to_dict() for a in articles])
    write_jsonl(folder / "posts.jsonl", [p.to_dict() for p in posts])
    return folder


def _cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "cli.py"), *args]


def _scored(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM findings").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _statuses(path: Path) -> dict[int, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT run, status FROM runs").fetchall())
    finally:
        conn.close()


def _interrupt_when(command: list[str], ready) -> subprocess.CompletedProcess:
    """Run ``command``, press Ctrl-C (SIGINT) once ``ready()``, and return how it ended."""

    def default_sigint() -> None:  # a shell starts background jobs with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    deadline = time.monotonic() + 120
    while child.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    if child.poll() is not None:
        pytest.fail(f"the run ended (status {child.returncode}) before it could be interrupted: {child.communicate()}")
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def test_ctrl_c_in_ingest_exits_130_keeps_what_was_scored_and_a_rerun_finishes(feed, tmp_path):
    path = tmp_path / "s.db"
    subprocess.run(_cli("db", "add-sources", str(feed / "sources.jsonl"), "--db", str(path), "-q"), check=True)
    ingest = _cli("db", "ingest", str(feed / "posts.jsonl"), "--db", str(path))
    ended = _interrupt_when(ingest, lambda: _scored(path) > 0)
    assert ended.returncode == 130, ended.stderr
    kept = _scored(path)
    assert 0 < kept < POSTS
    assert "Traceback" not in ended.stderr and "Aborted!" not in ended.stderr
    line = ended.stderr.strip().splitlines()[-1]
    assert line.startswith("Interrupted: run 2 is marked interrupted")
    assert f"{POSTS} posts added, {kept} posts scored" in line
    assert "Run the same command again to finish" in line
    assert _statuses(path) == {1: "ok", 2: "interrupted"}
    status = subprocess.run(_cli("db", "status", "--db", str(path)), capture_output=True, text=True, check=True)
    run_line = next(line for line in status.stdout.splitlines() if line.startswith("run 2: ingest"))
    assert run_line.endswith(" interrupted")

    again = subprocess.run(ingest, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"0 posts added, {POSTS} already stored" in again.stderr
    assert f"{POSTS - kept} posts scored" in again.stderr
    assert _scored(path) == POSTS
    assert _statuses(path) == {1: "ok", 2: "interrupted", 3: "ok"}


def test_ctrl_c_in_db_score_and_nightly_marks_the_run_interrupted(feed, tmp_path):
    path, reports = tmp_path / "n.db", tmp_path / "reports"
    subprocess.run(_cli("db", "add-sources", str(feed / "sources.jsonl"), "--db", str(path), "-q"), check=True)
    subprocess.run(_cli("db", "ingest", "--no-score", str(feed / "posts.jsonl"), "--db", str(path), "-q"), check=True)
    ended = _interrupt_when(_cli("db", "score", "--db", str(path), "-q"), lambda: _scored(path) > 0)
    assert ended.returncode == 130, ended.stderr
    assert "Interrupted: run 3 is marked interrupted" in ended.stderr  # even with -q: it explains the exit
    first = _scored(path)

    nightly = _cli("nightly", "--db", str(path), "--report-dir", str(reports), "-q")
    ended = _interrupt_when(nightly, lambda: _scored(path) > first)
    assert ended.returncode == 130, ended.stderr
    assert not reports.exists() or not list(reports.glob("*.json")), "an interrupted night writes no report"
    assert _statuses(path) == {1: "ok", 2: "ok", 3: "interrupted", 4: "interrupted"}
    done = subprocess.run(nightly, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _scored(path) == POSTS


def _on_a_terminal(command: list[str]) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as its stdout and stderr; its status and what the
    terminal was sent, escape sequences removed and each ``\\r``-rewritten line kept."""
    import os
    import pty
    import re

    pid, fd = pty.fork()
    if pid == 0:  # the child: runs the command on the terminal
        os.execv(command[0], command)
    sent = bytearray()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        sent += chunk
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[?0-9;]*[A-Za-z]", "", sent.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status), "\n".join(line.strip() for line in re.split(r"[\r\n]+", text) if line.strip())


def test_a_terminal_sees_each_stage_from_the_start_and_the_bar_from_0(feed, tmp_path):
    out = tmp_path / "out.jsonl"
    status, shown = _on_a_terminal(_cli("scan", str(feed / "posts.jsonl"), "-s", str(feed / "sources.jsonl"), "-o", str(out)))
    assert status == 0, shown
    lines = shown.splitlines()
    stages = ["reading sources…", "reading posts…", "indexing 20 sources…", f"indexing {POSTS:,} posts…"]
    assert lines[: len(stages)] == stages, lines[:8]
    assert re.match(r"scanning\s+\[-+\]\s+0%$", lines[len(stages)]), "the bar opens at 0%, when scoring starts"
    assert "100%" in shown and lines[-1].startswith(f"{POSTS} posts against 20 sources")

    status, shown = _on_a_terminal(_cli("db", "ingest", str(feed / "posts.jsonl"), "--db", str(tmp_path / "s.db")))
    assert status == 0, shown
    lines = shown.splitlines()
    stages = [
        "reading the exports…",
        "opening the store…",
        f"storing and indexing {POSTS:,} posts…",
        "finding the posts to score…",
        "loading the store's index…",
    ]
    assert lines[: len(stages)] == stages, lines[:8]
    assert re.match(r"scoring\s+\[-+\]\s+0%$", lines[len(stages)]), lines[:8]

    status, shown = _on_a_terminal(
        _cli("nightly", "--db", str(tmp_path / "n.db"), "--report-dir", str(tmp_path / "r"), "--posts", str(feed / "posts.jsonl"))
    )
    assert status == 0, shown
    lines = shown.splitlines()
    stages = [
        "opening the store…",
        "loading the store's index…",
        "reading the exports…",
        f"storing and indexing {POSTS:,} posts…",
        "finding the posts to score…",
    ]
    assert lines[: len(stages)] == stages, lines[:8]
    assert re.match(r"scoring\s+\[-+\]\s+0%$", lines[len(stages)]), lines[:8]


def test_ctrl_c_in_scan_exits_130_saying_nothing_was_written(feed, tmp_path):
    out = tmp_path / "out.jsonl"
    posts, _ = synthetic.posts(8 * POSTS, synthetic.articles(20, seed=5), seed=6)  # still scanning after 2.5 s
    write_jsonl(tmp_path / "posts.jsonl", [p.to_dict() for p in posts])
    scan = _cli("scan", str(tmp_path / "posts.jsonl"), "-s", str(feed / "sources.jsonl"), "-o", str(out))
    started = time.monotonic()
    ended = _interrupt_when(scan, lambda: time.monotonic() - started > 2.5)
    assert ended.returncode == 130, ended.stderr
    assert ended.stderr.strip().splitlines()[-1] == "Interrupted: nothing was written (a scan keeps nothing between runs)."
    assert not out.exists() and "Traceback" not in ended.stderr


def test_db_status_shows_a_killed_run_as_killed_not_running(feed, tmp_path):
    path = tmp_path / "k.db"
    ingest = _cli("db", "ingest", str(feed / "posts.jsonl"), "--db", str(path), "-q")
    child = subprocess.Popen(ingest, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while child.poll() is None and _scored(path) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.poll() is None, "the run ended before it could be killed: make the feed bigger"
    child.send_signal(signal.SIGSTOP)  # paused, it still holds the store: running
    status = subprocess.run(_cli("db", "status", "--db", str(path)), capture_output=True, text=True, check=True)
    assert any(line.startswith("run 1: ingest") and line.endswith(" running") for line in status.stdout.splitlines())
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert _statuses(path) == {1: "running"}, "SIGKILL leaves it marked running in the file"
    status = subprocess.run(_cli("db", "status", "--db", str(path)), capture_output=True, text=True, check=True)
    assert any(line.startswith("run 1: ingest") and line.endswith(" killed") for line in status.stdout.splitlines())


def test_ctrl_c_in_ingest_on_a_dask_cluster_exits_130_and_a_rerun_finds_what_sqlite_finds(feed, tmp_path):
    pytest.importorskip("distributed")
    reference, parts = tmp_path / "s.db", tmp_path / "parts"
    for db in (str(reference), f"{parts}/"):
        subprocess.run(_cli("db", "add-sources", str(feed / "sources.jsonl"), "--db", db, "-q"), check=True)
    subprocess.run(_cli("db", "ingest", str(feed / "posts.jsonl"), "--db", str(reference), "-q"), check=True)
    ingest = _cli("db", "ingest", str(feed / "posts.jsonl"), "--db", str(parts), "--engine", "dask", "--jobs", "2")
    ended = _interrupt_when(ingest, lambda: any((parts / "findings").glob("s*.parquet")))
    assert ended.returncode == 130, ended.stderr
    assert "Traceback" not in ended.stderr and "Aborted!" not in ended.stderr
    assert ended.stderr.strip().splitlines()[-1].startswith("Interrupted: run 2 is marked interrupted")

    again = subprocess.run(ingest, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    findings = [
        subprocess.run(_cli("db", "findings", "--db", db, "-f", "jsonl"), capture_output=True, text=True, check=True).stdout
        for db in (str(reference), str(parts))
    ]
    assert findings[1] == findings[0] and findings[0].count("\n") == POSTS
