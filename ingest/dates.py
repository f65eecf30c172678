"""Dates in whatever form a page or feed gives them, as ISO 8601 (YYYY-MM-DD)."""
from __future__ import annotations

import datetime as dt
import re


def iso_date(value) -> str:
    """`value` (a string, date, datetime or time.struct_time) as YYYY-MM-DD, or "" if unreadable."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "tm_year"):
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    from dateutil import parser

    try:
        parsed = parser.parse(text, default=dt.datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return ""
    if not 1900 <= parsed.year <= 2200:
        return ""
    return parsed.date().isoformat()
