"""The JSONL source store: durable appends, interrupted lines, lookups and compaction."""

from __future__ import annotations

import json

import pytest

from dupfeed.errors import InputError
from dupfeed.fetch import read_store
from dupfeed.fetch.cache import SourceStore


def ok(url: str, source_id: str | None = None, text: str = "Body text.", **extra) -> dict:
    return {
        "id": source_id or url.replace("http://", "https://"),
        "url": url,
        "requested": url,
        "status": "ok",
        "text": text,
        **extra,
    }


def failed(url: str, reason: str = "timeout", kind: str = "page", attempts: int = 1) -> dict:
    return {"id": url, "url": url, "requested": url, "status": "failed", "kind": kind, "reason": reason, "attempts": attempts}


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_record_is_one_complete_line(tmp_path):
    path = tmp_path / "sources.jsonl"
    with SourceStore(path) as store:
        store.append(ok("https://a.example/1", text="Première ligne\navec un saut"))
        store.append(failed("https://a.example/2"))
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 2
    assert [r["status"] for r in lines(path)] == ["ok", "failed"]
    assert "Première" in raw.decode("utf-8")  # UTF-8, not \\u escapes


def test_truncated_last_line_is_ignored_with_a_warning(tmp_path):
    path = tmp_path / "sources.jsonl"
    path.write_text(json.dumps(ok("https://a.example/1")) + "\n" + '{"id": "https://a.example/2", "te', encoding="utf-8")
    records, warnings = read_store(path)
    assert [r["url"] for r in records] == ["https://a.example/1"]
    assert len(warnings) == 1 and "sources.jsonl:2: truncated last line" in warnings[0]


def test_opening_drops_the_truncated_line_so_the_next_record_stays_whole(tmp_path):
    path = tmp_path / "sources.jsonl"
    path.write_text(json.dumps(ok("https://a.example/1")) + "\n" + '{"id": "https://a.ex', encoding="utf-8")
    with SourceStore(path) as store:
        assert any("truncated" in w for w in store.warnings)
        assert store.lookup("https://a.example/2") is None
        store.append(ok("https://a.example/3"))
    assert [r["url"] for r in lines(path)] == ["https://a.example/1", "https://a.example/3"]


def test_a_complete_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "sources.jsonl"
    path.write_text(json.dumps(ok("https://a.example/1")), encoding="utf-8")
    with SourceStore(path) as store:
        assert store.warnings == []
        store.append(ok("https://a.example/2"))
    assert len(lines(path)) == 2


def test_lookup_answers_for_requested_final_and_canonical_urls(tmp_path):
    with SourceStore(tmp_path / "s.jsonl") as store:
        store.append(
            {**ok("https://www.a.example/final", source_id="https://a.example/canonical"), "requested": "http://a.example/short"}
        )
        for url in ("https://a.example/short/", "https://a.example/final?utm_source=x", "https://a.example/canonical"):
            assert store.lookup(url)["status"] == "ok", url
        assert "text" not in store.lookup("https://a.example/final")  # texts are not kept in memory
        assert store.lookup("https://a.example/other") is None


def test_the_latest_record_about_a_url_wins(tmp_path):
    with SourceStore(tmp_path / "s.jsonl") as store:
        store.append(failed("https://a.example/1"))
        assert store.lookup("https://a.example/1")["status"] == "failed"
        store.append(ok("https://a.example/1"))
        assert store.lookup("https://a.example/1")["status"] == "ok"


def test_compaction_keeps_the_latest_source_and_drops_failures_since_fetched(tmp_path):
    path = tmp_path / "s.jsonl"
    with SourceStore(path) as store:
        store.append(failed("https://a.example/1"))
        store.append(ok("https://a.example/1", text="old"))
        store.append(failed("https://a.example/2", reason="HTTP 500"))
        store.append(failed("https://a.example/2", reason="timeout", attempts=2))
        store.append(ok("https://a.example/1", text="new"))
        store.append(failed("https://a.example/feed", kind="feed"))
        store.append(failed("https://a.example/map", kind="sitemap"))
        assert store.compact({"https://a.example/feed"}) == 4
    kept = lines(path)
    assert [(r["url"], r["status"], r.get("text") or r.get("reason")) for r in kept] == [
        ("https://a.example/2", "failed", "timeout"),
        ("https://a.example/1", "ok", "new"),
        ("https://a.example/map", "failed", "timeout"),
    ]


def test_compaction_never_rewrites_a_file_with_lines_it_cannot_read(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join([json.dumps(ok("https://a.example/1")), "not json", json.dumps(ok("https://a.example/1"))]) + "\n")
    with SourceStore(path) as store:
        assert store.compact() == 0
    assert "not json" in path.read_text()


def test_two_runs_cannot_write_one_store_at_once(tmp_path):
    pytest.importorskip("fcntl")
    path = tmp_path / "s.jsonl"
    with SourceStore(path), pytest.raises(InputError, match="another dupfeed run"):
        SourceStore(path).open()


def write_store(path, rows) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_the_scan_reader_takes_fetched_sources_with_their_url_and_title(tmp_path):
    from dupfeed.readers import read_sources

    path = tmp_path / "sources.jsonl"
    write_store(path, [ok("https://a.example/1", title="One", published="2024-05-01", site_name="A")])
    [source] = read_sources(path).records
    assert (source.id, source.url, source.title, source.site_name) == ("https://a.example/1", "https://a.example/1", "One", "A")
    assert source.published.isoformat() == "2024-05-01T00:00:00+00:00"


def test_the_scan_reader_ignores_failed_and_duplicate_records_silently(tmp_path):
    from dupfeed.readers import read_sources

    path = tmp_path / "sources.jsonl"
    write_store(
        path,
        [
            ok("https://a.example/1"),
            failed("https://a.example/2"),
            {
                "id": "https://a.example/3",
                "url": "https://a.example/3",
                "status": "duplicate",
                "canonical": "https://a.example/1",
            },
        ],
    )
    result = read_sources(path)
    assert [s.id for s in result.records] == ["https://a.example/1"]
    assert result.skipped == []


def test_the_scan_reader_keeps_author_and_language(tmp_path):
    from dupfeed.readers import read_sources

    path = tmp_path / "sources.jsonl"
    write_store(path, [ok("https://a.example/1", author="Jeanne Corriveau", lang="fr")])
    [source] = read_sources(path).records
    assert (source.author, source.lang) == ("Jeanne Corriveau", "fr")
