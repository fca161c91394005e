"""The two index backends answer the same queries: datasketch's MinHashLSH and our band arrays."""

import json

import numpy as np
import pytest
from conftest import ROOT
from datasketch import MinHashLSH

import dupfeed.engine.index as index_module
from dupfeed.engine.index import BandIndex, Segment, WindowIndex, band_keys, optimal_bands_rows
from dupfeed.engine.normalize import tokenize
from dupfeed.engine.shingle import flat_shingles
from dupfeed.engine.sketch import MinHasher


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    """The demo's articles and posts: real prose with planted copies."""
    articles = sorted(p for p in (ROOT / "data" / "articles").rglob("*") if p.is_file())
    posts = (ROOT / "data" / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    return [a.read_text(encoding="utf-8") for a in articles] + [json.loads(line)["text"] for line in posts]


def _windows(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    found = tokenize(texts)
    hashes, offsets = flat_shingles(found.hashes, np.diff(found.offsets), 3)
    sketches = MinHasher(128, 1).sketch(hashes.astype(np.uint32), offsets, window=40, stride=20)
    return sketches.windows, sketches.window_owner


@pytest.mark.parametrize("params", [None, (16, 1), (32, 4)], ids=["default-28x2", "16x1", "32x4"])
def test_band_index_finds_what_datasketch_finds(params, demo_texts):
    windows, owner = _windows(demo_texts)
    reference = WindowIndex(threshold=0.2, num_perm=128, params=params)
    ours = BandIndex(threshold=0.2, num_perm=128, params=params)
    for lo in range(0, len(windows), 37):  # many small batches: several segments and merges
        reference.add(owner[lo : lo + 37], windows[lo : lo + 37])
        ours.add(owner[lo : lo + 37], windows[lo : lo + 37])
    assert ours.bands_rows == reference.bands_rows
    assert len(ours) == len(reference) == len(windows)
    assert len(ours.segments) < len(windows) / 37
    first = np.searchsorted(owner, np.arange(owner.max() + 2))
    expected = reference.query_batch(windows, first)
    assert ours.query_batch(windows, first) == expected
    assert all(i in found for i, found in enumerate(expected) if first[i + 1] > first[i])
    assert sum(len(found) for found in expected) > len(expected)  # the demo's copies collide


def test_band_keys_agree_where_the_band_rows_agree():
    windows = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [2, 1, 4, 3]], dtype=np.uint32)
    keys = band_keys(windows, 2, 2)
    assert keys.dtype == np.uint32 and keys.shape == (3, 2)
    assert keys[0, 0] == keys[1, 0]
    assert keys[0, 1] != keys[1, 1]
    assert keys[2, 0] != keys[0, 0] and keys[2, 1] != keys[0, 1]  # rows are ordered
    assert (band_keys(windows, 4, 1) == windows).all()


def test_empty_band_index_finds_nothing():
    index = BandIndex(threshold=0.2, num_perm=128)
    windows = np.zeros((2, 128), dtype=np.uint32)
    assert index.query_batch(windows, np.array([0, 1, 2])) == [set(), set()]


def test_a_scan_reports_the_same_with_either_index(runner):
    from dupfeed.cli.main import main

    args = ["scan", str(ROOT / "data" / "posts.jsonl"), "--sources", str(ROOT / "data" / "articles"), "-f", "jsonl", "-q"]
    reference = runner.invoke(main, [*args, "--index", "datasketch"])
    bands = runner.invoke(main, args)  # the default
    assert reference.exit_code == bands.exit_code == 0
    assert bands.output == reference.output
    assert '"verdict": "copy"' in bands.output


def _index_with(stored: np.ndarray, **kw) -> BandIndex:
    index = BandIndex(threshold=0.2, num_perm=8, params=(4, 2), **kw)
    index.add(np.arange(len(stored)), stored)
    return index


def test_a_document_sharing_one_band_is_no_candidate_once_the_index_is_large():
    rng = np.random.default_rng(3)
    post = rng.integers(1, 2**32, size=(1, 8), dtype=np.uint64).astype(np.uint32)
    stored = rng.integers(1, 2**32, size=(4, 8), dtype=np.uint64).astype(np.uint32)
    stored[1, 0:2] = post[0, 0:2]  # one band shared
    stored[2, 0:2] = post[0, 0:2]  # two bands shared
    stored[2, 4:6] = post[0, 4:6]
    stored[3, 0:2] = post[0, 0:2]  # one band, shared by two windows of the post: still one band
    query = np.concatenate([post, post])
    first = np.array([0, 2])
    assert _index_with(stored).query_batch(query, first) == [{1, 2, 3}]
    two = _index_with(stored, min_bands=2)
    assert two.query_batch(query, first) == [{2}]
    kept = two.query_batch(query, first, keep=lambda texts, owners: owners == 3)
    assert kept == [{2, 3}]  # what ``keep`` keeps stays a candidate on one band
    small = _index_with(stored, min_bands=2, one_band_below=len(stored) + 1)
    assert small.query_batch(query, first) == [{1, 2, 3}]  # a small index: one band is enough


