"""Copied-passage quality: PAN-style character precision, recall, granularity and plagdet.

No corpus here marks copied passages, so gold is built by construction from real text, the
same for a seed. Sources: the main text of the pages in ``../shared/corpora/pages/html`` (read
with ``dupfeed.readers.read_sources`` at run time) and the three Clough Wikipedia originals.
A post's own words (filler, 40-150 words cut at sentence boundaries) are real human writing:
a Clough answer of category ``non`` for English posts; for French posts, sentences of a French
page kept out of the sources (were it a source, the filler itself would be copied text). A
page's language is guessed from its common words (``lang`` in ``gold.json`` is wrong for the
German pages and two others). Into 70% of the ``--posts`` posts one passage of a random source
of the post's language is inserted at a sentence boundary: 1-4 whole sentences, 15-120 words,
found in no other source, in one of three obfuscations in equal shares:

- ``verbatim``: the source text as is;
- ``light``: ~10% of the words edited (deleted, swapped with the next word, misspelt into a
  plausible variant, or changed in case or punctuation);
- ``reordered``: 2-4 sentences in another order; each sentence is then its own gold case.

The other 30% have no passage (``none``): any source detection in them is false. After these
posts come, in a seeded order, as many posts per language as ``verbatim`` has for each of
three more obfuscations, each drawn from its own generator (so the posts above, and each
kind's posts, are the same for a seed whatever else is added or chosen with ``--kinds``):

- ``replaced``: 20-30% of the content words replaced by real words of the language with the
  same ending and about the same length (PAN's random word substitution), function words kept;
- ``inflected``: ~30% of the content words a rule can inflect put in another form (English
  plural/singular, -ed/-ing/-s; French -e/-s/-es, -é/-ée, -al/-aux, -ait/-aient, -er/-é);
- ``inserted``: 1-3 clauses of 6-15 words of the language's filler inserted between words
  inside the passage;

and real human paraphrase, the Clough answers of category ``light`` and ``heavy``
(``paraphrase-light``, ``paraphrase-heavy``: the whole answer is the case, its source its
task's Wikipedia original), with the ``non`` answers as their negatives (``clough-non``).
All posts go through one Detector (sources first; distinct authors, increasing
``created_at``). Fillers recur across posts, so posts also match earlier posts; only matches
to sources are evaluated.

Measures (Potthast et al., "An Evaluation Framework for Plagiarism Detection", COLING 2010).
A case s and a detection r are each a post span with a source span; r detects s when both
spans overlap in the same post and the same source; s ⊓ r is then the characters they share
in the post plus in the source (else empty), and |s|, |r| count both documents' characters.

    precision   = mean over detections r of |U_s (s ⊓ r)| / |r|   (a wrong source counts 0)
    recall      = mean over cases s of |U_r (s ⊓ r)| / |s|
    granularity = mean over detected cases of the number of detections detecting it
    plagdet     = F1 / log2(1 + granularity)

Clough does not align an answer with the part of the source it rewrites, so the Clough posts
count the post side only: recall is the share of the answer covered by detections naming its
source, precision the share of a detection in a plagiarised answer naming its source. An
``overall`` row pools the detections and the cases of its rows, each measured by its kind.
Goal of the product: granularity <= 1.2 with precision >= 0.9 (the ``goal`` column).

--exhaustive verifies every pair without the index (what alignment alone finds); --max-matches
raises Options.max_matches (posts sharing filler with many earlier posts can push a source out).

    python benchmarks/quality_passages.py [--seed 1] [--posts 400] [--show-failures K]
                                          [--exhaustive] [--max-matches N] [--threshold T]
                                          [--kinds replaced,paraphrase]
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence, Set
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from obfuscation import Vocabulary, inflect_words, insert_clauses, light_edit, replace_words

from dupfeed import Detector, Options, Post, Source
from dupfeed.readers import read_sources

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
EPOCH = datetime(2024, 3, 1, tzinfo=UTC)
BASE_KINDS = ("verbatim", "light", "reordered")  # the first --posts posts, with "none"
ADDED_KINDS = ("replaced", "inflected", "inserted")  # as many posts each as "verbatim"
PARAPHRASE = {"light": "paraphrase-light", "heavy": "paraphrase-heavy", "non": "clough-non"}
KINDS = BASE_KINDS + ADDED_KINDS + ("paraphrase-light", "paraphrase-heavy")  # what --kinds picks
ROWS = ("none",) + KINDS + ("clough-non",)
POST_SIDE = {"paraphrase-light", "paraphrase-heavy", "clough-non"}  # no source alignment: post side only
LANGS = {"en": "English", "fr": "French"}
FRENCH_SHARE = 1 / 3  # of the posts
DONOR_SHARE = 1 / 3  # of the French pages, kept out of the sources as filler
_STOP = {
    "en": set("the and of to is that in for with it was are this as be on".split()),
    "fr": set("le la les des est et une du que dans pour pas qui sur au".split()),
    "de": set("der die und das ist nicht mit ein zu den sich auch von im".split()),
}
_BOUNDARY = re.compile(r"(?<=[.!?…])[»\"”’')\]]*\s+(?=[«\"“‘(\[]?\s?[A-ZÀ-ÖØ-Þ0-9])")
_ENDS = re.compile(r"[.!?…][»\"”’')\]]*$")


class Pair(NamedTuple):
    """A gold case or a detection: a post span and the source span it copies."""

    post: str
    post_start: int
    post_end: int
    source: str
    source_start: int
    source_end: int


class Planned(NamedTuple):
    post: Post
    lang: str
    kind: str
    cases: list[Pair]


def n_words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def words_of(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def language(text: str) -> str:
    tokens = Counter(re.findall(r"\w+", text.lower()))
    return max(_STOP, key=lambda lang: sum(tokens[w] for w in _STOP[lang]))


def sentences(text: str, *, wrapped: bool = False) -> list[tuple[int, int]]:
    """Sentence spans of ``text``; a line break ends a sentence unless the text is hard-wrapped."""
    cuts = re.compile(_BOUNDARY.pattern + "|" + (r"\n\s*\n" if wrapped else r"\s*\n\s*"))
    out, start = [], 0
    for cut in [*cuts.finditer(text), None]:
        end = cut.start() if cut else len(text)
        piece = text[start:end]
        if piece.strip():
            out.append((start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())))
        start = cut.end() if cut else end
    return out


def run_of(rng, spans, text, lo, hi, ok, *, min_n=1, max_n=4):
    """``min_n``..``max_n`` consecutive sentences, each ``ok``, with ``lo``..``hi`` words in all."""
    for _ in range(500):
        n = rng.randint(min_n, max_n)
        start = rng.randrange(len(spans))
        run = spans[start : start + n]
        if len(run) == n and all(map(ok, run)) and lo <= n_words(text[run[0][0] : run[-1][1]]) <= hi:
            return run
    return None


class Corpus(NamedTuple):
    """What posts are built from: the sources with their usable sentences, fillers, words."""

    sources: list[Source]
    spans: dict[str, list[tuple[int, int]]]  # sentences of each source
    usable: dict[str, set[tuple[int, int]]]  # of them, those a passage may copy
    pool: dict[str, list[Source]]  # per language, the sources with a usable sentence
    fillers: dict[str, list[str]]  # per language
    donors: list[str]  # the French pages kept out of the sources as filler
    vocabulary: dict[str, Vocabulary]  # per language
    clough: list[tuple[str, str, list[tuple]]]  # (kind, text, gold) of each Clough answer posted


def load(pages: Path, clough: Path, rng: random.Random) -> Corpus:
    """Sources (all but the French donors), passage pools per language, and filler pools."""
    read = read_sources(pages).records
    langs = {s.id: language(s.text) for s in read}
    french = sorted(s.id for s in read if langs[s.id] == "fr")
    donors = set(rng.sample(french, round(len(french) * DONOR_SHARE)))
    sources = [s for s in read if s.id not in donors]
    for path in sorted((clough / "texts").glob("orig_task*.txt")):
        sources.append(Source(id=path.name, text=path.read_text(encoding="utf-8")))
        langs[path.name] = "en"
    spans = {s.id: sentences(s.text, wrapped=s.id.startswith("orig_")) for s in sources}
    # Passages are whole sentences of prose (not headings or menu lines) whose words occur once in
    # all sources: a detection of another occurrence would otherwise count as false.
    everything = "\n".join(words_of(s.text) for s in sources)
    usable = {
        s.id: {
            (a, b)
            for a, b in spans[s.id]
            if everything.count(words_of(s.text[a:b])) == 1 and n_words(s.text[a:b]) >= 4 and _ENDS.search(s.text[a:b])
        }
        for s in sources
    }
    pool = {lang: [s for s in sources if langs[s.id] == lang and usable[s.id]] for lang in LANGS}
    fillers = {"en": [], "fr": []}
    answers = []
    lengths = {s.id: len(s.text) for s in sources}
    for line in (clough / "labels.csv").read_text(encoding="utf-8").splitlines()[1:]:
        name, task, category = line.split(",")
        if category not in PARAPHRASE:
            continue
        text = " ".join((clough / "texts" / name).read_text(encoding="utf-8").split())
        if category == "non":
            fillers["en"].append(text)
        # The whole answer rewrites its task's original; where in the original, Clough does not say.
        original = f"orig_task{task}.txt"
        answers.append(
            (PARAPHRASE[category], text, [] if category == "non" else [(0, len(text), original, 0, lengths[original])])
        )
    fillers["fr"] = [s.text for s in read if s.id in donors]
    vocabulary = {lang: Vocabulary([s.text for s in sources if langs[s.id] == lang] + fillers[lang], lang) for lang in LANGS}
    return Corpus(sources, spans, usable, pool, fillers, sorted(donors), vocabulary, answers)


def obfuscate(kind: str, text: str, lang: str, rng: random.Random, corpus: Corpus) -> str:
    if kind == "verbatim":
        return text
    if kind == "light":
        return light_edit(text, rng)
    if kind == "replaced":
        return replace_words(text, rng, corpus.vocabulary[lang])
    if kind == "inflected":
        return inflect_words(text, rng, lang)
    return insert_clauses(text, rng, corpus.fillers[lang])


def compose(lang: str, kind: str, rng: random.Random, corpus: Corpus) -> tuple[str, list[tuple]]:
    """A post of real filler with, unless ``kind`` is ``none``, one source passage obfuscated so;
    returns its text and its gold cases as (post start, post end, source, start, end)."""
    run = None
    while not run:
        donor = rng.choice(corpus.fillers[lang])
        run = run_of(rng, sentences(donor), donor, 40, 150, lambda s, donor=donor: n_words(donor[s[0] : s[1]]) >= 3, max_n=15)
    pieces = [(donor[a:b], None) for a, b in run]
    if kind != "none":
        got = None
        while not got:
            source = rng.choice(corpus.pool[lang])
            article, ok = source.text, corpus.usable[source.id].__contains__
            got = run_of(rng, corpus.spans[source.id], article, 15, 120, ok, min_n=2 if kind == "reordered" else 1)
        if kind == "reordered":
            order = list(got)
            # No two sentences kept next to each other in source order: each is its own case.
            while any(got.index(b) == got.index(a) + 1 for a, b in itertools.pairwise(order)):
                rng.shuffle(order)
            copied = [(article[a:b], (source.id, a, b)) for a, b in order]
        else:
            a, b = got[0][0], got[-1][1]
            copied = [(obfuscate(kind, article[a:b], lang, rng, corpus), (source.id, a, b))]
        at = rng.randint(0, len(pieces))
        pieces[at:at] = copied
    text, cases = "", []
    for piece, gold in pieces:
        text += (" " if text else "") + piece
        if gold:
            cases.append((len(text) - len(piece), len(text), *gold))
    return text, cases


def plan_posts(n: int, seed: int, rng: random.Random, corpus: Corpus) -> list[Planned]:
    """The ``n`` posts of the base kinds in a seeded order (70% with a source passage), then
    the added kinds' and the Clough answers, shuffled among themselves."""
    jobs = []
    for lang, count in (("fr", round(n * FRENCH_SHARE)), ("en", n - round(n * FRENCH_SHARE))):
        none = round(count * 0.3)
        jobs += [(lang, "none")] * none + [(lang, BASE_KINDS[i % 3]) for i in range(count - none)]
    rng.shuffle(jobs)
    made = [(lang, kind, *compose(lang, kind, rng, corpus)) for lang, kind in jobs]
    # Each added kind has its own generator, and its posts come after the base posts (which never
    # compare with later posts): the base posts and their figures stay those of a run without them.
    per_lang = Counter(lang for lang, kind in jobs if kind == "verbatim")
    added = []
    for kind in ADDED_KINDS:
        own = random.Random(f"{seed}:{kind}")
        added += [(lang, kind, *compose(lang, kind, own, corpus)) for lang in LANGS for _ in range(per_lang[lang])]
    added += [("en", kind, text, cases) for kind, text, cases in corpus.clough]
    random.Random(f"{seed}:order").shuffle(added)
    planned = []
    for number, (lang, kind, text, cases) in enumerate(made + added):
        post_id = f"{lang}-{number:04d}-{kind}"
        post = Post(id=post_id, text=text, author=f"user{number:04d}", created_at=EPOCH + timedelta(minutes=number))
        planned.append(Planned(post, lang, kind, [Pair(post_id, *case) for case in cases]))
    return planned


