"""Web sources: article pages, sitemaps and feeds fetched over HTTP(S). (Articles issue.)"""
from __future__ import annotations

from typing import Iterator

from .errors import IngestError


def discover(source: str, ctx) -> Iterator:
    yield IngestError(source, "web sources are not supported yet")


def load(item, ctx):
    raise IngestError(item.source, "web sources are not supported yet")
