"""The partitioned store: the SQLite store's findings, byte for byte, in this process and on a
real two-worker Dask LocalCluster (loopback only); idempotent, and safe to kill, the client or a
worker."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, kill_when, write_jsonl

from dupfeed import Options
from dupfeed.cli.main import main
from dupfeed.errors import DupfeedError
from dupfeed.store import PartitionedStore, Store, open_store
from dupfeed.store.partitioned.layout import Layout

sys.path.insert(0, str(ROOT / "benchmarks"))
import synthetic  # the seeded generator the benchmarks use

distributed = pytest.importorskip("distributed")

POSTS = ROOT / "data" / "posts.jsonl"
ARTICLES = ROOT / "data" / "articles"


def _cluster(workers: int = 2):
    return distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    )


@pytest.fixture(scope="module")
def cluster():
    with _cluster() as running:
        yield running


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    """Sources and two nights of posts (reposts, copies of articles and of earlier posts)."""
    folder = tmp_path_factory.mktemp("feed")
    articles = synthetic.articles(20, seed=3)
    posts, _ = synthetic.posts(2500, articles, seed=3)
    posts.sort(key=lambda p: p.created_at)
    write_jsonl(folder / "sources.jsonl", [a.to_dict() for a in articles])
    write_jsonl(folder / "night1.jsonl", [p.to_dict() for p in posts[:1500]])
    write_jsonl(folder / "night2.jsonl", [p.to_dict() for p in posts[1500:]])
    write_jsonl(folder / "posts.jsonl", [p.to_dict() for p in posts])
    return folder, articles, posts


def _nights(store, articles, posts, nights=None) -> list[str]:
    """Sources, then nights of posts (default: two) each ingested and scored; the findings as JSON lines."""
    with store.running("test") as run:
        store.add_sources(articles, run=run)
        for night in nights or [posts[:1500], posts[1500:]]:
            store.ingest(night, run=run)
            store.score(run=run)
        store.finish_run(run, "ok", {})
        return [json.dumps(record) for record, _ in store.findings()]


@pytest.fixture(scope="module")
def reference(feed, tmp_path_factory):
    """The SQLite store's findings of the feed, under each set of options tested."""
    _, articles, posts = feed
    out = {}
    for name, options in OPTIONS.items():
        with Store(tmp_path_factory.mktemp("ref") / "s.db", options=options) as store:
            out[name] = _nights(store, articles, posts)
    return out


OPTIONS = {
    "default": Options(),
    "two-bands": Options(lsh_one_band_below=0),  # a candidate needs two bands, or to be the author's own post
}


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("options", list(OPTIONS), ids=list(OPTIONS))
def test_the_partitioned_store_finds_what_the_sqlite_store_finds_byte_for_byte(
    feed, reference, cluster, tmp_path, engine, options
):
    _, articles, posts = feed
    scheduler = cluster.scheduler_address if engine == "dask" else None
    with PartitionedStore(
        str(tmp_path / "parts"), options=OPTIONS[options], engine=engine, scheduler=scheduler, part_size=300
    ) as store:
        found = _nights(store, articles, posts)
    assert len(found) == len(posts)
    assert any('"verdict": "copy"' in line for line in found)
    assert found == reference[options]


def test_bands_and_count_buckets_joined_in_key_ranges_find_the_same(feed, reference, tmp_path):
    _, articles, posts = feed
    # Tasks that each join at most 2,000 of a band's windows or 5,000 of a bucket's keys: every
    # band and bucket is cut in several ranges, read by row groups.
    with PartitionedStore(str(tmp_path / "parts"), part_size=300, band_task_windows=2_000, count_task_keys=5_000) as store:
        found = _nights(store, articles, posts)
        assert store._state()["windows"] > 4 * 2_000
    assert found == reference["default"]


def test_key_ranges_of_a_bucket_that_one_of_its_files_has_no_keys_in_find_the_same(feed, tmp_path):
    _, articles, posts = feed
    nights = [posts[:360], posts[360:400]]  # a small night after a large one: two files a bucket
    found = []
    for store in (Store(tmp_path / "s.db"), PartitionedStore(str(tmp_path / "parts"), part_size=100, count_task_keys=300)):
        with store:
            found.append(_nights(store, articles, posts, nights))
    assert found[1] == found[0] and len(found[0]) == 400


