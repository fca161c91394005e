"""The one options object that every stage of detection reads."""

from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import require

INDEXES = ("datasketch", "bands")


@dataclass(frozen=True)
class Options:
    """Every parameter that changes what dupfeed finds, validated once.

    Attributes:
        shingle_size: words per shingle. Smaller shingles match more lightly edited text
            (higher recall on rewordings) but also more stock phrases; larger ones are stricter.
            3 was chosen by measurement on the Clough corpus (``benchmarks/quality_clough.py``).
        num_perm: MinHash permutations. More give steadier similarity estimates and sharper
            LSH banding, at linear cost in sketch time and index memory.
        seed: seeds the MinHash permutations (signatures compare only under one seed).
        lsh_threshold: the window-to-window Jaccard similarity the LSH index is tuned for.
            Lower finds shorter or more edited passages and yields more candidates to verify.
        lsh_bands_rows: explicit ``(bands, rows)`` for the index, overriding ``lsh_threshold``.
        lsh_min_bands, lsh_one_band_below: distinct bands in which a document's windows must
            collide with a post's to make it a candidate, once the index holds
            ``lsh_one_band_below`` windows or more (below, one band is enough). Chance candidates
            share one band, and their number per post grows with the index (about 0.2 per 1,000
            stored posts at 28 bands of 2 rows); asking for two bands cuts them about 150-fold,
            so that the cost per post stops growing with a store. It also misses some weakly
            copied (heavily paraphrased) passages, whose windows share few bands: a small corpus,
            whose chance candidates are few, keeps them. The author's own earlier posts are
            candidates on one band (see ``Detector``), their latest ``own_recent_posts``. The
            ``"datasketch"`` reference index takes one band always.
        own_recent_posts: how many of the author's latest earlier posts are candidates on one
            band once two are needed (0: all of them). A person rewording their own post does
            it among their latest ones (1,000 posts are years of a person's feed); a prolific
            account (a news feed, a bot posting thousands a day) would otherwise bring tens of
            thousands of chance candidates to each of its posts, a cost that grows with the store.
            Older own posts are still candidates on two bands, as everyone's.
        window: shingles per indexed window. Windows let a post that copies one paragraph of a
            long article be found although its similarity with the whole article is low.
        stride: shingles between window starts (``window`` must be a multiple). Smaller strides
            raise recall on short passages and grow the index.
        index_every_other: index only windows that do not overlap (one every ``window``
            shingles, and each text's last), while posts are still queried with a window every
            ``stride``: a copied passage meets an indexed window as closely aligned as before,
            and the index holds half the windows (and half the chance candidates). Off by
            default: measured, it loses short and edited passages (passages benchmark, English
            recall 0.931 -> 0.902, inflected 0.884 -> 0.806), for a store that must fit in less memory.
        max_gap: words of edits (changed or inserted words) bridged inside one passage.
        max_insertion: words of a clause inserted on one side only (the other side going on)
            bridged inside one passage; bridged words are covered by the span, never counted
            as copied.
        parallel_gap_ratio: two passages of a match in the same order in both texts, the gaps
            between them in each text no longer than the two passages together and the shorter
            gap at least this share of the longer, are one passage (a paraphrased copy, its
            rewritten words covered by the span, never counted as copied); 0 turns it off.
        fuzzy_reach: words compared at each end of a passage to grow it over slightly changed
            words (``colour``/``color``, a typo); 0 turns it off.
        fuzzy_min_ratio: the rapidfuzz Indel similarity from which two words are alike. Lower
            grows passages over more changed words, and over unrelated words sooner.
        reworded_min_lemmas, reworded_min_share: once a pair shares copied passages, a post
            sentence outside them that shares at least ``reworded_min_lemmas`` content lemmas
            with a sentence of the match, their Dice coefficient at least
            ``reworded_min_share``, is a reworded copy of it (0 turns it off). 0.33 is the
            sentence-pair threshold of the best PAN 2014 text-alignment system (Sanchez-Perez
            et al.). Lower finds looser paraphrases, and unrelated sentences on the topic sooner.
        lemma_languages: languages (ISO 639-1) whose lemmas make two words close variants
            inside a passage's edits (``decided``/``decides``): such words count as copied.
            More languages cost start-up time (simplemma loads a dictionary for each).
        min_passage_words: fewest aligned words (not common text) of a match reported, over
            its passages (each passage a run of two shingles or more); fewer are a stock phrase.
        min_content_words: fewest aligned content words (not function words, not common text)
            of a match reported: what makes it evidence rather than a shared formula ("Been a
            while. Hope all's well with you" has three). Higher misses short reposts.
        function_word_share, function_word_min_docs: a word that makes up at least this share
            of all the words counted (sources and posts), and occurs at least that many times,
            is a function word: it counts as aligned but not as content. Measured on tokens, so
            that short posts and long articles learn the same words; 0.4% is about the 25 most
            frequent words of a language (Zipf: ``the``, ``of``, ``de``, ``la``, ``you``), the size
            of a short stop list, learned in every language from the corpus itself.
        frame_slack_words: a match with an earlier post whose passages are each no longer than
            ``boilerplate_max_words`` and sit at the same edge of both posts (within this many
            words), less than half of the post, is a frame around new text (a yearly "I read 52
            #books in ..." opening, an app's header, an author's footer): not reported.
        copy_containment: share of a post copied from which it is a ``copy``.
        revision_containment: share of a post copied from which it is a ``revision``.
        boilerplate_min_posts: a shingle in at least this many posts is recurring text.
        common_min_authors: a shingle used by at least this many distinct authors is recurring
            text too (a formula that several people use: a call to action, an event's or a
            report's title); 0 counts posts only.
        boilerplate_max_words: a recurring run of at most this many words, anywhere in its post
            (a footer, a tagline, an app's template, a stock reply), is common text: not evidence
            of copying. A longer recurring run is a text copied whole, which stays evidence.
        max_matches: most matches reported per post.
        source_bonus: a source's containment counts this many times when matches are ranked
            (a post and the earlier posts copying the same article all match each other; the
            article is where the text comes from). 1.0 ranks by containment alone.
        source_date_slack_hours: a source published at most this long after a post still
            counts as before it (dates without a time or a zone).
        index: the candidate index: ``"datasketch"`` (its ``MinHashLSH``, the reference) or
            ``"bands"`` (the same banding as sorted numpy arrays: the same candidates, about
            1/35 of the memory and faster; what a store uses).
        exhaustive: skip the index and verify every earlier document (quadratic: for
            measuring what the index misses, not for real use).
    """

    shingle_size: int = 3
    num_perm: int = 128
    seed: int = 1
    lsh_threshold: float = 0.2
    lsh_bands_rows: tuple[int, int] | None = None
    lsh_min_bands: int = 2
    lsh_one_band_below: int = 500_000
    own_recent_posts: int = 1000
    window: int = 40
    stride: int = 20
    index_every_other: bool = False
    max_gap: int = 12
    max_insertion: int = 24
    parallel_gap_ratio: float = 0.5
    fuzzy_reach: int = 3
    fuzzy_min_ratio: float = 0.85
    lemma_languages: tuple[str, ...] = ("en", "fr")
    reworded_min_lemmas: int = 4
    reworded_min_share: float = 0.33
    min_passage_words: int = 8
    min_content_words: int = 5
    function_word_share: float = 0.004
    function_word_min_docs: int = 10
    frame_slack_words: int = 3
    copy_containment: float = 0.8
    revision_containment: float = 0.2
    boilerplate_min_posts: int = 5
    common_min_authors: int = 3
    boilerplate_max_words: int = 25
    max_matches: int = 10
    source_bonus: float = 1.1
    source_date_slack_hours: float = 24.0
    index: str = "bands"
    exhaustive: bool = False

    def __post_init__(self) -> None:
        require(1 <= self.shingle_size <= 16, "shingle_size must be between 1 and 16")
        require(2 <= self.num_perm <= 1024, "num_perm must be between 2 and 1024")
        require(0.0 < self.lsh_threshold < 1.0, "lsh_threshold must be between 0 and 1")
        require(self.stride >= 1 and self.window >= self.stride, "window must be at least stride, stride at least 1")
        require(self.window % self.stride == 0, "window must be a multiple of stride")
        require(self.max_gap >= 0 and self.min_passage_words >= 1, "max_gap must be >= 0, min_passage_words >= 1")
        require(self.max_insertion >= self.max_gap, "max_insertion must be at least max_gap")
        require(0 <= self.parallel_gap_ratio <= 1, "parallel_gap_ratio must be between 0 and 1")
        require(
            0.0 < self.revision_containment <= self.copy_containment <= 1.0,
            "need 0 < revision_containment <= copy_containment <= 1",
        )
        require(self.boilerplate_min_posts >= 2, "boilerplate_min_posts must be at least 2")
        require(self.max_matches >= 1, "max_matches must be at least 1")
        require(self.fuzzy_reach >= 0 and 0.0 < self.fuzzy_min_ratio <= 1.0, "need fuzzy_reach >= 0, 0 < fuzzy_min_ratio <= 1")
        require(
            self.source_bonus >= 1.0 and self.source_date_slack_hours >= 0, "need source_bonus >= 1, source_date_slack_hours >= 0"
        )
        require(self.index in INDEXES, f"index must be one of {', '.join(INDEXES)}")
        require(self.lsh_min_bands >= 1 and self.lsh_one_band_below >= 0, "need lsh_min_bands >= 1, lsh_one_band_below >= 0")
        require(self.own_recent_posts >= 0, "own_recent_posts must be at least 0")
        if self.lsh_bands_rows is not None:
            bands, rows = self.lsh_bands_rows
            require(bands >= 2 and rows >= 1 and bands * rows <= self.num_perm, "bands * rows must fit in num_perm")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]
