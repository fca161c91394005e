"""Quality of main-text extraction on 54 real news and blog pages (../shared/corpora/pages).

For each page, gold.json gives snippets that must be in the main text (``with``: the article)
and snippets that must not (``without``: menus, footers, cookie notices), and where known the
title, author and date. A page passes when every ``with`` snippet is in the extracted text and
no ``without`` snippet is (compared after whitespace normalisation). Also printed: the share of
``with`` snippets found and of ``without`` snippets kept out, and title, author and date
agreement where gold has them (title: equal after case and whitespace folding; "title~" also
counts a title that contains the gold one, as "Title - Site"). Pages are read as the fetcher
reads them (``dupfeed.html.page.decode_html``). The first table is dupfeed's extraction as
shipped (``dupfeed.html.extract.extract_article``); the second tries other trafilatura settings.

    python benchmarks/quality_extraction.py [--corpus DIR] [--failures]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura

from dupfeed.html.extract import extract_article
from dupfeed.html.page import decode_html

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "pages"
SHIPPED = {"include_comments": False, "include_tables": True}
VARIANTS = {
    "shipped (dupfeed.html.extract)": None,
    "favor_precision": {**SHIPPED, "favor_precision": True},
    "favor_recall": {**SHIPPED, "favor_recall": True},
    "no tables": {**SHIPPED, "include_tables": False},
    "fast (no fallback)": {**SHIPPED, "fast": True},
    "with comments": {**SHIPPED, "include_comments": True},
    "precision, no tables": {**SHIPPED, "favor_precision": True, "include_tables": False},
}


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass
class Result:
    name: str
    lang: str
    with_found: int
    with_total: int
    without_out: int
    without_total: int
    title: bool | None
    title_loose: bool | None
    date: bool | None
    author: bool | None
    missing: list[str]
    leaked: list[str]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.leaked


def extract(html, settings: dict | None):
    """``(text, title, author, date)`` with dupfeed's extraction, or with other trafilatura settings."""
    if settings is None:
        found = extract_article(html)
        return (found.text, found.title, found.author, found.date) if found else ("", None, None, None)
    doc = trafilatura.bare_extraction(html, with_metadata=True, **settings)
    if doc is None:
        return "", None, None, None
    return doc.text or "", doc.title, doc.author, doc.date


def score(name: str, gold: dict, text: str, title, author, date) -> Result:
    body = norm(text)
    missing = [s for s in gold.get("with", []) if norm(s) not in body]
    leaked = [s for s in gold.get("without", []) if norm(s) and norm(s) in body]

    def agree(want, got, loose=False):
        if not norm(want):
            return None
        want, got = norm(want).casefold(), norm(got).casefold()
        return bool(got) and (want == got or (loose and want in got))

    return Result(
        name,
        gold.get("lang", "?"),
        len(gold.get("with", [])) - len(missing),
        len(gold.get("with", [])),
        len(gold.get("without", [])) - len(leaked),
        len(gold.get("without", [])),
        agree(gold.get("title"), title),
        agree(gold.get("title"), title, loose=True),
        (norm(date)[:10] == norm(gold.get("date"))[:10]) if norm(gold.get("date")) else None,
        agree(gold.get("author"), author),
        missing,
        leaked,
    )


def run(corpus: Path, settings: dict | None) -> tuple[list[Result], float]:
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    results, started = [], time.perf_counter()
    for name in sorted(gold):
        html = decode_html((corpus / "html" / name).read_bytes())
        results.append(score(name, gold[name], *extract(html, settings)))
    return results, time.perf_counter() - started


def pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:5.1f}%" if total else "    –"


def rates(results: list[Result]) -> list[str]:
    def share(field):
        known = [getattr(r, field) for r in results if getattr(r, field) is not None]
        return f"{pct(sum(known), len(known))} ({len(known):>2})"

    return [
        f"{len(results):>5}",
        pct(sum(r.passed for r in results), len(results)),
        pct(sum(r.with_found for r in results), sum(r.with_total for r in results)),
        pct(sum(r.without_out for r in results), sum(r.without_total for r in results)),
        share("title"),
        share("title_loose"),
        share("date"),
        share("author"),
    ]


def table(results: list[Result]) -> str:
    head = ["", "pages", "passed", "with in", "without out", "title (n)", "title~ (n)", "date (n)", "author (n)"]
    groups = [
        ("overall", results),
        ("French", [r for r in results if r.lang == "fr"]),
        ("English", [r for r in results if r.lang == "en"]),
    ]
    rows = [head] + [[label, *rates(group)] for label, group in groups]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--failures", action="store_true", help="list the snippets each failing page misses or leaks")
    args = parser.parse_args()
    if not (args.corpus / "gold.json").exists():
        sys.exit(f"no gold.json in {args.corpus}")

    first = sorted((args.corpus / "html").glob("*.html"))[0]
    extract(decode_html(first.read_bytes()), None)  # warm up trafilatura's lazy set-up before timing
    shipped, seconds = run(args.corpus, None)
    print(f"dupfeed extraction as shipped ({seconds:.1f} s for {len(shipped)} pages)\n")
    print(table(shipped))
    if args.failures:
        print()
        for r in shipped:
            if not r.passed:
                print(f"{r.name} [{r.lang}]: missing {r.missing}, leaked {r.leaked}")

    print("\ntrafilatura settings (pages passed: overall / French / English; snippet rates overall)\n")
    # No timings here: trafilatura and htmldate cache work across runs, so later rows would look faster.
    head = f"{'settings':<27} {'overall':>7} {'French':>7} {'English':>7} {'with in':>8} {'w/o out':>8}"
    print(head)
    for label, settings in VARIANTS.items():
        results = shipped if settings is None else run(args.corpus, settings)[0]
        overall, fr, en = (
            pct(sum(r.passed for r in g), len(g))
            for g in (results, [r for r in results if r.lang == "fr"], [r for r in results if r.lang == "en"])
        )
        cells = rates(results)
        print(f"{label:<27} {overall:>7} {fr:>7} {en:>7} {cells[2]:>8} {cells[3]:>8}")


if __name__ == "__main__":
    main()
