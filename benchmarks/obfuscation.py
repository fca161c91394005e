"""The edits a copier makes to a passage, as test data for ``quality_passages.py``.

Each function takes the passage and a seeded ``random.Random`` and returns the edited text; the
same generator state gives the same edit. These rules only build test data: they are crude on
purpose (an inflection rule may make a word that does not exist), and no detector code uses them.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

_VOWELS = "aeiou"
_WORD = re.compile(r"[^\W\d_]+")
# Closed-class words, kept by the word edits: a copier who rewords changes what the text is
# about, not its grammar. Elided French articles (l', d', qu') are single letters, never edited.
FUNCTION_WORDS = {
    "en": set(
        "a an the this that these those my your his her its our their mine yours him them they we you he she it"
        " me us who whom whose which what where when why how there here and or but nor so yet if then than"
        " because as while although though unless since until of in on at to for from by with about against"
        " between into through during before after above below over under up down out off again further once"
        " all any both each few more most other some such no not only own same very too can will just should"
        " would could may might must shall do does did doing done have has had having be is am are was were"
        " been being also however thus therefore one many much every either neither".split()
    ),
    "fr": set(
        "le la les un une des du de au aux ce cet cette ces mon ma mes ton ta tes son sa ses notre nos votre"
        " vos leur leurs je tu il elle on nous vous ils elles me te se lui en moi toi soi eux qui que quoi"
        " dont où et ou mais donc or ni car si ne pas plus non jamais rien à dans par pour sur sous avec sans"
        " chez entre vers depuis pendant avant après contre selon comme quand lorsque puisque parce aussi très"
        " bien tout tous toute toutes même autre autres est sont être était étaient été ont avoir avait"
        " avaient ai as avons avez fait faire ça cela ceci celui celle ceux celles quel quelle quels quelles"
        " chaque plusieurs peu encore déjà alors ainsi".split()
    ),
}


def variant(word: str, rng: random.Random) -> str:
    """A misspelling that still looks like a word: a vowel changed, two letters swapped, a letter doubled."""
    m = re.match(r"^(\W*)([^\W\d_]{4,})(\W*)$", word)
    if not m:
        return word.swapcase()
    pre, core, post = m.groups()
    i = rng.randrange(1, len(core) - 2)
    how = rng.randrange(3)
    if how == 0 and core[i].lower() in _VOWELS:
        core = core[:i] + rng.choice([v for v in _VOWELS if v != core[i].lower()]) + core[i + 1 :]
    elif how == 1:
        core = core[:i] + core[i + 1] + core[i] + core[i + 2 :]
    else:
        core = core[:i] + core[i] + core[i:]
    return pre + core + post


def light_edit(text: str, rng: random.Random) -> str:
    """Edit ~10% of the words: delete one, swap it with the next, misspell it, or change case/punctuation."""
    tokens = text.split()
    for i in sorted(rng.sample(range(len(tokens)), max(1, round(len(tokens) / 10))), reverse=True):
        how, word = rng.choice(("delete", "swap", "variant", "case")), tokens[i]
        if how == "delete" and len(tokens) > 1:
            del tokens[i]
        elif how == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], word
        elif how == "variant":
            tokens[i] = variant(word, rng)
        else:
            tokens[i] = word[:-1] if word[-1] in ",;" else (word.swapcase() if rng.random() < 0.5 else word + ",")
    return " ".join(tokens)


def _content(text: str, lang: str) -> list[re.Match]:
    """The words an edit may change: lowercase as written (not a name or an acronym), three
    letters or more, and not a function word."""
    return [m for m in _WORD.finditer(text) if m[0].islower() and len(m[0]) >= 3 and m[0] not in FUNCTION_WORDS[lang]]


def _rewrite(text: str, changes: dict[int, str], words: Sequence[re.Match]) -> str:
    out, at = [], 0
    for i in sorted(changes):
        out += [text[at : words[i].start()], changes[i]]
        at = words[i].end()
    return "".join(out) + text[at:]


class Vocabulary:
    """The content words of one language's corpora, to replace a word by a real word of that
    language, as PAN's random word substitution does.

    No synonym list ships with the project's dependencies, and to a detector that compares
    words a synonym is as new a word as any other; so a replacement is a word of the same
    ending (its last two letters: -ed, -ly, -ns, -es keep a word class) and about the same
    length, drawn uniformly from the words seen at least twice in lower case.
    """

    def __init__(self, texts: Iterable[str], lang: str):
        seen = Counter(m[0] for text in texts for m in _content(text, lang))
        self.lang = lang
        self._by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(w for w, n in seen.items() if n >= 2):
            self._by_shape[word[-2:], len(word)].append(word)

    def substitute(self, word: str, rng: random.Random) -> str:
        """Another word of the same ending and a length within two letters, not of the same stem."""
        for d in (0, -1, 1, -2, 2):
            others = [w for w in self._by_shape.get((word[-2:], len(word) + d), ()) if w[:4] != word[:4]]
            if others:
                return rng.choice(others)
        return word


def replace_words(text: str, rng: random.Random, vocabulary: Vocabulary) -> str:
    """Replace 20-30% of the content words by other words of the language; function words stay."""
    words = _content(text, vocabulary.lang)
    if not words:
        return text
    chosen = rng.sample(range(len(words)), max(1, round(len(words) * rng.uniform(0.2, 0.3))))
    return _rewrite(text, {i: vocabulary.substitute(words[i][0], rng) for i in chosen}, words)


def _inflect_en(w: str, rng: random.Random) -> str | None:
    """Plural to singular and back, or another verb form (-ed, -ing, -s)."""
    if w.endswith(("ly", "ous", "ful", "less", "ble", "ical", "ward", "us", "is", "eed", "ness")) or len(w) < 4:
        return None
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("ied"):
        return w[:-3] + "ying"
    if w.endswith("ing") and len(w) > 5:
        return w[:-3] + rng.choice(("ed", "s"))
    if w.endswith("ed"):
        return w[:-2] + "ing"
    if w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    if w.endswith("y") and w[-2] not in _VOWELS:
        return w[:-1] + "ies"
    if w.endswith(("sh", "ch", "x", "z")):
        return w + "es"
    if rng.random() < 0.3:
        return w + ("d" if w.endswith("e") else "ed")
    return w + "s"


def _inflect_fr(w: str, rng: random.Random) -> str | None:
    """Gender and number (-e, -s, -es, -é/-ée/-és, -al/-aux, -eux/-euse), or a verb ending
    (-ait/-aient, -ent, -er/-é)."""
    if len(w) < 4 or w.endswith("ment") or (w.endswith("x") and not w.endswith(("aux", "eux"))):
        return None
    for ending, other in (
        ("ées", "é"),
        ("és", "ée"),
        ("ée", "és"),
        ("aient", "ait"),
        ("ait", "aient"),
        ("aux", "al"),
        ("euses", "eux"),
        ("euse", "eux"),
        ("eux", "euse"),
    ):
        if w.endswith(ending):
            return w[: -len(ending)] + other
    if w.endswith("é"):
        return w + rng.choice(("e", "s", "es"))
    if w.endswith("al"):
        return w[:-2] + "aux"
    if w.endswith("ent") and len(w) > 5:
        return w[:-2]
    if w.endswith("er") and len(w) > 4:
        return w[:-2] + "é"
    if w.endswith("es"):
        return w[:-1]
    if w.endswith("e"):
        return w + "s"
    if w.endswith("s"):
        return None if w.endswith(("ss", "us", "is", "os", "ès")) else w[:-1]
    return w + rng.choice(("e", "s"))


def inflect_words(text: str, rng: random.Random, lang: str) -> str:
    """Inflect ~30% of the content words that a rule allows otherwise (number, gender, tense)."""
    rule = _inflect_en if lang == "en" else _inflect_fr
    words = _content(text, lang)
    forms = {i: form for i, m in enumerate(words) if (form := rule(m[0], rng)) and form != m[0]}
    chosen = sorted(forms)
    chosen = rng.sample(chosen, max(1, round(len(chosen) * 0.3))) if chosen else []
    return _rewrite(text, {i: forms[i] for i in chosen}, words)


def _clause(rng: random.Random, fillers: Sequence[str]) -> list[str]:
    """6-15 consecutive words of one sentence of a random filler text, without the sentence's
    capital, quotes or end punctuation."""
    n = rng.randint(6, 15)
    while True:
        sentences = [[t for t in s.split() if re.search(r"\w", t)] for s in re.split(r"(?<=[.!?…»])\s+", rng.choice(fillers))]
        sentences = [s for s in sentences if len(s) >= n]
        if sentences:
            break
    tokens = rng.choice(sentences)
    start = rng.randrange(len(tokens) - n + 1)
    words = tokens[start : start + n]
    words[0] = words[0].lstrip('«"“‘(')
    words[-1] = words[-1].rstrip('.,;:!?…»"”’)')
    if words[0][:1].isupper() and not words[0].isupper():
        words[0] = words[0][0].lower() + words[0][1:]
    return words


def insert_clauses(text: str, rng: random.Random, fillers: Sequence[str]) -> str:
    """Insert 1-3 clauses of the post's filler language between words inside the passage, set
    off by commas, brackets or dashes, never right after a punctuation mark."""
    tokens = text.split()
    gaps = [i for i in range(2, len(tokens) - 1) if not re.search(r"[.,;:!?…)»\"”]$", tokens[i - 1])]
    if not gaps:
        return text
    for at in sorted(rng.sample(gaps, min(len(gaps), rng.randint(1, 3))), reverse=True):
        words = _clause(rng, fillers)
        how = rng.choice(("commas", "brackets", "dashes"))
        if how == "commas":
            tokens[at - 1] += ","
            words[-1] += ","
        elif how == "brackets":
            words[0], words[-1] = "(" + words[0], words[-1] + ")"
        else:
            words = ["—", *words, "—"]
        tokens[at:at] = words
    return " ".join(tokens)
