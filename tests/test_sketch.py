"""MinHash signatures, of whole texts and of windows, equal datasketch's affine32 bit for bit."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dupfeed.engine.normalize import token_hashes, words
from dupfeed.engine.shingle import batch_shingles
from dupfeed.engine.sketch import EMPTY, MinHasher, permutations

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


@lru_cache(maxsize=64)
def _empty_datasketch(num_perm: int, seed: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=lambda x: x)


def datasketch_signature(hashes32, num_perm: int, seed: int) -> np.ndarray:
    """The reference: datasketch 2.x, identity hash function, fed the same 32-bit hashes."""
    m = _empty_datasketch(num_perm, seed).copy()  # copying skips redrawing the permutations
    m.update_batch([int(h) for h in hashes32])
    return m.hashvalues


def _batch(lengths: list[int], rng_seed: int = 2024) -> tuple[np.ndarray, np.ndarray]:
    """Random 32-bit shingle hashes for texts of the given lengths, with their offsets."""
    rng = np.random.default_rng(rng_seed)
    hashes = rng.integers(0, 1 << 32, size=sum(lengths), dtype=np.uint32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return hashes, offsets


def reference_windows(n: int, window: int, stride: int) -> list[tuple[int, int]]:
    """Windows of a text of ``n`` shingles, the obvious way: ``window`` shingles every ``stride``
    until one reaches the end; a text no longer than one window is one window."""
    if n == 0:
        return []
    out = []
    start = 0
    while True:
        out.append((start, min(start + window, n)))
        if start + window >= n:
            return out
        start += stride


# ---------------------------------------------------------------------------------------------
# Permutations
# ---------------------------------------------------------------------------------------------

PERM_CASES = [(1, 1), (16, 1), (128, 1), (128, 42), (256, 7), (128, 0)]


@pytest.mark.parametrize(("num_perm", "seed"), PERM_CASES, ids=[f"n{n}_seed{s}" for n, s in PERM_CASES])
def test_permutations_equal_datasketch_affine32(num_perm, seed):
    a, b = permutations(num_perm, seed)
    theirs = MinHash(num_perm, seed, scheme="affine32").permutations
    assert a.dtype == b.dtype == np.uint32
    np.testing.assert_array_equal(a, theirs[0])
    np.testing.assert_array_equal(b, theirs[1])
    assert np.all(a & np.uint32(1) == 1)  # odd multipliers: each permutation is a bijection


# ---------------------------------------------------------------------------------------------
# Whole-text signatures
# ---------------------------------------------------------------------------------------------

SIGNATURE_CASES = [(16, 1), (128, 1), (128, 42), (64, 7)]
LENGTHS = [0, 1, 2, 3, 60, 1000, 0]


@pytest.mark.parametrize(("num_perm", "seed"), SIGNATURE_CASES, ids=[f"n{n}_seed{s}" for n, s in SIGNATURE_CASES])
def test_text_signatures_equal_datasketch_bit_for_bit(num_perm, seed):
    hashes, offsets = _batch(LENGTHS)
    sigs = MinHasher(num_perm, seed).signatures(hashes, offsets)
    assert sigs.shape == (len(LENGTHS), num_perm) and sigs.dtype == np.uint32
    for i in range(len(LENGTHS)):
        np.testing.assert_array_equal(
            sigs[i], datasketch_signature(hashes[offsets[i] : offsets[i + 1]], num_perm, seed), err_msg=f"text {i}"
        )


def test_text_without_shingles_has_the_empty_signature():
    hashes, offsets = _batch([0, 5, 0])
    sigs = MinHasher(32, 1).signatures(hashes, offsets)
    assert np.all(sigs[0] == EMPTY) and np.all(sigs[2] == EMPTY)
    np.testing.assert_array_equal(sigs[0], MinHash(32, 1, scheme="affine32").hashvalues)


def test_signatures_of_a_large_uneven_batch_equal_datasketch():
    lengths = [(1 << 15) - 3, 10, 1 << 14, 1]
    hashes, offsets = _batch(lengths, rng_seed=7)
    sigs = MinHasher(16, 3).signatures(hashes, offsets)
    for i in range(len(lengths)):
        np.testing.assert_array_equal(sigs[i], datasketch_signature(hashes[offsets[i] : offsets[i + 1]], 16, 3))


def test_a_batch_of_many_cache_slices_signs_like_datasketch_text_by_text_and_window_by_window():
    # Hashes are permuted a slice of about 2**16 at a time: texts on either side of a cut,
    # and one text longer than a slice, sign as they would alone.
    lengths = [*np.random.default_rng(11).integers(0, 4000, 60).tolist(), 70_000, 0, 5]
    hashes, offsets = _batch(lengths, rng_seed=11)
    hasher = MinHasher(8, 5)
    sigs = hasher.signatures(hashes, offsets)
    sk = hasher.sketch(hashes, offsets, window=3000, stride=1000)
    np.testing.assert_array_equal(sk.texts, sigs)
    for i in range(len(lengths)):
        np.testing.assert_array_equal(sigs[i], datasketch_signature(hashes[offsets[i] : offsets[i + 1]], 8, 5))
    for w in range(0, len(sk.window_owner), 7):
        i = sk.window_owner[w]
        start = offsets[i] + (w - sk.window_first[i]) * 1000
        end = min(start + 3000, offsets[i + 1])
        np.testing.assert_array_equal(sk.windows[w], datasketch_signature(hashes[start:end], 8, 5))


@PROPERTY_SETTINGS
@given(
    st.lists(st.lists(st.integers(0, (1 << 32) - 1), max_size=20), min_size=1, max_size=5),
    st.integers(1, 40),
    st.integers(0, 2**31 - 1),
)
def test_any_batch_signs_like_datasketch(texts, num_perm, seed):
    hashes = np.array([h for text in texts for h in text], dtype=np.uint32)
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in texts])])
    sigs = MinHasher(num_perm, seed).signatures(hashes, offsets)
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(sigs[i], datasketch_signature(text, num_perm, seed))


# ---------------------------------------------------------------------------------------------
# Window signatures
# ---------------------------------------------------------------------------------------------

WINDOW_CASES = [(50, 25), (25, 25), (50, 50), (40, 20), (40, 10)]
WINDOW_LENGTHS = [0, 1, 24, 25, 26, 49, 50, 51, 75, 100, 110, 333, 0]


@pytest.mark.parametrize(("window", "stride"), WINDOW_CASES, ids=[f"window{w}_stride{s}" for w, s in WINDOW_CASES])
def test_window_signatures_equal_datasketch_on_the_window_slice(window, stride):
    num_perm, seed = 32, 1
    hashes, offsets = _batch(WINDOW_LENGTHS, rng_seed=11)
    sk = MinHasher(num_perm, seed).sketch(hashes, offsets, window=window, stride=stride)

    expected_owner = []
    expected_sigs = []
    for i, n in enumerate(WINDOW_LENGTHS):
        for start, end in reference_windows(n, window, stride):
            expected_owner.append(i)
            expected_sigs.append(datasketch_signature(hashes[offsets[i] + start : offsets[i] + end], num_perm, seed))

    assert sk.window_owner.tolist() == expected_owner
    counts = [len(reference_windows(n, window, stride)) for n in WINDOW_LENGTHS]
    assert sk.window_first.tolist() == np.concatenate([[0], np.cumsum(counts)]).tolist()
    assert sk.windows.shape == (len(expected_sigs), num_perm)
    for w, expected in enumerate(expected_sigs):
        np.testing.assert_array_equal(sk.windows[w], expected, err_msg=f"window {w} of text {expected_owner[w]}")


@PROPERTY_SETTINGS
@given(
    st.lists(st.integers(0, 130), min_size=1, max_size=6),
    st.integers(1, 30),
    st.integers(1, 4),
    st.integers(0, 1000),
)
def test_any_windowing_signs_each_window_like_datasketch(lengths, stride, span, seed):
    window = stride * span
    hashes, offsets = _batch(lengths, rng_seed=seed)
    sk = MinHasher(8, seed).sketch(hashes, offsets, window=window, stride=stride)
    w = 0
    for i, n in enumerate(lengths):
        expected = reference_windows(n, window, stride)
        assert sk.window_first[i] == w and sk.window_first[i + 1] == w + len(expected)
        for start, end in expected:
            assert sk.window_owner[w] == i
            np.testing.assert_array_equal(
                sk.windows[w], datasketch_signature(hashes[offsets[i] + start : offsets[i] + end], 8, seed)
            )
            w += 1
    assert len(sk.windows) == w


@pytest.mark.parametrize(("window", "stride"), WINDOW_CASES, ids=[f"window{w}_stride{s}" for w, s in WINDOW_CASES])
def test_text_signature_is_the_minimum_of_its_windows(window, stride):
    hashes, offsets = _batch(WINDOW_LENGTHS, rng_seed=5)
    sk = MinHasher(32, 9).sketch(hashes, offsets, window=window, stride=stride)
    np.testing.assert_array_equal(sk.texts, MinHasher(32, 9).signatures(hashes, offsets))
    for i in range(len(WINDOW_LENGTHS)):
        own = sk.windows[sk.window_first[i] : sk.window_first[i + 1]]
        if len(own):
            np.testing.assert_array_equal(own.min(axis=0), sk.texts[i])
        else:
            assert np.all(sk.texts[i] == EMPTY)


def test_without_windows_each_text_is_its_own_window():
    hashes, offsets = _batch([3, 0, 80])
    sk = MinHasher(16, 1).sketch(hashes, offsets, window=None, stride=None)
    assert sk.window_owner.tolist() == [0, 2]
    np.testing.assert_array_equal(sk.windows, sk.texts[[0, 2]])


# ---------------------------------------------------------------------------------------------
# Golden value
# ---------------------------------------------------------------------------------------------

GOLDEN_TEXT = (
    "🚀 𝐋’𝐈𝐀 𝐠é𝐧é𝐫𝐚𝐭𝐢𝐯𝐞 change tout : l’équipe d’Élise a divisé par deux "
    "le temps de réponse 👉 qu’en pensez-vous ? #IA #innovation 🇫🇷✨"
)


def test_golden_signature_of_a_french_emoji_post_is_unchanged():
    # Obtained once (datasketch 2.0.0 agreed) by running exactly this pipeline:
    #   token_hashes(GOLDEN_TEXT) -> batch_shingles(k=3) -> .astype(uint32) (as the detector
    #   does) -> MinHasher(num_perm=128, seed=1).signatures(...)[0][:4]
    # A change here means the tokens, token hashes, shingle mixing or permutations changed,
    # and every stored signature or index built before the change is incompatible with it.
    # Recomputed when words came to be hashed in numpy (polynomial hash of the folded code
    # points, see normalize.tokenize) instead of blake2b per word, and shingles mixed once
    # instead of after every word.
    assert len(words(GOLDEN_TEXT)) == 19
    tokens = token_hashes(GOLDEN_TEXT)
    assert tokens[:2].tolist() == [7173299250618266751, 13269196600028815767]
    hashes, offsets = batch_shingles([tokens], 3)
    assert offsets.tolist() == [0, 17]
    assert hashes[:2].tolist() == [14437336904239951056, 16624966822550002104]
    sig = MinHasher(num_perm=128, seed=1).signatures(hashes.astype(np.uint32), offsets)[0]
    assert sig[:4].tolist() == [371891215, 284145526, 20897185, 517799120]
