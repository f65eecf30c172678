"""Page debris removal for text that arrives without markup (saved pages, pasted articles).

Extraction from HTML drops navigation by structure; plain text has no structure left, so debris is
recognised by what it says: share buttons, comment forms, counters, "You May Also Like" lists.
"""
from __future__ import annotations

import re

# A line that starts one of these sections ends the article: everything after it is debris.
_TAIL_MARKERS = re.compile(
    r"^\s*(you may also like|you might also like|related (articles|posts|stories|reading)"
    r"|recommended for you|more from|read next|leave a (reply|comment)|add your comment"
    r"|\d+\s+comments?\s+on\b|comments?\s*\(\d+\)|post a comment|join the discussion)\b",
    re.IGNORECASE,
)
# Lines that are debris wherever they stand.
_DEBRIS_LINE = re.compile(
    r"^\s*(share( (on|this|via|to) ?\w*)?|tweet|pin it|email this|print( this)?|like this:?"
    r"|\d{1,5}|(\d+\s+)?(min|minute)s?\s+read|\d+\s+(shares?|comments?|views?)"
    r"|please enter your (comment|name|email)( here)?!?|save my name, email.*|subscribe( now)?"
    r"|click (here )?to share.*|follow us.*|advertisement|sponsored)\s*[.!]?\s*$",
    re.IGNORECASE,
)
# "Sep 22, 2017 1 Min Read": a date with a reading-time badge; the date is kept as metadata.
_DATE_BADGE = re.compile(
    r"^\s*(?P<date>(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})"
    r"\s+\d+\s+min(ute)?s?\s+(read|video)\s*$",
    re.IGNORECASE,
)


def clean_text(text: str) -> tuple[str, dict]:
    """Text without page debris, and metadata found on the way (e.g. {"date": "Sep 22, 2017"})."""
    found: dict = {}
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _TAIL_MARKERS.match(line) and kept:
            break
        badge = _DATE_BADGE.match(line)
        if badge:
            found.setdefault("date", badge.group("date"))
            continue
        if _DEBRIS_LINE.match(line):
            continue
        kept.append(line.rstrip())
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return cleaned, found
