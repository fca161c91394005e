"""URLs in posts: found without the punctuation around them, compared in canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupfeed.urls import canonical_url, extract_urls, host_of

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

CANONICAL = [
    ("HTTP://WWW.Example.COM/Path", "https://example.com/Path", "scheme_and_host_lower_cased_path_kept"),
    ("http://example.com/a", "https://example.com/a", "http_and_https_are_one"),
    ("https://www.example.com/a", "https://example.com/a", "www_dropped"),
    ("https://example.com/a/", "https://example.com/a", "trailing_slash_dropped"),
    ("https://example.com/", "https://example.com", "root_slash_dropped"),
    ("https://example.com:443/a", "https://example.com/a", "default_https_port_dropped"),
    ("http://example.com:80/a", "https://example.com/a", "default_http_port_dropped"),
    ("https://example.com:8080/a", "https://example.com:8080/a", "other_port_kept"),
    ("example.com/a", "https://example.com/a", "no_scheme"),
    ("www.example.com/a", "https://example.com/a", "bare_www"),
    (
        "https://example.com/a?utm_source=li&utm_medium=social&utm_campaign=x",
        "https://example.com/a",
        "utm_parameters_removed",
    ),
    ("https://example.com/a?UTM_Source=li&id=7", "https://example.com/a?id=7", "utm_case_insensitive"),
    ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a", "fbclid_removed"),
    ("https://example.com/a?gclid=Cj0K&id=7", "https://example.com/a?id=7", "gclid_removed"),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2", "other_parameters_kept_and_sorted"),
    ("https://example.com/a?b=2&a=3&a=1", "https://example.com/a?a=1&a=3&b=2", "repeated_parameters_all_kept"),
    ("https://example.com/a?x=", "https://example.com/a?x=", "blank_parameter_kept"),
    ("https://example.com/a#section-2", "https://example.com/a", "fragment_dropped"),
    (
        "https://www.lemonde.fr/economie/article/2024/05/02/l-ia.html?utm_source=x&xtor=RSS#comments",
        "https://lemonde.fr/economie/article/2024/05/02/l-ia.html?xtor=RSS",
        "everything_at_once",
    ),
    ("  https://example.com/a \n", "https://example.com/a", "surrounding_space_stripped"),
]


@pytest.mark.parametrize(("url", "expected"), [c[:2] for c in CANONICAL], ids=[c[2] for c in CANONICAL])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_two_shares_of_one_article_compare_equal():
    shared_on_linkedin = "https://www.Example.com/blog/post/?utm_source=linkedin&utm_medium=social#top"
    shared_on_facebook = "http://example.com/blog/post?fbclid=IwAR2xyz"
    assert canonical_url(shared_on_linkedin) == canonical_url(shared_on_facebook)


def test_host_of_drops_www_and_case():
    assert host_of("HTTPS://WWW.LeMonde.fr/a?b=1") == "lemonde.fr"
    assert host_of("www.example.com") == "example.com"


_SEGMENT = st.text(alphabet="abcXYZ019-_.~é", min_size=1, max_size=8).filter(lambda s: s not in {".", ".."})
_PARAM = st.text(alphabet="abcxyz", min_size=1, max_size=4)
_VALUE = st.text(alphabet="abcXYZ019-", max_size=4)


@st.composite
def messy_urls(draw) -> tuple[str, str]:
    """A URL as it might be shared, and the same link written plainly."""
    host = draw(st.sampled_from(["example.com", "lemonde.fr", "sub.site.org"]))
    path = "/".join(draw(st.lists(_SEGMENT, max_size=3)))
    params = draw(st.lists(st.tuples(_PARAM, _VALUE), max_size=3))
    tracking = draw(st.lists(st.sampled_from(["utm_source=x", "utm_Medium=y", "fbclid=z", "gclid=w"]), max_size=3))
    query = [f"{k}={v}" for k, v in params]
    plain = f"https://{host}/{path}" + (f"?{'&'.join(query)}" if query else "")

    scheme = draw(st.sampled_from(["http://", "https://", "HTTPS://", ""]))
    www = draw(st.sampled_from(["", "www.", "WWW."]))
    shown_host = draw(st.sampled_from([host, host.upper(), host.title()]))
    mixed = draw(st.permutations(query + tracking))
    slash = draw(st.sampled_from(["", "/"])) if path else ""
    fragment = draw(st.sampled_from(["", "#top", "#:~:text=abc"]))
    shared = f"{scheme}{www}{shown_host}/{path}{slash}" + (f"?{'&'.join(mixed)}" if mixed else "") + fragment
    return shared, plain


@PROPERTY_SETTINGS
@given(messy_urls())
def test_shared_link_has_the_canonical_form_of_the_plain_link(urls):
    shared, plain = urls
    assert canonical_url(shared) == canonical_url(plain)


@PROPERTY_SETTINGS
@given(messy_urls())
def test_canonical_url_is_idempotent(urls):
    once = canonical_url(urls[0])
    assert canonical_url(once) == once


EXTRACT = [
    ("Lire ici : https://example.com/a. Merci !", ["https://example.com/a"], "trailing_full_stop"),
    ("see www.example.com/x, and https://a.org/c?d=1!", ["www.example.com/x", "https://a.org/c?d=1"], "comma_and_bang"),
    ("(voir https://example.com/a)", ["https://example.com/a"], "inside_parentheses"),
    ("[lien](https://example.com/a)", ["https://example.com/a"], "markdown_link"),
    ("C'est là 👉 https://example.com/a…", ["https://example.com/a"], "ellipsis_character"),
    ("Vraiment?! https://example.com/a?!", ["https://example.com/a"], "question_and_bang"),
    ("« https://exemple.fr/article »", ["https://exemple.fr/article"], "french_guillemets"),
    ('"https://x.org/q" et “https://y.org/r”', ["https://x.org/q", "https://y.org/r"], "quotes"),
    ("<https://x.org/q>", ["https://x.org/q"], "angle_brackets"),
    ("https://a.org/1 puis HTTPS://B.ORG/2;", ["https://a.org/1", "HTTPS://B.ORG/2"], "in_order_as_written"),
    ("Pas de lien ici, juste example.com", [], "bare_domain_is_not_a_link"),
    ("", [], "empty_text"),
]


@pytest.mark.parametrize(("text", "expected"), [c[:2] for c in EXTRACT], ids=[c[2] for c in EXTRACT])
def test_extract_urls_strips_surrounding_punctuation(text, expected):
    assert extract_urls(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://fr.wikipedia.org/wiki/Paris_(France)", ["https://fr.wikipedia.org/wiki/Paris_(France)"]),
        ("(voir https://en.wikipedia.org/wiki/Foo_(bar)).", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
    ],
    ids=["balanced_parenthesis_at_end", "balanced_parenthesis_inside_parenthesis"],
)
def test_extract_urls_keeps_parentheses_that_belong_to_the_url(text, expected):
    assert extract_urls(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "voir https://ville.fr:99999/piscine",
        "voir https://ville.fr:abc/piscine",
        "voir https://[ville.fr/piscine",
    ],
    ids=["port_out_of_range", "port_not_a_number", "unclosed_ipv6_bracket"],
)
def test_malformed_link_in_a_post_is_its_own_canonical_form_instead_of_an_error(text):
    (url,) = extract_urls(text)
    assert url == text.removeprefix("voir ")
    assert canonical_url(f"  {url} ") == url  # only trimmed: it equals nothing but itself


def test_accented_path_and_its_percent_encoding_are_one_page():
    assert canonical_url("https://www.ville.fr/été/") == canonical_url("http://ville.fr/%C3%A9t%C3%A9")
