"""The sources and source_items tables: the followed sources, the items each listed, and how each visit went."""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    kind: str = "auto"
    limit: int | None = None
    last_sync: float | None = None
    last_ok: float | None = None
    last_error: str = ""
    items: int = 0


_SELECT = (
    "SELECT s.name, s.url, s.kind, s.item_limit, s.last_sync, s.last_ok, s.last_error, COUNT(i.item) "
    "FROM sources s LEFT JOIN source_items i ON i.source_name = s.name"
)


class SourceTables:
    """A mixin of Store (uses self.db, self.transaction); `index.sources.Sources` decides what may be stored."""

    def source(self, name: str) -> Source | None:
        row = self.db.execute(_SELECT + " WHERE s.name = ? GROUP BY s.name", (name,)).fetchone()
        return Source(*row) if row else None

    def source_name_for_url(self, url: str) -> str | None:
        """The name of the source followed at this URL, if any."""
        row = self.db.execute("SELECT name FROM sources WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def sources(self) -> list[Source]:
        return [Source(*row) for row in self.db.execute(_SELECT + " GROUP BY s.name ORDER BY s.name")]

    def source_items(self, name: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT item FROM source_items WHERE source_name = ? ORDER BY item", (name,))]

    def insert_source(self, name: str, url: str, kind: str, limit: int | None) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources (name, url, kind, item_limit, added_at) VALUES (?, ?, ?, ?, ?)",
                (name, url, kind, limit, time.time()),
            )

    def delete_source(self, name: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM source_items WHERE source_name = ?", (name,))
            db.execute("DELETE FROM sources WHERE name = ?", (name,))

    def record_visit(self, name: str, seen: list[str], error: str, dropped: list[str] = ()) -> None:
        """One sync of a source, in one transaction: the items it listed, the ones dropped, and its error or success."""
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO source_items (source_name, item, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source_name, item) DO UPDATE SET last_seen = excluded.last_seen",
                [(name, item, now, now) for item in seen],
            )
            db.executemany("DELETE FROM source_items WHERE source_name = ? AND item = ?", [(name, i) for i in dropped])
            if error:
                db.execute("UPDATE sources SET last_sync = ?, last_error = ? WHERE name = ?", (now, error, name))
            else:
                db.execute("UPDATE sources SET last_sync = ?, last_ok = ?, last_error = '' WHERE name = ?", (now, now, name))
