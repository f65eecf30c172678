"""Followed sources (blogs, sitemaps, podcast feeds): what `clout sync` visits and how each visit went.

Sources live in the store beside the documents they brought, and travel as a plain TOML file
(`clout sources export/import`) so a team can keep its list in version control.
"""
from __future__ import annotations

import json
import re
import tomllib
import urllib.parse

from clout.errors import CloutError

from .store import Source, Store

KINDS = ("auto", "feed", "sitemap", "site", "podcast")


class SourceError(CloutError):
    """A source cannot be added, found or read from a file; the message says which and why."""


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
    """The followed sources of one store: what may be added, under which name."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, url: str, kind: str = "auto", name: str = "", limit: int | None = None) -> Source:
        if kind not in KINDS:
            raise SourceError(f"{kind!r} is not a source kind; use one of {', '.join(KINDS)}")
        existing = self.store.source_name_for_url(url)
        if existing:
            raise SourceError(f"{url} is already followed as {existing!r}")
        if name:
            if self.get(name):
                raise SourceError(f"a source named {name!r} exists already; choose another --name")
        else:
            base, n = default_name(url), 1
            name = base
            while self.get(name):
                n += 1
                name = f"{base}-{n}"
        self.store.insert_source(name, url, kind, limit)
        return self.get(name)

    def get(self, name: str) -> Source | None:
        return self.store.source(name)

    def all(self) -> list[Source]:
        return self.store.sources()

    def items(self, name: str) -> list[str]:
        return self.store.source_items(name)

    def remove(self, name: str) -> list[str]:
        """Forget a source; returns the items it brought (the caller decides whether to drop them)."""
        items = self.items(name)
        self.store.delete_source(name)
        return items

    def record(self, name: str, seen: list[str], error: str, dropped: list[str] = ()) -> None:
        """Remember one sync: which items the source listed, and what went wrong, if anything."""
        self.store.record_visit(name, seen, error, dropped)


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
