"""The scan page and the nightly report as a browser shows them: Debian's Chromium, headless.

Each page is loaded into a 375 px wide frame (a phone; headless Chromium's own window is at
least 500 px wide) of a probe page, with a script added to the copy given to the frame only:
the page itself runs none. The script reports what the browser laid out. Chromium is run with
no network and no profile; where it is not installed the tests are skipped, saying why.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ARTICLE, PASSAGE, ROOT, post_row, write_jsonl
from test_report_nightly import make_report

from dupfeed.cli.main import main
from dupfeed.report.nightly import format_nightly_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = 375

# Run inside the frame: what overflows the frame's width, how tall the page is, what is marked.
PROBE = """<script>
const root = document.documentElement, width = root.clientWidth;
const wide = [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
parent.document.getElementById("out").textContent = JSON.stringify({
  width, scrollWidth: root.scrollWidth, height: root.scrollHeight, wide: wide.slice(0, 10),
  details: document.querySelectorAll("details").length, open: document.querySelectorAll("details[open]").length,
  marks: [...document.querySelectorAll("mark")].map(m => m.textContent),
});
</script>"""


def lay_out(page: str, tmp_path: Path, *, width: int = PHONE, open_all: bool = False) -> dict:
    """What Chromium lays out for ``page`` in a frame ``width`` px wide (all sections opened
    when ``open_all``, to see everything in them)."""
    if open_all:
        page = page.replace("<details>", "<details open>")
    probed = page.replace("</body>", PROBE + "</body>")
    frame = f'<iframe width="{width}" height="800" style="border:0" srcdoc="{html.escape(probed, quote=True)}"></iframe>'
    probe = tmp_path / "probe.html"
    probe.write_text(f'<!DOCTYPE html><html><body style="margin:0"><pre id="out"></pre>{frame}</body></html>', encoding="utf-8")
    profile = tmp_path / "chromium-profile"
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1000,900", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="out">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found and found.group(1), f"Chromium laid out nothing (status {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture
def scan_page(runner, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    front = "---\ntitle: Voltcycle opens in Lyon\nurl: https://techdaily.example/v\nsite: TechDaily\n---\n"
    (folder / "voltcycle.txt").write_text(front + ARTICLE, encoding="utf-8")
    long_word = "https://example.com/" + "a" * 300
    rows = [
        post_row("copy", PASSAGE + " " + long_word, author="cy", created_at="2024-05-03T08:00:00Z"),
        post_row("fr", "C'est " + PASSAGE.replace("The company", "the company"), author="dee", created_at="2024-05-04T08:00:00Z"),
    ]
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["scan", str(write_jsonl(tmp_path / "posts.jsonl", rows)), "-s", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@needs_chromium
def test_scan_page_fits_a_phone_and_marks_whole_words(scan_page, tmp_path):
    shown = lay_out(scan_page, tmp_path, open_all=True)
    assert shown["scrollWidth"] <= shown["width"] and shown["wide"] == [], shown
    assert shown["marks"], "the copied passages are marked"
    assert all(not re.match(r"\w", m) or m[0].isupper() or m.startswith("the") for m in shown["marks"]), shown["marks"]
    text = re.sub(r"<[^>]+>", "", scan_page)
    assert "title: Voltcycle" not in text and "site: TechDaily" not in text, "front matter is not source text"


@needs_chromium
def test_scan_page_sections_are_closed_and_short(scan_page, tmp_path):
    shown = lay_out(scan_page, tmp_path, width=1000)
    assert shown["details"] >= 1 and shown["open"] == 0
    assert shown["height"] < 1500, "closed sections: a page of headings, not of texts"


@needs_chromium
def test_nightly_report_fits_a_phone(tmp_path):
    page = format_nightly_html(make_report(30, matches=2, words=400))
    shown = lay_out(page, tmp_path, open_all=True)
    assert shown["scrollWidth"] <= shown["width"] and shown["wide"] == [], shown
    assert shown["marks"]
    closed = lay_out(page, tmp_path, width=1000)
    assert closed["open"] == 0 and closed["details"] > 0


def test_ci_installs_chromium_then_runs_the_readme_test_command_as_written_there():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].strip()
    assert command not in ci, "read from the README, not copied"
    install = ci.index("apt-get install -y -qq --no-install-recommends chromium chromium-driver")
    assert "DEBIAN_FRONTEND=noninteractive" in ci
    assert install < ci.index('bash -euo pipefail -c "$cmd"')
