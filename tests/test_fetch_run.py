"""``fetch_sources`` against a real site on 127.0.0.1: real pages, a feed, a sitemap, and faults."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED
from fixtures.fetch.server import Site, corpus_pages

from dupfeed.fetch import FetchOptions, fetch_sources, read_store
from dupfeed.readers import read_sources

PAGES = SHARED / "corpora" / "pages" / "html"
needs_corpus = pytest.mark.skipif(not PAGES.is_dir(), reason=f"shared corpus of real pages not found at {PAGES}")

FAST = FetchOptions(timeout=0.3, total_timeout=2.0, retries=1, backoff=0.0, delay=0.0, max_bytes=300_000)
IN_FEED = ["lemire.me.json.html", "ledevoir.com.trottinettes.html", "gala.fr.surnom.html"]
IN_SITEMAP = ["threatpost.com.android.html", "vice.com.amazon.html", "helge.at.mahu.html"]
APP_SHELL = b'<html><head><title>App</title></head><body><div id="root"></div><script>var x=1;</script></body></html>'
FRENCH = "L’été dernier, à Noël, le coût « réel » du vélo électrique a baissé de 20 %."


def rss(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in urls)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'.encode()


def urlset(urls: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()


def article(title: str, body: str, canonical: str | None = None) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="windows-1252"><title>{title}</title>{link}</head>
<body><article><h1>{title}</h1>{paragraphs}</article></body></html>""".encode("cp1252")


LONG_FRENCH = "\n\n".join(
    [FRENCH + " " + "Les ventes ont progressé dans toutes les régions, selon l’étude publiée mardi." * 2] * 4
)


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    if not PAGES.is_dir():
        pytest.skip(f"shared corpus of real pages not found at {PAGES}")
    return corpus_pages(PAGES)


