"""Precision of what dupfeed flags on seven real platform exports (../shared/corpora/real-exports).

Each export folder is scanned as a user would scan it (``scan_files``, no sources). Every post
match of a ``copy`` or ``revision`` finding is a flagged pair, looked up in the pairs a person
judged: ``judged_pairs.csv`` beside the exports, and ``real_judgements.csv`` beside this program
for pairs judged since (same columns; ids, labels and a reason that names the kind of pair, never
post text: the posts are real people's). Prints per export the posts read, the pairs flagged, how
many are judged true or false, precision over the judged ones, how many judged-true pairs are still
flagged, then every unjudged flagged pair and every judged-true pair no longer flagged. With
``--show`` it prints both texts of some pairs to the terminal, for a person to judge them.

    python benchmarks/quality_real.py [--exports NAME...] [--show unjudged|false|true|missed]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dupfeed import DupfeedError, Finding, Match, Post, scan_files
from dupfeed.records import FLAGGED_VERDICTS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "real-exports"
EXTRA_JUDGEMENTS = Path(__file__).resolve().with_name("real_judgements.csv")
SHOW_KINDS = ("unjudged", "false", "true", "missed")
TEXT_WIDTH = 400

Pair = tuple[str, str, str]
"""(export, post id, matched post id)."""


@dataclass(frozen=True)
class Judgement:
    label: bool
    reason: str
    verdict: str
    """The verdict the pair had when it was judged."""


@dataclass(frozen=True)
class Flag:
    finding: Finding
    match: Match


@dataclass
class ExportRun:
    """One export's scan: the posts it read and the pairs it flagged."""

    name: str
    expected: int | None
    read: int = 0
    error: str | None = None
    flagged: dict[Pair, Flag] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)


def load_judgements(paths: list[Path]) -> dict[Pair, Judgement]:
    """Every judged pair of the given CSV files; a pair judged twice is an error."""
    judged: dict[Pair, Judgement] = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                pair = (row["export"], row["post_id"], row["matched_id"])
                if row["label"] not in ("true", "false"):
                    sys.exit(f"{path}:{line}: label must be true or false, not {row['label']!r}")
                if pair in judged:
                    sys.exit(f"{path}:{line}: pair already judged: {pair}")
                judged[pair] = Judgement(row["label"] == "true", row["reason"], row["verdict"])
    return judged


def scan_export(folder: Path, expected: int | None) -> ExportRun:
    run = ExportRun(folder.name, expected)
    try:
        result = scan_files([folder], [])
    except DupfeedError as error:
        run.error = str(error)
        return run
    run.read = result.summary.posts
    for finding in result.findings:
        run.findings[finding.id] = finding
        if finding.verdict in FLAGGED_VERDICTS:
            for match in finding.matches:
                if match.kind == "post":
                    run.flagged[(folder.name, finding.id, match.id)] = Flag(finding, match)
    return run


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


def post_labels(run: ExportRun, judged: dict[Pair, Judgement]) -> list[bool | None]:
    """Per flagged post: true if one of its flagged pairs is judged true, false if all are judged
    false, None while some pair is unjudged."""
    labels: dict[str, list[bool | None]] = {}
    for pair in run.flagged:
        labels.setdefault(pair[1], []).append(judged[pair].label if pair in judged else None)
    return [True if True in ls else (None if None in ls else False) for ls in labels.values()]


@dataclass(frozen=True)
class Tally:
    """The figures of some exports: flagged pairs, how they are judged, judged-true pairs in all."""

    flagged: int
    true: int
    false: int
    all_true: int

    @classmethod
    def of(cls, runs: list[ExportRun], judged: dict[Pair, Judgement]) -> Tally:
        names = {r.name for r in runs}
        labels = [judged[p].label for r in runs for p in r.flagged if p in judged]
        all_true = sum(1 for p, j in judged.items() if j.label and p[0] in names)
        return cls(sum(len(r.flagged) for r in runs), labels.count(True), labels.count(False), all_true)


def table_row(name: str, runs: list[ExportRun], judged: dict[Pair, Judgement]) -> list[str]:
    """The table's figures over ``runs`` (one export, or all for the total)."""
    t = Tally.of(runs, judged)
    posts = [label for r in runs for label in post_labels(r, judged)]
    post_true, post_false = posts.count(True), posts.count(False)
    known = [r.expected for r in runs if r.expected is not None]
    read = "read failed" if all(r.error for r in runs) else f"{sum(r.read for r in runs)}/{sum(known)}"
    return [
        name,
        read,
        str(t.flagged),
        str(t.true),
        str(t.false),
        str(t.flagged - t.true - t.false),
        ratio(t.true, t.true + t.false),
        f"{t.true}/{t.all_true}",
        str(len(posts)),
        ratio(post_true, post_true + post_false),
    ]


