"""Skip reasons: named constants whose flag, not their spelling, says whether a skip is a fault."""

import json
from collections import Counter

import pytest

from dupfeed import Skip
from dupfeed.readers import reasons
from dupfeed.records import Reason

LEFT_OUT = [
    reasons.REPOST_WITHOUT_TEXT,
    reasons.REPOST,
    reasons.BOOST,
    reasons.DRAFT_ARTICLE,
    reasons.DIRECT_MESSAGE,
    reasons.DELETED,
    reasons.REMOVED,
    reasons.SAME_POST_TWICE,
    reasons.MEDIA_WITHOUT_TEXT,
    reasons.SHARE_WITHOUT_TEXT,
    reasons.POST_WITHOUT_TEXT,
    reasons.HIDDEN_FILE,
]


@pytest.mark.parametrize(
    "reason, fault",
    [
        *((r, False) for r in LEFT_OUT),
        (reasons.EMPTY_TEXT, True),
        (reasons.DUPLICATE_ID, True),
        (reasons.fetch_failed("HTTP 404"), True),
    ],
    ids=lambda value: str(value) if not isinstance(value, bool) else "",
)
def test_a_skip_is_a_fault_unless_its_reason_is_left_out_by_design(reason, fault):
    assert Skip("export.zip", 3, reason).is_fault is fault


def test_only_the_records_left_out_by_design_have_a_left_out_reason():
    constants = [v for v in vars(reasons).values() if isinstance(v, Reason)]
    assert sorted(r for r in constants if r.left_out) == sorted(LEFT_OUT)


def test_a_reason_counts_prints_and_compares_as_its_text():
    skips = [Skip("a.jsonl", 1, reasons.BOOST), Skip("a.jsonl", 2, reasons.BOOST), Skip("a.jsonl", 3, reasons.EMPTY_TEXT)]
    assert Counter(s.reason for s in skips) == {"boost": 2, "empty text": 1}
    assert f"skipped: {skips[2].reason}" == "skipped: empty text"
    assert json.dumps(skips[0].to_dict()) == '{"path": "a.jsonl", "line": 1, "reason": "boost", "detail": ""}'
    assert skips[0] == Skip("a.jsonl", 1, "boost")
    assert reasons.BOOST.text == "boost"
