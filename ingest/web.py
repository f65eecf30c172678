"""Web sources: what a URL is (article page, sitemap, robots.txt, feed, start of a crawl) and its pages.

discover() fetches the URL once to tell what it is and expands it into page Items; load() turns one
page into a Document, re-fetching conditionally (ETag / Last-Modified) when the store already has it.
"""
from __future__ import annotations

import re
import threading
import urllib.parse
from typing import Iterator

from .errors import IngestError, Unchanged
from .extract import extract_html
from .feeds import AUDIO_SUFFIXES, Entry, Feed, looks_like_feed, parse_feed
from .fetch import FetchError, Response
from .sitemaps import looks_like_sitemap, parse_sitemap, robots_sitemaps
from .sources import Item, unexpected_kind

HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a source URL may turn out to be: a page, an XML sitemap or feed (any *xml type), gzip, robots.txt.
SOURCE_TYPES = HTML_TYPES + ("xml", "rss", "atom", "gzip", "text/plain")
MAX_SITEMAPS = 50  # sitemap files read for one source, index files included
MAX_CACHED_PAGES = 64  # pages fetched during discovery, kept for load() so they are not fetched twice
NOT_PAGES = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|pdf|zip|gz|tgz|mp3|m4a|mp4|mov|avi|webm|ogg|wav|css|js|json|xml|rss|woff2?|ttf|exe|dmg)$",
    re.IGNORECASE,
)
_LOCK = threading.Lock()  # around ctx.discovered_pages: pages load on a pool's threads


def discover(source: str, ctx) -> Iterator:
    try:
        found, what = _what_it_is(source, ctx)
    except IngestError as e:
        yield e
        return
    refused = unexpected_kind(source, found, ctx.options)
    if refused is not None:
        yield refused
    elif found == "audio":
        from . import podcast  # a direct link to an episode's audio

        yield from podcast.discover_url(source, ctx)
    elif found == "robots":
        yield from _from_sitemaps(what, ctx, origin=source)
    elif found == "sitemap":
        yield from _from_sitemaps([source], ctx, origin=source, first=what)
    elif found in ("feed", "podcast"):
        yield from _from_feed(source, what, ctx)
    elif what.not_modified:
        yield Item(source, "page")  # a page stored before; load() confirms it is unchanged
    else:
        _keep(ctx, source, what)
        yield from _crawl(source, what, ctx)


def _what_it_is(source: str, ctx) -> tuple[str, object]:
    """What a source URL is, with what was read to tell: ("audio", None), ("robots", its Sitemap URLs),
    ("sitemap", the response), ("feed" or "podcast", the parsed Feed) or ("page", the response)."""
    path = urllib.parse.urlsplit(source).path.lower()
    if path.endswith(AUDIO_SUFFIXES):
        return "audio", None
    fetcher = ctx.fetcher
    if path.endswith("/robots.txt"):
        response = fetcher.get(source, accept=("text/plain",), check_robots=False)
        sitemaps = robots_sitemaps(response.body.decode("utf-8", errors="replace"))
        if not sitemaps:
            raise IngestError(source, "the robots.txt lists no Sitemap: lines")
        return "robots", sitemaps
    extra = (ctx.known(source) or {}).get("extra") or {}
    response = fetcher.get(source, accept=SOURCE_TYPES, etag=extra.get("etag", ""), last_modified=extra.get("last_modified", ""))
    if response.not_modified:
        return "page", response
    if looks_like_sitemap(response.body):
        return "sitemap", response
    if looks_like_feed(response.body, response.content_type):
        feed = parse_feed(response.body, source)
        return ("podcast" if feed.is_podcast else "feed"), feed
    if _is_html(response):
        return "page", response
    raise IngestError(source, f"not an HTML page, sitemap or feed ({response.content_type or 'no content type'})")


def load(item: Item, ctx):
    """The Document for one page; Unchanged when the server or the --since date says so."""
    extra = (ctx.known(item.source) or {}).get("extra") or {}
    response = _take(ctx, item.source)
    if response is None:
        response = ctx.fetcher.get(
            item.source, accept=HTML_TYPES, etag=extra.get("etag", ""), last_modified=extra.get("last_modified", "")
        )
    if response.not_modified:
        raise Unchanged(item.source, "not modified since the last fetch")
    if not _is_html(response):
        raise IngestError(item.source, f"not an HTML page ({response.content_type or 'no content type'})")
    doc = extract_html(_html_text(response), item.source, url=response.url)
    hints = item.hint
    for name in ("title", "author", "date", "site"):
        if not getattr(doc, name) and hints.get(name):
            setattr(doc, name, hints[name])
    doc.extra.update({k: v for k, v in (("etag", response.etag), ("last_modified", response.last_modified)) if v})
    if ctx.options.too_old(doc.date):
        raise Unchanged(item.source, f"skipped: published {doc.date}, before --since {ctx.options.since}")
    return doc


# -- sitemaps and feeds -------------------------------------------------------------------------------