def print_table(runs: list[ExportRun], judged: dict[Pair, Judgement]) -> None:
    header = [
        "export",
        "read/expected",
        "flagged",
        "true",
        "false",
        "unjudged",
        "precision",
        "true found",
        "posts flagged",
        "post precision",
    ]
    rows = [header] + [table_row(r.name, [r], judged) for r in runs]
    rows.append(table_row("total", runs, judged))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print(row[0].ljust(widths[0]) + "".join(cell.rjust(w + 2) for cell, w in zip(row[1:], widths[1:])))


def missed_pairs(runs: list[ExportRun], judged: dict[Pair, Judgement]) -> list[Pair]:
    """Judged-true pairs of the scanned exports that are not flagged now."""
    flagged = {p for r in runs for p in r.flagged}
    names = {r.name for r in runs}
    return sorted(p for p, j in judged.items() if j.label and p[0] in names and p not in flagged)


def shown(text: str) -> str:
    return textwrap.indent(textwrap.shorten(text, TEXT_WIDTH, placeholder=" […]"), "    ")


def show_pair(pair: Pair, run: ExportRun, judged: dict[Pair, Judgement]) -> None:
    """Both texts of a pair and what the match says about it: for the terminal only."""
    export, post_id, matched_id = pair
    finding, matched = run.findings.get(post_id), run.findings.get(matched_id)
    flag = run.flagged.get(pair)
    match = flag.match if flag else None
    if match is None and finding is not None:
        # A pair no longer flagged may still be a weak match of a post now called original.
        match = next((m for m in finding.matches if m.id == matched_id), None)
    judgement = judged.get(pair)
    print(
        f"== {export} {post_id} -> {matched_id}  verdict now: {finding.verdict if finding else 'not read'}"
        + (f"  judged {str(judgement.label).lower()} ({judgement.reason})" if judgement else "  unjudged")
    )
    post: Post | None = finding.post if finding else None
    matched_post: Post | None = matched.post if matched else None
    print("  post:\n" + (shown(post.text) if post else "    (not read)"))
    print("  matched:\n" + (shown(matched_post.text) if matched_post else "    (not read)"))
    print("  match: " + (json.dumps(match.to_dict(), ensure_ascii=False) if match else "(none now)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--exports", nargs="+", metavar="NAME", help="scan only these export folders")
    parser.add_argument("--show", choices=SHOW_KINDS, help="print both texts of these pairs (terminal only)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no real exports at {args.corpus}: nothing to measure")
        return
    folders = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    if args.exports:
        unknown = set(args.exports) - {p.name for p in folders}
        if unknown:
            parser.error(f"no such export: {', '.join(sorted(unknown))}")
        folders = [p for p in folders if p.name in args.exports]
    expected = json.loads((args.corpus / "expected.json").read_text(encoding="utf-8"))["exports"]
    judged = load_judgements([args.corpus / "judged_pairs.csv", EXTRA_JUDGEMENTS])

    runs = [scan_export(folder, expected.get(folder.name, {}).get("posts")) for folder in folders]
    for run in runs:
        if run.error:
            print(f"{run.name}: not read: {run.error}")
    print()
    print_table(runs, judged)

    unjudged = sorted(p for r in runs for p in r.flagged if p not in judged)
    print(f"\nflagged pairs not judged: {len(unjudged)}")
    by_name = {r.name: r for r in runs}
    for pair in unjudged:
        flag = by_name[pair[0]].flagged[pair]
        print(f"  {pair[0]}  {pair[1]} -> {pair[2]}  {flag.finding.verdict}  containment {flag.match.containment:.2f}")
    missed = missed_pairs(runs, judged)
    print(f"judged-true pairs no longer flagged: {len(missed)}")
    for pair in missed:
        print(f"  {pair[0]}  {pair[1]} -> {pair[2]}  ({judged[pair].reason})")

    if args.show:
        chosen = {
            "unjudged": unjudged,
            "missed": missed,
            "true": sorted(p for r in runs for p in r.flagged if p in judged and judged[p].label),
            "false": sorted(p for r in runs for p in r.flagged if p in judged and not judged[p].label),
        }[args.show]
        print()
        for pair in chosen:
            show_pair(pair, by_name[pair[0]], judged)

    t = Tally.of(runs, judged)
    print(
        f"\nprecision {ratio(t.true, t.true + t.false)} ({t.true}/{t.true + t.false} judged flagged pairs), "
        f"true pairs found {t.true}/{t.all_true}, unjudged {len(unjudged)}"
    )


if __name__ == "__main__":
    main()
