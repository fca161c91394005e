"""The whole scan: synthetic posts against synthetic source articles, timed by stage.

Generates ``--articles`` sources and ``--posts`` posts (``synthetic.py``; generation is not
timed), then times ``Detector.add_sources`` and ``Detector.scan`` with default ``Options``,
prints the detector's own per-stage timings (shingle, sketch, index, verify), posts per
second, peak resident memory, and the recall of the planted copies: the share of planted
post -> document pairs whose finding lists that document among its matches.

The peers run on the same texts, in the same run, each in its own process: a bare datasketch
pipeline (the usual recipe: ``MinHash.bulk`` on word 5-grams, ``MinHashLSH`` at 0.5, each post
queried then inserted, sources inserted first), whose "recall" is whether the planted document
is a candidate at all, printed as a ratio of times beside dupfeed's (both from texts in memory:
reading files and starting Python are left out of both). Then rensa (where installed), end to end:
word 3-grams from the plain Python shingler of speed_signatures.py, one ``RMinHash`` per whole text, one ``RMinHashLSH`` holding
sources and posts, queried with every post. It does less work than dupfeed: no windows, no
alignment of passages, no verification; its "recall" is whether the planted document is a
candidate at all.

    python benchmarks/speed_scan.py --posts 5000 --articles 500      # quick
    python benchmarks/speed_scan.py                                  # 50000 posts, 5000 articles
    python benchmarks/speed_scan.py --posts 2000 --articles 200 --profile 25
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import resource
import sys
import time
from collections import Counter
from dataclasses import replace

import synthetic
from speed_signatures import plain_shingles

from dupfeed import Detector, Options
from dupfeed.options import INDEXES

try:
    import rensa
except ImportError:
    rensa = None

STAGES = ("shingle", "sketch", "index", "verify")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_dupfeed(sources, feed, options: Options, jobs: int) -> dict:
    detector = Detector(options, jobs=jobs)
    started = time.perf_counter()
    detector.add_sources(sources)
    added = time.perf_counter()
    after_sources = dict(detector.timings)
    findings = detector.scan(feed)
    scanned = time.perf_counter()
    scan_stages = {s: detector.timings[s] - after_sources.get(s, 0.0) for s in STAGES}
    return {
        "add_sources": added - started,
        "scan": scanned - added,
        "source_stages": {s: after_sources.get(s, 0.0) for s in STAGES},
        "scan_stages": scan_stages,
        "findings": findings,
        "bands_rows": detector.lsh_bands_rows,
        "windows": len(detector.index),
        "jobs": jobs,
    }


def run_datasketch(sources, feed, queue) -> None:
    """The bare datasketch pipeline: word 5-grams, ``MinHash.bulk``, ``MinHashLSH`` at 0.5 (sources
    inserted, then each post queried and inserted); sends back its times and candidates."""
    from datasketch import MinHash, MinHashLSH

    def grams(text: str) -> list[bytes]:
        words = text.lower().split()
        return [" ".join(words[i : i + 5]).encode() for i in range(max(len(words) - 4, 1))]

    times = {}
    started = time.perf_counter()
    source_grams, post_grams = [grams(s.text) for s in sources], [grams(p.text) for p in feed]
    times["shingle"] = time.perf_counter() - started
    started = time.perf_counter()
    source_sketches = MinHash.bulk(source_grams, num_perm=128)
    post_sketches = MinHash.bulk(post_grams, num_perm=128)
    times["sketch"] = time.perf_counter() - started
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    with lsh.insertion_session() as session:
        for source, sketch in zip(sources, source_sketches):
            session.insert(source.id, sketch, check_duplication=False)
    found = {}
    for post, sketch in zip(feed, post_sketches):
        found[post.id] = set(lsh.query(sketch))
        lsh.insert(post.id, sketch, check_duplication=False)
    times["index and query"] = time.perf_counter() - started
    queue.put({"times": times, "found": found, "rss": peak_rss_mib()})


def print_peer(result: dict, truth, note: str = "") -> tuple[float, int, int]:
    """A peer's seconds by stage and the recall of its candidates; returns its total seconds and
    the planted copies found among its candidates, of all planted."""
    times = result["times"]
    total = sum(times.values())
    for stage, seconds in times.items():
        print(f"{stage:<30}{seconds:>10.2f}")
    print(f"{'total (sources + posts)':<30}{total:>10.2f}{note}")
    recall = recall_by_kind(truth, result["found"])
    print(f"{'planted':<10}{'posts':>8}{'candidate':>11}{'recall':>9}")
    for kind, (h, k) in recall.items():
        print(f"{kind:<10}{k:>8}{h:>11}{h / k:>9.1%}")
    return total, sum(h for h, _ in recall.values()), sum(k for _, k in recall.values())


def print_datasketch(result: dict, dupfeed: dict[str, dict], truth, n_posts: int, jobs: int) -> None:
    print("bare datasketch pipeline (MinHash.bulk on word 5-grams, MinHashLSH at 0.5, query then insert each post)")
    total, hit, n = print_peer(result, truth, f"   peak RSS {result['rss']:,.0f} MiB")
    print(f"\nsame run, same feed ({jobs} scoring process(es) for dupfeed):")
    print(f"{'run':<34}{'seconds':>9}{'speed vs datasketch':>21}{'recall':>9}")
    print(f"{'bare datasketch pipeline':<34}{total:>9.2f}{1:>20.2f}x{hit / n:>9.1%}")
    for index, run in dupfeed.items():
        ours = run["add_sources"] + run["scan"]
        print(f"{'dupfeed, index ' + index:<34}{ours:>9.2f}{total / ours:>20.2f}x{run['recall']:>9.1%}")
    print()


def rensa_bands(bands_rows: tuple[int, int], num_perm: int) -> int:
    """rensa's bands must divide num_perm: the divisor whose S-curve midpoint ``(1/b)**(1/r)`` is
    nearest dupfeed's, so both indexes are tuned for about the same similarity."""
    b, r = bands_rows
    target = (1 / b) ** (1 / r)
    divisors = [d for d in range(1, num_perm + 1) if num_perm % d == 0]
    return min(divisors, key=lambda d: abs((1 / d) ** (d / num_perm) - target))


