"""Grow a store night by night (default: 20 nights of 50,000 posts and 5,000 articles, to
1,000,000 posts and 100,000 articles) and report, per night: open time, ingest and scoring
time, store size, peak memory, and recall of the copies planted that night.

Each night runs in its own process (so its peak RSS is its own, and opening the store is
measured cold from the file). Memory is given two ways: the night process's peak RSS (and a
scoring process's), which counts every page of the store's mapped arrays it touched; and the
peak PSS of the night's processes together, sampled every 0.25 s (each shared page counted
once), with its anonymous part: the memory the processes made, as against mapped files, which
are clean page cache the kernel takes back when memory runs short; and the stage of the night
(sources, ingest, score, report) when the anonymous memory peaked. Posts and articles come from ``synthetic.py`` (seeded); besides
its own planted copies (pasted and edited passages of articles, reposts of the night's posts),
each night reposts posts of earlier nights and pastes passages of earlier nights' articles, so
the store's memory of the past is tested, not only the night's.

After the nights, one side table compares the two index backends on the same windows
(datasketch ``MinHashLSH`` and dupfeed's ``BandIndex``): memory and query time, as ratios.

    python benchmarks/nightly_growth.py                        # the full 1M-post run (~25 min here)
    python benchmarks/nightly_growth.py --nights 3 --posts 5000 --articles 500   # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np
import synthetic

from dupfeed import Post, Source
from dupfeed.nightly import NightlyResult, build_report, write_report
from dupfeed.store import Store

SAMPLE = 1000  # posts and articles of each night kept aside, for later nights to copy


def _night_data(night: int, posts: int, articles: int, work: Path) -> tuple[list[Source], list[Post], dict]:
    """The night's articles and posts, and what was planted in the posts (post id -> (target id, kind))."""
    rng = np.random.default_rng([night, 7])
    fresh = [
        Source(**{**s.to_dict(), "id": f"n{night:02d}-{s.id}", "published": None})
        for s in synthetic.articles(articles, seed=night)
    ]
    earlier_articles, earlier_posts = [], []
    for before in range(night):
        earlier_articles += [Source(**r) for r in _read(work / f"articles-{before:02d}.jsonl")]
        earlier_posts += [r for r in _read(work / f"posts-{before:02d}.jsonl")]
    pool = fresh + earlier_articles
    raw, truth = synthetic.posts(posts, pool, seed=night)
    start = synthetic.EPOCH + timedelta(days=night)
    step = timedelta(seconds=86_400 / max(posts, 1))
    out, planted = [], {}
    renamed = {p.id: f"n{night:02d}-{p.id}" for p in raw}
    reposted = {planted_.doc for planted_ in truth.values() if planted_.kind == synthetic.REPOST}  # keep their text
    for i, post in enumerate(raw):
        pid = renamed[post.id]
        text, author = post.text, post.author
        if earlier_posts and post.id not in reposted and rng.random() < 0.01:  # an earlier night's post again
            old = earlier_posts[int(rng.integers(len(earlier_posts)))]
            text, author = old["text"], old["author"] if rng.random() < 0.5 else author
            planted[pid] = (old["id"], "earlier night")
        elif post.id in truth:
            target, kind = truth[post.id]
            planted[pid] = (renamed.get(target, target), kind)
        out.append(Post(pid, text, author, start + i * step, links=post.links))
    _write(
        work / f"articles-{night:02d}.jsonl",
        [s.to_dict() for s in rng.permutation(np.array(fresh, dtype=object))[: SAMPLE // 10]],
    )
    _write(
        work / f"posts-{night:02d}.jsonl",
        [{"id": p.id, "text": p.text, "author": p.author} for p in rng.permutation(np.array(out, dtype=object))[:SAMPLE]],
    )
    return fresh, out, planted


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)


def _store_mb(work: Path) -> float:
    """The store on disk: its file and the array files beside it."""
    files = [work / "growth.db", *(work / "growth.db.arrays").glob("*.npy")]
    return sum(path.stat().st_size for path in files if path.exists()) / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the night's scoring and shingling processes)."""
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{out[-1]}/task/{out[-1]}/children").read_text().split()]
    return out


class MemorySampler(threading.Thread):
    """Samples the proportional set size (PSS) of this process and its children together,
    every ``every`` seconds: what the night takes of the machine's memory, each shared page
    counted once, split into anonymous memory (made by the processes) and mapped files (the
    store's arrays: clean page cache the kernel drops when memory runs short)."""

    def __init__(self, every: float = 0.25):
        super().__init__(daemon=True)
        self.every, self.peak_mb, self.peak_anon_mb, self._stop_at = every, 0.0, 0.0, threading.Event()
        self.stage, self.peak_anon_stage = "open", "open"  # the night's stage now, and at the anonymous peak

    def run(self) -> None:
        while not self._stop_at.wait(self.every):
            total = anon = 0
            for pid in _tree(os.getpid()):
                try:
                    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                except OSError:
                    continue
                fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.endswith("kB")}
                total += fields.get("Pss", 0)
                anon += fields.get("Pss_Anon", 0)
            if anon / 1024 > self.peak_anon_mb:
                self.peak_anon_mb, self.peak_anon_stage = anon / 1024, self.stage
            self.peak_mb = max(self.peak_mb, total / 1024)

    def stop(self) -> None:
        self._stop_at.set()
        self.join()


