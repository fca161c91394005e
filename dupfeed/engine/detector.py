"""The detector: every post against the known sources and every earlier post."""

from __future__ import annotations

import io
import multiprocessing
import pickle
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import chain
from typing import cast

import numpy as np

from ..options import Options
from ..records import CommonText, Finding, Match, Post, Relation, Source, Span, Verdict
from .align import (
    Passage,
    absorb_short,
    align_edits,
    aligned_words,
    covered_words,
    extend_fuzzy,
    merge_near,
    merge_parallel,
    passages,
    shingle_order,
)
from .attribution import credits_post, credits_source
from .common_text import AuthorCounts, PhraseCounts, ShingleCounts, author_key, author_number, common_words
from .documents import Authors, Document, Documents, DocumentStore
from .index import BandIndex, CandidateIndex, WindowIndex
from .prepare import ignore_interrupt, prepare_batch, prepared_docs, release_free_memory
from .reworded import open_sentences, reworded_passages, sentence_cuts, sentence_lemmas
from .sketch import MinHasher, Sketches
from .variants import Variants

# A passage needs more than 2k words matched exactly (see _match): at the least a run of k + 1
# words and one of k, that is three shingles. Fewer shared shingles cannot make a match, so the
# index's chance candidates are dropped before any alignment.
_MIN_SHARED = 3


def _shared(unique: np.ndarray, others: Sequence[np.ndarray]) -> list[int]:
    """How many values ``unique`` shares with each of ``others`` (all sorted unique arrays), in
    one search for them all (a post has a few candidates, each a short search)."""
    if not others or not len(unique):
        return [0] * len(others)
    flat = np.concatenate(others)
    pos = np.searchsorted(unique, flat)
    pos[pos == len(unique)] = 0
    owner = np.repeat(np.arange(len(others)), [len(o) for o in others])
    return np.bincount(owner[unique[pos] == flat], minlength=len(others)).tolist()


def _strongest(matches: list[Match], limit: int, source_bonus: float, own: dict[int, float]) -> list[Match]:
    """The ``limit`` strongest matches, strongest first, never crowding out every source.

    Strength is containment, then similarity; a source's containment counts ``source_bonus``
    times (1.1: 10% more), and an earlier post's counts only the share of what it explains
    that no source does (``own``, by ``id()`` of the match): a post and the earlier posts
    that copy the same article all match each other, and the article is where the text comes
    from. Sources are kept before earlier posts when the list is cut.
    """

    def strength(m: Match) -> tuple:
        weight = source_bonus if m.kind == "source" else own.get(id(m), 1.0)
        return (-m.containment * weight, -m.similarity, m.id)

    sources = sorted((m for m in matches if m.kind == "source"), key=strength)[:limit]
    posts = sorted((m for m in matches if m.kind != "source"), key=strength)[: limit - len(sources)]
    return sorted(sources + posts, key=strength)


_THREADED_WINDOWS = 50_000
"""Windows a batch needs for its index to be built on a second thread while it is counted
(a single post checked, or a small batch, is not worth starting one; a custom
:class:`~dupfeed.engine.index.CandidateIndex` must then accept ``add`` from another thread)."""

_SCORING: tuple[Detector, Sketches | None, dict[int, int] | None] | None = None
"""The detector, sketches and record numbers a pool of forked scoring processes reads, set while it runs."""


