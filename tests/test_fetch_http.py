"""The polite HTTP client against a real server on 127.0.0.1: retries, limits, robots.txt."""

from __future__ import annotations

import gzip
import socket
import time
from datetime import UTC

import pytest
from fixtures.fetch.server import Site

from dupfeed.fetch import FetchFailure, FetchOptions
from dupfeed.fetch.http import HTML_TYPES, HttpClient, retry_after_seconds, to_uri

PAGE = b"<html><head><title>T</title></head><body><article><p>Hello.</p></article></body></html>"
FAST = FetchOptions(timeout=0.3, total_timeout=2.0, retries=2, backoff=0.0, delay=0.0, user_agent="dupfeed-test/1.0")


@pytest.fixture
def site():
    site = Site().start()
    site.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n\nUser-agent: grumpybot\nDisallow: /\n", "text/plain")
    yield site
    site.stop()


class Sleeps(list):
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def client(options: FetchOptions = FAST, sleep=None) -> HttpClient:
    return HttpClient(options, sleep=sleep)


def failure(call) -> FetchFailure:
    with pytest.raises(FetchFailure) as caught:
        call()
    return caught.value


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ok_page_comes_back_with_body_and_user_agent(site):
    url = site.page("/a", PAGE, "text/html; charset=utf-8")
    response = client().get(url)
    assert (response.status, response.body, response.attempts) == (200, PAGE, 1)
    assert (response.media_type, response.charset) == ("text/html", "utf-8")
    assert site.requests("/a")[0]["user-agent"] == "dupfeed-test/1.0"


def test_urls_with_accents_are_sent_percent_encoded(site):
    site.page("/%C3%A9t%C3%A9", PAGE)
    response = client().get(site.url("/été?q=ça"))
    assert response.status == 200
    assert site.log[-1][0] == "/%C3%A9t%C3%A9?q=%C3%A7a"


@pytest.mark.parametrize(
    "iri, uri",
    [
        ("https://fr.example/été?q=ça", "https://fr.example/%C3%A9t%C3%A9?q=%C3%A7a"),
        ("https://fr.example/a%20b?x=1&y=%C3%A9", "https://fr.example/a%20b?x=1&y=%C3%A9"),
        ("https://bücher.example:8080/", "https://xn--bcher-kva.example:8080/"),
        ("https://fr.example/a b#frag", "https://fr.example/a%20b"),
    ],
    ids=["accents", "already-encoded", "idna-host", "space-and-fragment"],
)
def test_iris_become_uris(iri, uri):
    assert to_uri(iri) == uri


def test_server_error_is_retried_then_succeeds(site):
    url = site.flaky("/flaky", PAGE, failures=1)
    response = client().get(url)
    assert (response.status, response.attempts) == (200, 2)
    assert site.hits["/flaky"] == 2


def test_not_found_is_final_at_once(site):
    err = failure(lambda: client().get(site.url("/missing")))
    assert (err.reason, err.attempts) == ("HTTP 404", 1)
    assert site.hits["/missing"] == 1


def test_persistent_server_error_stops_after_the_allowed_retries(site):
    url = site.flaky("/down", PAGE, failures=99, status=503)
    err = failure(lambda: client().get(url))
    assert (err.reason, err.attempts, site.hits["/down"]) == ("HTTP 503", 3, 3)


def test_backoff_doubles_and_is_capped(site):
    url = site.flaky("/down", PAGE, failures=99)
    sleeps = Sleeps()
    options = FetchOptions(timeout=0.3, retries=4, backoff=1.0, max_wait=3.0, delay=0.0)
    failure(lambda: client(options, sleeps).get(url))
    assert sleeps == [1.0, 2.0, 3.0, 3.0]


def test_retry_after_is_honoured_within_the_cap(site):
    url = site.flaky("/busy", PAGE, failures=2, status=429, headers={"Retry-After": "7"})
    sleeps = Sleeps()
    options = FetchOptions(timeout=0.3, retries=2, backoff=0.5, max_wait=5.0, delay=0.0)
    response = client(options, sleeps).get(url)
    assert response.status == 200 and sleeps == [5.0, 5.0]


def test_retry_after_reads_seconds_and_http_dates():
    from datetime import datetime

    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 01 May 2024 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None


def test_slow_server_times_out_after_retries(site):
    url = site.slow("/slow", PAGE, seconds=1.0)
    started = time.monotonic()
    err = failure(lambda: client(FetchOptions(timeout=0.2, retries=1, backoff=0.0, delay=0.0)).get(url))
    assert (err.reason, err.attempts) == ("timeout", 2)
    assert time.monotonic() - started < 1.5  # did not wait for the page


def test_refused_connection_is_recorded_as_such():
    # The first request to a host is for its robots.txt: that is where the refusal shows.
    err = failure(lambda: client().get(f"http://127.0.0.1:{closed_port()}/x"))
    assert err.reason == "connection refused" and "robots.txt" in err.detail
    err = failure(lambda: client().robots_txt(f"http://127.0.0.1:{closed_port()}/robots.txt"))
    assert (err.reason, err.attempts) == ("connection refused", 3)


