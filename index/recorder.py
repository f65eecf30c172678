"""Recording searches and events off the request thread: a bounded queue, one writer thread, errors logged.

A search must never wait for, or fail because of, its own record: `search()` and `event()` only put
a dict on a queue (dropped, and counted, when the queue is full), and a daemon thread writes batches
to analytics.db and forgets what is older than the retention period.

Typing: the page and the widget search as a person types, so "exec", "executive", "executive spon"
arrive a few hundred milliseconds apart. Within one stream (same key, site and surface) a search
that extends or shortens the one before it inside `window` seconds replaces it, so only the query
the person settled on is kept. `at` is when the request began (answers can come back out of order).
"""
from __future__ import annotations

import logging
import queue
import threading
import time

from .analytics import day_of
from .store.analytics import AnalyticsDB

log = logging.getLogger(__name__)
DAY = 86400


class Recorder:
    def __init__(self, db: AnalyticsDB, days: int = 90, window: float = 3.0, capacity: int = 10_000, clock=time.time):
        self.db, self.days, self.window, self.clock = db, days, window, clock
        self.queue: queue.Queue = queue.Queue(maxsize=capacity)
        self.dropped = 0
        self.failures = 0
        self._pending: dict[tuple, dict] = {}  # stream -> the search that may still be replaced
        self._pruned = 0.0
        self._complained = -1e9
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def search(self, record: dict) -> None:
        """Record a search (a dict of store.analytics.SEARCH_COLUMNS; `at` and `day` are filled in)."""
        self._put(("search", record))

    def event(self, record: dict) -> None:
        self._put(("event", record))

    def flush(self, timeout: float = 10.0) -> bool:
        """Write everything queued or pending now (tests, shutdown); True once written."""
        done = threading.Event()
        self._put(("flush", done), block=True)
        return done.wait(timeout)

    def _put(self, item, block: bool = False) -> None:
        self._ensure_thread()
        try:
            self.queue.put(item, block=block, timeout=1 if block else None)
        except queue.Full:
            self.dropped += 1

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="clout-analytics", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                items = [self.queue.get(timeout=0.5)]
            except queue.Empty:
                items = []
            while len(items) < 500:
                try:
                    items.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._handle(items)
            except Exception:  # noqa: BLE001 - a broken analytics file must not stop the server
                self.failures += 1
                if time.monotonic() - self._complained > 60:  # once a minute, not once a search
                    self._complained = time.monotonic()
                    log.exception("analytics: could not record %d items; searching goes on", len(items))
            for kind, payload in items:
                if kind == "flush":
                    payload.set()

    def _handle(self, items: list) -> None:
        now = self.clock()
        searches, events, flush = [], [], False
        for kind, payload in items:
            if kind == "flush":
                flush = True
            elif kind == "event":
                events.append({**payload, "at": payload.get("at", now), "day": day_of(payload.get("at", now))})
            else:
                record = {**payload, "at": payload.get("at", now)}
                record["day"] = day_of(record["at"])
                stream = (record.get("key", ""), record.get("site", ""), record.get("surface", ""))
                before = self._pending.get(stream)
                if before is not None and not self._continues(before, record):
                    searches.append(before)
                elif before is not None and before["at"] > record["at"]:
                    continue  # an older request that answered late: the person has typed on since
                self._pending[stream] = record
        for stream, record in list(self._pending.items()):
            if flush or now - record["at"] >= self.window:
                searches.append(self._pending.pop(stream))
        if searches or events:
            self.db.record(searches, events)
        if now - self._pruned > DAY / 4:
            self._pruned = now  # first: a file that cannot be pruned is not retried every half second
            self.db.prune(now - self.days * DAY)

    def _continues(self, before: dict, after: dict) -> bool:
        """Whether `after` is the same person still typing the query `before` held."""
        a, b = before["query"].casefold().strip(), after["query"].casefold().strip()
        return abs(after["at"] - before["at"]) < self.window and (b.startswith(a) or a.startswith(b))
