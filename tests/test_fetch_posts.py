"""``fetch_posts`` against Mastodon and Bluesky as their APIs answer, on 127.0.0.1: paging,
incremental runs, rate limits, and each fault recorded while the run goes on."""

from __future__ import annotations

import json

import pytest
from fixtures.fetch.platforms import Bluesky, Mastodon, link_facet, link_html, mention_html
from fixtures.fetch.server import Site

from dupfeed.errors import InputError
from dupfeed.fetch import FetchOptions
from dupfeed.fetch.http import HttpClient, rate_limit_wait, reset_seconds
from dupfeed.fetch.posts import fetch_posts, read_cursors, target_of
from dupfeed.readers.posts import read_posts

FAST = FetchOptions(timeout=0.5, total_timeout=2.0, retries=2, backoff=0.0, delay=0.0, max_wait=10.0)


class Sleeps(list):
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 1))


@pytest.fixture
def site():
    site = Site().start()
    yield site
    site.stop()


@pytest.fixture
def mastodon(site) -> Mastodon:
    return Mastodon(site)


@pytest.fixture
def bluesky(site) -> Bluesky:
    return Bluesky(site)


def fetch(site, urls, out, *, sleep=None, **kwargs):
    return fetch_posts(
        urls, out=out, client=HttpClient(FAST, sleep=sleep if sleep is not None else Sleeps()), appview=site.url(""), **kwargs
    )


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def asked(site, path: str) -> list[str]:
    """The query strings of every request for ``path``, in order."""
    with site.lock:
        return [p.split("?", 1)[1] if "?" in p else "" for p, _ in site.log if p.split("?")[0] == path]


@pytest.mark.parametrize(
    ("url", "kind", "name"),
    [
        ("https://mastodon.social/@alice", "mastodon account", "alice"),
        ("https://mastodon.social/@alice@fosstodon.org/", "mastodon account", "alice@fosstodon.org"),
        ("https://mastodon.social/users/alice", "mastodon account", "alice"),
        ("https://mastodon.social/tags/Python", "mastodon tag", "Python"),
        ("https://bsky.app/profile/bob.bsky.social", "bluesky account", "bob.bsky.social"),
        ("https://bsky.app/profile/did:plc:abc", "bluesky account", "did:plc:abc"),
        ("https://mastodon.social/@alice.rss", "feed", "https://mastodon.social/@alice.rss"),
        ("https://example.org/feed.xml", "feed", "https://example.org/feed.xml"),
        ("https://medium.example/@alice?format=rss", "feed", "https://medium.example/@alice?format=rss"),
    ],
    ids=["account", "remote-account", "users-path", "hashtag", "bluesky", "bluesky-did", "mastodon-rss", "feed", "query"],
)
def test_urls_name_their_platform(url, kind, name):
    target = target_of(url)
    assert (target.kind, target.name) == (kind, name)


def test_an_account_is_paged_with_max_id_to_the_end_of_its_history(site, mastodon, tmp_path):
    mastodon.account("alice")
    for minute in range(95):
        mastodon.post("alice", f"<p>Post number {minute} about the weather in Lyon today.</p>", minute)
    out = tmp_path / "posts.jsonl"
    report = fetch(site, [site.url("/@alice")], out)
    assert (report.fetched, report.known, report.failed) == (95, 0, [])
    queries = asked(site, "/api/v1/accounts/1/statuses")
    assert len(queries) == 3 and "max_id" not in queries[0] and all("max_id=" in q for q in queries[1:])
    rows = lines(out)
    assert len({r["id"] for r in rows}) == 95
    assert rows[0]["author"] == "alice@127.0.0.1" and rows[0]["platform"] == "mastodon"
    assert rows[0]["id"] == "mastodon:" + site.url("/users/alice/statuses/") + rows[0]["url"].rsplit("/", 1)[1]
    assert read_posts(out).skipped == []  # the file reads as any JSONL of posts


