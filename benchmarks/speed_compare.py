"""Scan time of this checkout against another commit, in one run: runs alternate between the two.

On a shared machine a lone wall-clock time says little, and two runs minutes apart see different
loads. This program checks the other commit out into a temporary git worktree beside this one
(so that both find ``../shared/corpora``), then runs the same generated feed through each tree's
``Detector`` in turn, ``--runs`` times, in fresh processes, and prints the CPU seconds of adding
the sources and of the scan (and of the sketch stage, which neither side should have changed),
with the ratio of the fastest runs.

    python benchmarks/speed_compare.py --base ec1583c [--posts 10000] [--articles 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside each tree: only names both old and new dupfeed have.
_CHILD = """
import json, sys, time
sys.path.insert(0, "benchmarks")
import synthetic
from dupfeed import Detector, Options
sources = synthetic.articles({articles}, seed=0)
posts, _ = synthetic.posts({posts}, sources, seed=0)
started = time.process_time()
detector = Detector(Options(index="bands"))
detector.add_sources(sources)
added = time.process_time()
detector.scan(posts)
done = time.process_time()
print(json.dumps({{"add_sources": added - started, "scan": done - added, "sketch": detector.timings["sketch"]}}))
"""


def run_tree(tree: Path, posts: int, articles: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = _CHILD.format(posts=posts, articles=articles)
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare with (e.g. the one before a change)")
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=ROOT.parent, prefix=".dupfeed-base-") as parent:
        base = Path(parent) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
        try:
            # The base tree must find ../shared as this one does: link it beside the worktree.
            shared = ROOT.parent / "shared"
            if shared.exists():
                (Path(parent) / "shared").symlink_to(shared)
                base = Path(parent) / "tree"
            results: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
            for _ in range(args.runs):
                results["base"].append(run_tree(base, args.posts, args.articles))
                results["this"].append(run_tree(ROOT, args.posts, args.articles))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)

    print(f"{args.posts:,} posts against {args.articles:,} articles, {args.runs} runs each, alternating; CPU seconds")
    print(f"{'tree':<8}{'stage':<14}{'min':>8}{'median':>8}")
    for name, runs in results.items():
        label = args.base if name == "base" else "this"
        for stage in ("add_sources", "scan", "sketch"):
            values = [r[stage] for r in runs]
            print(f"{label[:8]:<8}{stage:<14}{min(values):>8.2f}{statistics.median(values):>8.2f}")
    for stage in ("scan", "sketch"):
        ratio = min(r[stage] for r in results["this"]) / min(r[stage] for r in results["base"])
        print(f"{stage}: this / {args.base} = {ratio:.2f}x (fastest runs)")


if __name__ == "__main__":
    main()
