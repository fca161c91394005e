"""Normalisation: which words a text has, in a form that survives reformatting.

Golden cases pin what a reader of a feed expects two copies to have in common; the
properties pin the contracts the rest of the pipeline relies on (idempotence, spans that
slice the original text, stable hashes).
"""

from __future__ import annotations

import itertools
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dupfeed.engine.normalize import (
    normalize_text,
    normalize_token,
    token_hash,
    token_hashes,
    token_spans,
    tokenize,
    words,
)
from dupfeed.engine.reference import reference_words

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# Golden cases
# ---------------------------------------------------------------------------------------------

GOLDEN = [
    ("𝐁𝐨𝐥𝐝 hook", "bold hook", "math_bold_linkedin_hook"),
    ("𝑰𝒕𝒂𝒍𝒊𝒄 𝒉𝒐𝒐𝒌 𝗦𝗮𝗻𝘀", "italic hook sans", "math_italic_and_sans_letters"),
    ("ＡＢＣ ２０２４", "abc 2024", "fullwidth_letters_and_digits"),
    ("L’article d’Élise qu’il a lu", "article elise il a lu", "french_elisions_curly_apostrophe"),
    ("L'article d'Élise qu'il a lu", "article elise il a lu", "french_elisions_straight_apostrophe"),
    ("c’est j’ai m’a n’est s’il t’aime", "est ai a est il aime", "french_single_letter_elisions"),
    (
        "jusqu’ici lorsqu’il puisqu’on presqu’île quoiqu’elle",
        "ici il on ile elle",
        "french_long_elisions",
    ),
    ("aujourd’hui", "aujourd hui", "elision_only_at_the_start_of_a_word"),
    ("It's John's car", "it john car", "english_possessive_and_is"),
    ("we're sure they'll say I've, I'd, I'm", "we sure they say i i i", "english_clitics_straight"),
    ("we’re sure they’ll say I’ve, I’d, I’m", "we sure they say i i i", "english_clitics_curly"),
    ("read https://example.com/a?b=1 and www.site.org/x now", "read and now", "urls_are_not_words"),
    ("thanks @alice_b and @bob.c!", "thanks and", "mentions_are_not_words"),
    ("écrire à foo@bar.fr", "ecrire a foo bar fr", "email_is_not_a_mention"),
    ("#Paris2024 #JO", "paris2024 jo", "hash_mark_dropped_tag_word_kept"),
    ("Wow!!! 🎉🎉 ... so — good 👍🏽 ❤️", "wow so good", "emoji_and_punctuation_are_not_words"),
    ("Élève, garçon, naïve, ÉTÉ, señor", "eleve garcon naive ete senor", "diacritics_folded"),
    ("ﬁnal ﬂow eﬀet", "final flow effet", "ligatures_unfolded"),
    ("Straße İstanbul", "strasse istanbul", "casefold_beyond_lower"),
    ("", "", "empty_text"),
    ("🎉 !!! 👍", "", "no_words_at_all"),
]


@pytest.mark.parametrize(("text", "expected"), [g[:2] for g in GOLDEN], ids=[g[2] for g in GOLDEN])
def test_normal_form_of_feed_text(text, expected):
    assert normalize_text(text) == expected


def test_straight_and_curly_negations_normalise_alike():
    # Whatever is dropped of "n't", a copy re-typed with curly quotes must read the same.
    assert normalize_text("don't won't isn't") == normalize_text("don’t won’t isn’t")


def test_repost_with_bold_hook_emoji_and_tags_keeps_the_words_of_the_original():
    original = "Le télétravail change tout. Qu’en pensez-vous ?"
    repost = "𝐋𝐞 télétravail 𝐜𝐡𝐚𝐧𝐠𝐞 tout 🚀 Qu'en pensez-vous ? #RH @acme https://acme.fr/x"
    assert normalize_text(original) == "le teletravail change tout en pensez vous"
    assert normalize_text(repost) == normalize_text(original) + " rh"


def test_words_are_the_raw_tokens_in_order():
    assert words("L’article d’Élise, 𝐛𝐨𝐥𝐝 !") == ["article", "Élise", "𝐛𝐨𝐥𝐝"]