def union_length(intervals) -> int:
    total, reach = 0, -1
    for a, b in sorted(intervals):
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


def shared(s: Pair, r: Pair):
    """s ⊓ r as (post interval, source interval), or None when r does not detect s."""
    if s.post != r.post or s.source != r.source:
        return None
    post = (max(s.post_start, r.post_start), min(s.post_end, r.post_end))
    source = (max(s.source_start, r.source_start), min(s.source_end, r.source_end))
    return (post, source) if post[0] < post[1] and source[0] < source[1] else None


def measure(cases: list[Pair], detections: list[Pair], post_side: Set[str] = frozenset()) -> dict:
    """PAN's measures; in the posts of ``post_side`` only post characters count (no source alignment)."""
    by_post = defaultdict(list)
    for s in cases:
        by_post[s.post].append(s)
    precision, hits = [], defaultdict(list)
    for r in detections:
        found = [(s, x) for s in by_post[r.post] if (x := shared(s, r))]
        for s, x in found:
            hits[s].append(x)
        both = r.post not in post_side
        size = (r.post_end - r.post_start) + both * (r.source_end - r.source_start)
        got = union_length(x[0] for _, x in found) + both * union_length(x[1] for _, x in found)
        precision.append(got / size if size else 0.0)
    recall = []
    for s in cases:
        both = s.post not in post_side
        got = union_length(x[0] for x in hits[s]) + both * union_length(x[1] for x in hits[s])
        recall.append(got / ((s.post_end - s.post_start) + both * (s.source_end - s.source_start)))
    detected = [len(hits[s]) for s in cases if hits[s]]
    p, r, g = (sum(x) / len(x) if x else None for x in (precision, recall, detected))
    f1 = 2 * p * r / (p + r) if p and r else 0.0
    plagdet = f1 / math.log2(1 + g) if g else (0.0 if cases else None)
    per_case = {s: (recall[i], len(hits[s])) for i, s in enumerate(cases)}
    return {
        "cases": len(cases),
        "detections": len(detections),
        "false": precision.count(0.0),
        "precision": p,
        "recall": r,
        "granularity": g,
        "plagdet": plagdet,
        "per_case": per_case,
    }