def run_rensa(sources, feed, *, num_perm: int, seed: int, threshold: float, bands: int) -> dict:
    """rensa over whole texts: shingle, sketch, index sources and posts, query every post."""
    times = {}
    started = time.perf_counter()
    source_shingles = [plain_shingles(s.text) for s in sources]
    post_shingles = [plain_shingles(p.text) for p in feed]
    times["shingle"] = time.perf_counter() - started
    started = time.perf_counter()
    source_matrix = rensa.RMinHash.digest_matrix_from_token_sets(source_shingles, num_perm, seed)
    post_hashes = rensa.RMinHash.from_token_sets(post_shingles, num_perm, seed)
    times["sketch"] = time.perf_counter() - started
    started = time.perf_counter()
    lsh = rensa.RMinHashLSH(threshold, num_perm, bands)
    lsh.insert_matrix(source_matrix, 0)
    lsh.insert_many(post_hashes, start_key=len(sources))
    times["index"] = time.perf_counter() - started
    started = time.perf_counter()
    candidates = lsh.query_all(post_hashes)
    times["query"] = time.perf_counter() - started
    names = [s.id for s in sources] + [p.id for p in feed]
    found = {p.id: {names[key] for key in keys} for p, keys in zip(feed, candidates)}
    return {"times": times, "found": found, "candidates": sum(len(c) for c in candidates)}


def recall_by_kind(truth: dict[str, synthetic.Planted], found: dict[str, set[str]]) -> dict[str, tuple[int, int]]:
    """Per planted kind, (found, planted): found when the copied document is among the post's matches."""
    out: dict[str, list[int]] = {}
    for post_id, planted in truth.items():
        tally = out.setdefault(planted.kind, [0, 0])
        tally[0] += planted.doc in found.get(post_id, ())
        tally[1] += 1
    return {kind: (h, n) for kind, (h, n) in sorted(out.items())}


def print_dupfeed(result: dict, truth, n_posts: int, n_sources: int, rss: tuple[float, float]) -> None:
    findings = result["findings"]
    scan = result["scan"]
    print(f"dupfeed  (default Options: LSH bands x rows = {result['bands_rows']}, {result['windows']:,} windows indexed)")
    print(f"{'stage':<30}{'add_sources s':>15}{'scan s':>10}{'share of scan':>15}")
    for stage in STAGES:
        a, s = result["source_stages"][stage], result["scan_stages"][stage]
        print(f"{stage:<30}{a:>15.2f}{s:>10.2f}{s / scan:>15.1%}")
    if result["jobs"] > 1:  # the verify row adds up the seconds of every scoring process
        print(f"  (verify: the seconds of {result['jobs']} scoring processes added up; the wall row is the time taken)")
    else:
        untimed_a = result["add_sources"] - sum(result["source_stages"].values())
        untimed_s = scan - sum(result["scan_stages"].values())
        print(f"{'untimed (sort, post counts)':<30}{untimed_a:>15.2f}{untimed_s:>10.2f}{untimed_s / scan:>15.1%}")
    print(f"{'wall':<30}{result['add_sources']:>15.2f}{scan:>10.2f}{1:>15.1%}")
    print(
        f"sources/s {n_sources / result['add_sources']:,.0f}   posts/s {n_posts / scan:,.0f}   "
        f"peak RSS {rss[0]:,.0f} MiB after generation, {rss[1]:,.0f} MiB after scan"
    )

    found = {f.id: {m.id for m in f.matches} for f in findings}
    verdicts = {f.id: f.verdict for f in findings}
    print(f"\n{'planted':<10}{'posts':>8}{'found':>8}{'recall':>9}{'copy':>8}{'revision':>10}{'original':>10}")
    for kind, (hit, total) in recall_by_kind(truth, found).items():
        seen = Counter(verdicts[p] for p, planted in truth.items() if planted.kind == kind)
        print(f"{kind:<10}{total:>8}{hit:>8}{hit / total:>9.1%}{seen['copy']:>8}{seen['revision']:>10}{seen['original']:>10}")
    originals = [f for f in findings if f.id not in truth]
    seen = Counter(f.verdict for f in originals)
    print(
        f"{'none':<10}{len(originals):>8}{'':>8}{'':>9}{seen['copy']:>8}{seen['revision']:>10}{seen['original']:>10}"
        "   <- original posts: any copy/revision here is a false alarm"
    )
    print()


def print_rensa(result: dict, dupfeed: dict[str, dict], truth, n_posts: int, bands: int, num_perm: int) -> None:
    print(
        f"rensa 0.5 RMinHashLSH over whole texts ({bands} bands x {num_perm // bands} rows): candidates only,"
        " no windows, no passage alignment, no verification"
    )
    total, _, _ = print_peer(result, truth)
    print(f"posts/s (everything / posts): rensa {n_posts / total:,.0f}; {result['candidates']:,} candidate keys returned")
    for index, run in dupfeed.items():
        ours = run["add_sources"] + run["scan"]
        print(f"  dupfeed with index {index}: {n_posts / ours:,.0f} posts/s, {ours / total:.1f}x rensa's time")
    print()


def measure_dupfeed(sources, feed, truth, options: Options, jobs: int, profile: int, queue) -> None:
    """Scan with ``options``, print the tables, and send back what the comparisons need."""
    rss_generated = peak_rss_mib()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = run_dupfeed(sources, feed, options, jobs)
    if profiler:
        profiler.disable()
    print(f"index: {options.index}")
    print_dupfeed(result, truth, len(feed), len(sources), (rss_generated, peak_rss_mib()))
    if profiler:
        print(f"Top {profile} functions by own time (profiling slows the run; shares are what count):")
        pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(profile)
    sys.stdout.flush()
    recall = recall_by_kind(truth, {f.id: {m.id for m in f.matches} for f in result["findings"]})
    hit, n = sum(h for h, _ in recall.values()), sum(n for _, n in recall.values())
    queue.put({**{k: result[k] for k in ("add_sources", "scan", "bands_rows")}, "recall": hit / max(n, 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50000, help="posts to scan (default 50000)")
    parser.add_argument("--articles", type=int, default=5000, help="source articles (default 5000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rensa-bands", type=int, help="rensa LSH bands, a divisor of num_perm (default: the one tuned nearest dupfeed's index)"
    )
    parser.add_argument("--no-rensa", action="store_true", help="skip the rensa reference run")
    parser.add_argument("--no-datasketch", action="store_true", help="skip the bare datasketch pipeline")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="dupfeed's scoring processes (default: the cores, as dupfeed scan)"
    )
    parser.add_argument(
        "--index",
        nargs="+",
        choices=INDEXES,
        default=["bands", "datasketch"],
        help="dupfeed's candidate index(es) to run, each in its own process (default: both)",
    )
    parser.add_argument(
        "--profile", type=int, metavar="N", default=0, help="profile the dupfeed run and print its top N functions"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    sources = synthetic.articles(args.articles, args.seed)
    feed, truth = synthetic.posts(args.posts, sources, args.seed)
    words_total = sum(len(p.text.split()) for p in feed)
    print(
        f"{len(sources):,} articles, {len(feed):,} posts (~{words_total / len(feed):.0f} words each), "
        f"{len(truth):,} planted copies; generated in {time.perf_counter() - started:.1f}s (not timed below)\n"
    )
    ours = {}
    for index in args.index:
        # Each index in a forked child: its peak RSS is its own (plus the generated feed, as above).
        queue = multiprocessing.get_context("fork").SimpleQueue()
        child = multiprocessing.get_context("fork").Process(
            target=measure_dupfeed,
            args=(sources, feed, truth, replace(Options(), index=index), args.jobs, args.profile, queue),
        )
        child.start()
        ours[index] = queue.get()
        child.join()
    options = Options()
    result = ours[args.index[-1]]
    if not args.no_datasketch:
        queue = multiprocessing.get_context("fork").SimpleQueue()
        child = multiprocessing.get_context("fork").Process(target=run_datasketch, args=(sources, feed, queue))
        child.start()
        print_datasketch(queue.get(), ours, truth, len(feed), args.jobs)
        child.join()
    if args.no_rensa:
        return
    if rensa is None:
        print("rensa: not installed")
        return
    bands = args.rensa_bands or rensa_bands(result["bands_rows"], options.num_perm)
    reference = run_rensa(
        sources, feed, num_perm=options.num_perm, seed=options.seed, threshold=options.lsh_threshold, bands=bands
    )
    print_rensa(reference, ours, truth, len(feed), bands, options.num_perm)


if __name__ == "__main__":
    main()
