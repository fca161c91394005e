"""The Facebook reader on real files: downloads built from tests/fixtures/facebook in each
vintage's layout, as a zip, the unpacked folder, and a lone your_posts_1.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_export

from dupfeed import Detector, InputError, Post
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import merge_posts, read_export
from dupfeed.readers.platforms import facebook
from dupfeed.readers.platforms.facebook import repair_mojibake

FIXTURES = Path(__file__).parent / "fixtures" / "facebook"
VINTAGES = {
    "old": ("posts/your_posts_{n}.json", "profile_information/profile_information.json"),
    "2022": (
        "your_activity_across_facebook/posts/your_posts__check_ins__photos_and_videos_{n}.json",
        "personal_information/profile_information/profile_information.json",
    ),
    "2024": (
        "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_{n}.json",
        "personal_information/profile_information/profile_information.json",
    ),
}


def layout(vintage: str) -> dict[str, str]:
    posts, profile = VINTAGES[vintage]
    # Part 2 is added first: the reader must order parts by number, not by archive order.
    return {posts.format(n=2): "your_posts_2.json", posts.format(n=1): "your_posts_1.json", profile: "profile_information.json"}


def build(tmp_path: Path, files: dict[str, str | bytes], form: str = "zip", name: str = "facebook-zoeexample-2024") -> Path:
    """The download as a zip or as the folder it unpacks to; a str value names a fixture file."""
    resolved = {member: value if isinstance(value, bytes) else (FIXTURES / value).read_bytes() for member, value in files.items()}
    return make_export(tmp_path, name, resolved, form)


def at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def expected_posts(first: str, second: str, author: str = "Zoë Example") -> list[Post]:
    def post(pid, text, stamp, member=first, **extra) -> Post:
        return Post(id=pid, text=text, author=author, created_at=at(stamp), platform="facebook", source_file=member, **extra)

    return [
        post(
            "fb:1715672400",
            'Don’t miss this one 👇\n"Remote work isn’t a perk, it’s a skill."',
            1715672400,
            links=("https://example.org/blog/remote-work-tips",),
        ),
        post("fb:1715758800", 'Don’t miss this one 👇\n"Remote work isn’t a perk — it’s a skill."', 1715758800),
        post("fb:1715845200", "Café ☕ day", 1715845200),
        post(
            "fb:1715931600",
            "Everyone should read this 👇",
            1715931600,
            kind="repost",
            repost_of="Dana Example",
            links=("https://www.facebook.com/dana.example/posts/pfbid0abc",),
        ),
        post("fb:1715845200-2", "Same second as the café photo, different words.", 1715845200),
        post("fb:1716190800", "Mixed: “smart quotes” from a tool that already fixed the encoding, and naïve text", 1716190800),
        post("fb:1716277200", "From the second file: older exports split big accounts.", 1716277200, member=second),
    ]


def expected_skips(where: str) -> list[tuple]:
    return [
        (where, 5, "repost without text"),
        (where, 6, "post without text"),
        (where, 7, "unreadable timestamp"),
    ]


@pytest.mark.parametrize(
    "vintage, form, input_format",
    [
        ("old", "zip", None),
        ("2022", "zip", None),
        ("2024", "zip", None),
        ("2024", "folder", None),
        ("2024", "folder", "facebook"),
    ],
    ids=["old-zip", "2022-zip", "2024-zip", "2024-folder", "2024-folder-named-format"],
)
def test_download_reads_to_exact_posts_and_counted_skips(tmp_path, vintage, form, input_format):
    files = layout(vintage)
    second, first = list(files)[:2]
    path = build(tmp_path, files, form)
    result = read_export(path, input_format=input_format)
    assert [p.to_dict() for p in result.records] == [p.to_dict() for p in expected_posts(first, second)]
    assert [(s.path, s.line, s.reason) for s in result.skipped] == expected_skips(f"{path}:{first}")


def test_lone_posts_file_reads_with_unknown_owner(tmp_path):
    path = tmp_path / "your_posts_1.json"
    path.write_bytes((FIXTURES / "your_posts_1.json").read_bytes())
    result = read_export(path)
    expected = [
        p for p in expected_posts("your_posts_1.json", "-", author=facebook.OWNER_UNKNOWN) if p.source_file == "your_posts_1.json"
    ]
    assert [p.to_dict() for p in result.records] == [p.to_dict() for p in expected]
    assert [(s.path, s.line, s.reason) for s in result.skipped] == expected_skips(str(path))


def test_parts_are_read_in_numeric_order(tmp_path):
    def part(stamp: int, text: str) -> bytes:
        return json.dumps([{"timestamp": stamp, "data": [{"post": text}]}]).encode()

    files = {
        "posts/your_posts_10.json": part(3, "ten"),
        "posts/your_posts_2.json": part(2, "two"),
        "posts/your_posts_1.json": part(1, "one"),
    }
    result = read_export(build(tmp_path, files))
    assert [p.text for p in result.records] == ["one", "two", "ten"]


def test_post_repeated_in_two_files_is_read_once(tmp_path):
    same = json.dumps([{"timestamp": 1715672400, "data": [{"post": "Posted once, exported twice"}]}]).encode()
    result = read_export(build(tmp_path, {"posts/your_posts_1.json": same, "posts/your_posts_2.json": same}))
    assert [p.id for p in result.records] == ["fb:1715672400"]


@pytest.mark.parametrize(
    "stored, text",
    [
        ("Don\u00e2\u0080\u0099t", "Don’t"),
        ("\u00f0\u009f\u0091\u0087", "👇"),
        ("Zo\u00c3\u00ab", "Zoë"),
        ("Zoë", "Zoë"),
        ("“already fine”", "“already fine”"),
        ("plain ascii", "plain ascii"),
    ],
    ids=["apostrophe", "emoji-four-escapes", "e-diaeresis", "correct-latin1-kept", "above-latin1-kept", "ascii"],
)
def test_mojibake_is_repaired_only_where_the_round_trip_applies(stored, text):
    assert repair_mojibake({"a": [stored]}) == {"a": [text]}


def test_truncated_json_is_an_input_error_naming_member_and_line(tmp_path):
    text = (FIXTURES / "your_posts_1.json").read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    path = build(tmp_path, {"your_facebook_activity/posts/your_posts_1.json": cut.encode()})
    with pytest.raises(InputError, match=r"your_posts_1\.json:\d+: truncated or malformed JSON") as caught:
        read_export(path)
    assert caught.value.path == f"{path}:your_facebook_activity/posts/your_posts_1.json"
    assert caught.value.line == cut.count("\n") + 1


@pytest.mark.parametrize(
    "content, message",
    [
        ('[{"timestamp": 1, "data": [{"post": "café"}]}]'.encode("latin-1"), r"your_posts_1\.json:1: not UTF-8"),
        (b'{"posts": 1, "other": 2}', r"your_posts_1\.json:1: not a Facebook posts file"),
    ],
    ids=["not-utf8", "not-an-array"],
)
def test_unusable_file_is_an_input_error(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_export(build(tmp_path, {"posts/your_posts_1.json": content}))


@pytest.mark.parametrize(
    "member, found",
    [
        ("posts/your_posts_1.json", True),
        ("your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_3.json", True),
        ("your_facebook_activity/comments_and_reactions/comments.json", False),
    ],
    ids=["old", "2024", "comments-only"],
)
def test_detection_by_file_name(tmp_path, member, found):
    with Archive(build(tmp_path, {member: b"[]"})) as archive:
        assert facebook.detect(archive) is found


def _download(tmp_path: Path, owner: str, posts: list[tuple[int, str, str]]) -> Path:
    def mojibake(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    items = [
        {"timestamp": stamp, "data": [{"post": mojibake(text)}], "title": mojibake(f"{owner} {title}")}
        for stamp, title, text in posts
    ]
    profile = {"profile_v2": {"name": {"full_name": mojibake(owner)}}}
    return build(
        tmp_path,
        {
            "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json": json.dumps(items).encode(),
            "personal_information/profile_information/profile_information.json": json.dumps(profile).encode(),
        },
        name=f"facebook-{owner.split()[0].lower()}",
    )


DANA = (
    "Most engagement advice is noise. What actually works is boring: answer every comment in the first "
    "hour, write the way you talk, and post when your friends are awake rather than when a guru says so."
)
ZOE = (
    "I spent a year rewriting my newsletter intro until it finally sounded like me. The trick was reading "
    "every draft out loud and deleting any sentence I would never say to a friend over café au lait."
)
ZOE_AGAIN = (
    "I spent a whole year rewriting my newsletter intro until it finally sounded like me. The trick: "
    "reading each draft out loud and deleting any sentence I would never say to a friend over café au lait!"
)


def test_self_repost_and_copy_of_another_author_are_found(tmp_path):
    dana = _download(tmp_path, "Dana Example", [(1714550400, "updated her status.", DANA)])
    zoe = _download(
        tmp_path,
        "Zoë Example",
        [
            (1714636800, "updated her status.", ZOE),
            (1714723200, "shared Dana Example's post.", "So true 👇"),
            (1715241600, "updated her status.", ZOE_AGAIN),
            (1715328000, "updated her status.", DANA),
        ],
    )
    posts, _ = merge_posts(read_export(dana).records + read_export(zoe).records)
    findings = {f.id: f for f in Detector().scan(posts)}

    again = {m.id: m for m in findings["fb:1715241600"].matches}
    assert findings["fb:1715241600"].verdict != "original"
    assert again["fb:1714636800"].relation == "self_repost"
    copy = {m.id: m for m in findings["fb:1715328000"].matches}
    assert findings["fb:1715328000"].verdict == "copy"
    assert copy["fb:1714550400"].relation == "cross_author"
    assert copy["fb:1714550400"].author == "Dana Example"
    share = next(p for p in posts if p.id == "fb:1714723200")
    assert (share.kind, share.repost_of, share.author) == ("repost", "Dana Example", "Zoë Example")
