"""One night on the partitioned store, in this process and on a Dask LocalCluster of 1 and 2
workers, beside the SQLite store (the single-machine peer) on the same base and the same night.

A base store of ``--stored`` posts (and a tenth as many articles) is built, then grown to the
second size; at each size every configuration runs the same night (``--new`` posts, a tenth as
many articles) on its own copy of it: ingest, then scoring. Printed: seconds and posts per second, the scaling ratio of
two workers over one, bytes on disk per stored post, bytes handed between steps per new post
(what a cluster may move between workers) and bytes workers really sent each other; whether
every configuration found the same (byte for byte); then each step's task seconds per new post
at both sizes, fitted as growing linearly with the store and taken to 10 million new posts
against a billion stored (``--hours``, ``--price``).

    python benchmarks/dask_nightly.py                     # stores of 50,000 and 100,000, 20,000 new (~15 min)
    python benchmarks/dask_nightly.py --stored 5000 10000 --new 2000   # a quick look
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import synthetic

from dupfeed import Post, Source
from dupfeed.store import PartitionedStore, Store

STEPS = ("sketch", "write_band", "merge_counts", "band_lookup", "plan", "lookup", "verify")


def _data(posts: int, articles: int, seed: int, day: int, prefix: str) -> tuple[list[Source], list[Post]]:
    sources = [Source(**{**s.to_dict(), "id": f"{prefix}{s.id}", "published": None}) for s in synthetic.articles(articles, seed)]
    raw, _ = synthetic.posts(posts, sources, seed=seed)
    start = synthetic.EPOCH + timedelta(days=day)
    step = timedelta(seconds=86_400 / max(posts, 1))
    return sources, [
        Post(**{**p.to_dict(), "id": f"{prefix}{p.id}", "created_at": start + i * step, "links": tuple(p.links)})
        for i, p in enumerate(sorted(raw, key=lambda p: p.created_at))
    ]


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size + sum(f.stat().st_size for f in Path(f"{path}.arrays").glob("*"))
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _fill(store, sources, posts) -> list[str]:
    with store.running("bench") as run:
        store.add_sources(sources, run=run)
        store.ingest(posts, run=run)
        store.score(run=run)
        store.finish_run(run, "ok", {})
        return [json.dumps(r) for r, _ in store.findings(run=run)]


def _worker_bytes(client) -> int:
    return sum(client.run(lambda dask_worker: dask_worker.transfer_outgoing_bytes_total).values())


def run_config(name: str, base: Path, work: Path, night: tuple, workers: int | None) -> dict:
    """The night on a copy of ``base``: ``sqlite``, ``local`` (partitioned, this process) or ``dask``."""
    work.mkdir(parents=True, exist_ok=True)
    target = work / name
    if base.is_file():
        shutil.copy(base, target)
        if Path(f"{base}.arrays").exists():
            shutil.copytree(f"{base}.arrays", f"{target}.arrays")
    else:
        shutil.copytree(base, target)
    sources, posts = night
    row: dict = {"config": name}
    stream: list = []
    if name == "sqlite":
        with Store(target, jobs=2) as store:
            started = time.perf_counter()
            found = _night(store, sources, posts, row, started)
    else:
        engine = "local" if workers is None else "dask"
        with PartitionedStore(str(target), engine=engine, jobs=workers) as store:
            store.measure = True
            client = getattr(store.runner, "client", None)  # the cluster starts before the clock
            sent = _worker_bytes(client) if client else 0
            started = time.perf_counter()
            if client:
                from distributed import get_task_stream

                with get_task_stream(client) as ts:
                    found = _night(store, sources, posts, row, started)
                stream = ts.data
                row["sent between workers B/post"] = (_worker_bytes(client) - sent) / len(posts)
            else:
                found = _night(store, sources, posts, row, started)
            row["exchanged B/post"] = sum(store.exchanged.values()) / len(posts)
            row["exchanged"] = {what: size / len(posts) for what, size in store.exchanged.items()}
    row["night s"] = time.perf_counter() - started
    row["score s"] = row["night s"] - row["ingest s"]
    row["posts/s"] = len(posts) / row["night s"]
    row["found"] = found
    seconds: dict[str, float] = defaultdict(float)
    for task in stream:
        step = task["key"].split("-", 1)[0]
        if step in STEPS:
            seconds[step] += sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
    row["task s"] = dict(seconds)
    return row


def _night(store, sources, posts, row, started) -> list[str]:
    with store.running("night") as run:
        store.add_sources(sources, run=run)
        store.ingest(posts, run=run)
        row["ingest s"] = time.perf_counter() - started
        store.score(run=run)
        store.finish_run(run, "ok", {})
        return [json.dumps(r) for r, _ in store.findings(run=run)]


GROWS = {
    # What each step's work grows with: the night's documents only; the night, and the stored
    # keys it reads whole (a band's keys, a bucket's counts and author pairs); or the night's
    # posts times their candidates, which a larger store gives more of (an author's history,
    # pairs sharing two bands by chance).
    "sketch": "new",
    "write_band": "new",
    "merge_counts": "stored",
    "band_lookup": "stored",
    "lookup": "stored",
    "plan": "pairs",
    "verify": "pairs",
}


def project(
    by_size: dict[int, dict[str, float]], new: int, *, target_new: float, target_stored: float, hours: float, price: float
) -> str:
    """The cluster for ``target_new`` posts a night against ``target_stored``. Each step's task
    seconds, measured at two store sizes, are fitted by what the step grows with (:data:`GROWS`):
    a step of the night alone costs the same per new post at any size; a step that reads stored
    keys whole costs ``a * new + b * stored``; a step over candidate pairs costs ``(a + c * stored)``
    per new post. Two sizes a few times apart, taken to a billion: a rough order of magnitude."""
    (small, at_small), (large, at_large) = sorted(by_size.items())
    lines = [
        f"| step | grows with | task s at {small:,} | task s at {large:,} | fitted | core-hours a night |",
        "|---|---|---|---|---|---|",
    ]
    total = 0.0
    for step in STEPS:
        lo, hi = at_small.get(step, 0.0), at_large.get(step, 0.0)
        slope = max((hi - lo) / (large - small), 0.0)  # task seconds per stored post, for this night
        grows = GROWS[step]
        if grows == "new":
            seconds, fitted = hi / new * target_new, f"{hi / new:.2e} s per new post"
        elif grows == "stored":
            per_new = max(hi - slope * large, 0.0) / new
            seconds = per_new * target_new + slope * target_stored
            fitted = f"{per_new:.2e} s per new post + {slope:.2e} s per stored post"
        else:
            per_pair = slope / new  # per new post, per stored post
            per_new = max(hi / new - per_pair * large, 0.0)
            seconds = (per_new + per_pair * target_stored) * target_new
            fitted = f"({per_new:.2e} + {per_pair:.2e} x stored) s per new post"
        total += seconds / 3600
        lines.append(f"| {step} | {grows} | {lo:.1f} | {hi:.1f} | {fitted} | {seconds / 3600:,.0f} |")
    cores = total / hours
    lines += [
        "",
        f"{target_new:,.0f} new posts against {target_stored:,.0f} stored: about {total:,.0f} core-hours a night; "
        f"within {hours:g} h, {cores:,.0f} cores ({cores / 16:,.0f} machines of 16 cores), "
        f"about ${total * price:,.0f} a night at ${price}/core-hour (storage aside).",
    ]
    return "\n".join(lines)


def _table(rows: list[dict]) -> None:
    cols = [
        "stored",
        "config",
        "ingest s",
        "score s",
        "night s",
        "posts/s",
        "disk B/stored post",
        "exchanged B/post",
        "sent between workers B/post",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append("-" if v is None else v if isinstance(v, str) else f"{v:,.1f}" if v < 100 else f"{v:,.0f}")
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, nargs=2, default=[50_000, 100_000], help="the two store sizes measured")
    parser.add_argument("--new", type=int, default=20_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/dupfeed-dask-nightly"))
    parser.add_argument("--hours", type=float, default=6.0, help="the night's window, for the projection")
    parser.add_argument("--price", type=float, default=0.02, help="dollars per core-hour (spot/preemptible), for the projection")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    small, large = sorted(args.stored)
    night = _data(args.new, args.new // 10, seed=12, day=30, prefix="n-")
    print(f"night: {args.new:,} posts, {args.new // 10:,} articles; stores of {small:,} and {large:,} posts", flush=True)

    rows, by_size, same = [], {}, True
    grown = 0
    for size in (small, large):
        more_sources, more_posts = _data(
            size - grown, (size - grown) // 10, seed=11 + size, day=grown // 5000, prefix=f"b{size}-"
        )
        started = time.perf_counter()
        for store in (
            lambda: Store(args.work / "base.db", jobs=2),
            lambda: PartitionedStore(str(args.work / "base-parts"), engine="dask", jobs=2),
        ):
            with store() as opened:
                _fill(opened, more_sources, more_posts)
        grown = size
        print(f"bases grown to {size:,} posts in {time.perf_counter() - started:.0f} s", flush=True)
        sized = []
        for name, base, workers in (
            ("sqlite", args.work / "base.db", None),
            ("local", args.work / "base-parts", None),
            ("dask-1", args.work / "base-parts", 1),
            ("dask-2", args.work / "base-parts", 2),
        ):
            row = run_config(name, base, args.work / f"{size}", night, workers)
            row["stored"] = f"{size:,}"
            row["disk B/stored post"] = _size(base) / size
            sized.append(row)
            print(f"  {size:,} stored, {name}: {row['night s']:.1f} s", flush=True)
        same &= all(r["found"] == sized[0]["found"] for r in sized)
        by_size[size] = next(r for r in sized if r["config"] == "dask-1")["task s"]
        rows += sized

    print()
    _table(rows)
    print()
    print(f"findings of the night the same in every configuration, byte for byte: {'yes' if same else 'NO'} ({args.new:,} posts)")
    for size in (small, large):
        at = {r["config"]: r for r in rows if r["stored"] == f"{size:,}"}
        print(
            f"{size:,} stored: 2 workers over 1: {at['dask-1']['night s'] / at['dask-2']['night s']:.2f}x the speed; "
            f"partitioned on 2 workers over the SQLite store on 2 processes: {at['sqlite']['night s'] / at['dask-2']['night s']:.2f}x"
        )
    print()
    print("Bytes handed between steps per new post, by what they are (dask-2):")
    kinds = sorted({k for r in rows if r["config"] == "dask-2" for k in r["exchanged"]})
    print("| stored | " + " | ".join(kinds) + " |")
    print("|" + "---|" * (len(kinds) + 1))
    for r in rows:
        if r["config"] == "dask-2":
            print(f"| {r['stored']} | " + " | ".join(f"{r['exchanged'].get(k, 0):,.0f}" for k in kinds) + " |")
    print()
    print("Task seconds by step (1 worker) at both sizes, and the projection:")
    print(project(by_size, args.new, target_new=10e6, target_stored=1e9, hours=args.hours, price=args.price))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
