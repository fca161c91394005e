"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds saved as local files (``.xml``, ``.rss``, ``.atom``).

Quirks handled, and why:

- **Hostile XML.** Feeds come from anywhere. They are parsed without entity expansion, DTD
  loading or network access, and a document that declares entities in its DOCTYPE (the
  "billion laughs" bomb) is refused with an InputError instead of being expanded.
- **One code path for three dialects.** Elements are looked up by namespace and local name:
  RSS 2.0 items sit in ``channel`` without a namespace, RSS 1.0 items in the RSS 1.0
  namespace beside the channel, Atom entries in the Atom namespace.
- **Text.** The entry's full content (``content:encoded``, Atom ``content``) is preferred to its
  summary (``description``, Atom ``summary``), and the title is used only when neither exists.
  RSS carries HTML escaped or in CDATA; Atom says which with ``type`` (``text``, ``html``,
  ``xhtml``). HTML becomes text with :func:`html_to_text`; its link targets become ``links``.
- **Author**: the entry's author (Atom ``author/name``, ``dc:creator``, RSS ``author``), else the
  feed's (Atom), else the feed's title.
- **Dates**: ``published`` (Atom), ``pubDate`` (RFC 822) or ``dc:date``, else ``updated``: an
  Atom entry may carry only ``updated``.
- **Ids**: ``rss:<guid or Atom id>``, else ``rss:<link>``. Links keep their tracking parameters
  here; :func:`dupfeed.urls.canonical_url` drops them when links are compared.

