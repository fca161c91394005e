"""X/Twitter archives (``twitter-YYYY-MM-DD-<hash>.zip``): the tweets in ``data/tweets.js``.

Quirks handled, and why (research notes: shared/formats/EXPORTS.md §2):

- **JS wrapper.** Data files are ``window.YTD.tweets.part0 = [ … ]``: the wrapper is cut at the
  first ``=`` (a trailing ``;`` and an empty file are tolerated; plain JSON is accepted too).
- **File names.** ``tweets.js`` (``tweet.js`` in 2019–2020 archives) and, for big accounts,
  ``tweets-part1.js``, ``tweets-part2.js``…, read in numeric order (part10 after part2), then
  ``community-tweet.js`` (tweets posted in a Community: the same items, public text of the
  owner's). Files under ``assets/`` (the archive viewer) and look-alikes (``tweet-headers.js``,
  ``deleted-tweets.js``, ``note-tweet.js``) are not tweet files.
- **Pictures without text.** A tweet whose only text was the t.co link of its picture is left
  out as "media without text" (counted, not a fault).
- **HTML entities.** ``full_text`` is HTML-escaped (``&amp; &lt; &gt;``): unescaped.
- **t.co links** are replaced by their ``expanded_url`` (by string: the ``indices`` are not
  reliable), and the t.co link of attached media, which is not text, is removed.
- **Edits.** Each version of an edited tweet is its own entry: a chain (``editTweetIds``, or
  ``initialTweetId`` on later versions) is collapsed to its newest version, the highest id, or
  every edited tweet would be reported as a copy of itself.
- **Long posts.** Over 280 characters, ``full_text`` is cut and the whole text is in
  ``note-tweet.js``, with no tweet id to join on: a note is joined to the tweet posted within a
  second of it whose text (leading @mentions aside) starts like the note, as other readers of
  real archives do. The tweet's leading reply @mentions, which notes omit, are kept.
- **Retweets** have no structure: ``full_text`` starts ``RT @user: `` and is cut at about 140
  characters. They are kind ``repost`` with ``repost_of`` ``@user``, authored by the archive
  owner (who retweeted), so that they are never read as that user's own text.
- **Replies** (``in_reply_to_status_id_str``) are kind ``reply``, ``reply_to`` ``x:<id>``.
- **Owner.** The handle comes from ``account.js`` and gives ``author`` and the permalink
  ``https://x.com/<handle>/status/<id>``; without it the author is ``x:me`` and the permalink
  ``https://x.com/i/web/status/<id>``. ``lang`` "und" (undetermined) becomes None.

Not read: the legacy "Grailbird" archive (``data/js/tweets/YYYY_MM.js``), likes, DMs and
deleted tweets.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

from ...errors import InputError
from ...records import Post, Skip
from ...urls import extract_urls
from ..archive import Archive, root_above
from ..common import BadRecord, ReadResult, add_post, checked_text, parse_datetime, parse_json
from ..reasons import MEDIA_WITHOUT_TEXT, MISSING_ID, MISSING_TEXT, NOT_A_TWEET, UNREADABLE_CREATED_AT

NAME = "x"
OWNER_UNKNOWN = "x:me"

_TWEET_FILE = re.compile(r"(community-)?tweets?(?:-part(\d+))?\.js", re.IGNORECASE)
_RETWEET = re.compile(r"RT @(\w{1,15}):")
_LEADING_MENTIONS = re.compile(r"(?:@\w{1,15}\s+)+")
_NOTE_PREFIX = 30


def detect(archive: Archive) -> bool:
    return bool(_tweet_files(archive))


def export_roots(archive: Archive) -> list[str]:
    """The folder of each archive in ``archive``: the one above ``data/``."""
    return list(dict.fromkeys(root_above(member, ["data"]) for member in _tweet_files(archive)))


def read(archive: Archive) -> ReadResult[Post]:
    """Every tweet of the archive, edit chains collapsed to their newest version and long
    posts completed; a tweet file that is not JSON is an InputError naming its line."""
    result: ReadResult[Post] = ReadResult()
    files = _tweet_files(archive)
    if not files:
        raise InputError("no tweets.js or tweet.js: not an X/Twitter archive", path=str(archive.path))
    entries: list[tuple[str, int, dict, str]] = []
    for member in files:
        for number, item in enumerate(_ytd(archive, member), start=1):
            tweet = item.get("tweet", item) if isinstance(item, dict) else None
            tid = str(tweet.get("id_str") or tweet.get("id") or "") if isinstance(tweet, dict) else ""
            if not tid.isdigit() or not isinstance(tweet, dict):
                reason = MISSING_ID if isinstance(tweet, dict) else NOT_A_TWEET
                result.skipped.append(Skip(archive.where(member), number, reason))
                continue
            entries.append((member, number, tweet, tid))

    newest: dict[str, str] = {}
    for _, _, tweet, tid in entries:
        chain = _chain(tweet, tid)
        if chain not in newest or int(tid) > int(newest[chain]):
            newest[chain] = tid
    keep = set(newest.values())

    owner = _owner(archive)
    notes = _notes(archive)
    done: set[str] = set()
    for member, number, tweet, tid in entries:
        if tid not in keep or tid in done:
            continue
        done.add(tid)
        try:
            add_post(result, _post(tweet, tid, owner, notes, member), archive.where(member), number)
        except BadRecord as err:
            result.skipped.append(Skip(archive.where(member), number, err.reason, err.detail))
    return result


def _post(tweet: dict, tid: str, owner: str | None, notes: list[tuple[datetime, str, list[str]]], member: str) -> Post:
    raw = tweet.get("full_text", tweet.get("text"))
    if not isinstance(raw, str):
        raise BadRecord(MISSING_TEXT)
    created = _created(tweet.get("created_at"))
    text = html.unescape(raw)
    entities = _dict(tweet.get("entities"))
    links = []
    for entity in _list(entities.get("urls")):
        short, expanded = _dict(entity).get("url"), _dict(entity).get("expanded_url")
        if isinstance(short, str) and isinstance(expanded, str) and short and expanded:
            text = text.replace(short, expanded)
            links.append(expanded)
    media = [*_list(entities.get("media")), *_list(_dict(tweet.get("extended_entities")).get("media"))]
    for item in media:
        short = _dict(item).get("url")
        if isinstance(short, str) and short:
            text = text.replace(short, "")
    text = text.strip()
    if not text and media:
        raise BadRecord(MEDIA_WITHOUT_TEXT, f"x:{tid}")

    kind, reply_to, repost_of = "post", None, None
    retweet = _RETWEET.match(text)
    if retweet:
        kind, repost_of = "repost", f"@{retweet.group(1)}"
    else:
        note = _note_for(text, created, notes)
        if note is not None:
            note_text, note_links = note
            lead = _LEADING_MENTIONS.match(text)
            text = (lead.group(0) if lead and not note_text.startswith("@") else "") + note_text
            links.extend(note_links)
        parent = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
        if parent:
            kind, reply_to = "reply", f"x:{parent}"
    checked_text(text)
    # A long post's t.co link to itself is not an outbound link.
    links = [u for u in dict.fromkeys([*links, *extract_urls(text)]) if not u.rstrip("/").endswith(f"/status/{tid}")]
    lang = tweet.get("lang")
    return Post(
        id=f"x:{tid}",
        text=text,
        author=owner or OWNER_UNKNOWN,
        created_at=created,
        url=f"https://x.com/{owner}/status/{tid}" if owner else f"https://x.com/i/web/status/{tid}",
        links=tuple(links),
        platform="x",
        kind=kind,
        reply_to=reply_to,
        repost_of=repost_of,
        lang=lang if isinstance(lang, str) and lang and lang != "und" else None,
        source_file=member,
    )


def _created(value: object) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
        except ValueError:
            try:
                return parse_datetime(value)
            except ValueError:
                pass
    raise BadRecord(UNREADABLE_CREATED_AT, repr(value))


def _chain(tweet: dict, tid: str) -> str:
    """The id that names the edit chain of a tweet (its first version), or its own id."""
    info = _dict(tweet.get("edit_info"))
    edit = _dict(info.get("edit"))
    if str(edit.get("initialTweetId") or "").isdigit():
        return str(edit["initialTweetId"])
    ids = _list(_dict(info.get("initial")).get("editTweetIds")) or _list(
        _dict(edit.get("editControlInitial")).get("editTweetIds")
    )
    numeric = [str(i) for i in ids if str(i).isdigit()]
    return min(numeric, key=int) if numeric else tid


def _note_for(text: str, created: datetime, notes: list[tuple[datetime, str, list[str]]]):
    """The (text, links) of the note a cut tweet belongs to, or None."""
    lead = _LEADING_MENTIONS.match(text)
    prefix = text[lead.end() if lead else 0 :][:_NOTE_PREFIX]
    for at, note_text, note_links in notes:
        # Notes may or may not be HTML-escaped; the tweet text already is not.
        if abs((at - created).total_seconds()) < 1.5 and html.unescape(note_text).startswith(prefix):
            return note_text, note_links
    return None


def _notes(archive: Archive) -> list[tuple[datetime, str, list[str]]]:
    """``(created, full text, links)`` of every long post in note-tweet.js, t.co links expanded."""
    notes = []
    for member in _data_files(archive, "note-tweet.js"):
        for item in _ytd(archive, member):
            note = _dict(_dict(item).get("noteTweet"))
            core = _dict(note.get("core"))
            text = core.get("text")
            try:
                at = parse_datetime(note.get("createdAt")).replace(microsecond=0)
            except ValueError:
                continue
            if not isinstance(text, str):
                continue
            links = []
            for entity in _list(core.get("urls")):
                entity = _dict(entity)
                short = entity.get("shortUrl") or entity.get("url")
                expanded = entity.get("expandedUrl") or entity.get("expanded_url")
                if isinstance(short, str) and isinstance(expanded, str) and short and expanded:
                    text = text.replace(short, expanded)
                    links.append(expanded)
            notes.append((at, text.strip(), links))
    return notes


def _owner(archive: Archive) -> str | None:
    """The archive owner's handle from account.js, or None (the file is optional)."""
    for member in _data_files(archive, "account.js"):
        try:
            items = _ytd(archive, member)
        except InputError:
            continue
        for item in items:
            username = _dict(_dict(item).get("account")).get("username")
            if isinstance(username, str) and username:
                return username
    return None


