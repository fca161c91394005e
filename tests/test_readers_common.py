"""The JSON Lines and CSV record loops every reader shares: skips named by file and line."""

from __future__ import annotations

import pytest

from dupfeed import InputError
from dupfeed.readers.common import BadRecord, CsvRecords, jsonl_objects
from dupfeed.readers.posts import parse_csv

HEADER = "id,text,author,created_at\n"


def test_jsonl_lines_that_are_not_objects_are_skipped_at_their_line():
    skipped = []
    text = '{"a": 1}\n\n[1, 2]\n{broken\n{"b": 2}\n'
    assert list(jsonl_objects(text, "f.jsonl", skipped)) == [(1, {"a": 1}), (5, {"b": 2})]
    assert [(s.path, s.line, s.reason) for s in skipped] == [
        ("f.jsonl", 3, "not a JSON object"),
        ("f.jsonl", 4, "malformed JSON"),
    ]


def test_a_csv_record_is_named_by_the_line_it_starts_on_past_blank_lines_and_line_breaks():
    text = HEADER + '\n\n1,"two\nlines",a,2024-01-01\n\n2,x,b,yesterday\n'
    table = CsvRecords(text, "f.csv", ("id",))
    assert [line for line, _ in table.rows([])] == [4, 7]


def test_a_csv_record_too_large_to_read_is_named_by_the_line_it_starts_on():
    text = HEADER + "1,ok,a,2024-01-01\n" + '2,"' + "x\n" * 1_050_000 + '",b,2024-01-01\n'
    result = parse_csv(text, "f.csv")
    first = result.skipped[0]
    assert (first.line, first.reason) == (3, "malformed CSV")


def test_a_short_csv_record_has_its_missing_cells_as_none_and_a_long_one_is_misaligned():
    table = CsvRecords(HEADER, "f.csv", ())
    assert table.mapping(["1", "hi"]) == {"id": "1", "text": "hi", "author": None, "created_at": None}
    with pytest.raises(BadRecord) as caught:
        table.mapping(["1", "hi", "a", "2024-01-01", "extra"])
    assert caught.value.reason == "more cells than columns"


@pytest.mark.parametrize(
    "text, what, message",
    [
        ("id,body\n", "", "f.csv:1: missing column text (found: id, body)"),
        ("", "not a Reddit posts.csv: ", "f.csv:1: not a Reddit posts.csv: missing column id, text (found: no header)"),
    ],
    ids=["missing-column", "empty-file"],
)
def test_a_csv_header_without_a_needed_column_is_an_input_error_at_line_1(text, what, message):
    with pytest.raises(InputError) as caught:
        CsvRecords(text, "f.csv", ("id", "text"), what=what)
    assert str(caught.value) == message