def run_night(night: int, posts: int, articles: int, work: Path, jobs: int = 1, cache_words: int | None = None) -> dict:
    """One night, in this process (scoring on ``jobs`` processes): returns its figures."""
    started = time.perf_counter()
    sources, batch, planted = _night_data(night, posts, articles, work)
    generated = time.perf_counter() - started
    rss_before = _peak_mb()
    figures: dict = {"night": night, "generate_s": generated}
    sampler = MemorySampler()
    sampler.start()
    t = time.perf_counter()
    sizing = {} if cache_words is None else {"cache_words": cache_words}
    with Store(work / "growth.db", jobs=jobs, **sizing) as store:
        _ = store.detector  # loads the index and counts
        figures["open_s"] = time.perf_counter() - t
        figures["open_rss_mb"] = _peak_mb()
        run = store.begin_run("benchmark")
        t = time.perf_counter()
        sampler.stage = "sources"
        added_sources = store.add_sources(sources, run=run)
        figures["add_sources_s"] = time.perf_counter() - t
        t = time.perf_counter()
        sampler.stage = "ingest"
        added_posts = store.ingest(batch, run=run)
        figures["ingest_s"] = time.perf_counter() - t
        t = time.perf_counter()
        sampler.stage = "score"
        scored = store.score(run=run)
        figures["score_s"] = time.perf_counter() - t
        t = time.perf_counter()
        sampler.stage = "report"
        result = NightlyResult(run, added_sources, added_posts, scored)
        report = build_report(store, result)
        write_report(report, work / "reports")
        figures["report_s"] = time.perf_counter() - t
        findings = {record["id"]: record for record, _ in store.findings(run=run)}
        store.finish_run(run, "ok", {})
        counts = store.counts()
        timings = dict(store.detector.timings)
        scoring_work = dict(store.detector.work)
    sampler.stop()
    hits, totals, false_alarms = Counter(), Counter(), 0
    for pid, record in findings.items():
        if pid in planted:
            target, kind = planted[pid]
            totals[kind] += 1
            ids = {m["id"] for m in record["matches"]}
            hits[kind] += record["verdict"] != "original" and (target in ids or f"n{night:02d}-{target}" in ids)
        elif record["verdict"] != "original":
            false_alarms += 1
    figures.update(
        stored_posts=counts["posts"],
        stored_sources=counts["sources"],
        scored=scored.total,
        db_mb=_store_mb(work),
        peak_rss_mb=_peak_mb(),
        workers_peak_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        peak_pss_mb=sampler.peak_mb,
        peak_anon_mb=sampler.peak_anon_mb,
        peak_anon_stage=sampler.peak_anon_stage,
        rss_before_open_mb=rss_before,
        recall={kind: (hits[kind], totals[kind]) for kind in totals},
        false_alarms=false_alarms,
        originals=len(findings) - len(planted),
        timings=timings,
        work=scoring_work,
    )
    return figures