def measure_group(group: list[Planned], detections: list[Pair]) -> dict:
    """The measures over the posts of ``group``, each case and detection measured by its kind."""
    ids = {p.post.id for p in group}
    post_side = {p.post.id for p in group if p.kind in POST_SIDE}
    m = measure([s for p in group for s in p.cases], [r for r in detections if r.post in ids], post_side)
    return m | {"posts": len(group)}


def cells(m: dict, columns: Sequence[str]) -> Iterator[str]:
    return ("-" if m[c] is None else f"{m[c]:.3f}" if isinstance(m[c], float) else str(m[c]) for c in columns)


def print_table(title: str, planned: list[Planned], detections: list[Pair]) -> None:
    columns = ("posts", "cases", "detections", "false", "precision", "recall", "granularity", "plagdet")
    rows = [kind for kind in (*ROWS, "overall") if any(kind in (p.kind, "overall") for p in planned)]
    width = max(12, *(len(kind) + 1 for kind in rows))
    print(f"{title}\n{'obfuscation':<{width}}" + "".join(f"{c:>12}" for c in columns))
    for kind in rows:
        group = [p for p in planned if kind in (p.kind, "overall")]
        print(f"{kind:<{width}}" + "".join(f"{c:>12}" for c in cells(measure_group(group, detections), columns)))