def test_redirects_are_followed_within_the_limit(site):
    target = site.page("/end", PAGE)
    site.redirect("/r1", "/r2", 301)
    site.redirect("/r2", target, 308)
    response = client().get(site.url("/r1"))
    assert (response.status, response.url) == (200, target)
    err = failure(lambda: client(FetchOptions(**{**FAST.__dict__, "max_redirects": 1})).get(site.url("/r1")))
    assert err.reason == "too many redirects"


def test_a_redirect_loop_is_too_many_redirects(site):
    site.redirect("/loop-a", "/loop-b")
    site.redirect("/loop-b", "/loop-a")
    err = failure(lambda: client().get(site.url("/loop-a")))
    assert err.reason == "too many redirects" and "loop" in err.detail
    assert site.hits["/loop-a"] == 1 and site.hits["/loop-b"] == 1


def test_redirect_to_another_scheme_is_refused(site):
    site.redirect("/to-file", "file:///etc/passwd")
    assert failure(lambda: client().get(site.url("/to-file"))).reason == "unsupported URL"


def test_non_html_is_skipped_before_its_body_is_read(site):
    url = site.page("/image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "image/png")
    err = failure(lambda: client().get(url, types=HTML_TYPES))
    assert (err.reason, err.detail) == ("not HTML", "image/png")


def test_huge_page_stops_early(site):
    url = site.huge("/huge", 10_000_000)
    options = FetchOptions(**{**FAST.__dict__, "max_bytes": 200_000})
    err = failure(lambda: client(options).get(url))
    assert err.reason == "page too large"
    time.sleep(0.2)
    assert site.sent["/huge"] < 10_000_000  # the download was cut, not completed


def test_declared_length_over_the_limit_is_refused_unread(site):
    url = site.page("/big", b"x" * 300_000)
    err = failure(lambda: client(FetchOptions(**{**FAST.__dict__, "max_bytes": 100_000})).get(url))
    assert err.reason == "page too large" and "declared" in err.detail


def test_gzip_is_asked_for_and_decompressed(site):
    url = site.gzipped("/gz", PAGE)
    assert client().get(url).body == PAGE
    assert "gzip" in site.requests("/gz")[0]["accept-encoding"]


def test_gzip_bomb_stops_at_the_limit(site):
    bomb = b"<html>" + b"a" * 5_000_000
    site.routes["/bomb"] = lambda h: Site.send(h, 200, gzip.compress(bomb), "text/html", {"Content-Encoding": "gzip"})
    err = failure(lambda: client(FetchOptions(**{**FAST.__dict__, "max_bytes": 100_000})).get(site.url("/bomb")))
    assert err.reason == "page too large"


def test_robots_txt_is_obeyed_and_fetched_once_per_host(site):
    allowed = site.page("/ok", PAGE)
    site.page("/private/secret.html", PAGE)
    http = client()
    assert http.get(allowed).status == 200
    assert failure(lambda: http.get(site.url("/private/secret.html"))).reason == "disallowed by robots.txt"
    assert site.hits["/private/secret.html"] == 0
    assert site.hits["/robots.txt"] == 1


def test_robots_rules_for_our_user_agent_apply(site):
    site.page("/ok", PAGE)
    grumpy = FetchOptions(**{**FAST.__dict__, "user_agent": "GrumpyBot/2.0 (+https://x.example)"})
    assert failure(lambda: client(grumpy).get(site.url("/ok"))).reason == "disallowed by robots.txt"


def test_missing_robots_txt_allows_everything(site):
    del site.routes["/robots.txt"]
    url = site.page("/private/open.html", PAGE)
    assert client().get(url).status == 200


def test_unreachable_robots_txt_disallows_the_host(site):
    site.routes["/robots.txt"] = lambda h: Site.send(h, 503, b"", "text/plain")
    url = site.page("/ok", PAGE)
    err = failure(lambda: client().get(url))
    assert err.reason == "robots.txt unavailable" and site.hits["/ok"] == 0


def test_requests_to_one_host_are_spaced_by_the_delay(site):
    url = site.page("/a", PAGE)
    http = client(FetchOptions(**{**FAST.__dict__, "delay": 0.15}))
    started = time.monotonic()
    for _ in range(3):
        http.get(url)
    # robots.txt + 3 pages: three gaps of at least the delay
    assert time.monotonic() - started >= 3 * 0.15 * 0.9


def test_crawl_delay_of_robots_txt_is_honoured(site):
    site.page("/robots.txt", b"User-agent: *\nCrawl-delay: 2\n", "text/plain")
    url = site.page("/a", PAGE)
    sleeps = Sleeps()
    http = client(FAST, sleeps)
    http.get(url)
    http.get(url)
    assert 2.0 in [round(s) for s in sleeps]
