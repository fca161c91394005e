"""The persistent store: same findings as a scan, idempotent, safe to kill, one writer, foreign files refused."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, kill_when, write_jsonl

from dupfeed import Detector, Options, Post, Source
from dupfeed.cli.main import main
from dupfeed.errors import OptionsError
from dupfeed.scan import read_all_posts, read_all_sources, run_scan
from dupfeed.store import Store, StoreBusy
from dupfeed.store.db import APPLICATION_ID, SCHEMA_VERSION, StoreError

sys.path.insert(0, str(ROOT / "benchmarks"))
import synthetic  # the seeded generator the benchmarks use

POSTS = ROOT / "data" / "posts.jsonl"
ARTICLES = ROOT / "data" / "articles"


@pytest.fixture(scope="module")
def demo():
    return read_all_posts([POSTS]), read_all_sources([ARTICLES])


def _stored(path: Path) -> dict[str, dict]:
    with Store(path, write=False, create=False) as store:
        return {record["id"]: record for record, _ in store.findings()}


@pytest.mark.parametrize("cache_words", [20_000_000, 500], ids=["cached", "tiny-cache"])
def test_one_store_run_finds_what_scan_finds(tmp_path, demo, cache_words):
    posts, sources = demo
    expected = [f.to_dict() for f in run_scan(posts, sources).findings]
    with Store(tmp_path / "s.db", cache_words=cache_words) as store:
        run = store.begin_run("test")
        store.add_sources(sources.records, run=run)
        store.ingest(posts.records, run=run)
        store.score(run=run)
        got = [record for record, _ in store.findings()]
    assert got == expected


def test_posts_of_a_later_night_are_matched_to_posts_stored_before(tmp_path, demo):
    posts, sources = demo
    ordered = sorted(posts.records, key=lambda p: p.created_at)
    path = tmp_path / "s.db"
    for night in (ordered[:50], ordered[50:]):
        with Store(path) as store:
            run = store.begin_run("night")
            store.add_sources(sources.records, run=run)
            store.ingest(night, run=run)
            store.score(run=run)
    stored = _stored(path)
    assert len(stored) == 100
    one_go = {f.id: f.to_dict() for f in run_scan(posts, sources).findings}
    # Every copy of an earlier night's post found in one go is found across nights too.
    second = {p.id for p in ordered[50:]}
    first = {p.id for p in ordered[:50]}
    crossing = [(pid, m["id"]) for pid, f in one_go.items() if pid in second for m in f["matches"] if m["id"] in first]
    assert len(crossing) >= 5
    for pid, earlier in crossing:
        assert earlier in {m["id"] for m in stored[pid]["matches"]}, pid
        assert stored[pid]["verdict"] == one_go[pid]["verdict"], pid


def test_adding_the_same_posts_and_sources_again_adds_nothing(tmp_path, demo):
    posts, sources = demo
    path = tmp_path / "s.db"
    for expected_added in (100, 0):
        with Store(path) as store:
            run = store.begin_run("test")
            assert store.add_sources(sources.records, run=run).added == (5 if expected_added else 0)
            added = store.ingest(posts.records, run=run)
            assert (added.added, added.known) == (expected_added, 100 - expected_added)
            assert store.score(run=run).total == expected_added
    renamed = [p.__class__(**{**p.__dict__, "id": p.id + "-again"}) for p in posts.records[:3]]
    with Store(path) as store:
        assert store.ingest(renamed, run=store.begin_run("test")).added == 0  # same author, time, text


def _stored_unscored(path: Path, demo) -> None:
    """The demo's sources and posts added to a store at ``path``, not scored."""
    posts, sources = demo
    with Store(path) as store:
        run = store.begin_run("test")
        store.add_sources(sources.records, run=run)
        store.ingest(posts.records, run=run)


def _refuse_tokenising(monkeypatch) -> None:
    import dupfeed.engine.documents

    def refuse(texts):
        raise AssertionError(f"tokenised {len(texts)} texts")

    monkeypatch.setattr(dupfeed.engine.documents, "tokenize", refuse)