def measure_open(work: Path) -> dict:
    """Open the grown store cold, in this process: time and memory to be ready to score."""
    base = _peak_mb()
    started = time.perf_counter()
    with Store(work / "growth.db", write=False, create=False) as store:
        detector = store.detector
        seconds = time.perf_counter() - started
        counts = store.counts()
        windows = len(detector.index)
        index_mb = sum(s.keys.nbytes + s.owners.nbytes for s in detector.index.segments) / 1e6
        counts_mb = sum(k.nbytes + c.nbytes for k, c in detector.counts.runs) / 1e6
    return {
        "open_s": seconds,
        "rss_mb": _peak_mb(),
        "base_rss_mb": base,
        "posts": counts["posts"],
        "sources": counts["sources"],
        "windows": windows,
        "index_mb": index_mb,
        "counts_mb": counts_mb,
        "segments": len(detector.index.segments),
        "db_mb": _store_mb(work),
    }


def compare_indexes(work: Path, windows_wanted: int = 200_000) -> list[tuple]:
    """datasketch MinHashLSH and BandIndex on the same windows of stored posts: memory, query time."""
    from dupfeed.engine.index import BandIndex, WindowIndex

    with Store(work / "growth.db", write=False, create=False) as store:
        rows = store.db.conn.execute(
            "SELECT record FROM docs WHERE is_source = 0 ORDER BY doc DESC LIMIT ?", (windows_wanted // 2,)
        ).fetchall()
        options = store.options
    from dupfeed.engine.normalize import tokenize
    from dupfeed.engine.shingle import flat_shingles
    from dupfeed.engine.sketch import MinHasher

    texts = [json.loads(r[0])["text"] for r in rows]
    found = tokenize(texts)
    hashes, offsets = flat_shingles(found.hashes, np.diff(found.offsets), options.shingle_size)
    sketches = MinHasher(options.num_perm, options.seed).sketch(
        hashes.astype(np.uint32), offsets, window=options.window, stride=options.stride
    )
    windows, owner, first = sketches.windows, sketches.window_owner, sketches.window_first
    out = []
    for name, cls in (("datasketch MinHashLSH", WindowIndex), ("dupfeed BandIndex", BandIndex)):
        tracemalloc.start()
        t = time.perf_counter()
        index = cls(threshold=options.lsh_threshold, num_perm=options.num_perm)
        for lo in range(0, len(windows), 50_000):
            index.add(owner[lo : lo + 50_000], windows[lo : lo + 50_000])
        build = time.perf_counter() - t
        memory = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        t = time.perf_counter()
        queried = index.query_batch(windows[: first[5000]], first[:5001])
        query = time.perf_counter() - t
        out.append((name, len(windows), build, memory, query, sum(map(len, queried))))
        del index
    return out


def print_open(work: Path) -> None:
    """Open the store in a fresh process (cold, as the next night would) and print what it took."""
    done = subprocess.run(
        [sys.executable, __file__, "--night", "-1", "--work", str(work)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        print(done.stderr)
        return
    f = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"\nOpening the grown store ({f['posts']:,} posts, {f['sources']:,} articles, {f['windows']:,} windows in "
        f"{f['segments']} segments, {f['db_mb']:,.0f} MB on disk) in a fresh process: {f['open_s']:.1f} s; "
        f"peak RSS {f['rss_mb']:,.0f} MB ({f['base_rss_mb']:,.0f} MB before opening); "
        f"index {f['index_mb']:,.0f} MB, boilerplate counts {f['counts_mb']:,.0f} MB in memory"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nights", type=int, default=20)
    parser.add_argument("--posts", type=int, default=50_000, help="posts per night")
    parser.add_argument("--articles", type=int, default=5_000, help="articles per night")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dupfeed-growth"))
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes scoring (as dupfeed's --jobs; default: the cores, as dupfeed)",
    )
    parser.add_argument("--cache-words", type=int, help="the store's document cache (default: the Store's)")
    parser.add_argument("--night", type=int, help=argparse.SUPPRESS)  # run one night, print its JSON
    parser.add_argument("--open", action="store_true", help="only open the grown store cold and report")
    args = parser.parse_args()
    if args.night is not None:
        figures = (
            measure_open(args.work)
            if args.night < 0
            else run_night(args.night, args.posts, args.articles, args.work, args.jobs, args.cache_words)
        )
        print(json.dumps(figures))
        return
    if args.open:
        print_open(args.work)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    for old in [*args.work.glob("growth.db*"), args.work / "nights.jsonl"]:
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink(missing_ok=True)
    print(
        f"{args.nights} nights of {args.posts:,} posts and {args.articles:,} articles, scored on {args.jobs} "
        f"process(es); store {args.work / 'growth.db'}\n"
    )
    head = (
        "night",
        "posts",
        "articles",
        "open s",
        "open RSS",
        "+art s",
        "ingest s",
        "score s",
        "posts/s",
        "report s",
        "per post: candidates / compared / aligned",
        "db MB",
        "peak RSS (a scoring process)",
        "peak PSS, all processes (anonymous, at)",
        "recall % paste/edit/repost/older (all)",
        "false",
    )
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for night in range(args.nights):
        command = [
            sys.executable,
            __file__,
            "--night",
            str(night),
            "--posts",
            str(args.posts),
            "--articles",
            str(args.articles),
            "--work",
            str(args.work),
            "--jobs",
            str(args.jobs),
            *(["--cache-words", str(args.cache_words)] if args.cache_words else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr)
            sys.exit(done.returncode)
        f = json.loads(done.stdout.strip().splitlines()[-1])
        with open(args.work / "nights.jsonl", "a", encoding="utf-8") as saved:  # every figure, for later tables
            saved.write(json.dumps(f) + "\n")
        recall = "/".join(
            f"{100 * h / n:.1f}" if n else "-"
            for h, n in (f["recall"].get(k, (0, 0)) for k in ("paste", "edited", "repost", "earlier night"))
        )
        hits, planted = (sum(v[i] for v in f["recall"].values()) for i in (0, 1))
        recall += f" ({100 * hits / max(planted, 1):.2f})"
        work = f.get("work", {})
        per_post = " / ".join(
            f"{work.get(k, 0) / max(work.get('posts', 0), 1):.2f}" for k in ("candidates", "compared", "aligned")
        )
        print(
            f"| {night + 1} | {f['stored_posts']:,} | {f['stored_sources']:,} | {f['open_s']:.1f} | {f['open_rss_mb']:,.0f} MB "
            f"| {f['add_sources_s']:.1f} | {f['ingest_s']:.1f} | {f['score_s']:.1f} | {f['scored'] / max(f['score_s'], 1e-9):,.0f} "
            f"| {f['report_s']:.1f} | {per_post} | {f['db_mb']:,.0f} | {f['peak_rss_mb']:,.0f} MB ({f.get('workers_peak_rss_mb', 0):,.0f} MB) "
            f"| {f['peak_pss_mb']:,.0f} MB ({f['peak_anon_mb']:,.0f} MB, {f['peak_anon_stage']}) | {recall} | {f['false_alarms']}/{f['originals']} |",
            flush=True,
        )
    print_open(args.work)
    print("\nIndex backends on the same windows (the newest stored posts):\n")
    rows = compare_indexes(args.work)
    base = rows[0]
    print(
        "| index | windows | build s | memory MB | bytes/window | query 5,000 posts s | candidates | memory vs datasketch | query speed vs datasketch |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, build, memory, query, candidates in rows:
        print(
            f"| {name} | {n:,} | {build:.1f} | {memory / 1e6:,.0f} | {memory / n:,.0f} | {query:.2f} | {candidates:,} "
            f"| {memory / base[3]:.3f}x | {base[4] / query:.1f}x |"
        )


if __name__ == "__main__":
    main()
