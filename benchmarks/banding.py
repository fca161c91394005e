"""Recall of planted copies under another banding, with two distinct bands required (as in a
store past ``lsh_one_band_below`` windows): what longer bands, which a store of a billion posts
would need to cut chance pairs, cost on a generated feed.

    python benchmarks/banding.py                         # 2,000 articles, 20,000 posts; 28x2 and 32x4
    python benchmarks/banding.py --bands-rows 32x3 32x4 --posts 5000
"""

from __future__ import annotations

import argparse
import time

import synthetic

from dupfeed import Detector, Options


def _banding(text: str) -> tuple[int, int] | None:
    if text == "default":
        return None
    bands, rows = text.split("x")
    return int(bands), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--bands-rows", nargs="+", default=["default", "32x4"], help="BxR, or default (28x2 here)")
    args = parser.parse_args()
    articles = synthetic.articles(args.articles, seed=5)
    posts, truth = synthetic.posts(args.posts, articles, seed=5)
    print(f"{args.articles:,} articles, {args.posts:,} posts; two distinct bands required for a candidate")
    print("| bands x rows | scan s | pasted | edited | reposts | originals flagged |")
    print("|---|---|---|---|---|---|")
    for text in args.bands_rows:
        detector = Detector(Options(lsh_bands_rows=_banding(text), lsh_one_band_below=0))
        detector.add_sources(articles)
        started = time.perf_counter()
        found = {f.id: f for f in detector.scan(posts)}
        seconds = time.perf_counter() - started
        hits = {kind: [0, 0] for kind in (synthetic.PASTE, synthetic.EDITED, synthetic.REPOST)}
        for post_id, planted in truth.items():
            hits[planted.kind][1] += 1
            hits[planted.kind][0] += any(m.id == planted.doc for m in found[post_id].matches)
        flagged = sum(1 for f in found.values() if f.id not in truth and f.verdict != "original")
        bands, rows = detector.lsh_bands_rows
        cells = [f"{h}/{n} ({h / max(n, 1):.3f})" for h, n in hits.values()]
        print(f"| {bands}x{rows} | {seconds:.1f} | " + " | ".join(cells) + f" | {flagged} |")


if __name__ == "__main__":
    main()
