"""The nightly report as a page and as Markdown: what it shows, what it escapes, how big it gets."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from dupfeed.report.nightly import CHUNK, format_nightly_html, format_nightly_markdown

HOSTILE = '<script>alert(1)</script>"onmouseover="alert(2)'
SOURCE_TEXT = (
    "Voltcycle, a start-up founded in 2019 by two former engineers, opened its first plant in Lyon. "
    "The company says its process recovers ninety-five percent of the cobalt, nickel and lithium in the cells. "
    "Regional officials welcomed the investment, the largest in the valley since the mills closed. "
)
VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "col", "area", "base", "embed", "track", "param"}


def finding(i: int, *, verdict: str = "copy", source: int = 0, words: int = 60, excerpt_repeat: int = 3, matches: int = 2):
    """A finding whose post copies a passage of source ``source``: the spans point at that passage on both sides."""
    passage = f"Passage {i}: " + SOURCE_TEXT[96:200]
    lead = " ".join(f"own{i}w{k}" for k in range(words))
    text = f"{lead} {passage} #energy {lead}"
    start = len(lead) + 1
    doc = SOURCE_TEXT * excerpt_repeat
    ex_start = 3200
    m_start = ex_start + len(doc)
    doc = doc + passage + SOURCE_TEXT * excerpt_repeat

    def match(j: int) -> dict:
        return {
            "kind": "source",
            "id": f"site/{source + j}.html",
            "author": None,
            "url": f"https://news.example/{source + j}",
            "relation": "source",
            "similarity": 0.8 - j / 10,
            "containment": 0.9 - j / 10,
            "attributed": i % 3 == 0,
            "title": f"Article {source + j}",
            "spans": [
                {
                    "post_start": start,
                    "post_end": start + len(passage),
                    "match_start": m_start,
                    "match_end": m_start + len(passage),
                }
            ],
            "excerpt": {"start": ex_start, "text": doc},
        }

    return {
        "id": f"p{i}",
        "author": f"author{i % 97}",
        "created_at": f"2026-11-2{i % 6}T08:00:00Z",
        "verdict": verdict,
        "platform": "linkedin",
        "kind": "post",
        "url": f"https://social.example/p{i}",
        "text": text,
        "matches": [match(j) for j in range(matches)],
    }


def make_report(n_findings: int = 3, *, days: int = 7, sources: int = 3, clusters: int = 2, **finding_args) -> dict:
    """A report in the shape the nightly run writes, with ``n_findings`` generated findings."""
    return {
        "title": "dupfeed nightly report",
        "run": {
            "id": 3,
            "started": "2026-11-26T02:00:00Z",
            "finished": "2026-11-26T02:14:00Z",
            "status": "partial",
            "db": "dupfeed.db",
        },
        "added": {
            "posts": 1234,
            "sources": 12,
            "skipped": {"empty_text": 7, "bad_date": 2},
            "fetch_failures": [{"url": "https://down.example/a", "reason": "HTTP 503"}],
        },
        "scored": {"posts": 1200, "copy": 10, "revision": 20, "original": 1170},
        "days": [
            {
                "date": (date(2026, 11, 1) + timedelta(d)).isoformat(),
                "posts": 900,
                "copy": 12 + d,
                "revision": 30,
                "original": 858 - d,
            }
            for d in range(days)
        ],
        "top_sources": [
            {
                "id": f"site/{s}.html",
                "title": f"Article {s}",
                "url": f"https://news.example/{s}",
                "copies": 5,
                "revisions": 3,
                "credited": 2,
                "uncredited": 6,
            }
            for s in range(sources)
        ],
        "clusters": [
            {
                "size": 3,
                "authors": 2,
                "posts": [
                    {
                        "id": f"c{c}-first",
                        "author": "alice",
                        "created_at": "2026-11-20T08:00:00Z",
                        "url": None,
                        "verdict": "original",
                        "snippet": f"cluster {c} text",
                    },
                    {
                        "id": f"c{c}-second",
                        "author": "bob",
                        "created_at": "2026-11-21T08:00:00Z",
                        "url": "https://social.example/b",
                        "verdict": "copy",
                        "snippet": f"cluster {c} text again",
                    },
                    {
                        "id": f"c{c}-third",
                        "author": "alice",
                        "created_at": "2026-11-22T08:00:00Z",
                        "url": None,
                        "verdict": "revision",
                        "snippet": f"cluster {c} text, edited",
                    },
                ],
            }
            for c in range(clusters)
        ],
        "findings": [
            finding(i, verdict="copy" if i % 4 else "revision", source=i % max(sources, 1), **finding_args)
            for i in range(n_findings)
        ],
        "originals": {
            "total": 40123,
            "shown": [
                {
                    "id": f"o{k}",
                    "author": "carol",
                    "created_at": "2026-11-25T09:00:00Z",
                    "url": f"https://social.example/o{k}",
                    "text": f"An original thought number {k}.",
                }
                for k in range(5)
            ],
        },
    }


class Page(HTMLParser):
    """The page parsed: tags with their attributes, text outside markup, unbalanced tags, marks and style text."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.marks: list[str] = []
        self.styles: list[str] = []
        self.svg_text: list[str] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "mark":
            self.marks.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1] == "mark":
            self.marks[-1] += data
        if self.stack and self.stack[-1] == "style":
            self.styles.append(data)
        if self.stack and self.stack[-1] == "text":
            self.svg_text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)

    def count(self, tag: str, **attrs) -> int:
        return sum(1 for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items()))


