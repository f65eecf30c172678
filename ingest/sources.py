"""What a source is, and how it becomes Documents: discover() expands, load() reads one item.

Both are functions of their inputs, so a later scheduler can run load() for many items in parallel
anywhere; everything persistent reaches them through the Context (what the store already knows).
"""
from __future__ import annotations

import re
import tomllib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Protocol

from clout.settings import Settings

from clout.document import Document, Segment, Voiceprint
from .errors import IngestError
from .fetch import Fetcher
from . import local
from .files import SUFFIXES, read_file
from .local import read_bounded

MANIFEST = "manifest.toml"


@dataclass(frozen=True)
class Options:
    """How far to follow a source: the CLI's --limit, --since, --same-site, --max-depth."""

    limit: int | None = None
    since: str = ""  # ISO date; older items are skipped
    same_site: bool = True
    max_depth: int = 0
    whisper_model: str = ""
    word_timestamps: bool = False
    expect: str = ""  # what the source must turn out to be (a followed source's kind); "" for anything

    def too_old(self, date: str) -> bool:
        """Whether --since skips an item of this ISO date. Only an item known to be older is skipped:
        an undated one is kept, since a sitemap without <lastmod> would otherwise give nothing, and a
        page's own date is checked again once it is read."""
        return bool(self.since and date and date < self.since)


# What a followed source of each kind (`clout sources add --kind`) must turn out to be once read.
# A mismatch is refused rather than read some other way: a feed URL that now serves an HTML page
# (a moved feed, a login wall) would otherwise be followed as something the user never chose.
KIND_FITS = {"feed": ("feed", "podcast"), "podcast": ("podcast",), "sitemap": ("sitemap", "robots"), "site": ("page",)}
_FOUND = {
    "page": "an HTML page", "feed": "a feed without audio enclosures", "podcast": "a podcast feed",
    "sitemap": "a sitemap", "robots": "a robots.txt", "audio": "an audio file",
    "directory": "a local folder", "file": "a local file",
}


def unexpected_kind(source: str, found: str, options: Options) -> IngestError | None:
    """The one-line refusal when a source followed as one kind turns out to be another; None if it fits."""
    if not options.expect or found in KIND_FITS.get(options.expect, (found,)):
        return None
    return IngestError(
        source, f"followed as a {options.expect} but it is {_FOUND.get(found, found)}; add it again with --kind auto or its kind"
    )


class TranscriptCache(Protocol):
    def get_transcript(self, audio_hash: str, model: str) -> list[Segment] | None: ...
    def put_transcript(self, audio_hash: str, model: str, language: str, segments: list[Segment]) -> None: ...


@dataclass
class Context:
    """What every stage of one batch shares. `dataclasses.replace()` (a sync does it once per source)
    keeps the fetcher and starts the discovery memory afresh."""

    settings: Settings
    options: Options = field(default_factory=Options)
    # What the store holds for a source (content_hash, extra with etag/last_modified), or None.
    known: Callable[[str], dict | None] = lambda source: None
    transcripts: TranscriptCache | None = None
    # The voiceprints of the people named in a show's episodes so far, by show title.
    voiceprints: Callable[[str], list[Voiceprint]] = lambda show: []
    # Called with (event, payload) to report progress of long steps (downloads, transcription).
    progress: Callable[[str, dict], None] = lambda event, payload: None
    # The batch's one HTTP client, shared by the web and podcast stages and the download threads, so
    # robots.txt is read once per host and the per-host delay holds across all of them. Made from
    # `settings` when not given.
    fetcher: Fetcher | None = None
    # Discovery memory (not arguments, so replace() does not carry it over):
    # pages fetched while discovering, kept for load() so they are not fetched twice (web stage);
    discovered_pages: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False)
    # local audio files already offered, by a feed that lists them or alone (podcast stage);
    offered_audio: set = field(default_factory=set, init=False, repr=False)
    # feeds beside local audio files, parsed once: their episode items by feed path (podcast stage).
    sibling_feeds: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        if self.fetcher is None:
            self.fetcher = Fetcher(self.settings)


@dataclass(frozen=True)
class Item:
    """One thing to load: a file, a page or an episode. `source` becomes the document's identity."""

    source: str
    kind: str  # "file", "page", "episode", "audio"
    hints: tuple = ()  # (key, value) pairs known before loading: manifest or feed entry fields

    @property
    def hint(self) -> dict:
        return dict(self.hints)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def urlish(source: str) -> str:
    """The scheme of a source written as a URL other than http(s) (file://, ftp:// ...), else ""."""
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]+)://", source)
    return match.group(1).lower() if match and not is_url(source) else ""


