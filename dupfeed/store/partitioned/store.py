"""The partitioned store: the SQLite store's commands over Parquet datasets, its work done by
steps that run in this process (``--engine local``) or on a Dask cluster (``--engine dask``).

Posts are scored as the SQLite store scores them, in ``created_at`` order, each against every
source and every earlier post, with the counts of everything ingested before scoring starts; so
``db findings`` gives the same records from either store (a test holds them to it, byte for
byte). A night is: the new documents sketched in parallel partitions and written; their band
keys gathered per band and their counts per key bucket (both shuffles), and the step committed;
then each band's stored keys joined with the keys of the posts to score, the pairs gathered per
partition of posts (distinct bands counted, the author's own earlier posts kept), the counts
those posts read looked up per bucket, and each partition verified by the engine's detector.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import numpy as np
import pyarrow as pa

from ...engine.detector import chronological, unscored
from ...engine.index import bands_rows
from ...errors import OptionsError
from ...options import Options
from ...records import VERDICTS, Post, Source
from ...times import utc_now
from ..db import StoreError
from ..queries import Run
from ..runs import RunLifecycle
from ..store import Added, Scored, first_new, post_from_dict, post_hash, post_key, source_from_dict, source_hash, source_key
from . import steps
from .layout import BUCKET_BITS, BUCKETS, FORMAT, VERSION, Layout
from .runner import DaskRunner, LocalRunner, make_runner

_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STEP_BITS, _RUN_BITS = 28, 40  # a finding's order: run, then the step of the run, then its place


class PartitionedStore(RunLifecycle):
    """A store kept as Parquet datasets in a folder or at an fsspec URL (see
    :mod:`~dupfeed.store.partitioned.layout`), with the methods of :class:`~dupfeed.store.Store`.

    Args:
        url: the store's folder or URL.
        options: detection options for a new store (an existing one keeps its own).
        write, create, wait: as for :class:`~dupfeed.store.Store`.
        engine: ``local`` (steps run in this process) or ``dask``.
        scheduler: the Dask scheduler's address (default: a ``LocalCluster`` of ``jobs`` workers).
        jobs: workers of the local cluster (default: this machine's cores).
        part_size: documents (posts to score) per partition: one task each.
        band_task_windows, count_task_keys: what one task joins at most, of a band's stored
            windows or of a count bucket's stored keys (about 8 bytes each): a band or bucket
            larger than that is joined in ranges of its keys, one task each, in bounded memory.
    """

    def __init__(
        self,
        url: str,
        *,
        options: Options | None = None,
        write: bool = True,
        create: bool = True,
        wait: float = 0.0,
        engine: str = "local",
        scheduler: str | None = None,
        jobs: int | None = None,
        part_size: int = 2_000,
        band_task_windows: int = 20_000_000,
        count_task_keys: int = 50_000_000,
    ):
        if options is not None and (options.exhaustive or options.index_every_other):
            raise OptionsError("a partitioned store joins every window's band keys: no --exhaustive, no index_every_other")
        self.layout = Layout(url, write=write, create=create, wait=wait)
        self.url, self.path = self.layout.url, self.layout.url
        self._engine, self._scheduler, self._jobs, self.part_size = engine, scheduler, jobs, part_size
        self.band_task_windows, self.count_task_keys = band_task_windows, count_task_keys
        self._runner: LocalRunner | DaskRunner | None = None
        self._steps: Counter = Counter()  # findings-writing steps per run, for their order
        self._cached: dict[str, Any] | None = None
        self.open_seconds = 0.0
        self.measure = False
        """Count the bytes that steps hand to other steps (a benchmark's figure; costs a task per piece)."""
        self.exchanged: Counter = Counter()
        """Bytes handed between steps so far, by what they are, when measuring: what a cluster
        may move between workers."""
        self._pieces: list[tuple[str, Any]] = []
        try:
            self.options = self._options(options, write)
            if write:
                self._remove_strays()
        except BaseException:
            self.layout.close()
            raise

    def _options(self, given: Options | None, write: bool) -> Options:
        if not self.layout.fs.exists(self.layout._path("meta.json")):
            options = replace(given or Options(), index="bands")
            if options.exhaustive or options.index_every_other:
                raise OptionsError("a partitioned store joins every window's band keys: no --exhaustive, no index_every_other")
            self._id = secrets.token_hex(8)
            if write:
                meta = {"format": FORMAT, "version": VERSION, "id": self._id, "options": asdict(options)}
                self.layout.write_json("meta.json", meta)
            return options
        meta = self.layout.read_json("meta.json")
        self._id = meta.get("id", "")
        data = meta["options"]
        for name in ("lsh_bands_rows", "lemma_languages"):
            if data.get(name) is not None:
                data[name] = tuple(data[name])
        try:
            options = Options(**data)
        except TypeError as err:  # options this dupfeed does not know
            raise StoreError(f"{self.url}: this store's options cannot be read: {err}") from None
        if given is not None and replace(given, index="bands") != options:
            raise OptionsError(f"{self.url}: this store was made with other options; it keeps them: {data}")
        return options

    def _remove_strays(self) -> None:
        """Remove what a killed run left: files no commit names (scored findings name themselves)."""
        named = set(self._state()["files"])
        stray = [
            p
            for folder in ("docs", "bands", "counts", "keys", "findings")
            for p in self.layout.listing(folder)
            if ".tmp-" in p or (p not in named and not p.startswith("findings/s"))
        ]
        stray += [p for folder in ("commits", "runs", "scored") for p in self.layout.listing(folder) if ".tmp-" in p]
        self.layout.remove(stray)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        self.layout.close()

    @property
    def runner(self) -> LocalRunner | DaskRunner:
        if self._runner is None:
            self._runner = make_runner(self._engine, self._scheduler, self._jobs)
        return self._runner

    def load(self) -> None:
        """Read the commits (what the store holds) now."""
        started = time.perf_counter()
        self._state()
        self.open_seconds = time.perf_counter() - started

    # What the store holds

    def _state(self) -> dict[str, Any]:
        """What the commits add up to: the files of each kind and the totals the steps read."""
        if self._cached is not None:
            return self._cached
        commits = [self.layout.read_json(p) for p in self.layout.listing("commits") if p.endswith(".json")]
        live: dict[str, dict[str, Any]] = {}  # band and count files still in the store, oldest first
        for c in commits:
            for meta in c["bands"] + c["counts"] + c.get("keys", []):
                live[meta["path"]] = meta
            for path in c.get("removed", ()):
                live.pop(path, None)
        bands: dict[str, list[dict[str, Any]]] = defaultdict(list)
        counts: dict[str, list[list[dict[str, Any]]]] = {
            k: [[] for _ in range(BUCKETS)] for k in ("phrases", "words", "author_pairs", "authors")
        }
        digests: list[list[dict[str, Any]]] = [[] for _ in range(BUCKETS)]
        for meta in live.values():
            if "band" in meta:
                bands[str(meta["band"])].append(meta)
            elif "kind" in meta:
                counts[meta["kind"]][meta["bucket"]].append(meta)
            else:
                digests[meta["bucket"]].append(meta)
        last = commits[-1] if commits else {}
        self._cached = {
            "store": f"{self._id}:{self.url}",  # what a worker's document cache knows this store by
            "commits": len(commits),
            "docs": [d for c in commits for d in c["docs"]],
            "docs_of": [(c["commit"], c["docs"]) for c in commits],
            "digests": digests,
            "bands": dict(bands),
            "counts": counts,
            "findings": [f for c in commits for f in c["findings"]],
            "documents": sum(d["count"] for c in commits for d in c["docs"]),
            "sources": sum(c["sources"] for c in commits),
            "windows": sum(m["windows"] for m in bands.get("0", ())),
            "words": sum(c["words"] for c in commits),
            "next_sequence": last.get("next_sequence", 0),
            "by_run": [(c["run"], c["sources"], c["posts"]) for c in commits],
        }
        self._cached["files"] = [*(d["path"] for d in self._cached["docs"]), *live, *self._cached["findings"]]
        return self._cached

    def _scored_files(self) -> list[str]:
        """The scored partitions' findings files (each commits itself), not one still being
        written, nor one a worker killed mid-write left (removed by the next writer)."""
        return [p for p in self.layout.listing("findings") if p.startswith("findings/s") and ".tmp-" not in p]

    def _findings_files(self, runs: Iterable[int] | None = None) -> list[str]:
        """The findings files, or those of ``runs`` only (a file's name says its run)."""
        files = sorted(self._state()["findings"] + self._scored_files())
        if runs is None:
            return files
        wanted = set(runs)
        return [p for p in files if _run_of(p) in wanted]

    def _findings_table(self, columns: list[str], filters: Any = None, files: Sequence[str] | None = None) -> pa.Table:
        """The findings' ``columns`` (in ``files`` only, when given: the caller's listing, not
        made again), each post's first finding only, by order. A post has two only when a task of a killed run on a
        cluster that outlived it finished after the next run had scored the post again: its
        first finding stands (a report of the next run covers the killed one too)."""
        wanted = list(dict.fromkeys([*columns, "key", "order"]))
        table = self.layout.read_tables(self._findings_files() if files is None else files, columns=wanted, filters=filters)
        if not table.num_columns:
            return pa.table({c: pa.array([], pa.int64()) for c in columns})
        table = table.sort_by([("order", "ascending")])
        _, first = np.unique(np.asarray(table.column("key").to_pylist(), dtype=object), return_index=True)
        if len(first) < table.num_rows:
            table = table.take(pa.array(np.sort(first)))
        return table.select(columns)

    # Runs

    def _run_file(self, run: int) -> str:
        return f"runs/{run:06d}.json"

    def _runs(self) -> list[dict[str, Any]]:
        return [self.layout.read_json(p) for p in self.layout.listing("runs") if p.endswith(".json")]

    def begin_run(self, command: str) -> int:
        run = max((r["run"] for r in self._runs()), default=0) + 1
        self.layout.write_json(
            self._run_file(run),
            {
                "run": run,
                "command": command,
                "started": utc_now(),
                "finished": None,
                "status": "running",
                "stats": None,
                "reported_by": None,
            },
        )
        return run

    def _update_run(self, run: int, **changes: Any) -> None:
        self.layout.write_json(self._run_file(run), {**self.layout.read_json(self._run_file(run)), **changes})

    def unreported_runs(self, current: int) -> list[int]:
        """As :meth:`Store.unreported_runs`: earlier runs no report covered, a run left running marked killed."""
        out = []
        for r in self._runs():
            if r["run"] == current:
                continue
            if r["status"] == "running":
                self._update_run(r["run"], status="killed")
            if r["reported_by"] is None:
                out.append(r["run"])
        return sorted(out)

    def finish_run(self, run: int, status: str, stats: dict[str, Any], *, reported: Sequence[int] = ()) -> None:
        self._update_run(run, finished=utc_now(), status=status, stats=stats)
        for r in reported:
            self._update_run(r, reported_by=run)

    def run_started(self, run: int) -> str:
        return self.layout.read_json(self._run_file(run))["started"]

    def run_kept(self, run: int) -> dict[str, int]:
        self._cached = None
        by_run = self._state()["by_run"]
        scored = self._findings_table(["run", "doc"], filters=[("run", "=", run)])
        return {
            "sources": sum(s for r, s, _ in by_run if r == run),
            "posts": sum(p for r, _, p in by_run if r == run),
            "scored": scored.num_rows - scored.column("doc").null_count if scored.num_rows else 0,
        }

    def recent_runs(self, limit: int) -> list[Run]:
        runs = sorted(self._runs(), key=lambda r: -r["run"])[:limit]
        out = [Run(r["run"], r["command"], r["started"], r["finished"], r["status"]) for r in runs]
        if any(r.status == "running" for r in out) and not self.layout.writer_active():
            out = [r._replace(status="killed") if r.status == "running" else r for r in out]
        return out

    # Adding

    def _new(self, records: Sequence[Any], key: Callable, digest: Callable) -> tuple[list[Any], int]:
        """The records not stored yet (by key or content), each once; and how many were."""
        keys = [key(r) for r in records]
        hashes = [digest(r) for r in records]
        known = self._known(keys + hashes)
        kept = first_new(keys, hashes, lambda i: bool(known[i] or known[len(records) + i]))
        return [records[i] for i in kept], len(records) - len(kept)

    def _known(self, texts: Sequence[str]) -> np.ndarray:
        """Which keys or content hashes the store holds: one task per bucket of the identity index."""
        return self._documents_of(texts) > -2

    def _documents_of(self, texts: Sequence[str]) -> np.ndarray:
        """The document each key or content hash names (-1: a native repost's key, -2: none),
        asked of the identity index, one task per bucket."""
        hi, lo = steps.digests(texts)
        bucket = (hi >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)
        known = np.full(len(texts), -2, dtype=np.int64)
        asked = [(b, np.flatnonzero(bucket == b)) for b, files in enumerate(self._state()["digests"]) if files]
        asked = [(b, rows) for b, rows in asked if len(rows)]
        tasks = [
            self.runner.submit(
                steps.known_digests, self.url, [m["path"] for m in self._state()["digests"][b]], hi[rows], lo[rows]
            )
            for b, rows in asked
        ]
        for (_, rows), found in zip(asked, self._gather(tasks)):
            known[rows] = found
        return known

    def _order(self, run: int) -> int:
        """Where the findings of this step of ``run`` come in the store's order."""
        step = self._steps[run]
        self._steps[run] += 1
        return (run << _RUN_BITS) | (step << _STEP_BITS)

    def _piece(self, what: str, handle: Any, *path: Any) -> Any:
        """A piece of a step's result that another step reads: what a cluster moves between
        workers (its bytes are added to :attr:`exchanged` under ``what`` when measuring)."""
        piece = self.runner.pick(handle, *path)
        if self.measure:
            self._pieces.append((what, self.runner.submit(steps.nbytes, piece)))
        return piece

    def _measured(self) -> None:
        if self._pieces:
            for (what, _), size in zip(self._pieces, self._gather([h for _, h in self._pieces])):
                self.exchanged[what] += size
            self._pieces = []

    def _gather(self, handles: Sequence[Any]) -> list[Any]:
        found = dict(self.runner.results(handles))
        return [found[i] for i in range(len(handles))]

    def _add(self, records: Sequence[Post | Source], orders: Sequence[Any], run: int, reposts: Sequence[Post] = ()) -> None:
        state = self._state()
        commit, first, runner = state["commits"] + 1, state["documents"], self.runner
        # The step's files are named by its commit and its run: a task of a killed run that a
        # cluster finishes late writes files of its own, never over this run's (they are strays).
        stem = f"{commit:08d}-{run:06d}"
        bands, _ = bands_rows(self.options.lsh_threshold, self.options.num_perm, self.options.lsh_bands_rows)
        size = self.part_size
        sketched = [
            runner.submit(
                steps.sketch,
                self.url,
                self.options,
                records[lo : lo + size],
                orders[lo : lo + size],
                first + lo,
                stem,
                lo // size,
                run,
            )
            for lo in range(0, len(records), size)
        ]
        written = [
            runner.submit(
                steps.write_band,
                self.url,
                stem,
                j,
                [self._piece("band keys", s, "bands", j) for s in sketched],
                state["bands"].get(str(j), []),
            )
            for j in range(bands)
        ]
        counted = [
            runner.submit(
                steps.merge_counts,
                self.url,
                stem,
                b,
                {kind: state["counts"][kind][b] for kind in state["counts"]},
                [self._piece("counts", s, "counts", b) for s in sketched],
                self.count_task_keys,
            )
            for b in range(BUCKETS)
        ]
        identities = [
            *(source_key(r) if isinstance(r, Source) else post_key(r) for r in records),
            *(source_hash(r) if isinstance(r, Source) else post_hash(r) for r in records),
            *(post_key(p) for p in reposts),  # a native repost is stored as its finding only, by key
        ]
        numbers = np.arange(first, first + len(records), dtype=np.int64)
        owners = np.concatenate([numbers, numbers, np.full(len(reposts), -1, dtype=np.int64)])
        hi, lo = steps.digests(identities)
        bucket = (hi >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)
        indexed = [
            runner.submit(
                steps.write_digests,
                self.url,
                stem,
                b,
                hi[bucket == b],
                lo[bucket == b],
                owners[bucket == b],
                state["digests"][b],
            )
            for b in range(BUCKETS)
            if (bucket == b).any()
        ]
        docs = self._gather([runner.pick(s, "docs") for s in sketched])
        totals = self._gather([runner.pick(s, "words") for s in sketched])
        findings = []
        if reposts:
            name = f"findings/i{stem}.parquet"
            steps.write_findings(self.url, name, [(None, unscored(p)) for p in reposts], self._order(run), run)
            findings.append(name)
        sources = sum(d["sources"] for d in docs)
        changed = self._gather(written) + self._gather(counted)
        keys_changed = self._gather(indexed)
        removed = [p for change in changed + keys_changed for p in change["removed"]]
        record = {
            "commit": commit,
            "run": run,
            "docs": docs,
            "bands": [m for change in changed[:bands] for m in change["added"]],
            "counts": [m for change in changed[bands:] for m in change["added"]],
            "keys": [m for change in keys_changed for m in change["added"]],
            "removed": removed,
            "findings": findings,
            "sources": sources,
            "posts": len(records) - sources,
            "words": sum(totals),
            "next_sequence": max([o[1] + 1 for o in orders if o is not None], default=state["next_sequence"]),
        }
        self.layout.write_json(f"commits/{commit:08d}.json", record)
        self.layout.remove(removed)  # merged into this step's files (should this fail, the next writer removes them)
        self._cached = None
        self._measured()

    def add_sources(self, sources: Iterable[Source], *, run: int) -> Added:
        """Store and index new source articles (an id or a text already stored is skipped)."""
        fresh, known = self._new(list(sources), source_key, source_hash)
        if fresh:
            self._add(fresh, [None] * len(fresh), run)
        return Added(len(fresh), known)

    def ingest(self, posts: Iterable[Post], *, run: int) -> Added:
        """Store, index and count new posts, to be scored by :meth:`score`."""
        fresh, known = self._new(list(posts), post_key, post_hash)
        if not fresh:
            return Added(0, known)
        order, scored = chronological(fresh)
        compared = set(scored)
        sequence = self._state()["next_sequence"]
        records = [fresh[i] for i in scored]
        self._add(
            records,
            [(p.created_at, sequence + n) for n, p in enumerate(records)],
            run,
            [fresh[i] for i in order if i not in compared],
        )
        return Added(len(scored), known, len(fresh) - len(scored))

    # Scoring

    def _scored_through(self) -> tuple[int, tuple[int, int]]:
        """How many commits have every post scored, and by which scoring step (run, step): each
        scoring that finishes says so in ``scored/``, so that finding what is pending reads the
        documents added since, not the whole store."""
        markers = [self.layout.read_json(p) for p in self.layout.listing("scored") if p.endswith(".json")]
        last = max(markers, key=lambda m: (m["run"], m["step"]), default=None)
        return (last["through"], (last["run"], last["step"])) if last else (0, (0, -1))

    def pending(self) -> list[int]:
        """The stored posts not yet scored, in the order they are to be scored."""
        through, step = self._scored_through()
        docs = [d for commit, files in self._state()["docs_of"] if commit > through for d in files]
        if not docs:
            return []
        table = self.layout.read_tables([d["path"] for d in docs], columns=["doc", "is_source", "at", "sequence"])
        table = table.filter(pa.array(~table.column("is_source").to_numpy(zero_copy_only=False)))
        later = [p for p in self._scored_files() if _step_of(p) > step]
        scored = self.layout.read_tables(later, columns=["doc"]).column("doc").to_numpy() if later else np.zeros(0)
        numbers = table.column("doc").to_numpy()
        todo = ~np.isin(numbers, scored)
        at, sequence = table.column("at").to_numpy()[todo], table.column("sequence").to_numpy()[todo]
        return numbers[todo][np.lexsort((sequence, at))].tolist()

    def score(self, *, run: int, progress: Callable[[int], None] | None = None, pending: list[int] | None = None) -> Scored:
        """Score every post not yet scored; each partition's findings are committed as it is made."""
        numbers = self.pending() if pending is None else pending
        result = Scored()
        if not numbers:
            return result
        state, runner, size = self._state(), self.runner, self.part_size
        parts = [numbers[lo : lo + size] for lo in range(0, len(numbers), size)]
        queries = np.asarray(numbers, dtype=np.int64)
        # Each band is joined in ranges of its keys small enough for one task; so is each count bucket.
        bands_of, looked = [], []
        for j, metas in sorted(state["bands"].items(), key=lambda b: int(b[0])):
            pieces = max(1, -(-sum(m["windows"] for m in metas) // self.band_task_windows))
            for keys in steps.key_ranges(0, 1 << 32, pieces):
                bands_of.append(int(j))
                looked.append(runner.submit(steps.band_lookup, self.url, int(j), [m["path"] for m in metas], queries, size, keys))
        plans = [
            runner.submit(
                steps.plan, self.url, self.options, state, part, [self._piece("band pairs", band, p) for band in looked], bands_of
            )
            for p, part in enumerate(parts)
        ]
        answers = []
        width = 1 << (32 - BUCKET_BITS)
        for b in range(BUCKETS):
            files = {kind: [m["path"] for m in state["counts"][kind][b]] for kind in ("phrases", "authors", "words")}
            pieces = max(1, -(-sum(m["keys"] for kind in files for m in state["counts"][kind][b]) // self.count_task_keys))
            for keys in steps.key_ranges(b * width, (b + 1) * width, pieces):
                answers.append(
                    runner.submit(
                        steps.lookup,
                        self.url,
                        files,
                        [self._piece("count keys", plan, "phrases", b) for plan in plans],
                        [self._piece("count keys", plan, "words", b) for plan in plans],
                        keys,
                    )
                )
        order, step = self._order(run), self._steps[run] - 1
        verified = [
            runner.submit(
                steps.verify,
                self.url,
                self.options,
                state,
                part,
                self._piece("candidates", plans[p], "candidates"),
                [self._piece("count answers", answer, p) for answer in answers],
                f"findings/s{run:06d}-{step:03d}-{p:05d}.parquet",
                order + p * size,
                run,
            )
            for p, part in enumerate(parts)
        ]
        for p, verdicts in runner.results(verified):
            result.verdicts.update(verdicts)
            if progress is not None:
                progress(len(parts[p]))
        # Every post of these commits is scored now (``pending`` is all of them, as documented).
        self.layout.write_json(f"scored/{run:06d}-{step:03d}.json", {"run": run, "step": step, "through": state["commits"]})
        self._measured()
        return result

    # Reading

    def findings(
        self, *, since: datetime | None = None, until: datetime | None = None, run: int | Iterable[int] | None = None
    ) -> Iterator[tuple[dict[str, Any], list[str]]]:
        """Stored findings in processing order: each ``--format jsonl`` record and its matches' keys."""
        runs = None if run is None else [run] if isinstance(run, int) else list(run)
        # Only the runs' own files are read (a night's report reads that night's findings, not
        # the store's), with those of runs that did not end well: only a late task of one of
        # them can have scored a post of these runs first. And only the rows in the time range
        # are decoded: a post's findings share its time.
        read = None if runs is None else {*runs, *(r["run"] for r in self._runs() if r["status"] != "ok")}
        window = [("at", ">=", steps.micros(since))] if since is not None else []
        window += [("at", "<", steps.micros(until))] if until is not None else []
        files = self._findings_files(read)
        if not files:
            return
        table = self._findings_table(["at", "order", "run", "record", "match_keys"], filters=window or None, files=files)
        if runs is not None:
            table = table.filter(pa.array(np.isin(table.column("run").to_numpy(), runs)))
        table = table.sort_by([("at", "ascending"), ("order", "ascending")])
        for record, keys in zip(table.column("record").to_pylist(), table.column("match_keys").to_pylist()):
            yield json.loads(record), json.loads(keys)

    def records(self, keys: Iterable[str]) -> dict[str, Post | Source]:
        """The stored posts and sources under ``keys``."""
        wanted = sorted(set(keys))
        if not wanted or not self._state()["docs"]:
            return {}
        numbers = np.unique(self._documents_of(wanted))
        numbers = numbers[numbers >= 0]
        if not len(numbers):
            return {}
        table = steps.read_docs(self.url, self._state()["docs"], numbers, ["key", "is_source", "record"])
        out: dict[str, Post | Source] = {}
        asked = set(wanted)
        for key, is_source, record in zip(*(table.column(c).to_pylist() for c in ("key", "is_source", "record"))):
            if key in asked:
                data = json.loads(record)
                out[key] = source_from_dict(data) if is_source else post_from_dict(data)
        return out

    def verdicts(self, keys: Iterable[str]) -> dict[str, str]:
        """The stored verdict of each of these posts that has been scored."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        table = self._findings_table(["key", "verdict"], filters=[("key", "in", wanted)])
        return dict(zip(table.column("key").to_pylist(), table.column("verdict").to_pylist()))

    def counts(self) -> dict[str, int]:
        """How much the store holds."""
        state = self._state()
        verdicts = Counter(self._findings_table(["verdict"]).column("verdict").to_pylist())
        return {
            "sources": state["sources"],
            "posts": state["documents"] - state["sources"],
            "scored": sum(verdicts.values()),
            "unscored": len(self.pending()),
            **{v: verdicts.get(v, 0) for v in VERDICTS},
            "runs": len(self._runs()),
        }

    def verdicts_by_day(self, days: int) -> dict[str, Counter[str]]:
        """As :meth:`Store.verdicts_by_day`: verdicts per UTC day of the posts, the last ``days`` days."""
        files = self._findings_files()
        if not files:
            return {}
        # The last day from the files' footers, then only the rows of the last ``days`` days:
        # the files of older posts are skipped by their statistics, not read.
        highest = [self.layout.column_max(f, "at") for f in files]
        unsaid = [f for f, h in zip(files, highest) if h is None]  # no statistics (or no rows): read
        highest += self.layout.read_tables(unsaid, columns=["at"]).column("at").to_pylist() if unsaid else []
        last = max((h for h in highest if h is not None), default=None)
        if last is None:
            return {}
        since = int(last) // _DAY - days + 1
        table = self._findings_table(["at", "verdict"], filters=[("at", ">=", since * _DAY)], files=files)
        by_day: dict[str, Counter[str]] = defaultdict(Counter)
        for d, verdict in zip((table.column("at").to_numpy() // _DAY).tolist(), table.column("verdict").to_pylist()):
            by_day[(_EPOCH + timedelta(microseconds=d * _DAY)).date().isoformat()][verdict] += 1
        return dict(by_day)

    def beside(self, name: str) -> Path:
        """A file kept with the store (fetched pages, fetched posts): in its folder, or for a
        store at a URL in ``~/.cache/dupfeed/`` under the URL's name."""
        if self.layout.local:
            return Path(self.layout.root) / name
        return Path.home() / ".cache" / "dupfeed" / re.sub(r"[^\w.-]+", "_", self.url) / name

    def size(self) -> int:
        """Bytes on disk (or in the bucket)."""
        return self.layout.size()


def _run_of(path: str) -> int:
    """The run that wrote a findings file, from its name (``findings/s<run>-<step>-<part>``,
    or ``findings/i<commit>-<run>`` for an ingest step's native reposts)."""
    name = path.rsplit("/", 1)[1]
    if name.startswith("s"):
        return _step_of(path)[0]
    return int(name[1:].split(".")[0].split("-")[1])


def _step_of(path: str) -> tuple[int, int]:
    """The (run, step) of a scored findings file, from its name (``findings/s<run>-<step>-<part>``)."""
    run, step, _ = path.rsplit("/", 1)[1][1:].split("-")
    return int(run), int(step)


__all__ = ["PartitionedStore"]