def test_token_spans_slice_the_original_text():
    text = "𝐁𝐨𝐥𝐝 L’article ﬁnal 🎉 d’Élise"
    spans = token_spans(text).tolist()
    assert [text[s:e] for s, e in spans] == ["𝐁𝐨𝐥𝐝", "article", "ﬁnal", "Élise"]


def test_text_without_words_has_an_empty_span_array():
    spans = token_spans("🎉 https://example.com @alice")
    assert spans.shape == (0, 2)
    assert spans.dtype == np.int64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (unicodedata.normalize("NFD", "élève"), "eleve"),  # what macOS and some sites emit
        ("𝐭𝐞\u0301𝐥𝐞\u0301𝐭𝐫𝐚𝐯𝐚𝐢𝐥", "teletravail"),  # bold generators: no bold "é" exists
    ],
    ids=["nfd_french_word", "math_bold_with_combining_accent"],
)
def test_decomposed_accents_read_like_composed_ones(text, expected):
    assert normalize_text(text) == expected


def test_modifier_letter_apostrophe_drops_clitics_like_the_curly_one():
    assert normalize_text("itʼs Johnʼs") == normalize_text("it’s John’s") == "it john"


def test_normal_form_with_modifier_letter_apostrophe_is_stable():
    once = normalize_text("quʼdʼa")
    assert normalize_text(once) == once


@pytest.mark.parametrize("raw", ["𝐁𝐨𝐥𝐝", "𝕊𝕠", "𝑰𝒕"], ids=["math_bold", "double_struck", "math_italic"])
def test_normal_form_of_a_raw_math_token_is_lower_case(raw):
    assert normalize_token(raw) == normalize_token(raw).lower()
    assert token_hash(raw) == token_hash(unicodedata.normalize("NFKC", raw).lower())


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

# Pieces a feed post is made of, weighted towards the places where normalisation is delicate:
# apostrophes next to elided articles and clitics, accents, emoji, math letters and ligatures.
_PIECES = [
    *"abcdeEfhilLmnpqrstuvxyzÀÉéèêçœßİ0123456789",
    " ",
    " ",
    " ",
    "\n",
    ".",
    ",",
    "!",
    "?",
    "-",
    "_",
    "/",
    ":",
    "#",
    "@",
    "(",
    ")",
    "…",
    "«",
    "»",
    "'",
    "’",
    "qu’",
    "l'",
    "d’",
    "jusqu'",
    "'s",
    "’re",
    "n't",
    "'ll",
    "𝐁",
    "𝐨",
    "𝐥",
    "𝐝",
    "𝒉",
    "𝗦",
    "ﬁ",
    "ﬂ",
    "ﬀ",
    "Ａ",
    "２",
    "🎉",
    "👍🏽",
    "❤️",
    "🇫🇷",
    "\u200d",
    "\u0301",
    "https://",
    "www.",
    ".fr/",
    "@alice",
]


def _feed_like_text(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=40).map("".join)


FEED_TEXT = _feed_like_text(_PIECES)


def _comparison_form(raw: str) -> str:
    return normalize_token(raw)


ANY_TEXT = st.text() | FEED_TEXT


@PROPERTY_SETTINGS
@given(ANY_TEXT)
@example("𝐁𝐨𝐥𝐝 L’article d’Élise ﬁnal 🎉")
@example("qu’qu’il")
@example("Straße ½ ⑴ ㍻")
def test_normal_form_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@PROPERTY_SETTINGS
@given(ANY_TEXT)
@example("½ ⑴ dŉ")
def test_token_spans_are_valid_ordered_slices_one_per_word(text):
    # On arbitrary text a single character may fold into several words ("½" -> "1⁄2"), so
    # spans may share that character; they still never go backwards or out of the text.
    spans = token_spans(text)
    raw = words(text)
    assert spans.shape == (len(raw), 2)
    starts, ends = spans[:, 0], spans[:, 1]
    assert np.all((starts >= 0) & (starts < ends) & (ends <= len(text)))
    assert np.all(np.diff(starts) >= 0) and np.all(np.diff(ends) >= 0)
    for (s, e), word in zip(spans.tolist(), raw):
        assert normalize_token(word) in _comparison_form(text[s:e])