def print_summary(planned: list[Planned], detections: list[Pair]) -> None:
    """Per obfuscation and language, and overall: the figures the product's goal is judged on."""
    columns = ("cases", "precision", "recall", "granularity", "plagdet")
    print("Summary (goal: granularity <= 1.2 with precision >= 0.9; paraphrase and clough-non on the post side only)")
    print(f"{'obfuscation':<18}{'lang':<6}" + "".join(f"{c:>12}" for c in columns) + f"{'goal':>8}")
    rows = [(kind, lang) for kind in KINDS for lang in LANGS] + [("overall", lang) for lang in (*LANGS, "all")]
    for kind, lang in rows:
        group = [p for p in planned if kind in (p.kind, "overall") and lang in (p.lang, "all")]
        if any(p.cases for p in group) or (kind == "overall" and group):
            m = measure_group(group, detections)
            met = (
                "-" if not m["cases"] else "met" if (m["precision"] or 0) >= 0.9 and (m["granularity"] or 0) <= 1.2 else "missed"
            )
            print(f"{kind:<18}{lang.upper():<6}" + "".join(f"{c:>12}" for c in cells(m, columns)) + f"{met:>8}")


def print_verdicts(planned: list[Planned], findings: dict, max_matches: int) -> None:
    def kinds(group):
        return ", ".join(f"{k} {n}" for k, n in sorted(Counter(p.kind for p in group).items()))

    def matched(p):
        return p.cases[0].source in {m.id for m in findings[p.post.id].matches}

    copying = [p for p in planned if p.cases]
    missed = [p for p in copying if findings[p.post.id].verdict == "original"]
    short = [p for p in missed if matched(p)]
    unmatched = [p for p in copying if not matched(p)]
    full = [p for p in unmatched if len(findings[p.post.id].matches) == max_matches]
    alarms = [p for p in planned if not p.cases and findings[p.post.id].verdict != "original"]
    by_source = [p for p in alarms if any(m.kind == "source" for m in findings[p.post.id].matches)]
    print(
        f"posts with a passage whose verdict is 'original' (missed): {len(missed)}/{len(copying)} [{kinds(missed)}], "
        f"{len(short)} of them matched to their source below revision_containment"
    )
    print(
        f"posts with a passage not matched to its source: {len(unmatched)} [{kinds(unmatched)}], {len(full)} of "
        f"them with {max_matches} matches (= max_matches: earlier posts may have pushed the source out)"
    )
    print(
        f"posts without a passage whose verdict is not 'original' (false alarms): {len(alarms)}/{len(planned) - len(copying)}"
        f", {len(by_source)} of them with a source match (the rest share filler with earlier posts)\n"
    )


