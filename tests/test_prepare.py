"""A batch made ready on several processes holds exactly the arrays one process makes."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

import dupfeed.engine.detector as detector_module
import dupfeed.engine.prepare as prepare_module
from dupfeed import Detector, Options
from dupfeed.engine.prepare import prepare, prepare_batch
from dupfeed.engine.sketch import MinHasher
from dupfeed.scan import read_all_posts, read_all_sources

DATA = Path(__file__).resolve().parent.parent / "data"

TEXTS = [
    "Spent the morning reading about battery plants and what they mean for jobs in our region.",
    "",
    "Été à Montréal : l'allée des érables, encore une fois 🍁 #automne",
    "one",
    "two words",
    " ".join(f"word{i}" for i in range(300)),
    "Short post, then a link https://example.org/a?utm_source=x and @someone.",
] * 7


@pytest.mark.parametrize(
    ("jobs", "scratch"),
    [(2, "files"), (3, "files"), (5, "files"), (2, "no temporary folder"), (2, "folder gone")],
    ids=["two", "three", "five", "through-pipes", "files-fail"],
)
def test_a_batch_cut_between_processes_is_the_batch_made_in_one(monkeypatch, tmp_path, jobs, scratch):
    hasher = MinHasher(64, 3)
    alone = prepare(TEXTS, 3, hasher, window=8, stride=4)
    monkeypatch.setattr(prepare_module, "PARALLEL_CHARACTERS", 100)  # every part is large enough
    received = []
    real_received = prepare_module._received
    monkeypatch.setattr(prepare_module, "_received", lambda sent: received.append(sent) or real_received(sent))
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(prepare_module.tempfile, "tempdir", str(temporary))
    if scratch == "no temporary folder":  # the parts come back through the pipes instead
        monkeypatch.setattr(prepare_module.tempfile, "tempdir", str(tmp_path / "missing"))
    elif scratch == "folder gone":  # a part's file cannot be written: that part comes through its pipe
        monkeypatch.setattr(prepare_module.tempfile, "mkdtemp", lambda prefix: str(tmp_path / "gone"))
    cut = prepare_batch(TEXTS, 3, hasher, window=8, stride=4, jobs=jobs)
    assert len(received) == jobs
    assert all(isinstance(sent, str) for sent in received) == (scratch == "files")  # as files, or through pipes
    assert not list(temporary.iterdir()) and not (tmp_path / "gone").exists()  # nothing left behind
    for name in ("words", "spans", "word_offsets", "shingles", "shingle_offsets", "unique", "unique_offsets"):
        assert np.array_equal(getattr(cut, name), getattr(alone, name)), name
    for name in ("texts", "windows", "window_owner", "window_first"):
        assert np.array_equal(getattr(cut.sketches, name), getattr(alone.sketches, name)), name
    assert set(cut.seconds) == {"shingle", "sketch"}


def test_a_small_batch_is_made_in_this_process(monkeypatch):
    def no_fork(*args, **kwargs):
        raise AssertionError("a small batch forked")

    monkeypatch.setattr(prepare_module.multiprocessing, "get_context", no_fork)
    ready = prepare_batch(TEXTS[:5], 3, MinHasher(16, 1), window=8, stride=4, jobs=4)
    assert len(ready.word_offsets) == 6


def test_a_scan_whose_texts_are_shingled_on_two_processes_finds_the_same(monkeypatch):
    posts, sources = read_all_posts([DATA / "posts.jsonl"]).records, read_all_sources([DATA / "articles"]).records

    def findings(jobs: int) -> list[dict]:
        detector = Detector(Options(), jobs=jobs)
        detector.add_sources(sources)
        return [f.to_dict() for f in detector.scan(posts)]

    alone = findings(1)
    monkeypatch.setattr(prepare_module, "PARALLEL_CHARACTERS", 1_000)
    assert findings(2) == alone
    assert any(f["matches"] for f in alone)


def test_an_index_built_on_a_second_thread_finds_the_same(monkeypatch):
    import dupfeed.engine.detector as detector_module

    posts, sources = read_all_posts([DATA / "posts.jsonl"]).records, read_all_sources([DATA / "articles"]).records
    started = []

    def findings(threaded_from: int) -> list[dict]:
        monkeypatch.setattr(detector_module, "_THREADED_WINDOWS", threaded_from)
        detector = Detector(Options())
        real_add = detector.index.add
        monkeypatch.setattr(detector.index, "add", lambda *a: started.append(threading.current_thread()) or real_add(*a))
        detector.add_sources(sources)
        return [f.to_dict() for f in detector.scan(posts)]

    inline = findings(10**12)
    assert started and all(t is threading.main_thread() for t in started)
    started.clear()
    assert findings(0) == inline
    assert started and not any(t is threading.main_thread() for t in started)


def _anonymous_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("RssAnon:")))


@pytest.mark.skipif(
    not Path("/proc/self/status").exists() or prepare_module._malloc_trim() is None, reason="needs Linux and glibc"
)
def test_arrays_freed_in_the_heap_go_back_to_the_system_when_released():
    """Arrays freed in the heap stay the process's (and a forked process's, once it writes
    there) until trimmed; in a forked child of its own, so that this process is left alone."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe, and never returns into pytest
        try:
            np.empty(16 << 20, dtype=np.uint8).fill(1)  # freed: glibc now takes arrays under 16 MB from its heap
            kept = [np.ones(4 << 20, dtype=np.uint8) for _ in range(40)]  # 160 MB in the heap
            del kept[:-1]  # all but the last: the heap's top is still in use, so free() gives nothing back
            before = _anonymous_kib()
            prepare_module.release_free_memory()
            os.write(write, f"{before} {_anonymous_kib()}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        reported = pipe.read()
    os.waitpid(child, 0)
    before, after = map(int, reported.split())
    assert before - after > 100 << 10  # over 100 MB of the 156 freed went back


def test_memory_is_released_before_each_pool_forks_and_after_each_scoring_batch(monkeypatch, tmp_path):
    calls = tmp_path / "calls"

    def release() -> None:
        with open(calls, "a") as file:  # from whichever process calls it
            file.write(f"{os.getpid()}\n")

    monkeypatch.setattr(prepare_module, "release_free_memory", release)
    monkeypatch.setattr(detector_module, "release_free_memory", release)
    monkeypatch.setattr(prepare_module, "PARALLEL_CHARACTERS", 100)
    monkeypatch.setattr(Detector, "BATCH", 20)
    posts, sources = read_all_posts([DATA / "posts.jsonl"]).records, read_all_sources([DATA / "articles"]).records
    detector = Detector(Options(), jobs=2)
    detector.add_sources(sources)
    detector.scan(posts)
    pids = calls.read_text().split()
    assert pids.count(str(os.getpid())) == 3  # before preparing the sources, the posts, and before scoring
    assert len(pids) - 3 == -(-len(posts) // 20)  # once after each batch, in the scoring processes
