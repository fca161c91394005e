"""Properties of whole scans: a text matches itself, and every span slices both texts."""

from __future__ import annotations

from conftest import ARTICLE, make_post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

from dupfeed import Detector, Source
from dupfeed.engine.normalize import normalize_text

WORDS = ARTICLE.split()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

decoration = st.sampled_from(["", " 🚀", "\n\n#energy #lyon", " 𝐁𝐨𝐥𝐝!", " l’avenir", " https://x.example/a?utm_source=li"])


@st.composite
def copied_post(draw):
    """A post made of up to three pieces of the article, edited and decorated."""
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(WORDS) - 10))
        length = draw(st.integers(3, 60))
        words = WORDS[start : start + length]
        if words and draw(st.booleans()):
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(["huge", "tiny", "Lyon’s", "🔋"]))
        pieces.append(" ".join(words) + draw(decoration))
    return "\n".join(pieces)


@SETTINGS
@given(st.text(min_size=1, max_size=400) | copied_post())
def test_text_matches_itself_with_similarity_one(text):
    detector = Detector()
    detector.add_sources([Source(id="s", text=text)])
    finding = detector.check(make_post("p", text))
    words = normalize_text(text).split()
    if len(words) >= detector.options.min_passage_words:
        assert finding.matches[0].similarity == 1.0
        assert finding.matches[0].containment == 1.0
        assert finding.verdict == "copy"


@SETTINGS
@given(copied_post())
def test_every_span_slices_matching_words_of_both_texts(text):
    detector = Detector()
    detector.add_sources([Source(id="a", text=ARTICLE)])
    finding = detector.check(make_post("p", text))
    for match in finding.matches:
        for span in match.spans:
            assert 0 <= span.post_start < span.post_end <= len(text)
            assert 0 <= span.match_start < span.match_end <= len(ARTICLE)
            post_words = normalize_text(text[span.post_start : span.post_end]).split()
            source_words = normalize_text(ARTICLE[span.match_start : span.match_end]).split()
            # The passage starts and ends on words of the matched span (the same word or a
            # slight variant, what rapidfuzz extension accepts); parts of a copy reordered in
            # the post are one passage, so its ends need not face each other.
            for a in (post_words[0], post_words[-1]):
                assert any(a == b or Indel.normalized_similarity(a, b) >= 0.8 for b in source_words)
        assert 0.0 <= match.similarity <= 1.0 and 0.0 <= match.containment <= 1.0
