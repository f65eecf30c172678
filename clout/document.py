"""What ingest produces: a Document (article or episode), its timed Segments, and its Chunks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ARTICLE = "article"
EPISODE = "episode"


@dataclass(frozen=True)
class Segment:
    """A stretch of speech: seconds from the start of the audio, and what was said."""

    start: float
    end: float
    text: str


@dataclass
class Document:
    """One article or episode, ready to be chunked and stored.

    `source` is what the user gave (a path or URL) and identifies the document in the store;
    `url` is where a reader goes to see the original (canonical URL, episode page).
    For episodes, `text` is the transcript and `segments` keep its timings.
    """

    source: str
    text: str
    kind: str = ARTICLE
    title: str = ""
    author: str = ""
    date: str = ""  # ISO 8601 date (YYYY-MM-DD) when known
    site: str = ""  # site name for articles, show title for episodes
    url: str = ""
    language: str = ""
    description: str = ""
    audio_url: str = ""
    duration: float | None = None
    segments: list[Segment] = field(default_factory=list)
    # Fetch validators and other provenance kept to make re-ingest cheap (etag, last_modified).
    extra: dict = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Hash of what gets indexed: the same text and metadata never need re-indexing."""
        h = hashlib.sha256()
        for part in (self.kind, self.title, self.author, self.date, self.site, self.url, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        for s in self.segments:
            h.update(f"{s.start:.2f}-{s.end:.2f}".encode())
        return h.hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: what gets embedded, matched and shown.

    `char_start`/`char_end` locate it in the document's text; `start`/`end` are seconds into an
    episode (None for articles). `context` (title, heading) is embedded with the text but not shown.
    """

    position: int
    text: str
    char_start: int
    char_end: int
    start: float | None = None
    end: float | None = None
    context: str = ""