def _ytd(archive: Archive, member: str) -> list:
    """The array of a ``window.YTD.<name>.partN = [...]`` file."""
    where = archive.where(member)
    text = archive.read_text(member)
    if not text.strip():
        return []
    skipped_lines = 0
    if not text.lstrip().startswith("["):
        head, sep, text = text.partition("=")
        if not sep:
            raise InputError("not an X archive data file (no 'window.YTD… =' line)", path=where, line=1)
        skipped_lines = head.count("\n")
    text = text.rstrip().removesuffix(";")
    if not text.strip():
        return []
    try:
        data = parse_json(text)
    except json.JSONDecodeError as err:
        line = err.lineno + skipped_lines
        raise InputError(f"truncated or malformed JSON ({err.msg})", path=where, line=line) from err
    if not isinstance(data, list):
        raise InputError("not an X archive data file (expected an array)", path=where, line=1)
    return data


def _tweet_files(archive: Archive) -> list[str]:
    found = []
    for member in _data_files(archive, "*.js"):
        match = _TWEET_FILE.fullmatch(member.rsplit("/", 1)[-1])
        if match:
            found.append((bool(match.group(1)), int(match.group(2) or 0), member))
    return [member for _, _, member in sorted(found)]


def _data_files(archive: Archive, pattern: str) -> list[str]:
    return [m for m in archive.find(pattern) if "assets" not in m.lower().split("/")[:-1]]


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []
