"""A match is a claim that somebody copied: shared formulas are not evidence, reworded copies are.

Texts here are invented. Each test names a kind of text that real feeds share without copying
(an app's template, a campaign tagline, a stock reply, a yearly frame) or a kind of copy that
must still be found (a post copied whole many times, a passage with edits, a reworded one).
"""

from __future__ import annotations

import pytest
from conftest import make_post

from dupfeed import Detector, Options, Source
from dupfeed.store import Store

ARTISTS = [
    ("Portishead", "Massive Attack", "Björk"),
    ("Radiohead", "Muse", "Placebo"),
    ("Daft Punk", "Air", "Justice"),
    ("Nirvana", "Pixies", "Sonic Youth"),
    ("Adele", "Florence Welch", "Lorde"),
    ("Metallica", "Slayer", "Megadeth"),
    ("Miles Davis", "John Coltrane", "Nina Simone"),
    ("Stromae", "Angèle", "Christine"),
]

ARTICLE = Source(
    id="harbour.txt",
    text=(
        "The harbour authority announced on Monday that the old fish market will be turned into a "
        "covered hall for local producers. Work begins in September and should last eighteen months. "
        "The mayor said the project would bring back the crowds that left the quays when the fishing "
        "fleet moved north. Traders worry about the rents, which have not been published yet."
    ),
)


def _flagged(findings) -> list[tuple[str, str]]:
    return [(f.id, m.id) for f in findings if f.verdict != "original" for m in f.matches]


def test_an_app_template_with_other_values_is_not_a_copy():
    # The listener's favourite tops every week: the same first slot value, as in real feeds.
    posts = [
        make_post(
            f"w{i}", f"My Top 3 Weekly #musicapp artists: Animal Jazz ({80 - i}), {b} ({20 - i}) and {c} ({9 - i})", hours=i
        )
        for i, (_, b, c) in enumerate(ARTISTS)
    ]
    assert _flagged(Detector().scan(posts)) == []


def test_a_campaign_tagline_inside_the_body_is_not_evidence():
    tagline = "Ensemble pour une ville plus verte, together for a greener city"
    bodies = [
        "Our volunteers planted forty oak trees along the canal this weekend despite the rain",
        "The repair café opens every Thursday evening in the basement of the public library",
        "Children from three schools painted the new bike shelters near the railway station",
        "A second market for seasonal vegetables starts next month on the church square",
        "The council agreed to keep the swimming pool open until ten during the summer",
        "We counted two hundred swifts nesting under the roofs of the old tannery",
    ]
    posts = [make_post(f"t{i}", f"{body}. {tagline}. Merci à tous. {tagline}.", hours=i) for i, body in enumerate(bodies)]
    assert _flagged(Detector().scan(posts)) == []


def test_a_long_post_reposted_many_times_stays_a_copy():
    text = (
        "After ten years in logistics I learnt that the cheapest route is rarely the fastest, that "
        "drivers know more about the roads than any planning tool, and that a warehouse runs on trust "
        "between the people who load the trucks and the people who promise delivery dates to customers."
    )
    posts = [make_post(f"r{i}", text, hours=24 * i) for i in range(7)]
    findings = Detector().scan(posts)
    assert [f.verdict for f in findings] == ["original"] + ["copy"] * 6
    assert all(f.matches[0].copy_kind == "verbatim" for f in findings[1:])


def test_a_stock_reply_of_few_content_words_is_not_evidence():
    chatter = [
        f"The {topic} has been a long story, and it is good to see that all of you are well prepared for it"
        for topic in ("budget", "roadmap", "launch", "hiring", "office move", "audit", "survey", "training", "merger", "pilot")
    ]
    posts = [make_post(f"c{i}", text, hours=i) for i, text in enumerate(chatter)]
    posts += [
        make_post("s1", "Thanks a lot, Maria! It has been a while. Hope all is well with you", hours=20),
        make_post("s2", "Thanks, Tom! It has been a while. Hope all is well with you", hours=30),
    ]
    findings = {f.id: f for f in Detector().scan(posts)}  # function words learned from the chatter
    assert findings["s2"].verdict == "original" and not findings["s2"].matches


def test_words_edited_inside_a_copied_passage_are_covered_but_not_counted():
    edited = ARTICLE.text.replace("Monday", "Tuesday").replace("eighteen months", "two years").replace("crowds", "visitors")
    detector = Detector()
    detector.add_sources([ARTICLE])
    finding = detector.check(make_post("e", edited))
    match = finding.matches[0]
    n_words = len(edited.split())
    assert match.copy_kind == "edited" and len(match.spans) == 1
    assert match.spans[0].post_start == 0 and match.spans[0].post_end == len(edited) - 1
    assert match.aligned_words == n_words - 4  # Tuesday, two, years, visitors are edits
    assert match.containment == pytest.approx((n_words - 4) / n_words, abs=1e-4)


def test_a_yearly_frame_around_new_text_is_not_a_copy():
    first = (
        "I read 40 #books in 2022. The best #nonfiction was a history of the printing press, dense "
        "but rewarding, and the best #fiction a quiet novel about a lighthouse keeper and his daughter. "
        "Short #reviews of the others are below."
    )
    second = (
        "I read 40 #books in 2023. The best #nonfiction was a field guide to mushrooms that changed "
        "how I walk in the woods, and the best #fiction a noisy thriller set on a container ship. "
        "Short #reviews of the others are below."
    )
    findings = Detector().scan([make_post("y1", first), make_post("y2", second, hours=24 * 365)])
    assert findings[1].verdict == "original" and not findings[1].matches


def test_a_reworded_copy_is_found_as_one_passage():
    reworded = (
        "The harbour authority announced on Monday that the old fish market will be turned into a "
        "covered hall for local producers. Works begin in September and should last eighteen months. "
        "According to the mayor, the project will bring the crowds back to the quays they left when the "
        "fishing fleet moved north. The rents, not yet published, worry the traders."
    )
    detector = Detector()
    detector.add_sources([ARTICLE])
    match = detector.check(make_post("p", reworded)).matches[0]
    assert match.copy_kind == "reworded"
    assert len(match.spans) == 1
    assert match.aligned_words > 40  # more than the exact opening sentences alone


def test_the_verdict_is_the_share_the_strongest_match_shows():
    detector = Detector()
    detector.add_sources([ARTICLE])
    own = " ".join("Our town keeps changing and I wonder every morning what my grandparents would say about it now".split() * 3)
    finding = detector.check(make_post("v", f"{ARTICLE.text.split('. ')[0]}. {own}"))
    share = finding.matches[0].containment
    assert 0.2 <= share < 0.8 and finding.verdict == "revision"


def test_an_authors_footer_is_not_a_match_from_the_first_posts_of_a_store(tmp_path):
    footer = "Follow me for more notes on urban cycling and subscribe to the newsletter"
    bodies = [
        "The new cycle lane on the ring road is finally open and it is wide enough for cargo bikes",
        "Winter tyres made my commute on the frozen hill safer than I expected this January",
    ]
    with Store(tmp_path / "dupfeed.db") as store:
        run = store.begin_run("test")
        store.ingest([make_post(f"f{i}", f"{body}. {footer}", hours=i) for i, body in enumerate(bodies)], run=run)
        store.score(run=run)
        findings = [record for record, _ in store.findings()]
    assert [f["verdict"] for f in findings] == ["original", "original"]
    assert all(not f["matches"] for f in findings)


def test_a_call_to_action_that_several_authors_use_is_not_evidence():
    cta = "N'hésitez pas à partager vos réflexions en commentaire et à suivre notre page"
    news = [
        "Notre rapport annuel sur la qualité de l'air dans les écoles primaires est enfin publié",
        "La médiathèque prolonge ses horaires d'ouverture le samedi pendant toute la période des examens",
        "Le chantier du nouveau pont sur la Loire entre dans sa dernière phase cet automne",
    ]
    after = ["Merci aux équipes de terrain", "Bonne lecture à toutes et à tous", "Rendez-vous au prochain conseil"]
    posts = [
        make_post(f"a{i}", f"{text}. {cta}. {closing}.", author=f"org{i}", hours=i)
        for i, (text, closing) in enumerate(zip(news, after))
    ]
    assert _flagged(Detector().scan(posts)) == []
    # Counted by posts alone (three are not many), the same phrase is a copy between two of them.
    assert _flagged(Detector(Options(common_min_authors=0)).scan(posts))


def test_an_authors_own_earlier_posts_stay_candidates_when_other_posts_need_more_bands():
    # More bands asked than the index has: only the author's own posts can be candidates.
    options = Options(lsh_min_bands=99, lsh_one_band_below=0)
    text = ARTICLE.text
    posts = [
        make_post("first", text, author="ann"),
        make_post("again", text, author="ann", hours=1),
        make_post("taken", text, author="bob", hours=2),
    ]
    findings = {f.id: f for f in Detector(options).scan(posts)}
    assert [m.id for m in findings["again"].matches] == ["first"]
    assert findings["again"].verdict == "copy"
    assert findings["taken"].matches == ()
    everyone = {f.id: f for f in Detector(Options()).scan(posts)}
    assert {m.id for m in everyone["taken"].matches} == {"first", "again"}


def test_an_earlier_post_relaying_a_source_ranks_after_it():
    from dupfeed.engine.detector import _strongest
    from dupfeed.records import Match

    def match(kind: str, mid: str, containment: float) -> Match:
        relation = "source" if kind == "source" else "cross_author"
        return Match(kind, mid, None, None, relation, 0.5, containment, False)

    source, relay = match("source", "article", 0.7), match("post", "relay", 0.9)
    # The earlier post explains little the article does not: the article is where the text comes from.
    assert [m.id for m in _strongest([relay, source], 10, 1.1, {id(relay): 0.1})] == ["article", "relay"]
    # An earlier post whose shared words no source explains is the stronger match.
    assert [m.id for m in _strongest([relay, source], 10, 1.1, {id(relay): 1.0})] == ["relay", "article"]


def test_an_author_posting_the_same_words_again_reposts_them_however_often_they_recur():
    text = "Our spring open day is on Saturday: come and meet the makers, bring a friend, and try the new bread oven."
    posts = [make_post(f"p{i}", text, author="ann", hours=i) for i in range(6)]
    posts += [make_post(f"q{i}", f"{text} See you there!", author="bob", hours=10 + i) for i in range(2)]
    findings = {f.id: f for f in Detector().scan(posts)}
    for i in range(1, 6):  # recurring in eight posts: common text, but these are ann's own words again
        assert findings[f"p{i}"].verdict == "copy", i
        assert findings[f"p{i}"].matches[0].relation == "self_repost"
    # Another author's words with one more sentence are not the same words again: common text there.
    assert findings["q0"].verdict == "original"
    assert [m.id for m in findings["q1"].matches] == ["q0"]  # bob's own words again


def test_a_whole_post_copied_stays_a_copy_though_each_of_its_phrases_is_common():
    segments = [
        "thank you so much for",
        "the kind words and support",
        "looking forward to the next",
        "chapter of this journey with",
        "all of you in the",
        "community we built together over",
        "the last few years here",
    ]
    background = [
        make_post(f"b{s}{a}", f"Quick note {s}{a}: {segment}, said {name}.", author=name, hours=a)
        for s, segment in enumerate(segments)
        for a, name in enumerate(["cat", "dan", "eve"])
    ]
    # One word of its own between phrases: common runs of five words, six words not common.
    own = ["truly", "really", "warmly", "deeply", "gladly", "kindly"]
    text = " ".join(word for pair in zip(segments, [*own, ""]) for word in pair).strip() + "."
    posts = [*background, make_post("mine", text, author="ann", hours=10), make_post("theirs", text, author="bob", hours=11)]
    findings = {f.id: f for f in Detector().scan(posts)}
    # Every phrase of it recurs across three authors, but 41 words in a row are the post copied.
    assert findings["theirs"].verdict == "copy"
    assert [m.id for m in findings["theirs"].matches] == ["mine"]
    assert all(f.verdict == "original" for f in findings.values() if f.id.startswith("b"))
