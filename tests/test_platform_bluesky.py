"""Bluesky repositories read back to exact posts: real CAR files built here with a small
DAG-CBOR encoder (records, a two-level Merkle Search Tree, a commit), and the JSON forms."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import EXPORT_FORMS, HABITS, HABITS_AGAIN, make_export

from dupfeed import Detector, InputError, Post, Skip
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import read_export
from dupfeed.readers.platforms import bluesky
from dupfeed.readers.platforms.car import CID, CarError, decode_cbor, looks_like_car

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
DANA = "did:plc:zyxwvutsrqponmlkjihgfedc"


# --- a test-only DAG-CBOR encoder and CAR writer -----------------------------------------


def cbor(value) -> bytes:
    """DAG-CBOR: shortest integer heads, map keys sorted by length then bytes, CIDs as tag 42."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError(n)

    if value is None:
        return b"\xf6"
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        return head(3, len(value.encode())) + value.encode()
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, CID):
        return b"\xd8\x2a" + cbor(b"\x00" + value.raw)
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
    return head(5, len(value)) + b"".join(cbor(k) + cbor(value[k]) for k in keys)


def cid_of(block: bytes) -> CID:
    return CID(b"\x01\x71\x12\x20" + hashlib.sha256(block).digest())


def parse_cid(text: str) -> CID:
    body = text[1:].upper()
    return CID(base64.b32decode(body + "=" * (-len(body) % 8)))


