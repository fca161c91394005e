"""One night on the partitioned store, in this process and on a Dask LocalCluster of 1 and 2
workers, beside the SQLite store (the single-machine peer) on the same base and the same night.

A base store of ``--stored`` posts (and a tenth as many articles) is built once; each
configuration then runs the same night (``--new`` posts, a tenth as many articles) on its own
copy of it: ingest, then scoring. Printed: seconds and posts per second, the scaling ratio of
two workers over one, bytes on disk per stored post, bytes handed between steps per new post
(what a cluster may move between workers) and bytes workers really sent each other; whether
every configuration found the same (byte for byte); then each step's task seconds per new post
and per stored post, which the projection at the end scales up (see ``--project``).

    python benchmarks/dask_nightly.py                     # 100,000 stored, 20,000 new (~10 min)
    python benchmarks/dask_nightly.py --stored 10000 --new 2000   # a quick look
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
PER_STORED = {"merge_counts", "band_lookup", "lookup"}  # steps that read a band or a bucket whole: grow with the store


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
            with store.running("night") as run:
                store.add_sources(sources, run=run)
                store.ingest(posts, run=run)
                row["ingest s"] = time.perf_counter() - started
                store.score(run=run)
                store.finish_run(run, "ok", {})
                found = [json.dumps(r) for r, _ in store.findings(run=run)]
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
            row["exchanged B/post"] = store.exchanged / len(posts)
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


def project(
    steps: dict[str, float], new: int, stored: int, *, target_new: float, target_stored: float, hours: float, price: float
) -> str:
    """The cluster for ``target_new`` posts a night against ``target_stored``, scaling each step's
    measured task seconds by what it grows with (new posts, or the stored posts it reads whole)."""
    lines = ["| step | grows with | measured task s | s per unit | projected core-hours |", "|---|---|---|---|---|"]
    total = 0.0
    for step in STEPS:
        s = steps.get(step, 0.0)
        grows = "stored posts" if step in PER_STORED else "new posts"
        unit = s / (stored if step in PER_STORED else new)
        hours_needed = unit * (target_stored if step in PER_STORED else target_new) / 3600
        total += hours_needed
        lines.append(f"| {step} | {grows} | {s:.1f} | {unit:.2e} | {hours_needed:,.0f} |")
    cores = total / hours
    lines.append("")
    lines.append(
        f"{target_new:,.0f} new posts against {target_stored:,.0f} stored: {total:,.0f} core-hours a night; "
        f"within {hours:g} h that is {cores:,.0f} cores (e.g. {cores / 16:,.0f} machines of 16 cores), "
        f"about ${total * price:,.0f} a night at ${price}/core-hour."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=20_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/dupfeed-dask-nightly"))
    parser.add_argument("--hours", type=float, default=6.0, help="the night's window, for the projection")
    parser.add_argument("--price", type=float, default=0.02, help="dollars per core-hour (spot/preemptible), for the projection")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)

    base_sources, base_posts = _data(args.stored, args.stored // 10, seed=11, day=0, prefix="b-")
    night = _data(args.new, args.new // 10, seed=12, day=30, prefix="n-")
    print(
        f"base: {args.stored:,} posts, {args.stored // 10:,} articles; night: {args.new:,} posts, {args.new // 10:,} articles",
        flush=True,
    )
    started = time.perf_counter()
    with Store(args.work / "base.db", jobs=2) as store:
        _fill(store, base_sources, base_posts)
    print(f"SQLite base built in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    with PartitionedStore(str(args.work / "base-parts"), engine="dask", jobs=2) as store:
        _fill(store, base_sources, base_posts)
    print(f"partitioned base built in {time.perf_counter() - started:.0f} s (2 workers)", flush=True)
    stored_docs = args.stored

    rows = []
    for name, base, workers in (
        ("sqlite", args.work / "base.db", None),
        ("local", args.work / "base-parts", None),
        ("dask-1", args.work / "base-parts", 1),
        ("dask-2", args.work / "base-parts", 2),
    ):
        row = run_config(name, base, args.work, night, workers)
        row["disk B/stored post"] = _size(base) / stored_docs
        rows.append(row)
        print(f"  {name}: {row['night s']:.1f} s", flush=True)

    same = all(r["found"] == rows[0]["found"] for r in rows)
    one = next(r for r in rows if r["config"] == "dask-1")
    two = next(r for r in rows if r["config"] == "dask-2")
    cols = [
        "config",
        "ingest s",
        "score s",
        "night s",
        "posts/s",
        "disk B/stored post",
        "exchanged B/post",
        "sent between workers B/post",
    ]
    print()
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append("-" if v is None else v if isinstance(v, str) else f"{v:,.1f}" if v < 100 else f"{v:,.0f}")
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        f"findings of the night the same in every configuration, byte for byte: {'yes' if same else 'NO'} ({len(rows[0]['found']):,} posts)"
    )
    print(
        f"scaling, 2 workers over 1: {one['night s'] / two['night s']:.2f}x (night), posts/s {two['posts/s']:,.0f} vs {one['posts/s']:,.0f}"
    )
    print(f"partitioned on 2 workers vs the SQLite store (2 processes): {rows[0]['night s'] / two['night s']:.2f}x the speed")
    print()
    print("Task seconds by step (1 worker), and the projection:")
    print(project(one["task s"], args.new, args.stored, target_new=10e6, target_stored=1e9, hours=args.hours, price=args.price))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
