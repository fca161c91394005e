"""The demo in data/ against its answer key (data/EXPECTED.md, written with the data)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from dupfeed import Detector
from dupfeed.readers import read_posts, read_sources

DATA = Path(__file__).resolve().parents[1] / "data"


def answer_key() -> dict[str, dict]:
    """The rows of the 'Copies' table: post id -> kind, what it copies, whether it credits it."""
    rows = {}
    for line in (DATA / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and re.fullmatch(r"p\d{3}", cells[0]):
            target = re.search(r"`articles/([^`]+)`|^(p\d{3})", cells[4])
            rows[cells[0]] = {
                "kind": cells[3],
                "target": target.group(1) or target.group(2),
                "credited": cells[6].startswith("yes"),
            }
    return rows


@pytest.fixture(scope="module")
def findings():
    detector = Detector()
    detector.add_sources(read_sources(DATA / "articles").records)
    return {f.id: f for f in detector.scan(read_posts(DATA / "posts.jsonl").records)}


KEY = answer_key()


def test_answer_key_holds_every_copy_its_counts_announce():
    counts = re.search(
        r"(\d+) copied from articles .*?, (\d+) self-reposts, (\d+) cross-author copies",
        (DATA / "EXPECTED.md").read_text(encoding="utf-8"),
    )
    assert counts, "the Counts line of EXPECTED.md"
    announced = dict(zip(("source", "self_repost", "cross_author"), map(int, counts.groups())))
    assert Counter(row["kind"] for row in KEY.values()) == announced


@pytest.mark.parametrize("post_id", sorted(KEY), ids=sorted(KEY))
def test_each_planted_copy_is_found_with_its_origin(findings, post_id):
    expected = KEY[post_id]
    finding = findings[post_id]
    assert finding.verdict in ("copy", "revision")
    by_id = {m.id: m for m in finding.matches}
    assert expected["target"] in by_id, [m.id for m in finding.matches]
    match = by_id[expected["target"]]
    assert match.relation == expected["kind"]
    if expected["kind"] == "source":
        assert match.attributed == expected["credited"]


def test_every_other_post_is_original(findings):
    flagged = {pid for pid, f in findings.items() if f.verdict != "original"}
    assert flagged - set(KEY) == set()
