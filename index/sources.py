"""Followed sources (blogs, sitemaps, podcast feeds): what `clout sync` visits and how each visit went.

Sources live in the store beside the documents they brought, and travel as a plain TOML file
(`clout sources export/import`) so a team can keep its list in version control.
"""
from __future__ import annotations

import json
import re
import time
import tomllib
import urllib.parse
from dataclasses import dataclass

from clout.errors import CloutError

from .store import Store

KINDS = ("auto", "feed", "sitemap", "site", "podcast")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'auto',
    item_limit INTEGER,
    added_at REAL NOT NULL,
    last_sync REAL,
    last_ok REAL,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS source_items (
    source_name TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE ON UPDATE CASCADE,
    item TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (source_name, item)
);
"""


class SourceError(CloutError):
    """A source cannot be added, found or read from a file; the message says which and why."""


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


def default_name(url: str) -> str:
    """A short readable name: the host (without www.) and the first path segment, or the file name."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https"):
        host = (parts.hostname or "source").removeprefix("www.")
        first = next((p for p in parts.path.split("/") if p and p not in ("feed", "rss", "sitemap.xml")), "")
        raw = f"{host}-{first}" if first else host
    else:
        raw = url.rstrip("/").rsplit("/", 1)[-1] or url
    return re.sub(r"[^a-z0-9.]+", "-", raw.lower()).strip("-.") or "source"


class Sources:
    """The sources table of one store."""

    def __init__(self, store: Store):
        self.store = store
        if not store.readonly:
            store.db.executescript(SCHEMA)

    def add(self, url: str, kind: str = "auto", name: str = "", limit: int | None = None) -> Source:
        if kind not in KINDS:
            raise SourceError(f"{kind!r} is not a source kind; use one of {', '.join(KINDS)}")
        existing = self.store.db.execute("SELECT name FROM sources WHERE url = ?", (url,)).fetchone()
        if existing:
            raise SourceError(f"{url} is already followed as {existing[0]!r}")
        if name:
            if self.get(name):
                raise SourceError(f"a source named {name!r} exists already; choose another --name")
        else:
            base, n = default_name(url), 1
            name = base
            while self.get(name):
                n += 1
                name = f"{base}-{n}"
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO sources (name, url, kind, item_limit, added_at) VALUES (?, ?, ?, ?, ?)",
                (name, url, kind, limit, time.time()),
            )
        return self.get(name)

    def get(self, name: str) -> Source | None:
        row = self.store.db.execute(_SELECT + " WHERE s.name = ? GROUP BY s.name", (name,)).fetchone()
        return Source(*row) if row else None

    def all(self) -> list[Source]:
        return [Source(*row) for row in self.store.db.execute(_SELECT + " GROUP BY s.name ORDER BY s.name")]

    def items(self, name: str) -> list[str]:
        return [r[0] for r in self.store.db.execute("SELECT item FROM source_items WHERE source_name = ? ORDER BY item", (name,))]

    def remove(self, name: str) -> list[str]:
        """Forget a source; returns the items it brought (the caller decides whether to drop them)."""
        items = self.items(name)
        with self.store.transaction() as db:
            db.execute("DELETE FROM source_items WHERE source_name = ?", (name,))
            db.execute("DELETE FROM sources WHERE name = ?", (name,))
        return items

    def record(self, name: str, seen: list[str], error: str, dropped: list[str] = ()) -> None:
        """Remember one sync: which items the source listed, and what went wrong, if anything."""
        now = time.time()
        with self.store.transaction() as db:
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


_SELECT = (
    "SELECT s.name, s.url, s.kind, s.item_limit, s.last_sync, s.last_ok, s.last_error, COUNT(i.item) "
    "FROM sources s LEFT JOIN source_items i ON i.source_name = s.name"
)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def to_toml(sources: list[Source]) -> str:
    lines = ["# Sources Clout follows: `clout sources import FILE`, then `clout sync`.", ""]
    for s in sources:
        lines += ["[[source]]", f"name = {_toml_string(s.name)}", f"url = {_toml_string(s.url)}", f"kind = {_toml_string(s.kind)}"]
        if s.limit:
            lines.append(f"limit = {int(s.limit)}")
        lines.append("")
    return "\n".join(lines)


def from_toml(text: str, origin: str) -> list[Source]:
    """Sources from a TOML file's text; SourceError naming the file and entry when something is off."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{origin}: not valid TOML ({e})") from None
    out = []
    for n, entry in enumerate(data.get("source", []), 1):
        url = entry.get("url")
        if not isinstance(url, str) or not url:
            raise SourceError(f"{origin}: source #{n} has no url")
        kind = entry.get("kind", "auto")
        if kind not in KINDS:
            raise SourceError(f"{origin}: source #{n} has kind {kind!r}; use one of {', '.join(KINDS)}")
        limit = entry.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise SourceError(f"{origin}: source #{n} has limit {limit!r}; it must be a positive whole number")
        out.append(Source(name=str(entry.get("name") or default_name(url)), url=url, kind=kind, limit=limit))
    return out
