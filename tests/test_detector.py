"""The detector end to end through the library API: what a user learns about each post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import ARTICLE, PASSAGE, make_post

from dupfeed import Detector, Finding, Options, Source

OWN_WORDS = (
    "Spent the morning reading about battery plants and what they mean for jobs in our region. "
    "Here is the part that struck me most, and I would love to hear what the engineers in my "
    "network think about it."
)
OTHER = (
    "Our team shipped the new onboarding flow this week after three months of interviews with "
    "customers who told us the old one asked for far too much information up front."
)


def scan(sources, posts, **options) -> dict[str, Finding]:
    detector = Detector(Options(**options))
    detector.add_sources(sources)
    return {f.id: f for f in detector.scan(posts)}


def test_pasted_article_paragraph_is_copy_of_source_with_exact_offsets(article):
    post = make_post("p1", "🚀 " + PASSAGE + "\n#batteries #recycling")
    finding = scan([article], [post])["p1"]
    assert finding.verdict == "copy"
    match = finding.matches[0]
    assert (match.kind, match.id, match.relation) == ("source", "voltcycle.txt", "source")
    assert match.containment > 0.9  # all but the two hashtag words
    assert len(match.spans) == 1
    span = match.spans[0]
    copied = PASSAGE.rstrip(".")  # spans run from the first word to the last word
    assert post.text[span.post_start : span.post_end] == copied
    assert ARTICLE[span.match_start : span.match_end] == copied
    assert not match.attributed


def test_post_quoting_one_paragraph_of_long_article_is_found_despite_low_similarity(article):
    more = [
        "The plant's first customer is a bus operator from Grenoble that retired forty vehicles in March.",
        "Voltcycle raised sixty million euros last year from a consortium of regional banks and a fund "
        "backed by the state investment bank, which now holds a fifth of the capital.",
        "Union representatives said they would watch closely how many of the promised jobs go to people "
        "who lost work when the tyre factory on the other bank of the river shut down in 2021.",
        "The mayor, who cut the ribbon alongside the founders, promised a new tram stop by the gates.",
    ]
    long_article = Source(id="long.txt", text="\n\n".join([ARTICLE, *more, OTHER]))
    post = make_post("p1", OWN_WORDS + "\n\n" + PASSAGE)
    finding = scan([long_article], [post])["p1"]
    match = finding.matches[0]
    assert match.similarity < 0.3 < match.containment
    assert finding.verdict == "revision"


@pytest.mark.parametrize(
    "text",
    [
        PASSAGE + "\nvia https://techdaily.example/news/voltcycle-lyon?utm_source=linkedin",
        PASSAGE + "\n(source: TechDaily)",
        PASSAGE + "\nRead more on techdaily.example",
    ],
    ids=["canonical-link", "site-name", "host-named"],
)
def test_copy_that_links_or_names_the_site_is_attributed(article, text):
    finding = scan([article], [make_post("p1", text)])["p1"]
    assert finding.matches[0].attributed


def test_reworded_repost_by_same_author_is_self_repost():
    first = make_post("a1", OTHER + " Proud of this team.", author="ann")
    again = make_post("a2", "Throwback! " + OTHER.replace("this week", "last spring") + " Still proud.", author="ann", hours=500)
    findings = scan([], [again, first])
    assert [f.id for f in findings.values()] == ["a1", "a2"], "processed oldest first"
    match = findings["a2"].matches[0]
    assert (match.id, match.relation) == ("a1", "self_repost")
    assert findings["a2"].verdict in ("copy", "revision")
    assert findings["a1"].verdict == "original"


def test_copy_of_another_authors_earlier_post_is_cross_author_and_credit_by_mention():
    original = make_post("b1", OTHER, author="ben")
    copied = make_post("c1", OTHER, author="cara", hours=2)
    credited = make_post("c2", OTHER + " h/t @ben", author="dan", hours=3)
    findings = scan([], [original, copied, credited])
    assert findings["c1"].matches[0].relation == "cross_author"
    assert findings["c1"].verdict == "copy"
    assert not findings["c1"].matches[0].attributed
    assert [m.attributed for m in findings["c2"].matches if m.id == "b1"] == [True]


def test_earlier_post_never_matches_a_later_one():
    findings = scan([], [make_post("late", OTHER, hours=5), make_post("early", OTHER, hours=1)])
    assert findings["early"].matches == ()
    assert findings["late"].matches[0].id == "early"


def test_recurring_footer_is_boilerplate_not_copying():
    footer = "Follow me for daily tips on leadership and growth | DM me for coaching | #leadership #growth #mindset"
    bodies = [
        "Today I want to talk about delegation and why most new managers hold on to tasks for far too long.",
        "A short story about the best interview question I was ever asked during my career in logistics.",
        "Three books changed how I run meetings: each taught me to cut the agenda in half and decide faster.",
        "We hired our first remote engineer five years ago and everything about our rituals had to change.",
        "Feedback is a gift only if it arrives early; after the project ends it is just an autopsy report.",
        "Why I stopped answering email before ten in the morning and what happened to my calendar since.",
    ]
    posts = [make_post(f"f{i}", body + "\n\n" + footer, hours=i) for i, body in enumerate(bodies)]
    findings = scan([], posts)
    assert all(f.verdict == "original" for f in findings.values())
    assert all(not f.matches for f in findings.values())


def test_short_post_is_not_a_copy_of_longer_text(article):
    findings = scan([article], [make_post("s1", "Battery recycling start-up Voltcycle")])
    assert findings["s1"].verdict == "original"


def test_check_scores_one_new_post_against_everything_before(article):
    detector = Detector()
    detector.add_sources([article])
    assert detector.check(make_post("p1", OTHER)).verdict == "original"
    later = detector.check(make_post("p2", OTHER, author="zed", hours=1))
    assert later.matches[0].id == "p1"
    assert later.matches[0].relation == "cross_author"


def test_native_repost_is_neither_scored_nor_matched():
    original = make_post("o1", OTHER, author="ben")
    retweet = make_post("rt", "RT @ben: " + OTHER, author="cara", hours=1, kind="repost", repost_of="@ben")
    copy = make_post("c1", OTHER, author="dan", hours=2)
    findings = scan([], [copy, retweet, original])
    assert [f.id for f in findings.values()] == ["o1", "rt", "c1"]
    assert (findings["rt"].verdict, findings["rt"].matches) == ("original", ())
    assert [m.id for m in findings["c1"].matches] == ["o1"]


def test_findings_serialise_to_the_jsonl_contract(article):
    finding = scan([article], [make_post("p1", PASSAGE)])["p1"]
    record = finding.to_dict()
    assert list(record) == ["id", "author", "created_at", "verdict", "matches", "platform", "kind"]
    assert record["created_at"] == "2024-05-01T09:00:00Z"
    match = record["matches"][0]
    assert list(match) == [
        "kind", "id", "author", "url", "relation", "similarity", "containment", "attributed", "spans",
        "aligned_words", "discounted_words", "discounted", "copy_kind",
    ]  # fmt: skip
    assert list(match["spans"][0]) == ["post_start", "post_end", "match_start", "match_end"]


@pytest.mark.parametrize(
    "text, credited",
    [
        ("see mytechdaily.example for more", False),
        ("via techdaily.example", True),
        ("cc @annabel", False),
        ("cc @ann!", True),
    ],
    ids=["other-host-ending-alike", "host", "longer-handle", "handle"],
)
def test_credit_needs_the_whole_host_or_handle(article, text, credited):
    from dupfeed.engine.attribution import credits_post, credits_source

    post = make_post("p", text)
    if "@" in text:
        assert credits_post(post, make_post("e", OTHER, author="ann")) is credited
    else:
        assert credits_source(post, article) is credited


def test_post_older_than_an_article_does_not_copy_it(article):
    from dataclasses import replace as with_

    from conftest import T0

    later = with_(article, published=T0 + timedelta(days=3))
    finding = scan([later], [make_post("p1", PASSAGE)])["p1"]
    assert finding.matches == () and finding.verdict == "original"


def test_a_copy_whose_middle_sentence_is_rewritten_is_one_passage_that_counts_only_the_copied_words():
    first = (
        "The regional council approved on Tuesday a plan to rebuild the old railway bridge over the river, "
        "closed to trains since the floods of last winter damaged two of its piers."
    )
    middle = (
        "Engineers found that the steel frame had rusted through in several places and that repairing it "
        "would cost more than building a new one from scratch."
    )
    rewritten = (
        "Inspectors discovered corrosion eating into many parts of the metal structure, so patching it up "
        "was judged dearer than simply putting up a replacement."
    )
    last = (
        "Work should begin next spring and last eighteen months, during which buses will replace the trains "
        "between the two towns at no extra charge for passengers."
    )
    source = Source(id="bridge.txt", text=f"{first} {middle} {last}")
    post = make_post("p1", f"{first} {rewritten} {last}")
    match = scan([source], [post])["p1"].matches[0]
    assert len(match.spans) == 1
    span = match.spans[0]
    assert post.text[span.post_start : span.post_end].startswith("The regional council")
    assert post.text[span.post_end - len("for passengers") : span.post_end] == "for passengers"
    copied = len((first + " " + last).split())
    assert match.aligned_words <= copied + 2, "the rewritten sentence is covered, not counted as copied"
