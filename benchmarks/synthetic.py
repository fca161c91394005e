"""Seeded synthetic feeds for the speed benchmarks: source articles, posts, and the copies planted in them.

Words are drawn from a vocabulary ranked by a Zipf-Mandelbrot law, so a few function words are
very common and most words are rare, as in real text. The head of the vocabulary is the words
of the real texts in ``../shared/corpora`` (English and French answers and web pages, read at run
time and never stored here), so accents and elisions (``l'article``, ``qu'il``) occur naturally;
the tail is pseudo-words. Without the corpora the vocabulary is pseudo-words plus a short list of
French words. The same seed always gives the same texts.

Posts are 30-250 words with emoji, hashtags, mentions and links. About 10% paste a passage of an
article, 5% paste a lightly edited passage, 5% repost an earlier post; the rest are original.

    python benchmarks/synthetic.py [--articles 3] [--posts 8]   # prints a sample
"""

from __future__ import annotations

import argparse
import html
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dupfeed import Post, Source

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
EPOCH = datetime(2024, 3, 1, tzinfo=UTC)
PASTE, EDITED, REPOST = "paste", "edited", "repost"

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_TAG = re.compile(r"<[^>]+>")
_CODE = re.compile(r"<(script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_FRENCH = (
    "été déjà à où français réseau numérique société problème début après très même première "
    "l'article d'abord qu'il l'économie d'après j'ai n'est c'est s'il l'État jusqu'à lorsqu'on"
).split()
_EMOJI = ["🚀", "🔥", "👉", "✅", "💡", "🙏", "😅", "📈", "🤔", "👏🏽", "❤️", "🇫🇷"]
_SITES = ["lemonde-bis.example", "techwire.example", "lafeuille.example", "dailyfinch.example", "revue-nord.example"]


class Planted(NamedTuple):
    """A copy planted in a post: the document it copies and how."""

    doc: str
    kind: str  # PASTE, EDITED or REPOST


def _corpus_words() -> list[str]:
    """Words of the local real texts, most frequent first (empty when the corpora are absent)."""
    counts: Counter[str] = Counter()
    for path in sorted(CORPORA.glob("clough-dev/texts/*.txt")):
        counts.update(_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    for path in sorted(CORPORA.glob("pages/html/*.html")):
        page = _CODE.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
        counts.update(_WORD.findall(html.unescape(_TAG.sub(" ", page))))
    return [w for w, n in counts.most_common() if n >= 2 and len(w) < 20]


def _pseudo_words(n: int, rng: np.random.Generator) -> list[str]:
    onsets = "b c d f g h j k l m n p r s t v w z br ch cl dr fl gr pl pr sh st tr".split()
    vowels = "a e i o u ai ea ie ou y".split()
    out: set[str] = set()
    while len(out) < n:
        syllables = rng.integers(1, 5)
        out.add("".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables)) + rng.choice(["", "n", "s", "t", "r"]))
    return sorted(out)


