"""Post HTML (Mastodon statuses, feed entries, LinkedIn articles) to plain text and links."""

from __future__ import annotations

import html as html_lib

import lxml.html
from lxml import etree

from ..urls import is_web_url

_BLOCKS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "section", "article"}


def _shows_url(anchor) -> bool:
    href = anchor.get("href") or ""
    shown = anchor.text_content().strip()
    hidden = any("invisible" in (e.get("class") or "").split() for e in anchor.iter())
    bare = href.split("://", 1)[-1]
    shown_bare = shown.split("://", 1)[-1].rstrip("…").removeprefix("www.")
    looks_like_it = shown.startswith(("http", "www.")) or (
        len(shown_bare) > 3 and bare.removeprefix("www.").startswith(shown_bare)
    )
    return is_web_url(href) and (hidden or looks_like_it)


def html_to_text(markup: str) -> tuple[str, list[str]]:
    """The visible text of an HTML fragment and the targets of its links.

    ``<br>`` becomes a line break and block elements become paragraphs; elements with class
    ``invisible`` (Mastodon's hidden URL parts) and scripts are dropped; entities are decoded.
    A link shown as a URL reads as its full target; other link text is kept as shown. The
    targets of all links are returned separately, in order.
    """
    if not markup or not markup.strip():
        return "", []
    if "<" not in markup:
        return html_lib.unescape(markup).strip(), []
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return html_lib.unescape(markup).strip(), []
    links = [a.get("href") for a in root.iter("a") if is_web_url(a.get("href", ""))]
    pieces: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        classes = (element.get("class") or "").split()
        if tag in ("script", "style") or "invisible" in classes:
            if element.tail:
                pieces.append(element.tail)
            return
        if tag == "a" and _shows_url(element):
            # A link shown as a (shortened) URL reads as its full target.
            pieces.append(element.get("href"))
            if element.tail:
                pieces.append(element.tail)
            return
        if tag == "br":
            pieces.append("\n")
        elif tag in _BLOCKS:
            pieces.append("\n\n")
        if element.text:
            pieces.append(element.text)
        for child in element:
            walk(child)
        if tag in _BLOCKS:
            pieces.append("\n\n")
        if element.tail:
            pieces.append(element.tail)

    walk(root)
    text = "".join(pieces)
    lines = [line.strip() for line in text.split("\n")]
    out: list[str] = []
    blank = False
    for line in lines:
        if line:
            if blank and out:
                out.append("")
            out.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(out), links
