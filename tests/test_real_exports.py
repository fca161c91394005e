"""The seven real exports people published (../shared/corpora/real-exports): each reads to the
count of posts an independent parser found (expected.json), and scans with exit 0: what they
leave out (photo-only tweets, media-only toots, shares without commentary, duplicate rows) is left
out by design, not a fault. Skipped where the corpus is absent."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED

from dupfeed.cli import main
from dupfeed.scan import read_all_posts

CORPUS = SHARED / "corpora" / "real-exports"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["exports"] if CORPUS.is_dir() else {}
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real exports not found at {CORPUS}")


@needs_corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_reads_to_the_independent_count_with_nothing_at_fault(name):
    read = read_all_posts([CORPUS / name])
    assert len(read.records) == EXPECTED[name]["posts"]
    assert [s for s in read.skipped if s.is_fault] == []


@needs_corpus
@pytest.mark.parametrize("name", ["linkedin_abhishekwebcode", "linkedin_femi10", "x_alliepinnell"])
def test_scan_of_a_real_export_exits_0_and_counts_what_it_left_out(runner, name):
    result = runner.invoke(main, ["scan", str(CORPUS / name), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert f"{EXPECTED[name]['posts']} posts against 0 sources" in result.stderr
    assert "records left out" in result.stderr


@needs_corpus
def test_real_comments_over_unquoted_lines_are_read_whole():
    read = read_all_posts([CORPUS / "linkedin_femi10"])
    comments = [p for p in read.records if p.kind == "comment"]
    assert len(comments) == EXPECTED["linkedin_femi10"]["breakdown"]["comment"]
    assert any(p.text.startswith("Being very helpful.\nCourses are broken into clear and sequential steps.") for p in comments)