def print_failures(k: int, planned: list[Planned], detections: list[Pair], texts: dict) -> None:
    def quote(doc: str, a: int, b: int) -> str:
        piece = " ".join(texts[doc][a:b].split())
        return f"{doc} [{a},{b}) " + repr(piece if len(piece) <= 160 else f"{piece[:80]} … {piece[-80:]}")

    def show(label: str, x: Pair) -> None:
        print(f"  {label:<6} {quote(x.post, x.post_start, x.post_end)}")
        print(f"         {quote(x.source, x.source_start, x.source_end)}")

    per_case = measure_group(planned, detections)["per_case"]
    cases = {p.post.id: p.cases for p in planned}
    print(f"\n{k} worst cases (lowest recall, then most detections), with all source detections in their post:")
    for s, (recall, count) in sorted(per_case.items(), key=lambda item: (item[1][0], -item[1][1], item[0]))[:k]:
        print(f"- recall {recall:.3f}, detected by {count}")
        show("gold", s)
        for r in detections:
            if r.post == s.post:
                show("found", r)
    false = sorted(
        (r for r in detections if not any(shared(s, r) for s in cases[r.post])), key=lambda r: (r.post_start - r.post_end, r.post)
    )
    print(f"\n{min(k, len(false))} longest false detections (of {len(false)}):")
    for r in false[:k]:
        show("-", r)


