"""End to end: pages fetched from a site on 127.0.0.1, read back as sources, matched by the detector."""

from __future__ import annotations

import html

import pytest
from conftest import SHARED, make_post
from fixtures.fetch.server import Site

from dupfeed import Detector
from dupfeed.fetch import FetchOptions, fetch_sources
from dupfeed.html.extract import extract_article
from dupfeed.readers import read_sources

PAGES = SHARED / "corpora" / "pages" / "html"
FAST = FetchOptions(timeout=2.0, retries=0, backoff=0.0, delay=0.0)

MENU = " ".join(
    f'<li><a href="/{w.lower()}">{w}</a></li>'
    for w in "Politics Economy World Science Technology Culture Sport Health Climate Opinion Podcasts Newsletters".split()
)
FOOTER = (
    "The Morning Ledger is published by Ledger Media Group, an independent newsroom funded by its readers. "
    "All rights reserved. Reproduction of any part of this site without written permission is prohibited. "
    "Contact the newsroom, read our ethics charter, manage your subscription, or download our apps for "
    "phones and tablets to receive breaking news alerts every morning before breakfast."
)
RELATED = "".join(
    f'<li><a href="/r{i}">{t}</a></li>'
    for i, t in enumerate(
        [
            "Ten things to know before the budget vote next week in parliament",
            "Why the price of coffee keeps rising across the whole of Europe",
            "The quiet revolution of night trains between the capitals of the continent",
        ]
    )
)


def site_page(title: str, text: str) -> bytes:
    """An article of a news site: its text inside a menu, a sidebar, a cookie notice and a footer."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | The Morning Ledger</title>
<meta property="og:site_name" content="The Morning Ledger"></head><body>
<div class="cookie-banner">We use cookies to improve your experience on our site and to show you relevant advertising.</div>
<header><nav><ul>{MENU}</ul></nav></header>
<main><article><h1>{html.escape(title)}</h1>{body}</article>
<aside><h2>Read also</h2><ul>{RELATED}</ul></aside></main>
<footer><p>{FOOTER}</p></footer></body></html>""".encode()


def words(text: str, start: int, count: int) -> str:
    return " ".join(text.split()[start : start + count])


@pytest.fixture
def fetched(tmp_path):
    if not PAGES.is_dir():
        pytest.skip(f"shared corpus of real pages not found at {PAGES}")
    texts = {}
    for name in ("vice.com.amazon.html", "threatpost.com.android.html"):
        found = extract_article((PAGES / name).read_bytes())
        texts[name] = (found.title, found.text)
    site = Site().start()
    site.page("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
    urls = {
        "a": site.page("/news/amazon-fires.html", site_page(*texts["vice.com.amazon.html"])),
        "b": site.page("/news/android-ransomware.html", site_page(*texts["threatpost.com.android.html"])),
        "real": site.page("/pages/ledevoir.html", (PAGES / "ledevoir.com.trottinettes.html").read_bytes()),
    }
    store = tmp_path / "sources.jsonl"
    report = fetch_sources(urls.values(), store=store, options=FAST)
    assert report.ok and report.fetched == 3
    yield urls, texts, store
    site.stop()


def test_copied_passages_are_matched_to_the_page_fetched_and_credited_by_link(fetched):
    urls, texts, store = fetched
    sources = read_sources(store)
    assert sources.skipped == [] and len(sources.records) == 3
    by_url = {s.url: s for s in sources.records}
    text_a = texts["vice.com.amazon.html"][1]
    text_b = texts["threatpost.com.android.html"][1]
    real = by_url[urls["real"]]
    posts = [
        make_post("linked", f"Wow, read this: {words(text_a, 60, 45)} {urls['a']}", author="ann"),
        make_post("unlinked", f"My thoughts today. {words(text_b, 80, 45)}", author="bob", hours=1),
        make_post("real", f"{words(real.text, 40, 40)} via {urls['real']}", author="cy", hours=2),
    ]
    detector = Detector()
    detector.add_sources(sources.records)
    findings = {f.id: f for f in detector.scan(posts)}

    linked = [m for m in findings["linked"].matches if m.kind == "source"]
    assert [m.url for m in linked] == [urls["a"]] and linked[0].attributed
    unlinked = [m for m in findings["unlinked"].matches if m.kind == "source"]
    assert [m.url for m in unlinked] == [urls["b"]] and not unlinked[0].attributed
    assert findings["real"].matches[0].url == urls["real"] and findings["real"].matches[0].attributed
    assert all(f.verdict == "copy" for f in findings.values())


def test_articles_of_one_site_do_not_match_through_their_shared_menu_and_footer(fetched):
    urls, _, store = fetched
    sources = {s.url: s for s in read_sources(store).records}
    a, b = sources[urls["a"]], sources[urls["b"]]
    for source in (a, b):
        assert "Ledger Media Group" not in source.text and "Newsletters" not in source.text
        assert "We use cookies" not in source.text and "night trains" not in source.text
    detector = Detector()
    detector.add_sources([a, b])
    whole_a, footer = detector.scan(
        [
            make_post("whole-a", a.text, author="ann"),
            make_post("footer", FOOTER, author="bob", hours=1),
        ]
    )
    assert [m.id for m in whole_a.matches if m.kind == "source"] == [a.id]
    assert footer.matches == () and footer.verdict == "original"