@pytest.fixture
def site(corpus):
    site = Site().start()
    site.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    for name in IN_FEED + IN_SITEMAP:
        site.page(f"/pages/{name}", corpus[name])
    site.page("/feed.xml", rss([site.url(f"/pages/{n}") for n in IN_FEED]), "application/rss+xml")
    site.page(
        "/sitemap.xml",
        f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{site.url("/sitemap-pages.xml")}</loc></sitemap></sitemapindex>""".encode(),
        "application/xml",
    )
    site.page("/sitemap-pages.xml", urlset([site.url(f"/pages/{n}") for n in IN_SITEMAP]), "application/xml")
    yield site
    site.stop()


def faulty_routes(site: Site) -> dict[str, str]:
    """Misbehaving routes, by the reason each must be recorded with."""
    site.page("/private/secret.html", APP_SHELL)
    site.flaky("/down", b"", failures=99, status=500)
    site.slow("/slow", b"<html></html>", seconds=1.0)
    site.redirect("/loop-a", "/loop-b")
    site.redirect("/loop-b", "/loop-a")
    site.page("/image.png", b"\x89PNG\r\n\x1a\n" + bytes(500), "image/png")
    site.huge("/huge", 10_000_000)
    site.page("/app", APP_SHELL)
    return {
        "HTTP 404": site.url("/missing"),
        "HTTP 500": site.url("/down"),
        "timeout": site.url("/slow"),
        "too many redirects": site.url("/loop-a"),
        "not HTML": site.url("/image.png"),
        "page too large": site.url("/huge"),
        "no main text": site.url("/app"),
        "disallowed by robots.txt": site.url("/private/secret.html"),
    }


@needs_corpus
def test_feed_sitemap_and_pages_are_fetched_and_every_fault_is_recorded(site, corpus, tmp_path):
    store = tmp_path / "sources.jsonl"
    faults = faulty_routes(site)
    site.page("/not-a-feed.xml", b"this is not a feed", "application/rss+xml")
    flaky = site.flaky("/flaky", corpus["flowfx.de.tmux.html"], failures=1)
    report = fetch_sources(
        [flaky, *faults.values()],
        store=store,
        options=FAST,
        feeds=[site.url("/feed.xml"), site.url("/not-a-feed.xml")],
        sitemaps=[site.url("/sitemap.xml")],
    )
    expected = {reason: 1 for reason in faults} | {"feed is not XML": 1}
    assert dict(report.reasons) == expected
    assert (report.fetched, report.listed, report.known, report.duplicates) == (7, 6, 0, 0)
    records, warnings = read_store(store)
    assert warnings == []
    ok = {r["requested"]: r for r in records if r["status"] == "ok"}
    assert set(ok) == {flaky} | {site.url(f"/pages/{n}") for n in IN_FEED + IN_SITEMAP}
    lemire = ok[site.url("/pages/lemire.me.json.html")]
    assert lemire["id"] == "https://lemire.me/blog/2019/08/02/json-parsing-simdjson-vs-json-for-modern-c"
    assert lemire["url"] == site.url("/pages/lemire.me.json.html")
    assert lemire["title"] == "JSON parsing: simdjson vs. JSON for Modern C++"
    assert (lemire["published"], lemire["lang"], lemire["site_name"]) == ("2019-08-02", "en", "Daniel Lemire's blog")
    assert "simdjson" in lemire["text"] and lemire["fetched_at"].endswith("Z")
    assert ok[site.url("/pages/ledevoir.com.trottinettes.html")]["lang"] == "fr"
    failed = {r["url"]: r for r in records if r["status"] == "failed"}
    for reason, url in faults.items():
        assert failed[url]["reason"] == reason and failed[url]["kind"] == "page"
    assert failed[site.url("/not-a-feed.xml")]["kind"] == "feed"
    assert failed[site.url("/down")]["attempts"] == 2
    assert site.sent["/huge"] < 10_000_000
    assert site.hits["/private/secret.html"] == 0


@needs_corpus
def test_second_run_fetches_nothing_already_stored_but_retries_failures(site, corpus, tmp_path):
    store = tmp_path / "sources.jsonl"
    page = site.page("/a", corpus["vice.com.amazon.html"])
    site.status("/later", 404)
    first = fetch_sources([page, site.url("/later")], feeds=[site.url("/feed.xml")], store=store, options=FAST)
    assert (first.fetched, len(first.failed)) == (4, 1)
    site.page("/later", corpus["helge.at.mahu.html"])  # the failed page is back
    second = fetch_sources([page, site.url("/later")], feeds=[site.url("/feed.xml")], store=store, options=FAST)
    assert (second.fetched, second.known, len(second.failed)) == (1, 4, 0)
    assert site.hits["/a"] == 1 and all(site.hits[f"/pages/{n}"] == 1 for n in IN_FEED)
    records, _ = read_store(store)
    assert [r["status"] for r in records] == ["ok"] * 5  # the failure was compacted away
    assert {r["requested"] for r in records} >= {page, site.url("/later")}


@needs_corpus
def test_refresh_asks_conditionally_and_a_304_keeps_the_record(site, corpus, tmp_path):
    store = tmp_path / "sources.jsonl"
    url = site.conditional("/etag", corpus["lemire.me.json.html"], '"v1"', "Fri, 02 Aug 2019 10:00:00 GMT")
    assert fetch_sources([url], store=store, options=FAST).fetched == 1
    before = store.read_bytes()
    again = fetch_sources([url], store=store, options=FAST)
    assert (again.known, again.fetched, site.hits["/etag"]) == (1, 0, 1)  # not even asked
    refreshed = fetch_sources([url], store=store, options=FAST, refresh=True)
    assert (refreshed.unchanged, refreshed.fetched, refreshed.updated) == (1, 0, 0)
    assert (
        refreshed.source_ids
        == again.source_ids
        == ["https://lemire.me/blog/2019/08/02/json-parsing-simdjson-vs-json-for-modern-c"]
    )
    sent = site.requests("/etag")[-1]
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Fri, 02 Aug 2019 10:00:00 GMT"
    assert store.read_bytes() == before
    record = read_store(store)[0][0]
    assert (record["etag"], record["last_modified"]) == ('"v1"', "Fri, 02 Aug 2019 10:00:00 GMT")


@needs_corpus
def test_a_changed_page_replaces_its_record_on_refresh(site, corpus, tmp_path):
    store = tmp_path / "sources.jsonl"
    url = site.page("/story", article("Vélos", LONG_FRENCH, canonical="https://velo.example/story"))
    fetch_sources([url], store=store, options=FAST)
    site.page("/story", article("Vélos", LONG_FRENCH.replace("mardi", "jeudi"), canonical="https://velo.example/story"))
    report = fetch_sources([url], store=store, options=FAST, refresh=True)
    assert report.updated == 1
    records, _ = read_store(store)
    assert len(records) == 1 and "jeudi" in records[0]["text"]


def test_two_urls_declaring_one_canonical_url_are_one_source(site, tmp_path):
    store = tmp_path / "sources.jsonl"
    body = article("Vélos", LONG_FRENCH, canonical="https://velo.example/story")
    urls = [site.page("/story", body), site.page("/story-amp", body)]
    report = fetch_sources(urls, store=store, options=FAST.__class__(**{**FAST.__dict__, "concurrency": 1}))
    assert (report.fetched, report.duplicates) == (1, 1)
    records, _ = read_store(store)
    assert [r["status"] for r in records] == ["ok", "duplicate"]
    assert records[1]["canonical"] == records[0]["id"] == "https://velo.example/story"
    assert [s.id for s in read_sources(store).records] == ["https://velo.example/story"]
    again = fetch_sources(urls, store=store, options=FAST)
    assert (again.known, again.fetched) == (2, 0)
    assert report.source_ids == again.source_ids == ["https://velo.example/story"]


def test_declared_encodings_give_the_right_text(site, tmp_path):
    store = tmp_path / "sources.jsonl"
    plain = article("Vélos", LONG_FRENCH).replace(b'<meta charset="windows-1252">', b"")
    urls = [
        site.page("/http-charset", plain, "text/html; charset=ISO-8859-1"),
        site.page("/meta-charset", article("Vélos", LONG_FRENCH.replace("mardi", "lundi"))),
    ]
    fetch_sources(urls, store=store, options=FAST)
    texts = [r["text"] for r in read_store(store)[0]]
    assert len(texts) == 2 and all(FRENCH in t for t in texts)


def test_a_page_that_advertises_its_feed_is_expanded(site, tmp_path):
    site.page(
        "/blog", b'<html><head><link rel="alternate" type="application/rss+xml" href="/blog/rss"></head><body>Blog</body></html>'
    )
    site.page("/blog/rss", rss([site.url("/story")]), "application/rss+xml")
    site.page("/story", article("Vélos", LONG_FRENCH))
    report = fetch_sources(store=tmp_path / "s.jsonl", feeds=[site.url("/blog")], options=FAST)
    assert (report.listed, report.fetched) == (1, 1)


def test_a_page_without_feed_is_recorded_as_such(site, tmp_path):
    site.page("/nofeed", b"<html><head><title>x</title></head><body>Nothing</body></html>")
    report = fetch_sources(store=tmp_path / "s.jsonl", feeds=[site.url("/nofeed")], options=FAST)
    assert [(f.kind, f.reason) for f in report.failed] == [("feed", "no feed found")]


def test_sitemaps_named_in_robots_txt_are_found_from_the_home_page(site, tmp_path):
    site.page("/robots.txt", f"User-agent: *\nSitemap: {site.url('/sitemap-pages.xml')}\n".encode(), "text/plain")
    site.page("/", b"<html><body>Home</body></html>")
    report = fetch_sources(store=tmp_path / "s.jsonl", sitemaps=[site.url("/")], options=FAST, limit=2)
    assert (report.listed, report.fetched) == (3, 2)


def test_a_failed_feed_stops_being_reported_once_it_is_read(site, tmp_path):
    store = tmp_path / "s.jsonl"
    site.page("/f.xml", b"oops", "text/plain")
    fetch_sources(store=store, feeds=[site.url("/f.xml")], options=FAST)
    site.page("/f.xml", rss([]), "application/rss+xml")
    report = fetch_sources(store=store, feeds=[site.url("/f.xml")], options=FAST)
    assert report.ok and read_store(store)[0] == []


def test_progress_is_reported_per_page(site, tmp_path):
    urls = [
        site.page(f"/s{i}", article(f"Vélos {i}", LONG_FRENCH + f" Numéro {i}.", canonical=f"https://velo.example/{i}"))
        for i in range(3)
    ]
    calls = []
    fetch_sources(urls, store=tmp_path / "s.jsonl", options=FAST, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_concurrency_bounds_requests_in_flight(site, tmp_path):
    for i in range(8):
        site.slow(f"/w{i}", article(f"V {i}", LONG_FRENCH, canonical=f"https://velo.example/w{i}"), seconds=0.15)
    options = FetchOptions(**{**FAST.__dict__, "concurrency": 2, "timeout": 2.0})
    report = fetch_sources([site.url(f"/w{i}") for i in range(8)], store=tmp_path / "s.jsonl", options=options)
    assert report.fetched == 8
    assert site.max_sleeping == 2


def test_store_lines_are_valid_json_objects_with_the_documented_fields(site, tmp_path):
    store = tmp_path / "s.jsonl"
    fetch_sources([site.page("/story", article("Vélos", LONG_FRENCH)), site.url("/gone")], store=store, options=FAST)
    rows = [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines()]
    by_status = {r["status"]: r for r in rows}
    assert set(by_status["ok"]) == {
        "id",
        "url",
        "requested",
        "status",
        "title",
        "site_name",
        "author",
        "published",
        "lang",
        "text",
        "fetched_at",
        "etag",
        "last_modified",
    }
    assert set(by_status["failed"]) == {"id", "url", "requested", "status", "kind", "reason", "detail", "attempts", "fetched_at"}


def test_a_redirected_page_is_stored_under_its_final_url_and_known_by_both(site, tmp_path):
    store = tmp_path / "s.jsonl"
    final = site.page("/story", article("Vélos", LONG_FRENCH))
    old = site.redirect("/old-story", "/story", 301)
    assert fetch_sources([old], store=store, options=FAST).fetched == 1
    [record] = read_store(store)[0]
    assert (record["requested"], record["url"]) == (old, final)
    again = fetch_sources([final, old], store=store, options=FAST)
    assert (again.known, site.hits["/story"]) == (2, 1)


def test_a_page_that_breaks_the_extractor_is_recorded_and_the_run_goes_on(site, tmp_path, monkeypatch):
    import dupfeed.html.extract

    real = dupfeed.html.extract.extract_article

    def fragile(html, *, url=None):
        if url and url.endswith("/bad"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(html, url=url)

    monkeypatch.setattr(dupfeed.html.extract, "extract_article", fragile)
    urls = [site.page("/bad", article("A", LONG_FRENCH)), site.page("/good", article("B", LONG_FRENCH + " Fin."))]
    report = fetch_sources(urls, store=tmp_path / "s.jsonl", options=FAST)
    assert report.fetched == 1
    assert [(f.url, f.reason) for f in report.failed] == [(urls[0], "extraction failed")]
