"""``dupfeed sources fetch`` as a user runs it: exit status, summary, usage errors, interruption."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from fixtures.fetch.server import Site

from dupfeed.cli.sources import sources
from dupfeed.fetch import FetchOptions, fetch_sources, read_store

FAST = ["--timeout", "0.3", "--retries", "1", "--backoff", "0", "--delay", "0"]
WORDS = (
    "river harbour lantern meadow copper violin orchard glacier pepper canyon falcon marble "
    "tunnel saddle beacon cobalt thistle walnut ember quarry lagoon saffron pylon juniper"
).split()


def story(number: int) -> bytes:
    """A distinct article page: its own canonical URL and its own words."""
    rng = [WORDS[(number * 7 + i * 5) % len(WORDS)] for i in range(400)]
    sentences = [" ".join(rng[i : i + 12]).capitalize() + "." for i in range(0, 400, 12)]
    paragraphs = "".join(f"<p>{' '.join(sentences[i : i + 4])}</p>" for i in range(0, len(sentences), 4))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story {number}</title>'
        f'<link rel="canonical" href="https://stories.example/{number}"></head>'
        f"<body><article><h1>Story {number}</h1><p>Story number {number} begins here.</p>{paragraphs}</article></body></html>"
    ).encode()


@pytest.fixture
def site():
    site = Site().start()
    site.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    yield site
    site.stop()


def test_all_fetched_exits_0_with_a_summary_on_stderr(runner, site, tmp_path):
    out = tmp_path / "sources.jsonl"
    result = runner.invoke(sources, ["fetch", site.page("/s1", story(1)), site.page("/s2", story(2)), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    assert f"{out}: 2 fetched, 0 updated, 0 unchanged, 0 already stored, 0 duplicate, 0 failed" in result.stderr
    assert len(read_store(out)[0]) == 2
    again = runner.invoke(sources, ["fetch", site.url("/s1"), site.url("/s2"), "--out", str(out), *FAST])
    assert again.exit_code == 0 and "2 already stored" in again.stderr


def test_failures_exit_1_with_counts_per_reason(runner, site, tmp_path):
    out = tmp_path / "sources.jsonl"
    site.page("/image.png", b"\x89PNG\r\n\x1a\n", "image/png")
    args = ["fetch", site.page("/s1", story(1)), site.url("/gone"), site.url("/gone2"), site.url("/image.png")]
    result = runner.invoke(sources, [*args, "--out", str(out), *FAST])
    assert result.exit_code == 1
    assert "1 fetched" in result.stderr and "3 failed" in result.stderr
    assert "failed by reason:" in result.stderr
    lines = result.stderr.splitlines()
    assert any(line.split() == ["HTTP", "404", "2"] for line in lines)
    assert any(line.split() == ["not", "HTML", "1"] for line in lines)
    assert f"warning: {site.url('/image.png')}: not HTML (image/png)" in result.stderr


def test_urls_file_with_comments_and_quiet(runner, site, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# my sources\n\n{site.page('/s1', story(1))}\n  {site.page('/s2', story(2))}  \n", encoding="utf-8")
    out = tmp_path / "sources.jsonl"
    result = runner.invoke(sources, ["fetch", "--urls", str(listing), "--out", str(out), "--quiet", *FAST])
    assert result.exit_code == 0 and result.stderr == ""
    assert len(read_store(out)[0]) == 2


def test_user_agent_option_is_sent(runner, site, tmp_path):
    url = site.page("/s1", story(1))
    runner.invoke(
        sources, ["fetch", url, "--out", str(tmp_path / "o.jsonl"), "--user-agent", "MyBot/2 (+mailto:me@x.example)", *FAST]
    )
    assert site.requests("/s1")[0]["user-agent"] == "MyBot/2 (+mailto:me@x.example)"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give at least one URL"),
        (["ftp://x.example/a"], "not an http(s) URL"),
        (["example.com/a"], "not an http(s) URL"),
        (["--feed", "/tmp/feed.xml"], "not an http(s) URL"),
        (["https://x.example/", "--timeout", "0"], "--timeout"),
        (["https://x.example/", "--concurrency", "99"], "--concurrency"),
    ],
    ids=["nothing", "ftp", "no-scheme", "feed-path", "zero-timeout", "concurrency"],
)
def test_bad_usage_exits_2(runner, tmp_path, args, message):
    result = runner.invoke(sources, ["fetch", *args, "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_bad_line_in_urls_file_names_the_line(runner, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("https://a.example/1\nnot a url\n", encoding="utf-8")
    result = runner.invoke(sources, ["fetch", "--urls", str(listing), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "urls.txt:2" in result.output


def test_out_that_cannot_be_written_exits_1_with_one_line(runner, tmp_path):
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / "sources.jsonl"
    result = runner.invoke(sources, ["fetch", "https://x.example/", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: cannot open for writing") and len(result.stderr.splitlines()) == 1


def test_help_documents_each_exit_status_the_command_returns(runner):
    # 1 and 130 are the exits of the tests around this one; 2 is click's for bad usage.
    result = runner.invoke(sources, ["fetch", "--help"])
    assert result.exit_code == 0
    statuses = " ".join(result.output.split()).split("Exit status: ", 1)[1]
    assert re.findall(r"(?:^|; )(\d+) ", statuses) == ["0", "1", "2", "130"]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_an_interrupted_run_leaves_only_complete_lines_and_the_next_run_completes(site, tmp_path, signum):
    count = 40
    for i in range(count):
        site.slow(f"/s{i}", story(i), seconds=0.1)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(site.url(f"/s{i}") for i in range(count)) + "\n", encoding="utf-8")
    out = tmp_path / "sources.jsonl"
    code = "import sys; from dupfeed.cli.sources import sources; sources(sys.argv[1:], prog_name='dupfeed sources')"
    args = ["fetch", "--urls", str(listing), "--out", str(out), "--concurrency", "2", "--delay", "0.05", "--quiet"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A shell that started us in the background may have left SIGINT ignored: restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 3:
                break
            time.sleep(0.02)
        assert child.poll() is None, child.stderr.read().decode()
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    if signum == signal.SIGINT:
        assert child.returncode == 130 and f"interrupted: every record fetched so far is in {out}" in stderr.decode()
    data = out.read_bytes()
    kept = [json.loads(line) for line in data.splitlines()]  # every line parses
    assert data.endswith(b"\n") and 3 <= len(kept) < count
    assert all(r["status"] == "ok" and r["text"] for r in kept)
    done_before = {r["requested"] for r in kept}
    report = fetch_sources(
        [site.url(f"/s{i}") for i in range(count)], store=out, options=FetchOptions(delay=0, timeout=2, concurrency=4)
    )
    assert report.ok and report.known == len(kept) and report.fetched == count - len(kept)
    records, warnings = read_store(out)
    assert warnings == [] and len({r["id"] for r in records}) == count
    assert all(site.hits[url.removeprefix(site.url(""))] == 1 for url in done_before)