class _Writer:
    """Draws words and sentences from the Zipf vocabulary."""

    def __init__(self, rng: np.random.Generator, size: int = 6000, exponent: float = 1.05):
        real = _corpus_words()[: size // 2] or _FRENCH
        vocab = real + _pseudo_words(size - len(real), rng)
        ranks = np.arange(len(vocab))
        weights = 1.0 / (ranks + 2.7) ** exponent
        self.vocab = np.array(vocab, dtype=object)
        self.cumulative = np.cumsum(weights / weights.sum())
        self.rng = rng

    def words(self, n: int) -> list[str]:
        idx = np.searchsorted(self.cumulative, self.rng.random(n), side="right")
        return self.vocab[np.minimum(idx, len(self.vocab) - 1)].tolist()

    def sentences(self, n_words: int) -> list[str]:
        """Sentences totalling ``n_words`` words, capitalised, with commas and end marks."""
        pool = self.words(n_words)
        out, i = [], 0
        while i < len(pool):
            length = int(self.rng.integers(6, 25))
            chunk = pool[i : i + length]
            i += length
            if len(chunk) > 6 and self.rng.random() < 0.4:
                cut = int(self.rng.integers(2, len(chunk) - 2))
                chunk[cut] += ","
            chunk[0] = chunk[0][:1].upper() + chunk[0][1:]
            out.append(" ".join(chunk) + self.rng.choice([".", ".", ".", "?", "!"]))
        return out

    def edit(self, tokens: list[str], rate: float = 0.08) -> list[str]:
        """Light edits: about ``rate`` of the words substituted, dropped, doubled with a new word, or misspelt."""
        out = []
        for token in tokens:
            if self.rng.random() >= rate:
                out.append(token)
                continue
            action = self.rng.integers(4)
            if action == 0:
                out.append(self.words(1)[0])
            elif action == 2:
                out.extend([token, self.words(1)[0]])
            elif action == 3 and len(token) > 3:
                j = int(self.rng.integers(1, len(token) - 1))
                out.append(token[: j - 1] + token[j] + token[j - 1] + token[j + 1 :])
            # action 1 (or a short word to misspell): the word is dropped
        return out


def articles(n: int, seed: int = 0) -> list[Source]:
    """``n`` source articles of 400-1200 words in paragraphs of two to six sentences."""
    rng = np.random.default_rng([seed, 1])
    writer = _Writer(rng)
    out = []
    for i in range(n):
        sentences = writer.sentences(int(rng.integers(400, 1201)))
        paragraphs, j = [], 0
        while j < len(sentences):
            step = int(rng.integers(2, 7))
            paragraphs.append(" ".join(sentences[j : j + step]))
            j += step
        site = _SITES[i % len(_SITES)]
        title = " ".join(sentences[0].split()[:6]).rstrip(".,?!")
        out.append(
            Source(
                id=f"a{i:05d}",
                text="\n\n".join(paragraphs),
                url=f"https://{site}/2024/{i}",
                title=title,
                site_name=site.split(".")[0],
            )
        )
    return out


def _decorate(text: str, writer: _Writer, rng: np.random.Generator, url: str | None) -> str:
    """Adds what feeds add around words: emoji, a link, mentions, hashtags, line breaks."""
    if rng.random() < 0.5:
        text = f"{rng.choice(_EMOJI)} {text}"
    if rng.random() < 0.2:
        text += f" cc @{writer.words(1)[0].lower().replace(chr(39), '')}_{int(rng.integers(100))}"
    if url or rng.random() < 0.25:
        text += f"\n\n👉 {url or f'https://example.org/p/{int(rng.integers(1 << 30)):x}?utm_source=feed'}"
    if rng.random() < 0.6:
        text += "\n\n" + " ".join(f"#{w.capitalize()}" for w in writer.words(int(rng.integers(1, 5))))
    return text


def posts(n: int, sources: list[Source], seed: int = 0) -> tuple[list[Post], dict[str, Planted]]:
    """``n`` posts a minute apart, and the copies planted in them (post id -> :class:`Planted`).

    A pasted passage is 30-150 words of one article, alone or between a few words of comment; an
    edited one has about 8% of its words changed; a repost copies an earlier post whole,
    half the time by its own author, sometimes with a new opening line or hashtags.
    """
    rng = np.random.default_rng([seed, 2])
    writer = _Writer(np.random.default_rng([seed, 1]))
    writer.rng = rng
    authors = [f"user{i}" for i in range(max(n // 20, 10))]
    author_weights = 1.0 / np.arange(1, len(authors) + 1)
    author_weights /= author_weights.sum()
    out: list[Post] = []
    truth: dict[str, Planted] = {}
    for i in range(n):
        pid, roll = f"p{i:06d}", rng.random()
        author = authors[int(rng.choice(len(authors), p=author_weights))]
        url = None
        if roll < 0.15 and sources:
            source = sources[int(rng.integers(len(sources)))]
            tokens = source.text.split()
            length = min(int(rng.integers(30, 151)), len(tokens))
            start = int(rng.integers(0, len(tokens) - length + 1))
            passage = tokens[start : start + length]
            kind = PASTE if roll < 0.10 else EDITED
            if kind == EDITED:
                passage = writer.edit(passage)
            before = " ".join(writer.sentences(int(rng.integers(0, 20)))) if rng.random() < 0.6 else ""
            after = " ".join(writer.sentences(int(rng.integers(0, 15)))) if rng.random() < 0.4 else ""
            text = " ".join(filter(None, [before, "«\u202f" + " ".join(passage) + "\u202f»", after]))
            url = source.url if rng.random() < 0.3 else None
            truth[pid] = Planted(source.id, kind)
        elif roll < 0.20 and out:
            earlier = out[int(rng.integers(len(out)))]
            text = earlier.text
            if rng.random() < 0.3:
                text = f"{rng.choice(['Repost', 'Ça vaut le coup de le relire', 'Still true'])} {rng.choice(_EMOJI)}\n{text}"
            if rng.random() < 0.5:
                author = earlier.author
            truth[pid] = Planted(earlier.id, REPOST)
            out.append(Post(pid, text, author, EPOCH + timedelta(minutes=i)))
            continue
        else:
            length = int(np.clip(rng.lognormal(4.4, 0.55), 30, 250))
            text = " ".join(writer.sentences(length))
        out.append(
            Post(pid, _decorate(text, writer, rng, url), author, EPOCH + timedelta(minutes=i), links=(url,) if url else ())
        )
    return out, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3)
    parser.add_argument("--posts", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sources = articles(args.articles, args.seed)
    feed, truth = posts(args.posts, sources, args.seed)
    print(f"--- {sources[0].id} ({len(sources[0].text.split())} words)\n{sources[0].text[:600]}…\n")
    for post in feed:
        print(f"--- {post.id} by {post.author}, planted: {truth.get(post.id)}\n{post.text}\n")


if __name__ == "__main__":
    main()
