"""Inputs as people hold them: one unreadable export among good ones, an id read twice, posts
longer than a page, folders that hold several exports, spreadsheet CSV, posts on stdin."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import post_row, write_jsonl

from dupfeed.cli import main
from dupfeed.nightly import read_exports
from dupfeed.readers.posts import parse_jsonl
from dupfeed.scan import read_all_posts

GARDEN = "A long walk through the rain-soaked garden taught me more about patience than any book."
COOKING = "Cooking with friends on a Sunday evening is the best way to end a busy week of work."


@pytest.fixture
def good_and_truncated(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [post_row("1", GARDEN), post_row("2", COOKING)])
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = []" + " " * 50_000)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole.read_bytes()[:200])
    return good, truncated


def test_scan_reports_the_good_export_names_the_truncated_one_and_exits_1(runner, good_and_truncated):
    good, truncated = good_and_truncated
    result = runner.invoke(main, ["scan", str(good), str(truncated), "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1", "2"]
    assert f"warning: {truncated}: skipped: unreadable export (not a valid zip archive" in result.stderr


def test_db_ingest_stores_the_good_export_names_the_truncated_one_and_exits_1(runner, good_and_truncated, tmp_path):
    good, truncated = good_and_truncated
    db = tmp_path / "dupfeed.db"
    result = runner.invoke(main, ["db", "ingest", str(good), str(truncated), "--db", str(db)])
    assert result.exit_code == 1
    assert f"warning: {truncated}: skipped: unreadable export" in result.stderr
    assert f"{db}: 2 posts added" in result.stderr
    listed = runner.invoke(main, ["db", "findings", "--db", str(db), "-f", "jsonl"])
    assert sorted(json.loads(line)["id"] for line in listed.stdout.splitlines()) == ["1", "2"]


def test_only_input_unreadable_is_one_clear_line(runner, good_and_truncated):
    _, truncated = good_and_truncated
    result = runner.invoke(main, ["scan", str(truncated)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {truncated}: not a valid zip archive (a truncated download?)\n"


def test_id_read_again_with_another_text_names_both_files_and_lines(runner, tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", [post_row("1", GARDEN), post_row("7", COOKING)])
    second = write_jsonl(tmp_path / "second.jsonl", [post_row("9", COOKING), post_row("7", GARDEN + " Again.")])
    result = runner.invoke(main, ["scan", str(first), str(second), "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"warning: {second}:2: skipped: duplicate id (id 7 already read with another text at {first}:2)" in result.stderr


@pytest.mark.parametrize(
    "length, read",
    [(230_000, True), (1_000_000, True), (1_000_001, False)],
    ids=["long-form-230k", "at-the-cap", "past-the-cap"],
)
def test_posts_up_to_a_million_characters_are_read(tmp_path, length, read):
    text = ("word " * (length // 5 + 1))[:length]
    path = write_jsonl(tmp_path / "long.jsonl", [post_row("1", text)])
    result = parse_jsonl(path.read_text(encoding="utf-8"), str(path))
    assert len(result.records) == int(read)
    if not read:
        assert [(s.line, s.reason, s.detail) for s in result.skipped] == [
            (1, "text too long", "1,000,001 characters; at most 1,000,000")
        ]


FIXTURES = Path(__file__).parent / "fixtures"
LINKEDIN = {name: FIXTURES / "linkedin" / name for name in ("Shares.csv", "Comments.csv", "Profile.csv", "Connections.csv")}


def _unpacked_linkedin(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, fixture in LINKEDIN.items():
        shutil.copy(fixture, folder / name)
    return folder


def _platforms(path: Path) -> Counter:
    return Counter(p.platform for p in read_all_posts([path]).records)


def test_folder_with_an_unpacked_linkedin_export_and_a_jsonl_reads_both(tmp_path):
    folder = _unpacked_linkedin(tmp_path / "mixed")
    write_jsonl(folder / "scraped.jsonl", [post_row("1", GARDEN), post_row("2", COOKING)])
    alone = read_all_posts([_unpacked_linkedin(tmp_path / "alone")])
    assert _platforms(folder) == {"linkedin": len(alone.records), "jsonl": 2}


def test_folder_with_a_feed_and_a_jsonl_reads_both(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(FIXTURES / "feeds" / "feed.rss.xml", folder / "blog.rss")
    write_jsonl(folder / "scraped.jsonl", [post_row("1", GARDEN)])
    counts = _platforms(folder)
    assert counts["jsonl"] == 1 and counts["rss"] > 0


def test_file_no_reader_reads_is_named_as_skipped(runner, tmp_path):
    folder = _unpacked_linkedin(tmp_path / "export")
    (folder / "README.txt").write_text("notes about this export\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    other = tmp_path / "other"
    other.mkdir()
    write_jsonl(other / "posts.jsonl", [post_row("1", GARDEN)])
    (other / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    result = runner.invoke(main, ["scan", str(other), "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"warning: {other}:photo.jpg: skipped: not a posts file" in result.stderr
    # Files inside an export's own folder are the export's (Connections.csv, a README): not faults.
    inside = runner.invoke(main, ["scan", str(folder), "-f", "jsonl"])
    assert "README" not in inside.stderr and "DS_Store" not in inside.stderr and "Connections" not in inside.stderr


def test_nightly_drop_folder_reads_every_export_in_it(runner, tmp_path):
    drop = tmp_path / "drop"
    _unpacked_linkedin(drop / "Complete_LinkedInDataExport_05-20-2024")
    write_jsonl(drop / "monday.jsonl", [post_row("m1", GARDEN)])
    shutil.copy(FIXTURES / "feeds" / "feed.rss.xml", drop / "blog.rss")
    with zipfile.ZipFile(drop / "tuesday.zip", "w") as archive:
        archive.writestr("posts.jsonl", json.dumps(post_row("t1", COOKING)) + "\n")
    read = read_exports((str(drop),), None)
    counts = Counter(p.platform for p in read.records)
    assert counts["jsonl"] == 2 and counts["linkedin"] > 0 and counts["rss"] > 0
    assert not {"not a posts file", "unreadable export"} & {s.reason for s in read.skipped}
    result = runner.invoke(
        main, ["nightly", "--db", str(tmp_path / "n.db"), "--report-dir", str(tmp_path / "r"), "--posts", str(drop)]
    )
    assert "monday.jsonl" not in result.output and "tuesday.zip" not in result.output


def _csv(path: Path, rows: list[tuple[str, ...]], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(",".join(f'"{cell}"' for cell in row) + "\r\n" for row in rows).encode(encoding))
    return path


def test_spreadsheet_csv_in_windows_1252_with_common_column_names_is_read(runner, tmp_path):
    path = _csv(
        tmp_path / "scraped.csv",
        [("Content", "Author", "Date"), ("Café crème and “smart quotes” – a spreadsheet’s", "Zoë", "2024-05-01 09:00:00")],
        "cp1252",
    )
    read = read_all_posts([path])
    assert [(p.id, p.text, p.author, p.created_at.isoformat()) for p in read.records] == [
        ("scraped.csv:2", "Café crème and “smart quotes” – a spreadsheet’s", "Zoë", "2024-05-01T09:00:00+00:00")
    ]
    assert runner.invoke(main, ["scan", str(path), "-f", "jsonl"]).exit_code == 0


def test_columns_option_maps_the_other_names(runner, tmp_path):
    path = _csv(tmp_path / "odd.csv", [("Words", "Who", "When", "Ref"), (GARDEN, "Zoë", "1714554000", "p-1")])
    refused = runner.invoke(main, ["scan", str(path)])
    assert refused.exit_code == 1 and "name it with --columns text=COLUMN" in refused.stderr
    result = runner.invoke(main, ["scan", str(path), "--columns", "text=Words,author=Who,created_at=When,id=Ref", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [(r["id"], r["author"], r["created_at"]) for r in map(json.loads, result.stdout.splitlines())] == [
        ("p-1", "Zoë", "2024-05-01T09:00:00Z")
    ]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("txt=Words", "unknown field 'txt'"),
        ("text", "'text' is not FIELD=COLUMN"),
        ("text=Nope", "--columns: missing column Nope"),
    ],
    ids=["unknown-field", "no-equals", "absent-column"],
)
def test_bad_columns_option_is_one_clear_line(runner, tmp_path, spec, message):
    path = _csv(tmp_path / "odd.csv", [("Words", "Who", "When"), (GARDEN, "Zoë", "2024-05-01")])
    result = runner.invoke(main, ["scan", str(path), "--columns", spec])
    assert result.exit_code in (1, 2) and message in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_posts_from_stdin(runner, tmp_path, kind):
    if kind == "jsonl":
        data = "".join(json.dumps(post_row(pid, text)) + "\n" for pid, text in (("1", GARDEN), ("2", COOKING)))
    else:
        data = f'text,author,created_at,id\n"{GARDEN}",ann,2024-05-01,1\n"{COOKING}",ann,2024-05-02,2\n'
    result = runner.invoke(main, ["scan", "-", "-f", "jsonl"], input=data.encode())
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1", "2"]


def test_bad_record_on_stdin_is_named_by_its_line(runner):
    data = json.dumps(post_row("1", GARDEN)) + "\n" + '{"id": "2", "text": \n'
    result = runner.invoke(main, ["scan", "-", "-f", "jsonl"], input=data)
    assert result.exit_code == 1
    assert "warning: <stdin>:2: skipped: malformed JSON" in result.stderr


def test_hidden_files_beside_posts_are_counted_not_read(runner, tmp_path):
    folder = tmp_path / "unzipped"
    (folder / "__MACOSX").mkdir(parents=True)
    write_jsonl(folder / "posts.jsonl", [post_row("1", GARDEN)])
    (folder / "__MACOSX" / "._posts.jsonl").write_bytes(b"\x00\x05\x16\x07\xff\xfe Mac resource fork")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1\xff")
    result = runner.invoke(main, ["scan", str(folder), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["skipped"] == {"hidden file": 2}


def test_export_id_read_again_with_another_text_names_file_and_line(runner, tmp_path):
    link = "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7196000000000000001"
    shares = _csv(
        tmp_path / "Shares.csv",
        [("Date", "ShareLink", "ShareCommentary"), ("2024-05-14 07:31:02", link, GARDEN), ("2024-05-14 07:31:02", link, COOKING)],
    )
    result = runner.invoke(main, ["scan", str(shares), "-f", "jsonl"])
    assert result.exit_code == 1
    assert (
        f"warning: {shares}:3: skipped: duplicate id (id li:share:7196000000000000001 already read with another text "
        f"at {shares}:2)"
    ) in result.stderr
