"""Podcasting 2.0 JSON chapters (`podcast:chapters`): read from a publisher's file, and written out.

    {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Introduction"}, ...]}

Reading is lenient about what real files carry (images, links, end times, "toc": false for chapters
a player should not list), strict about what makes a chapter: a start time and a title.
"""
from __future__ import annotations

import json

from clout.document import Chapter
from .errors import IngestError

VERSION = "1.2.0"
MAX_TITLE = 200


def parse_chapters(data: bytes, source: str) -> list[Chapter]:
    """The chapters of a JSON chapters file, in time order; IngestError when it holds none."""
    try:
        body = json.loads(data.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as e:
        raise IngestError(source, f"the chapters file cannot be read ({e.msg} at line {e.lineno})") from None
    except RecursionError:
        raise IngestError(source, "the chapters file is nested too deeply to read") from None
    items = body.get("chapters") if isinstance(body, dict) else None
    out: dict[float, Chapter] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("toc") is False:
            continue
        start, title = item.get("startTime"), item.get("title")
        if isinstance(start, (int, float)) and not isinstance(start, bool) and start >= 0 and isinstance(title, str):
            title = " ".join(title.split())[:MAX_TITLE]
            if title:
                out.setdefault(round(float(start), 3), Chapter(round(float(start), 3), title))
    if not out:
        raise IngestError(source, "the chapters file holds no chapters (a start time and a title each)")
    return sorted(out.values(), key=lambda c: c.start)


def format_chapters(chapters: list[Chapter]) -> str:
    """Chapters as a Podcasting 2.0 JSON chapters file."""
    body = {"version": VERSION, "chapters": [{"startTime": round(c.start, 3), "title": c.title} for c in chapters]}
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


__all__ = ["parse_chapters", "format_chapters"]