Skipped entries carry the line of their element in the file.
"""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import UTC
from email.utils import parsedate_to_datetime

from lxml import etree

from ...errors import InputError
from ...html.text import html_to_text
from ...records import Post, Skip
from ...urls import extract_urls
from ..archive import Archive
from ..common import BadRecord, ReadResult, add_post, checked_text, parse_datetime
from ..reasons import MISSING_FIELD, NO_DATE, NOT_A_FEED, UNREADABLE_DATE

NAME = "rss"
SUFFIXES = (".xml", ".rss", ".atom")
ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SUBSET = re.compile(
    rb"<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:SYSTEM|PUBLIC)(?:\s+(?:\"[^\"]*\"|'[^']*')){1,2})?\s*\[(.*?)\]\s*>", re.DOTALL
)
_ENTITIES = "declares entities in its DOCTYPE (an entity bomb?): refused, entities are never expanded"
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")


def _members(archive: Archive) -> list[str]:
    return [m for m in archive.members() if m.lower().endswith(SUFFIXES)]


def _root_name(head: bytes) -> str | None:
    """Local name of the first element in the first bytes of an XML file (comments, the XML
    declaration and a DOCTYPE skipped), or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head[: len(head) // 2 * 2].decode("utf-16", "replace").encode("utf-8")
    head = re.sub(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", b"", head, flags=re.DOTALL)
    found = _ROOT.search(head)
    return found.group(1).decode("ascii") if found else None


def detect(archive: Archive) -> bool:
    """Exactly one ``.xml``/``.rss``/``.atom`` member, whose root element is rss, feed or RDF."""
    members = _members(archive)
    return len(members) == 1 and _root_name(archive.read_head(members[0], 4096)) in ("rss", "feed", "RDF")


def read(archive: Archive) -> ReadResult[Post]:
    """Every entry of every feed file in the archive (of the one file given, whatever its name)."""
    result: ReadResult[Post] = ReadResult()
    members = _members(archive) or (archive.members() if archive.kind == "file" else [])
    if not members:
        raise InputError("no .xml, .rss or .atom feed file found", path=str(archive.path))
    for member in members:
        root = parse_feed(archive.read_bytes(member), archive.where(member))
        if root is None:
            if len(members) == 1:
                raise InputError("not an RSS or Atom feed", path=archive.where(member))
            result.skipped.append(Skip(archive.where(member), None, NOT_A_FEED, member))
            continue
        result.extend(_read_feed(root, archive.where(member), member))
    return result


def parse_feed(data: bytes, where: str):
    """The root element of a feed document (None when the XML is not RSS, RDF or Atom).

    Raises:
        InputError: the XML does not parse, or it declares entities.
    """
    subset = _SUBSET.search(data)
    if subset and b"<!ENTITY" in subset.group(1):
        raise InputError(f"XML {_ENTITIES}", path=where, line=data[: subset.start()].count(b"\n") + 1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        if "amplification" in (err.msg or ""):  # libxml2's own guard, for encodings the check above misses
            raise InputError(f"XML {_ENTITIES}", path=where) from err
        raise InputError(f"XML does not parse: {err.msg}", path=where, line=err.lineno) from err
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InputError(f"XML {_ENTITIES}", path=where)
    return root if etree.QName(root).localname in ("rss", "feed", "RDF") else None


def _first(element, *names: str):
    for name in names:
        found = element.find(name)
        if found is not None:
            return found
    return None


def _text(element, *names: str) -> str:
    found = _first(element, *names)
    return (found.text or "").strip() if found is not None else ""


def _read_feed(root, where: str, member: str) -> ReadResult[Post]:
    result: ReadResult[Post] = ReadResult()
    if root.tag == f"{ATOM}feed":
        channel, entries = root, root.findall(f"{ATOM}entry")
        title = _text(root, f"{ATOM}title")
        feed_author = _text(root, f"{ATOM}author/{ATOM}name") or title
    else:
        channel = _first(root, "channel", f"{RSS1}channel")
        if channel is None:
            raise InputError("RSS without a channel", path=where)
        entries = channel.findall("item") + root.findall(f"{RSS1}item")
        title = _text(channel, "title", f"{RSS1}title")
        feed_author = title
    lang = _text(channel, "language", f"{DC}language") or None
    for entry in entries:
        try:
            add_post(result, _post(entry, feed_author or None, lang, member), where, entry.sourceline)
        except BadRecord as err:
            result.skipped.append(Skip(where, entry.sourceline, err.reason, err.detail))
    return result


def _atom_markup(element) -> tuple[str, bool]:
    """An Atom text construct as (markup, is_html); XHTML loses its namespace so that the
    HTML reader knows its tags."""
    kind = element.get("type", "text")
    if kind == "xhtml":
        clone = deepcopy(element)
        for node in clone.iter(etree.Element):
            node.tag = etree.QName(node).localname
        etree.cleanup_namespaces(clone)
        parts = [etree.tostring(child, encoding="unicode", with_tail=True) for child in clone]
        return (clone.text or "") + "".join(parts), True
    return element.text or "", kind in ("html", "text/html")


def _atom_body(entry) -> tuple[str, bool]:
    """The entry's content, else its summary (content given by ``src`` only is no text)."""
    for name in (f"{ATOM}content", f"{ATOM}summary"):
        element = entry.find(name)
        if element is not None:
            markup, is_html = _atom_markup(element)
            if markup.strip():
                return markup, is_html
    return "", False


def _date(entry, is_atom: bool):
    names = (f"{ATOM}published", f"{ATOM}updated") if is_atom else ("pubDate", f"{DC}date")
    for name in names:
        value = _text(entry, name)
        if not value:
            continue
        try:
            if name == "pubDate":
                parsed = parsedate_to_datetime(value)
                return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
            return parse_datetime(value)
        except (ValueError, TypeError):
            raise BadRecord(UNREADABLE_DATE, repr(value)) from None
    raise BadRecord(NO_DATE)


def _post(entry, feed_author: str | None, feed_lang: str | None, member: str) -> Post:
    is_atom = entry.tag == f"{ATOM}entry"
    if is_atom:
        markup, is_html = _atom_body(entry)
        link = next((a.get("href") for a in entry.findall(f"{ATOM}link") if a.get("rel", "alternate") == "alternate"), None)
        native = _text(entry, f"{ATOM}id")
        author = _text(entry, f"{ATOM}author/{ATOM}name")
        title = _text(entry, f"{ATOM}title")
    else:
        markup = _text(entry, f"{CONTENT}encoded", "description", f"{RSS1}description")
        is_html = True
        guid = _first(entry, "guid")
        link = _text(entry, "link", f"{RSS1}link") or None
        if link is None and guid is not None and guid.get("isPermaLink", "true") == "true":
            link = (guid.text or "").strip() or None
        native = (guid.text or "").strip() if guid is not None else entry.get(RDF_ABOUT, "")
        author = _text(entry, f"{DC}creator", "author")
        # RSS <author> is an e-mail address, often "zoe@example.org (Zoë Example)".
        author = re.sub(r"^\S+@\S+\s*\((.+)\)$", r"\1", author)
        title = _text(entry, "title", f"{RSS1}title")
    text, hrefs = html_to_text(markup) if is_html else (markup.strip(), [])
    text = text or title
    checked_text(text, detail=native or link or "")
    native = native or link or ""
    if not native:
        raise BadRecord(MISSING_FIELD, "guid, id or link")
    lang = entry.get(XML_LANG) or next((e.get(XML_LANG) for e in entry.iterancestors() if e.get(XML_LANG)), None)
    return Post(
        id=f"rss:{native}",
        text=text,
        author=author or feed_author,
        created_at=_date(entry, is_atom),
        url=link,
        links=tuple(dict.fromkeys([*hrefs, *extract_urls(text)])),
        platform="rss",
        kind="post",
        lang=lang or feed_lang,
        source_file=member,
    )
