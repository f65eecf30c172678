"""Sitemaps (urlset, sitemap index, gzipped) and robots.txt `Sitemap:` lines: bytes in, URLs out."""
from __future__ import annotations

import gzip
import io
from dataclasses import dataclass

from .dates import iso_date
from .errors import IngestError

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed


@dataclass(frozen=True)
class Sitemap:
    pages: list[tuple[str, str]]  # (URL, ISO lastmod or "")
    sitemaps: list[str]  # child sitemaps of a sitemap index


def looks_like_sitemap(data: bytes) -> bool:
    head = _plain(data)[:4096].lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def _plain(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
        out = f.read(MAX_SITEMAP_BYTES + 1)
    return out[:MAX_SITEMAP_BYTES]


def parse_sitemap(data: bytes, source: str) -> Sitemap:
    """The pages (or child sitemaps) a sitemap lists; IngestError when it is not one."""
    from lxml import etree

    # No entities, no network, no huge trees: a sitemap is untrusted XML.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(_plain(data), parser)
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
