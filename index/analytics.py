"""What people search for and fail to find: the query normaliser, the confidence rule, and the report.

`clout analytics` and /admin/analytics show the same report. Queries are grouped when they differ
only in case, accents, punctuation or word order; `normalise_query` is the one function that decides
this, so a spelling-correction step can be added to it and regroup everything recorded so far
(grouping happens when the report is made, not when a search is recorded).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from .terms import content_stems
from .store.analytics import AnalyticsDB

# Hybrid scores are relative (each retriever's over its best: index/fusion.py), so they cannot say
# how good the best match is. What can: how many of the words asked about the best passage holds. Below
# half, the best passage is one the words of the query do not reach (often one only the embedding
# found), which is how a question the knowledge base has nothing on looks.
LOW_COVERAGE = 0.5
_WORD = re.compile(r"\w+")


def normalise_query(text: str) -> str:
    """The form near-identical queries share: lower case, no accents or punctuation, words sorted."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(sorted(_WORD.findall(folded)))


def low_confidence(query: str, top_text: str | None) -> bool:
    """Whether a search that found something found only weak matches: its best passage holds fewer
    than half of the query's content words (as the full-text index stems them)."""
    if top_text is None:
        return False
    asked = content_stems(query)
    return bool(asked) and len(asked & content_stems(top_text)) / len(asked) < LOW_COVERAGE


@dataclass
class QueryGroup:
    label: str  # the form people typed most often
    searches: int = 0
    zero_result: int = 0
    low_confidence: int = 0
    variants: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"query": self.label, "searches": self.searches, "zero_result": self.zero_result,
                "low_confidence": self.low_confidence, "variants": self.variants}


def group_queries(stats, normalise: Callable[[str], str] = normalise_query) -> list[QueryGroup]:
    """(text, searches, zero, low) per distinct text -> one group per normalised form, most searched first."""
    groups: dict[str, QueryGroup] = {}
    forms: dict[str, Counter] = {}
    for text, searches, zero, low in stats:
        key = normalise(text) or text.strip().casefold()
        group = groups.setdefault(key, QueryGroup(label=text))
        group.searches += searches
        group.zero_result += zero or 0
        group.low_confidence += low or 0
        forms.setdefault(key, Counter())[text] += searches
    for key, group in groups.items():
        ranked = sorted(forms[key].items(), key=lambda item: (-item[1], item[0]))
        group.label, group.variants = ranked[0][0], [text for text, _ in ranked]
    return sorted(groups.values(), key=lambda g: (-g.searches, g.label.casefold()))


def parse_since(value: str) -> float:
    """A date (YYYY-MM-DD, the start of that day UTC) as a timestamp; ValueError otherwise."""
    return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=dt.timezone.utc).timestamp()


def day_of(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")


def report(db: AnalyticsDB, since: float, title_of: Callable[[int], str], limit: int = 20) -> dict:
    """Every table of the analytics report for searches since `since`."""
    groups = group_queries(db.query_stats(since))
    by = lambda attr: sorted((g for g in groups if getattr(g, attr)), key=lambda g: (-getattr(g, attr), -g.searches))[:limit]
    return {
        "since": day_of(since),
        "totals": db.totals(since),
        "days": [{"day": d, "searches": n, "zero_result": z or 0, "low_confidence": w or 0}
                 for d, n, z, w in db.searches_per_day(since)],
        "top_queries": [g.to_json() for g in groups[:limit]],
        "zero_result": [g.to_json() for g in by("zero_result")],
        "low_confidence": [g.to_json() for g in by("low_confidence")],
        "documents": [{"doc_id": d, "title": title_of(d), "opens": n} for d, n in db.documents_opened(since, limit)],
        "moments": [{"doc_id": d, "title": title_of(d), "start": start, "plays": n, "seconds": round(s or 0.0, 1)}
                    for d, start, n, s in db.moments_played(since, limit)],
    }