@PROPERTY_SETTINGS
@given(FEED_TEXT)
@example("𝐁𝐨𝐥𝐝 ﬁnal 𝐭𝐞́𝐥𝐞́")
@example("l’𝐁𝐨𝐥𝐝 d'ﬁn")
def test_token_spans_point_at_their_word_even_in_text_that_is_not_nfkc(text):
    spans = token_spans(text).tolist()
    raw = words(text)
    assert len(spans) == len(raw)
    for (s, e), (next_s, _) in itertools.pairwise(spans):
        assert s < e <= next_s  # strictly increasing, never overlapping
    for (s, e), word in zip(spans, raw):
        assert 0 <= s < e <= len(text)
        assert _comparison_form(text[s:e]) == normalize_token(word)


@PROPERTY_SETTINGS
@given(ANY_TEXT)
def test_token_hashes_are_deterministic(text):
    first = token_hashes(text)
    normalize_token.cache_clear()
    second = token_hashes(text)
    assert first.dtype == np.uint64
    assert len(first) == len(words(text))
    np.testing.assert_array_equal(first, second)


def test_token_hash_is_a_polynomial_hash_of_the_normal_form():
    # Stable across runs and machines: no dependence on Python's salted str hash.
    mask, value = (1 << 64) - 1, 0
    for c in "eleve":
        value = (value * 0x100000001B3 + ord(c)) & mask
    value ^= 5 << 56
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        value = ((value ^ (value >> shift)) * mult) & mask
    value ^= value >> 31
    assert token_hash("Élève") == token_hash("𝐞𝐥𝐞𝐯𝐞") == value
    assert token_hashes("Élève").tolist() == [value]


def test_reformatted_copies_hash_alike():
    np.testing.assert_array_equal(
        token_hashes("𝐋’𝐀𝐫𝐭𝐢𝐜𝐥𝐞 ﬁnal d’Élise 🎉 #JO"),
        token_hashes("l'article final d'elise jo"),
    )


@PROPERTY_SETTINGS
@given(ANY_TEXT)
def test_vectorised_words_equal_the_slow_reference(text):
    assert [tuple(span) for span in token_spans(text).tolist()] == reference_words(text)


@PROPERTY_SETTINGS
@given(st.lists(ANY_TEXT, max_size=6))
def test_a_text_has_the_same_words_alone_and_in_a_batch(texts):
    _assert_same_words_alone_and_in_a_batch(texts)


def _assert_same_words_alone_and_in_a_batch(texts: list[str]) -> None:
    batch = tokenize(texts)
    for i, text in enumerate(texts):
        alone = tokenize([text])
        np.testing.assert_array_equal(batch.of(i), alone.hashes)
        span = slice(batch.offsets[i], batch.offsets[i + 1])
        assert batch.starts[span].tolist() == alone.starts.tolist()
        assert batch.ends[span].tolist() == alone.ends.tolist()


def test_a_text_larger_than_a_chunk_hashes_its_words_as_usual():
    text = "Élève 𝐁𝐨𝐥𝐝 " * 80_000  # over a million characters in one text
    hashes = token_hashes(text)
    assert len(hashes) == 160_000
    assert set(hashes.tolist()) == {token_hash("eleve"), token_hash("bold")}


@PROPERTY_SETTINGS
@given(ANY_TEXT)
@example("e\u0301\u0302ﬁ½ l’ﬃnal Straße\u0301 ㍻")
def test_vectorised_hashes_equal_the_hash_of_each_word_alone(text):
    # The batch hashes words from per-character fold hashes; the slow path from the normal form.
    assert token_hashes(text).tolist() == [token_hash(word) for word in words(text)]


def test_texts_across_chunk_boundaries_have_the_same_words_as_alone():
    rng = np.random.default_rng(7)
    texts = ["".join(rng.choice(_PIECES, size=int(rng.integers(0, 60)))) for _ in range(4000)]
    assert sum(map(len, texts)) > 2 * (1 << 16)  # several chunks
    _assert_same_words_alone_and_in_a_batch(texts)
