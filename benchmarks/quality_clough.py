"""Quality on the Clough & Stevenson corpus of plagiarised short answers (../shared/corpora/clough-dev).

Posts are the answers, sources the Wikipedia articles; every answer goes through the index like
any post (it is checked against all sources and all earlier answers, not told its task). Prints
the four-class confusion table, the binary accuracy (cut/light/heavy against non), whether each
cut and light answer is matched to its own task's source, and, with --sweep, the same figures
for other shingle sizes.

    python benchmarks/quality_clough.py [--corpus DIR] [--sweep]
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dupfeed import Detector, Options, Post, Source  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "clough-dev"
CATEGORIES = ("cut", "light", "heavy", "non")
EPOCH = datetime(2011, 1, 1, tzinfo=timezone.utc)


def load(corpus: Path) -> tuple[list[Source], list[Post], dict[str, tuple[str, str]]]:
    labels = {}
    with open(corpus / "labels.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            labels[row["file"]] = (row["task"], row["category"])
    sources, posts = [], []
    for name, (task, category) in sorted(labels.items()):
        text = (corpus / "texts" / name).read_text(encoding="utf-8")
        if category == "orig":
            sources.append(Source(id=name, text=text))
        else:
            # Same timestamp for all: the file order decides which answer is "earlier".
            posts.append(Post(id=name, text=text, author=name.split("_")[0], created_at=EPOCH))
    return sources, posts, labels


def evaluate(options: Options, sources, posts, labels) -> dict:
    detector = Detector(options)
    detector.add_sources(sources)
    findings = detector.scan(posts)
    confusion = {c: {"copy": 0, "revision": 0, "original": 0} for c in CATEGORIES}
    correct = 0
    own_source_missed = []
    containment = {c: [] for c in CATEGORIES}
    for f in findings:
        task, category = labels[f.id]
        confusion[category][f.verdict] += 1
        plagiarised = category != "non"
        correct += (f.verdict != "original") == plagiarised
        best = max((m.containment for m in f.matches), default=0.0)
        containment[category].append(best)
        if category in ("cut", "light"):
            sources_found = [m.id for m in f.matches if m.kind == "source"]
            top = f.matches[0].id if f.matches else None
            if f"orig_task{task}.txt" not in sources_found or top != f"orig_task{task}.txt":
                own_source_missed.append((f.id, top))
    return {
        "confusion": confusion,
        "accuracy": correct / len(findings),
        "missed": own_source_missed,
        "containment": containment,
        "n": len(findings),
    }


def print_report(options: Options, result: dict) -> None:
    print(f"shingle_size={options.shingle_size}  answers={result['n']}")
    print(f"{'category':<10}{'copy':>8}{'revision':>10}{'original':>10}{'median containment':>20}")
    for c in CATEGORIES:
        row = result["confusion"][c]
        values = sorted(result["containment"][c])
        median = values[len(values) // 2] if values else 0.0
        print(f"{c:<10}{row['copy']:>8}{row['revision']:>10}{row['original']:>10}{median:>20.3f}")
    print(f"binary accuracy (cut/light/heavy vs non): {result['accuracy']:.3f}")
    missed = result["missed"]
    print(f"cut/light answers whose top match is not their own task's source: {len(missed)}")
    for name, top in missed:
        print(f"  {name}: top match {top}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--sweep", action="store_true", help="also report shingle sizes 2 to 5")
    args = parser.parse_args()
    sources, posts, labels = load(args.corpus)
    base = Options()
    sizes = [2, 3, 4, 5] if args.sweep else [base.shingle_size]
    for k in sizes:
        options = replace(base, shingle_size=k)
        print_report(options, evaluate(options, sources, posts, labels))
        print()


if __name__ == "__main__":
    main()
