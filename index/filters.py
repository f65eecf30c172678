"""Search filters: which documents a search may return (kind, site or show, author, date range), and
which passages (those where a speaker speaks)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .vocabulary import check_date


@dataclass(frozen=True)
class Filters:
    """Empty fields filter nothing. kind and site match whole values, ignoring case; author matches a
    part of the name ("shaw"); dates are ISO prefixes (2017, 2017-09, 2017-09-22), both ends included,
    and a date filter leaves out documents whose date is unknown. speaker keeps the episode passages in
    which that speaker speaks (the whole name, ignoring case), and plays them where they do."""

    kind: str = ""
    site: str = ""
    author: str = ""
    date_from: str = ""
    date_to: str = ""
    speaker: str = ""

    def __post_init__(self):
        for name in ("date_from", "date_to"):
            object.__setattr__(self, name, check_date(name, (getattr(self, name) or "").strip()))
        for name in ("kind", "site", "author", "speaker"):
            object.__setattr__(self, name, " ".join((getattr(self, name) or "").split()))

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @classmethod
    def from_params(cls, params) -> "Filters":
        """From query-string style parameters: kind, site (or show), author, date_from/from/since, date_to/to/until, speaker."""
        def first(*names):
            for name in names:
                value = params.get(name)
                if value:
                    return str(value)
            return ""

        return cls(
            kind=first("kind"), site=first("site", "show"), author=first("author"),
            date_from=first("date_from", "from", "since"), date_to=first("date_to", "to", "until"),
            speaker=first("speaker"),
        )

    def without(self, name: str) -> "Filters":
        return replace(self, **{name: ""})