def test_a_second_run_asks_only_for_what_is_new_and_writes_it_once(site, mastodon, tmp_path):
    mastodon.account("alice")
    for minute in range(50):
        mastodon.post("alice", f"<p>Early post {minute} on batteries and their recycling.</p>", minute)
    out = tmp_path / "posts.jsonl"
    fetch(site, [site.url("/@alice")], out)
    newest = read_cursors(out)[site.url("/@alice")]["newest"]
    before = len(site.log)
    for minute in range(100, 103):
        mastodon.post("alice", f"<p>Late post {minute} on batteries and their recycling.</p>", minute)
    report = fetch(site, [site.url("/@alice")], out)
    assert (report.fetched, report.known) == (3, 0)
    later = [p for p, _ in site.log[before:] if "/statuses" in p]
    assert len(later) == 1 and f"since_id={newest}" in later[0]
    assert len(lines(out)) == 53
    again = fetch(site, [site.url("/@alice")], out)
    assert (again.fetched, again.known) == (0, 0) and len(lines(out)) == 53


def test_an_interrupted_history_keeps_its_posts_and_its_old_cursor(site, mastodon, tmp_path):
    mastodon.account("alice")
    for minute in range(60):
        mastodon.post("alice", f"<p>Note {minute} about a long and careful study of rivers.</p>", minute)
    out = tmp_path / "posts.jsonl"
    site.log.clear()
    real = mastodon.site.routes["/api/v1/accounts/1/statuses"]

    def second_page_fails(handler):
        if "max_id" in handler.path:
            site.send(handler, 500, b"oops", "text/plain")
        else:
            real(handler)

    site.routes["/api/v1/accounts/1/statuses"] = second_page_fails
    report = fetch(site, [site.url("/@alice")], out)
    assert report.fetched == 40 and [f.reason for f in report.failed] == ["HTTP 500"]
    state = read_cursors(out)[site.url("/@alice")]
    assert state["newest"] is None and state["status"] == "failed" and state["attempts"] == 3
    site.routes["/api/v1/accounts/1/statuses"] = real
    report = fetch(site, [site.url("/@alice")], out)
    assert (report.fetched, report.known, report.failed) == (20, 40, [])
    assert read_cursors(out)[site.url("/@alice")]["newest"] is not None


def test_statuses_read_as_the_export_reader_reads_them(site, mastodon, tmp_path):
    mastodon.account("alice")
    mastodon.account("bob")
    article = "https://www.techdaily.example/news/voltcycle-lyon/"
    original = mastodon.post(
        "bob",
        f"<p>Read this {link_html(article)} with {mention_html(site, 'alice')} "
        f'<a href="{site.url("/tags/batteries")}" class="mention hashtag" rel="tag">#<span>batteries</span></a></p>',
        1,
        card={"url": "https://card.example/page", "title": "A card"},
    )
    mastodon.post("alice", "", 2, reblog=original)
    mastodon.post("alice", "", 3, media_attachments=[{"type": "image"}])
    out = tmp_path / "posts.jsonl"
    report = fetch(site, [site.url("/@bob"), site.url("/@alice")], out)
    bob, boost = lines(out)
    assert bob["text"] == f"Read this {article} with @alice #batteries"
    assert bob["links"] == [article, "https://card.example/page"]
    assert (boost["kind"], boost["author"], boost["repost_of"]) == ("repost", "alice@127.0.0.1", bob["id"])
    assert boost["text"] == bob["text"] and boost["id"] != bob["id"]
    assert [(s.reason, s.is_fault) for s in report.skipped] == [("media without text", False)]
    assert report.ok


def test_a_hashtag_timeline_is_fetched_and_its_known_posts_are_remembered(site, mastodon, tmp_path):
    mastodon.account("alice")
    first = mastodon.post("alice", "<p>Rivers of France, a field guide for the curious walker.</p>", 1)
    second = mastodon.post("alice", "<p>Mountains of France, a field guide for the curious walker.</p>", 2)
    mastodon.tag("walking", [first, second])
    out = tmp_path / "posts.jsonl"
    fetch(site, [site.url("/@alice")], out)
    report = fetch(site, [site.url("/tags/walking")], out)
    assert (report.fetched, report.known) == (0, 2)
    also = read_cursors(out)[site.url("/tags/walking")]["also"]
    assert sorted(also) == sorted(f"mastodon:{s['uri']}" for s in (first, second))


def test_429_waits_what_the_rate_limit_reset_says_then_goes_on(site, mastodon, tmp_path):
    mastodon.account("alice")
    mastodon.post("alice", "<p>Patience is a virtue that servers teach us all.</p>", 1)
    mastodon.limited = 1
    sleeps = Sleeps()
    report = fetch(site, [site.url("/@alice")], tmp_path / "posts.jsonl", sleep=sleeps)
    assert report.fetched == 1 and report.ok
    assert sleeps and 2.5 <= sleeps[0] <= 4.0  # X-RateLimit-Reset is 4 s away; no Retry-After was sent


