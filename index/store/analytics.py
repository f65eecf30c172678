"""analytics.db: the searches, clicks and plays a server records, in their own SQLite file beside clout.db.

A file of its own, so that recording never waits for (or holds up) the ingest writer, and so that
a backup of the knowledge base or a store rebuilt from sources never carries who asked what.
Nothing here holds an IP address or a cookie: a search is its text, filters, outcome, timing, and
the key name or site it came from.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from .database import StoreError

ANALYTICS_FILE = "analytics.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    at REAL NOT NULL,
    day TEXT NOT NULL,                -- YYYY-MM-DD, UTC
    query TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT '',
    filters TEXT NOT NULL DEFAULT '',  -- JSON of the filters that were set
    results INTEGER NOT NULL,
    top_score REAL,
    low_confidence INTEGER NOT NULL DEFAULT 0,
    latency_ms REAL NOT NULL,
    key TEXT NOT NULL DEFAULT '',     -- the API key's name, never the key
    site TEXT NOT NULL DEFAULT '',    -- the origin of the page the widget was on
    surface TEXT NOT NULL DEFAULT '', -- page, api or widget
    answered INTEGER NOT NULL DEFAULT 0 -- an answer card was shown above the results
);
CREATE INDEX IF NOT EXISTS searches_at ON searches(at);
CREATE TABLE IF NOT EXISTS events (
    at REAL NOT NULL,
    day TEXT NOT NULL,
    type TEXT NOT NULL,               -- click or play
    doc_id INTEGER NOT NULL,
    start REAL,                       -- where a play began, seconds into the episode
    seconds REAL NOT NULL DEFAULT 0,  -- how long it played
    query TEXT NOT NULL DEFAULT '',
    key TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
"""
SEARCH_COLUMNS = ("at", "day", "query", "mode", "filters", "results", "top_score", "low_confidence", "latency_ms",
                  "key", "site", "surface", "answered")
EVENT_COLUMNS = ("at", "day", "type", "doc_id", "start", "seconds", "query", "key", "site")
# What a record that leaves a column out stores there.
DEFAULTS = {"mode": "", "filters": "", "low_confidence": 0, "answered": 0, "key": "", "site": "", "surface": "", "seconds": 0.0, "query": ""}


def _add_answered(conn: sqlite3.Connection) -> None:
    """A file recorded before the answer card has no `answered` column: add it (its searches showed no card)."""
    if "answered" not in {r[1] for r in conn.execute("PRAGMA table_info(searches)")}:
        conn.execute("ALTER TABLE searches ADD COLUMN answered INTEGER NOT NULL DEFAULT 0")


class AnalyticsDB:
    """One analytics.db; connections per thread (the recorder's writer thread, readers of the report)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._ready = False

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                if not self._ready:
                    conn.executescript(SCHEMA)
                    _add_answered(conn)
                    self._ready = True
            except (sqlite3.Error, OSError) as e:
                raise StoreError(f"cannot open the analytics file {self.path.name} ({e})") from None
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def record(self, searches: list[dict], events: list[dict]) -> None:
        """Write a batch in one transaction (dicts keyed by SEARCH_COLUMNS / EVENT_COLUMNS)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(f"INSERT INTO searches ({', '.join(SEARCH_COLUMNS)}) VALUES ({', '.join('?' * len(SEARCH_COLUMNS))})",
                           [tuple(s.get(c, DEFAULTS.get(c)) for c in SEARCH_COLUMNS) for s in searches])
            db.executemany(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
                           [tuple(e.get(c, DEFAULTS.get(c)) for c in EVENT_COLUMNS) for e in events])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def prune(self, before: float) -> int:
        """Forget everything recorded before this time; how many rows went."""
        db = self.db
        gone = db.execute("DELETE FROM searches WHERE at < ?", (before,)).rowcount
        return gone + db.execute("DELETE FROM events WHERE at < ?", (before,)).rowcount

    # -- what the report reads -----------------------------------------------------------------
    def searches_per_day(self, since: float) -> list[tuple[str, int, int, int]]:
        """(day, searches, with no results, with only weak results), oldest day first."""
        return [tuple(r) for r in self.db.execute(
            "SELECT day, COUNT(*), SUM(results = 0), SUM(results > 0 AND low_confidence) FROM searches "
            "WHERE at >= ? GROUP BY day ORDER BY day", (since,))]

    def query_stats(self, since: float) -> list[tuple[str, int, int, int]]:
        """(query text, searches, with no results, with only weak results) per distinct text."""
        return [tuple(r) for r in self.db.execute(
            "SELECT query, COUNT(*), SUM(results = 0), SUM(results > 0 AND low_confidence) FROM searches "
            "WHERE at >= ? GROUP BY query", (since,))]

    def totals(self, since: float) -> dict:
        row = self.db.execute(
            "SELECT COUNT(*), SUM(results = 0), SUM(results > 0 AND low_confidence), AVG(latency_ms), SUM(answered) "
            "FROM searches WHERE at >= ?", (since,)).fetchone()
        clicks, plays, seconds = self.db.execute(
            "SELECT SUM(type = 'click'), SUM(type = 'play'), SUM(CASE WHEN type = 'play' THEN seconds ELSE 0 END) "
            "FROM events WHERE at >= ?", (since,)).fetchone()
        return {"searches": row[0] or 0, "zero_result": row[1] or 0, "low_confidence": row[2] or 0,
                "mean_latency_ms": round(row[3] or 0.0, 1), "answered": row[4] or 0, "clicks": clicks or 0, "plays": plays or 0,
                "seconds_played": round(seconds or 0.0, 1)}

    def documents_opened(self, since: float, limit: int) -> list[tuple[int, int]]:
        """(document id, clicks), most opened first."""
        return [tuple(r) for r in self.db.execute(
            "SELECT doc_id, COUNT(*) AS n FROM events WHERE type = 'click' AND at >= ? GROUP BY doc_id "
            "ORDER BY n DESC, doc_id LIMIT ?", (since, limit))]

    def moments_played(self, since: float, limit: int, bucket: int = 10) -> list[tuple[int, float, int, float]]:
        """(document id, start rounded down to `bucket` seconds, plays, seconds played), most played first."""
        return [tuple(r) for r in self.db.execute(
            "SELECT doc_id, CAST(COALESCE(start, 0) / ? AS INTEGER) * ? AS moment, COUNT(*) AS n, SUM(seconds) AS s "
            "FROM events WHERE type = 'play' AND at >= ? GROUP BY doc_id, moment ORDER BY s DESC, n DESC LIMIT ?",
            (bucket, bucket, since, limit))]
