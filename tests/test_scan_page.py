"""The scan page at scale: 5,000 findings stay a small page of closed sections with contents."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from dupfeed.records import Finding, Match, Post, Source, Span
from dupfeed.report.scan_page import format_html
from dupfeed.summary import Summary


def many_findings(n: int, sources: int = 100) -> list[Finding]:
    """``n`` posts of ~3,000 characters, each copying 1,500 characters of one of ``sources`` articles."""
    rng = random.Random(1)
    words = [f"w{i}" for i in range(5000)]
    articles = [
        Source(
            id=f"s{i}.txt",
            text=" ".join(rng.choice(words) for _ in range(600)),
            title=f"Source {i}",
            url=f"https://news.example/{i}",
        )
        for i in range(sources)
    ]
    out = []
    for i in range(n):
        article = articles[i % sources]
        copied = article.text[1000:2500]
        text = " ".join(rng.choice(words) for _ in range(200)) + f" {copied} " + " ".join(rng.choice(words) for _ in range(200))
        post = Post(
            id=f"p{i}", text=text, author=f"a{i % 40}", created_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
        )
        start = text.index(copied)
        match = Match(
            "source",
            article.id,
            None,
            article.url,
            "source",
            0.3,
            0.5,
            False,
            (Span(start, start + 1500, 1000, 2500),),
            target=article,
        )
        out.append(Finding(post.id, post.author, post.created_at, "revision" if i % 3 else "copy", (match,), post=post))
    return out


def test_5000_findings_make_a_small_page_of_closed_sections_with_contents():
    findings = many_findings(5000)
    page = format_html(findings, Summary.of(findings, 100))
    # Before: every text whole in an open card, 38.6 MB for these findings; now 5.5 MB.
    assert len(page.encode()) < 6_000_000
    assert "<details open" not in page
    assert '<a href="#findings-0">copy (1,667)</a>' in page and '<a href="#findings-1">revision (3,333)</a>' in page
    assert 'id="findings-0"' in page and 'id="findings-1"' in page
    sides = re.findall(r'<div class="text">(.*?)</div>', page)
    assert len(sides) == 10_000 and all(len(re.sub(r"<[^>]+>", "", s)) <= 302 for s in sides), "cut around the passages"


def test_40_findings_are_grouped_by_the_source_they_copy():
    findings = many_findings(40, sources=4)
    page = format_html(findings, Summary.of(findings, 4))
    assert page.count("<article") == 40
    groups = re.findall(r"<details><summary><b>(Source \d)</b> \(source\) · (\d+) posts?", page)
    expected = Counter((f"Source {i % 4}", f.verdict) for i, f in enumerate(findings))
    assert sorted(groups) == sorted((name, str(n)) for (name, _), n in expected.items())