def test_db_commands_on_a_cluster_list_the_sqlite_stores_findings_byte_for_byte(runner, cluster, tmp_path):
    sqlite, parts = str(tmp_path / "s.db"), str(tmp_path / "parts") + "/"
    on_cluster = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    for db, extra in ((sqlite, []), (parts, on_cluster)):
        assert runner.invoke(main, ["db", "add-sources", str(ARTICLES), "--db", db, "-q", *extra]).exit_code == 0
        assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", db, "-q", *extra]).exit_code == 0
    listed = [runner.invoke(main, ["db", "findings", "--db", db, "--format", "jsonl"]) for db in (sqlite, parts)]
    assert listed[0].exit_code == listed[1].exit_code == 0
    assert listed[1].output == listed[0].output
    assert len(listed[1].output.splitlines()) == 100

    again = runner.invoke(main, ["db", "ingest", str(POSTS), "--db", parts, *on_cluster])
    assert again.exit_code == 0, again.output
    assert "0 posts added, 100 already stored" in again.output
    status = runner.invoke(main, ["db", "status", "--db", parts])
    assert status.exit_code == 0
    assert "5 sources, 100 posts (0 not yet scored)" in status.output


def test_a_nightly_run_on_a_partitioned_store_reports_what_one_on_an_sqlite_store_reports(runner, tmp_path):
    reports = {}
    for name, db in (("sqlite", str(tmp_path / "s.db")), ("parts", str(tmp_path / "parts") + "/")):
        args = [
            "nightly",
            "--db",
            db,
            "--report-dir",
            str(tmp_path / f"reports-{name}"),
            "--sources",
            str(ARTICLES),
            "--posts",
            str(POSTS),
            "-q",
        ]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        again = runner.invoke(main, args)  # nothing new: a second report with nothing in it
        assert again.exit_code == 0, again.output
        first, second = sorted((tmp_path / f"reports-{name}").glob("*.json"))
        reports[name] = json.loads(first.read_text())
        assert json.loads(second.read_text())["scored"]["posts"] == 0
    for report in reports.values():
        del report["run"]["started"], report["run"]["db"]
    assert reports["parts"] == reports["sqlite"]
    assert reports["parts"]["scored"]["copy"] > 0 and reports["parts"]["findings"]


def test_the_dask_engine_on_an_sqlite_file_is_bad_usage(runner, tmp_path):
    result = runner.invoke(main, ["db", "ingest", str(POSTS), "--db", str(tmp_path / "s.db"), "--engine", "dask"])
    assert result.exit_code == 2
    assert "partitioned store" in result.output
    assert not (tmp_path / "s.db").exists()


def test_a_folder_that_is_not_a_store_is_one_clear_line_and_left_untouched(runner, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    result = runner.invoke(main, ["db", "ingest", str(POSTS), "--db", str(folder)])
    assert result.exit_code == 1
    assert "not a dupfeed store" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["cat.jpg"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "meta.json").write_text('{"format": "something else"}')
    foreign = runner.invoke(main, ["db", "status", "--db", str(tmp_path / "other")])
    assert foreign.exit_code == 1 and "not a dupfeed store" in foreign.output


def test_a_store_at_a_file_url_is_the_same_store(runner, tmp_path):
    url = (tmp_path / "parts").as_uri()
    assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", url, "-q"]).exit_code == 0
    by_url = runner.invoke(main, ["db", "findings", "--db", url, "-f", "jsonl"])
    by_path = runner.invoke(main, ["db", "findings", "--db", str(tmp_path / "parts"), "-f", "jsonl"])
    assert by_url.exit_code == 0 and by_url.output == by_path.output and len(by_url.output.splitlines()) == 100


def _scored_files(folder: Path) -> list[Path]:
    return sorted((folder / "findings").glob("s*.parquet")) if (folder / "findings").is_dir() else []


def _lines(db: str) -> list[str]:
    with open_store(db, write=False, create=False) as store:
        return [json.dumps(record) for record, _ in store.findings()]


def test_a_run_killed_while_storing_and_while_scoring_finishes_on_the_next_with_each_finding_once(feed, tmp_path):
    folder, _, posts = feed
    reference = str(tmp_path / "s.db")
    for args in (["db", "add-sources", str(folder / "sources.jsonl")], ["db", "ingest", str(folder / "posts.jsonl")]):
        subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, "--db", reference, "-q"], check=True)

    parts = tmp_path / "parts"
    cli = [sys.executable, str(ROOT / "cli.py")]
    subprocess.run([*cli, "db", "add-sources", str(folder / "sources.jsonl"), "--db", f"{parts}/", "-q"], check=True)
    ingest = [*cli, "db", "ingest", str(folder / "posts.jsonl"), "--db", str(parts), "-q"]
    # Killed while writing the posts' files, before their commit...
    kill_when(ingest, lambda: len(list((parts / "docs").glob("*.parquet"))) > 1)
    assert len(list((parts / "commits").glob("*.json"))) == 1, "only the sources' step is committed"
    # ...then while scoring, once a first partition's findings are written.
    kill_when(ingest, lambda: bool(_scored_files(parts)))
    written = sum(pq.read_metadata(p).num_rows for p in _scored_files(parts))
    assert 0 < written < len(posts)
    subprocess.run(ingest, check=True)
    assert _lines(str(parts)) == _lines(reference)
    assert not [p for p in parts.rglob("*") if ".tmp-" in p.name], "no temporary file is left"


