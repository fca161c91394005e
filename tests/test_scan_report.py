"""The scan as a user lives it: exports given as archives, filters, --fail-on, the HTML page."""

from __future__ import annotations

import json
import zipfile
from html.parser import HTMLParser

import pytest
from conftest import ARTICLE, PASSAGE, post_row, write_jsonl

from dupfeed.cli.main import main

OWN = "A quiet week on the allotment: tomatoes in, slugs out, and the first courgette of the year."


@pytest.fixture
def posts(tmp_path):
    return write_jsonl(
        tmp_path / "posts.jsonl",
        [
            post_row("own", OWN, author="ann", created_at="2024-05-01T08:00:00Z"),
            post_row("bad", "<script>alert(1)</script> " + PASSAGE, author="bob", created_at="2024-05-02T08:00:00Z"),
            post_row("copy", PASSAGE + " #energy", author="cy", created_at="2024-05-03T08:00:00Z"),
        ],
    )


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.urls = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_is_self_contained_escaped_and_highlights_both_sides(runner, sources, posts, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags, "post text must be escaped, never markup"
    assert "<script>alert(1)</script>" in "".join(parsed.text)
    assert not [u for u in parsed.urls if not u.startswith(("https://techdaily", "#"))], "no remote resource"
    assert parsed.tags.count("mark") >= 4, "passages highlighted in the post and in the source"
    assert "3 posts against 1 sources: 2 copy" in "".join(parsed.text)


def test_fail_on_copy_exits_3_for_scripts(runner, sources, posts):
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "jsonl", "--fail-on", "copy"])
    assert result.exit_code == 3
    clean = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "jsonl", "--fail-on", "copy", "--author", "ann"])
    assert clean.exit_code == 0


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--author", "cy"], ["copy"]),
        (["--since", "2024-05-02"], ["bad", "copy"]),
        (["--until", "2024-05-02T08:00:00Z"], ["own"]),
        (["--kind", "post"], ["own", "bad", "copy"]),
        (["--kind", "comment"], []),
    ],
    ids=["author", "since", "until", "kind", "kind-none"],
)
def test_filters_choose_reported_posts_but_all_are_compared(runner, sources, posts, args, expected):
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "jsonl", *args])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == expected
    for record in records:
        if record["id"] == "copy":
            assert {m["id"] for m in record["matches"]} == {"voltcycle.txt", "bad"}


@pytest.mark.parametrize("given", ["CY", "Cy", "cy"], ids=["upper", "title", "same"])
def test_author_filter_ignores_case(runner, sources, posts, given):
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "jsonl", "--author", given])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["copy"]
    assert "warning" not in result.stderr


@pytest.mark.parametrize(
    "args, said",
    [
        (["--author", "dee"], "no post matched author 'dee'"),
        (["--kind", "comment"], "no post matched kind 'comment'"),
        (["--since", "2030-01-01"], "no post matched the dates asked for"),
        (["--author", "ann", "--since", "2024-05-02"], "no post matched the filters together"),
    ],
    ids=["author", "kind", "dates", "together"],
)
def test_a_filter_that_matches_no_post_says_so(runner, sources, posts, args, said):
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "jsonl", *args])
    assert result.exit_code == 0 and result.stdout == ""
    assert f"warning: nothing reported: {said}\n" in result.stderr


