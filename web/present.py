"""How hits and documents are shown: clock times, text-fragment links, transcript paragraphs, safe highlights,
and where a document came from without the server's own paths."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote

from markupsafe import Markup, escape

from clout.document import Segment

_MARK = re.compile(r"(</?mark>)")
_ENTITY_ONLY = re.compile(r"^[^<>]*$")


def clock(seconds: float | None) -> str:
    """12:34 or 1:02:03."""
    s = int(seconds or 0)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def text_fragment(passage: str, words: int = 5) -> str:
    """A `#:~:text=start,end` fragment that makes supporting browsers scroll to the passage."""
    tokens = passage.split()
    if not tokens:
        return ""
    def encode(part: str) -> str:  # commas, ampersands and dashes are the fragment's own syntax
        return quote(part, safe="").replace("-", "%2D")

    if len(tokens) <= 2 * words:
        return "#:~:text=" + encode(" ".join(tokens))
    return "#:~:text=" + encode(" ".join(tokens[:words])) + "," + encode(" ".join(tokens[-words:]))


def safe_highlight(value: str) -> Markup:
    """A highlight as markup, trusting nothing but <mark>: any other angle bracket is escaped again."""
    parts = _MARK.split(value or "")
    return Markup("".join(p if p in ("<mark>", "</mark>") or _ENTITY_ONLY.match(p) else str(escape(p)) for p in parts))


def paragraphs(segments: list[Segment], max_chars: int = 500, max_seconds: float = 30.0, max_gap: float = 2.0) -> list[tuple[float, str]]:
    """Transcript segments grouped into paragraphs of about half a minute, broken early at pauses: (start, text)."""
    out: list[tuple[float, str]] = []
    start, parts, length, last_end = None, [], 0, None
    for segment in segments:
        seg_start, seg_end, text = segment.start, segment.end, segment.text.strip()
        if not text:
            continue
        pause = last_end is not None and seg_start - last_end > max_gap
        if parts and (length >= max_chars or seg_start - start >= max_seconds or pause):
            out.append((start, " ".join(parts)))
            start, parts, length = None, [], 0
        if start is None:
            start = seg_start
        parts.append(text)
        length += len(text) + 1
        last_end = seg_end
    if parts:
        out.append((start, " ".join(parts)))
    return out


def turns(segments: list[Segment]) -> list[tuple[float, str, str, bool]]:
    """Paragraphs of each speaker's turn: (start, text, speaker, whether a new turn starts there)."""
    out: list[tuple[float, str, str, bool]] = []
    run: list[Segment] = []
    for segment in list(segments) + [None]:
        if run and (segment is None or segment.speaker != run[-1].speaker):
            out += [(start, text, run[0].speaker, i == 0) for i, (start, text) in enumerate(paragraphs(run))]
            run = []
        if segment is not None:
            run.append(segment)
    return out


def article_paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def public_source(source: str, extra: dict) -> str:
    """Where a document came from, as a client may see it: its URL, or for a local file its path from
    the folder (or file) that was ingested, which ingest recorded. An absolute path never leaves the server."""
    if _is_url(source):
        return source
    if extra.get("shown_source"):
        return extra["shown_source"]
    # Stored before ingest recorded that: a relative path without `..` as it was given, else the name.
    path = PurePosixPath(source)
    return path.name if path.is_absolute() or ".." in path.parts or source.startswith("~") else source


def public_audio_url(audio_url: str, media_url: str) -> str:
    """An episode's audio as a client may fetch it: the publisher's URL, or Clout's /media URL for a local file."""
    return audio_url if _is_url(audio_url) or not audio_url else media_url