def from_json(value):
    """DAG-JSON conventions to DAG-CBOR values: ``{"$link": cid}`` is a CID."""
    if isinstance(value, dict):
        if set(value) == {"$link"}:
            return parse_cid(value["$link"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def mst_node(entries: list[tuple[str, CID]], left: CID | None = None, right: CID | None = None) -> dict:
    """One tree node; keys prefix-compressed against the previous key of the node."""
    out, previous = [], b""
    for number, (key, value) in enumerate(entries):
        key_bytes = key.encode()
        shared = 0
        while shared < min(len(key_bytes), len(previous)) and key_bytes[shared] == previous[shared]:
            shared += 1
        subtree = right if number == len(entries) - 1 else None
        out.append({"p": shared, "k": key_bytes[shared:], "v": value, "t": subtree})
        previous = key_bytes
    return {"l": left, "e": out}


def build_car(did: str, records: dict[str, dict], *, unlisted: tuple[str, ...] = (), extra: list[bytes] = ()) -> bytes:
    """A repository export: a commit, a two-level tree over ``records`` (keyed
    ``collection/rkey``, keys in ``unlisted`` left out of the tree) and the record blocks in
    the given order."""
    record_blocks = [(key, cbor(from_json(record))) for key, record in records.items()]
    listed = sorted((key, cid_of(block)) for key, block in record_blocks if key not in unlisted)
    if len(listed) < 5:
        listed, low, high = listed, [], []
    else:
        listed, low, high = listed[2:-2], listed[:2], listed[-2:]
    left = cbor(mst_node(low))
    right = cbor(mst_node(high))
    root = cbor(mst_node(listed, left=cid_of(left), right=cid_of(right)))
    commit = cbor({"did": did, "version": 3, "data": cid_of(root), "rev": "3ksxzzzzzzz2a", "prev": None, "sig": bytes(64)})
    blocks = [commit, root, left, right, *(block for _, block in record_blocks)]
    out = bytearray()
    header = cbor({"roots": [cid_of(commit)], "version": 1})
    out += varint(len(header)) + header
    for block in blocks:
        cid = cid_of(block)
        out += varint(len(cid.raw) + len(block)) + cid.raw + block
    for raw in extra:  # blocks given as (CID + data) bytes
        out += varint(len(raw)) + raw
    return bytes(out)


def fixture_records() -> dict[str, dict]:
    records = json.loads((FIXTURES / "bsky_records.json").read_text(encoding="utf-8"))
    keyed = {f"{record['$type']}/{rkey}": record for rkey, record in records.items()}
    keyed["app.bsky.actor.profile/self"] = {"$type": "app.bsky.actor.profile", "displayName": "Zoë"}
    return keyed


# --- expected records ----------------------------------------------------------------


def skeet(rkey: str, text: str, created_at: datetime, source_file: str, **extra) -> Post:
    fields = dict(
        id=f"bluesky:at://{DID}/app.bsky.feed.post/{rkey}",
        text=text,
        author=DID,
        created_at=created_at,
        url=f"https://bsky.app/profile/{DID}/post/{rkey}",
        platform="bluesky",
        lang="en",
        source_file=source_file,
    )
    fields.update(extra)
    return Post(**fields)


def expected(source_file: str) -> list[Post]:
    def at(*args: int) -> datetime:
        return datetime(*args, tzinfo=UTC)

    return [
        skeet(
            "3ksx7zq2bvk2a",
            'Saw my own post "reposted" word-for-word by a spam account 🙃\nOriginal: https://example.org/blog/original-thread',
            at(2024, 5, 13, 9, 15, 42, 123000),
            source_file,
            links=("https://example.org/blog/original-thread",),
        ),
        skeet(
            "3ksx8f4m6nc2y",
            "Agreed — and the copies even keep the typo 😂",
            at(2024, 5, 13, 10, 2, 11, 870000),
            source_file,
            kind="reply",
            reply_to=f"at://{DID}/app.bsky.feed.post/3ksx7zq2bvk2a",
        ),
        skeet(
            # accents, an emoji and a ZWJ sequence before the link: byte offsets, not characters
            "3ksxb7d2kqp2c",
            "Café crème ☕ à Zürich, 👩🏽\u200d💻 notes from the trip: https://zoe.example/notes/zurich-2024?ref=bsky "
            "#travel with @dana.bsky.social",
            at(2024, 5, 14, 4, 0),
            source_file,
            links=("https://zoe.example/notes/zurich-2024?ref=bsky",),
            lang="fr",
        ),
        skeet("3kr5habits01a", HABITS, at(2024, 5, 10, 8, 0), source_file),
        skeet("3ktrepost02b", HABITS_AGAIN, at(2024, 5, 20, 8, 0), source_file),
    ]


def expected_skips(where: str, lines: tuple[int, int, int]) -> list[Skip]:
    return [
        Skip(where, lines[0], "repost", f"at://{DANA}/app.bsky.feed.post/3ksw2m4ak7c2x"),
        Skip(where, lines[1], "media without text", f"at://{DID}/app.bsky.feed.post/3ksxc4f5mnt2d"),
        Skip(where, lines[2], "unreadable date", "'not a date'"),
    ]


# --- containers ------------------------------------------------------------------------


def build(tmp_path: Path, member: str, data: bytes, form: str) -> Path:
    return make_export(tmp_path, "bluesky-export", {member: data}, form)


@pytest.mark.parametrize("form", EXPORT_FORMS, ids=EXPORT_FORMS)
def test_car_export_reads_to_exact_posts(tmp_path, form):
    path = build(tmp_path, f"{DID}.car", build_car(DID, fixture_records()), form)
    result = read_export(path)
    where = str(path) if form == "file" else f"{path}:{DID}.car"
    assert result.records == expected(f"{DID}.car")
    # record blocks follow the commit and three tree nodes: block numbers 5…
    assert result.skipped == expected_skips(where, (7, 9, 10))


@pytest.mark.parametrize("form", EXPORT_FORMS, ids=EXPORT_FORMS)
def test_records_json_reads_to_the_same_posts(tmp_path, form):
    path = build(tmp_path, "bsky_records.json", (FIXTURES / "bsky_records.json").read_bytes(), form)
    result = read_export(path)
    where = str(path) if form == "file" else f"{path}:bsky_records.json"
    assert result.records == expected("bsky_records.json")
    assert result.skipped == expected_skips(where, (3, 5, 6))


def test_named_input_format_reads_a_car_without_extension(tmp_path):
    path = build(tmp_path, "repo", build_car(DID, fixture_records()), "file")
    assert read_export(path).records == expected("repo")  # sniffed from the CAR header
    assert read_export(path, input_format="bluesky").records == expected("repo")


def test_unpacked_folder_of_record_files_reads_to_the_same_posts(tmp_path):
    root = tmp_path / "unpacked"
    for key, record in fixture_records().items():
        file = root / DID / f"{key}.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = read_export(root)
    by_id = {p.id: p for p in result.records}
    assert sorted(by_id) == sorted(p.id for p in expected(""))
    for post in expected(""):
        member = f"{DID}/app.bsky.feed.post/{post.id.rsplit('/', 1)[1]}.json"
        assert by_id[post.id] == dataclasses.replace(post, source_file=member)
    assert sorted(s.reason for s in result.skipped) == ["media without text", "repost", "unreadable date"]


def test_record_outside_the_tree_gets_its_cid_as_id(tmp_path):
    records = fixture_records()
    key = "app.bsky.feed.post/3kr5habits01a"
    path = build(tmp_path, "repo.car", build_car(DID, records, unlisted=(key,)), "file")
    post = next(p for p in read_export(path).records if p.text == HABITS)
    cid = cid_of(cbor(from_json(records[key])))
    assert str(cid).startswith("bafyrei")
    assert (post.id, post.url, post.author) == (f"bluesky:{cid}", None, DID)


def test_malformed_block_is_skipped_and_the_rest_read(tmp_path):
    bad = b"\xbf\x61a\x01\xff"  # an indefinite-length map: CBOR, but not DAG-CBOR
    data = build_car(DID, fixture_records(), extra=[cid_of(bad).raw + bad])
    path = build(tmp_path, "repo.car", data, "file")
    result = read_export(path)
    assert result.records == expected("repo.car")
    malformed = Skip(str(path), 15, "malformed block", f"{cid_of(bad)}: indefinite-length or reserved CBOR item (not DAG-CBOR)")
    assert result.skipped == [malformed, *expected_skips(str(path), (7, 9, 10))]


@pytest.mark.parametrize(
    "data, message",
    [
        (lambda car: car[:-7], "not a readable CAR file: truncated block"),
        (lambda car: varint(17) + cbor({"roots": [], "version": 2}), "CAR version 2"),
        (lambda car: b"\x05hello" + car, "not a readable CAR file"),
    ],
    ids=["truncated", "car-v2", "garbage-header"],
)
def test_unreadable_car_is_an_input_error_naming_the_member(tmp_path, data, message):
    path = build(tmp_path, "repo.car", data(build_car(DID, fixture_records())), "zip")
    with pytest.raises(InputError, match=rf"^{path}:repo\.car: .*{message}"):
        read_export(path)


def test_truncated_records_json_is_an_input_error_with_its_line(tmp_path):
    text = (FIXTURES / "bsky_records.json").read_text(encoding="utf-8")
    path = build(tmp_path, "bsky_records.json", text[: len(text) // 2].encode(), "zip")
    with pytest.raises(InputError, match=rf"^{path}:bsky_records\.json:\d+: malformed JSON"):
        read_export(path, input_format="bluesky")


@pytest.mark.parametrize(
    "text, facet, expected_text",
    [
        ("né: x.org/a…", (5, 15), "né: https://x.org/abc"),  # "é" and "…" take 2 and 3 bytes
        ("né: x.org/a…", (2, 15), "né: x.org/a…"),  # offsets splitting a character: text kept as shown
        ("read my blog", (8, 12), "read my blog"),  # a label that is not the URL stays
        ("🙃 x.org/a…", (99, 120), "🙃 x.org/a…"),  # out of range: text kept
    ],
    ids=["multibyte", "split-char", "label", "out-of-range"],
)
def test_link_facets_use_utf8_byte_offsets(tmp_path, text, facet, expected_text):
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": "2024-05-13T09:00:00Z",
        "facets": [
            {
                "index": {"byteStart": facet[0], "byteEnd": facet[1]},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x.org/abc"}],
            }
        ],
    }
    path = build(tmp_path, "bsky.json", json.dumps({"3kaaaaaaaaa2a": record}).encode(), "file")
    [post] = read_export(path).records
    assert (post.text, post.links[0]) == (expected_text, "https://x.org/abc")


def test_detection_is_by_car_header_or_records_not_any_json(tmp_path):
    assert looks_like_car(build_car(DID, {})[:64])
    assert not looks_like_car(b'{"roots": []}')
    other = build(tmp_path, "your_posts_1.json", b'[{"timestamp": 1}]', "zip")
    with Archive(other) as archive:
        assert not bluesky.detect(archive)


# --- the DAG-CBOR decoder ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        0,
        23,
        24,
        255,
        256,
        65536,
        2**32,
        2**64 - 1,
        -1,
        -25,
        -(2**63),
        1.5,
        -0.0,
        "",
        "Zürich 🙃",
        b"\x00\xff",
        [],
        [1, [2, [3]]],
        {"a": None, "bb": True, "c": False},
        CID(b"\x01\x71\x12\x20" + bytes(32)),
    ],
    ids=repr,
)
def test_cbor_decoder_reads_what_the_encoder_writes(value):
    assert decode_cbor(cbor(value)) == value


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x9f\x01\xff", "indefinite-length"),
        (b"\xc1\x01", "tag 1"),
        (b"\xa1\x01\x02", "map key is not a string"),
        (b"\x9b" + (2**40).to_bytes(8, "big"), "more than the bytes left"),
        (b"\x81" * 200 + b"\x00", "nested deeper"),
        (b"\x62\xc3", "runs past the end"),
        (b"\x62\xc3\x28", "not UTF-8"),
        (b"\x01\x02", "stray bytes"),
    ],
    ids=["indefinite", "other-tag", "int-key", "huge-array", "deep", "short", "bad-utf8", "stray"],
)
def test_cbor_decoder_refuses_what_is_not_dag_cbor(data, message):
    with pytest.raises(CarError, match=message):
        decode_cbor(data)