def _manifest_hints(directory: Path, root: Path | None = None, max_bytes: int = 2**20) -> dict[Path, dict]:
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        raw = read_bounded(manifest, (max_bytes, "CLOUT_MAX_FILE_MB"), str(manifest), root)
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise IngestError(str(manifest), f"cannot read the manifest ({e})") from None
    hints = {}
    for entry in data.get("document", []):
        entry = dict(entry)
        file = entry.pop("file", None)
        if file:
            hints[(directory / file).resolve()] = entry
    return hints


def _discover_directory(root: Path, ctx: Context) -> Iterator[Item | IngestError]:
    # Everything found is kept inside the folder: a symlink (or a symlinked folder, which rglob does
    # not descend into) leading out of it is named and passed over, so a shared folder cannot make
    # Clout read, index or serve a file elsewhere on this machine.
    tree = local.real(root)
    hints: dict[Path, dict] = {}
    paths = []
    for path in sorted(root.rglob("*")):
        if any(p.startswith(".") for p in path.relative_to(root).parts):
            continue
        if not local.inside(path, tree):
            yield IngestError(str(path), "it is " + local.OUTSIDE)
        elif path.name == MANIFEST:
            try:
                hints.update(_manifest_hints(path.parent, tree, ctx.settings.max_file_bytes))
            except IngestError as e:
                yield e
        elif path.is_file() or path.is_symlink():
            paths.append(path)
    for path in paths:
        if path.suffix.lower() in SUFFIXES:
            found = {**hints.get(path.resolve(), {}), "root": str(tree), "shown": local.shown(path, tree)}
            yield Item(str(path), "file", tuple(found.items()))
        else:
            yield from _discover_other_file(path, ctx, quiet=True, root=tree)


def _discover_other_file(
    path: Path, ctx: Context, quiet: bool = False, root: Path | None = None
) -> Iterator[Item | IngestError]:
    """Feeds and audio files; in a directory walk (inside `root`), unknown files are passed over silently."""
    try:
        from . import podcast
    except ImportError:  # pragma: no cover - the podcast stage is optional in a minimal install
        podcast = None
    if podcast is not None and podcast.handles_path(path):
        yield from podcast.discover_path(path, ctx, root=root)
    elif not quiet:
        yield IngestError(str(path), f"unsupported file type {path.suffix or '(none)'}")


def _local_kind(path: Path) -> str:
    from .feeds import AUDIO_SUFFIXES
    from .podcast import FEED_SUFFIXES  # a local feed file is read as a podcast feed

    if path.is_dir():
        return "directory"
    suffix = path.suffix.lower()
    return "podcast" if suffix in FEED_SUFFIXES else "audio" if suffix in AUDIO_SUFFIXES else "file"


def discover(source: str, ctx: Context) -> Iterator[Item | IngestError]:
    """The items a source stands for: a file, the files of a directory, the pages of a sitemap,
    the entries of a feed. Problems come back as IngestError items so the batch goes on."""
    if is_url(source):
        from . import web

        yield from web.discover(source, ctx)
        return
    scheme = urlish(source)
    if scheme:
        yield IngestError(source, f"{scheme}: URLs are not ingested; only http(s) URLs, or a local file given as a path")
        return
    path = Path(source)
    if ctx.options.expect and path.exists():
        refused = unexpected_kind(source, _local_kind(path), ctx.options)
        if refused is not None:
            yield refused
            return
    if path.is_dir():
        yield from _discover_directory(path, ctx)
    elif not path.exists():
        yield IngestError(source, "no such file or directory")
    elif path.suffix.lower() in SUFFIXES:
        hints = _manifest_hints(path.parent, max_bytes=ctx.settings.max_file_bytes)
        yield Item(source, "file", tuple({**hints.get(path.resolve(), {}), "shown": path.name}.items()))
    else:
        yield from _discover_other_file(path, ctx)


def load(item: Item, ctx: Context) -> Document:
    """The Document for one item; IngestError when it cannot be had."""
    if item.kind == "file":
        # A file named on the command line is read as named; one found in a folder, only inside it.
        hints = item.hint
        root, shown = hints.pop("root", None), hints.pop("shown", "")
        doc = read_file(Path(item.source), ctx.settings.max_file_bytes, hints, Path(root) if root else None)
        if shown:
            doc.extra["shown_source"] = shown
        return doc
    if item.kind == "page":
        from . import web

        return web.load(item, ctx)
    if item.kind in {"episode", "audio"}:
        from . import podcast

        return podcast.load(item, ctx)
    raise IngestError(item.source, f"unknown item kind {item.kind!r}")  # pragma: no cover
