"""Raw text to MinHash signatures: dupfeed beside datasketch and rensa, in one run.

Every implementation starts from the same raw posts (``synthetic.posts``) and sketches word
3-gram shingles with 128 permutations. They differ in how they get there:

- dupfeed: ``tokenize`` on the whole batch (classify, fold and hash every word in numpy),
  then ``batch_shingles`` and ``MinHasher.signatures``, all vectorised;
- datasketch 2.x: a plain Python shingler (the text NFKC-folded and case-folded, words found
  with ``\\w+``, each 3-gram joined with spaces and encoded), then
  ``MinHash.bulk(..., scheme="affine32")`` with its default ``sha1_hash32``. Its words are
  nearly dupfeed's (it keeps elisions, URLs and mentions, which dupfeed drops): the count of
  shingles of each is printed;
- rensa: the same plain shingles as ``str``, one ``RMinHash`` per text (``update``/``digest``),
  and its bulk ``RMinHash.digest_matrix_from_token_sets``.

Each run is split into "prepare" (raw text to words or shingle strings) and "sketch" (to
signatures). Times are the best of ``--repeat`` runs, with the normalisation caches emptied
before each and the garbage collector paused during each (as ``timeit`` does); the
implementations take turns so that a noisy machine slows them alike: read the ratios, not the
absolute figures. Last, dupfeed's signatures are checked against
datasketch's ``MinHash(128, seed=1, scheme="affine32")`` fed dupfeed's own 32-bit shingle hashes.

    python benchmarks/speed_signatures.py [--texts 20000] [--repeat 4] [--kind posts|articles]
"""

from __future__ import annotations

import argparse
import gc
import re
import time
import unicodedata
from collections.abc import Callable

import numpy as np
import synthetic
from datasketch import MinHash

from dupfeed.engine.normalize import normalize_token, token_hashes, tokenize
from dupfeed.engine.shingle import batch_shingles, flat_shingles
from dupfeed.engine.sketch import MinHasher

try:
    import rensa
except ImportError:
    rensa = None

K, NUM_PERM, SEED = 3, 128, 1


_PLAIN_WORD = re.compile(r"\w+")


def plain_shingles(text: str, k: int = K) -> list[str]:
    """Word k-grams joined by spaces, the way a user of datasketch writes it."""
    ws = _PLAIN_WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(ws) < k:
        return [" ".join(ws)] if ws else []
    return [" ".join(ws[i : i + k]) for i in range(len(ws) - k + 1)]


def dupfeed_run(texts: list[str]) -> tuple[float, float, np.ndarray]:
    started = time.perf_counter()
    found = tokenize(texts)
    prepared = time.perf_counter()
    hashes, offsets = flat_shingles(found.hashes, np.diff(found.offsets), K)
    sigs = MinHasher(NUM_PERM, SEED).signatures(hashes.astype(np.uint32), offsets)
    return prepared - started, time.perf_counter() - prepared, sigs


def datasketch_run(texts: list[str]) -> tuple[float, float, list[MinHash]]:
    started = time.perf_counter()
    shingles = [[s.encode("utf-8") for s in plain_shingles(t)] for t in texts]
    prepared = time.perf_counter()
    sigs = MinHash.bulk(shingles, num_perm=NUM_PERM, seed=SEED, scheme="affine32")
    return prepared - started, time.perf_counter() - prepared, sigs


def rensa_update_run(texts: list[str]) -> tuple[float, float, list]:
    started = time.perf_counter()
    shingles = [plain_shingles(t) for t in texts]
    prepared = time.perf_counter()
    sigs = []
    for sh in shingles:
        m = rensa.RMinHash(NUM_PERM, SEED)
        m.update(sh)
        sigs.append(m.digest())
    return prepared - started, time.perf_counter() - prepared, sigs


def rensa_bulk_run(texts: list[str]) -> tuple[float, float, object]:
    started = time.perf_counter()
    shingles = [plain_shingles(t) for t in texts]
    prepared = time.perf_counter()
    sigs = rensa.RMinHash.digest_matrix_from_token_sets(shingles, NUM_PERM, SEED)
    return prepared - started, time.perf_counter() - prepared, sigs


def best_of(runs: dict[str, Callable], texts: list[str], repeat: int) -> dict[str, tuple[float, float]]:
    """Best (prepare, sketch) split per implementation, by total time, taking turns each round.

    Each round starts with the next implementation, since a run is slowed or sped up by the
    garbage the run before it left to the allocator.
    """
    best: dict[str, tuple[float, float]] = {}
    names = list(runs)
    for round_ in range(repeat):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            run = runs[name]
            normalize_token.cache_clear()
            gc.collect()
            gc.disable()  # as timeit does: a collection triggered by another run's garbage is noise
            try:
                prepare, sketch, _ = run(texts)
            finally:
                gc.enable()
            if name not in best or prepare + sketch < sum(best[name]):
                best[name] = (prepare, sketch)
    return best


def identity(x: int) -> int:
    return x


def check_against_datasketch(texts: list[str], sample: int) -> tuple[int, int]:
    """How many of ``sample`` texts get dupfeed signatures equal to datasketch's on the same 32-bit hashes."""
    texts = texts[:sample]
    hashes, offsets = batch_shingles([token_hashes(t) for t in texts], K)
    hashes32 = hashes.astype(np.uint32)
    ours = MinHasher(NUM_PERM, SEED).signatures(hashes32, offsets)
    equal = 0
    for i in range(len(texts)):
        theirs = MinHash(NUM_PERM, SEED, scheme="affine32", hashfunc=identity)
        theirs.update_batch(hashes32[offsets[i] : offsets[i + 1]].tolist())
        equal += bool(np.array_equal(ours[i], theirs.hashvalues))
    return equal, len(texts)


def print_table(title: str, rows: list[tuple[str, float]], n_texts: int, n_shingles: int) -> None:
    base = dict(rows).get("datasketch bulk")
    rensa_best = min((t for name, t in rows if name.startswith("rensa")), default=None)
    print(title)
    print(f"{'implementation':<26}{'texts/s':>11}{'shingles/s':>13}{'time s':>9}{'x datasketch':>14}{'x rensa':>9}")
    for name, seconds in rows:
        vs_ds = f"{base / seconds:.2f}" if base else "-"
        vs_rensa = f"{rensa_best / seconds:.2f}" if rensa_best else "-"
        print(f"{name:<26}{n_texts / seconds:>11,.0f}{n_shingles / seconds:>13,.0f}{seconds:>9.3f}{vs_ds:>14}{vs_rensa:>9}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20000, help="texts to sketch (default 20000)")
    parser.add_argument(
        "--repeat", type=int, default=4, help="keep the best of this many runs (default 4: each implementation runs first once)"
    )
    parser.add_argument(
        "--kind",
        choices=["posts", "articles"],
        default="posts",
        help="post-sized (30-250 words) or article-sized (400-1200) texts",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", type=int, default=500, help="texts checked against datasketch bit for bit")
    args = parser.parse_args()

    sources = synthetic.articles(args.texts if args.kind == "articles" else max(args.texts // 10, 1), args.seed)
    texts = (
        [s.text for s in sources]
        if args.kind == "articles"
        else [p.text for p in synthetic.posts(args.texts, sources, args.seed)[0]]
    )
    n_shingles = sum(len(plain_shingles(t)) for t in texts)
    _, offsets = batch_shingles([token_hashes(t) for t in texts], K)
    print(
        f"{len(texts):,} {args.kind}, {n_shingles:,} word {K}-gram shingles (dupfeed counts {int(offsets[-1]):,}), "
        f"num_perm={NUM_PERM}, best of {args.repeat}"
    )
    runs = {"dupfeed": dupfeed_run, "datasketch bulk": datasketch_run}
    if rensa is None:
        print("rensa: not installed")
    else:
        runs["rensa RMinHash.update"] = rensa_update_run
        runs["rensa digest_matrix"] = rensa_bulk_run
    best = best_of(runs, texts, args.repeat)
    print()
    print_table(
        "End to end (raw text -> signatures); x = times faster than datasketch / the faster rensa path",
        [(name, sum(split)) for name, split in best.items()],
        len(texts),
        n_shingles,
    )
    print_table(
        "Sketch stage only (prepared words or shingle strings -> signatures)",
        [(name, split[1]) for name, split in best.items()],
        len(texts),
        n_shingles,
    )
    print("Prepare stage (raw text -> normalised words or shingle strings), seconds:")
    for name, (prepare, sketch) in best.items():
        print(f"  {name:<24}{prepare:>8.3f}  ({prepare / (prepare + sketch):.0%} of its total)")
    plain = [prepare for name, (prepare, _) in best.items() if name != "dupfeed"]
    if len(plain) > 1:
        print(
            f"  (datasketch and rensa prepare with the same plain shingler: their spread, "
            f"{max(plain) / min(plain) - 1:.0%}, is this run's noise)"
        )
    equal, checked = check_against_datasketch(texts, args.check)
    print(
        f"\ndupfeed == datasketch MinHash(affine32, hashfunc=identity) on dupfeed's 32-bit shingle hashes: "
        f"{equal}/{checked} signatures equal bit for bit"
    )


if __name__ == "__main__":
    main()
