"""Facebook "Download your information" in JSON: the posts in ``your_posts_N.json``.

Quirks handled, and why (research notes: shared/formats/EXPORTS.md §5):

- **Where the posts are.** The file moved between vintages (``posts/``,
  ``your_activity_across_facebook/posts/``, ``your_facebook_activity/posts/``) and was renamed
  ``your_posts__check_ins__photos_and_videos_N.json``; it is found by base name at any depth,
  parts in numeric order (``_10`` after ``_2``).
- **Mojibake.** Facebook writes each UTF-8 byte as its own ``\\u00XX`` escape, so "’" loads as
  "â\\x80\\x99". Every string is encoded as Latin-1 and decoded as UTF-8 where that round trip
  succeeds; a string it does not apply to (characters above U+00FF, or Latin-1 text that is not
  UTF-8 bytes, as in a repaired file) is kept as it is.
- **Text.** ``data[].post``; a photo post may carry its text only as the media ``description``,
  which is used when all the post's media agree on it.
- **Shares of others' posts.** The ``title`` ("Zoë shared a post.", "Zoë shared Dana's video.",
  "Zoë shared a memory.") is the only marker, and it is localised: English titles are
  recognised. Such a share is kind ``repost`` with ``repost_of`` the name in the title, if any;
  without commentary of its own it is skipped as "repost without text". "shared a link" is the
  user's own post.
- **Links** come from ``attachments[].data[].external_context.url``, then the text.
- **Ids.** Posts have no id or permalink: the id is ``fb:<timestamp>`` (the same in overlapping
  archives), ``-2``, ``-3``… for other posts of the same second; a post repeated with the same
  second and text (two overlapping files) is read once, the other counted as "same post twice".
- **Posts without text** (a photo, a check-in, a life event with nothing written) are left out
  as "post without text": counted, not a fault.
- **Author.** The owner's full name from ``profile_information.json``, else ``facebook:me``.

Not read: the HTML flavour of the download (the user must choose JSON), comments, messages.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime

from ...errors import InputError
from ...records import Post, Skip
from ...urls import extract_urls
from ..archive import Archive, root_above
from ..common import BadRecord, ReadResult, add_post, checked_text, parse_json
from ..reasons import NOT_A_POST, POST_WITHOUT_TEXT, REPOST_WITHOUT_TEXT, SAME_POST_TWICE, UNREADABLE_TIMESTAMP

NAME = "facebook"
OWNER_UNKNOWN = "facebook:me"

_POSTS_FOLDERS = ("posts", "your_activity_across_facebook", "your_facebook_activity", "this_profile's_activity_across_facebook")
_PART = re.compile(r"_(\d+)\.json$", re.IGNORECASE)
_SHARED = re.compile(r"\bshared (?:an? (?:post|memory)|(?P<owner>.+?)['’]s (?:post|photo|video|reel|album|event|link|story))\b")


def detect(archive: Archive) -> bool:
    return bool(_post_files(archive))


def export_roots(archive: Archive) -> list[str]:
    """The folder of each download: above the folders the posts file sits in."""
    return list(dict.fromkeys(root_above(member, _POSTS_FOLDERS) for member in _post_files(archive)))


def read(archive: Archive) -> ReadResult[Post]:
    """Every post of every your_posts file; shares without text and unusable posts are skipped
    with their reasons. A file that is not JSON (or not UTF-8) is an InputError."""
    result: ReadResult[Post] = ReadResult()
    files = _post_files(archive)
    if not files:
        raise InputError("no your_posts_N.json: not a Facebook JSON download", path=str(archive.path))
    owner = _owner(archive)
    seen: dict[str, str] = {}
    for member in files:
        where = archive.where(member)
        for number, item in enumerate(_posts_array(archive, member), start=1):
            try:
                post = _post(repair_mojibake(item), owner, member)
            except BadRecord as err:
                result.skipped.append(Skip(where, number, err.reason, err.detail))
                continue
            base, n = post.id, 1
            while post.id in seen and seen[post.id] != post.text:
                n += 1
                post = replace(post, id=f"{base}-{n}")
            if post.id in seen:
                result.skipped.append(Skip(where, number, SAME_POST_TWICE, post.id))
            else:
                seen[post.id] = post.text
                add_post(result, post, where, number)
    return result


def repair_mojibake(value):
    """``value`` with every string's Latin-1 → UTF-8 round trip applied where it succeeds."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return value
    if isinstance(value, list):
        return [repair_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: repair_mojibake(v) for k, v in value.items()}
    return value


def _post(item: object, owner: str, member: str) -> Post:
    if not isinstance(item, dict):
        raise BadRecord(NOT_A_POST)
    stamp = item.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        raise BadRecord(UNREADABLE_TIMESTAMP, repr(stamp))
    try:
        created = datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRecord(UNREADABLE_TIMESTAMP, repr(stamp)) from None
    pieces = [d["post"] for d in _list(item.get("data")) if isinstance(d, dict) and isinstance(d.get("post"), str)]
    text = "\n".join(p for p in pieces if p.strip()).strip()
    links, descriptions = [], []
    for attachment in _list(item.get("attachments")):
        for datum in _list(_dict(attachment).get("data")):
            datum = _dict(datum)
            url = _dict(datum.get("external_context")).get("url")
            if isinstance(url, str) and url:
                links.append(url)
            description = _dict(datum.get("media")).get("description")
            if "media" in datum:
                descriptions.append(description.strip() if isinstance(description, str) else "")
    if not text and descriptions and len(set(descriptions)) == 1:
        text = descriptions[0]
    title = item.get("title")
    if not isinstance(title, str):
        title = ""
    shared = _SHARED.search(title)
    checked_text(text, empty=REPOST_WITHOUT_TEXT if shared else POST_WITHOUT_TEXT, detail=title)
    return Post(
        id=f"fb:{int(stamp)}",
        text=text,
        author=owner,
        created_at=created,
        links=tuple(dict.fromkeys([*links, *extract_urls(text)])),
        platform="facebook",
        kind="repost" if shared else "post",
        repost_of=(shared.group("owner") or None) if shared else None,
        source_file=member,
    )


def _posts_array(archive: Archive, member: str) -> list:
    where = archive.where(member)
    text = archive.read_text(member)
    if not text.strip():
        return []
    try:
        data = parse_json(text)
    except json.JSONDecodeError as err:
        raise InputError(f"truncated or malformed JSON ({err.msg})", path=where, line=err.lineno) from err
    # Some vintages wrap the array in an object with one key (e.g. "status_updates").
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else data
    if not isinstance(data, list):
        raise InputError("not a Facebook posts file (expected a JSON array of posts)", path=where, line=1)
    return data


def _owner(archive: Archive) -> str:
    """The owner's full name from profile_information.json, or OWNER_UNKNOWN."""
    for member in archive.find("profile_information.json"):
        try:
            data = repair_mojibake(parse_json(archive.read_text(member)))
        except (InputError, json.JSONDecodeError):
            continue
        profile = _dict(data).get("profile_v2") or _dict(data).get("profile")
        name = _dict(_dict(profile).get("name")).get("full_name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return OWNER_UNKNOWN


def _post_files(archive: Archive) -> list[str]:
    def order(member: str) -> tuple[str, int, str]:
        part = _PART.search(member)
        return (member.rsplit("/", 1)[0] if "/" in member else "", int(part.group(1)) if part else 0, member)

    return sorted(archive.find("your_posts*.json"), key=order)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []
