"""``dupfeed posts fetch``, ``dupfeed scan`` with accounts given by URL, and the nightly
``post_feeds``, against Mastodon as its API answers on 127.0.0.1."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ARTICLE, PASSAGE
from fixtures.fetch.platforms import link_html
from test_fetch_detect import site_page
from test_fetch_posts import mastodon, site  # noqa: F401  (the fixtures: a site on 127.0.0.1 and its Mastodon)

from dupfeed.cli.main import main
from dupfeed.fetch.posts import read_cursors

FAST = ["--delay", "0", "--retries", "1", "--backoff", "0", "--timeout", "0.5"]
OWN = "Here is what I learned this week while visiting the new battery plant with my students from the engineering school."


def paragraphs(text: str) -> str:
    return "".join(f"<p>{p}</p>" for p in text.split("\n\n"))


def test_posts_fetch_exits_0_with_a_summary_and_is_idempotent(runner, site, mastodon, tmp_path):  # noqa: F811
    mastodon.account("alice")
    mastodon.post("alice", "<p>A first post about the tides of the Atlantic coast.</p>", 1)
    out = tmp_path / "posts.jsonl"
    result = runner.invoke(main, ["posts", "fetch", site.url("/@alice"), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    assert f"{out}: 1 new posts, 0 already stored, 1 URLs fetched, 0 failed" in result.stderr
    again = runner.invoke(main, ["posts", "fetch", site.url("/@alice"), "--out", str(out), *FAST])
    assert again.exit_code == 0 and "0 new posts" in again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    scanned = runner.invoke(main, ["scan", str(out), "--format", "jsonl"])
    assert scanned.exit_code == 0, scanned.output
    assert json.loads(scanned.stdout.splitlines()[0])["author"] == "alice@127.0.0.1"


def test_failed_urls_exit_1_with_counts_per_reason_and_the_rest_stored(runner, site, mastodon, tmp_path):  # noqa: F811
    mastodon.account("alice")
    mastodon.post("alice", "<p>Still here, still posting about the tides.</p>", 1)
    out = tmp_path / "posts.jsonl"
    urls = [site.url("/@nobody"), site.url("/@alice"), "https://bsky.app/profile/ghost.test"]
    result = runner.invoke(main, ["posts", "fetch", *urls, "--out", str(out), "--bluesky-appview", site.url(""), *FAST])
    assert result.exit_code == 1
    assert "1 new posts" in result.stderr and "2 failed" in result.stderr
    assert any(line.split() == ["account", "not", "found", "2"] for line in result.stderr.splitlines())
    assert f"warning: mastodon account {site.url('/@nobody')}: account not found (Record not found)" in result.stderr
    assert read_cursors(out)[site.url("/@nobody")]["reason"] == "account not found"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.org/x"], "not an http(s) URL"),
        ([], "Missing argument"),
        (["https://a.example/@x", "--max-pages", "0"], "0"),
    ],
    ids=["not-http", "no-url", "max-pages"],
)
def test_bad_usage_exits_2(runner, tmp_path, args, message):
    result = runner.invoke(main, ["posts", "fetch", *args, "--out", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 2 and message in result.output


def test_help_documents_each_exit_status_the_command_returns(runner):
    result = runner.invoke(main, ["posts", "fetch", "--help"])
    assert result.exit_code == 0
    statuses = " ".join(result.output.split()).split("Exit status: ", 1)[1]
    assert re.findall(r"(?:^|; )(\d+) ", statuses) == ["0", "1", "2", "130"]


def test_scan_reports_an_account_that_copies_a_fetched_article_and_another_accounts_earlier_post(
    runner,
    site,  # noqa: F811
    mastodon,  # noqa: F811
    tmp_path,
):
    article = site.page("/news/voltcycle.html", site_page("Voltcycle opens its first plant in Lyon", ARTICLE))
    mastodon.account("alice")
    mastodon.account("bob")
    alice = mastodon.post("alice", paragraphs(f"{OWN}\n\n{PASSAGE}"), 10)
    mastodon.post("alice", "<p>Unrelated: the weather in Brittany was lovely all week long.</p>", 20)
    mastodon.post("bob", paragraphs(f"{OWN}\n\n{PASSAGE}\n\nSource: {link_html(article)}"), 60)
    result = runner.invoke(
        main,
        [
            "scan",
            site.url("/@bob"),
            site.url("/@alice"),
            "--sources",
            article,
            "--sources-cache",
            str(tmp_path / "sources.jsonl"),
            "--posts-cache",
            str(tmp_path / "posts.jsonl"),
            "--format",
            "jsonl",
        ],
    )
    assert result.exit_code == 0, result.output
    findings = {f["author"]: f for f in map(json.loads, result.stdout.splitlines()) if f["verdict"] != "original"}
    bob = findings["bob@127.0.0.1"]
    assert bob["verdict"] == "copy" and bob["platform"] == "mastodon"
    by_relation = {m["relation"]: m for m in bob["matches"]}
    copied = by_relation["cross_author"]
    assert (copied["id"], copied["author"], copied["url"]) == (f"mastodon:{alice['uri']}", "alice@127.0.0.1", alice["url"])
    assert copied["attributed"] is False  # bob names neither alice nor her post
    source = by_relation["source"]
    assert source["url"] == article and source["attributed"] is True  # he links the article
    assert findings["alice@127.0.0.1"]["matches"][0]["relation"] == "source"


def _config(folder, **values) -> str:
    lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path = folder / "dupfeed.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_nightly_fetches_its_post_feeds_and_asks_only_for_what_is_new(runner, site, mastodon, tmp_path):  # noqa: F811
    mastodon.account("alice")
    mastodon.account("bob")
    mastodon.post("alice", paragraphs(f"{OWN}\n\n{PASSAGE}"), 10)
    config = _config(tmp_path, post_feeds=[site.url("/@alice"), site.url("/@bob")])
    nightly = ["nightly", "--db", str(tmp_path / "n.db"), "--config", config, "--report-dir", str(tmp_path / "reports")]
    first = runner.invoke(main, nightly)
    assert first.exit_code == 0, first.output
    mastodon.post("bob", paragraphs(f"{OWN}\n\n{PASSAGE}"), 60)
    second = runner.invoke(main, nightly)
    assert second.exit_code == 0, second.output
    statuses = [p for p, _ in site.log if "/statuses" in p]
    assert len(statuses) == 4 and "since_id=" in statuses[2]  # alice's second night asks only for what is new
    report = json.loads(sorted((tmp_path / "reports").glob("*run2.json"))[0].read_text(encoding="utf-8"))
    assert report["added"]["posts"] == 1
    (finding,) = report["findings"]
    assert finding["author"] == "bob@127.0.0.1" and finding["matches"][0]["relation"] == "cross_author"
