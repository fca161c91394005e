"""``dupfeed nightly``: config, fetching from 127.0.0.1, drop folders, idempotent runs, exit codes, report files."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, post_row, write_jsonl
from test_fetch_cli import site  # noqa: F401  (the fixture: a site on 127.0.0.1)
from test_fetch_detect import site_page

from dupfeed.cli.main import main

POSTS = ROOT / "data" / "posts.jsonl"
ARTICLES = ROOT / "data" / "articles"


def _config(folder, **values) -> str:
    lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path = folder / "dupfeed.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _run(runner, tmp_path, *extra):
    return runner.invoke(main, ["nightly", "--db", str(tmp_path / "n.db"), "--report-dir", str(tmp_path / "reports"), *extra])


def _report(result_output: str) -> dict:
    json_path = next(line.split("report: ", 1)[1] for line in result_output.splitlines() if line.endswith(".json"))
    with open(json_path, encoding="utf-8") as handle:
        return json.load(handle)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_a_second_night_on_the_same_inputs_adds_and_reports_nothing(runner, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(POSTS, drop / "posts.jsonl")
    config = _config(tmp_path, sources=[str(ARTICLES)], exports=["drop"])
    first = _run(runner, tmp_path, "--config", config)
    assert first.exit_code == 0, first.output
    report = _report(first.output)
    assert report["added"] == {"posts": 100, "sources": 5, "already_stored": 0, "skipped": {}, "fetch_failures": []}
    assert report["scored"] == {"posts": 100, "copy": 29, "revision": 11, "original": 60}
    assert len(report["findings"]) == 40 and report["originals"]["total"] == 60
    assert report["top_sources"] and report["clusters"]
    for cluster in report["clusters"]:  # first appearance first
        dates = [p["created_at"] for p in cluster["posts"]]
        assert dates == sorted(dates) and cluster["posts"][0]["verdict"] == "original"
    html_path = next(line.split("report: ", 1)[1] for line in first.output.splitlines() if line.endswith(".html"))
    page = Path(html_path).read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert not [attrs for _, attrs in parser.tags if "src" in attrs]
    assert all(tag not in ("script", "link", "img", "iframe") for tag, _ in parser.tags)
    assert "<svg" in page and "p017" in page

    second = _run(runner, tmp_path, "--config", config)
    assert second.exit_code == 0, second.output
    again = _report(second.output)
    assert again["added"]["posts"] == again["added"]["sources"] == 0
    assert again["added"]["already_stored"] == 105
    assert again["scored"]["posts"] == 0 and again["findings"] == []
    assert again["days"] == report["days"]  # the history is the store's, unchanged


def test_a_drop_folder_with_a_bad_file_still_reports_and_exits_4(runner, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    write_jsonl(
        drop / "monday.jsonl",
        [post_row("m1", "Our quarterly results are out and the team did a remarkable job this time around, thank you all")],
    )
    (drop / "notes.txt").write_text("not an export\n", encoding="utf-8")
    result = _run(runner, tmp_path, "--posts", str(drop))
    assert result.exit_code == 4, result.output
    assert "notes.txt" in result.output and "Traceback" not in result.output
    assert _report(result.output)["scored"]["posts"] == 1


def test_fail_on_exits_3_when_a_post_of_the_night_is_a_copy(runner, tmp_path):
    result = _run(runner, tmp_path, "--sources", str(ARTICLES), "--posts", str(POSTS), "--fail-on", "copy", "-q")
    assert result.exit_code == 3
    assert _run(runner, tmp_path, "--sources", str(ARTICLES), "--posts", str(POSTS), "--fail-on", "copy", "-q").exit_code == 0


@pytest.mark.parametrize(
    "text, message",
    [
        ("sources = [\n  'a',\n  oops\n]\n", "line 3"),
        ("exports = 'drop'\n", "exports must be a list of strings"),
        ("feeds = []\nfeed_urls = []\n", "unknown setting 'feed_urls'"),
    ],
    ids=["bad-toml", "wrong-type", "unknown-key"],
)
def test_a_bad_config_is_one_line_naming_the_file(runner, tmp_path, text, message):
    config = tmp_path / "dupfeed.toml"
    config.write_text(text, encoding="utf-8")
    result = _run(runner, tmp_path, "--config", str(config))
    assert result.exit_code == 2
    assert message in result.output and "dupfeed.toml" in result.output
    assert not (tmp_path / "n.db").exists()


def test_configured_urls_are_fetched_and_a_failed_one_is_reported(runner, tmp_path, site):  # noqa: F811
    article = (
        "The city council approved on Tuesday a plan to plant twelve thousand trees along the ring road "
        "before the end of the decade, a project its backers say will lower summer temperatures in the "
        "densest neighbourhoods by up to two degrees.\nOpponents on the council argued that the money would "
        "be better spent on the tram extension that residents of the northern districts have been promised "
        "for fifteen years, and they voted against the plan."
    )
    url = site.page("/news/trees.html", site_page("Twelve thousand trees for the ring road", article))
    missing = site.status("/news/gone.html", 404)
    posts = tmp_path / "posts.jsonl"
    write_jsonl(posts, [post_row("t1", article.split("\n")[0], author="zoe")])
    config = _config(tmp_path, urls=[url, missing], exports=["posts.jsonl"], fetch_cache="cache.jsonl")
    result = _run(runner, tmp_path, "--config", config)
    assert result.exit_code == 4, result.output
    report = _report(result.output)
    assert report["added"]["sources"] == 1
    assert [f["url"] for f in report["added"]["fetch_failures"]] == [missing]
    assert report["findings"][0]["matches"][0]["url"] == url
    assert (tmp_path / "cache.jsonl").exists()


def test_the_next_nightly_report_covers_what_db_ingest_scored_since_the_last_report(runner, tmp_path):
    db = str(tmp_path / "n.db")
    assert runner.invoke(main, ["db", "ingest", str(POSTS), "--db", db, "-q"]).exit_code == 0
    first = _run(runner, tmp_path)
    report = _report(first.output)
    assert report["run"]["also_reports_runs"] == [1]
    assert report["scored"]["posts"] == 100 and report["added"]["posts"] == 0
    again = _report(_run(runner, tmp_path).output)
    assert again["run"]["also_reports_runs"] == [] and again["scored"]["posts"] == 0


def test_a_partial_run_says_so_in_its_report_and_a_missing_export_is_a_skip(runner, tmp_path):
    result = _run(runner, tmp_path, "--posts", str(POSTS), "--posts", str(tmp_path / "missing"))
    assert result.exit_code == 4, result.output
    assert "missing" in result.output
    report = _report(result.output)
    assert report["run"]["status"] == "partial" and report["added"]["posts"] == 100
