"""Bluesky repository exports: a ``.car`` file (``com.atproto.sync.getRepo``, or Settings →
Export my data), or the same records as JSON.

Quirks handled, and why:

- **Record keys.** A post's URL needs its rkey, which lives only in the Merkle Search Tree:
  the commit (the CAR root) points at the tree's root node ``{l, e: [{p, k, v, t}]}``, where
  each entry's key is ``p`` bytes of the previous key of the same node followed by ``k``. The
  tree is walked to map record CIDs to ``app.bsky.feed.post/<rkey>``. A record no walked node
  reaches (a partial export) is still read, with its CID as its id.
- **Ids.** ``bluesky:at://<did>/app.bsky.feed.post/<rkey>`` (the record's AT URI, unique across
  accounts); ``bluesky:<rkey>`` when the DID is unknown (JSON without one); ``bluesky:<cid>``
  when the rkey is unknown. The author is the DID: the handle is not in the repository.
- **Links.** Link text is often shortened (``example.org/blog/orig…``); the full URL is only in
  the facet, whose ``byteStart``/``byteEnd`` are UTF-8 *byte* offsets. A facet whose visible
  text is a shortened form of its URL is replaced by the full URL, as Mastodon's HTML is, so the
  same post reads the same on both; ``links`` are the facet URLs and ``embed.external.uri``.
- **Reposts** (``app.bsky.feed.repost``) hold no text: skipped as "repost" (detail: the URI).
- **Pictures without text.** A post with an ``embed`` and no text is left out as "media without
  text" (counted, not a fault).
- **JSON forms.** An object of records keyed by rkey (``{"3ksx…": {"$type": …}}``), or the
  ``<did>/<collection>/<rkey>.json`` files of the cookbook's ``unpack``. In the keyed form the
  DID is taken from a reply that points at one of the file's own posts, when there is one.
"""

from __future__ import annotations

import re

from ...errors import InputError
from ...records import Post, Skip
from ...urls import extract_urls
from .. import reasons
from ..archive import Archive
from ..common import BadRecord, ReadResult, add_post, checked_text, parse_datetime
from .car import CID, DAG_CBOR, CarError, decode_cbor, iter_blocks, looks_like_car, read_header

NAME = "bluesky"
POST, REPOST = "app.bsky.feed.post", "app.bsky.feed.repost"
_UNPACKED = re.compile(r"(?:^|/)(did:[^/]+)/([A-Za-z0-9.-]+)/([^/]+)\.json$")
_OWN_REF = re.compile(r"^at://(did:[^/]+)/app\.bsky\.feed\.post/([^/]+)$")


def _json_members(archive: Archive) -> list[str]:
    """JSON members that may hold Bluesky records, chosen by name so detection reads nothing
    from unrelated exports (a Facebook archive is all JSON)."""
    out = []
    for member in archive.members():
        low = member.lower()
        if low.endswith(".json") and (
            _UNPACKED.search(member) or "bsky" in low or "bluesky" in low or len(archive.members()) == 1
        ):
            out.append(member)
    return out


def export_roots(archive: Archive) -> list[str]:
    """The folder above each unpacked repository (``<did>/<collection>/<rkey>.json``); a ``.car``
    file is an export of its own."""
    roots = []
    for member in archive.members():
        found = _UNPACKED.search(member)
        if found:
            roots.append(member[: found.start(1)])
    return list(dict.fromkeys(roots))


def detect(archive: Archive) -> bool:
    """A ``.car`` member; a single file that starts with a CAR header (64 bytes read); or JSON
    named like Bluesky records that mentions ``app.bsky.``."""
    if any(m.lower().endswith(".car") for m in archive.members()):
        return True
    if archive.kind == "file":
        with open(archive.path, "rb") as handle:
            if looks_like_car(handle.read(64)):
                return True
    for member in _json_members(archive):
        unpacked = _UNPACKED.search(member)
        if unpacked:
            if unpacked.group(2) == POST:
                return True
        elif b'"app.bsky.' in archive.read_head(member, 4096):
            return True
    return False


