"""Sitemaps (urlset, sitemap index, gzipped) and robots.txt `Sitemap:` lines: bytes in, URLs out."""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from .dates import iso_date
from .errors import IngestError

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed; CLOUT_MAX_PAGE_MB is usually lower
HEAD_BYTES = 4096


@dataclass(frozen=True)
class Sitemap:
    pages: list[tuple[str, str]]  # (URL, ISO lastmod or "")
    sitemaps: list[str]  # child sitemaps of a sitemap index


def _gzipped(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def looks_like_sitemap(data: bytes) -> bool:
    # Only the head is looked at: a gzipped sitemap is decompressed in full once, when it is parsed.
    head = data[:HEAD_BYTES]
    if _gzipped(data):
        try:
            head = zlib.decompressobj(31).decompress(data, HEAD_BYTES)
        except zlib.error:
            return False
    return b"<urlset" in head.lower() or b"<sitemapindex" in head.lower()


def _plain(data: bytes, max_bytes: int, source: str) -> bytes:
    """The sitemap's XML, gunzipped in bounded steps: refused past `max_bytes` (CLOUT_MAX_PAGE_MB)."""
    if not _gzipped(data):
        return data
    decoder, out, size = zlib.decompressobj(31), [], 0
    try:
        pending = data
        while not decoder.eof:
            chunk = decoder.decompress(pending, max(1, max_bytes - size + 1))
            pending = decoder.unconsumed_tail
            if not chunk and not pending:
                break  # a truncated file: parse what there is
            size += len(chunk)
            out.append(chunk)
            if size > max_bytes:
                raise IngestError(source, f"the sitemap is over the {max_bytes / 2**20:g} MB limit once "
                                          "decompressed (CLOUT_MAX_PAGE_MB)")
    except zlib.error as e:
        raise IngestError(source, f"not a readable sitemap ({e})") from None
    return b"".join(out)


def parse_sitemap(data: bytes, source: str, max_bytes: int = MAX_SITEMAP_BYTES) -> Sitemap:
    """The pages (or child sitemaps) a sitemap lists; IngestError when it is not one, or when
    gzipped, it decompresses to more than `max_bytes`."""
    from lxml import etree

    # No entities, no network, no huge trees: a sitemap is untrusted XML.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(_plain(data, max_bytes, source), parser)
    except (etree.XMLSyntaxError, OSError, EOFError) as e:
        raise IngestError(source, f"not a readable sitemap ({e})") from None
    if root is None or etree.QName(root).localname not in ("urlset", "sitemapindex"):
        raise IngestError(source, "not a sitemap")
    pages, children = [], []
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in entry if isinstance(child.tag, str)}
        loc = fields.get("loc", "")
        if not loc:
            continue
        if etree.QName(entry).localname == "sitemap":
            children.append(loc)
        else:
            pages.append((loc, iso_date(fields.get("lastmod", ""))))
    return Sitemap(pages, children)


def robots_sitemaps(text: str) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt."""
    found = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap" and value.strip():
            found.append(value.strip())
    return list(dict.fromkeys(found))