def test_opening_a_store_reads_no_text(tmp_path, demo, monkeypatch):
    path = tmp_path / "s.db"
    _stored_unscored(path, demo)
    _refuse_tokenising(monkeypatch)
    with Store(path) as store:
        detector = store.detector
        assert len(store.index) > 0 and len(detector.documents) == 105
        assert store.phrase_counts.runs


def test_scoring_a_stored_store_tokenises_no_text_again(tmp_path, demo, monkeypatch):
    expected = [f.to_dict() for f in run_scan(*demo).findings]
    path = tmp_path / "s.db"
    _stored_unscored(path, demo)
    _refuse_tokenising(monkeypatch)
    with Store(path, cache_words=500) as store:  # every candidate read back from the file
        store.score(run=store.begin_run("score"))
        assert [record for record, _ in store.findings()] == expected


def test_a_forked_scoring_process_keeps_what_it_shares_and_what_it_reads_for_one_batch(tmp_path, demo):
    path = tmp_path / "s.db"
    _stored_unscored(path, demo)
    with Store(path, cache_words=2_000, jobs=2) as store:
        docs = store.detector.documents
        docs.prefetch(range(len(docs)))  # all asked for at once: all kept until the next call
        assert docs._words > 2_000
        docs.prefetch([0])
        assert 1_000 < docs._words <= 2_000  # this process keeps what it is given
        shared = dict(docs._cache)
        docs._pid = -1  # as in a forked scoring process
        docs.prefetch(range(len(docs)))  # reads what its parent had evicted
        read_here = set(docs._cache) - set(shared)
        assert read_here
        last = max(read_here)
        docs.prefetch([last])  # the next batch
        assert set(docs._cache) == set(shared) | {last}  # nothing shared dropped; of its own, what the batch wants
        assert all(docs._cache[n] is doc for n, doc in shared.items())
        assert docs[min(read_here)].record is not None  # a document no batch asked for is read alone
        assert last in docs._cache and min(read_here) in docs._cache  # and nothing dropped for it
        docs.prefetch([last])
        assert set(docs._cache) == set(shared) | {last}


def test_a_store_of_the_first_schema_is_migrated_and_scores_the_same(tmp_path, demo):
    posts, sources = demo
    expected = [f.to_dict() for f in run_scan(posts, sources).findings]
    path = tmp_path / "s.db"
    with Store(path) as store:
        run = store.begin_run("test")
        store.add_sources(sources.records, run=run)
        store.ingest(posts.records[:60], run=run)
    conn = sqlite3.connect(path, isolation_level=None)  # as schema 1 left it: no words kept
    conn.execute("DROP TABLE doc_arrays")
    assert conn.execute("SELECT count(*) FROM arrays WHERE file IS NOT NULL").fetchone()[0] == 0  # all small: blobs
    conn.execute("ALTER TABLE arrays DROP COLUMN file")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with Store(path, cache_words=500) as store:
        run = store.begin_run("test")
        store.ingest(posts.records[60:], run=run)
        store.score(run=run)
        assert [record for record, _ in store.findings()] == expected
        assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_keeps_the_options_it_was_made_with(tmp_path):
    path = tmp_path / "s.db"
    Store(path, options=Options(shingle_size=4)).close()
    with Store(path) as store:
        assert store.options.shingle_size == 4
    with pytest.raises(OptionsError, match="other options"):
        Store(path, options=Options(shingle_size=3))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")  # SQLite leaves -wal and -shm files beside such a file it opens
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()