class _RecordsAsNumbers(pickle.Pickler):
    """Pickles findings with each post and source record they hold as its document number
    (``numbers``: ``id()`` of a record -> its number), for a parent that holds the same
    records: most of a finding's bytes are its post's and its matches' texts."""

    def __init__(self, file: io.BytesIO, numbers: dict[int, int]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._numbers = numbers

    def persistent_id(self, obj: object) -> int | None:
        return self._numbers.get(id(obj)) if isinstance(obj, (Post, Source)) else None


class _RecordsFromNumbers(pickle.Unpickler):
    """Unpickles what :class:`_RecordsAsNumbers` pickled, each record taken from ``documents``."""

    def __init__(self, data: bytes, documents: DocumentStore):
        super().__init__(io.BytesIO(data))
        self._documents = documents

    def persistent_load(self, pid: object) -> Post | Source:
        return self._documents[cast(int, pid)].record


def _score_in_worker(
    task: tuple[int, Sequence[int]],
) -> tuple[list[tuple[int, Finding]] | bytes, dict[str, float], dict[str, int]]:
    detector, sketches, numbers = cast(tuple, _SCORING)
    before, done = dict(detector.timings), dict(detector.work)
    findings = detector._score_batch(task[0], task[1], sketches)
    release_free_memory()  # what the batch freed, before the next batch's pages are written
    timings, work = _since(detector.timings, before), _since(detector.work, done)
    if numbers is None:
        return findings, timings, work
    out = io.BytesIO()
    _RecordsAsNumbers(out, numbers).dump(findings)
    return out.getvalue(), timings, work


def _since(now: dict, before: dict) -> dict:
    """What each tally of ``now`` (seconds, counts) grew by since ``before``."""
    return {key: value - before.get(key, 0) for key, value in now.items()}


def _add(into: dict, grown: dict) -> None:
    for key, value in grown.items():
        into[key] += value


def _stored_windows(sketches: Sketches, every: int) -> np.ndarray:
    """Positions of the windows to index: every ``every``-th of each text, and its last. Queries
    keep all windows (every ``stride`` shingles), so a copied passage still meets an indexed
    window within ``stride / 2`` shingles of its best alignment; the index holds windows that
    do not overlap, half as many."""
    owner, first = sketches.window_owner, sketches.window_first
    if every <= 1:
        return np.arange(len(owner))
    local = np.arange(len(owner)) - first[owner]
    last = first[owner + 1] - first[owner] - 1
    return np.flatnonzero((local % every == 0) | (local == last))


def chronological(posts: Sequence[Post]) -> tuple[list[int], list[int]]:
    """Positions of ``posts`` oldest first (input order breaks ties), and those of them to
    compare: all but native reposts (a retweet, a boost), which quote on purpose."""
    order = sorted(range(len(posts)), key=lambda i: posts[i].created_at)
    return order, [i for i in order if posts[i].kind != "repost"]


def unscored(post: Post) -> Finding:
    """The finding of a post that is not compared (a native repost): original, no matches."""
    return Finding(post.id, post.author, post.created_at, "original", (), post)


class Detector:
    """Finds which posts copy a known source or an earlier post, how much, and where.

    Add sources with :meth:`add_sources`, then give posts to :meth:`scan` (a batch) or
    :meth:`check` (one at a time). Posts are taken in ``created_at`` order (the order given
    breaks ties); each is compared with every source and every post before it, including
    posts of earlier calls. All tuning lives in :class:`~dupfeed.options.Options`.

    A backend (the SQLite store, a distributed one) hands in where the state lives, through
    three small protocols, and drives the two steps itself: :meth:`add_posts` (shingle, sketch,
    index and count a batch) and :meth:`score` (findings, batch by batch).

    Args:
        documents: the :class:`~dupfeed.engine.documents.DocumentStore` (default: in memory).
        index: the :class:`~dupfeed.engine.index.CandidateIndex` (default: the one
            ``options.index`` names, empty).
        counts: the :class:`~dupfeed.engine.common_text.PhraseCounts` of the posts' shingles so far.
        word_counts: how often each word occurs in every document (sources and posts) so far.
        author_counts: how many distinct authors use each shingle, over the posts so far.
        authors: who wrote each document so far (an :class:`~dupfeed.engine.documents.Authors`).
        next_sequence: the sequence number of the next post (posts already in ``documents``
            hold the ones before; it breaks ties between posts of the same time).
        jobs: processes scoring batches at once (forked; 1: this process only). The findings
            and their order do not depend on it.
    """

    BATCH = 500
    """Posts scored per batch: their candidates are loaded together and a store commits them together."""

    def __init__(
        self,
        options: Options | None = None,
        *,
        documents: DocumentStore | None = None,
        index: CandidateIndex | None = None,
        counts: PhraseCounts | None = None,
        word_counts: PhraseCounts | None = None,
        author_counts: AuthorCounts | None = None,
        authors: Authors | None = None,
        next_sequence: int = 0,
        jobs: int = 1,
    ):
        self.options = options or Options()
        opts = self.options
        self._hasher = MinHasher(opts.num_perm, opts.seed)
        self._variants = Variants(opts.lemma_languages, opts.fuzzy_min_ratio)
        if index is None:
            if opts.index == "bands":
                index = BandIndex.from_options(opts)
            else:
                index = WindowIndex(threshold=opts.lsh_threshold, num_perm=opts.num_perm, params=opts.lsh_bands_rows)
        self.index: CandidateIndex = index
        self.documents: DocumentStore = documents if documents is not None else Documents()
        self.counts: PhraseCounts = counts if counts is not None else ShingleCounts()
        self.word_counts: PhraseCounts = word_counts if word_counts is not None else ShingleCounts()
        self.author_counts = author_counts if author_counts is not None else AuthorCounts()
        self.authors = authors if authors is not None else Authors()
        self.next_sequence = next_sequence
        self.jobs = jobs
        self.timings: dict[str, float] = defaultdict(float)
        """Seconds spent per stage (shingle, sketch, index, verify), summed over calls."""
        self.work: dict[str, int] = defaultdict(int)
        """What scoring did, summed over calls: posts scored, ``candidates`` the index gave them,
        ``compared`` (candidates before the post, their shingles counted), ``aligned`` (sharing
        enough shingles to be aligned) and ``matches`` found."""
        self._checked: dict[tuple[str, str, str], int] = {}  # (platform, id, text) -> number, by check()
        self._batch_counts: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}  # by verify(): see _count_batch

    @property
    def lsh_bands_rows(self) -> tuple[int, int]:
        """The ``(bands, rows)`` the index uses."""
        return self.index.bands_rows

    def _ingest(
        self, records: Sequence[Post | Source], orders: Sequence[tuple[datetime, int] | None], *, posts: bool
    ) -> tuple[list[int], Sketches, list[Document]]:
        """Shingle, sketch, index and count a batch (of ``posts``, or of sources); returns the
        new documents' numbers, sketches and documents."""
        opts = self.options
        ready = prepare_batch(
            [r.text for r in records], opts.shingle_size, self._hasher, window=opts.window, stride=opts.stride, jobs=self.jobs
        )
        docs, sketches = prepared_docs(records, orders, ready), ready.sketches
        _add(self.timings, ready.seconds)  # added up over the processes that did it

        started = time.perf_counter()
        first = len(self.documents)
        for doc in docs:
            self.documents.append(doc)
        stored = _stored_windows(sketches, opts.window // opts.stride if opts.index_every_other else 1)
        owners, windows = sketches.window_owner[stored] + first, sketches.windows[stored]
        if len(windows) < _THREADED_WINDOWS:
            self.index.add(owners, windows)
            self._count(records, docs, posts=posts)
        else:
            # The index and the counts are apart: both sort large arrays, which numpy does
            # without holding the interpreter, so a thread indexes while this one counts.
            with ThreadPoolExecutor(1) as thread:
                indexing = thread.submit(self.index.add, owners, windows)
                try:
                    self._count(records, docs, posts=posts)
                finally:
                    indexing.result()  # its error, if any, rather than none
        self.timings["index"] += time.perf_counter() - started
        return list(range(first, len(self.documents))), sketches, docs

    def _count(self, records: Sequence[Post | Source], docs: list[Document], *, posts: bool) -> None:
        """Count a batch's words and authors, and for posts what they share with other posts, and by whom."""
        self.word_counts.add([doc.words for doc in docs])
        self.authors.add([author_number(r.author) if isinstance(r, Post) else 0 for r in records])
        if posts:
            self.counts.add([doc.unique for doc in docs])
            by_author = [(doc.unique, author_key(r.author)) for doc, r in zip(docs, records) if r.author]
            self.author_counts.add([u for u, _ in by_author], [a for _, a in by_author])

    def add_sources(self, sources: Iterable[Source]) -> int:
        """Index source articles; returns how many were added."""
        batch = list(sources)
        self._ingest(batch, [None] * len(batch), posts=False)
        return len(batch)

    def scan(self, posts: Iterable[Post], *, progress: Callable[[int], None] | None = None) -> list[Finding]:
        """Score a batch of posts; findings come in processing (chronological) order.

        A native repost (``kind == "repost"``: a retweet, a boost) quotes another author on
        purpose: it is neither scored nor matched against, and its finding is ``original``
        with no matches. ``progress`` is called now and then with the number of posts done
        since its last call, first with 0 once the posts are indexed and scoring starts.
        """
        posts = list(posts)
        order, compared = chronological(posts)
        numbers, sketches = self.add_posts([posts[i] for i in compared])
        if progress is not None:
            progress(0)  # indexed: scoring starts (a progress bar times itself from here)
        place = {i: n for n, i in enumerate(order)}
        findings = [unscored(posts[i]) for i in order]
        done = 0
        for batch in self.score(numbers, sketches):
            for _, finding in batch:
                findings[place[compared[done]]] = finding
                done += 1
            if progress is not None:
                progress(len(batch))
        if progress is not None and len(posts) > done:
            progress(len(posts) - done)
        return findings

    def add_posts(self, batch: Sequence[Post]) -> tuple[list[int], Sketches]:
        """Shingle, sketch, index and count a chronological batch of posts to be scored by
        :meth:`score`; returns their numbers and their sketches."""
        orders = []
        for post in batch:
            orders.append((post.created_at, self.next_sequence))
            self.next_sequence += 1
        numbers, sketches, _ = self._ingest(batch, orders, posts=True)
        return numbers, sketches

    def score(self, numbers: Sequence[int], sketches: Sketches | None = None) -> Iterator[list[tuple[int, Finding]]]:
        """Score posts already added, :attr:`BATCH` at a time; yields each batch's
        ``(number, finding)`` pairs in order.

        ``sketches`` are those :meth:`add_posts` returned for exactly these numbers; without
        them (a store resuming its work) the posts' windows are sketched again from their
        shingles. With ``jobs`` above 1, batches are scored by that many forked processes
        (each reads the state as it stood when scoring began: nothing is added while
        scoring); the findings are the same, in the same order.
        """
        batches = [(lo, numbers[lo : lo + self.BATCH]) for lo in range(0, len(numbers), self.BATCH)]
        if self.jobs <= 1 or len(batches) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for lo, batch in batches:
                yield self._score_batch(lo, batch, sketches)
            return
        global _SCORING
        # Documents in memory are this process's too: their records come back as numbers.
        held = self.documents
        record_numbers = {id(doc.record): n for n, doc in enumerate(held)} if isinstance(held, Documents) else None
        _SCORING = (self, sketches, record_numbers)
        release_free_memory()
        try:
            with multiprocessing.get_context("fork").Pool(min(self.jobs, len(batches)), initializer=ignore_interrupt) as pool:
                for found, timings, work in pool.imap(_score_in_worker, batches):
                    _add(self.timings, timings)
                    _add(self.work, work)
                    yield _RecordsFromNumbers(found, self.documents).load() if isinstance(found, bytes) else found
        finally:
            _SCORING = None

    def _score_batch(self, lo: int, batch: Sequence[int], sketches: Sketches | None) -> list[tuple[int, Finding]]:
        """The findings of posts ``batch``, which start at position ``lo`` of ``sketches``."""
        started = time.perf_counter()
        if self.options.exhaustive:
            candidates = [set(range(n)) for n in batch]
        else:
            if sketches is None:
                windows, window_first = self._windows_of(batch)
            else:
                first = sketches.window_first
                windows = sketches.windows[first[lo] : first[lo + len(batch)]]
                window_first = first[lo : lo + len(batch) + 1] - first[lo]
            candidates = self.index.query_batch(windows, window_first, keep=self._own_posts(batch))
        findings = self.verify(batch, candidates)
        self.timings["verify"] += time.perf_counter() - started
        return findings

    def verify(self, numbers: Sequence[int], candidates: Sequence[Iterable[int]]) -> list[tuple[int, Finding]]:
        """The findings of posts ``numbers`` (already added), each verified against its
        ``candidates`` (document numbers; those not before it are ignored). :meth:`score` finds
        candidates in the index; a distributed backend that joins band keys itself hands them
        in here, and gets the same findings."""
        wanted = [c if isinstance(c, set) else set(c) for c in candidates]
        self.documents.prefetch(chain(numbers, *wanted))
        compared = [self._compared(n, c) for n, c in zip(numbers, wanted)]
        # Counts only for the posts with a candidate to align: most candidates share too little.
        self._batch_counts = self._count_batch([n for n, (_, eligible) in zip(numbers, compared) if eligible])
        try:
            return [(n, self._score(n, *c)) for n, c in zip(numbers, compared)]
        finally:
            self._batch_counts = {}

    def _count_batch(self, numbers: Sequence[int]) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
        """Per post, how many posts and how many authors hold each of its shingles: for a whole
        batch at once, the distinct shingles searched in order (on a large store, several times
        faster than post by post)."""
        if not numbers:
            return {}
        shingles = [self.documents[n].shingles for n in numbers]
        keys, inverse = np.unique(np.concatenate(shingles), return_inverse=True)
        posts = self.counts.count(keys)[inverse]
        authors = self.author_counts.count(keys)[inverse] if self.options.common_min_authors else None
        cuts = np.cumsum([len(s) for s in shingles])[:-1]
        by_post = np.split(posts, cuts)
        by_author = np.split(authors, cuts) if authors is not None else [None] * len(numbers)
        return dict(zip(numbers, zip(by_post, by_author)))

    def _own_posts(self, batch: Sequence[int]) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """Which (post, document) pairs the index keeps whatever bands they share: the post's
        author's own earlier posts. An author reposting their own post rewords it most (the same
        thing six or seven times in other words), and has few posts: keeping them all costs
        little, while chance candidates from everyone else grow with the store."""
        numbers = np.asarray(batch, dtype=np.int64)

        def own(texts: np.ndarray, owners: np.ndarray) -> np.ndarray:
            return self.authors.own_recent(numbers[texts], owners, self.options.own_recent_posts)

        return own

    def _windows_of(self, numbers: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        self.documents.prefetch(numbers)
        docs = [self.documents[n] for n in numbers]
        offsets = np.concatenate([[0], np.cumsum([len(d.shingles) for d in docs])])
        hashes = np.concatenate([d.shingles for d in docs]) if docs else np.zeros(0, dtype=np.uint64)
        opts = self.options
        found = self._hasher.sketch(hashes.astype(np.uint32), offsets, window=opts.window, stride=opts.stride)
        return found.windows, found.window_first

    def check(self, post: Post) -> Finding:
        """Score one new post against everything known so far, then remember it. The same post
        checked again (same platform, id and text) is scored again where it stands, not added a
        second time: it would be its own copy."""
        key = (post.platform, post.id, post.text)
        if key in self._checked:
            return next(iter(self.score([self._checked[key]])))[0][1]
        finding = self.scan([post])[0]
        if post.kind != "repost":  # a native repost is not added (see scan)
            self._checked[key] = len(self.documents) - 1
        return finding

    def _before(self, other: Document, doc: Document) -> bool:
        """Whether ``other`` came before the post ``doc``: an earlier post, or a source not
        published later than the post (``options.source_date_slack_hours`` of slack, for
        dates without a time or a zone)."""
        post = cast(Post, doc.record)  # only posts are scored
        if not isinstance(other.record, Source):
            return cast(tuple, other.order) < cast(tuple, doc.order)
        published = other.record.published
        slack = timedelta(hours=self.options.source_date_slack_hours)
        return published is None or published - slack <= post.created_at

    def _common(self, number: int, doc: Document) -> np.ndarray:
        """How many posts hold each word of the post as common text (a recurring short run),
        0 for the words that are not."""
        opts = self.options
        counted = self._batch_counts.get(number)
        posts = counted[0] if counted is not None else self.counts.count(doc.shingles)
        recurring = posts >= opts.boilerplate_min_posts
        if opts.common_min_authors:
            authors = counted[1] if counted is not None and counted[1] is not None else self.author_counts.count(doc.shingles)
            recurring |= authors >= opts.common_min_authors
        common = common_words(recurring, doc.n_words, opts.shingle_size, opts.boilerplate_max_words)
        if not common.any():
            return np.zeros(doc.n_words, dtype=np.int64)
        # A word's count is the highest of the shingles over it (shingle p covers words p..p+k-1).
        by_word = np.zeros(doc.n_words, dtype=np.int64)
        for offset in range(opts.shingle_size):
            n = min(len(posts), doc.n_words - offset)
            if n > 0:
                np.maximum(by_word[offset : offset + n], posts[:n], out=by_word[offset : offset + n])
        return np.where(common, by_word, 0)

    def _function_words(self, doc: Document) -> np.ndarray:
        """The post's words so frequent in the corpus that they carry no evidence."""
        opts = self.options
        if not len(doc.words):
            return np.zeros(doc.n_words, dtype=bool)
        total = self.word_counts.total()
        if doc.function is None or doc.function_total != total:  # the counts have grown since
            least = max(opts.function_word_min_docs, opts.function_word_share * total)
            doc.function, doc.function_total = self.word_counts.count(doc.words) >= least, total
        return doc.function

    def _compared(self, number: int, candidates: set[int]) -> tuple[dict[int, int], list[int]]:
        """The post's candidates before it, with the shingles each shares with it, and those
        sharing enough to be aligned."""
        doc = self.documents[number]
        before = [c for c in candidates if c != number and self._before(self.documents[c], doc)]
        shared = dict(zip(before, _shared(doc.unique, [self.documents[c].unique for c in before])))
        eligible = [c for c, n in shared.items() if n >= _MIN_SHARED]
        work = self.work
        work["posts"] += 1
        work["candidates"] += len(candidates)
        work["compared"] += len(before)
        work["aligned"] += len(eligible)
        return shared, eligible

    def _score(self, number: int, shared: dict[int, int], eligible: list[int]) -> Finding:
        opts = self.options
        doc = self.documents[number]
        post = cast(Post, doc.record)  # only posts are scored
        work = self.work
        matches: list[Match] = []
        own: dict[int, float] = {}  # id() of a post match -> the share of its words no source explains
        if eligible and doc.n_words:
            # Sources first: a passage found in a source article is copied, however often it
            # recurs across posts; only what no source explains can be common feed text.
            common_posts = self._common(number, doc)  # per word: the posts holding it as common text, or 0
            function = self._function_words(doc)
            sources = sorted(c for c in eligible if self.documents[c].is_source)
            earlier = sorted(c for c in eligible if not self.documents[c].is_source)
            nothing = np.zeros(doc.n_words, dtype=np.int64)
            from_sources = np.zeros(doc.n_words, dtype=bool)
            for c in sources:
                found = self._match(doc, self.documents[c], nothing, function, shared[c])
                if found is not None:
                    matches.append(found[0])
                    from_sources |= found[1]
            common_posts[from_sources] = 0
            for c in earlier:
                other = self.documents[c]
                # An author posting the same words again reposts them, however often they
                # recur: common text is what others share, or part of the author's posts.
                again = post.author is not None and other.record.author == post.author and np.array_equal(other.words, doc.words)
                found = self._match(doc, other, nothing if again else common_posts, function, shared[c])
                if found is not None:
                    matches.append(found[0])
                    own[id(found[0])] = float((found[1] & ~from_sources).sum()) / max(int(found[1].sum()), 1)
        work["matches"] += len(matches)
        matches = _strongest(matches, opts.max_matches, opts.source_bonus, own)
        # The verdict is the strongest match's share: the number the report shows beside it.
        share = max((m.containment for m in matches), default=0.0)
        verdict: Verdict
        if share >= opts.copy_containment:
            verdict = "copy"
        elif share >= opts.revision_containment:
            verdict = "revision"
        else:
            verdict = "original"
        return Finding(post.id, post.author, post.created_at, verdict, tuple(matches), post)

    def _is_frame(self, kept: list[Passage], doc: Document, other: Document, aligned: int) -> bool:
        """Whether the passages shared with an earlier post are only a frame around new text:
        each no longer than common text can be and at the same edge of both posts (an opening
        formula, a footer, a sign-off), most of the post not in them. A yearly "I read 52
        #books in ..." post, an app's "My Top 3 Weekly ..." header, an author's footer from
        their second post on, before any count knows it."""
        opts = self.options
        if other.is_source:
            return False  # a source's opening is its title or lede: what a post copies
        slack, longest = opts.frame_slack_words, opts.boilerplate_max_words
        for p in kept:
            at_start = p.post_start <= slack and p.match_start <= slack
            at_end = p.post_end >= doc.n_words - slack and p.match_end >= other.n_words - slack
            if p.post_end - p.post_start > longest or not (at_start or at_end):
                return False
        return 2 * aligned < doc.n_words

    def _reworded(self, doc: Document, other: Document, kept: list[Passage], function: np.ndarray) -> list[Passage]:
        """Passages of the post's sentences outside ``kept`` that reword a sentence of ``other``."""
        opts = self.options
        if opts.reworded_min_share <= 0:
            return []
        covered = covered_words(kept, doc.n_words)
        if not open_sentences(self._cuts(doc), covered):
            return []  # every sentence already in passages: neither text is lemmatised for it
        o_cuts, o_lemmas = self._sentences(other)
        o_function = self._function_words(other)
        if other.sentence_keys is None or other.sentence_keys_of is not o_function:
            other.sentence_keys, other.sentence_keys_of = sentence_lemmas(o_cuts, o_lemmas, o_function), o_function
        return reworded_passages(
            (*self._sentences(doc), doc.words, function),
            (o_cuts, o_lemmas, other.words, other.sentence_keys),
            covered,
            min_shared=opts.reworded_min_lemmas,
            min_share=opts.reworded_min_share,
        )

    def _sentences(self, doc: Document) -> tuple[np.ndarray, np.ndarray]:
        """A document's sentence cuts and lemma ids, made once (a source matched by many posts
        is lemmatised once)."""
        if doc.lemmas is None:
            doc.lemmas = self._variants.lemma_ids(doc.words, doc.tokens)
        return self._cuts(doc), doc.lemmas

    @staticmethod
    def _cuts(doc: Document) -> np.ndarray:
        """A document's sentence cuts (word positions where sentences start), made once."""
        if doc.sentences is None:
            doc.sentences = sentence_cuts(doc.record.text, doc.spans)
        return doc.sentences

    def _match(
        self, doc: Document, other: Document, common_posts: np.ndarray, function: np.ndarray, shared: int
    ) -> tuple[Match, np.ndarray] | None:
        """The match of ``doc`` in ``other`` and the post words it covers, if its passages are
        evidence that one copies the other: enough aligned words, not common text, enough of
        them content words, and more than a frame."""
        opts = self.options
        k = opts.shingle_size
        common = common_posts > 0
        if other.shingle_order is None:
            other.shingle_order = shingle_order(other.shingles)
        found = passages(
            doc.shingles,
            other.shingles,
            other_order=other.shingle_order,
            k=k,
            post_words=doc.n_words,
            other_words=other.n_words,
            max_gap=opts.max_gap,
            max_insertion=opts.max_insertion,
        )
        if not found:
            return None
        post_words, other_words = doc.tokens, other.tokens
        found = [
            align_edits(
                extend_fuzzy(p, post_words, other_words, reach=opts.fuzzy_reach, min_ratio=opts.fuzzy_min_ratio),
                post_words,
                other_words,
                self._variants.alike,
            )
            for p in found
        ]
        # More than common text can be: a passage of more words aligned is copied whole, and
        # the common phrases inside it (trigrams that recur in many posts) are part of the copy.
        each = [aligned_words([p], doc.n_words) for p in found]  # the post words each passage aligns
        whole = [w for w in each if int(w.sum()) > opts.boilerplate_max_words]
        if whole and common.any():
            common_posts = np.where(np.logical_or.reduce(whole), 0, common_posts)
            common = common_posts > 0
        # A passage needs a run of two shingles or more (k + 1 words) that is not common text:
        # a lone shared shingle is chance.
        kept = [p for p, words in zip(found, each) if int((words & ~common).sum()) > k and p.matched > k]
        if not kept:
            return None
        aligned = aligned_words(kept, doc.n_words)
        evidence = aligned & ~common
        n_evidence = int(evidence.sum())
        if n_evidence < opts.min_passage_words:
            return None
        if int((evidence & ~function).sum()) < opts.min_content_words:
            return None
        if self._is_frame(kept, doc, other, n_evidence):
            return None
        reworded = self._reworded(doc, other, kept, function)
        # One copied part, one passage: parts a few words apart in the post are merged,
        # whatever their order in the match (a reworded copy's sentences further apart). A
        # reworded sentence counts only as part of copied text, next to an exact passage or to
        # another such sentence: alone, it is a sentence on the same topic.
        # Then parts in line in both texts with gaps alike (a paraphrase rewrote what lies between),
        # and short parts beside a long one (phrases it kept), are one passage too: spans only,
        # the words between are not counted as copied (such a passage is "edited", not "verbatim").
        merged = merge_near(kept + reworded, opts.max_insertion if reworded else opts.max_gap)
        kept = absorb_short(
            merge_parallel([p for p in merged if p.matched > 0], opts.parallel_gap_ratio, opts.max_gap), opts.min_passage_words
        )
        exact = n_evidence
        if reworded:
            aligned = aligned_words(kept, doc.n_words)
            evidence = aligned & ~common
            n_evidence = int(evidence.sum())
        denominator = int((~common).sum())
        containment = n_evidence / denominator if denominator else 0.0
        union = len(doc.unique) + len(other.unique) - shared
        post = cast(Post, doc.record)
        record = other.record
        relation: Relation
        if isinstance(record, Source):
            relation, attributed = "source", credits_source(post, record, words=doc.words)
        else:
            same = record.author is not None and record.author == post.author
            relation = "self_repost" if same else "cross_author"
            attributed = credits_post(post, record, words=doc.words)
        spans = tuple(self._char_span(doc, other, p) for p in kept)
        covered = covered_words(kept, doc.n_words)
        verbatim = not (covered & ~aligned).any() and all(p.post_end - p.post_start == p.match_end - p.match_start for p in kept)
        match = Match(
            kind="source" if other.is_source else "post",
            id=record.id,
            author=record.author,
            url=record.url,
            relation=relation,
            similarity=round(shared / union, 4) if union else 0.0,
            containment=round(float(containment), 4),
            attributed=attributed,
            spans=spans,
            aligned_words=n_evidence,
            discounted_words=int((aligned & common).sum()),
            discounted=self._discounted(doc, aligned & common, common_posts),
            copy_kind="reworded" if n_evidence > exact else "verbatim" if verbatim else "edited",
            target=record,
        )
        return match, evidence

    @staticmethod
    def _discounted(doc: Document, words: np.ndarray, posts: np.ndarray) -> tuple[CommonText, ...]:
        """The runs of ``words`` as character ranges of the post, each with the fewest posts
        any of its words was found in."""
        edges = np.flatnonzero(np.diff(np.concatenate([[0], words.astype(np.int8), [0]])))
        return tuple(
            CommonText(int(doc.spans[a, 0]), int(doc.spans[b - 1, 1]), int(posts[a:b].min()))
            for a, b in zip(edges[::2].tolist(), edges[1::2].tolist())
        )

    @staticmethod
    def _char_span(doc: Document, other: Document, p: Passage) -> Span:
        a, b = doc.spans, other.spans
        return Span(int(a[p.post_start, 0]), int(a[p.post_end - 1, 1]), int(b[p.match_start, 0]), int(b[p.match_end - 1, 1]))
