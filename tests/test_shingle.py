"""The vectorised batch shingler against the slow, obvious reference beside it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dupfeed.engine.normalize import token_hashes
from dupfeed.engine.reference import reference_shingles
from dupfeed.engine.shingle import batch_shingles, shingle_counts, text_shingles

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

UINT64 = st.integers(min_value=0, max_value=(1 << 64) - 1)
# Extremes of the range are where wrapping arithmetic goes wrong first.
TOKEN = UINT64 | st.sampled_from([0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1])
TEXT = st.lists(TOKEN, max_size=12)
BATCH = st.lists(TEXT, max_size=8)
K = st.integers(min_value=1, max_value=6)


def _as_arrays(batch: list[list[int]]) -> list[np.ndarray]:
    return [np.array(text, dtype=np.uint64) for text in batch]


def _check_against_reference(batch: list[list[int]], k: int) -> None:
    hashes, offsets = batch_shingles(_as_arrays(batch), k)
    assert hashes.dtype == np.uint64
    assert len(offsets) == len(batch) + 1
    assert offsets[0] == 0 and offsets[-1] == len(hashes)
    lengths = np.array([len(text) for text in batch], dtype=np.int64)
    np.testing.assert_array_equal(np.diff(offsets), shingle_counts(lengths, k))
    for i, text in enumerate(batch):
        assert hashes[offsets[i] : offsets[i + 1]].tolist() == reference_shingles(text, k)


@PROPERTY_SETTINGS
@given(BATCH, K)
@example([], 3)
@example([[], [], []], 3)
@example([[1], [], [2, 3]], 3)
@example([[(1 << 64) - 1] * 7, [], [0] * 2], 6)
def test_batch_shingles_equal_the_reference(batch, k):
    _check_against_reference(batch, k)


@PROPERTY_SETTINGS
@given(BATCH, K, st.data())
def test_a_texts_shingles_do_not_depend_on_its_neighbours_in_the_batch(batch, k, data):
    arrays = _as_arrays(batch)
    hashes, offsets = batch_shingles(arrays, k)
    if not arrays:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(arrays) - 1), label="text")
    np.testing.assert_array_equal(hashes[offsets[i] : offsets[i + 1]], text_shingles(arrays[i], k))


BATCH_CASES = [
    ([], 3, "empty_batch"),
    ([[]], 3, "one_empty_text"),
    ([[], [], []], 2, "only_empty_texts"),
    ([[7]], 3, "one_word_shorter_than_k"),
    ([[7, 8]], 3, "two_words_shorter_than_k"),
    ([[7, 8, 9]], 3, "exactly_k_words"),
    ([[7, 8, 9, 10, 11]], 3, "longer_than_k"),
    ([[5, 6, 7]], 1, "k_one_is_unigrams"),
    ([[1, 2], [], [3, 4, 5, 6], [9]], 3, "mixed_lengths_with_an_empty_text"),
]


@pytest.mark.parametrize(("batch", "k"), [c[:2] for c in BATCH_CASES], ids=[c[2] for c in BATCH_CASES])
def test_batch_shingles_table(batch, k):
    _check_against_reference(batch, k)


COUNT_CASES = [
    (0, 3, 0, "no_words_no_shingle"),
    (1, 3, 1, "shorter_than_k_has_one_shingle"),
    (2, 3, 1, "one_short_of_k_has_one_shingle"),
    (3, 3, 1, "exactly_k_has_one_shingle"),
    (10, 3, 8, "n_minus_k_plus_one"),
    (10, 1, 10, "unigrams_one_per_word"),
]


@pytest.mark.parametrize(("n_words", "k", "expected"), [c[:3] for c in COUNT_CASES], ids=[c[3] for c in COUNT_CASES])
def test_shingle_counts(n_words, k, expected):
    assert shingle_counts(np.array([n_words]), k).tolist() == [expected]


def test_short_post_shingle_differs_from_a_longer_texts_first_shingle():
    # A short post's single shingle pads with zeros; it must not collide with a real shingle
    # that merely starts with the same words.
    short = text_shingles(np.array([11, 22], dtype=np.uint64), 3)
    longer = text_shingles(np.array([11, 22, 33], dtype=np.uint64), 3)
    assert short[0] != longer[0]


def test_shingle_order_matters():
    forward = text_shingles(np.array([1, 2, 3], dtype=np.uint64), 3)
    backward = text_shingles(np.array([3, 2, 1], dtype=np.uint64), 3)
    assert forward[0] != backward[0]


def test_shingles_of_reformatted_copies_are_equal():
    original = "L’article d’Élise sur le télétravail 🚀 change tout"
    repost = "𝐋’𝐚𝐫𝐭𝐢𝐜𝐥𝐞 d'Elise sur le TÉLÉTRAVAIL change tout !!! #RH"
    a = text_shingles(token_hashes(original), 3)
    b = text_shingles(token_hashes(repost), 3)
    np.testing.assert_array_equal(b[: len(a)], a)