def _damaged_store(path: Path) -> None:
    Store(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema's page, after the header
    path.write_bytes(bytes(data))


def _newer_store(path: Path) -> None:
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"not a database at all\n" * 100), "not an SQLite file"),
        (_foreign_sqlite, "another application"),
        (_damaged_store, "not a usable dupfeed store"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + os.urandom(3000)), "another application"),
        (_newer_store, "newer dupfeed"),
    ],
    ids=["text-file", "other-sqlite-app", "damaged-store", "random-sqlite-header", "newer-schema"],
)
@pytest.mark.parametrize(
    "command",
    [["db", "ingest", str(POSTS)], ["db", "findings"], ["nightly", "--report-dir", "r"]],
    ids=["ingest", "findings", "nightly"],
)
def test_a_file_that_is_not_our_store_is_refused_and_left_untouched(runner, tmp_path, make, message, command):
    path = tmp_path / "x.db"
    make(path)
    before, beside = _digest(path), sorted(tmp_path.iterdir())
    result = runner.invoke(main, [*command, "--db", str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output and str(path) in result.output
    assert "Traceback" not in result.output
    assert _digest(path) == before
    assert sorted(tmp_path.iterdir()) == beside  # nothing created next to it either


def test_findings_of_a_missing_store_is_one_clear_line(runner, tmp_path):
    result = runner.invoke(main, ["db", "findings", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no dupfeed store here" in result.output
    assert not (tmp_path / "none.db").exists()


def test_a_second_writer_is_turned_away_with_a_clear_message(runner, tmp_path):
    path = tmp_path / "s.db"
    with Store(path):
        with pytest.raises(StoreBusy):
            Store(path, wait=0.3)
        result = runner.invoke(main, ["db", "ingest", str(POSTS), "--db", str(path)])
        assert result.exit_code == 75
        assert "another dupfeed run is writing to this store" in result.output
        assert runner.invoke(main, ["db", "status", "--db", str(path)]).exit_code == 0  # readers do not wait
    assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", str(path), "-q"]).exit_code == 0


def test_db_commands_list_findings_in_the_scan_contract(runner, tmp_path):
    path = str(tmp_path / "s.db")
    assert runner.invoke(main, ["db", "add-sources", str(ARTICLES), "--db", path, "-q"]).exit_code == 0
    assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", path, "-q"]).exit_code == 0
    scanned = runner.invoke(main, ["scan", str(POSTS), "--sources", str(ARTICLES), "--format", "jsonl", "-q"])
    listed = runner.invoke(main, ["db", "findings", "--db", path, "--format", "jsonl"])
    assert listed.exit_code == 0
    assert listed.output == scanned.output
    since = runner.invoke(main, ["db", "findings", "--db", path, "--since", "2024-05-10", "--verdict", "copy", "-f", "csv"])
    rows = since.output.splitlines()[1:]
    assert rows and all(",copy," in row for row in rows)
    assert all(r.split(",")[2] >= "2024-05-10" for r in rows)


# A real kill: the CLI in a subprocess, SIGKILLed mid-run, then run again.


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feed")
    articles = synthetic.articles(20, seed=3)
    posts, _ = synthetic.posts(2500, articles, seed=3)
    write_jsonl(folder / "sources.jsonl", [a.to_dict() for a in articles])
    write_jsonl(folder / "posts.jsonl", [p.to_dict() for p in posts])
    return folder


def _cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "cli.py"), *args]


def _count(path: Path, table: str) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_a_run_killed_at_any_point_loses_nothing_and_counts_nothing_twice(feed, tmp_path):
    reference = tmp_path / "reference.db"
    for args in (["db", "add-sources", str(feed / "sources.jsonl")], ["db", "ingest", str(feed / "posts.jsonl")]):
        subprocess.run(_cli(*args, "--db", str(reference), "-q"), check=True)
    expected = _stored(reference)

    path = tmp_path / "killed.db"
    subprocess.run(_cli("db", "add-sources", str(feed / "sources.jsonl"), "--db", str(path), "-q"), check=True)
    ingest = _cli("db", "ingest", str(feed / "posts.jsonl"), "--db", str(path), "-q")
    # Killed while reading or storing the posts, before anything of this run is committed...
    kill_when(ingest, lambda: (path.parent / (path.name + ".lock")).exists() and time.sleep(0.3) is None)
    # ...then while scoring, after a first batch of findings is committed.
    kill_when(ingest, lambda: _count(path, "findings") > 0)
    partial = _count(path, "findings")
    assert 0 < partial < len(expected)
    subprocess.run(ingest, check=True)
    assert _count(path, "findings") == len(expected)
    assert _count(path, "docs") == _count(reference, "docs")
    assert _stored(path) == expected


def test_a_killed_nightly_run_is_reported_by_the_next_one(feed, tmp_path):
    path, reports = tmp_path / "n.db", tmp_path / "reports"
    nightly = _cli(
        "nightly",
        "--db",
        str(path),
        "--report-dir",
        str(reports),
        "-q",
        "--sources",
        str(feed / "sources.jsonl"),
        "--posts",
        str(feed / "posts.jsonl"),
    )
    kill_when(nightly, lambda: _count(path, "findings") > 0)
    assert not reports.exists() or not list(reports.glob("*.json"))
    subprocess.run(nightly, check=True)
    (report_path,) = reports.glob("*.json")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["run"]["id"] == 2 and report["run"]["also_reports_runs"] == [1]
    assert report["scored"]["posts"] == _count(path, "findings") == 2500
    with Store(path, write=False, create=False) as store:
        statuses = dict(store.db.conn.execute("SELECT run, status FROM runs").fetchall())
    assert statuses == {1: "killed", 2: "ok"}


def test_a_native_repost_is_stored_as_an_original_finding_and_not_compared(tmp_path, demo):
    posts, _ = demo
    quoted = posts.records[0]
    repost = quoted.__class__(**{**quoted.__dict__, "id": "rt1", "kind": "repost", "author": "someone-else"})
    with Store(tmp_path / "s.db") as store:
        run = store.begin_run("test")
        store.ingest([quoted], run=run)
        assert store.ingest([repost], run=run).reposts == 1
        store.score(run=run)
        assert store.ingest([repost], run=run).known == 1
        found = {record["id"]: record for record, _ in store.findings()}
        assert found["rt1"]["verdict"] == "original" and found["rt1"]["matches"] == []
        assert found["rt1"]["kind"] == "repost"
        assert store.counts()["posts"] == 1  # the repost is not a document anyone is compared with


def test_an_empty_file_becomes_a_store_at_the_current_schema(tmp_path, demo):
    path = tmp_path / "new.db"
    path.touch()
    posts, _ = demo
    with Store(path) as store:
        store.ingest(posts.records[:3], run=store.begin_run("test"))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    finally:
        conn.close()


def test_db_findings_reads_back_a_native_repost_as_scan_writes_it(runner, tmp_path):
    rows = [json.loads(line) for line in POSTS.read_text(encoding="utf-8").splitlines()[:5]]
    rows.append({**rows[0], "id": "rt1", "author": "someone-else", "kind": "repost", "created_at": "2024-06-01T00:00:00Z"})
    posts = write_jsonl(tmp_path / "posts.jsonl", rows)
    db = str(tmp_path / "s.db")
    assert runner.invoke(main, ["db", "ingest", str(posts), "--db", db, "-q"]).exit_code == 0
    scanned = runner.invoke(main, ["scan", str(posts), "--format", "jsonl", "-q"]).output
    assert '"kind": "repost"' in scanned
    assert runner.invoke(main, ["db", "findings", "--db", db, "--format", "jsonl"]).output == scanned


def test_two_names_of_one_store_share_one_lock(tmp_path):
    path = tmp_path / "s.db"
    (tmp_path / "link.db").symlink_to(path)
    with Store(path), pytest.raises(StoreBusy):
        Store(tmp_path / "link.db")


def test_a_run_killed_while_creating_the_store_leaves_a_file_the_next_run_uses(tmp_path, demo):
    path = tmp_path / "s.db"
    dies_in_migration = (
        "import os, sys, dupfeed.store.db as db\n"
        "def migrate(self, version):\n"
        "    with self.transaction():\n"
        "        self.conn.execute('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')\n"
        "        os._exit(9)\n"
        "db.Database._migrate = migrate\n"
        f"db.Database({str(path)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", dies_in_migration], check=False)
    assert done.returncode == 9 and path.exists()
    posts, _ = demo
    with Store(path) as store:
        assert store.ingest(posts.records[:3], run=store.begin_run("test")).added == 3


def test_findings_scored_on_other_processes_hold_the_callers_own_records(feed):
    # A pool's findings come back with their records as numbers: the parent puts its own back.
    posts, sources = read_all_posts([feed / "posts.jsonl"]).records, read_all_sources([feed / "sources.jsonl"]).records
    detector = Detector(Options(), jobs=2)
    detector.add_sources(sources)
    findings = detector.scan(posts)
    given = {p.id: p for p in posts}
    assert len(findings) > Detector.BATCH and all(f.post is given[f.id] for f in findings)
    targets = [m.target for f in findings for m in f.matches]
    known = {id(r) for r in [*posts, *sources]}
    assert targets and any(isinstance(t, Source) for t in targets) and any(isinstance(t, Post) for t in targets)
    assert all(id(t) in known for t in targets)


def test_scoring_on_two_processes_finds_the_same_in_the_same_order(feed, tmp_path):
    posts, sources = read_all_posts([feed / "posts.jsonl"]), read_all_sources([feed / "sources.jsonl"])
    alone = [f.to_dict() for f in run_scan(posts, sources, jobs=1).findings]
    assert len(alone) == 2500  # five batches: a pool of two scores them
    assert [f.to_dict() for f in run_scan(posts, sources, jobs=2).findings] == alone
    stored = {}
    for jobs in (1, 2):
        with Store(tmp_path / f"s{jobs}.db", jobs=jobs, cache_words=20_000) as store:  # workers read the file
            run = store.begin_run("test")
            store.add_sources(sources.records, run=run)
            store.ingest(posts.records, run=run)
            store.score(run=run)
            stored[jobs] = [record for record, _ in store.findings()]
    assert stored[2] == stored[1] == alone
    # On the command line too: the JSONL of scan, byte for byte.
    outputs = [
        subprocess.run(
            _cli("scan", str(feed / "posts.jsonl"), "-s", str(feed / "sources.jsonl"), "-f", "jsonl", "-q", "--jobs", jobs),
            capture_output=True,
            check=True,
        ).stdout
        for jobs in ("1", "2")
    ]
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 2500


def test_large_arrays_are_files_beside_the_store_mapped_when_opened(tmp_path, demo, monkeypatch):
    import dupfeed.store.db

    monkeypatch.setattr(dupfeed.store.db, "FILE_BYTES", 64)  # the demo's arrays are small
    posts, sources = demo
    expected = [f.to_dict() for f in run_scan(posts, sources).findings]
    path = tmp_path / "s.db"
    ordered = sorted(posts.records, key=lambda p: p.created_at)
    for night in (ordered[:50], ordered[50:]):  # the second night merges and deletes segments
        with Store(path) as store:
            run = store.begin_run("night")
            store.add_sources(sources.records, run=run)
            store.ingest(night, run=run)
            store.score(run=run)
    folder = tmp_path / "s.db.arrays"
    with sqlite3.connect(path) as conn:
        named = {row[0] for row in conn.execute("SELECT file FROM arrays WHERE file IS NOT NULL")}
    assert named and {p.name for p in folder.glob("*.npy")} == named  # merged-away segments' files are gone
    with Store(path, write=False, create=False) as store:
        assert isinstance(store.index.segments[0].keys, np.memmap)
        assert len(store.detector.documents) == 105
    stray = folder / "index-99-keys-000000000000.npy"  # as a run killed before its commit leaves it
    np.save(stray, np.arange(10))
    with Store(path) as store:
        run = store.begin_run("again")
        assert store.ingest(posts.records, run=run).added == 0
    assert not stray.exists()
    assert {r["id"] for r in _stored(path).values()} == {f["id"] for f in expected}
    (folder / sorted(named)[0]).unlink()  # a file lost: one clear error
    with pytest.raises(StoreError, match=r"array file .* is missing or damaged"), Store(path, write=False, create=False) as store:
        store.detector  # noqa: B018 (loads the arrays)


def test_merges_written_into_the_store_s_files_find_and_count_what_merges_in_memory_do(tmp_path, demo, monkeypatch):
    import dupfeed.store.db

    posts, sources = demo
    ordered = sorted(posts.records, key=lambda p: p.created_at)
    nights = [ordered[i : i + 20] for i in range(0, 100, 20)]  # five nights: merges of merges

    def grow(path: Path) -> tuple[list[dict], np.ndarray]:
        for night in nights:
            with Store(path) as store:
                run = store.begin_run("night")
                store.add_sources(sources.records, run=run)
                store.ingest(night, run=run)
                store.score(run=run)
        with Store(path, write=False, create=False) as store:
            probe = np.concatenate([store.detector.documents[n].shingles for n in range(len(store.detector.documents))])
            counted = np.stack([store.phrase_counts.count(probe), store.detector.author_counts.count(probe)])
            return [record for record, _ in store.findings()], counted

    in_memory = grow(tmp_path / "memory.db")
    monkeypatch.setattr(dupfeed.store.db, "FILE_BYTES", 64)  # every array a file, every merge made in one
    in_files = grow(tmp_path / "files.db")
    assert in_files[0] == in_memory[0]
    assert np.array_equal(in_files[1], in_memory[1])
    folder = tmp_path / "files.db.arrays"
    with sqlite3.connect(tmp_path / "files.db") as conn:
        named = {row[0] for row in conn.execute("SELECT file FROM arrays WHERE file IS NOT NULL")}
    assert any(name.startswith("merge-") for name in named)  # kept in the file the merge wrote
    assert {p.name for p in folder.glob("*.npy")} == named  # a merge's output merged again is removed
    with Store(tmp_path / "files.db", write=False, create=False) as store:
        merged = [s for s in store.index.segments if Path(s.keys.filename).name.startswith("merge-")]
        assert merged and all(isinstance(s.keys, np.memmap) for s in merged)


def test_array_files_of_a_change_that_fails_are_removed(tmp_path, demo, monkeypatch):
    import dupfeed.store.db

    monkeypatch.setattr(dupfeed.store.db, "FILE_BYTES", 64)
    sources = demo[1]
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.add_sources(sources.records, run=store.begin_run("test"))
        before = set((tmp_path / "s.db.arrays").glob("*.npy"))
        assert before
        with pytest.raises(RuntimeError), store.db.transaction():
            store.db.save_array("index", 77, "keys", np.arange(100))
            raise RuntimeError("disk full")
        assert set((tmp_path / "s.db.arrays").glob("*.npy")) == before
        assert store.db.load_arrays("index").keys() == {0}


def test_a_merge_is_kept_in_its_file_when_the_store_path_is_relative(tmp_path, monkeypatch):
    import dupfeed.store.db
    from dupfeed.store.db import Database, FileSpace

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(dupfeed.store.db, "FILE_BYTES", 64)
    db = Database(Path("relative.db"))
    made = FileSpace(db).empty((100,), np.dtype(np.uint64))  # made before the transaction, as a library caller may
    made[:] = 7
    with db.transaction():
        db.save_array("counts", 0, "keys", made)
    named = [row[0] for row in db.conn.execute("SELECT file FROM arrays")]
    assert len(named) == 1 and named[0].startswith("merge-")  # the file the merge wrote, not a copy
    assert [p.name for p in (tmp_path / "relative.db.arrays").glob("*.npy")] == named
    assert (np.load(tmp_path / "relative.db.arrays" / named[0]) == 7).all()
    db.close()


def test_a_read_only_store_merges_in_memory_and_writes_nothing(tmp_path, demo, monkeypatch):
    import dupfeed.store.db

    monkeypatch.setattr(dupfeed.store.db, "FILE_BYTES", 64)
    posts, sources = demo
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.add_sources(sources.records, run=store.begin_run("test"))
    before = sorted((tmp_path / "s.db.arrays").glob("*"))
    with Store(path, write=False, create=False) as store:
        store.detector.add_posts(posts.records)  # merges its counts, in memory
    assert sorted((tmp_path / "s.db.arrays").glob("*")) == before
