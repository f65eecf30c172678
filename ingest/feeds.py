"""RSS/Atom feeds: bytes in, a Feed with its entries out. Tolerant of real-world feeds.

The parser only ever sees bytes Clout fetched or read itself, never a URL or path it could open.
Each entry says whether it is an article (a link to a page) or an episode (an audio enclosure).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clout.document import Person

from .dates import iso_date
from .errors import IngestError
from .podcasting import read_tags

AUDIO_SUFFIXES = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".mp4a")


@dataclass(frozen=True)
class Transcript:
    url: str
    type: str  # MIME type as the feed gives it: text/vtt, application/srt, application/json ...
    language: str = ""


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    link: str  # the entry's page
    date: str  # ISO date, "" if unknown
    description: str
    author: str = ""
    audio_url: str = ""  # the audio enclosure, if any
    audio_type: str = ""
    audio_length: int = 0  # bytes, as the feed claims
    duration: float | None = None  # seconds, from itunes:duration
    transcripts: tuple[Transcript, ...] = ()  # every <podcast:transcript>, in the feed's order
    people: tuple[Person, ...] = ()  # <podcast:person> of the item, else of the channel
    chapters_url: str = ""  # <podcast:chapters>

    @property
    def is_episode(self) -> bool:
        return bool(self.audio_url)


@dataclass(frozen=True)
class Feed:
    title: str
    link: str
    language: str
    author: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def is_podcast(self) -> bool:
        return any(e.is_episode for e in self.entries)


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    """Cheap sniff: an RSS/Atom/RDF document, not an HTML page or a sitemap."""
    if any(t in content_type for t in ("rss", "atom", "rdf")):
        return True
    head = data[:2048].lstrip().lower()
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")) and b"<urlset" not in head


def parse_duration(value) -> float | None:
    """itunes:duration as seconds: "3723", "62:03", "1:02:03"."""
    if not value:
        return None
    try:
        parts = [float(p) for p in str(value).strip().split(":")]
    except ValueError:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds if seconds > 0 else None


def _is_audio(enclosure: dict) -> bool:
    kind = (enclosure.get("type") or "").lower()
    href = (enclosure.get("href") or "").lower().split("?")[0]
    return kind.startswith("audio/") or (not kind and href.endswith(AUDIO_SUFFIXES))


def _transcripts(entry, tags) -> tuple[Transcript, ...]:
    # feedparser keeps only the last <podcast:transcript> (`podcast_transcript`); the raw tags have them all.
    found = [Transcript(t.url, t.type, t.language) for t in tags.transcripts]
    raw = entry.get("podcast_transcript")
    if isinstance(raw, dict) and raw.get("url"):
        found.append(Transcript(raw["url"], raw.get("type", ""), raw.get("language", "")))
    for link in entry.get("links", []):
        if link.get("rel") == "transcript" and link.get("href"):
            found.append(Transcript(link["href"], link.get("type", "")))
    return tuple(dict.fromkeys(found))


def parse_feed(data: bytes, source: str) -> Feed:
    """A Feed from a document's bytes; IngestError if it is not a feed at all."""
    import feedparser

    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise IngestError(source, f"not an RSS or Atom feed ({reason})" if reason else "not an RSS or Atom feed")
    channel = parsed.feed
    tags = read_tags(data)
    entries = []
    for item in parsed.entries:
        audio = next((e for e in item.get("enclosures", []) if _is_audio(e)), None)
        guid = item.get("id") or item.get("link") or (audio or {}).get("href", "")
        own = tags.of(guid, (audio or {}).get("href", ""))
        try:
            length = int((audio or {}).get("length") or 0)
        except ValueError:
            length = 0
        entries.append(
            Entry(
                guid=guid,
                title=(item.get("title") or "").strip(),
                link=item.get("link") or "",
                date=iso_date(item.get("published_parsed") or item.get("updated_parsed") or item.get("published")),
                description=item.get("summary") or "",
                author=item.get("author") or "",
                audio_url=(audio or {}).get("href", ""),
                audio_type=(audio or {}).get("type", ""),
                audio_length=length,
                duration=parse_duration(item.get("itunes_duration")),
                transcripts=_transcripts(item, own),
                # Persons listed on an item replace the channel's for that episode (Podcasting 2.0).
                people=tuple(own.people or tags.channel.people),
                chapters_url=(own.chapters[0].url if own.chapters else ""),
            )
        )
    return Feed(
        title=(channel.get("title") or "").strip(),
        link=channel.get("link") or "",
        language=channel.get("language") or "",
        author=channel.get("author") or channel.get("itunes_author") or "",
        entries=entries,
    )
