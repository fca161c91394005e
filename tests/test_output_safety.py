"""What dupfeed writes is safe to look at: a terminal, a spreadsheet and the inputs survive it."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import ARTICLE, PASSAGE, post_row, write_jsonl

from dupfeed.cli.main import main

ESCAPES = "\x1b]0;owned\x07\x1b[31m\u202e\r"


def test_table_output_writes_control_characters_out(runner, sources, tmp_path):
    posts = write_jsonl(
        tmp_path / "posts.jsonl",
        [post_row(f"p{ESCAPES}1", f"{ESCAPES} {PASSAGE}", author=f"mallory{ESCAPES}\nFAKE LINE")],
    )
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "table"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not any(c in out for c in "\x1b\x07\u202e\r"), "no control character reaches the terminal"
    assert "mallory\\x1b]0;owned\\x07\\x1b[31m\\u202e\\r\\nFAKE LINE" in out, "written out, not dropped"
    assert not any(line.startswith("FAKE LINE") for line in out.splitlines())


def test_warnings_write_control_characters_out(runner, tmp_path):
    posts = tmp_path / f"posts{ESCAPES}.jsonl"
    posts.write_text(f"{{not json\n{post_row('a', 'fine text here')}\n", encoding="utf-8")
    result = runner.invoke(main, ["scan", str(posts), "-f", "jsonl"])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\\x1b]0;owned" in result.stderr


@pytest.mark.parametrize("cell", ['=HYPERLINK("https://x.example","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(runner, sources, tmp_path, cell):
    posts = write_jsonl(tmp_path / "posts.jsonl", [post_row(cell, PASSAGE, author=cell)])
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-f", "csv"])
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert row["id"] == row["author"] == "'" + cell
    assert float(row["containment"]) > 0.9, "numbers stay numbers"


def test_output_over_an_input_is_refused_and_the_input_kept(runner, sources, tmp_path):
    posts = write_jsonl(tmp_path / "self.jsonl", [post_row("a", PASSAGE)])
    before = posts.read_bytes()
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-o", str(posts)])
    assert result.exit_code == 2
    assert "is an input: the report would replace it" in result.stderr
    assert posts.read_bytes() == before
    source = sources / "voltcycle.txt"
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-s", str(source), "-o", str(source)])
    assert result.exit_code == 2 and source.read_text(encoding="utf-8") == ARTICLE
    store = tmp_path / "s.db"
    assert runner.invoke(main, ["db", "ingest", str(posts), "--db", str(store), "-q"]).exit_code == 0
    kept = store.read_bytes()
    result = runner.invoke(main, ["db", "findings", "--db", str(store), "-o", str(store), "-f", "csv"])
    assert result.exit_code == 2 and store.read_bytes() == kept


def test_output_txt_is_the_table_and_an_unknown_suffix_is_refused(runner, sources, tmp_path):
    posts = write_jsonl(tmp_path / "posts.jsonl", [post_row("a", PASSAGE, author="ann")])
    report = tmp_path / "report.txt"
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert report.read_text(encoding="utf-8").startswith("COPY      a  by ann")
    odd = tmp_path / "report.xyz"
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-o", str(odd)])
    assert result.exit_code == 2 and not odd.exists()
    assert "no format is known by the name 'report.xyz': give --format" in result.stderr
    result = runner.invoke(main, ["scan", str(posts), "-s", str(sources), "-o", str(odd), "-f", "jsonl"])
    assert result.exit_code == 0 and odd.read_text(encoding="utf-8").startswith('{"id": "a"')


def test_any_format_printed_to_a_terminal_writes_control_characters_out(sources, tmp_path):
    import sys

    from test_runs import _on_a_terminal

    posts = write_jsonl(tmp_path / "posts.jsonl", [post_row("p1", PASSAGE, author=f"mallory{ESCAPES}")])
    cli = [sys.executable, "-m", "dupfeed", "scan", str(posts), "-s", str(sources), "-q"]
    for fmt in ("markdown", "csv", "html"):
        status, shown = _on_a_terminal([*cli, "-f", fmt])
        assert status == 0 and "\x1b]0;owned" not in shown and "\\x1b]0;owned" in shown, fmt
