"""``dupfeed scan`` as a user runs it, through click's CliRunner on real files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import ARTICLE, PASSAGE, post_row, write_jsonl

from dupfeed.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "articles"
    (folder / "tech").mkdir(parents=True)
    (folder / "tech" / "voltcycle.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture
def posts(tmp_path):
    return write_jsonl(
        tmp_path / "posts.jsonl",
        [
            post_row("p2", "Wow. " + PASSAGE, author="bob", created_at="2024-05-02T10:00:00+02:00"),
            post_row("p1", "Nothing to see here, just a post about my weekend in the mountains with friends."),
        ],
    )


def test_scan_jsonl_reports_every_post_in_processing_order(runner, sources, posts):
    result = runner.invoke(main, ["scan", str(posts), "--sources", str(sources), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["p1", "p2"]
    assert records[1]["created_at"] == "2024-05-02T08:00:00Z"
    match = records[1]["matches"][0]
    assert (match["kind"], match["id"], records[1]["verdict"]) == ("source", "tech/voltcycle.txt", "copy")
    span = match["spans"][0]
    assert ARTICLE[span["match_start"] : span["match_end"]] in PASSAGE


def test_table_shows_flagged_post_with_passage_and_origin(runner, sources, posts):
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "--format", "table"])
    assert result.exit_code == 0
    assert "COPY" in result.stdout and "p2" in result.stdout and "tech/voltcycle.txt" in result.stdout
    assert "hydrometallurgical" in result.stdout
    assert "p1" not in result.stdout.split("posts against")[0]
    assert "2 posts against 1 sources: 1 copy, 0 revision, 1 original" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_other_formats_hold_the_finding(runner, sources, posts, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        doc = json.loads(text)
        assert doc["summary"]["verdicts"]["copy"] == 1
        assert doc["findings"][1]["matches"][0]["id"] == "tech/voltcycle.txt"
    elif fmt == "csv":
        rows = list(csv.DictReader(text.splitlines()))
        assert [(r["id"], r["match_id"]) for r in rows] == [("p1", ""), ("p2", "tech/voltcycle.txt")]
    else:
        assert "| p2 | bob | copy |" in text


def test_csv_posts_are_read(runner, sources, tmp_path):
    path = tmp_path / "posts.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "author", "created_at", "url"])
        writer.writerow(["c1", PASSAGE, "eve", "2024-05-01", "https://example.org/c1"])
    result = runner.invoke(main, ["scan", str(path), "-s", str(sources), "-f", "jsonl"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["verdict"] == "copy"


BAD_RECORDS = [
    ('{"id": "x", "text": "broken', "malformed JSON"),
    (json.dumps({"id": "x", "author": "a", "created_at": "2024-05-01"}), "missing field"),
    (json.dumps(post_row("x", "Some text here", created_at="yesterday-ish")), "unreadable created_at"),
    (json.dumps(post_row("x", "   ")), "empty text"),
    (json.dumps(post_row("x", "word " * 2_100_000)), "text too long"),
]


@pytest.mark.parametrize("line, reason", BAD_RECORDS, ids=[r for _, r in BAD_RECORDS])
def test_bad_record_is_skipped_with_file_line_and_reason(runner, sources, tmp_path, line, reason):
    path = write_jsonl(tmp_path / "posts.jsonl", [post_row("ok", PASSAGE), line])
    result = runner.invoke(main, ["scan", str(path), "-s", str(sources), "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"{path}:2: skipped: {reason}" in result.stderr
    assert f"1 posts skipped (1 {reason})" in result.stderr
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["ok"], "the good record is still reported"
    assert "Traceback" not in result.output


def test_csv_without_text_column_fails_with_one_line(runner, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("id,words,author,created_at\n1,hello,a,2024-05-01\n", encoding="utf-8")
    result = runner.invoke(main, ["scan", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {path}:1: missing column text (found: id, words, author, created_at); name it with --columns text=COLUMN"
    )


def test_file_not_utf8_names_file_and_line(runner, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_bytes(json.dumps(post_row("a", "fine")).encode() + b'\n{"id": "b", "text": "caf\xe9"}\n')
    result = runner.invoke(main, ["scan", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: not UTF-8" in result.stderr
    assert "Traceback" not in result.output


def test_missing_sources_folder_is_a_usage_error(runner, posts, tmp_path):
    result = runner.invoke(main, ["scan", str(posts), "--sources", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "nope" in result.stderr and "does not exist" in result.stderr


def test_source_file_not_utf8_fails_with_its_name(runner, posts, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "latin1.txt").write_bytes("Été à Paris".encode("latin-1"))
    result = runner.invoke(main, ["scan", str(posts), "-s", str(folder)])
    assert result.exit_code == 1
    assert "latin1.txt:1: not UTF-8" in result.stderr


def test_html_source_is_reduced_to_main_text(runner, posts, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    (folder / "page.html").write_text(
        "<html><head><title>Voltcycle</title><link rel='canonical' href='https://techdaily.example/v'></head>"
        "<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Voltcycle</h1>{paragraphs}</article><footer>Cookie settings</footer></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["scan", str(posts), "-s", str(folder), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    match = json.loads(result.stdout.splitlines()[1])["matches"][0]
    assert (match["id"], match["url"]) == ("page.html", "https://techdaily.example/v")


def test_cli_py_at_root_runs_the_same_command():
    def helps(*command: str) -> str:
        done = subprocess.run([sys.executable, *command, "--help"], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    from_checkout, installed = helps("cli.py"), helps("-m", "dupfeed")
    assert from_checkout.startswith("Usage: cli.py [OPTIONS] COMMAND [ARGS]...\n")
    assert from_checkout.replace("cli.py", "python -m dupfeed", 1) == installed


def test_version_is_the_installed_distribution_s(runner):
    result = runner.invoke(main, ["--version"])
    assert (result.exit_code, result.output) == (0, f"dupfeed, version {version('dupfeed')}\n")


def test_output_into_a_missing_folder_is_a_usage_error_before_any_work(runner, posts, tmp_path):
    result = runner.invoke(main, ["scan", str(posts), "-o", str(tmp_path / "nope" / "out.jsonl")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_impossible_thresholds_are_a_usage_error(runner, posts):
    result = runner.invoke(main, ["scan", str(posts), "--copy-at", "0.5", "--revision-at", "0.9"])
    assert result.exit_code == 2 and "revision_containment" in result.stderr


def test_post_with_a_lone_surrogate_is_skipped_not_a_crash(runner, sources, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        json.dumps(post_row("ok", PASSAGE)) + "\n" + '{"id": "s\\ud800", "text": "hello there", '
        '"author": "a", "created_at": "2024-05-01"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(main, ["scan", str(path), "-s", str(sources), "-f", "table"])
    assert result.exit_code == 1
    assert f"{path}:2: skipped: invalid Unicode" in result.stderr and "Traceback" not in result.output


def test_two_posts_with_one_id_are_both_accounted_for(runner, tmp_path):
    path = write_jsonl(
        tmp_path / "posts.jsonl",
        [post_row("a", "first text about gardening in the rain"), post_row("a", "another text about cooking with friends")],
    )
    result = runner.invoke(main, ["scan", str(path), "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"{path}:2: skipped: duplicate id (id a already read with another text at {path}:1)" in result.stderr


def test_same_post_in_two_overlapping_exports_is_counted_once_without_fault(runner, posts):
    result = runner.invoke(main, ["scan", str(posts), str(posts), "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["skipped"] == {"same post twice": 2}


def test_an_export_with_no_posts_is_one_clear_line(runner, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    result = runner.invoke(main, ["scan", str(path)])
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: {path}: no posts found in it"


def test_sources_jsonl_field_of_the_wrong_type_is_skipped(runner, posts, tmp_path):
    src = tmp_path / "sources.jsonl"
    src.write_text(
        json.dumps({"id": "a", "url": 123, "text": ARTICLE})
        + "\n"
        + json.dumps({"id": "b", "text": ARTICLE, "url": "https://x.example/b"})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["scan", str(posts), "-s", str(src), "-f", "jsonl"])
    assert result.exit_code == 1 and "skipped: field is not a string (url)" in result.stderr
    assert "Traceback" not in result.output


def test_latin1_html_source_without_charset_reads_its_accents(runner, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    paragraph = "La crème brûlée du café de la gare est la meilleure de toute la région, disent les habitués du quartier."
    (folder / "page.html").write_bytes(
        f"<html><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>".encode("latin-1")
    )
    posts = write_jsonl(tmp_path / "posts.jsonl", [post_row("p", paragraph)])
    result = runner.invoke(main, ["scan", str(posts), "-s", str(folder), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "copy"


def test_a_bad_csv_record_is_named_by_the_line_it_starts_on(runner, sources, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,text,author,created_at\n"
        'p1,"first line\nsecond line\r\nthird line",ann,2024-05-01T09:00:00Z\n'
        'p2,"spans\ntwo lines",bob,yesterday\n',
        encoding="utf-8",
    )
    result = runner.invoke(main, ["scan", str(path), "--sources", str(sources), "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"{path}:5: skipped: unreadable created_at" in result.output
