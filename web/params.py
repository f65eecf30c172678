"""Search parameters from a request's query string, checked against the search vocabulary (index/vocabulary.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.routing import IntegerConverter

from clout.index.search import Filters
from clout.index.vocabulary import (
    DEFAULT_K, DEFAULT_MODE, KINDS, MAX_FILTER_CHARS, MAX_K, MAX_OFFSET, MAX_QUERY_CHARS, MIN_K, SearchError,
    check_date, check_mode,
)


class DocIdConverter(IntegerConverter):
    """A document id in a URL: at most SQLite's largest rowid, so a longer number is a 404 like any
    missing document instead of overflowing the query (a 500)."""

    def __init__(self, url_map):
        super().__init__(url_map, max=2**63 - 1)


DOC_ID = "docid"  # the converter's name in routes: /documents/<docid:doc_id>


class BadParameter(SearchError):
    """A parameter the caller sent is out of bounds; the message says which and why."""


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    k: int = DEFAULT_K
    mode: str = DEFAULT_MODE
    offset: int = 0
    filters: Filters = field(default_factory=Filters)
    answer: bool = True  # the answer card above the results (answer=0 leaves it out)


def _whole(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}, not {value}")
    return value


def parse_search(args, default_k: int = DEFAULT_K) -> SearchParams:
    """SearchParams from a mapping of query-string values; a SearchError names the first thing wrong."""
    q = args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter(f"q is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    mode = check_mode(args.get("mode") or DEFAULT_MODE)
    kind = args.get("kind") or ""
    if kind and kind not in KINDS:  # exactly as the API documents it (the library's filters ignore case)
        raise BadParameter(f"kind must be one of {', '.join(KINDS)}, not {kind[:40]!r}")
    speaker = args.get("speaker") or ""
    if len(speaker) > MAX_FILTER_CHARS:  # a name is matched whole: a cut one would match nobody
        raise BadParameter(f"speaker is {len(speaker)} characters long; the limit is {MAX_FILTER_CHARS}")
    filters = Filters(
        kind=kind,
        site=(args.get("site") or "")[:MAX_FILTER_CHARS],
        author=(args.get("author") or "")[:MAX_FILTER_CHARS],
        # Checked as sent: the filters would forgive the spaces around a date that the API's pattern does not.
        date_from=check_date("date_from", args.get("date_from") or ""),
        date_to=check_date("date_to", args.get("date_to") or ""),
        speaker=speaker,
    )
    return SearchParams(
        q=q.strip(),
        k=_whole(args, "k", default_k, MIN_K, MAX_K),
        mode=mode,
        offset=_whole(args, "offset", 0, 0, MAX_OFFSET),
        filters=filters,
        answer=_switch(args, "answer"),
    )


def _switch(args, name: str) -> bool:
    raw = args.get(name)
    if raw in (None, "", "1"):
        return True
    if raw == "0":
        return False
    raise BadParameter(f"{name} must be 0 or 1, not {raw[:40]!r}")