@pytest.fixture
def report():
    return make_report()


def test_page_parses_with_balanced_tags(report):
    page = Page(format_nightly_html(report))
    assert page.errors == []
    assert page.stack == []
    assert [t for t, _ in page.tags[:3]] == ["html", "head", "meta"]


def test_contents_link_to_every_section_in_order(report):
    page = Page(format_nightly_html(report))
    headings = [a for t, a in page.tags if t == "section"]
    assert [a["id"] for a in headings] == ["glance", "sources", "clusters", "findings", "originals"]
    anchors = [a["href"][1:] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#")]
    assert anchors[:3] == ["glance", "sources", "clusters"]
    assert set(anchors) <= page.ids, "every contents entry leads somewhere"
    for title in (
        "The night at a glance",
        "Sources copied most",
        "Repost clusters",
        "Findings (3)",
        "Original posts of the period",
    ):
        assert title in page.all_text()


def test_glance_shows_what_the_night_added_skipped_and_scored(report):
    text = Page(format_nightly_html(report)).all_text()
    for expected in (
        "1,234posts added",
        "12articles added",
        "9records skipped",
        "1fetch failures",
        "1,200posts scored",
        "empty_text7",
        "https://down.example/aHTTP 503",
        "copy100.8%",
        "revision201.7%",
        "original1,17097.5%",
    ):
        assert expected in text


def test_top_source_is_linked_with_its_credited_and_uncredited_copies(report):
    page = Page(format_nightly_html(report))
    links = [a["href"] for t, a in page.tags if t == "a"]
    assert "https://news.example/1" in links
    text = page.all_text()
    assert "Article 1site/1.html53" in text
    assert "2625.0%" in text, "credited, not credited, share credited"


@pytest.mark.parametrize(
    "order",
    [["c0-first", "c0-second", "c0-third"], ["c0-second", "c0-first", "c0-third"]],
    ids=["listed-in-order", "original-listed-second"],
)
def test_cluster_lists_its_posts_by_first_appearance_original_first(report, order):
    posts = {p["id"]: p for p in report["clusters"][0]["posts"]}
    report["clusters"][0]["posts"] = [posts[i] for i in order]
    text = Page(format_nightly_html(report)).all_text()
    at = [text.index(f"{i} by") for i in ("c0-first", "c0-second", "c0-third")]
    assert at == sorted(at)
    assert "3 posts · 2 authors · first 2026-11-20T08:00:00Z by alice" in text
    assert text.index("c0-third") < text.index("c1-first"), "clusters keep their order"


def test_copied_passage_is_marked_exactly_on_both_sides():
    report = make_report(1, matches=1)
    f = report["findings"][0]
    m = f["matches"][0]
    span, excerpt = m["spans"][0], m["excerpt"]
    page = Page(format_nightly_html(report))
    post_side = f["text"][span["post_start"] : span["post_end"]]
    match_side = excerpt["text"][span["match_start"] - excerpt["start"] : span["match_end"] - excerpt["start"]]
    assert post_side.startswith("Passage 0: ")
    assert page.marks == [post_side, match_side]
    assert "90% of the post copied" in page.all_text()
    article = re.search(r"<article.*?</article>", format_nightly_html(report), re.DOTALL).group(0)
    assert '<span class="credited">credited</span>' in article, "finding 0 credits its source"
    assert "not credited" not in article


def test_marks_count_characters_not_bytes_in_french_and_emoji_text():
    report = make_report(1, matches=1)
    f = report["findings"][0]
    f["text"] = "Rentrée 🎉🇫🇷 : « Voltcycle récupère 95 % du cobalt » — déjà vu ?"
    passage = "Voltcycle récupère 95 % du cobalt"
    start = f["text"].index(passage)
    f["matches"][0]["spans"] = [{"post_start": start, "post_end": start + len(passage)}]
    assert Page(format_nightly_html(report)).marks == [passage]


def test_long_texts_are_cut_around_the_copied_passage():
    report = make_report(1, matches=1, words=2000, excerpt_repeat=60)
    f = report["findings"][0]
    page = Page(format_nightly_html(report))
    span = f["matches"][0]["spans"][0]
    assert page.marks[0] == f["text"][span["post_start"] : span["post_end"]]
    article = re.search(r"<article.*?</article>", format_nightly_html(report), re.DOTALL).group(0)
    sides = re.findall(r'<div class="text">(.*?)</div>', article, re.DOTALL)
    assert len(f["text"]) > 20_000
    assert all(len(re.sub(r"<[^>]+>", "", s)) <= 1_510 for s in sides)
    assert len(sides) == 2
    assert all(s.startswith("…") and s.endswith("…") for s in sides), "cuts are shown"


@pytest.mark.parametrize(
    "spans",
    [
        [{"post_start": 30, "post_end": 10, "match_start": 10, "match_end": 10}],
        [{"post_start": "0", "post_end": None, "match_start": True, "match_end": float("nan")}],
        [None, "span", {}],
        "not a list",
        [{"post_start": 10**9, "post_end": 10**9 + 5, "match_start": 0, "match_end": 5}],
    ],
    ids=["reversed-and-empty", "wrong-types", "junk-entries", "not-a-list", "outside-both-texts"],
)
def test_spans_that_point_nowhere_mark_nothing(spans):
    report = make_report(1, matches=1)
    report["findings"][0]["matches"][0]["spans"] = spans
    page = Page(format_nightly_html(report))
    assert page.errors == [] and page.marks == []
    assert "p0 by author0" in page.all_text(), "the finding is still shown"
    assert "| [p0](https://social.example/p0) | author0 |" in format_nightly_markdown(report)


def test_spans_beyond_both_ends_are_clipped_to_the_texts():
    report = make_report(1, matches=1)
    f = report["findings"][0]
    text, excerpt = f["text"], f["matches"][0]["excerpt"]["text"]
    f["matches"][0]["spans"] = [
        {"post_start": len(text) - 7, "post_end": len(text) + 50, "match_start": -5, "match_end": 3200 + 9}
    ]
    assert Page(format_nightly_html(report)).marks == [text[-7:], excerpt[:9]]


def hostile_report() -> dict:
    report = make_report(2)
    report["title"] = HOSTILE
    report["run"]["db"] = HOSTILE
    report["added"]["skipped"] = {HOSTILE: 1}
    report["added"]["fetch_failures"] = [{"url": "javascript:alert(3)", "reason": HOSTILE}]
    report["top_sources"][0].update(title=HOSTILE, url=" JavaScript:alert(4)", id=HOSTILE)
    report["clusters"][0]["posts"][0].update(author=HOSTILE, snippet=HOSTILE, url="javascript:alert(5)")
    report["days"][0]["date"] = HOSTILE
    f = report["findings"][0]
    f.update(id=HOSTILE, author=HOSTILE, url="java\tscript:alert(6)", platform=HOSTILE, verdict=HOSTILE)
    f["text"] = HOSTILE + f["text"]
    f["matches"][0].update(title=HOSTILE, url="data:text/html,<script>alert(7)</script>", id=HOSTILE)
    f["matches"][0]["excerpt"]["text"] = HOSTILE + f["matches"][0]["excerpt"]["text"]
    report["originals"]["shown"][0].update(text=HOSTILE, author=HOSTILE, url="vbscript:x")
    return report


def test_hostile_text_is_only_ever_escaped():
    html = format_nightly_html(hostile_report())
    page = Page(html)
    assert page.errors == [] and page.stack == []
    assert "<script" not in html.lower()
    assert page.count("script") == 0
    assert not [(t, k) for t, a in page.tags for k in a if k.startswith("on")], "no event handler attribute"
    assert page.all_text().count(HOSTILE) >= 8, "shown as text, escaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&quot;alert(2)" in html


def test_links_are_only_http_or_in_page_anchors():
    page = Page(format_nightly_html(hostile_report()))
    hrefs = [a["href"] for t, a in page.tags if "href" in a]
    assert hrefs and all(re.match(r"(https?://|#)", h) for h in hrefs)
    assert not any("script" in h.lower() or h.lower().startswith("data:") for h in hrefs)
    assert {t for t, a in page.tags if "href" in a} == {"a"}


def test_page_references_no_remote_resource(report):
    page = Page(format_nightly_html(report))
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source", "image", "use"}
    assert not [a for _, a in page.tags if "src" in a or "srcset" in a or "xlink:href" in a]
    css = "".join(page.styles) + "".join(a.get("style", "") for _, a in page.tags)
    assert css.strip(), "the style sheet is inline"
    assert "url(" not in css and "@import" not in css and "http" not in css


@pytest.mark.parametrize("days", [1, 2, 30, 90], ids=["one-day", "two-days", "a-month", "ninety-days"])
def test_chart_is_inline_svg_with_one_bar_group_per_day(report, days):
    report["days"] = make_report(days=days)["days"]
    page = Page(format_nightly_html(report))
    assert page.count("svg") == 1
    assert page.count("g", **{"class": "day"}) == days
    assert page.count("rect", **{"class": "copy"}) == days
    text = page.all_text()
    assert "2026-11-01: 900 posts; 12 copy (1.3%), 30 revision (3.3%), 858 original (95.3%)" in text
    assert "share of posts" in text and "revision" in text, "axis label and legend"


@pytest.mark.parametrize(
    "copy, revision, axis",
    [
        (12, 30, ["0%", "2.5%", "5%"]),
        (450, 0, ["0%", "25%", "50%"]),
        (0, 0, ["0%", "0.5%", "1%"]),
        (700, 200, ["0%", "50%", "100%"]),
    ],
    ids=["a-few-percent", "half", "none", "all"],
)
def test_chart_axis_runs_to_a_round_share_above_the_worst_day(report, copy, revision, axis):
    report["days"] = [{"date": "2026-11-01", "posts": 900, "copy": copy, "revision": revision, "original": 900 - copy - revision}]
    page = Page(format_nightly_html(report))
    assert page.svg_text[:3] == axis
    heights = [float(a["height"]) for t, a in page.tags if t == "rect" and a.get("class") in ("copy", "revision")]
    full = next(float(a["height"]) for t, a in page.tags if t == "rect" and a.get("fill-opacity") == "0")
    assert sum(heights) == pytest.approx(full * (copy + revision) / 900 / (float(axis[-1][:-1]) / 100), abs=0.2)


def test_chart_without_history_says_so(report):
    report["days"] = []
    page = Page(format_nightly_html(report))
    assert page.count("svg") == 0
    assert "No daily history yet." in page.all_text()


def test_ten_thousand_findings_are_grouped_collapsed_and_kept_small():
    report = make_report(10_000, sources=100, clusters=2_500, words=170, excerpt_repeat=6)
    html = format_nightly_html(report)
    assert len(html.encode()) < 30_000_000
    page = Page(html)
    assert page.errors == [] and page.stack == []
    details = [a for t, a in page.tags if t == "details"]
    assert len(details) > 600 and not [a for a in details if "open" in a], "every group starts collapsed"
    text = page.all_text()
    assert f"posts 1–{CHUNK}" in text, "big groups are cut into blocks"
    assert "7,500 posts from" in text and "2,500 posts from" in text, "copy and revision groups with their counts"
    assert "p9999 by" in text


def test_many_small_groups_fold_past_the_first_hundred():
    report = make_report(400, sources=400)
    text = Page(format_nightly_html(report)).all_text()
    assert "300 posts from 300 sources and posts" in text
    assert "200 more sources and posts (200 posts)" in text


@pytest.mark.parametrize(
    "report",
    [
        {},
        {
            "title": None,
            "run": None,
            "added": None,
            "scored": None,
            "days": None,
            "top_sources": None,
            "clusters": None,
            "findings": None,
            "originals": None,
        },
        {
            "run": {},
            "added": {"skipped": {}, "fetch_failures": []},
            "scored": {},
            "days": [],
            "top_sources": [],
            "clusters": [{}],
            "findings": [{}],
            "originals": {"shown": [{}]},
        },
        {
            "days": [{"date": None, "posts": 0}],
            "findings": [{"matches": [{"excerpt": None, "containment": "x"}]}],
            "scored": {"posts": "many"},
        },
    ],
    ids=["empty-dict", "all-none", "empty-containers", "wrong-types"],
)
def test_empty_or_odd_report_renders(report):
    html = format_nightly_html(report)
    page = Page(html)
    assert page.errors == [] and page.stack == []
    assert "dupfeed nightly report" in page.all_text()
    assert "# dupfeed nightly report" in format_nightly_markdown(report)


def test_markdown_holds_the_same_counts(report):
    md = format_nightly_markdown(report)
    for expected in (
        "| posts added | 1,234 |",
        "| articles added | 12 |",
        "| copy | 10 (0.8%) |",
        "| original | 1,170 (97.5%) |",
        "| empty_text | 7 |",
        "Showing 5 of 40,123 original posts.",
        "[Article 1](https://news.example/1)",
        "### copy (2 posts)",
        "### revision (1 post)",
        "| 2026-11-01 | 900 | 12 (1.3%) | 30 (3.3%) | 858 (95.3%) |",
    ):
        assert expected in md


def test_markdown_escapes_pipes_newlines_and_markup():
    report = make_report(1, matches=1)
    report["findings"][0]["author"] = "a|b\nc"
    report["top_sources"][0].update(title="x | y <script>", url="javascript:alert(1)")
    report["originals"]["shown"][0]["text"] = "one | two\nthree " + "long " * 200
    md = format_nightly_markdown(report)
    assert "a\\|b c" in md
    assert "x \\| y \\<script\\>" in md
    assert "javascript:" not in md
    row = next(line for line in md.splitlines() if line.startswith("| [o0]"))
    assert "one \\| two three" in row and row.endswith("… |") and len(row) < 400
    for table in re.findall(r"(?:^\|.*\n)+", md, re.MULTILINE):
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(cells) == 1, f"a cell broke its table: {table}"


def test_a_finding_is_shown_under_its_first_match_as_the_engine_ranked_it():
    report = make_report(1)
    found = report["findings"][0]
    source = found["matches"][0]
    post = {**source, "kind": "post", "relation": "cross_author", "id": "p-earlier", "author": "dana", "title": None}
    # A source's edge puts it first although the post holds more of the words: the report keeps that order.
    found["matches"] = [{**source, "containment": 0.9}, {**post, "containment": 0.95}]
    html = format_nightly_html(report)
    assert "<b>Article 0</b> (source) · 1 post" in html
    assert "(post) · 1 post" not in html
    assert "also matches" in html and "post p-earlier by dana" in html