def test_workers_killed_mid_run_have_their_tasks_run_again_and_nothing_changes(feed, reference, tmp_path):
    _, articles, posts = feed
    folder = tmp_path / "parts"
    with _cluster() as own, distributed.Client(own) as client:
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_workers() -> None:
            # One worker once the sources are committed, as the first night is stored (its
            # digests asked, its files written, results fetched from that worker); the other
            # once a first partition is scored.
            moments = [lambda: any((folder / "commits").glob("*.json")), lambda: bool(_scored_files(folder))]
            for pid, ready in zip(pids, moments):
                deadline = time.monotonic() + 120
                while not ready() and time.monotonic() < deadline:
                    time.sleep(0.01)
                if not ready():
                    return
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        killer = threading.Thread(target=kill_workers)
        killer.start()
        try:
            with PartitionedStore(str(folder), engine="dask", scheduler=own.scheduler_address, part_size=60) as store:
                found = _nights(store, articles, posts)
        finally:
            killer.join()
    assert len(killed) == 2, "both workers were killed during the run"
    assert found == reference["default"]


def test_a_task_the_cluster_gives_up_on_is_one_clear_error_and_a_rerun_finishes_the_night(feed, reference, cluster, tmp_path):
    _, articles, posts = feed
    folder = tmp_path / "parts"
    import dask

    # A scheduler that gives up on a task at its first lost worker (the default is after 3).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), _cluster() as own, distributed.Client(own) as client:
        killed: list[int] = []
        ended = threading.Event()

        def kill_busy_workers() -> None:
            # A worker running a task, once a first partition is scored; again (a new worker)
            # should that task have finished before the scheduler heard of the death.
            deadline = time.monotonic() + 120
            while not ended.is_set() and time.monotonic() < deadline:
                try:
                    busy = [w for w, tasks in client.processing().items() if tasks] if _scored_files(folder) else []
                    pid = dict(client.run(os.getpid)).get(busy[0]) if busy else None
                except OSError:  # a worker going away as it is asked
                    pid = None
                if pid is None:
                    time.sleep(0.01)
                    continue
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                ended.wait(2)

        killer = threading.Thread(target=kill_busy_workers)
        killer.start()
        store = PartitionedStore(str(folder), engine="dask", scheduler=own.scheduler_address, part_size=60)
        try:
            with store, pytest.raises(DupfeedError, match="the Dask cluster gave up on a task"):
                _nights(store, articles, posts)
        finally:
            ended.set()
            killer.join()
    assert killed, "a worker was killed while running a task"
    with PartitionedStore(str(folder), engine="dask", scheduler=cluster.scheduler_address, part_size=60) as store:
        assert [r.status for r in store.recent_runs(1)] == ["failed"]
        assert _nights(store, articles, posts) == reference["default"]