def test_merged_segments_equal_one_built_from_all_windows():
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 50, size=(300, 4)).astype(np.uint32)  # many equal keys: order matters
    owners = np.arange(300)
    parts = [Segment.build(keys[a:b], owners[a:b]) for a, b in ((0, 120), (120, 200), (200, 300))]
    merged, whole = Segment.merge(parts), Segment.build(keys, owners)
    assert (merged.keys == whole.keys).all() and (merged.owners == whole.owners).all()


@pytest.mark.parametrize(
    ("threshold", "num_perm"),
    [(0.2, 128), (0.5, 128), (0.8, 128), (0.1, 64), (0.3, 256), (0.9, 32)],
    ids=lambda v: str(v),
)
def test_bands_rows_are_the_ones_datasketch_chooses(threshold, num_perm):
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert optimal_bands_rows(threshold, num_perm) == (lsh.b, lsh.r)


def test_indexing_every_other_window_shrinks_the_index_and_still_finds_the_demo_copies():
    from dupfeed import Detector, Options
    from dupfeed.scan import read_all_posts, read_all_sources

    posts = read_all_posts([ROOT / "data" / "posts.jsonl"]).records
    sources = read_all_sources([ROOT / "data" / "articles"]).records
    found = {}
    for every_other in (False, True):
        detector = Detector(Options(index_every_other=every_other))
        detector.add_sources(sources)
        findings = detector.scan(posts)
        found[every_other] = (len(detector.index), {f.id for f in findings if f.verdict == "copy"})
    (all_windows, copies), (half, copies_half) = found[False], found[True]
    assert half < 0.7 * all_windows  # short posts keep their one or two windows
    assert len(copies_half) >= 0.95 * len(copies) and copies_half <= copies


@pytest.mark.parametrize("recent", [0, 1, 3, 50], ids=["all", "one", "three", "more-than-any"])
def test_an_author_s_own_candidates_are_their_latest_posts_before_the_post(recent):
    from dupfeed.engine.documents import Authors

    rng = np.random.default_rng(recent)
    keys = rng.choice(np.array([0, 11, 22, 33], dtype=np.uint32), size=300, p=[0.1, 0.6, 0.2, 0.1])
    authors = Authors([keys[:120]])
    authors.add(keys[120:].tolist())  # in pieces, as a store grows
    texts = rng.integers(0, 300, size=2000)
    owners = rng.integers(0, 300, size=2000)
    got = authors.own_recent(texts, owners, recent)
    for t, o, kept in zip(texts.tolist(), owners.tolist(), got.tolist()):
        same = keys[t] != 0 and keys[t] == keys[o]
        between = int(np.count_nonzero(keys[o:t] == keys[t])) if o < t else 0  # the author's documents from o up to t
        assert kept == (same and (recent == 0 or between <= recent)), (t, o)


@pytest.mark.parametrize("coarse", [1, 2, 8, 64])
def test_a_large_band_searched_through_its_directory_gives_the_positions_a_plain_search_gives(monkeypatch, coarse):
    monkeypatch.setattr(index_module, "_DIRECTED", 1)  # every band "large"
    monkeypatch.setattr(index_module, "_COARSE", coarse)
    rng = np.random.default_rng(coarse)
    for n, spread in [(1, 10), (7, 3), (1000, 50), (5000, 2**32)]:  # few distinct keys: long runs of equals
        keys = np.sort(rng.integers(0, spread, (2, n), dtype=np.uint64).astype(np.uint32), axis=1)
        segment = Segment(keys, np.zeros((2, n), dtype=np.uint32))
        for j in range(2):
            wanted = np.concatenate(
                [rng.integers(0, 2**32, 300, dtype=np.uint64), keys[j][rng.integers(0, n, 50)], [0, 2**32 - 1]]
            )
            wanted = np.sort(wanted.astype(np.uint32))
            assert np.array_equal(segment._first_at_least(j, wanted), np.searchsorted(keys[j], wanted))
