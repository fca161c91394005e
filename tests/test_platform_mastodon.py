"""Mastodon archives read back, in every container a user may have, to exact posts; and the
archive safety that every platform reader relies on (unsafe names, zip bombs, corrupt zips)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from conftest import EXPORT_FORMS, HABITS, HABITS_AGAIN, at, make_export

from dupfeed import Detector, InputError, Post, Skip
from dupfeed.readers import archive as archive_module
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import read_export
from dupfeed.readers.platforms import mastodon

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
NAME = "archive-20240521101500-0123456789abcdef0123456789abcdef"
ZOE = "https://mastodon.example/users/zoe/statuses/"


def toot(number: str, text: str, created_at: datetime, **extra) -> Post:
    fields = dict(
        id=f"mastodon:{ZOE}{number}",
        text=text,
        author="zoe@mastodon.example",
        created_at=created_at,
        url=f"https://mastodon.example/@zoe/{number}",
        platform="mastodon",
        lang="en",
        source_file="outbox.json",
    )
    fields.update(extra)
    return Post(**fields)


EXPECTED = [
    toot(
        "112440000000000001",
        'Hot take: "copy-paste threads" aren\'t content & never were 🧵\n\nOriginal post ↓\n'
        "https://example.org/blog/original-thread #writing",
        at(2024, 5, 13, 9, 15, 42),
        links=("https://example.org/blog/original-thread",),
    ),
    toot(
        "112441000000000003",
        "@dana 100% — saw that exact thread 3x today 😅",  # the CW "thread drama" is left out
        at(2024, 5, 13, 18, 44),  # published, not the later "updated" of the edit
        kind="reply",
        reply_to="https://other.example/users/dana/statuses/112439000000000777",
    ),
    toot("112400000000000010", HABITS, at(2024, 5, 10, 8, 0)),
    toot(
        "112446000000000012",
        "Followers only: drafts of the essay are up at https://zoe.example/drafts/habits?utm_source=mastodon"
        "\n\nComments welcome <3\n— Z.",
        at(2024, 5, 15, 7, 30),
        links=("https://zoe.example/drafts/habits?utm_source=mastodon",),
        lang="fr",
    ),
    toot("112490000000000016", HABITS_AGAIN, at(2024, 5, 20, 8, 0)),
]


def expected_skips(where: str) -> list[Skip]:
    return [
        Skip(where, 2, "boost", "https://other.example/users/dana/statuses/112439000000000777"),
        Skip(where, 5, "direct message", f"{ZOE}112445000000000011"),
        Skip(where, 7, "unreadable date", "'yesterday'"),
        Skip(where, 8, "media without text", f"{ZOE}112448000000000014"),
        Skip(where, 9, "boost", f"{ZOE}112446000000000012"),  # a self-boost with its Note inlined
    ]


def fixture_files() -> dict[str, bytes]:
    return {
        "outbox.json": (FIXTURES / "outbox.json").read_bytes(),
        "actor.json": (FIXTURES / "actor.json").read_bytes(),
        "avatar.png": b"\x89PNG\r\n\x1a\n",
        "media_attachments/files/112/448/000/original/a.png": b"\x89PNG\r\n\x1a\n",
    }


def build(tmp_path: Path, files: dict[str, bytes], form: str, name: str = NAME) -> Path:
    return make_export(tmp_path, name, files, form)


def where(path: Path, form: str, member: str = "outbox.json") -> str:
    return str(path) if form == "file" else f"{path}:{member}"


@pytest.mark.parametrize("form", EXPORT_FORMS, ids=EXPORT_FORMS)
def test_every_container_reads_to_the_same_exact_posts(tmp_path, form):
    path = build(tmp_path, fixture_files(), form)
    result = read_export(path)
    assert result.records == EXPECTED
    assert result.skipped == expected_skips(where(path, form))


def test_named_input_format_reads_the_same(tmp_path):
    path = build(tmp_path, fixture_files(), "zip")
    result = read_export(path, input_format="mastodon")
    assert result.records == EXPECTED
    assert mastodon.detect(Archive(path))


def test_author_comes_from_the_actor_url_without_actor_json(tmp_path):
    files = fixture_files()
    del files["actor.json"]
    result = read_export(build(tmp_path, files, "zip"))
    assert {p.author for p in result.records} == {"zoe@mastodon.example"}


def test_direct_messages_are_read_only_when_asked(tmp_path):
    with Archive(build(tmp_path, fixture_files(), "zip")) as archive:
        result = mastodon.read(archive, include_direct=True)
    direct = [p for p in result.records if p.id.endswith("112445000000000011")]
    assert direct == [
        toot(
            "112445000000000011",
            "@dana between us: I think the copy account is run by the agency we both turned down.",
            at(2024, 5, 14, 20, 0),
        )
    ]
    assert "direct message" not in {s.reason for s in result.skipped}


def test_scan_include_direct_reads_direct_messages(tmp_path):
    import json

    from click.testing import CliRunner

    from dupfeed.cli.main import main

    path = build(tmp_path, fixture_files(), "zip")
    ids = []
    for flags in ([], ["--include-direct"]):
        result = CliRunner().invoke(main, ["scan", str(path), "-f", "jsonl", *flags])
        assert "Traceback" not in result.output  # the fixture holds bad records: exit 1 is expected
        ids.append({json.loads(line)["id"] for line in result.stdout.splitlines()})
    assert ids[1] - ids[0] == {f"mastodon:{ZOE}112445000000000011"}


def test_mention_and_hashtag_links_are_not_outbound_links(tmp_path):
    # The first toot links a blog post and tags #writing; the reply mentions @dana.
    outbox = (FIXTURES / "outbox.json").read_text(encoding="utf-8")
    assert "https://mastodon.example/tags/writing" in outbox and "https://other.example/@dana" in outbox
    posts = {p.id: p for p in read_export(build(tmp_path, fixture_files(), "zip")).records}
    assert posts[f"mastodon:{ZOE}112440000000000001"].links == ("https://example.org/blog/original-thread",)
    assert posts[f"mastodon:{ZOE}112441000000000003"].links == ()


def test_too_long_status_is_skipped_and_the_rest_read(tmp_path):
    outbox = json.loads((FIXTURES / "outbox.json").read_text(encoding="utf-8"))
    outbox["orderedItems"][2]["object"]["content"] = "<p>" + "word " * 250_000 + "</p>"
    path = build(tmp_path, {"outbox.json": json.dumps(outbox).encode()}, "zip")
    result = read_export(path)
    assert [s.reason for s in result.skipped if s.line == 3] == ["text too long"]
    assert len(result.records) == len(EXPECTED) - 1


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"orderedItems": [{"type": "Create", "object": {', "outbox.json:1: malformed JSON"),
        (b'{"type": "OrderedCollection", "items": []}', "outbox.json: not a Mastodon outbox"),
        (b'\xff{"orderedItems": []}', "outbox.json:1: not UTF-8"),
    ],
    ids=["truncated", "no-ordered-items", "not-utf8"],
)
def test_unreadable_outbox_is_an_input_error_naming_the_member(tmp_path, content, message):
    path = build(tmp_path, {"outbox.json": content}, "zip")
    with pytest.raises(InputError, match=rf"^{path}:{message}"):
        read_export(path)


# --- archive safety (shared by every reader) -------------------------------------------


@pytest.mark.parametrize("evil", ["../evil.txt", "/etc/x", "media/../../evil.txt"], ids=["parent", "absolute", "nested"])
def test_unsafe_member_names_are_refused_and_nothing_is_written(tmp_path, evil):
    inside = tmp_path / "inside"
    inside.mkdir()
    path = inside / f"{NAME}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("outbox.json", (FIXTURES / "outbox.json").read_bytes())
        archive.writestr(zipfile.ZipInfo(evil), b"owned")
    result = read_export(path)
    assert result.skipped[0] == Skip(str(path), None, "unsafe member name", evil)
    assert result.records == EXPECTED
    assert not (tmp_path / "evil.txt").exists() and not (inside / "evil.txt").exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["inside", path.name])


def test_zip_bomb_is_refused_with_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_MEMBER_BYTES", 1 << 20)
    path = tmp_path / f"{NAME}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("outbox.json", b" " * (2 << 20))  # 2 MiB of spaces, a few KiB zipped
    assert path.stat().st_size < 20_000
    with pytest.raises(InputError, match=r"outbox\.json: 2 MiB when decompressed, over 1 MiB: refused \(zip bomb\?\)"):
        read_export(path)


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("outbox.json", (FIXTURES / "outbox.json").read_bytes())
    return buffer.getvalue()


def _damage_header(data: bytes) -> bytes:
    return data[:30] + bytes(b ^ 0xFF for b in data[30:40]) + data[40:]


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _damage_deflate(data: bytes) -> bytes:
    return data[:80] + bytes(b ^ 0xFF for b in data[80:120]) + data[120:]


@pytest.mark.parametrize(
    "damage",
    [
        _damage_header,
        _truncate,
        _damage_deflate,
    ],
    ids=["member-header", "truncated", "deflate-stream"],
)
def test_corrupt_zip_is_an_input_error(tmp_path, damage):
    path = tmp_path / f"{NAME}.zip"
    path.write_bytes(damage(_zip_bytes()))
    with pytest.raises(InputError, match=rf"^{path}"):
        read_export(path)


# --- end to end ---------------------------------------------------------------------------


def test_self_repost_and_copy_by_another_author_are_found(tmp_path):
    (tmp_path / "zoe").mkdir()
    zoe = read_export(build(tmp_path / "zoe", fixture_files(), "zip"))
    dana_actor = "https://other.example/users/dana"
    dana_outbox = {
        "orderedItems": [
            {
                "id": f"{dana_actor}/statuses/112500000000000001/activity",
                "type": "Create",
                "actor": dana_actor,
                "published": "2024-05-21T09:00:00Z",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [f"{dana_actor}/followers"],
                "object": {
                    "id": f"{dana_actor}/statuses/112500000000000001",
                    "type": "Note",
                    "published": "2024-05-21T09:00:00Z",
                    "content": f"<p>{HABITS} 💯</p>",
                },
            }
        ]
    }
    (tmp_path / "dana").mkdir()
    dana = read_export(build(tmp_path / "dana", {"outbox.json": json.dumps(dana_outbox).encode()}, "zip"))
    assert dana.records[0].author == "dana@other.example"

    findings = {f.id: f for f in Detector().scan(zoe.records + dana.records)}
    original = f"mastodon:{ZOE}112400000000000010"
    repost = findings[f"mastodon:{ZOE}112490000000000016"]
    copy = findings[f"mastodon:{dana_actor}/statuses/112500000000000001"]
    assert [(m.id, m.relation) for m in repost.matches] == [(original, "self_repost")]
    assert (original, "cross_author") in [(m.id, m.relation) for m in copy.matches]
    assert copy.verdict == "copy"
