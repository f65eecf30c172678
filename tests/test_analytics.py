"""Search analytics: recorded off the request thread, grouped, kept for a while, reported by the CLI and /admin."""
from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time

import pytest

from conftest import clout, make_app
from clout.index.analytics import group_queries, normalise_query, report
from clout.index.recorder import Recorder
from clout.index.store.analytics import AnalyticsDB

DAY = 86400


def rows(path, table="searches") -> list[dict]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY at")]
    finally:
        db.close()


@pytest.fixture
def kb_copy(web_data, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(web_data, target, ignore=shutil.ignore_patterns("write.lock", "analytics.db*"))
    return target


def test_near_identical_queries_are_one_group():
    same = ["How do I get buy-in?", "how do i get BUY IN", "Buy-in: how do I get", "  how  do I get buy in!!"]
    assert len({normalise_query(q) for q in same}) == 1
    assert normalise_query("Café résumé") == normalise_query("cafe RESUME")
    assert normalise_query("executive sponsor") != normalise_query("executive sponsors")  # a spelling step may join these later
    groups = group_queries([("how do i get BUY IN", 2, 2, 0), ("How do I get buy-in?", 5, 1, 1), ("stakeholder map", 3, 0, 0)])
    assert [(g.label, g.searches, g.zero_result, g.low_confidence) for g in groups] == [
        ("How do I get buy-in?", 7, 3, 1), ("stakeholder map", 3, 0, 0)]
    assert groups[0].variants == ["How do I get buy-in?", "how do i get BUY IN"]


def test_searches_and_events_are_recorded_and_reported_without_an_address(kb_copy):
    token = clout("keys", "create", "team", data_dir=kb_copy).stdout.strip()
    app = make_app(kb_copy, analytics=True)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/search?q=executive+sponsor", headers=auth).status_code == 200
    assert client.get("/api/search?q=Sponsor+executive!").status_code == 200  # grouped with the first
    assert client.get("/api/search?q=sponsor&offset=5").status_code == 200  # a further page: not a new search
    assert client.get("/api/search?q=quarterly+finance+forecast+spreadsheet&kind=episode&site=Nobody").status_code == 200
    assert client.get("/?q=zebra+migration+patterns").status_code == 200
    episode = app.extensions["clout_kb"].store.document_by_source("test:episode/ask-not").id
    for event in ({"type": "click", "doc_id": episode, "q": "executive sponsor"},
                  {"type": "play", "doc_id": episode, "start": 99.2, "seconds": 12.5},
                  {"type": "play", "doc_id": episode, "start": 95, "seconds": 30}):
        assert client.post("/api/events", data=json.dumps(event), content_type="text/plain").status_code == 204
    for bad in ('{"type": "view", "doc_id": 1}', '{"type": "play", "doc_id": "x"}', "not json",
                '{"type": "play", "doc_id": 1, "seconds": 1e9}'):
        assert client.post("/api/events", data=bad).status_code == 400, bad
    assert client.post("/api/events", data="x" * 5000).status_code == 413
    app.extensions["clout_recorder"].flush()

    recorded = rows(kb_copy / "analytics.db")
    assert [r["query"] for r in recorded] == ["executive sponsor", "Sponsor executive!",
                                               "quarterly finance forecast spreadsheet", "zebra migration patterns"]
    first = recorded[0]
    assert first["key"] == "team" and first["surface"] == "api" and first["results"] > 0 and first["latency_ms"] > 0
    assert recorded[2]["results"] == 0 and json.loads(recorded[2]["filters"]) == {"kind": "episode", "site": "Nobody"}
    assert recorded[3]["surface"] == "page" and recorded[3]["low_confidence"] == 1  # nothing on zebras: only weak matches
    assert first["low_confidence"] == 0
    dump = "\n".join(sqlite3.connect(kb_copy / "analytics.db").iterdump())
    assert "203.0.113.77" not in dump and token not in dump

    title = app.extensions["clout_kb"].store.document(episode).title
    data = report(AnalyticsDB(kb_copy / "analytics.db"), time.time() - DAY, lambda d: f"doc {d}")
    assert data["totals"]["searches"] == 4 and data["totals"]["zero_result"] == 1 and data["totals"]["plays"] == 2
    assert data["top_queries"][0] == {"query": "Sponsor executive!", "searches": 2, "zero_result": 0, "low_confidence": 0,
                                      "variants": ["Sponsor executive!", "executive sponsor"]}
    assert [g["query"] for g in data["zero_result"]] == ["quarterly finance forecast spreadsheet"]
    assert [g["query"] for g in data["low_confidence"]] == ["zebra migration patterns"]
    assert data["documents"] == [{"doc_id": episode, "title": f"doc {episode}", "opens": 1}]
    assert data["moments"] == [{"doc_id": episode, "title": f"doc {episode}", "start": 90, "plays": 2, "seconds": 42.5}]

    text = clout("analytics", data_dir=kb_copy).stdout
    assert "4 searches, 1 with no results, 1 with only weak results" in text and title in text
    as_json = json.loads(clout("analytics", "--json", data_dir=kb_copy).stdout)
    assert as_json["top_queries"][0]["searches"] == 2 and as_json["documents"][0]["title"] == title
    csv_lines = clout("analytics", "--csv", data_dir=kb_copy).stdout.splitlines()
    assert csv_lines[0].startswith("table,label,searches") and any(l.startswith("zero_result,quarterly finance") for l in csv_lines)
    assert clout("analytics", "--since", "last week", data_dir=kb_copy).exit_code == 1


def test_typing_is_recorded_as_the_query_the_person_settled_on(tmp_path):
    now = [1_000_000.0]
    recorder = Recorder(AnalyticsDB(tmp_path / "a.db"), window=3.0, clock=lambda: now[0])
    base = {"mode": "hybrid", "filters": "", "results": 3, "latency_ms": 5.0, "key": "", "site": "", "surface": "page"}
    for offset, text in ((0.0, "exe"), (0.3, "execu"), (0.6, "executive spon"), (0.9, "executive sponsor")):
        recorder.search({**base, "query": text, "at": now[0] + offset})
    recorder.search({**base, "query": "executive sponsor", "at": now[0] + 1.0, "surface": "widget"})  # another stream
    recorder.search({**base, "query": "stakeholder map", "at": now[0] + 10.0})  # a new search, not more typing
    recorder.search({**base, "query": "stakeholder", "at": now[0] + 20.0})  # too late to be an edit of it
    now[0] += 30
    assert recorder.flush()
    assert [(r["query"], r["surface"]) for r in rows(tmp_path / "a.db")] == [
        ("executive sponsor", "page"), ("executive sponsor", "widget"), ("stakeholder map", "page"), ("stakeholder", "page")]


def test_records_older_than_the_retention_are_forgotten(tmp_path):
    recorder = Recorder(AnalyticsDB(tmp_path / "a.db"), days=90, window=0)
    base = {"mode": "hybrid", "filters": "", "results": 1, "latency_ms": 1.0, "surface": "api"}
    recorder.search({**base, "query": "old question", "at": time.time() - 91 * DAY})
    recorder.search({**base, "query": "recent question", "at": time.time() - 89 * DAY})
    recorder.event({"type": "click", "doc_id": 1, "at": time.time() - 100 * DAY})
    assert recorder.flush()
    assert [r["query"] for r in rows(tmp_path / "a.db")] == ["recent question"]
    assert rows(tmp_path / "a.db", "events") == []


def test_analytics_off_records_nothing(kb_copy):
    app = make_app(kb_copy, analytics=False)
    client = app.test_client()
    assert client.get("/api/search?q=executive+sponsor").status_code == 200
    assert client.post("/api/events", data='{"type": "click", "doc_id": 1}').status_code == 204
    assert not (kb_copy / "analytics.db").exists()
    token = clout("keys", "create", "ops", "--scope", "admin", data_dir=kb_copy).stdout.strip()
    page = client.get("/admin/analytics", headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    assert "Analytics are off" in page


def test_a_broken_analytics_file_never_fails_a_search(kb_copy, caplog):
    (kb_copy / "analytics.db").mkdir()  # SQLite cannot open a directory
    app = make_app(kb_copy, analytics=True)
    client = app.test_client()
    for _ in range(3):
        response = client.get("/api/search?q=executive+sponsor")
        assert response.status_code == 200 and response.json["results"]
    recorder = app.extensions["clout_recorder"]
    assert recorder.flush() and recorder.failures >= 1
    assert "could not record" in caplog.text


def test_a_stuck_analytics_writer_neither_slows_searches_nor_grows_without_bound(tmp_path):
    path = tmp_path / "a.db"
    AnalyticsDB(path).db  # create it
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the writer thread now waits on its lock
    recorder = Recorder(AnalyticsDB(path), window=0, capacity=50)
    base = {"mode": "hybrid", "filters": "", "results": 1, "latency_ms": 1.0, "surface": "api"}
    started = time.perf_counter()
    for i in range(2000):
        recorder.search({**base, "query": f"question {i}"})
    elapsed = time.perf_counter() - started
    assert recorder.dropped >= 2000 - 50 - 500  # the queue's bound, plus one batch the writer took
    assert recorder.queue.qsize() <= 50
    print(f"2000 records queued or dropped in {elapsed * 1000:.1f} ms with the writer stuck")
    holder.execute("ROLLBACK")
    holder.close()
    assert recorder.flush(timeout=20)


def test_the_admin_page_draws_the_charts_and_escapes_the_queries(kb_copy):
    token = clout("keys", "create", "ops", "--scope", "admin", data_dir=kb_copy).stdout.strip()
    app = make_app(kb_copy, analytics=True)
    recorder = app.extensions["clout_recorder"]
    base = {"mode": "hybrid", "filters": "", "latency_ms": 3.0, "surface": "api", "top_score": 0.03}
    for day, count in ((0, 5), (1, 2), (3, 7)):
        for i in range(count):
            recorder.search({**base, "query": f"<script>alert({i % 2})</script> budget", "results": i % 3, "at": time.time() - day * DAY - 5 * i})
    assert recorder.flush()
    client = app.test_client()
    page = client.get("/admin/analytics", headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    assert page.count('<rect class="bar"') == 31  # the last 30 days and today, empty days included
    assert "<script>alert" not in page and "&lt;script&gt;alert(0)&lt;/script&gt; budget" in page
    assert "14</strong> searches" in page
    assert client.get("/admin/analytics?since=2026-99-01", headers={"Authorization": f"Bearer {token}"}).status_code == 400


def test_analytics_are_on_by_default_and_switched_by_the_environment(monkeypatch):
    from clout.settings import Settings, SettingsError

    for name in ("CLOUT_ANALYTICS", "CLOUT_ANALYTICS_DAYS", "CLOUT_REQUIRE_KEY"):
        monkeypatch.delenv(name, raising=False)
    default = Settings.from_env()
    assert (default.analytics, default.analytics_days, default.require_key) == (True, 90, False)
    monkeypatch.setenv("CLOUT_ANALYTICS", "off")
    monkeypatch.setenv("CLOUT_ANALYTICS_DAYS", "30")
    monkeypatch.setenv("CLOUT_REQUIRE_KEY", "1")
    changed = Settings.from_env()
    assert (changed.analytics, changed.analytics_days, changed.require_key) == (False, 30, True)
    monkeypatch.setenv("CLOUT_ANALYTICS_DAYS", "ninety")
    with pytest.raises(SettingsError, match="CLOUT_ANALYTICS_DAYS"):
        Settings.from_env()