def kinds_arg(value: str) -> set[str]:
    """``--kinds``: obfuscations separated by commas; ``paraphrase`` stands for both Clough kinds."""
    chosen = set()
    for name in filter(None, (v.strip() for v in value.split(","))):
        found = [k for k in KINDS if k == name or (name == "paraphrase" and k.startswith("paraphrase-"))]
        if not found:
            raise argparse.ArgumentTypeError(f"unknown kind {name!r}; choose among {', '.join(KINDS)}, paraphrase")
        chosen.update(found)
    if not chosen:
        raise argparse.ArgumentTypeError("no kind given")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=400, help="posts of the base kinds (none, verbatim, light, reordered)")
    parser.add_argument(
        "--kinds", type=kinds_arg, default=set(KINDS), help=f"comma-separated, of: {', '.join(KINDS)} (default all)"
    )
    parser.add_argument("--show-failures", type=int, default=0, metavar="K", help="print the K worst cases")
    parser.add_argument("--exhaustive", action="store_true", help="verify every pair, no index: alignment alone")
    parser.add_argument("--max-matches", type=int, default=Options().max_matches, help="Options.max_matches")
    parser.add_argument("--threshold", type=float, default=Options().lsh_threshold, help="Options.lsh_threshold")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = load(args.corpora / "pages" / "html", args.corpora / "clough-dev", rng)
    # Every kind is built, then the posts of the kinds not chosen are left out: a post is the same
    # whatever --kinds says. The negatives come with the kinds they test.
    chosen = set(args.kinds)
    if chosen - set(PARAPHRASE.values()):
        chosen.add("none")
    if chosen & set(PARAPHRASE.values()):
        chosen.add("clough-non")
    planned = [p for p in plan_posts(args.posts, args.seed, rng, corpus) if p.kind in chosen]
    detector = Detector(Options(exhaustive=args.exhaustive, max_matches=args.max_matches, lsh_threshold=args.threshold))
    detector.add_sources(corpus.sources)
    findings = {f.id: f for f in detector.scan([p.post for p in planned])}
    # Only matches to sources are evaluated: fillers are reused, so posts also match earlier posts.
    detections = [
        Pair(f.id, s.post_start, s.post_end, m.id, s.match_start, s.match_end)
        for f in findings.values()
        for m in f.matches
        if m.kind == "source"
        for s in m.spans
    ]
    given = ", ".join(f"{n}={getattr(detector.options, n)!r}" for n in ("exhaustive", "max_matches", "lsh_threshold"))
    print(
        f"seed {args.seed}: {len(planned)} posts, {len(corpus.sources)} sources, French filler from {len(corpus.donors)} pages "
        f"kept out of the sources; Options({given}), the rest default\n"
    )
    for lang, name in LANGS.items():
        group = [p for p in planned if p.lang == lang]
        if group:
            print_table(name, group, [r for r in detections if r.post.startswith(lang)])
            print_verdicts(group, findings, detector.options.max_matches)
    print_summary(planned, detections)
    if args.show_failures:
        texts = {s.id: s.text for s in corpus.sources} | {p.post.id: p.post.text for p in planned}
        print_failures(args.show_failures, planned, detections, texts)


if __name__ == "__main__":
    main()