def test_a_spent_window_holds_the_host_until_its_reset(site, mastodon, tmp_path):
    mastodon.account("alice")
    mastodon.post("alice", "<p>One request left, and then we wait for the window.</p>", 1)
    mastodon.spent = 1  # the lookup answers X-RateLimit-Remaining: 0
    sleeps = Sleeps()
    report = fetch(site, [site.url("/@alice")], tmp_path / "posts.jsonl", sleep=sleeps)
    assert report.fetched == 1 and site.hits["/api/v1/accounts/1/statuses?limit=40"] == 1
    assert sleeps and 2.5 <= sleeps[0] <= 4.0


def test_bluesky_429_waits_until_its_unix_reset_time(site, bluesky, tmp_path):
    bluesky.post("carol.test", "Slow and steady wins the race, said the tortoise again.", 1)
    bluesky.limited = 1
    sleeps = Sleeps()
    report = fetch(site, ["https://bsky.app/profile/carol.test"], tmp_path / "posts.jsonl", sleep=sleeps)
    assert report.fetched == 1 and sleeps and 1.5 <= sleeps[0] <= 3.0


def test_rate_limit_headers_read_as_the_platforms_write_them():
    from datetime import UTC, datetime

    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert reset_seconds("2024-05-01T12:05:00.000Z", now) == 300.0  # Mastodon
    assert reset_seconds(str(int(now.timestamp()) + 42), now) == 42.0  # Bluesky
    assert reset_seconds("30", now) == 30.0  # the IETF draft: seconds from now
    assert reset_seconds("soon", now) is None
    assert rate_limit_wait({"Retry-After": "7", "X-RateLimit-Reset": "2024-05-01T12:05:00Z"}, now) == 7.0
    assert rate_limit_wait({}, now) is None


def test_bluesky_pages_with_its_cursor_links_from_byte_offset_facets_and_reposts(site, bluesky, tmp_path):
    for minute in range(130):
        bluesky.post("dan.test", f"Thought number {minute} on the art of slow cooking.", minute)
    url = "https://example.org/blog/original-article-about-cooking"
    text = "Déjà vu 🎉🎉 read example.org/blog/orig… now"
    view = bluesky.post("erin.test", text, 200, facets=[link_facet(text, "example.org/blog/orig…", url)])
    bluesky.repost("dan.test", view, 201)
    out = tmp_path / "posts.jsonl"
    report = fetch(site, ["https://bsky.app/profile/dan.test", "https://bsky.app/profile/erin.test"], out)
    assert report.ok and report.fetched == 132
    assert len(asked(site, "/xrpc/app.bsky.feed.getAuthorFeed")) == 3  # 100 + 31 for dan, 1 for erin
    rows = {r["id"]: r for r in lines(out)}
    erin = rows[f"bluesky:{view['uri']}"]
    assert erin["text"] == f"Déjà vu 🎉🎉 read {url} now" and erin["links"] == [url]
    assert erin["author"] == view["author"]["did"]
    repost = next(r for r in rows.values() if r["kind"] == "repost")
    assert (repost["repost_of"], repost["author"]) == (erin["id"], bluesky.dids["dan.test"])
    bluesky.post("dan.test", "A new thought, posted after the first fetch.", 300)
    again = fetch(site, ["https://bsky.app/profile/dan.test"], out)
    assert (again.fetched, again.known) == (1, 0)
    assert len(asked(site, "/xrpc/app.bsky.feed.getAuthorFeed")) == 4  # one page sufficed


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("unknown account", "account not found"),
        ("server error", "HTTP 500"),
        ("malformed JSON", "malformed JSON"),
        ("endless pager", "endless pager"),
        ("locked account", "private account"),
        ("login required", "private account"),
        ("suspended", "account suspended"),
        ("bluesky unknown", "account not found"),
        ("bluesky takedown", "account suspended"),
        ("bluesky logged-out", "private account"),
    ],
    ids=lambda v: v.replace(" ", "-"),
)
def test_each_fault_is_recorded_with_its_reason_and_the_run_goes_on(site, mastodon, bluesky, tmp_path, fault, reason):
    mastodon.account("good")
    mastodon.post("good", "<p>A perfectly ordinary post that always comes back.</p>", 1)
    url = site.url("/@victim")
    if fault == "server error":
        mastodon.account("victim")
        site.flaky("/api/v1/accounts/2/statuses", b"", failures=99, status=500)
    elif fault == "malformed JSON":
        mastodon.account("victim")
        site.page("/api/v1/accounts/2/statuses", b'[{"id": "1", "content": ', "application/json")
    elif fault == "endless pager":
        mastodon.account("victim")
        for minute in range(45):
            mastodon.post("victim", f"<p>Round and round {minute} the pager goes.</p>", minute)
        mastodon.ignore_max_id.add("2")
    elif fault == "locked account":
        mastodon.account("victim", locked=True)
    elif fault == "login required":
        mastodon.account("victim")
        site.page("/api/v1/accounts/2/statuses", b'{"error": "This API requires an authenticated user"}', "application/json")
        site.routes["/api/v1/accounts/2/statuses"] = lambda h: site.send(
            h, 401, b'{"error": "This API requires an authenticated user"}', "application/json"
        )
    elif fault == "suspended":
        mastodon.account("victim", suspended=True)
    elif fault.startswith("bluesky"):
        url = "https://bsky.app/profile/victim.test"
        if fault == "bluesky takedown":
            bluesky.errors["victim.test"] = (400, {"error": "AccountTakedown", "message": "Account has been suspended"})
        elif fault == "bluesky logged-out":
            bluesky.labels["victim.test"] = [{"src": "did:plc:x", "uri": "at://x", "val": "!no-unauthenticated"}]
            bluesky.post("victim.test", "Only for those who are logged in, please.", 1)
    out = tmp_path / "posts.jsonl"
    report = fetch(site, [url, site.url("/@good")], out)
    assert [(f.url, f.reason) for f in report.failed] == [(url, reason)]
    assert report.fetched_urls == 1 and any(r["author"] == "good@127.0.0.1" for r in lines(out))
    assert read_cursors(out)[url]["reason"] == reason
    if fault in ("locked account", "bluesky logged-out"):
        assert not any("victim" in (r["author"] or "") for r in lines(out))


