"""Shingle counts across posts, and which recurring words are common text."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dupfeed.engine.common_text import AuthorCounts, ShingleCounts, common_words, sum_runs


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sets(st.integers(0, 40), max_size=12), min_size=1, max_size=4), max_size=30))
def test_counts_equal_a_plain_counter_however_posts_arrive_in_batches(batches):
    counts, expected = ShingleCounts(), Counter()
    spread = np.uint64(1 << 40) + np.uint64(1)  # small numbers made to look like mixed 64-bit hashes
    for batch in batches:
        counts.add([np.array(sorted(post), dtype=np.uint64) * spread for post in batch])
        for post in batch:
            expected.update(post)
    queried = np.arange(45, dtype=np.uint64) * spread
    assert counts.count(queried).tolist() == [expected[i] for i in range(45)]
    assert counts.total() == sum(expected.values())


def test_short_recurring_run_is_common_text_but_a_post_copied_whole_is_not():
    footer = np.zeros(30, dtype=bool)
    footer[24:28] = True  # a recurring run of 4 shingles (6 words) at the end of a 30-word post
    assert common_words(footer, 30, 3, 25).nonzero()[0].tolist() == list(range(24, 30))
    whole = np.ones(28, dtype=bool)  # every shingle of the post recurs: a viral copy
    assert not common_words(whole, 30, 3, 25).any()


def test_a_recurring_phrase_is_common_text_wherever_it_sits():
    middle = np.zeros(38, dtype=bool)
    middle[15:19] = True  # a campaign tagline mid-post: words 15..20 of 40
    assert common_words(middle, 40, 3, 25).nonzero()[0].tolist() == list(range(15, 21))
    opening = np.zeros(38, dtype=bool)
    opening[0:3] = True  # the same phrase opening the post, like a recurring hook
    assert common_words(opening, 40, 3, 25).nonzero()[0].tolist() == list(range(5))


def test_a_short_post_that_is_wholly_a_recurring_formula_is_common_text():
    greeting = np.ones(6, dtype=bool)  # an 8-word stock greeting found in many posts
    assert common_words(greeting, 8, 3, 25).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sets(st.integers(0, 30), max_size=10), st.integers(0, 4)), max_size=4), max_size=25))
def test_author_counts_equal_distinct_authors_however_posts_arrive(batches):
    counts, seen = AuthorCounts(), set()
    spread = np.uint64(1 << 40) + np.uint64(1)
    for batch in batches:
        counts.add([np.array(sorted(s), dtype=np.uint64) * spread for s, _ in batch], [a for _, a in batch])
        seen.update((shingle, author) for s, author in batch for shingle in s)
    queried = np.arange(35, dtype=np.uint64) * spread
    assert counts.count(queried).tolist() == [sum(1 for s, _ in seen if s == i) for i in range(35)]


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.integers(0, 200), max_size=60),
    st.sets(st.integers(0, 200), max_size=60),
    st.integers(1, 25),
    st.integers(0, 2**16),
)
def test_merging_two_runs_a_part_at_a_time_equals_counting_them_together(older, newer, part, seed):
    import dupfeed.engine.space as space

    rng = np.random.default_rng(seed)
    a, b = np.array(sorted(older), dtype=np.uint32), np.array(sorted(newer), dtype=np.uint32)
    a_counts, b_counts = (rng.integers(1, 1000, len(x)).astype(np.uint32) for x in (a, b))
    original = space.MERGE_PART
    space.MERGE_PART = part  # parts of every size, down to one key
    try:
        keys, counts = space.merge_sorted(a, b, a_counts, b_counts)
        plain, _ = space.merge_sorted(a, b)
    finally:
        space.MERGE_PART = original
    if len(a) + len(b):
        want_keys, want_counts = sum_runs([(a, a_counts), (b, b_counts)])
        assert np.array_equal(keys, want_keys) and keys.dtype == want_keys.dtype
        assert np.array_equal(counts, want_counts) and counts.dtype == np.uint32
    assert np.array_equal(plain, np.union1d(a, b).astype(np.uint32))
