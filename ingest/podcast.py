"""Podcast episodes and audio files into Documents: feed entries, downloads, transcripts.

An episode's transcript comes, in order of preference, from the publisher (`<podcast:transcript>`,
or a .vtt/.srt beside a local audio file), from the transcript cache (keyed by the audio's content
hash and the model, so the same audio is never transcribed twice), or from Whisper; audio Clout
hears is diarized, and its voices named from the feed's people (ingest/speakers.py). Chapters come
from `<podcast:chapters>`; an episode without them gets chapters made by the index.
A local feed's files (enclosures, transcripts, chapters) are read only inside its tree (ingest/local.py).
"""
from __future__ import annotations

import contextlib
import hashlib
import html
import json
import logging
import re
import urllib.parse
from pathlib import Path
from typing import Iterator

from . import local, speakers
from . import transcribe as whisper
from .captions import caption_format, parse_captions
from .chapters import parse_chapters
from clout.document import EPISODE, Chapter, Document, Person, Segment
from .errors import IngestError, Unchanged
from .feeds import AUDIO_SUFFIXES, Entry, Feed, parse_feed
from .listen import listen
from .podcasting import timed_first

log = logging.getLogger(__name__)

FEED_SUFFIXES = (".xml", ".rss", ".atom")
SIDECAR_SUFFIXES = (".vtt", ".srt")
AUDIO_DIR = "audio"  # under the data directory: downloads in progress
PLAYLIST_SUFFIXES = (".m3u", ".m3u8", ".pls", ".asx", ".xspf")
PLAYLIST_TYPES = (
    "audio/x-mpegurl", "audio/mpegurl", "application/x-mpegurl", "application/vnd.apple.mpegurl",
    "audio/x-scpls", "application/pls+xml", "video/x-ms-asf", "application/xspf+xml",
)