def read(archive: Archive) -> ReadResult[Post]:
    """Every post of every ``.car`` (or records JSON) in the archive; reposts are skipped."""
    result: ReadResult[Post] = ReadResult()
    cars = [m for m in archive.members() if m.lower().endswith(".car")]
    if not cars and archive.kind == "file" and not archive.path.name.lower().endswith(".json"):
        cars = archive.members()
    if not cars and not _json_members(archive):
        raise InputError("no Bluesky repository (.car) or records JSON found", path=str(archive.path))
    for member in cars:
        _read_car(archive, member, result)
    unpacked: list[tuple[str, str, str, str]] = []
    for member in _json_members(archive):
        found = _UNPACKED.search(member)
        if not found:
            _read_keyed_json(archive, member, result)
        elif found.group(2) in (POST, REPOST):  # likes, follows, the profile: not posts
            unpacked.append((member, found.group(1), found.group(2), found.group(3)))
    for member, did, collection, rkey in unpacked:
        record = archive.read_json(member)
        _add(result, record, did=did, key=f"{collection}/{rkey}", cid=None, where=archive.where(member), line=None, member=member)
    return result


def _read_car(archive: Archive, member: str, result: ReadResult[Post]) -> None:
    data = archive.read_bytes(member)
    try:
        roots, start = read_header(data)
        blocks = list(iter_blocks(data, start))
    except CarError as err:
        raise InputError(f"not a readable CAR file: {err}", path=archive.where(member)) from err
    where = archive.where(member)
    decoded: dict[CID, object] = {}
    for number, (cid, raw) in enumerate(blocks, start=1):
        if cid.codec != DAG_CBOR:
            continue  # blobs and other raw blocks hold no records
        try:
            decoded[cid] = decode_cbor(raw)
        except CarError as err:
            result.skipped.append(Skip(where, number, reasons.MALFORMED_BLOCK, f"{cid}: {err}"))
    commit = decoded.get(roots[0]) if roots else None
    did = commit.get("did") if isinstance(commit, dict) and isinstance(commit.get("did"), str) else None
    keys = _tree_keys(decoded, commit.get("data") if isinstance(commit, dict) else None)
    for number, (cid, _) in enumerate(blocks, start=1):
        record = decoded.get(cid)
        if isinstance(record, dict) and record.get("$type") in (POST, REPOST):
            for key in dict.fromkeys(keys.get(cid) or (None,)):
                _add(result, record, did=did, key=key, cid=cid, where=where, line=number, member=member)


def _tree_keys(blocks: dict[CID, object], root: object) -> dict[CID, list[str]]:
    """Record CID -> its repository keys (``collection/rkey``), from the Merkle Search Tree."""
    keys: dict[CID, list[str]] = {}
    stack, seen = [root], set()
    while stack:
        cid = stack.pop()
        node = blocks.get(cid) if isinstance(cid, CID) and cid not in seen else None
        if not isinstance(node, dict):
            continue
        seen.add(cid)
        stack.append(node.get("l"))
        previous = b""
        for entry in node.get("e") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("k"), bytes):
                continue
            prefix = entry.get("p") if isinstance(entry.get("p"), int) else 0
            previous = previous[:prefix] + entry["k"]
            if isinstance(entry.get("v"), CID):
                keys.setdefault(entry["v"], []).append(previous.decode("utf-8", "replace"))
            stack.append(entry.get("t"))
    return keys


def _read_keyed_json(archive: Archive, member: str, result: ReadResult[Post]) -> None:
    records = archive.read_json(member)
    if not isinstance(records, dict):
        raise InputError("not Bluesky records (expected an object keyed by rkey)", path=archive.where(member))
    did = None
    for record in records.values():  # a reply to one of the file's own posts names its DID
        own = _OWN_REF.match(_text(record, "reply", "parent", "uri") or "")
        if own and _text(records, own.group(2), "$type") == POST:
            did = own.group(1)
            break
    for number, (rkey, record) in enumerate(records.items(), start=1):
        key = f"{record.get('$type')}/{rkey}" if isinstance(record, dict) else rkey
        _add(result, record, did=did, key=key, cid=None, where=archive.where(member), line=number, member=member)