def test_half_and_single_floats_decode():
    assert decode_cbor(b"\xf9\x3e\x00") == 1.5
    assert decode_cbor(b"\xfa\x3f\xc0\x00\x00") == 1.5


# --- end to end ---------------------------------------------------------------------------


def test_self_repost_and_copy_by_another_author_are_found(tmp_path):
    zoe = read_export(build(tmp_path, "zoe.car", build_car(DID, fixture_records()), "file"))
    copy = {"$type": "app.bsky.feed.post", "text": HABITS + " 💯", "createdAt": "2024-05-21T09:00:00.000Z"}
    dana_car = build_car(DANA, {"app.bsky.feed.post/3kuaaaaaaaa2a": copy})
    dana = read_export(build(tmp_path, "dana.car", dana_car, "file"))
    assert [p.author for p in dana.records] == [DANA]

    findings = {f.id: f for f in Detector().scan(zoe.records + dana.records)}
    original = f"bluesky:at://{DID}/app.bsky.feed.post/3kr5habits01a"
    repost = findings[f"bluesky:at://{DID}/app.bsky.feed.post/3ktrepost02b"]
    copied = findings[f"bluesky:at://{DANA}/app.bsky.feed.post/3kuaaaaaaaa2a"]
    assert [(m.id, m.relation) for m in repost.matches] == [(original, "self_repost")]
    assert (original, "cross_author") in [(m.id, m.relation) for m in copied.matches]
    assert copied.verdict == "copy"
