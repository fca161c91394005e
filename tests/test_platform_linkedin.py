"""The LinkedIn reader on real files: exports built from tests/fixtures/linkedin as a zip, a
zip nested one folder down, the unpacked folder, and single CSV files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_export

from dupfeed import Detector, InputError, Post
from dupfeed.readers import common
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import merge_posts, read_export
from dupfeed.readers.platforms import linkedin
from dupfeed.readers.platforms.linkedin import unwrap_commentary

FIXTURES = Path(__file__).parent / "fixtures" / "linkedin"
ARTICLE = "Articles/Articles/2024-05-12 09:00:00.0-Why copy-paste threads don’t work.html"
DRAFT = "Articles/Articles/2024-05-18 21:40:00.0-Ten more tips nobody asked for.html"
LAYOUT = {
    "Shares.csv": "Shares.csv",
    "Comments.csv": "Comments.csv",
    "InstantReposts.csv": "InstantReposts.csv",
    "Profile.csv": "Profile.csv",
    "Connections.csv": "Connections.csv",
    ARTICLE: "article.html",
    DRAFT: "draft.html",
}
FEED = "https://www.linkedin.com/feed/update/urn:li:"
FEED_QUOTED = "https://www.linkedin.com/feed/update/urn%3Ali%3A"


def build(tmp_path: Path, layout: dict[str, str | bytes], form: str = "zip", prefix: str = "") -> Path:
    """The export as a zip or as the folder it unpacks to, its members under ``prefix``; a str
    value names a fixture file."""
    files = {
        prefix + member: value if isinstance(value, bytes) else (FIXTURES / value).read_bytes()
        for member, value in layout.items()
    }
    return make_export(tmp_path, "Complete_LinkedInDataExport_05-20-2024", files, form)


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


def expected_posts(prefix: str = "", author: str = "Zoë Example") -> list[Post]:
    def post(pid, text, stamp, member, **extra) -> Post:
        return Post(
            id=pid, text=text, author=author, created_at=at(stamp), platform="linkedin", source_file=prefix + member, **extra
        )

    share, comment = "Shares.csv", "Comments.csv"
    return [
        post(
            "li:share:7196000000000000001",
            'Hot take: "copy-paste threads" aren\'t content & never were 🧵\n\nOriginal post ↓\n'
            "https://lnkd.in/eXaMpLe1\n#writing #creators",
            "2024-05-14 07:31:02",
            share,
            url=FEED + "share:7196000000000000001",
            links=("https://lnkd.in/eXaMpLe1",),
        ),
        post(
            "li:ugcPost:7196400000000000002",
            "Couldn't have said it better. Sharing for visibility 👇",
            "2024-05-15 12:02:47",
            share,
            url=FEED + "ugcPost:7196400000000000002",
        ),
        post(
            "li:share:7196900000000000003",
            "New essay: why reposting word-for-word kills trust",
            "2024-05-16 18:20:05",
            share,
            url=FEED + "share:7196900000000000003",
            links=("https://example.org/blog/original-thread",),
        ),
        post(
            "li:share:7197000000000000004",
            '"Copy-paste is not a strategy," she said.\n\nAsk for the "source"\n"Credit" is free.',
            "2024-05-17 09:45:00",
            share,
            url=FEED + "share:7197000000000000004",
        ),
        post(
            "li:activity:7197300000000000005",
            "Windows tip: paths like C:\\Users\\zoe\\new are not URLs.",
            "2024-05-18 10:00:00",
            share,
            url="https://www.linkedin.com/posts/zoe-example_writing-activity-7197300000000000005-Xy9Z",
        ),
        post(
            "li:comment:7196100000000000010-1715677953",
            'I saw the exact same "10 tips" thread from 3 accounts today 😅\nSomeone is running a copy bot.',
            "2024-05-14 09:12:33",
            comment,
            url=FEED + "activity:7196100000000000010",
            kind="comment",
            reply_to="li:activity:7196100000000000010",
        ),
        post(
            "li:comment:7196300000000000011-1715760019",
            "Great point - thanks for sharing!",
            "2024-05-15 08:00:19",
            comment,
            url=FEED + "activity:7196300000000000011",
            kind="comment",
            reply_to="li:activity:7196300000000000011",
        ),
        post(
            "li:comment:7196800000000000012-1715859000",
            '"Quoted start" and a quoted end: "done"',
            "2024-05-16 11:30:00",
            comment,
            url=FEED + "activity:7196800000000000012",
            kind="comment",
            reply_to="li:activity:7196800000000000012",
        ),
        post(
            "li:article:why-copy-paste-threads-dont-work-zoe-example-x1y2z",
            "Why copy-paste threads don’t work\n\nEvery week I see the same “10 tips” thread reposted word for "
            "word 🧵\n\nHere's why that backfires: original thread",
            "2024-05-12 09:00:00",
            ARTICLE,
            kind="article",
            url="https://www.linkedin.com/pulse/why-copy-paste-threads-dont-work-zoe-example-x1y2z",
            links=("https://example.org/blog/original-thread",),
        ),
    ]


def expected_skips(where: str, prefix: str = "") -> list[tuple]:
    return [
        (f"{where}:{prefix}Shares.csv", 14, "share without text"),
        (f"{where}:{prefix}Shares.csv", 15, "unreadable date"),
        (f"{where}:{prefix}InstantReposts.csv", 2, "repost without text"),
        (f"{where}:{prefix}InstantReposts.csv", 3, "repost without text"),
        (f"{where}:{prefix}{DRAFT}", None, "draft article"),
    ]


@pytest.mark.parametrize(
    "form, prefix, input_format",
    [
        ("zip", "", None),
        ("zip", "Complete_LinkedInDataExport_05-20-2024/", None),
        ("folder", "", None),
        ("folder", "", "linkedin"),
    ],
    ids=["zip", "zip-nested-folder", "folder", "folder-named-format"],
)
def test_export_reads_to_exact_posts_and_counted_skips(tmp_path, form, prefix, input_format):
    path = build(tmp_path, LAYOUT, form, prefix)
    result = read_export(path, input_format=input_format)
    assert [p.to_dict() for p in result.records] == [p.to_dict() for p in expected_posts(prefix)]
    assert [(s.path, s.line, s.reason) for s in result.skipped] == expected_skips(str(path), prefix)


def test_instant_reposts_are_counted_with_the_reposted_post_as_detail(tmp_path):
    result = read_export(build(tmp_path, LAYOUT))
    reposts = [s.detail for s in result.skipped if s.reason == "repost without text"]
    assert reposts == [FEED + "activity:7196950000000000020", FEED + "share:7197050000000000021"]


def test_single_shares_file_reads_without_profile_as_unknown_owner(tmp_path):
    path = tmp_path / "Shares.csv"
    path.write_bytes((FIXTURES / "Shares.csv").read_bytes())
    result = read_export(path)
    shares = [p for p in expected_posts(author=linkedin.OWNER_UNKNOWN) if p.source_file == "Shares.csv"]
    assert [p.to_dict() for p in result.records] == [p.to_dict() for p in shares]
    assert [(s.path, s.line, s.reason) for s in result.skipped] == [
        (str(path), 14, "share without text"),
        (str(path), 15, "unreadable date"),
    ]


def test_windows_1252_file_with_crlf_is_decoded(tmp_path):
    result = read_export(build(tmp_path, {"Shares.csv": "Shares-cp1252.csv"}))
    assert [p.text for p in result.records] == ["Zoë’s café costs 5 € – “cheap”"]
    assert result.records[0].id == "li:share:7198000000000000030"


def test_byte_order_mark_before_the_header_is_ignored(tmp_path):
    data = b"\xef\xbb\xbf" + (FIXTURES / "Shares.csv").read_bytes()
    result = read_export(build(tmp_path, {"Shares.csv": data}))
    assert len(result.records) == 5


def test_crlf_line_endings_inside_a_multiline_share_are_unwrapped(tmp_path):
    data = (FIXTURES / "Shares.csv").read_bytes().replace(b"\n", b"\r\n")
    result = read_export(build(tmp_path, {"Shares.csv": data}))
    assert result.records[0].text == expected_posts()[0].text


@pytest.mark.parametrize(
    "value, text",
    [
        ("One line, untouched", "One line, untouched"),
        ('First"\n""\n"Third', "First\n\nThird"),
        ('"Starts with a quote"\n"ends with a quote"', '"Starts with a quote\nends with a quote"'),
        ('said "hi""\n""Next" line', 'said "hi"\n"Next" line'),
        ('x "y""\n""\n"z', 'x "y"\n\nz'),
        ("A clean\nmulti-line post", "A clean\nmulti-line post"),
        ('Half"\n"wrapped\nhalf clean', 'Half"\n"wrapped\nhalf clean'),
        ('Windows"\r\n"line ends', "Windows\nline ends"),
    ],
    ids=[
        "single-line",
        "blank-line",
        "outer-quotes",
        "inner-quotes",
        "quote-then-blank",
        "clean-multiline",
        "partly-wrapped-left-alone",
        "crlf",
    ],
)
def test_per_line_quote_artifact_is_undone(value, text):
    assert unwrap_commentary(value) == text


@pytest.mark.parametrize("member", ["Shares.csv", "Comments.csv"], ids=["shares", "comments"])
def test_csv_with_unknown_header_is_an_input_error_naming_member_and_line(tmp_path, member):
    path = build(tmp_path, {member: b"id,permalink,date,body\n1,https://example.org,2024-05-01,hello\n"})
    with pytest.raises(InputError, match=rf"{member}:1: not a LinkedIn {member}: missing column") as caught:
        read_export(path, input_format="linkedin")
    assert caught.value.path == f"{path}:{member}"
    assert caught.value.line == 1


def test_export_from_before_2019_reads_utf16_tabs_and_old_column_names(tmp_path):
    rows = [
        ["Date", "Share Title", "Share Description", "Share Link", "Share Commentary", "Shared URL", "Media URL"],
        ["2017/06/08 08:15:44 UTC", "", "", FEED_QUOTED + "activity%3A6278494528462786560", "", "", ""],
        ["2016/08/25 17:41:57 UTC", "", "", FEED_QUOTED + "activity%3A6174631705446576128", "Café, “quoted”\tand tabbed", "", ""],
    ]
    data = "".join("\t".join(f'"{cell}"' for cell in row) + "\n" for row in rows).encode("utf-16")
    result = read_export(build(tmp_path, {"Shares.csv": data}))
    assert [(p.id, p.text, p.created_at) for p in result.records] == [
        ("li:activity:6174631705446576128", "Café, “quoted”\tand tabbed", at("2016-08-25 17:41:57"))
    ]
    assert [(s.line, s.reason) for s in result.skipped] == [(2, "share without text")]


def test_comment_row_with_too_few_cells_is_skipped_and_the_rest_read(tmp_path):
    data = (
        b"Date,Link,Message\n"
        b"2024-05-14 09:12:33,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A1\n"
        b"2024-05-15 08:00:19,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A2,two\n"
    )
    result = read_export(build(tmp_path, {"Comments_12345.csv": data}))
    assert [p.text for p in result.records] == ["two"]
    assert [(s.line, s.reason) for s in result.skipped] == [(2, "wrong number of cells")]


def test_comment_over_unquoted_lines_and_commas_is_read_whole_and_named_by_its_first_line(tmp_path):
    data = (
        b"Date,Link,Message\r\n"
        b"2021-05-21 15:12:58,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A1,Two cases, really.\r\n"
        b"1) staff who come late, for food\r\n"
        b"\r\n"
        b'2) a "quoted" word\r\n'
        b"\r\n"
        b'2021-05-22 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A2,"quoted, with \\"escapes\\""\r\n'
        b"2021-05-23 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A3,Go Girl!\r\n"
    )
    result = read_export(build(tmp_path, {"Comments.csv": data}))
    assert [p.text for p in result.records] == [
        'Two cases, really.\n1) staff who come late, for food\n\n2) a "quoted" word',
        'quoted, with "escapes"',
        "Go Girl!",
    ]
    assert result.skipped == []


def test_identical_comment_rows_are_read_once_and_counted(tmp_path):
    row = b"2024-05-15 08:00:19,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A2,Well done\n"
    other = b"2024-05-15 08:00:19,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A2,Well done again\n"
    result = read_export(build(tmp_path, {"Comments.csv": b"Date,Link,Message\n" + row + other + row}))
    assert [(p.id, p.text) for p in result.records] == [
        ("li:comment:2-1715760019", "Well done"),
        ("li:comment:2-1715760019-2", "Well done again"),
    ]
    assert [(s.line, s.reason, s.is_fault) for s in result.skipped] == [(4, "same post twice", False)]


def test_over_long_share_is_skipped_as_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_TEXT_CHARS", 20)  # the limit every reader checks
    result = read_export(build(tmp_path, {"Shares.csv": "Shares.csv"}))
    assert "text too long" in {s.reason for s in result.skipped}
    assert all(len(p.text) <= 20 for p in result.records)


@pytest.mark.parametrize(
    "layout, found",
    [
        ({"Shares.csv": "Shares.csv"}, True),
        ({"export/Comments_98765.csv": "Comments.csv"}, True),
        ({"InstantReposts.csv": "InstantReposts.csv"}, True),
        ({ARTICLE: "article.html"}, True),
        ({"Connections.csv": "Connections.csv", "Profile.csv": "Profile.csv"}, False),
        ({"comments.csv": b"id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n"}, False),
    ],
    ids=["shares", "nested-comments", "instant-reposts", "article", "no-posts", "reddit-comments"],
)
def test_detection_by_name_and_header(tmp_path, layout, found):
    with Archive(build(tmp_path, layout)) as archive:
        assert linkedin.detect(archive) is found


def _shares_csv(rows: list[tuple[str, str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility"])
    for date, urn, text in rows:
        writer.writerow([date, f"https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A{urn}", text, "", "", "PUBLIC"])
    return out.getvalue().encode()


def _profile(first: str, last: str) -> bytes:
    return f"First Name,Last Name,Headline\n{first},{last},Writer\n".encode()


DANA = (
    "Most engagement advice is noise. What actually works is boring: answer every comment in the first "
    "hour, write the way you talk, and post when your audience is awake rather than when a growth guru says so."
)
ZOE = (
    "I spent a year rewriting my newsletter intro until it finally sounded like me. The trick was reading "
    "every draft out loud and deleting any sentence I would never say to a friend over coffee."
)
ZOE_AGAIN = (
    "I spent a whole year rewriting my newsletter intro until it finally sounded like me. The trick: "
    "reading each draft out loud and deleting any sentence I would never say to a friend over coffee. #writing"
)


def test_self_repost_and_copy_of_another_author_are_found(tmp_path):
    (tmp_path / "dana").mkdir()
    (tmp_path / "zoe").mkdir()
    dana = build(
        tmp_path / "dana",
        {"Profile.csv": _profile("Dana", "Example"), "Shares.csv": _shares_csv([("2024-05-01 08:00:00", "1", DANA)])},
    )
    zoe = build(
        tmp_path / "zoe",
        {
            "Profile.csv": _profile("Zoë", "Example"),
            "Shares.csv": _shares_csv(
                [
                    ("2024-05-02 08:00:00", "2", ZOE),
                    ("2024-05-09 08:00:00", "3", ZOE_AGAIN),
                    ("2024-05-10 08:00:00", "4", DANA + " 🚀"),
                ]
            ),
            "InstantReposts.csv": b"Date,Link\n2024-05-01 09:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A1\n",
        },
    )
    posts, _ = merge_posts(read_export(dana).records + read_export(zoe).records)
    findings = {f.id: f for f in Detector().scan(posts)}

    again = {m.id: m for m in findings["li:share:3"].matches}
    assert findings["li:share:3"].verdict != "original"
    assert again["li:share:2"].relation == "self_repost"
    copy = {m.id: m for m in findings["li:share:4"].matches}
    assert findings["li:share:4"].verdict == "copy"
    assert copy["li:share:1"].relation == "cross_author"
    assert copy["li:share:1"].author == "Dana Example"
    assert findings["li:share:2"].verdict == "original"