def test_a_feed_of_posts_is_read_whole_and_dedup_by_id(site, tmp_path):
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Alice</title>
<item><guid>{site.url("/@alice/1")}</guid><link>{site.url("/@alice/1")}</link>
<pubDate>Wed, 01 May 2024 09:00:00 GMT</pubDate>
<description>&lt;p&gt;A post about tides and the moon, served as RSS.&lt;/p&gt;</description></item>
</channel></rss>""".encode()
    site.page("/@alice.rss", rss, "application/rss+xml")
    out = tmp_path / "posts.jsonl"
    assert fetch(site, [site.url("/@alice.rss")], out).fetched == 1
    assert fetch(site, [site.url("/@alice.rss")], out).known == 1
    (row,) = lines(out)
    assert (row["platform"], row["author"], row["text"]) == ("rss", "Alice", "A post about tides and the moon, served as RSS.")


def test_a_line_cut_short_by_a_killed_run_is_dropped_and_the_next_run_completes(site, mastodon, tmp_path):
    mastodon.account("alice")
    mastodon.post("alice", "<p>The first of two posts that a killed run half wrote.</p>", 1)
    mastodon.post("alice", "<p>The second of two posts that a killed run half wrote.</p>", 2)
    out = tmp_path / "posts.jsonl"
    fetch(site, [site.url("/@alice")], out)
    whole = out.read_bytes()
    out.write_bytes(whole[: whole.index(b"\n") + 30])  # killed while writing the second post:
    out.with_name("posts.jsonl.cursors").unlink()  # the cursor is saved only once a URL is done
    report = fetch(site, [site.url("/@alice")], out)
    assert any("truncated last line" in w for w in report.warnings)
    assert (report.fetched, report.known) == (1, 1)
    assert read_posts(out).skipped == [] and len(read_posts(out).records) == 2


def test_a_cursors_file_that_is_not_ours_is_refused_with_one_line(site, tmp_path):
    out = tmp_path / "posts.jsonl"
    out.with_name("posts.jsonl.cursors").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match=r"posts\.jsonl\.cursors: not a cursors file"):
        fetch(site, [site.url("/@alice")], out)
