"""Search parameters from a request's query string, with the limits every entry point enforces."""
from __future__ import annotations

from dataclasses import dataclass, field
import re

from clout.index.search import MAX_K, MODES, Filters

MAX_QUERY_CHARS = 1000
MAX_NAME_CHARS = 300  # a speaker's name
MAX_OFFSET = 1000
KINDS = ("article", "episode")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class BadParameter(ValueError):
    """A parameter the caller sent is out of bounds; the message says which and why."""


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    k: int = 5
    mode: str = "hybrid"
    offset: int = 0
    filters: Filters = field(default_factory=Filters)


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


def parse_search(args, default_k: int = 5) -> SearchParams:
    """SearchParams from a mapping of query-string values; BadParameter names the first thing wrong."""
    q = args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter(f"q is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    mode = args.get("mode") or "hybrid"
    if mode not in MODES:
        raise BadParameter(f"mode must be one of {', '.join(MODES)}, not {mode[:40]!r}")
    kind = args.get("kind") or ""
    if kind and kind not in KINDS:
        raise BadParameter(f"kind must be one of {', '.join(KINDS)}, not {kind[:40]!r}")
    speaker = args.get("speaker") or ""
    if len(speaker) > MAX_NAME_CHARS:
        raise BadParameter(f"speaker is {len(speaker)} characters long; the limit is {MAX_NAME_CHARS}")
    for name in ("date_from", "date_to"):
        value = args.get(name) or ""
        if value and not _DATE.match(value):
            raise BadParameter(f"{name} must be a date like 2024-05-31, not {value[:40]!r}")
    filters = Filters(
        kind=kind,
        site=(args.get("site") or "")[:300],
        author=(args.get("author") or "")[:300],
        date_from=args.get("date_from") or "",
        date_to=args.get("date_to") or "",
        speaker=speaker,
    )
    return SearchParams(
        q=q.strip(),
        k=_whole(args, "k", default_k, 1, MAX_K),
        mode=mode,
        offset=_whole(args, "offset", 0, 0, MAX_OFFSET),
        filters=filters,
    )
