"""Reading and scanning a LinkedIn export: posts per second for reading alone and for the whole scan.

Builds a seeded ``Complete_LinkedInDataExport_MM-DD-YYYY.zip`` in a temporary folder (deleted
afterwards; built in a forked child, so its memory is not in the peak RSS of the timed stages).
``--posts`` rows: ~80% in Shares.csv, ~15% in Comments.csv, ~5% in InstantReposts.csv, plus
Profile.csv, Connections.csv and a few Articles/Articles/*.html, one of them a draft. Texts come
from ``synthetic.py`` with its planted copies: pastes of an article, edited pastes, and reposts
of an earlier post (all self-reposts: every post of an export is its owner's). Only a few of the
articles are in the export; pastes of the others have nothing to be found against. The files
are written as LinkedIn writes them (shared/formats/EXPORTS.md §1, tests/fixtures/linkedin):
per-line quoting of multi-line ShareCommentary, ``\\"`` in Comments.csv (with a BOM), URN links,
lnkd.in short links, emoji, hashtags, Unicode-bold hooks, rows newest first (an assumption).

Timed, best of ``--repeat``:
  read_export        ``read_export(zip)`` in this process: detection, unzip, CSV, records
  Detector.scan      ``Detector().scan(records)`` on what was read (default Options, no sources)
  read + scan        the sum of the two above
  dupfeed scan CLI   ``dupfeed scan ZIP --format jsonl --output /dev/null --quiet`` in a
                     subprocess: start-up, read, scan and the JSONL report
Peak RSS is this process's peak so far (``RUSAGE_SELF``), or the CLI child's (``RUSAGE_CHILDREN``
of a small wrapper).
The recall table checks the planted copies whose original is in the export.

    python benchmarks/speed_export.py --posts 10000
    python benchmarks/speed_export.py                    # 100,000 posts
    python benchmarks/speed_export.py --posts 10000 --profile 25
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import html
import os
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import synthetic

from dupfeed import Detector
from dupfeed.readers.exports import read_export

STAGES = ("shingle", "sketch", "index", "verify")
FEED = "https://www.linkedin.com/feed/update/urn%3Ali%3A"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "linkedin"  # Profile.csv, Connections.csv
_URL = re.compile(r"https?://\S+")
_BOLD = str.maketrans({c: chr(0x1D400 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")})


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def short_link(found: re.Match) -> str:
    """LinkedIn shows a typed URL as a lnkd.in link; the same URL gets the same one."""
    return "https://lnkd.in/" + base64.urlsafe_b64encode(hashlib.sha1(found.group(0).encode()).digest()[:6]).decode()


def layout(text: str, rng: np.random.Generator, *, lines: float, quote: float, bold: float) -> str:
    """A post as typed on LinkedIn: short links, sometimes a "quoted" word, one sentence a line,
    a hook in Unicode bold (NFKC folds it back)."""
    words = _URL.sub(short_link, text).split(" ")
    if rng.random() < quote:
        j = int(rng.integers(len(words)))
        words[j] = f'"{words[j]}"'
    text = " ".join(words)
    if rng.random() < lines:
        text = re.sub(r"(?<=[.!?]) ", "\n", text)
    if rng.random() < bold:
        first, newline, rest = text.partition("\n")
        text = first.translate(_BOLD) + newline + rest
    return text


def share_cell(value: str) -> str:
    """ShareCommentary as LinkedIn writes it: every line wrapped in quotes, then RFC 4180."""
    if "\n" in value:
        value = '"\n"'.join(value.split("\n"))
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def comment_cell(value: str) -> str:
    """Message as LinkedIn writes it: quotes escaped with a backslash, not doubled."""
    return '"' + value.replace('"', '\\"') + '"' if any(c in value for c in ',"\n') else value


def article_page(source: synthetic.Source, published: datetime, slug: str, draft: bool) -> str:
    title = html.escape(source.title)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in source.text.split("\n\n"))
    dates = f'<p class="created">Created on {published - timedelta(days=2):%Y-%m-%d %H:%M}</p>\n'
    if not draft:
        dates += f'<p class="published">Published on {published:%Y-%m-%d %H:%M}</p>\n'
    return (
        f'<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>{title}</title></head>\n<body>\n'
        f'<h1><a href="https://www.linkedin.com/pulse/{slug}">{title}</a></h1>\n{dates}<div>{body}</div>\n</body>\n</html>\n'
    )


def build_export(path: Path, n: int, seed: int, n_articles: int) -> dict[datetime, tuple[datetime | None, str]]:
    """Writes the export; returns the planted copies: post time -> (original's time or None, label)."""
    rng = np.random.default_rng([seed, 3])
    n_instant = round(n * 0.05)
    sources = synthetic.articles(max(50, n // 10), seed)
    feed, planted = synthetic.posts(n - n_instant, sources, seed)
    where: dict[str, tuple[str, datetime]] = {}  # document id -> (file, time in the export)
    files = {name: (FIXTURES / name).read_text(encoding="utf-8") for name in ("Profile.csv", "Connections.csv")}
    for k, source in enumerate(sources[: n_articles + 1]):
        published = synthetic.EPOCH - timedelta(days=3 * k + 3, hours=k)
        slug = "-".join(re.findall(r"\w+", source.title.lower())) + f"-zoe-example-{k:03d}"
        title = source.title.replace("/", " ")
        files[f"Articles/Articles/{stamp(published)}.0-{title}.html"] = article_page(source, published, slug, k == n_articles)
        if k < n_articles:
            where[source.id] = ("article", published)
    shares, comments = [], []
    for i, post in enumerate(feed):
        at = post.created_at + timedelta(seconds=int(rng.integers(60)))
        if rng.random() < 0.15 / 0.95:
            where[post.id] = ("comment", at)
            text = layout(post.text, rng, lines=0.2, quote=0.4, bold=0.0).replace("\\", "/")
            comments.append((at, f"{stamp(at)},{FEED}activity%3A{7200000000000000000 + 7 * i},{comment_cell(text)}"))
            continue
        where[post.id] = ("share", at)
        number, roll = 7150000000000000000 + 173 * i, rng.random()
        if roll < 0.1:
            link = f"https://www.linkedin.com/posts/zoe-example_{rng.choice(['writing', 'ai', 'careers'])}-activity-{number}-Xy9Z"
        else:
            link = f"{FEED}{'share' if roll < 0.8 else 'ugcPost' if roll < 0.95 else 'activity'}%3A{number}"
        shared = post.links[0] if post.links and rng.random() < 0.5 else ""
        media = f"https://media.licdn.com/dms/image/D4E22AQ{number:x}/feedshare-shrink_800/0/{i}" if rng.random() < 0.1 else ""
        visibility = rng.choice(["MEMBER_NETWORK"] * 7 + ["PUBLIC", "CONNECTIONS", ""])
        text = share_cell(layout(post.text, rng, lines=0.5, quote=0.2, bold=0.1))
        shares.append((at, f"{stamp(at)},{link},{text},{shared},{media},{visibility}"))
    span = len(feed) * 60
    instant = [synthetic.EPOCH + timedelta(seconds=int(s)) for s in rng.integers(0, span, n_instant)]
    reposts = [(at, f"{stamp(at)},{FEED}activity%3A{7300000000000000000 + 11 * j}") for j, at in enumerate(instant)]

    def csv_text(header: str, rows: list) -> str:  # newest first
        return header + "\n" + "".join(line + "\n" for _, line in sorted(rows, key=lambda r: r[0], reverse=True))

    files["Shares.csv"] = csv_text("Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility", shares)
    files["Comments.csv"] = "\ufeff" + csv_text("Date,Link,Message", comments)
    files["InstantReposts.csv"] = csv_text("Date,Link", reposts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode())
    truth = {}
    for pid, plant in planted.items():
        kind, at = where[pid]
        target = where.get(plant.doc)
        label = f"{plant.kind} {kind} <- {target[0] if target else 'article not in export'}"
        truth[at] = (target[1] if target else None, label)
    return truth


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The CLI runs under a small Python wrapper that reports its child's peak RSS: a child spawned
# straight from this process (vfork, then exec) inherits this process's high-water mark.
WRAPPER = (
    "import resource, subprocess, sys, time; started = time.perf_counter(); status = subprocess.call(sys.argv[1:]); "
    "print(time.perf_counter() - started, status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_cli(path: Path) -> tuple[float, int, float]:
    """Seconds, exit status and peak RSS (MiB) of one ``dupfeed scan`` in a subprocess."""
    dupfeed = Path(sys.executable).with_name("dupfeed")
    command = [str(dupfeed), "scan", str(path), "--format", "jsonl", "--output", os.devnull, "--quiet"]
    out = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, check=True)
    seconds, status, kib = out.stdout.split()[-3:]
    return float(seconds), int(status), int(kib) / 1024


def print_recall(truth: dict, records: list, findings: list) -> None:
    """Planted copies by kind: found when the original is among the post's matches."""
    by_time = {post.created_at: post.id for post in records}
    by_id = {f.id: f for f in findings}
    tally: dict[str, list] = {}
    for post_at, (target_at, label) in truth.items():
        finding = by_id.pop(by_time[post_at])
        row = tally.setdefault(label, [0, 0, Counter()])
        row[0] += target_at is not None and by_time[target_at] in {m.id for m in finding.matches}
        row[1] += 1
        row[2][finding.verdict] += 1
    tally["none (not planted)"] = [0, len(by_id), Counter(f.verdict for f in by_id.values())]
    print(f"\n{'planted':<42}{'posts':>7}{'found':>7}{'recall':>8}{'copy':>7}{'revision':>9}{'original':>9}")
    for label, (hits, total, seen) in sorted(tally.items(), key=lambda item: (item[0].startswith("none"), item[0])):
        known = "not in" not in label and not label.startswith("none")
        found, recall = (hits, f"{hits / total:.1%}") if known else ("-", "-")
        print(f"{label:<42}{total:>7}{found:>7}{recall:>8}{seen['copy']:>7}{seen['revision']:>9}{seen['original']:>9}")
    print(
        "not planted: a copy or revision there is a false alarm; pastes of an article not in the export"
        " can only match one another"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000, help="rows in the export [default: 100000]")
    parser.add_argument("--articles", type=int, default=6, help="published articles in the export [default: 6]")
    parser.add_argument("--repeat", type=int, default=1, help="runs per stage; the best is shown [default: 1]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess run of `dupfeed scan`")
    parser.add_argument("--profile", type=int, metavar="N", help="then profile read + scan once and print the top N functions")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dupfeed-bench-") as tmp:
        path = Path(tmp) / f"Complete_LinkedInDataExport_{synthetic.EPOCH:%m-%d-%Y}.zip"
        started = time.perf_counter()
        with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
            truth = pool.submit(build_export, path, args.posts, args.seed, args.articles).result()
        with zipfile.ZipFile(path) as archive:
            sizes = ", ".join(
                f"{i.filename} {i.file_size / 2**20:.1f} MiB" for i in archive.infolist() if "Articles/" not in i.filename
            )
        print(
            f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB, built in {time.perf_counter() - started:.1f} s (not timed); {sizes}"
        )

        reads, scans = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = read_export(path)
            reads.append(time.perf_counter() - started)
        read_rss = peak_rss_mib()
        for _ in range(args.repeat):
            detector = findings = None  # one detector in memory at a time
            detector = Detector()
            started = time.perf_counter()
            findings = detector.scan(result.records)
            scans.append(time.perf_counter() - started)
        scan_rss = peak_rss_mib()
        cli = [run_cli(path) for _ in range(0 if args.no_cli else args.repeat)]

        rows, records = len(result.records) + len(result.skipped), len(result.records)
        print(
            f"read {records:,} records, skipped "
            + ", ".join(f"{n:,} {why}" for why, n in Counter(s.reason for s in result.skipped).items())
        )
        print(f"\n{'stage':<20}{'posts':>9}{'seconds':>10}{'posts/s':>10}{'peak RSS MiB':>14}")
        table = [
            ("read_export", rows, min(reads), read_rss),
            ("Detector.scan", records, min(scans), scan_rss),
            ("read + scan", rows, min(reads) + min(scans), scan_rss),
        ]
        if cli:
            seconds, status, _ = min(cli)
            table.append((f"dupfeed scan CLI ({status})", rows, seconds, max(c[2] for c in cli)))
        for name, n, seconds, mib in table:
            print(f"{name:<20}{n:>9,}{seconds:>10.2f}{n / seconds:>10,.0f}{mib:>14,.0f}")
        print("posts: rows and article pages read (records + skipped), records for Detector.scan; (n): the CLI's exit status")

        scan = scans[-1]
        print(f"\nDetector.timings (last run; {detector.lsh_bands_rows} bands x rows, {len(detector.index):,} windows)")
        untimed = scan - sum(detector.timings[s] for s in STAGES)
        for name, seconds in [*((s, detector.timings[s]) for s in STAGES), ("untimed (sort, post counts)", untimed)]:
            print(f"{name:<30}{seconds:>10.2f} s{seconds / scan:>8.1%}")
        print_recall(truth, result.records, findings)

        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: Detector().scan(read_export(path).records))
            for order in ("cumulative", "tottime"):
                print(f"\ncProfile of read_export + Detector.scan, by {order}")
                pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(args.profile)


if __name__ == "__main__":
    main()
