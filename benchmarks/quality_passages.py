"""Copied-passage quality: PAN-style character precision, recall, granularity and plagdet.

No corpus here marks copied passages, so gold is built by construction from real text,
deterministically for a seed. Sources are the main text of the web pages in
``../shared/corpora/pages/html`` (read with ``dupfeed.readers.read_sources`` at run time) and
the three Clough Wikipedia originals. A post's own words are real human writing: for English
posts a Clough answer of category ``non``, for French posts sentences of a French page kept
out of the sources (a "donor"; were it a source, the filler itself would be copied text). The
language of a page is guessed from its common words: ``lang`` in ``gold.json`` is wrong for
the German pages and two others. Filler is 40-150 words cut at sentence boundaries. Into
70% of posts one passage of a random source of the post's language is inserted at a
sentence boundary of the filler: 1-4 whole sentences, 15-120 words, found in no other source,
in one of three obfuscations in equal shares:

- ``verbatim``: the source text as is;
- ``light``: ~10% of the words edited (deleted, swapped with the next word, misspelt into a
  plausible variant, or changed in case or punctuation);
- ``reordered``: 2-4 sentences in another order; each sentence is then its own gold case.

The other 30% of posts have no passage: any source detection in them is false. All posts go
through one Detector (sources first; distinct authors, increasing ``created_at``). Fillers are
reused across posts, so posts also match earlier posts; only matches to sources are evaluated.

Measures (Potthast et al., "An Evaluation Framework for Plagiarism Detection", COLING 2010).
A case s and a detection r are each a post span with a source span; r detects s when both
spans overlap in the same post and the same source; s ⊓ r is then the characters they share
in the post plus in the source (else empty), and |s|, |r| count both documents' characters.

    precision   = mean over detections r of |U_s (s ⊓ r)| / |r|   (a wrong source counts 0)
    recall      = mean over cases s of |U_r (s ⊓ r)| / |s|
    granularity = mean over detected cases of the number of detections detecting it
    plagdet     = F1 / log2(1 + granularity)

    python benchmarks/quality_passages.py [--seed 1] [--posts 400] [--show-failures K]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dupfeed import Detector, Options, Post, Source  # noqa: E402
from dupfeed.readers import read_sources  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
EPOCH = datetime(2024, 3, 1, tzinfo=timezone.utc)
KINDS = ("none", "verbatim", "light", "reordered")
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
_VOWELS = "aeiou"


class Case(NamedTuple):
    post: str
    post_start: int
    post_end: int
    source: str
    source_start: int
    source_end: int


class Detection(NamedTuple):
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
    cases: list[Case]


def n_words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def language(text: str) -> str:
    tokens = Counter(re.findall(r"\w+", text.lower()))
    return max(_STOP, key=lambda lang: sum(tokens[w] for w in _STOP[lang]))


def sentences(text: str, *, wrapped: bool = False) -> list[tuple[int, int]]:
    """Sentence spans of ``text``; a line break ends a sentence unless the text is hard-wrapped."""
    breaks = r"\n\s*\n" if wrapped else r"\n"
    out = []
    for para in re.finditer(rf"(?:(?!{breaks})[\s\S])+", text):
        start = para.start()
        for cut in list(_BOUNDARY.finditer(para.group())) + [None]:
            end = para.start() + cut.start() if cut else para.end()
            piece = text[start:end]
            lead = len(piece) - len(piece.lstrip())
            if piece.strip():
                out.append((start + lead, start + len(piece.rstrip())))
            start = para.start() + cut.end() if cut else end
    return out


def run_of(rng, spans, text, lo, hi, *, min_n=1, max_n=4, ok=lambda s: True):
    """Consecutive sentences, ``min_n``..``max_n`` of them, with ``lo``..``hi`` words in all."""
    for _ in range(500):
        n = rng.randint(min_n, max_n)
        start = rng.randrange(len(spans))
        run = spans[start : start + n]
        if len(run) == n and all(ok(text[a:b]) for a, b in run) and lo <= n_words(text[run[0][0] : run[-1][1]]) <= hi:
            return run
    return None


def variant(word: str, rng: random.Random) -> str:
    """A misspelling that still looks like a word: a vowel changed, two letters swapped, a letter doubled."""
    m = re.match(r"^(\W*)(\w+)(\W*)$", word)
    if not m or len(m.group(2)) < 4 or not m.group(2).isalpha():
        return word.upper() if word.islower() else word.lower()
    pre, core, post = m.groups()
    i = rng.randrange(1, len(core) - 1)
    vowels = [j for j in range(1, len(core) - 1) if core[j].lower() in _VOWELS]
    how = rng.randrange(3)
    if how == 0 and vowels:
        j = rng.choice(vowels)
        core = core[:j] + rng.choice([v for v in _VOWELS if v != core[j].lower()]) + core[j + 1 :]
    elif how == 1:
        core = core[:i] + core[i + 1] + core[i] + core[i + 2 :]
    else:
        core = core[:i] + core[i] + core[i:]
    return pre + core + post


def light_edit(text: str, rng: random.Random) -> str:
    """Edit ~10% of the words: delete one, swap it with the next, misspell it, or change case/punctuation."""
    tokens = text.split()
    for i in sorted(rng.sample(range(len(tokens)), max(1, round(len(tokens) / 10))), reverse=True):
        how = rng.choice(("delete", "swap", "variant", "case"))
        if how == "delete" and len(tokens) > 1:
            del tokens[i]
        elif how == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif how == "variant":
            tokens[i] = variant(tokens[i], rng)
        else:
            word = tokens[i]
            tokens[i] = word.rstrip(",;") if word[-1] in ",;" else (word.swapcase() if rng.random() < 0.5 else word + ",")
    return " ".join(tokens)


def load(pages: Path, clough: Path, rng: random.Random):
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
    # A passage must come from one source only, or a detection against its twin would be "false".
    seen = Counter(" ".join(s.text[a:b].split()) for s in sources for a, b in spans[s.id])
    unique = {s.id: [(a, b) for a, b in spans[s.id] if seen[" ".join(s.text[a:b].split())] == 1] for s in sources}
    pool = {lang: [s for s in sources if langs[s.id] == lang and unique[s.id]] for lang in LANGS}
    fillers = {"en": [], "fr": []}
    for line in (clough / "labels.csv").read_text(encoding="utf-8").splitlines()[1:]:
        name, _, category = line.split(",")
        if category == "non":
            fillers["en"].append(" ".join((clough / "texts" / name).read_text(encoding="utf-8").split()))
    fillers["fr"] = [s.text for s in read if s.id in donors]
    return sources, spans, unique, pool, fillers, sorted(donors)


def prose(sentence: str) -> bool:
    return n_words(sentence) >= 4 and bool(_ENDS.search(sentence))


def plan_posts(n: int, rng: random.Random, spans, unique, pool, fillers) -> list[Planned]:
    """Posts of real filler, 70% with one inserted source passage, in a seeded order."""
    jobs = []
    for lang, count in (("fr", round(n * FRENCH_SHARE)), ("en", n - round(n * FRENCH_SHARE))):
        none = round(count * 0.3)
        kinds = ["none"] * none + [KINDS[1 + i % 3] for i in range(count - none)]
        jobs += [(lang, kind) for kind in kinds]
    rng.shuffle(jobs)
    planned = []
    for number, (lang, kind) in enumerate(jobs):
        while True:
            donor = rng.choice(fillers[lang])
            run = run_of(rng, sentences(donor), donor, 40, 150, max_n=15, ok=lambda s: n_words(s) >= 3)
            if run:
                break
        pieces = [(donor[a:b], None) for a, b in run]
        if kind != "none":
            while True:
                source = rng.choice(pool[lang])
                ok = set(unique[source.id])
                got = run_of(rng, spans[source.id], source.text, 15, 120, min_n=2 if kind == "reordered" else 1,
                             ok=prose)
                if got and all(s in ok for s in got):
                    break
            text = source.text
            if kind == "reordered":
                order = list(got)
                while order == got:
                    rng.shuffle(order)
                copied = [(text[a:b], (source.id, a, b)) for a, b in order]
            else:
                a, b = got[0][0], got[-1][1]
                copied = [(text[a:b] if kind == "verbatim" else light_edit(text[a:b], rng), (source.id, a, b))]
            at = rng.randint(0, len(pieces))
            pieces[at:at] = copied
        post_id = f"{lang}-{number:04d}-{kind}"
        text, cases = "", []
        for piece, gold in pieces:
            text += (" " if text else "") + piece
            if gold:
                cases.append(Case(post_id, len(text) - len(piece), len(text), *gold))
        post = Post(id=post_id, text=text, author=f"user{number:04d}", created_at=EPOCH + timedelta(minutes=number))
        planned.append(Planned(post, lang, kind, cases))
    return planned


def union_length(intervals) -> int:
    total, reach = 0, -1
    for a, b in sorted(intervals):
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


def shared(s: Case, r: Detection):
    """s ⊓ r as (post interval, source interval), or None when r does not detect s."""
    if s.post != r.post or s.source != r.source:
        return None
    post = (max(s.post_start, r.post_start), min(s.post_end, r.post_end))
    source = (max(s.source_start, r.source_start), min(s.source_end, r.source_end))
    return (post, source) if post[0] < post[1] and source[0] < source[1] else None


def measure(cases: list[Case], detections: list[Detection]) -> dict:
    by_post = defaultdict(list)
    for s in cases:
        by_post[s.post].append(s)
    precision, hits = [], defaultdict(list)
    for r in detections:
        found = [(s, x) for s in by_post[r.post] if (x := shared(s, r))]
        for s, x in found:
            hits[s].append(x)
        size = (r.post_end - r.post_start) + (r.source_end - r.source_start)
        got = union_length(x[0] for _, x in found) + union_length(x[1] for _, x in found)
        precision.append(got / size if size else 0.0)
    recall = [
        (union_length(x[0] for x in hits[s]) + union_length(x[1] for x in hits[s]))
        / ((s.post_end - s.post_start) + (s.source_end - s.source_start))
        for s in cases
    ]
    detected = [len(hits[s]) for s in cases if hits[s]]
    p = sum(precision) / len(precision) if precision else None
    r = sum(recall) / len(recall) if recall else None
    g = sum(detected) / len(detected) if detected else None
    f1 = 2 * p * r / (p + r) if p and r else 0.0
    return {
        "cases": len(cases),
        "detections": len(detections),
        "false": sum(1 for x in precision if x == 0),
        "precision": p,
        "recall": r,
        "granularity": g,
        "plagdet": f1 / math.log2(1 + g) if g else (0.0 if cases else None),
        "per_case": {s: (recall[i], len(hits[s])) for i, s in enumerate(cases)},
    }


def figure(value, digits=3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(title: str, planned: list[Planned], detections: list[Detection]) -> None:
    print(title)
    print(f"{'obfuscation':<12}{'posts':>6}{'cases':>7}{'detections':>12}{'false':>7}"
          f"{'precision':>11}{'recall':>8}{'granularity':>13}{'plagdet':>9}")
    for kind in KINDS + ("overall",):
        group = [p for p in planned if kind in (p.kind, "overall")]
        ids = {p.post.id for p in group}
        m = measure([s for p in group for s in p.cases], [r for r in detections if r.post in ids])
        print(f"{kind:<12}{len(group):>6}{m['cases']:>7}{m['detections']:>12}{m['false']:>7}"
              f"{figure(m['precision']):>11}{figure(m['recall']):>8}{figure(m['granularity'], 2):>13}"
              f"{figure(m['plagdet']):>9}")


def print_verdicts(planned: list[Planned], findings: dict) -> None:
    def source_ids(p):
        return {m.id for m in findings[p.post.id].matches if m.kind == "source"}

    copying = [p for p in planned if p.cases]
    missed = [p for p in copying if findings[p.post.id].verdict == "original"]
    unmatched = [p for p in copying if p.cases[0].source not in source_ids(p)]
    clean = [p for p in planned if not p.cases]
    alarms = [p for p in clean if findings[p.post.id].verdict != "original"]
    by_source = [p for p in alarms if source_ids(p)]
    print(f"posts with a passage whose verdict is 'original' (missed): {len(missed)}/{len(copying)}"
          f"  [{', '.join(sorted(Counter(p.kind for p in missed)))}]")
    print(f"posts with a passage with no match to their source: {len(unmatched)}/{len(copying)}")
    print(f"posts without a passage whose verdict is not 'original' (false alarms): {len(alarms)}/{len(clean)}"
          f", of which with a source match: {len(by_source)} (the rest share filler with earlier posts)")


def quote(text: str, a: int, b: int, width: int = 160) -> str:
    piece = " ".join(text[a:b].split())
    return repr(piece if len(piece) <= width else piece[: width // 2] + " … " + piece[-width // 2 :])


def print_failures(k: int, planned: list[Planned], detections: list[Detection], texts: dict) -> None:
    m = measure([s for p in planned for s in p.cases], detections)
    kind = {p.post.id: p.kind for p in planned}
    mine = defaultdict(list)
    for r in detections:
        mine[r.post].append(r)
    worst = sorted(m["per_case"].items(), key=lambda item: (item[1][0], -item[1][1], item[0]))[:k]
    print(f"\n{k} worst cases (lowest recall, then most fragments):")
    for s, (recall, count) in worst:
        post = texts[s.post]
        print(f"- {s.post} ({kind[s.post]}) recall {recall:.3f}, {count} detection(s)")
        print(f"  gold   post [{s.post_start},{s.post_end}) {quote(post, s.post_start, s.post_end)}")
        print(f"         {s.source} [{s.source_start},{s.source_end}) {quote(texts[s.source], s.source_start, s.source_end)}")
        for r in mine[s.post]:
            print(f"  found  post [{r.post_start},{r.post_end}) {quote(post, r.post_start, r.post_end)}")
            print(f"         {r.source} [{r.source_start},{r.source_end}) {quote(texts[r.source], r.source_start, r.source_end)}")
    false = [r for r in detections if not any(shared(s, r) for p in planned for s in p.cases if s.post == r.post)]
    false.sort(key=lambda r: (-(r.post_end - r.post_start), r.post))
    print(f"\n{min(k, len(false))} largest false detections (of {len(false)}):")
    for r in false[:k]:
        print(f"- {r.post} ({kind[r.post]}) post [{r.post_start},{r.post_end}) {quote(texts[r.post], r.post_start, r.post_end)}")
        print(f"  {r.source} [{r.source_start},{r.source_end}) {quote(texts[r.source], r.source_start, r.source_end)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--show-failures", type=int, default=0, metavar="K", help="print the K worst cases")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sources, spans, unique, pool, fillers, donors = load(args.corpora / "pages" / "html", args.corpora / "clough-dev", rng)
    planned = plan_posts(args.posts, rng, spans, unique, pool, fillers)
    detector = Detector(Options())
    detector.add_sources(sources)
    findings = {f.id: f for f in detector.scan([p.post for p in planned])}
    detections = [
        Detection(f.id, s.post_start, s.post_end, m.id, s.match_start, s.match_end)
        for f in findings.values()
        for m in f.matches
        if m.kind == "source"
        for s in m.spans
    ]
    full = sum(1 for f in findings.values() if len(f.matches) == detector.options.max_matches)
    print(f"seed {args.seed}: {len(planned)} posts, {len(sources)} sources "
          f"({', '.join(f'{len(v)} {LANGS[k]} with passages' for k, v in pool.items())}); "
          f"French filler from {len(donors)} pages kept out of the sources")
    print(f"posts whose matches hit max_matches={detector.options.max_matches} (a source match may be cut): {full}\n")
    for lang, name in LANGS.items():
        group = [p for p in planned if p.lang == lang]
        print_table(name, group, [r for r in detections if r.post.startswith(lang)])
        print_verdicts(group, findings)
        print()
    if args.show_failures:
        texts = {s.id: s.text for s in sources} | {p.post.id: p.post.text for p in planned}
        print_failures(args.show_failures, planned, detections, texts)


if __name__ == "__main__":
    main()
