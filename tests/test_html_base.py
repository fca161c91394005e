"""The HTML base both pages use: marks and cuts on whole words, front matter left out."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from dupfeed import Detector, Post, Source
from dupfeed.report.html_base import _body_start, _highlight
from dupfeed.report.scan_page import format_html
from dupfeed.summary import Summary

FRENCH_SOURCE = (
    "Selon la direction du groupe, c'est une usine de recyclage des batteries qui ouvre à Lyon avec cent "
    "quarante emplois d'ici deux mille vingt-six et une capacité de douze mille tonnes."
)
FRENCH_POST = (
    "Incroyable. C'est une usine de recyclage des batteries qui ouvre à Lyon avec cent quarante emplois "
    "d'ici deux mille vingt-six et une capacité de douze mille tonnes."
)


def _marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html, re.DOTALL)


@pytest.mark.parametrize(
    "text, start, end, mark",
    [
        ("Incroyable. C'est une usine", 14, 27, "C&#x27;est une usine"),
        ("Voir l’État du lieu", 7, 19, "l’État du lieu"),
        ("tags &lt;div&gt; inside", 6, 16, "&amp;lt;div&amp;gt;"),
        ("cells.Voltcycle opens", 6, 15, "Voltcycle"),
        ("the company says", 4, 9, "company"),
    ],
    ids=["elision", "curly-elision", "entity", "after-punctuation", "inside-word-end"],
)
def test_a_mark_never_starts_or_ends_inside_a_word(text, start, end, mark):
    assert _marks(_highlight(text, [(start, end)], 1000)) == [mark]


def test_a_cut_never_shows_part_of_a_word():
    words = [f"word{i:04d}" for i in range(3000)]
    text = " ".join(words)
    at = text.index("word1500")
    html = _highlight(text, [(at, at + len("word1500 word1501"))], 400)
    assert html.startswith("…") and html.endswith("…")
    shown = [w for w in re.sub(r"<[^>]+>|…", " ", html).split()]
    assert shown and all(w in words for w in shown), "only whole words are shown"


def test_front_matter_is_left_out_of_the_text_shown():
    text = "---\ntitle: Voltcycle\nurl: https://x.example\n---\nBody text here."
    assert text[_body_start(text) :] == "Body text here."
    assert _body_start("No front matter\n---\n") == 0
    assert _highlight(text, [(0, 3), (len(text) - 5, len(text))], 1000, skip=_body_start(text)) == "Body text <mark>here.</mark>"


def test_scan_page_marks_the_elided_word_and_hides_front_matter():
    source = Source(id="s.txt", text="---\ntitle: Usine\nsite: Le Journal\n---\n" + FRENCH_SOURCE, title="Usine")
    post = Post(id="p", text=FRENCH_POST, author="a", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    detector = Detector()
    detector.add_sources([source])
    finding = detector.check(post)
    assert finding.matches and FRENCH_POST[finding.matches[0].spans[0].post_start :].startswith("est "), "the engine's span"
    page = format_html([finding], Summary.of([finding], 1))
    assert [m[:14] for m in _marks(page)] == ["C&#x27;est une", "c&#x27;est une"]
    assert "site: Le Journal" not in page


def test_table_and_markdown_quotes_start_at_the_elided_word():
    from dupfeed.report.formats import format_markdown, format_table

    source = Source(id="s.txt", text=FRENCH_SOURCE)
    post = Post(id="p", text=FRENCH_POST, author="a", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    detector = Detector()
    detector.add_sources([source])
    finding = detector.check(post)
    summary = Summary.of([finding], 1)
    assert "“C'est une usine" in format_table([finding], summary, width=100)
    assert "| C'est une usine" in format_markdown([finding], summary)