def test_quiet_keeps_the_one_line_that_explains_exit_1(runner, sources, posts, tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text(posts.read_text(encoding="utf-8") + "{not json\n" + '{"id": "x"}\n', encoding="utf-8")
    result = runner.invoke(main, ["scan", str(broken), "-s", str(sources), "-f", "jsonl", "-q"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {broken}:4: skipped: ") and line.endswith(" and 1 more (without --quiet: each one)")
    ingest = runner.invoke(main, ["db", "ingest", str(broken), "--db", str(tmp_path / "s.db"), "-q"])
    assert ingest.exit_code == 1
    assert len(ingest.stderr.splitlines()) == 1 and ingest.stderr.startswith(f"Error: {broken}:4: skipped: ")


def test_bad_since_is_a_usage_error(runner, posts):
    result = runner.invoke(main, ["scan", str(posts), "--since", "last week"])
    assert result.exit_code == 2 and "not an ISO 8601 date" in result.stderr


def test_zip_of_jsonl_is_read_like_the_file(runner, sources, posts, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(posts, "data/posts.jsonl")
    result = runner.invoke(main, ["scan", str(archive), "-s", str(sources), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["own", "bad", "copy"]


def test_overlapping_exports_do_not_duplicate_posts(runner, sources, posts, tmp_path):
    result = runner.invoke(main, ["scan", str(posts), str(posts), "-s", str(sources), "-f", "jsonl"])
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["own", "bad", "copy"]


def test_unknown_archive_lists_what_was_found_and_what_is_supported(runner, tmp_path):
    archive = tmp_path / "holiday.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("photos/beach.jpg", b"\xff\xd8")
        z.writestr("notes.txt", "hello")
    result = runner.invoke(main, ["scan", str(archive)])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(f"Error: {archive}: not a known export: found photos/beach.jpg, notes.txt")
    assert "supported:" in line and "generic" in line
    assert "Traceback" not in result.output


def test_corrupt_zip_is_one_clear_line(runner, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("posts.jsonl", json.dumps(post_row("a", OWN)) * 50)
    data = bytearray(archive.read_bytes())
    data[40:60] = b"\x00" * 20  # break the member's compressed data
    archive.write_bytes(bytes(data))
    result = runner.invoke(main, ["scan", str(archive)])
    assert result.exit_code == 1
    assert str(archive) in result.stderr and "Traceback" not in result.output


def test_sources_given_as_page_and_feed_urls_are_fetched_once_and_cached(runner, tmp_path):
    from fixtures.fetch.server import Site

    site = Site().start()
    try:
        paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
        page = site.page(
            "/news/voltcycle",
            f"<html><head><title>Voltcycle</title></head><body><nav>Home News</nav><article>{paragraphs}</article>"
            "<footer>© TechDaily</footer></body></html>".encode(),
        )
        other = site.page(
            "/news/other", b"<html><body><article><p>" + (OWN.encode() + b" ") * 6 + b"</p></article></body></html>"
        )
        site.page(
            "/feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><link>{other}</link></item></channel></rss>'.encode(),
            "application/rss+xml",
        )
        posts = write_jsonl(tmp_path / "posts.jsonl", [post_row("p", PASSAGE + f" via {page}", author="bo")])
        cache = tmp_path / "cache.jsonl"
        args = [
            "scan",
            str(posts),
            "-s",
            page,
            "--sources-feed",
            site.url("/feed.xml"),
            "--sources-cache",
            str(cache),
            "-f",
            "json",
        ]
        first = runner.invoke(main, args)
        assert first.exit_code == 0, first.output
        doc = json.loads(first.stdout)
        assert doc["summary"]["sources"] == 2
        match = doc["findings"][0]["matches"][0]
        assert (match["url"], match["attributed"]) == (page, True)
        hits = site.hits["/news/voltcycle"]
        again = runner.invoke(main, args)
        assert again.exit_code == 0 and site.hits["/news/voltcycle"] == hits, "cached, not fetched again"
    finally:
        site.stop()


def test_scan_files_is_the_cli_scan_as_a_library_call(sources, posts):
    from dupfeed import Selection, scan_files

    result = scan_files([posts], [sources], selection=Selection(authors=frozenset({"cy"})))
    assert [f.id for f in result.findings] == ["copy"]
    assert result.reaches("copy") and not result.has_faults
    assert result.summary.verdicts == {"copy": 1, "revision": 0, "original": 0}


def test_html_report_links_only_http_urls(runner, posts, tmp_path):
    sources = write_jsonl(
        tmp_path / "sources.jsonl",
        [
            {"id": "evil", "url": "javascript:alert(1)", "text": ARTICLE},
            {"id": "plain", "url": "https://techdaily.example/v", "text": ARTICLE + "\nA second edition."},
        ],
    )
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "html"])
    assert result.exit_code == 0, result.output
    parsed = _Collector()
    parsed.feed(result.stdout)
    assert "javascript:alert(1)" in "".join(parsed.text), "the URL is shown, as text"
    assert parsed.urls and all(u.startswith(("https://", "#")) for u in parsed.urls), parsed.urls