def handles_path(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES + FEED_SUFFIXES


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


# -- discovery -------------------------------------------------------------------------------


def discover_path(path: Path, ctx, root: Path | None = None) -> Iterator:
    """A local feed's episodes, or a local audio file's. `root` is the folder being ingested when the
    path was found in one; what a feed points at must lie inside it (for a file named on its own,
    inside that file's folder)."""
    tree = root or local.real(path.parent)
    if path.suffix.lower() in FEED_SUFFIXES:
        try:
            data = local.read_bounded(path, ctx.settings.read_limit("page"), str(path), root)
        except IngestError as e:
            yield e
            return
        yield from discover_feed(data, str(path), ctx, root=tree)
        return
    listed = _listed_by_sibling_feed(path, ctx, tree)
    if listed is not None:
        yield from listed
        return
    # Within one batch, an audio file is offered once: by its feed if a feed lists it, else alone.
    if str(path) not in ctx.offered_audio:
        ctx.offered_audio.add(str(path))
        hints = {"root": str(root), "shown": local.shown(path, root)} if root is not None else {"shown": path.name}
        yield _item(str(path), "audio", hints)


def discover_url(url: str, ctx) -> Iterator:
    """A direct link to an audio file (the web stage hands these over)."""
    yield _item(url, "audio", {"audio_url": url})


def _listed_by_sibling_feed(path: Path, ctx, tree: Path) -> list | None:
    """The feed item for a local audio file that a feed in the same directory lists, if any."""
    for feed_path in sorted(p for p in path.parent.iterdir() if p.suffix.lower() in FEED_SUFFIXES):
        for item in _feed_items(feed_path, ctx, tree):
            if getattr(item, "source", None) == str(path):
                if str(path) in ctx.offered_audio:
                    return []
                ctx.offered_audio.add(str(path))
                return [item]
    return None


def _feed_items(feed_path: Path, ctx, tree: Path) -> list:
    # Parsed once per batch: a folder of N audio files beside a feed would otherwise parse it N times.
    cache = ctx.sibling_feeds
    if feed_path not in cache:
        try:
            data = local.read_bounded(feed_path, ctx.settings.read_limit("page"), str(feed_path), tree)
            feed = parse_feed(data, str(feed_path))
        except IngestError:
            feed = None
        cache[feed_path] = list(_episodes(feed, feed.entries, str(feed_path), tree)) if feed else []
    return cache[feed_path]


def _resolve(href: str, feed_source: str) -> str | None:
    """An enclosure or transcript link as an absolute URL, or for a local feed as a path beside it.
    A remote feed can only point at http(s) URLs, never at files on this machine."""
    href = href.strip()
    if _is_url(feed_source):
        url = urllib.parse.urljoin(feed_source, href)
        return url if _is_url(url) else None
    if _is_url(href):
        return href
    if "://" in href or not href:
        return None
    return str(Path(feed_source).parent / urllib.parse.unquote(href))


def _newest_first(entries: list[Entry], options) -> list[Entry]:
    dated = sorted((e for e in entries if e.date), key=lambda e: e.date, reverse=True)
    undated = [e for e in entries if not e.date]
    chosen = [e for e in dated + undated if not options.too_old(e.date)]
    return chosen[:options.limit] if options.limit else chosen


def discover_feed(feed_bytes: bytes, source: str, ctx, root: Path | None = None) -> Iterator:
    """One episode Item per feed entry with audio (newest first, --since and --limit applied). A
    local feed's enclosures, transcripts and chapters must lie inside `root` (default: its folder)."""
    try:
        feed = parse_feed(feed_bytes, source)
    except IngestError as e:
        yield e
        return
    yield from discover_parsed(feed, source, ctx, root)


def discover_parsed(feed: Feed, source: str, ctx, root: Path | None = None) -> Iterator:
    """discover_feed for a feed already parsed (the web stage parses it to tell articles from episodes)."""
    if root is None and not _is_url(source):
        root = local.real(Path(source).parent)
    entries = [e for e in feed.entries if e.is_episode]
    if not entries:
        yield IngestError(source, "the feed has no episodes with audio enclosures")
        return
    entries = _newest_first(entries, ctx.options)
    ctx.progress("feed", {"source": source, "title": feed.title, "episodes": len(entries)})
    for item in _episodes(feed, entries, source, root):
        if isinstance(item, IngestError) or item.source not in ctx.offered_audio:
            ctx.offered_audio.add(getattr(item, "source", None))
            yield item


def _episodes(feed: Feed, entries: list[Entry], source: str, root: Path | None) -> Iterator:
    """Episode items; `root` (None for a remote feed, whose links are all URLs) holds a local feed's files."""
    for entry in entries:
        audio = _resolve(entry.audio_url, source)
        if audio is None:
            yield IngestError(entry.audio_url or source, f"the enclosure of “{entry.title}” is not an http(s) URL")
        elif not _within(audio, root):
            yield IngestError(entry.audio_url, f"the enclosure of “{entry.title}” is {local.OUTSIDE}")
        elif _is_playlist(audio, entry.audio_type):
            yield IngestError(audio, f"the enclosure of “{entry.title}” is a playlist or stream, not an audio file")
        else:
            yield _item(audio, "episode", _entry_hints(entry, feed, source, audio, root))


def _within(ref: str, root: Path | None) -> bool:
    """Whether a resolved link may be read: any URL, or a local path inside the feed's tree."""
    return _is_url(ref) or (root is not None and local.inside(ref, root))


def _is_playlist(url: str, mime: str) -> bool:
    # A playlist names other URLs, which the decoder would open without the fetcher's checks.
    suffix = Path(urllib.parse.urlsplit(url).path).suffix.lower()
    return suffix in PLAYLIST_SUFFIXES or mime.lower().split(";")[0].strip() in PLAYLIST_TYPES


def _entry_hints(entry: Entry, feed: Feed, source: str, audio: str, root: Path | None) -> dict:
    links = [(url, t.type) for t in entry.transcripts if (url := _resolve(t.url, source)) is not None]
    transcripts = tuple(timed_first([(url, kind) for url, kind in links if _within(url, root)], caption_format))
    chapters = _resolve(entry.chapters_url, source) if entry.chapters_url else None
    chapters = chapters if chapters and _within(chapters, root) else None
    hints = {
        "title": entry.title, "date": entry.date, "description": _plain(entry.description),
        "author": entry.author or feed.author, "site": feed.title, "url": entry.link,
        "language": feed.language, "duration": entry.duration, "audio_url": audio, "feed": source,
        "guid": entry.guid, "audio_length": entry.audio_length, "transcripts": transcripts,
        "people": tuple((p.name, p.role) for p in entry.people), "chapters": chapters or "",
    }
    hints["entry_key"] = hashlib.sha256(json.dumps(hints, sort_keys=True, default=str).encode()).hexdigest()[:32]
    if root is not None and not _is_url(audio):  # where the feed's files may be, and how clients see them
        hints.update(root=str(root), shown=local.shown(audio, root))
    return hints


def _item(source: str, kind: str, hints: dict):
    from .sources import Item

    return Item(source, kind, tuple(hints.items()))


def _plain(markup: str) -> str:
    text = re.sub(r"<(br|/p|/li|/div)[^>]*>", "\n", markup or "", flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# -- loading ---------------------------------------------------------------------------------


def load(item, ctx) -> Document:
    """The episode's Document with its timed transcript; IngestError when it cannot be had."""
    hint = item.hint
    model = ctx.options.whisper_model or ctx.settings.whisper_model
    words_wanted = ctx.options.word_timestamps
    audio_ref = hint.get("audio_url") or item.source
    known = ctx.known(item.source)
    if known and hint.get("entry_key") and _current(known["extra"], hint["entry_key"], model, words_wanted):
        raise Unchanged(item.source, "episode already transcribed")
    _check_language(item.source, hint.get("language", ""), model)
    ctx.progress("episode", {"source": item.source, "title": hint.get("title", "")})

    # A local episode's files lie in its tree: the folder being ingested, or its feed's or its own folder.
    own = None if _is_url(audio_ref) else Path(audio_ref)
    root = hint.get("root")  # set when the audio was found through a folder or a feed, not named alone
    tree = root or (str(local.real(own.parent)) if own is not None else None)
    people = [Person(name, role) for name, role in hint.get("people", ())]
    segments, words, extra = _publisher_transcript(item, audio_ref, ctx, tree), [], {"transcript": "publisher"}
    prints = []
    if segments is not None:
        people = speakers.publisher_people(people, segments)
    language = hint.get("language", "")
    duration = hint.get("duration")
    audio_type = ""
    if segments is None:
        if own is None:
            path = _download(audio_ref, ctx)
            audio_hash = _file_hash(path, item.source)
        else:  # hashed and decoded from one private copy: the cache keeps the transcript of those bytes
            path, audio_hash, audio_type = local.private_copy(
                own, ctx.settings.data_dir / AUDIO_DIR, ctx.settings.read_limit("audio"), item.source, root)
        try:
            if known and not hint.get("entry_key") and _current(known["extra"], "", model, words_wanted, audio_hash):
                raise Unchanged(item.source, "audio already transcribed")
            heard = listen(path, audio_hash, model, item.source, ctx)
            language, duration = heard.language or language, heard.duration or duration
        finally:
            path.unlink(missing_ok=True)  # the page plays remote audio from its own URL, local from its file
            with contextlib.suppress(OSError):  # leave no empty folder behind in the data directory
                path.parent.rmdir()
        voiced = speakers.attribute(heard.diarization, people, ctx.voiceprints(hint.get("site", "")),
                                    whisper.sentences_from_words)
        segments, words, people, prints = voiced.segments, heard.diarization.words, voiced.people, voiced.voiceprints
        extra = {"transcript": "whisper", "model": model, "audio_hash": audio_hash, "voices": speakers.VERSION}
    elif own is not None:
        try:
            audio_type = local.audio_type(own, item.source, root)
        except IngestError as e:  # the publisher's transcript stands without it
            log.warning("%s: its audio cannot be read (%s)", item.source, e.reason)
    if own is not None and audio_type:
        # Only audio Clout has read and recognised by its bytes is recorded, and so ever served.
        extra.update(audio_path=str(local.real(own)), audio_type=audio_type)
    elif own is not None:
        log.warning("%s: not audio by its contents; the episode is kept without it", item.source)
    if hint.get("shown"):
        extra["shown_source"] = hint["shown"]
    if words_wanted and words:
        extra["words"] = [[round(w.start, 2), round(w.end, 2), w.text.strip()] for w in words]
    for key in ("entry_key", "guid", "feed"):
        if hint.get(key):
            extra[key] = hint[key]
    segments = [s for s in segments if s.text.strip()]
    if not segments:
        raise IngestError(item.source, "no speech was found in it")
    return Document(
        source=item.source,
        text=" ".join(s.text.strip() for s in segments),  # exactly as chunk_segments joins them
        kind=EPISODE,
        title=hint.get("title") or _title_from_name(audio_ref),
        author=hint.get("author", ""),
        date=hint.get("date", ""),
        site=hint.get("site", ""),
        url=hint.get("url", ""),
        language=language or "",
        description=hint.get("description", ""),
        audio_url=audio_ref if own is None else extra.get("audio_path", ""),
        duration=duration,
        segments=segments,
        people=people,
        chapters=_publisher_chapters(item, ctx, tree),
        voiceprints=prints,
        extra=extra,
    )


def _current(extra: dict, entry_key: str, model: str, words_wanted: bool, audio_hash: str = "") -> bool:
    """Whether the stored episode already is what loading would produce."""
    if entry_key and extra.get("entry_key") != entry_key:
        return False
    if audio_hash and extra.get("audio_hash") != audio_hash:
        return False
    if extra.get("audio_path") and not extra.get("audio_type"):
        return False  # recorded before Clout checked local audio by its bytes: check it now
    if extra.get("transcript") == "publisher":
        return True
    return (extra.get("model") == model and extra.get("voices") == speakers.VERSION
            and (not words_wanted or "words" in extra))


def _check_language(source: str, language: str, model: str) -> None:
    if language and not language.lower().startswith("en") and _english_only(model):
        raise IngestError(
            source,
            f"the episode is in {language!r} but the Whisper model {model!r} only understands English; "
            "choose a multilingual model with --model or CLOUT_WHISPER_MODEL",
        )


def _english_only(model: str) -> bool:
    if Path(model).is_dir():
        try:
            config = json.loads((Path(model) / "config.json").read_text())
            return len(config.get("lang_ids", [])) <= 1
        except (OSError, ValueError):
            return False
    return model.endswith(".en")


def _title_from_name(ref: str) -> str:
    name = urllib.parse.unquote(urllib.parse.urlsplit(ref).path if _is_url(ref) else ref)
    return re.sub(r"[-_]+", " ", Path(name).stem).strip() or name


def _publisher_transcript(item, audio_ref: str, ctx, tree: str | None) -> list[Segment] | None:
    """The publisher's timed transcript, if it offers one that can be read; None otherwise. Local
    transcripts are read only inside the episode's tree and under the page size limit."""
    candidates = list(item.hint.get("transcripts", ()))
    if not _is_url(audio_ref):
        candidates += [(str(p), "") for s in SIDECAR_SUFFIXES if (p := Path(audio_ref).with_suffix(s)).is_file()]
    for ref, kind in candidates:
        fmt = caption_format(kind, ref)
        if not fmt:
            continue
        try:
            return parse_captions(_read(ref, ctx, tree), fmt, ref)
        except (IngestError, OSError) as e:
            # The audio is still there to transcribe; say why the publisher's text was not used.
            log.warning("%s: not using the publisher transcript %s (%s)", item.source, ref, e)
    return None


def _read(ref: str, ctx, tree: str | None) -> bytes:
    if _is_url(ref):
        return ctx.fetcher.get(ref, max_bytes=ctx.settings.max_page_bytes).body
    return local.read_bounded(ref, ctx.settings.read_limit("page"), ref, tree)


def _publisher_chapters(item, ctx, tree: str | None) -> list[Chapter]:
    """The publisher's chapters, if the feed points at a file that can be read; [] otherwise."""
    ref = item.hint.get("chapters")
    if not ref:
        return []
    try:
        return parse_chapters(_read(ref, ctx, tree), ref)
    except (IngestError, OSError) as e:
        log.warning("%s: not using the publisher chapters %s (%s)", item.source, ref, e)
        return []


def _download(url: str, ctx) -> Path:
    directory = ctx.settings.data_dir / AUDIO_DIR
    directory.mkdir(parents=True, exist_ok=True)
    suffix = Path(urllib.parse.urlsplit(url).path).suffix.lower()
    dest = directory / (hashlib.sha256(url.encode()).hexdigest()[:24] + (suffix if suffix in AUDIO_SUFFIXES else ".audio"))

    def report(done: int, total: int | None) -> None:
        ctx.progress("download", {"source": url, "done": done, "total": total})

    return ctx.fetcher.download(url, dest, max_bytes=ctx.settings.max_audio_bytes, progress=report)


def _file_hash(path: Path, source: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    except FileNotFoundError:
        raise IngestError(source, "no such file") from None
    except OSError as e:
        raise IngestError(source, f"cannot read it ({e.strerror})") from None
    return h.hexdigest()