def _from_sitemaps(urls: list[str], ctx, origin: str, first: Response | None = None) -> Iterator:
    """The pages of one or more sitemaps, following sitemap indexes, newest first under --limit."""
    fetcher = ctx.fetcher
    queue, seen, pages = list(urls), set(), {}
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            response = first if (first is not None and url == origin) else fetcher.get(url, accept=SOURCE_TYPES)
            sitemap = parse_sitemap(response.body, url, ctx.settings.max_page_bytes)
        except IngestError as e:
            yield e
            continue
        queue.extend(urllib.parse.urljoin(url, child) for child in sitemap.sitemaps)
        for loc, lastmod in sitemap.pages:
            pages.setdefault(urllib.parse.urljoin(url, loc), lastmod)
    chosen = [(u, d) for u, d in pages.items() if not ctx.options.too_old(d)]
    if not chosen and not pages:
        yield IngestError(origin, "the sitemap lists no pages")
    yield from (Item(u, "page") for u, _ in _newest(chosen, ctx.options.limit))


def _from_feed(url: str, feed: Feed, ctx) -> Iterator:
    if feed.is_podcast:
        from . import podcast

        yield from podcast.discover_parsed(feed, url, ctx)
        return
    entries = [e for e in feed.entries if not ctx.options.too_old(e.date)]
    if not feed.entries:
        yield IngestError(url, "the feed has no entries")
    for entry, _ in _newest([(e, e.date) for e in entries], ctx.options.limit):
        yield entry_item(entry, url, feed.title)


def entry_item(entry: Entry, feed_url: str, feed_title: str = "") -> Item | IngestError:
    """The Item for one feed entry: its page for an article, its audio for an episode."""
    hints = tuple((k, v) for k, v in (("title", entry.title), ("author", entry.author), ("date", entry.date),
                                       ("site", feed_title), ("feed", feed_url)) if v)
    if entry.is_episode:
        return Item(entry.audio_url or entry.guid, "episode", hints + (("guid", entry.guid),))
    if not entry.link:
        return IngestError(feed_url, f"the entry {entry.title or entry.guid!r} has no link")
    return Item(urllib.parse.urljoin(feed_url, entry.link), "page", hints)


def _newest(pairs: list[tuple], limit: int | None) -> list[tuple]:
    """At most `limit` of (thing, ISO date) pairs, newest first; all of them, in order, without a limit."""
    if not limit:
        return pairs
    return sorted(pairs, key=lambda p: p[1] or "", reverse=True)[:limit]


# -- pages and crawling -------------------------------------------------------------------------------


def _crawl(start: str, response: Response, ctx) -> Iterator:
    """The start page, then (with --max-depth) the pages it links to, breadth first."""
    options, fetcher = ctx.options, ctx.fetcher
    limit = options.limit or float("inf")
    yield Item(start, "page")
    seen, count = {_normal(start), _normal(response.url)}, 1
    frontier = [(start, response)]
    for depth in range(1, options.max_depth + 1):
        next_frontier = []
        for page_url, page in frontier:
            for link in links(page.body, page.url):
                if count >= limit:
                    return
                if _normal(link) in seen or (options.same_site and not same_site(link, start)):
                    continue
                seen.add(_normal(link))
                count += 1
                if depth < options.max_depth:
                    try:
                        fetched = fetcher.get(link, accept=HTML_TYPES)
                    except IngestError as e:
                        yield e
                        continue
                    _keep(ctx, link, fetched)
                    next_frontier.append((link, fetched))
                yield Item(link, "page")
        frontier = next_frontier


def links(html: bytes, base: str) -> list[str]:
    """The http(s) links of a page that may lead to articles, absolute, without fragments, in order."""
    from bs4 import BeautifulSoup

    found = []
    for a in BeautifulSoup(html, "lxml").find_all("a", href=True):
        if "nofollow" in (a.get("rel") or []):
            continue
        url, _ = urllib.parse.urldefrag(urllib.parse.urljoin(base, a["href"].strip()))
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and not NOT_PAGES.search(parts.path):
            found.append(url)
    return list(dict.fromkeys(found))


def same_site(url: str, start: str) -> bool:
    host = lambda u: (urllib.parse.urlsplit(u).hostname or "").removeprefix("www.")  # noqa: E731
    return host(url) == host(start)


def _normal(url: str) -> str:
    return urllib.parse.urldefrag(url)[0].rstrip("/")


def _is_html(response: Response) -> bool:
    if response.content_type in HTML_TYPES:
        return True
    head = response.body[:1024].lstrip().lower()
    return not response.content_type and head.startswith((b"<!doctype html", b"<html"))


def _html_text(response: Response) -> str | bytes:
    """The page as text when the server names a charset Python knows; else bytes, for the extractor to sniff."""
    if response.charset:
        try:
            return response.body.decode(response.charset, errors="replace")
        except LookupError:
            pass
    return response.body


def _keep(ctx, url: str, response: Response) -> None:
    with _LOCK:
        cache = ctx.discovered_pages
        cache[url] = response
        while len(cache) > MAX_CACHED_PAGES:
            cache.popitem(last=False)


def _take(ctx, url: str) -> Response | None:
    with _LOCK:
        return ctx.discovered_pages.pop(url, None)


__all__ = ["discover", "load", "entry_item", "links", "same_site", "FetchError"]