def test_a_nights_findings_are_read_from_its_own_files_only(feed, tmp_path, monkeypatch):
    _, articles, posts = feed
    with PartitionedStore(str(tmp_path / "parts"), part_size=300) as store:
        for night in (posts[:1500], posts[1500:]):
            with store.running("test") as run:
                store.add_sources(articles, run=run)
                store.ingest(night, run=run)
                store.score(run=run)
                store.finish_run(run, "ok", {})
        everything = list(store.findings())
        read: list[str] = []
        original = Layout.read_table

        def spy(self, relative, **kwargs):
            read.append(relative)
            return original(self, relative, **kwargs)

        monkeypatch.setattr(Layout, "read_table", spy)
        last = list(store.findings(run=run))
    second = {p.id for p in posts[1500:]}
    assert last == [(record, keys) for record, keys in everything if record["id"] in second], "the second night's, all of them"
    assert last and len(last) < len(everything)
    # findings/s<run>-<step>-<part>.parquet, findings/i<commit>-<run>.parquet: the run that wrote it
    runs_read = {int(m[1] or m[2]) for m in (re.match(r"findings/(?:s(\d+)-|i\d+-(\d+)\.)", p) for p in read) if m}
    assert runs_read == {run}, "no file of the first night is read"


def test_verdicts_by_day_read_from_the_files_of_those_days_are_the_sqlite_stores(feed, tmp_path):
    _, articles, posts = feed
    stores = [Store(tmp_path / "s.db"), PartitionedStore(str(tmp_path / "parts"), part_size=100)]
    found = []
    for store in stores:
        with store:
            _nights(store, articles, posts)
            found.append([store.verdicts_by_day(days) for days in (1, 3, 30, 100_000)])
            scored = len(list(store.findings()))
    assert found[1] == found[0]
    counted = [sum(sum(verdicts.values()) for verdicts in by_day.values()) for by_day in found[0]]
    assert 0 < counted[0] < counted[-1] == scored, "the last day holds some posts, all days all of them"


def test_files_merge_night_after_night_and_the_findings_stay_the_same(feed, tmp_path):
    _, articles, posts = feed
    nights = [posts[n : n + 250] for n in range(0, len(posts), 250)]
    found = []
    for store in (Store(tmp_path / "s.db"), PartitionedStore(str(tmp_path / "parts"), part_size=100)):
        with store:
            found.append(_nights(store, articles, posts, nights))
    assert found[1] == found[0]
    folder = tmp_path / "parts"
    assert len(list((folder / "bands" / "band=00").glob("*.parquet"))) <= 4, "a band keeps a few files, not one a night"
    assert len(list((folder / "counts" / "phrases" / "bucket=00").glob("*.parquet"))) <= 4
    with PartitionedStore(str(folder), write=False, create=False) as store:
        live = set(store._state()["files"])
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*.parquet") if not p.name.startswith("s")}
    assert on_disk == live, "every file merged away is removed"


def test_a_post_scored_twice_by_a_cluster_that_outlived_its_run_is_listed_once(runner, tmp_path):
    parts = tmp_path / "parts"
    assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", str(parts) + "/", "-q"]).exit_code == 0
    before = runner.invoke(main, ["db", "findings", "--db", str(parts), "-f", "jsonl"]).output
    status = runner.invoke(main, ["db", "status", "--db", str(parts)]).output
    # A late task of a killed run writes a second finding of the same posts, after theirs.
    first = sorted((parts / "findings").glob("s*.parquet"))[0]
    table = pq.read_table(first)
    later = table.set_column(table.schema.get_field_index("order"), "order", pa.array(table["order"].to_numpy() + (1 << 50)))
    later = later.set_column(later.schema.get_field_index("verdict"), "verdict", pa.array(["original"] * later.num_rows))
    pq.write_table(later, parts / "findings" / "s000009-000-00000.parquet")
    assert runner.invoke(main, ["db", "findings", "--db", str(parts), "-f", "jsonl"]).output == before
    assert runner.invoke(main, ["db", "status", "--db", str(parts)]).output == status
    assert "100 posts (0 not yet scored)" in status


def test_a_findings_file_a_killed_worker_left_half_written_is_not_read(runner, tmp_path):
    parts = tmp_path / "parts"
    assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", str(parts) + "/", "-q"]).exit_code == 0
    before = runner.invoke(main, ["db", "findings", "--db", str(parts), "-f", "jsonl"]).output
    # What a worker SIGKILLed while writing a partition's findings leaves (its task ran again).
    (parts / "findings" / "s000009-000-00000.parquet.tmp-5f3a").write_bytes(b"PAR1 half a file")
    with open_store(str(parts), write=False, create=False) as store:
        assert store.pending() == []
        assert [r for r, _ in store.findings(run=1)] == [json.loads(line) for line in before.splitlines()]
    assert runner.invoke(main, ["db", "findings", "--db", str(parts), "-f", "jsonl"]).output == before
