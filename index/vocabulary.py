"""What a search may ask for: its modes, the kinds of document, date forms and limits, and the error for anything else.

The one place these are decided: `search()` and the filters enforce them, and the CLI's choices and
ranges, the API's request parsing and its OpenAPI document are all made from them.
"""
from __future__ import annotations

import re

from clout.document import ARTICLE, EPISODE
from clout.errors import CloutError

MODES = ("hybrid", "lexical", "semantic")  # words and meaning fused; words alone (BM25); meaning alone (vectors)
DEFAULT_MODE = "hybrid"
KINDS = (ARTICLE, EPISODE)
MIN_K, MAX_K = 1, 100  # results in one answer
DEFAULT_K = 5
MAX_OFFSET = 1000  # results skipped to reach a later page; deeper pages rank more candidates (search._depth)
MAX_QUERY_CHARS = 1000
MAX_FILTER_CHARS = 300  # a longer site or author filter is cut to this
# Dates are ISO prefixes: a year, a month or a day (2017, 2017-09, 2017-09-22). Anchored, so the
# OpenAPI document can give it as the date parameters' pattern.
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class SearchError(CloutError, ValueError):
    """A search the user asked for cannot be run as given (unknown mode, a date that is not a date)."""


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise SearchError(f"mode {mode[:40]!r} is an unknown search mode: use one of {', '.join(MODES)}")
    return mode


def check_date(name: str, value: str) -> str:
    """`value` if it is an ISO date prefix; SearchError naming the parameter `name` if not."""
    if value and not DATE.fullmatch(value):
        raise SearchError(f"{name} must be a date like 2017-09-22 (or 2017-09, or 2017), not {value[:40]!r}")
    return value