def _add(
    result: ReadResult[Post],
    record: object,
    *,
    did: str | None,
    key: str | None,
    cid: CID | None,
    where: str,
    line: int | None,
    member: str,
) -> None:
    """Append the record's post, or its skip; records that are not posts or reposts are ignored."""
    if not isinstance(record, dict):
        result.skipped.append(Skip(where, line, reasons.NOT_A_RECORD, str(key or cid)))
        return
    if record.get("$type") not in (POST, REPOST):
        return  # likes, follows, profile: not posts
    rkey = key.split("/", 1)[1] if key and "/" in key else None
    uri = f"at://{did}/{key}" if did and key else None
    if record["$type"] == REPOST:
        result.skipped.append(Skip(where, line, reasons.REPOST, _text(record, "subject", "uri") or ""))
        return
    try:
        add_post(result, _post(record, did=did, rkey=rkey, uri=uri, cid=cid, member=member), where, line)
    except BadRecord as err:
        result.skipped.append(Skip(where, line, err.reason, err.detail or str(uri or rkey or cid)))


def _text(value: object, *path: str) -> str | None:
    """The string at ``value[path[0]][path[1]]…``; None where a step is missing or of another
    type (records are client-written: any field may hold anything)."""
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def _post(record: dict, *, did: str | None, rkey: str | None, uri: str | None, cid: CID | None, member: str) -> Post:
    text = record.get("text")
    if not isinstance(text, str):
        raise BadRecord(reasons.TEXT_NOT_A_STRING)
    text, facet_links = _apply_facets(text, record.get("facets"))
    # Pictures, a video or a link card posted with nothing written: left out by design.
    checked_text(text, empty=reasons.MEDIA_WITHOUT_TEXT if record.get("embed") else reasons.EMPTY_TEXT)
    try:
        created = parse_datetime(record.get("createdAt"))
    except ValueError:
        raise BadRecord(reasons.UNREADABLE_DATE, repr(record.get("createdAt"))) from None
    # a link card, alone or beside a quoted post (recordWithMedia)
    embedded = [_text(record, "embed", "external", "uri"), _text(record, "embed", "media", "external", "uri")]
    links = [*facet_links, *(u for u in embedded if u), *extract_urls(text)]
    reply_to = _text(record, "reply", "parent", "uri")
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    native = uri or rkey or str(cid)
    return Post(
        id=f"bluesky:{native}",
        text=text,
        author=did,
        created_at=created,
        url=f"https://bsky.app/profile/{did}/post/{rkey}" if did and rkey else None,
        links=tuple(dict.fromkeys(links)),
        platform="bluesky",
        kind="reply" if reply_to else "post",
        reply_to=reply_to or None,
        lang=langs[0] if langs and isinstance(langs[0], str) else None,
        source_file=member,
    )


def _apply_facets(text: str, facets: object) -> tuple[str, list[str]]:
    """The text with shortened link labels replaced by their URLs, and the facets' link URLs.

    Offsets are UTF-8 byte offsets; a facet whose offsets are out of range or split a
    character keeps its text as shown (its URL is still a link).
    """
    data = text.encode("utf-8")
    links: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index")
        if not isinstance(index, dict):
            index = {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        features = facet.get("features")
        if not isinstance(features, list):
            features = []
        for feature in features:
            uri = _text(feature, "uri")
            if not uri or _text(feature, "$type") != "app.bsky.richtext.facet#link":
                continue
            links.append(uri)
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data):
                try:
                    shown = data[start:end].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if _shortens(shown, uri):
                    spans.append((start, end, uri))
    for start, end, uri in sorted(spans, reverse=True):
        if all(end <= s or start >= e for s, e, _ in spans if (s, e) != (start, end)):
            data = data[:start] + uri.encode("utf-8") + data[end:]
    return data.decode("utf-8"), links


def _bare(url: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.IGNORECASE).removeprefix("www.")


def _shortens(shown: str, uri: str) -> bool:
    """Whether ``shown`` is ``uri`` as clients display it: scheme dropped, maybe cut with "…"."""
    shown = _bare(shown.strip().removesuffix("…").removesuffix("..."))
    return "." in shown and _bare(uri).startswith(shown)
