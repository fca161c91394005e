"""Reading what the fetcher downloads, with no network: encodings, page metadata, feeds, sitemaps."""

from __future__ import annotations

import gzip

import pytest

from dupfeed.fetch.discover import parse_feed, parse_sitemap
from dupfeed.fetch.failures import FEED_NOT_XML, NOT_A_FEED, NOT_A_SITEMAP, SITEMAP_NOT_XML, FetchFailure
from dupfeed.html.page import decode_html, normalize_lang, page_meta

FRENCH = "L’été à Noël : « déjà » — coût 5 €"
BASE = "https://news.example/section/"


@pytest.mark.parametrize(
    "body, http_charset",
    [
        (FRENCH.encode("cp1252"), "windows-1252"),
        (FRENCH.encode("cp1252"), "iso-8859-1"),  # read as windows-1252, as browsers do
        (b'<meta charset="windows-1252">' + FRENCH.encode("cp1252"), None),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">' + FRENCH.encode("cp1252"), None),
        (b'<meta charset="iso-8859-1">' + FRENCH.encode("utf-8"), "utf-8"),  # HTTP wins over meta
        (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), None),
        (FRENCH.encode("utf-8"), None),
        (b'<meta charset="utf-16">' + FRENCH.encode("utf-8"), None),  # a readable meta is not UTF-16
    ],
    ids=[
        "http-cp1252",
        "http-latin1-label",
        "meta-charset",
        "meta-http-equiv",
        "http-over-meta",
        "bom",
        "plain-utf8",
        "meta-utf16",
    ],
)
def test_declared_encoding_is_honoured(body, http_charset):
    assert FRENCH in decode_html(body, http_charset)


def test_undeclared_non_utf8_bytes_are_left_to_trafilatura():
    body = FRENCH.encode("cp1252")
    assert decode_html(body, None) == body


def test_unknown_charset_label_falls_back_to_meta():
    body = b'<meta charset="windows-1252">' + FRENCH.encode("cp1252")
    assert FRENCH in decode_html(body, "x-no-such-charset")


HEAD = """<!DOCTYPE html><html lang="fr-FR"><head>
<link rel="canonical" href="/section/story?id=7">
<link rel="alternate" type="application/rss+xml" href="/feed.xml" title="RSS">
<link rel="alternate" type="application/atom+xml" href="https://news.example/atom">
<link rel="alternate" hreflang="en" href="/en/story">
<meta property="og:url" content="https://elsewhere.example/x">
</head><body><p>x</p></body></html>"""


def test_page_meta_reads_canonical_with_query_language_and_feeds():
    meta = page_meta(HEAD, BASE + "story?id=7&utm_source=x")
    assert meta.canonical == "https://news.example/section/story?id=7"
    assert meta.lang == "fr"
    assert meta.feeds == ("https://news.example/feed.xml", "https://news.example/atom")


def test_og_url_is_the_canonical_when_no_link_says():
    html = '<html><head><meta property="og:url" content="https://news.example/a"></head><body></body></html>'
    assert page_meta(html, BASE + "a?x=1").canonical == "https://news.example/a"


@pytest.mark.parametrize("declared", ["https://news.example/", "https://news.example", "/"], ids=["slash", "bare", "relative"])
def test_a_canonical_pointing_at_the_home_page_is_not_trusted(declared):
    html = f'<html><head><link rel="canonical" href="{declared}"></head><body></body></html>'
    assert page_meta(html, BASE + "story-1").canonical is None


def test_xhtml_with_xml_declaration_is_read():
    html = '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="de"><head><link rel="canonical" href="https://news.example/b"/></head><body/></html>'
    meta = page_meta(html, BASE + "b")
    assert (meta.canonical, meta.lang) == ("https://news.example/b", "de")


@pytest.mark.parametrize("tag, lang", [("fr-FR", "fr"), ("en_US", "en"), ("DE", "de"), ("", None), ("x-klingon-long", None)])
def test_language_tags_reduce_to_their_primary_subtag(tag, lang):
    assert normalize_lang(tag) == lang


RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title>
<item><title>One &amp; two</title><link>https://news.example/1</link><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item>
<item><title>Relative</title><link>/2</link></item>
<item><title>Guid only</title><guid>https://news.example/3</guid></item>
<item><title>Not a permalink</title><guid isPermaLink="false">tag:x</guid></item>
<item><title>Repeated</title><link>https://news.example/1</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
<entry><title>A</title><link rel="alternate" href="https://news.example/a"/><link rel="edit" href="https://news.example/edit/a"/>
<published>2024-05-01T09:00:00+02:00</published></entry>
<entry><title>B</title><link href="b"/><updated>2024-05-02T00:00:00Z</updated></entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example/"><title>News</title></channel>
<item rdf:about="https://news.example/r1"><title>R1</title><link>https://news.example/r1</link><dc:date>2024-01-02</dc:date></item>
</rdf:RDF>"""


def test_rss_items_become_absolute_page_urls_with_title_and_date():
    entries = parse_feed(RSS, "https://news.example/feed.xml")
    assert [e.url for e in entries] == ["https://news.example/1", "https://news.example/2", "https://news.example/3"]
    assert entries[0].title == "One & two"
    assert entries[0].published == "2003-06-10T04:00:00Z"


def test_atom_entries_take_the_alternate_link():
    entries = parse_feed(ATOM, "https://news.example/feed/")
    assert [e.url for e in entries] == ["https://news.example/a", "https://news.example/feed/b"]
    assert entries[0].published == "2024-05-01T07:00:00Z"


def test_rss_1_rdf_items_are_read():
    entries = parse_feed(RDF, "https://news.example/rdf")
    assert [(e.url, e.published) for e in entries] == [("https://news.example/r1", "2024-01-02T00:00:00Z")]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"this is not a feed at all", FEED_NOT_XML),
        (b"", FEED_NOT_XML),
        (b"\x89PNG\r\n\x1a\n\x00\x00", FEED_NOT_XML),
        (b"<?xml version='1.0'?><urlset><url><loc>https://a.example/</loc></url></urlset>", NOT_A_FEED),
    ],
    ids=["text", "empty", "binary", "other-xml"],
)
def test_a_feed_that_is_not_a_feed_fails_with_its_reason(body, reason):
    with pytest.raises(FetchFailure) as caught:
        parse_feed(body, "https://news.example/feed")
    assert caught.value.reason == reason


def test_feed_with_unescaped_ampersand_is_still_read():
    body = b"<rss><channel><item><title>Fish & chips</title><link>https://news.example/f</link></item></channel></rss>"
    assert [e.url for e in parse_feed(body, "https://news.example/")] == ["https://news.example/f"]


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss><channel><item><title>&xxe;</title><link>https://news.example/x</link></item></channel></rss>""".encode()
    entries = parse_feed(body, "https://news.example/")
    assert [e.url for e in entries] == ["https://news.example/x"]
    assert "TOP-SECRET" not in (entries[0].title or "")


def test_billion_laughs_is_not_expanded():
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = f"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{lol}]>
<rss><channel><item><title>&l9;</title><link>https://news.example/l</link></item></channel></rss>""".encode()
    try:  # libxml2 may refuse the document outright; either way nothing is expanded
        entries = parse_feed(body, "https://news.example/")
    except FetchFailure:
        entries = []
    assert all(len(e.title or "") < 100 for e in entries)


SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/s1</loc><lastmod>2024-01-01</lastmod></url>
<url><loc>https://news.example/s2</loc><news:news><news:title>S2</news:title><news:publication_date>2024-03-04T05:06:07Z</news:publication_date></news:news></url>
<url><loc>mailto:someone@news.example</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-1.xml</loc></sitemap>
<sitemap><loc>/sitemap-2.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_sitemap_lists_pages_with_news_title_and_date():
    pages, children = parse_sitemap(SITEMAP, "https://news.example/sitemap.xml")
    assert [p.url for p in pages] == ["https://news.example/s1", "https://news.example/s2"]
    assert (pages[1].title, pages[1].published) == ("S2", "2024-03-04T05:06:07Z")
    assert children == []


def test_sitemap_index_lists_child_sitemaps():
    pages, children = parse_sitemap(INDEX, "https://news.example/sitemap.xml")
    assert pages == [] and children == ["https://news.example/sitemap-1.xml", "https://news.example/sitemap-2.xml.gz"]


def test_gzipped_and_text_sitemaps_are_read():
    pages, _ = parse_sitemap(gzip.compress(SITEMAP), "https://news.example/")
    assert len(pages) == 2
    pages, _ = parse_sitemap(b"https://news.example/t1\n\nhttps://news.example/t2\n", "https://news.example/")
    assert [p.url for p in pages] == ["https://news.example/t1", "https://news.example/t2"]


@pytest.mark.parametrize(
    "body, reason",
    [(b"hello, world", SITEMAP_NOT_XML), (b"<rss><channel/></rss>", NOT_A_SITEMAP)],
    ids=["text", "a-feed"],
)
def test_a_sitemap_that_is_not_a_sitemap_fails_with_its_reason(body, reason):
    with pytest.raises(FetchFailure) as caught:
        parse_sitemap(body, "https://news.example/")
    assert caught.value.reason == reason
