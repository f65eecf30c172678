"""Errors a user can cause while ingesting: each names the input and says what was wrong."""
from __future__ import annotations

from clout.errors import CloutError


class IngestError(CloutError):
    """A source could not be ingested. `str()` is one sentence naming the source."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class Unchanged(Exception):
    """Not an error (so not a CloutError): raised by a loader that can tell, without loading, that the stored document is current
    (a 304 Not Modified, an episode whose audio is already transcribed and stored)."""

    def __init__(self, source: str, detail: str = ""):
        super().__init__(source)
        self.source = source
        self.detail = detail


class StopBatch(CloutError):
    """Where documents go cannot take more (a full disk, a read-only data directory): going on
    would fail every item the same way, so the batch stops and says why, once."""
