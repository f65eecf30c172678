"""What ingest produces: a Document (article or episode), its timed Segments, its people and
chapters, and its Chunks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ARTICLE = "article"
EPISODE = "episode"


@dataclass(frozen=True)
class Segment:
    """A stretch of speech by one voice: seconds from the start of the audio, what was said, and who
    said it (a name, "Speaker 1" where nothing says who, "" when not known at all)."""

    start: float
    end: float
    text: str
    speaker: str = ""


@dataclass(frozen=True)
class Person:
    """Someone an episode names (podcast:person, a voice tag): role as the feed gives it (host, guest ...)."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class Chapter:
    """Where a part of an episode starts, and its title: the publisher's, or a sentence of the part itself."""

    start: float
    title: str


@dataclass(frozen=True)
class Voiceprint:
    """What a named speaker sounds like (a unit-length voice embedding), from `seconds` of their speech."""

    name: str
    vector: tuple[float, ...]
    seconds: float
    encoder: str


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
    people: list[Person] = field(default_factory=list)
    # The publisher's chapters; when an episode has none, the index makes them from its transcript.
    chapters: list[Chapter] = field(default_factory=list)
    # Prints of the named voices heard in the episode, for the show's next episodes (not indexed).
    voiceprints: list[Voiceprint] = field(default_factory=list)
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
            h.update(f"{s.start:.2f}-{s.end:.2f}{s.speaker}".encode())
        for p in self.people:
            h.update(f"\0person\0{p.name}\0{p.role}".encode())
        for c in self.chapters:
            h.update(f"\0chapter\0{c.start:.2f}\0{c.title}".encode())
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
    speakers: tuple[str, ...] = ()  # who speaks in an episode passage, in order of first appearance
