"""dupfeed as a library: records checked where they are built, options by the flags' names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import HABITS

from dupfeed import Detector, Options, Post, Source, options_from
from dupfeed.errors import OptionsError

PARIS = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    "created_at, error, message",
    [
        (datetime(2024, 5, 1, 9), ValueError, "Post 'p1': created_at 2024-05-01T09:00:00 has no time zone: give one"),
        ("2024-05-01T09:00:00Z", TypeError, "Post 'p1': created_at must be a timezone-aware datetime, not str"),
        (None, TypeError, "Post 'p1': created_at must be a timezone-aware datetime, not NoneType"),
    ],
    ids=["naive", "string", "none"],
)
def test_a_post_with_a_date_that_cannot_be_ordered_is_refused_where_it_is_built(created_at, error, message):
    with pytest.raises(error) as raised:
        Post(id="p1", text="hello", author="ann", created_at=created_at)
    assert str(raised.value).startswith(message)


def test_mixing_naive_and_aware_dates_fails_at_the_naive_post_not_inside_a_scan():
    detector = Detector()
    detector.check(Post(id="a", text=HABITS, author="ann", created_at=datetime(2024, 5, 1, tzinfo=UTC)))
    with pytest.raises(ValueError, match=r"Post 'b': created_at .* has no time zone"):
        detector.check(Post(id="b", text=HABITS, author="bob", created_at=datetime(2024, 5, 2)))


def test_an_aware_date_in_any_zone_is_kept_and_reported_in_utc():
    post = Post(id="p", text="hello", author="ann", created_at=datetime(2024, 5, 1, 11, tzinfo=PARIS))
    assert post.created_at == datetime(2024, 5, 1, 9, tzinfo=UTC) and post.created_at.tzinfo is UTC
    assert post.to_dict()["created_at"] == "2024-05-01T09:00:00Z"


def test_a_source_is_checked_as_a_post_is():
    with pytest.raises(ValueError, match="Source 's': published 2024-05-01T00:00:00 has no time zone"):
        Source(id="s", text="t", published=datetime(2024, 5, 1))
    with pytest.raises(TypeError, match="Source 's': text must be a str, not NoneType"):
        Source(id="s", text=None)  # type: ignore[arg-type]
    assert Source(id="s", text="t").published is None


@pytest.mark.parametrize(
    "given",
    [
        {"threshold": 0.3, "copy_at": 0.9, "revision_at": 0.25},
        {"--threshold": 0.3, "--copy-at": 0.9, "--revision-at": 0.25},
        {"lsh_threshold": 0.3, "copy_containment": 0.9, "revision_containment": 0.25},
    ],
    ids=["flag-names", "flags-as-typed", "field-names"],
)
def test_options_accept_the_flag_names(given):
    expected = Options(lsh_threshold=0.3, copy_containment=0.9, revision_containment=0.25)
    assert options_from(given) == expected
    assert options_from(**{k.lstrip("-").replace("-", "_"): v for k, v in given.items()}) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        ({"treshold": 0.3}, "unknown option 'treshold'; known: "),
        ({"threshold": 0.3, "lsh_threshold": 0.4}, "option 'lsh_threshold' given twice"),
        ({"threshold": 1.5}, "lsh_threshold must be between 0 and 1"),
        ({"copy_at": "high"}, "an option has a value of the wrong type"),
    ],
    ids=["unknown", "twice", "out-of-range", "wrong-type"],
)
def test_options_from_bad_settings_is_one_clear_error(given, message):
    with pytest.raises(OptionsError) as raised:
        options_from(given)
    assert message in str(raised.value)


def test_none_keeps_the_default():
    assert options_from(threshold=None, shingle_size=4) == Options(shingle_size=4)


def test_checking_the_same_post_twice_does_not_report_it_as_its_own_copy():
    detector = Detector()
    post = Post(id="p", text=HABITS, author="ann", created_at=datetime(2024, 5, 1, tzinfo=UTC))
    first = detector.check(post)
    again = detector.check(post)
    assert first.verdict == "original"
    assert again.verdict == "original" and again.matches == ()
    later = Post(id="q", text=HABITS, author="bob", created_at=datetime(2024, 5, 2, tzinfo=UTC))
    copied = detector.check(later)
    assert [(m.id, m.relation) for m in copied.matches] == [("p", "cross_author")], "the post is known once"
