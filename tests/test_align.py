"""Copied passages between two texts: one passage per copied paragraph, none between strangers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dupfeed.engine.align import _MAX_OCCURRENCES, Passage, absorb_short, aligned_words, fragments, merge_parallel, passages
from dupfeed.engine.normalize import token_hashes, words
from dupfeed.engine.shingle import text_shingles
from dupfeed.options import Options

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

K = Options().shingle_size
MAX_GAP = Options().max_gap

PARAGRAPH = (
    "Le conseil municipal a voté mardi soir la rénovation complète de la piscine olympique, "
    "fermée depuis trois ans faute de crédits, pour un montant de douze millions d’euros "
    "financés en partie par la région et l’État."
)
BEFORE = (
    "Dans un communiqué publié lundi, la mairie rappelle que les travaux de voirie reprendront "
    "en septembre après la pause estivale."
)
AFTER = (
    "Les associations sportives saluent une décision attendue depuis longtemps, même si "
    "certaines regrettent le calendrier retenu par la majorité."
)
ARTICLE = f"{BEFORE} {PARAGRAPH} {AFTER}"
POST_INTRO = "Enfin une bonne nouvelle 🎉🏊 !"
POST_OUTRO = "Qu’en pensez-vous ? #piscine #sport @mairie"
UNRELATED = (
    "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm windowsill "
    "of an old farmhouse near the river bank, far from the noisy city."
)


def find_passages(post: str, other: str, *, k: int = K, max_gap: int = MAX_GAP) -> list[Passage]:
    return passages(
        text_shingles(token_hashes(post), k),
        text_shingles(token_hashes(other), k),
        k=k,
        post_words=len(words(post)),
        other_words=len(words(other)),
        max_gap=max_gap,
        max_insertion=max_gap,
    )


def _words_of(text: str) -> int:
    return len(words(text))


def test_verbatim_paragraph_inside_other_text_is_one_passage():
    post = f"{POST_INTRO} {PARAGRAPH} {POST_OUTRO}"
    found = find_passages(post, ARTICLE)
    n = _words_of(PARAGRAPH)
    intro, before = _words_of(POST_INTRO), _words_of(BEFORE)
    assert found == [Passage(intro, intro + n, before, before + n, matched=n)]


# (replacements, words of the post that no exact fragment covers, id)
EDITS = [
    ({"mardi soir": "hier soir"}, 1, "one_word_changed"),
    ({"mardi soir": "hier soir", "complète": "totale"}, 2, "two_words_changed_apart"),
    ({"douze millions": "treize milliards"}, 2, "two_adjacent_words_changed"),
    ({"olympique,": "olympique du centre-ville,"}, 3, "clause_inserted"),
    ({"fermée depuis trois ans faute de crédits, ": ""}, 0, "clause_deleted"),
    ({"Le conseil": "𝐋𝐞 𝐜𝐨𝐧𝐬𝐞𝐢𝐥", "l’État": "l'ÉTAT"}, 0, "reformatted_not_reworded"),
]


@pytest.mark.parametrize(("edits", "uncovered"), [e[:2] for e in EDITS], ids=[e[2] for e in EDITS])
def test_lightly_edited_paragraph_is_still_one_passage(edits, uncovered):
    edited = PARAGRAPH
    for old, new in edits.items():
        assert old in edited
        edited = edited.replace(old, new)
    post = f"{POST_INTRO} {edited} {POST_OUTRO}"
    found = find_passages(post, ARTICLE)
    assert len(found) == 1, found
    (p,) = found
    intro, before = _words_of(POST_INTRO), _words_of(BEFORE)
    # Starts and ends where the paragraph does, in both texts, edits or not.
    assert (p.post_start, p.post_end) == (intro, intro + _words_of(edited))
    assert (p.match_start, p.match_end) == (before, before + _words_of(PARAGRAPH))
    assert p.matched == p.post_end - p.post_start - uncovered


def test_unrelated_texts_share_no_passage():
    assert find_passages(UNRELATED, ARTICLE) == []
    assert find_passages(f"{POST_INTRO} {POST_OUTRO}", ARTICLE) == []


def test_two_copied_paragraphs_far_apart_are_two_passages():
    post = f"{BEFORE} {UNRELATED} {AFTER}"
    found = find_passages(post, ARTICLE)
    assert [(p.post_start, p.post_end) for p in found] == [
        (0, _words_of(BEFORE)),
        (_words_of(BEFORE) + _words_of(UNRELATED), _words_of(post)),
    ]


def test_post_shorter_than_a_shingle_matches_only_an_equally_short_text():
    found = find_passages("piscine olympique", "la piscine olympique", k=3)
    # A 2-word post has one padded shingle, which a longer text never has: no passage.
    assert found == []
    assert find_passages("piscine olympique", "piscine olympique", k=3) == [Passage(0, 2, 0, 2, 2)]


# ---------------------------------------------------------------------------------------------
# Bounds, on random texts
# ---------------------------------------------------------------------------------------------

# A small vocabulary so that random texts share shingles often.
SMALL_TEXT = st.lists(st.integers(0, 5), max_size=40)


@PROPERTY_SETTINGS
@given(SMALL_TEXT, SMALL_TEXT, st.integers(1, 4), st.integers(0, 8))
@example([1, 2, 3, 4], [1, 2, 3, 4], 3, 0)
@example([1, 2], [1, 2], 3, 8)
def test_passage_word_ranges_lie_within_both_texts(post_words, other_words, k, max_gap):
    post = text_shingles(np.array(post_words, dtype=np.uint64), k)
    other = text_shingles(np.array(other_words, dtype=np.uint64), k)
    found = passages(
        post, other, k=k, post_words=len(post_words), other_words=len(other_words), max_gap=max_gap, max_insertion=max_gap
    )
    for p in found:
        assert 0 <= p.post_start < p.post_end <= len(post_words)
        assert 0 <= p.match_start < p.match_end <= len(other_words)
        assert 0 < p.matched <= p.post_end - p.post_start
    assert [p.post_start for p in found] == sorted(p.post_start for p in found)


@PROPERTY_SETTINGS
@given(st.data(), st.integers(1, 4), st.integers(0, 20), st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))
def test_copied_run_with_one_changed_word_is_one_passage_at_its_place(data, k, pre_post, post_post, pre_other, post_other):
    # Disjoint vocabularies: the copied paragraph is the only thing the two texts share.
    paragraph = data.draw(st.lists(st.integers(1000, 10**6), min_size=2 * k + 1, max_size=40, unique=True))
    changed_at = data.draw(st.integers(k, len(paragraph) - k - 1))
    edited = paragraph.copy()
    edited[changed_at] = 5  # a word found nowhere else
    post_words = list(range(10, 10 + pre_post)) + edited + list(range(100, 100 + post_post))
    other_words = list(range(200, 200 + pre_other)) + paragraph + list(range(300, 300 + post_other))
    found = passages(
        text_shingles(np.array(post_words, dtype=np.uint64), k),
        text_shingles(np.array(other_words, dtype=np.uint64), k),
        k=k,
        post_words=len(post_words),
        other_words=len(other_words),
        max_gap=1,
        max_insertion=1,
    )
    n = len(paragraph)
    assert found == [Passage(pre_post, pre_post + n, pre_other, pre_other + n, matched=n - 1)]


# ---------------------------------------------------------------------------------------------
# fragments() against a brute-force reference
# ---------------------------------------------------------------------------------------------


def reference_fragments(post: list[int], other: list[int]) -> list[tuple[int, int, int]]:
    """Every maximal diagonal run of equal shingles, by looking at every pair of positions.

    A shingle found more than ``_MAX_OCCURRENCES`` times in ``other`` seeds nothing.
    """
    common = {h for h in other if other.count(h) <= _MAX_OCCURRENCES}

    def seed(i: int, j: int) -> bool:
        return 0 <= i < len(post) and 0 <= j < len(other) and post[i] == other[j] and post[i] in common

    out = []
    for i in range(len(post)):
        for j in range(len(other)):
            if seed(i, j) and not seed(i - 1, j - 1):
                end = i
                while seed(end, j + end - i):
                    end += 1
                out.append((i, end, j))
    return sorted(out)


SHINGLES = st.lists(st.integers(0, 4), max_size=25)


@PROPERTY_SETTINGS
@given(SHINGLES, SHINGLES)
@example([], [])
@example([1, 2, 3], [])
@example([7] * 3, [7] * 9)  # too common in `other`: dropped
@example([7] * 3, [7] * 8)  # just common enough: kept
@example([1, 2, 3, 1, 2, 3], [0, 1, 2, 3, 9, 1, 2, 3])
def test_fragments_equal_brute_force(post, other):
    got = fragments(np.array(post, dtype=np.uint64), np.array(other, dtype=np.uint64))
    assert got.shape[1] == 3
    assert sorted(map(tuple, got.tolist())) == reference_fragments(post, other)


def test_fragments_of_identical_texts_is_the_main_diagonal():
    shingles = np.arange(10, 30, dtype=np.uint64)
    assert fragments(shingles, shingles).tolist() == [[0, 20, 0]]


def test_fragment_columns_are_post_start_post_end_match_start():
    post = np.array([100, 1, 2, 3, 200], dtype=np.uint64)
    other = np.array([9, 9, 1, 2, 3], dtype=np.uint64)
    assert fragments(post, other).tolist() == [[1, 4, 2]]


def test_a_clause_inserted_into_a_copied_paragraph_leaves_one_passage():
    paragraph = words(ARTICLE)[:40]
    clause = "and then, as everybody here already knows very well from the long and tiring meetings of last year".split()
    post = " ".join(paragraph[:20] + clause + paragraph[20:])
    found = passages(
        text_shingles(token_hashes(post), K),
        text_shingles(token_hashes(" ".join(paragraph)), K),
        k=K,
        post_words=len(words(post)),
        other_words=40,
        max_gap=MAX_GAP,
        max_insertion=2 * MAX_GAP,
    )
    assert [(p.post_start, p.post_end, p.match_start, p.match_end) for p in found] == [(0, 40 + len(clause), 0, 40)]
    assert aligned_words(found, len(words(post))).sum() == 40  # the clause is covered, not copied


def _passage(post_start: int, match_start: int, n: int) -> Passage:
    """``n`` words copied one to one: post words from ``post_start``, matched from ``match_start``."""
    return Passage(post_start, post_start + n, match_start, match_start + n, n, [(post_start, post_start + n, match_start)])


@pytest.mark.parametrize(
    ("second", "one"),
    [
        (_passage(50, 52, 20), True),  # 20 words rewritten in the post where the other text has 22: one part
        (_passage(50, 120, 20), False),  # the other text goes on far longer than the post: two parts
        (_passage(50, 0, 20), False),  # before the first in the other text: not in line
        (_passage(80, 82, 20), False),  # gaps of 50 words, longer than both passages together
    ],
)
def test_passages_in_line_in_both_texts_with_gaps_alike_are_one_paraphrased_passage(second, one):
    first = _passage(0, 0, 30)
    found = merge_parallel([second, first], Options().parallel_gap_ratio, -1)
    assert len(found) == (1 if one else 2)
    # The rewritten words between are covered by the span, never counted as copied.
    assert aligned_words(found, 100).sum() == 50
    if one:
        assert (found[0].post_start, found[0].post_end, found[0].match_start, found[0].match_end) == (0, 70, 0, 72)
    assert len(merge_parallel([first, second], 0, Options().max_gap)) == 2, "0 turns it off"


@pytest.mark.parametrize(
    ("second", "one"),
    [
        (_passage(75, 30, 20), True),  # 45 words of the post's own inside a passage the other text has whole
        (_passage(75, 26, 20), True),  # the second part starts a few words back in the other text
        (_passage(75, 40, 20), True),  # ... or a few words on: 10 skipped there
        (_passage(75, 50, 20), False),  # 20 skipped there and 45 added here: gaps not alike, two parts
        (_passage(90, 30, 20), False),  # 60 words of its own: longer than both passages together
        (_passage(75, 5, 20), False),  # the other text's words again, not going on: two parts
    ],
    ids=["continues", "overlaps", "skips-a-few", "skips-many", "too-long", "not-going-on"],
)
def test_a_post_s_own_words_inserted_into_a_copied_passage_leave_it_one_passage(second, one):
    first = _passage(0, 0, 30)
    found = merge_parallel([first, second], Options().parallel_gap_ratio, Options().max_gap)
    assert len(found) == (1 if one else 2)
    assert aligned_words(found, 200).sum() == 50  # the inserted words are never counted as copied
    assert len(merge_parallel([first, second], Options().parallel_gap_ratio, -1)) == 2, "without it, gaps must be alike"


def test_a_short_passage_beside_a_long_one_joins_it_and_two_short_ones_stay_apart():
    long, near, far = _passage(0, 100, 30), _passage(40, 3, 4), _passage(90, 7, 4)
    found = absorb_short([far, long, near], Options().min_passage_words)
    assert [(p.post_start, p.post_end) for p in found] == [(0, 44), (90, 94)]
    assert aligned_words(found, 100).sum() == 38
    assert len(absorb_short([_passage(0, 0, 4), _passage(6, 50, 4)], Options().min_passage_words)) == 2
