"""The X/Twitter reader on real files: archives built from tests/fixtures/x as a zip, the
unpacked folder, and a lone tweets.js."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_export

from dupfeed import Detector, InputError, Post
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import merge_posts, read_export
from dupfeed.readers.platforms import x

FIXTURES = Path(__file__).parent / "fixtures" / "x"
LAYOUT = {
    "Your archive.html": b"<html><body>archive viewer</body></html>",
    "assets/js/tweets.js": b"console.log('the viewer, not data');",
    "data/tweets.js": "tweets.js",
    "data/tweets-part1.js": "tweets-part1.js",
    "data/tweets-part2.js": "tweets-part2.js",
    "data/tweets-part10.js": "tweets-part10.js",
    "data/note-tweet.js": "note-tweet.js",
    "data/account.js": "account.js",
    "data/tweet-headers.js": "tweet-headers.js",
}
NOTE = (
    "Long read, because threads deserve better than copy-paste. "
    * 4
    + "When you repost a thread word for word & drop the author's name, readers lose the context that made "
    "it worth reading. Link the original: https://example.org/blog/original-thread and say who wrote it. "
    "That's the whole rule, and it costs nothing."
)


def build(tmp_path: Path, layout: dict[str, str | bytes], form: str = "zip", name: str = "twitter-2024-05-20-ab12cd") -> Path:
    """The archive as a zip or as the folder it unpacks to; a str value names a fixture file."""
    files = {member: value if isinstance(value, bytes) else (FIXTURES / value).read_bytes() for member, value in layout.items()}
    return make_export(tmp_path, name, files, form)


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


def expected_posts(handle: str | None = "zoe_example") -> list[Post]:
    def post(tid, text, stamp, member, **extra) -> Post:
        url = f"https://x.com/{handle}/status/{tid}" if handle else f"https://x.com/i/web/status/{tid}"
        extra.setdefault("lang", "en")
        return Post(
            id=f"x:{tid}",
            text=text,
            author=handle or x.OWNER_UNKNOWN,
            created_at=at(stamp),
            url=url,
            platform="x",
            source_file=f"data/{member}",
            **extra,
        )

    return [
        post(
            "1790000000000000001",
            'Hot take: "copy-paste threads" aren\'t content & never were 🧵\nOriginal post ↓\n'
            "https://example.org/blog/original-thread",
            "2024-05-13 09:15:42",
            "tweets.js",
            links=("https://example.org/blog/original-thread",),
        ),
        post(
            "1790100000000000002",
            'RT @dana_example: Hot take: "copy-paste threads" aren\'t content & never were 🧵 Every week I see '
            "the same 10 tips reposted word for word by…",
            "2024-05-13 15:01:09",
            "tweets.js",
            kind="repost",
            repost_of="@dana_example",
        ),
        post(
            "1790200000000000003",
            "@dana_example 100% — saw that exact thread 3x today 😅",
            "2024-05-13 18:44:00",
            "tweets.js",
            kind="reply",
            reply_to="x:1789999999999999999",
        ),
        post(
            "1790400000000000005", NOTE, "2024-05-14 12:00:00", "tweets.js", links=("https://example.org/blog/original-thread",)
        ),
        post("1790450000000000010", "Whiteboard from today <3", "2024-05-14 13:00:00", "tweets.js"),
        post(
            "1790300000000000009",
            "The best way to credit a thread: link it & name the author.",
            "2024-05-14 08:05:00",
            "tweets-part1.js",
        ),
        post("1790500000000000006", "Part one: a thread about threads.", "2024-05-15 08:00:00", "tweets-part1.js"),
        post("1790600000000000007", "Part two: still about threads.", "2024-05-16 08:00:00", "tweets-part2.js"),
        post(
            "1790550000000000008",
            "Part ten: the file that sorts wrongly as text.",
            "2024-05-15 20:00:00",
            "tweets-part10.js",
            lang=None,
        ),
    ]


@pytest.mark.parametrize(
    "form, input_format",
    [("zip", None), ("folder", None), ("zip", "x")],
    ids=["zip", "folder", "zip-named-format"],
)
def test_archive_reads_to_exact_posts(tmp_path, form, input_format):
    result = read_export(build(tmp_path, LAYOUT, form), input_format=input_format)
    assert [p.to_dict() for p in result.records] == [p.to_dict() for p in expected_posts()]
    assert result.skipped == []


def test_lone_tweets_js_reads_without_account_notes_or_later_edits(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_bytes((FIXTURES / "tweets.js").read_bytes())
    result = read_export(path)
    by_id = {p.id: p for p in result.records}
    # The first version of the edited tweet is all there is; the long post stays cut.
    assert by_id["x:1790300000000000004"].text == "Teh best way to credit a thread: link it & name the author."
    assert by_id["x:1790400000000000005"].text.endswith("word fo… https://twitter.com/i/web/status/1790400000000000005")
    assert by_id["x:1790000000000000001"].author == x.OWNER_UNKNOWN
    assert by_id["x:1790000000000000001"].url == "https://x.com/i/web/status/1790000000000000001"
    assert by_id["x:1790000000000000001"].source_file == "tweets.js"


def test_old_tweet_js_name_is_read(tmp_path):
    text = (FIXTURES / "tweets.js").read_text(encoding="utf-8").replace("YTD.tweets.part0", "YTD.tweet.part0", 1)
    result = read_export(build(tmp_path, {"data/tweet.js": text.encode()}))
    assert len(result.records) == 6


@pytest.mark.parametrize(
    "content, count",
    [
        (b"", 0),
        (b"window.YTD.tweets.part0 = [ ]", 0),
        (b"window.YTD.tweets.part0 = [ ];\n", 0),
        (
            b'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "created_at": "Mon May 13 09:15:42 +0000 2024", '
            b'"full_text": "hi"}}];',
            1,
        ),
        (b'[{"tweet": {"id_str": "1", "created_at": "Mon May 13 09:15:42 +0000 2024", "full_text": "hi"}}]', 1),
        (
            b'window.YTD.tweets.part0 = [{"id_str": "1", "created_at": "Mon May 13 09:15:42 +0000 2024", '
            b'"full_text": "fields at the top level, as in very early archives"}]',
            1,
        ),
    ],
    ids=["empty-file", "empty-array", "trailing-semicolon", "semicolon-after-data", "plain-json", "top-level-fields"],
)
def test_wrapper_variants_are_tolerated(tmp_path, content, count):
    result = read_export(build(tmp_path, {"data/tweets.js": content}), input_format="x")
    assert len(result.records) == count
    assert result.skipped == []


def test_truncated_tweets_js_is_an_input_error_naming_member_and_line(tmp_path):
    text = (FIXTURES / "tweets.js").read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    path = build(tmp_path, {"data/tweets.js": cut.encode()})
    with pytest.raises(InputError, match=r"data/tweets\.js:\d+: truncated or malformed JSON") as caught:
        read_export(path)
    assert caught.value.path == f"{path}:data/tweets.js"
    assert caught.value.line == cut.count("\n") + 1


def test_file_without_wrapper_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"tweets\.js:1: not an X archive data file"):
        read_export(build(tmp_path, {"data/tweets.js": b"this is not javascript data"}))


def test_file_that_is_not_utf8_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"tweets\.js:1: not UTF-8"):
        read_export(build(tmp_path, {"data/tweets.js": 'window.YTD.tweets.part0 = ["café"]'.encode("latin-1")}))


def test_bad_records_are_skipped_with_reasons_and_the_rest_read(tmp_path):
    good = {"tweet": {"id_str": "3", "created_at": "Mon May 13 09:15:42 +0000 2024", "full_text": "fine"}}
    items = [
        "not an object",
        {"tweet": {"id_str": "1", "created_at": "yesterday", "full_text": "bad date"}},
        {"tweet": {"created_at": "Mon May 13 09:15:42 +0000 2024", "full_text": "no id"}},
        {"tweet": {"id_str": "2", "created_at": "Mon May 13 09:15:42 +0000 2024", "full_text": "  "}},
        good,
    ]
    path = build(tmp_path, {"data/tweets.js": ("window.YTD.tweets.part0 = " + json.dumps(items)).encode()})
    result = read_export(path)
    assert [p.text for p in result.records] == ["fine"]
    assert [(s.path, s.line, s.reason) for s in result.skipped] == [
        (f"{path}:data/tweets.js", 1, "not a tweet"),
        (f"{path}:data/tweets.js", 3, "missing id"),
        (f"{path}:data/tweets.js", 2, "unreadable created_at"),
        (f"{path}:data/tweets.js", 4, "empty text"),
    ]


@pytest.mark.parametrize(
    "member, found",
    [
        ("data/tweets.js", True),
        ("tweet.js", True),
        ("data/tweets-part3.js", True),
        ("data/note-tweet.js", False),
        ("data/tweet-headers.js", False),
        ("data/deleted-tweets.js", False),
        ("assets/js/tweets.js", False),
    ],
    ids=["tweets", "old-tweet", "part", "note-tweet", "tweet-headers", "deleted-tweets", "viewer-asset"],
)
def test_detection_by_file_name(tmp_path, member, found):
    with Archive(build(tmp_path, {member: b"window.YTD.tweets.part0 = [ ]"})) as archive:
        assert x.detect(archive) is found


def _archive(tmp_path: Path, handle: str, tweets: list[tuple[str, str, str]]) -> Path:
    items = [
        {
            "tweet": {
                "id_str": tid,
                "created_at": created,
                "full_text": text,
                "lang": "en",
                "entities": {"urls": [], "user_mentions": []},
            }
        }
        for tid, created, text in tweets
    ]
    return build(
        tmp_path,
        {
            "data/tweets.js": ("window.YTD.tweets.part0 = " + json.dumps(items, indent=2)).encode(),
            "data/account.js": ("window.YTD.account.part0 = " + json.dumps([{"account": {"username": handle}}])).encode(),
        },
        name=f"twitter-2024-06-01-{handle}",
    )


DANA = (
    "Most engagement advice is noise. What actually works is boring: answer every reply in the first hour, "
    "write the way you talk, and post when your readers are awake, not when a guru says so."
)
ZOE = (
    "I spent a year rewriting my newsletter intro until it finally sounded like me. The trick was reading "
    "every draft out loud and cutting any sentence I would never say to a friend."
)
ZOE_AGAIN = (
    "I spent a whole year rewriting my newsletter intro until it sounded like me. The trick: reading "
    "each draft out loud and cutting any sentence I would never say to a friend. #writing"
)


@pytest.fixture
def scanned(tmp_path):
    dana = _archive(tmp_path, "dana_example", [("100", "Wed May 01 08:00:00 +0000 2024", DANA)])
    zoe = _archive(
        tmp_path,
        "zoe_example",
        [
            ("200", "Wed May 01 09:00:00 +0000 2024", f"RT @dana_example: {DANA[:118]}…"),
            ("300", "Thu May 02 08:00:00 +0000 2024", ZOE),
            ("400", "Thu May 09 08:00:00 +0000 2024", ZOE_AGAIN),
            ("500", "Fri May 10 08:00:00 +0000 2024", DANA),
        ],
    )
    posts, _ = merge_posts(read_export(dana).records + read_export(zoe).records)
    return posts, {f.id: f for f in Detector().scan(posts)}


def test_self_repost_and_copy_of_another_author_are_found(scanned):
    posts, findings = scanned
    retweet = next(p for p in posts if p.id == "x:200")
    assert (retweet.kind, retweet.repost_of, retweet.author) == ("repost", "@dana_example", "zoe_example")
    again = {m.id: m for m in findings["x:400"].matches}
    assert findings["x:400"].verdict != "original"
    assert again["x:300"].relation == "self_repost"
    copy = {m.id: m for m in findings["x:500"].matches}
    assert findings["x:500"].verdict == "copy"
    assert copy["x:100"].relation == "cross_author"
    assert copy["x:100"].author == "dana_example"


def test_retweet_is_neither_flagged_as_a_copy_nor_matched_against(scanned):
    _, findings = scanned
    assert findings["x:200"].verdict == "original"
    assert findings["x:200"].matches == ()
    assert "x:200" not in {m.id for m in findings["x:500"].matches}


def _tweets_js(name: str, items: list) -> bytes:
    return (f"window.YTD.{name}.part0 = " + json.dumps(items)).encode()


def test_community_tweets_are_read_after_the_others(tmp_path):
    stamp = "Mon May 13 09:15:42 +0000 2024"
    tweets = [{"tweet": {"id_str": "1", "created_at": stamp, "full_text": "in my timeline"}}]
    community = [{"tweet": {"id_str": "2", "created_at": stamp, "full_text": "in a Community", "community_id": "7"}}]
    path = build(
        tmp_path,
        {"data/community-tweet.js": _tweets_js("community_tweet", community), "data/tweets.js": _tweets_js("tweets", tweets)},
    )
    result = read_export(path)
    assert [(p.id, p.text, p.source_file) for p in result.records] == [
        ("x:1", "in my timeline", "data/tweets.js"),
        ("x:2", "in a Community", "data/community-tweet.js"),
    ]


def test_photo_only_tweet_is_left_out_not_a_fault(tmp_path):
    media = {"url": "https://t.co/pic", "media_url_https": "https://pbs.twimg.com/media/a.jpg"}
    photo = {
        "id_str": "5",
        "created_at": "Mon May 13 09:15:42 +0000 2024",
        "full_text": "https://t.co/pic",
        "entities": {"media": [media]},
    }
    result = read_export(build(tmp_path, {"data/tweets.js": _tweets_js("tweets", [{"tweet": photo}])}))
    assert result.records == []
    assert [(s.line, s.reason, s.detail, s.is_fault) for s in result.skipped] == [(1, "media without text", "x:5", False)]
