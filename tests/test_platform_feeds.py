"""RSS 2.0, RSS 1.0 and Atom feed files read back to exact posts; hostile XML refused."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import EXPORT_FORMS, HABITS, HABITS_AGAIN, at, make_export

from dupfeed import Detector, InputError, Post, Skip
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import read_export
from dupfeed.readers.platforms import feeds

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
BLOG = "https://blog.example.org/2024/05/"
TIPS = "Every week I see the same 10 tips reposted word for word 🧵"


def entry(native: str, text: str, created_at: datetime, url: str | None, source_file: str, **extra) -> Post:
    fields = dict(
        id=f"rss:{native}",
        text=text,
        author="Zoë Example",
        created_at=created_at,
        url=url,
        platform="rss",
        lang="en",
        source_file=source_file,
    )
    fields.update(extra)
    return Post(**fields)


def rss_posts(source_file: str) -> list[Post]:
    return [
        entry(
            "tag:blog.example.org,2024:post-101",
            f"{TIPS}\n\nOriginal: https://example.org/blog/original-thread",  # a link shown as a URL reads as its target
            at(2024, 5, 13, 9, 15, 42),
            BLOG + "13/copy-paste-threads",
            source_file,
            links=("https://example.org/blog/original-thread",),
        ),
        entry(
            BLOG + "14/same-thread",
            TIPS,  # content:encoded preferred to description
            at(2024, 5, 14, 7, 31, 2),
            BLOG + "14/same-thread?utm_source=rss",
            source_file,
            author="Zoë's notes",  # no item author: the feed's title
        ),
        # escaped HTML; "zoe@… (Zoë Example)" author; +0200 made UTC
        entry(BLOG + "10/five-habits", HABITS, at(2024, 5, 10, 8, 0), BLOG + "10/five-habits", source_file),
        # no title and no <link>: the permalink guid is the URL
        entry(BLOG + "20/five-habits-again", HABITS_AGAIN, at(2024, 5, 20, 8, 0), BLOG + "20/five-habits-again", source_file),
    ]


def rss_skips(where: str) -> list[Skip]:
    return [Skip(where, 33, "no date", ""), Skip(where, 44, "empty text", "tag:blog.example.org,2024:post-106")]


ATOM_POSTS = [
    entry(
        "tag:blog.example.org,2024:post-101",
        TIPS,
        at(2024, 5, 13, 9, 15, 42),
        BLOG + "13/copy-paste-threads",
        "feed.atom.xml",
        author="Zoë E.",
    ),
    # only <updated>; a text summary is not HTML ("<3" stays)
    entry(
        "tag:blog.example.org,2024:post-102", f"{TIPS} <3", at(2024, 5, 14, 7, 31, 2), BLOG + "14/same-thread", "feed.atom.xml"
    ),
    # XHTML content; the alternate link, not the edit link; xml:lang of the entry
    entry(
        "tag:blog.example.org,2024:post-103",
        "Un café crème à Zürich, mes notes.\n\nÀ bientôt\xa0!",
        at(2024, 5, 15, 4, 0),
        BLOG + "15/cafe",
        "feed.atom.xml",
        links=("https://zoe.example/notes/zurich",),
        lang="fr",
    ),
]
RDF_POSTS = [
    Post(
        id="rss:https://old.example.net/2024/05/zurich",
        text="Grüße aus Zürich & Umgebung.",
        author="Old-school notes",
        created_at=at(2024, 5, 16, 10, 0),
        url="https://old.example.net/2024/05/zurich",
        platform="rss",
        lang="de",
        source_file="feed.rdf.xml",
    ),
]


def build(tmp_path: Path, member: str, data: bytes, form: str) -> Path:
    return make_export(tmp_path, "feeds", {member: data}, form)


@pytest.mark.parametrize("form", EXPORT_FORMS, ids=EXPORT_FORMS)
def test_rss_feed_in_every_container_reads_to_exact_posts(tmp_path, form):
    path = build(tmp_path, "feed.rss.xml", (FIXTURES / "feed.rss.xml").read_bytes(), form)
    result = read_export(path)
    assert result.records == rss_posts("feed.rss.xml")
    assert result.skipped == rss_skips(str(path) if form == "file" else f"{path}:feed.rss.xml")


@pytest.mark.parametrize("name, expected", [("feed.atom.xml", ATOM_POSTS), ("feed.rdf.xml", RDF_POSTS)], ids=["atom", "rss1-rdf"])
def test_atom_and_rdf_feeds_read_to_exact_posts(tmp_path, name, expected):
    path = build(tmp_path, name, (FIXTURES / name).read_bytes(), "zip")
    result = read_export(path)
    assert (result.records, result.skipped) == (expected, [])
    assert read_export(path, input_format="rss").records == expected


@pytest.mark.parametrize("suffix", [".rss", ".atom"])
def test_feed_suffixes_are_detected(tmp_path, suffix):
    path = build(tmp_path, f"blog{suffix}", (FIXTURES / "feed.atom.xml").read_bytes(), "file")
    assert [p.id for p in read_export(path).records] == [p.id for p in ATOM_POSTS]


@pytest.mark.parametrize("form", ["file", "zip"])
def test_entity_bomb_is_refused_not_expanded(tmp_path, form):
    path = build(tmp_path, "bomb.xml", (FIXTURES / "bomb.xml").read_bytes(), form)
    with pytest.raises(InputError, match=r"bomb\.xml:2: XML declares entities in its DOCTYPE .*refused"):
        read_export(path)


def test_entity_declaration_in_utf16_is_refused_too(tmp_path):
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]>'
        "<rss><channel><title>t</title><item><guid>g</guid><description>&a;</description></item></channel></rss>"
    )
    path = build(tmp_path, "feed.xml", xml.encode("utf-16"), "file")
    with pytest.raises(InputError, match="declares entities"):
        read_export(path)


def test_external_doctype_is_not_fetched_and_the_feed_is_read(tmp_path):
    xml = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>Old</title>'
        "<item><title>One</title><link>https://old.example/1</link><description>Text &amp; more.</description>"
        "<pubDate>Mon, 13 May 2024 09:15:42 GMT</pubDate></item></channel></rss>"
    )
    path = build(tmp_path, "old.rss", xml.encode(), "file")
    assert read_export(path).records == [
        Post(
            id="rss:https://old.example/1",
            text="Text & more.",
            author="Old",
            created_at=at(2024, 5, 13, 9, 15, 42),
            url="https://old.example/1",
            platform="rss",
            source_file="old.rss",
        )
    ]


@pytest.mark.parametrize(
    "xml, message",
    [
        (
            b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel><title>x</title>\n<item></channel></rss>',
            r"feed\.xml:4: XML does not parse",
        ),
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title>', r"feed\.xml:\d+: XML does not parse"),
        (b"<rss/>", r"feed\.xml: RSS without a channel"),
        (b"<html><body>not a feed</body></html>", r"feed\.xml: not an RSS or Atom feed"),
    ],
    ids=["mismatched-tag", "truncated", "no-channel", "html"],
)
def test_unreadable_feed_is_an_input_error_naming_member_and_line(tmp_path, xml, message):
    path = build(tmp_path, "feed.xml", xml, "zip")
    with pytest.raises(InputError, match=rf"^{path}:{message}"):
        read_export(path, input_format="rss")


def test_detection_wants_a_single_feed_file(tmp_path):
    svg = build(tmp_path, "image.xml", b'<?xml version="1.0"?><!-- <rss> --><svg xmlns="x"/>', "file")
    with Archive(svg) as archive:
        assert not feeds.detect(archive)
    atom = build(tmp_path, "feed.atom", b'<?xml version="1.0"?>\n<!-- a comment --><feed xmlns="x"/>', "file")
    with Archive(atom) as archive:
        assert feeds.detect(archive)


def test_self_repost_and_copy_by_another_author_are_found(tmp_path):
    zoe = read_export(build(tmp_path, "zoe.rss.xml", (FIXTURES / "feed.rss.xml").read_bytes(), "file"))
    dana_feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Dana writes</title><id>tag:dana.example,2024:feed</id><updated>2024-05-21T09:00:00Z</updated>"
        "<entry><title>My habits</title><id>tag:dana.example,2024:1</id>"
        '<link href="https://dana.example/habits"/><published>2024-05-21T09:00:00Z</published>'
        f'<content type="html">&lt;p&gt;{HABITS} 💯&lt;/p&gt;</content></entry></feed>'
    )
    dana = read_export(build(tmp_path, "dana.atom", dana_feed.encode(), "file"))
    assert [p.author for p in dana.records] == ["Dana writes"]

    findings = {f.id: f for f in Detector().scan(zoe.records + dana.records)}
    original = f"rss:{BLOG}10/five-habits"
    repost, copy = findings[f"rss:{BLOG}20/five-habits-again"], findings["rss:tag:dana.example,2024:1"]
    assert [(m.id, m.relation) for m in repost.matches] == [(original, "self_repost")]
    assert (original, "cross_author") in [(m.id, m.relation) for m in copy.matches]
    assert copy.verdict == "copy"
