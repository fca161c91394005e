"""A name is found in a post's word hashes exactly where it is found in its normalised text."""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupfeed.engine.attribution import _names
from dupfeed.engine.normalize import token_hashes

CASES = [
    ("Lu dans Le Monde ce matin", "Le Monde"),
    ("Lu dans LE MONDE, ce matin", "le monde"),
    ("Merci à l'Équipe pour l'article", "L'Équipe"),
    ("Thanks to TechDaily's reporters", "TechDaily"),
    ("Great piece by @olivia and Olivia Chen", "Olivia Chen"),
    ("Nothing named here", "Le Monde"),
    ("Le Monde", ""),
    ("", "Le Monde"),
    ("Monde Le", "Le Monde"),
]


@pytest.mark.parametrize(("text", "name"), CASES, ids=[f"{t[:20]}|{n}" for t, n in CASES])
def test_a_name_in_the_word_hashes_as_in_the_text(text, name):
    assert _names(text, name, token_hashes(text)) == _names(text, name)


WORDS = st.sampled_from(["le", "Monde", "monde", "l'Équipe", "équipe", "TechDaily", "daily", "café", "cafe", "news", "#news"])


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=12), st.lists(WORDS, min_size=1, max_size=3))
def test_any_name_is_found_by_hashes_exactly_when_by_text(text_words, name_words):
    text, name = " ".join(text_words), " ".join(name_words)
    assert _names(text, name, token_hashes(text)) == _names(text, name)


def test_a_post_whose_links_a_caller_gave_as_a_list_credits_the_source_it_links_to():
    from datetime import datetime

    from dupfeed import Post, Source
    from dupfeed.engine.attribution import credits_source

    post = Post("p1", "Read this", "ann", datetime(2024, 5, 1, tzinfo=UTC), links=["https://www.example.org/a/"])
    source = Source("s1", "An article", url="http://example.org/a")
    assert credits_source(post, source)
    assert credits_source(post, source)  # asked again, from what was found the first time
