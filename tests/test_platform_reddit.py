"""Reddit data requests (posts.csv, comments.csv) read back to exact posts."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest
from conftest import EXPORT_FORMS, HABITS, HABITS_AGAIN, at, make_export

from dupfeed import Detector, InputError, Post, Skip
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import read_export
from dupfeed.readers.platforms import reddit

FIXTURES = Path(__file__).parent / "fixtures" / "reddit"
R = "https://www.reddit.com/r/writing/comments/"
HEADER = "id,permalink,date,ip,subreddit,gildings,title,url,body\n"


def item(fullname: str, text: str, created_at: datetime, url: str, author: str | None = "zoe_example", **extra) -> Post:
    kind = "post" if fullname.startswith("t3_") else "comment"
    source = "posts.csv" if kind == "post" else "comments.csv"
    return Post(
        id=f"reddit:{fullname}",
        text=text,
        author=author,
        created_at=created_at,
        url=url,
        platform="reddit",
        kind=kind,
        source_file=source,
        **extra,
    )


POSTS = [
    item(
        "t3_1cr9x2a",
        'Hot take: "copy-paste threads" aren\'t content\n\nEvery week I see the same 10 tips reposted word for word 🧵'
        '\n\n> "Consistency beats talent"\n\nOriginal: https://example.org/blog/original-thread',
        at(2024, 5, 13, 9, 20, 11),
        R + "1cr9x2a/hot_take_copypaste_threads_arent_content/",
        links=("https://example.org/blog/original-thread",),
    ),
    item(
        "t3_1crb7kq",
        "Why reposting word-for-word kills trust",  # a link post: title only, its URL a link
        at(2024, 5, 13, 11, 2, 45),
        "https://www.reddit.com/r/blogging/comments/1crb7kq/why_reposting_wordforword_kills_trust/",
        links=("https://example.org/blog/original-thread",),
    ),
    item("t3_1cq1aaa", f"Five habits\n\n{HABITS}", at(2024, 5, 10, 8, 0), R + "1cq1aaa/five_habits/"),
    item("t3_1cs4ddd", f"Five habits, again\n\n{HABITS_AGAIN}", at(2024, 5, 20, 8, 0), R + "1cs4ddd/five_habits_again/"),
]
COMMENTS = [
    item(
        "t1_l3x9q1z",
        'This is copied from u/dana\'s post, "word for word".',
        at(2024, 5, 13, 10, 5),
        "https://www.reddit.com/r/writing/comments/1cqz0aa/tips_thread/l3x9q1z/",
        reply_to="https://www.reddit.com/r/writing/comments/1cqz0aa/tips_thread/",  # no parent: the post
    ),
    item(
        "t1_l3y0e1f",
        "Two things:\n\n1. Quote the source\n2. Link it: [the essay](https://example.org/blog/original-thread)"
        "\n\nThat's all.",  # the CRLF inside the cell is a plain line break
        at(2024, 5, 13, 12, 30),
        R + "1cr9x2a/hot_take/l3y0e1f/",
        links=("https://example.org/blog/original-thread",),
        reply_to="t3_1cr9x2a",
    ),
]


def expected_skips(path: Path, form: str) -> list[Skip]:
    def where(member: str) -> str:
        return str(path) if form == "file" else f"{path}:{member}"

    posts = [
        Skip(where("posts.csv"), 9, "removed", "1cr2bbb"),
        Skip(where("posts.csv"), 10, "unreadable date", "'yesterday at noon'"),
    ]
    comments = [
        Skip(where("comments.csv"), 3, "deleted", "l3xb2m0"),
        Skip(where("comments.csv"), 10, "removed", "l3y1g2h"),
    ]
    return posts if form == "file" else posts + comments


def fixture_files() -> dict[str, bytes]:
    names = ("posts.csv", "comments.csv", "statistics.csv")
    return {name: (FIXTURES / name).read_bytes() for name in names} | {"messages.csv": b"id,message\n1,private\n"}


def build(tmp_path: Path, files: dict[str, bytes], form: str, name: str = "export_zoe_example_20240522") -> Path:
    return make_export(tmp_path, name, files, form)


@pytest.mark.parametrize("form", EXPORT_FORMS, ids=EXPORT_FORMS)
def test_every_container_reads_to_the_same_exact_posts(tmp_path, form):
    path = build(tmp_path, fixture_files(), form)
    result = read_export(path)
    if form == "file":  # posts.csv alone: no statistics.csv names the account
        assert result.records == [dataclasses.replace(p, author="reddit:me") for p in POSTS]
    else:
        assert result.records == POSTS + COMMENTS
    assert result.skipped == expected_skips(path, form)


def test_named_input_format_reads_the_same(tmp_path):
    path = build(tmp_path, fixture_files(), "zip")
    assert read_export(path, input_format="reddit").records == POSTS + COMMENTS


def test_columns_are_read_by_name_whatever_their_order(tmp_path):
    data = (
        "body,gildings_silver,id,date,permalink,subreddit,gildings,gildings_supergold,link,parent,media,ip\n"
        '"Line one\nline two",0,abc123,2024-05-13 10:05:00 UTC,https://www.reddit.com/r/x/comments/1/t/abc123/,x,0,0,'
        "https://www.reddit.com/r/x/comments/1/t/,t1_zzz,,\n"
    )
    result = read_export(build(tmp_path, {"comments.csv": data.encode()}, "zip"))
    assert result.records == [
        Post(
            id="reddit:t1_abc123",
            text="Line one\nline two",
            author="reddit:me",
            created_at=at(2024, 5, 13, 10, 5),
            url="https://www.reddit.com/r/x/comments/1/t/abc123/",
            platform="reddit",
            kind="comment",
            reply_to="t1_zzz",
            source_file="comments.csv",
        )
    ]


def test_bad_rows_are_skipped_with_their_line_and_the_rest_read(tmp_path):
    data = HEADER + (
        f"a1,{R}a1/x/,2024-05-13 09:00:00 UTC,,writing,0,Fine,,A good post.\n"
        f"a2,{R}a2/x/,2024-05-13 09:00:00 UTC,,writing,0,Too,,many,cells\n"
        f",{R}a3/x/,2024-05-13 09:00:00 UTC,,writing,0,No id,,Body.\n"
        f"a4,{R}a4/x/,2024-05-13 09:00:00 UTC,,writing,0,,,\n"
        f"a5,{R}a5/x/,2024-05-13 09:00:00 UTC,,writing,0,Huge,,{'x' * 1_000_001}\n"
        f"a6,{R}a6/x/,2024-05-13 09:00:00 UTC,,writing,0,Last,,[deleted]\n"
    )
    path = build(tmp_path, {"posts.csv": data.encode()}, "zip")
    result = read_export(path)
    assert [p.id for p in result.records] == ["reddit:t3_a1"]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (3, "more cells than columns"),
        (4, "empty id"),
        (5, "empty text"),
        (6, "text too long"),
        (7, "deleted"),
    ]


@pytest.mark.parametrize(
    "files, message",
    [
        (
            {"posts.csv": b"id,permalink,date,subreddit,headline\n1,x,y,z,w\n"},
            r"posts\.csv:1: not a Reddit posts\.csv: missing column title, body",
        ),
        (
            {"comments.csv": HEADER.replace("title,url,body", "text").encode() + b"1,2,3,4,5,6,7\n"},
            r"comments\.csv:1: .*missing column body",
        ),
        ({"posts.csv": HEADER.encode() + b"a1,p,2024-05-13 09:00:00 UTC,,w,0,T,,caf\xe9\n"}, r"posts\.csv:2: not UTF-8"),
    ],
    ids=["posts-header", "comments-header", "not-utf8"],
)
def test_unreadable_file_is_an_input_error_naming_member_and_line(tmp_path, files, message):
    path = build(tmp_path, files, "zip")
    with pytest.raises(InputError, match=rf"^{path}:{message}"):
        read_export(path, input_format="reddit")


def test_linkedin_comments_csv_is_not_taken_for_reddit(tmp_path):
    path = build(tmp_path, {"Comments.csv": b'Date,Link,Message\n2024-05-13 09:00:00,https://x,"Hi"\n'}, "zip")
    with Archive(path) as archive:
        assert not reddit.detect(archive)


def test_self_repost_and_copy_by_another_author_are_found(tmp_path):
    (tmp_path / "zoe").mkdir()
    (tmp_path / "dana").mkdir()
    zoe = read_export(build(tmp_path / "zoe", fixture_files(), "zip"))
    dana_files = {
        "comments.csv": (
            "id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n"
            f'm1,{R}1cz/tips/m1/,2024-05-21 09:00:00 UTC,,writing,0,{R}1cz/tips/,,"{HABITS} 💯",\n'
        ).encode(),
        "statistics.csv": b"statistic,value\naccount_name,dana_example\n",
    }
    dana = read_export(build(tmp_path / "dana", dana_files, "zip", name="export_dana_example_20240522"))
    assert [p.author for p in dana.records] == ["dana_example"]

    findings = {f.id: f for f in Detector().scan(zoe.records + dana.records)}
    repost, copy = findings["reddit:t3_1cs4ddd"], findings["reddit:t1_m1"]
    assert [(m.id, m.relation) for m in repost.matches] == [("reddit:t3_1cq1aaa", "self_repost")]
    assert ("reddit:t3_1cq1aaa", "cross_author") in [(m.id, m.relation) for m in copy.matches]
    assert copy.verdict == "copy"


def test_a_record_after_blank_lines_is_named_by_its_own_line(tmp_path):
    data = HEADER + f"\n\na1,{R}a1/x/,yesterday,,writing,0,Title,,Body.\n"
    result = read_export(build(tmp_path, {"posts.csv": data.encode()}, "zip"))
    assert [(s.line, s.reason) for s in result.skipped] == [(4, "unreadable date")]
