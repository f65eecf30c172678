"""Main text and metadata of an HTML page: what a reader came for, without the page around it.

trafilatura does the work, with the settings its own evaluation uses (its defaults, which keep a
page's comment thread: on the blogs people trust, replies often hold advice too). When it finds no
article, a recall-oriented pass and then trafilatura's baseline are tried, and the Document says so
in `extra["extraction"]`; a page that still yields nothing is an IngestError, never an empty document.
"""
from __future__ import annotations

import logging
import re
import urllib.parse

from .dates import iso_date
from clout.document import Document
from .errors import IngestError

MIN_ARTICLE_CHARS = 200
# Fallback text must be longer still: a baseline pass on a page with no article returns menu text.
MIN_FALLBACK_CHARS = 400

_TITLE_SEPARATORS = (" | ", " - ", " — ", " – ", " :: ", " · ", " » ")
_AUTHOR_PREFIX = re.compile(r"^\s*(view all posts by|posts by|written by|by)\s+", re.IGNORECASE)
_NO_AUTHOR = {"no author", "admin", "unknown", "anonymous"}
# trafilatura logs ERROR lines for every page it cannot parse; the batch already says so in one line.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def extract_html(html: str | bytes, source: str, url: str = "") -> Document:
    """A Document from a page's HTML; IngestError when the page holds no article text."""
    text, result, how = _main_text(html, url)
    if len(text) < MIN_ARTICLE_CHARS:
        raise IngestError(source, "no article text found on the page")
    page = _page_facts(html, url)
    site = _clean(getattr(result, "sitename", "")) or page.get("site", "") or _clean(getattr(result, "hostname", ""))
    doc = Document(
        source=source,
        text=text,
        title=clean_title(_clean(getattr(result, "title", "")) or page.get("title", ""), site),
        author=clean_author(_clean(getattr(result, "author", ""))),
        date=iso_date(getattr(result, "date", "")),
        site=site,
        url=page.get("canonical", "") or _clean(getattr(result, "url", "")) or url,
        language=_clean(getattr(result, "language", "")) or page.get("language", ""),
        description=_clean(getattr(result, "description", "")),
    )
    if how:
        doc.extra["extraction"] = how
    return doc


def _main_text(html: str | bytes, url: str):
    """(text, trafilatura result, how) where `how` names the fallback used, "" for the normal path."""
    import trafilatura

    options = dict(url=url or None, with_metadata=True, include_comments=True, include_tables=True)
    result = trafilatura.bare_extraction(html, **options)
    text = _text_of(result)
    if len(text) >= MIN_ARTICLE_CHARS:
        return text, result, ""
    recall = trafilatura.bare_extraction(html, favor_recall=True, **options)
    recall_text = _text_of(recall)
    if len(recall_text) >= MIN_ARTICLE_CHARS:
        return recall_text, recall or result, "fallback: recall-oriented extraction"
    _, baseline_text, _ = trafilatura.baseline(html)
    baseline_text = _clean(baseline_text)
    if len(baseline_text) >= MIN_FALLBACK_CHARS:
        return baseline_text, result or recall, "fallback: whole-page text"
    return text, result, ""


def _text_of(result) -> str:
    # bare_extraction keeps the comment thread apart; extract() would append it after the article.
    parts = (_clean(getattr(result, "text", "")), _clean(getattr(result, "comments", "")))
    return "\n\n".join(p for p in parts if p)


def _clean(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def clean_title(title: str, site: str) -> str:
    """The headline without the " | Site Name" that pages append to their <title>."""
    if not site:
        return title
    for separator in _TITLE_SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if sep and head and _same_name(tail, site):
            return head.strip()
    return title


def _same_name(a: str, b: str) -> bool:
    squash = lambda s: re.sub(r"[\W_]+", "", s.lower()).removeprefix("www").removesuffix("com")  # noqa: E731
    return bool(squash(a)) and squash(a) == squash(b)


def clean_author(author: str) -> str:
    """A byline as a name: no "View all posts by", no placeholder such as "No Author"."""
    author = _AUTHOR_PREFIX.sub("", author).strip()
    return "" if author.lower() in _NO_AUTHOR else author


def _page_facts(html: str | bytes, url: str) -> dict:
    """What the page's <head> says about itself where trafilatura leaves gaps: language, canonical URL."""
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)

    head = html[:300_000] if isinstance(html, (str, bytes)) else html
    soup = BeautifulSoup(head, "lxml")
    facts: dict = {}
    root = soup.find("html")
    language = (root.get("lang") or root.get("xml:lang") or "") if root else ""
    if not language:
        meta = soup.find("meta", attrs={"http-equiv": re.compile("^content-language$", re.I)}) or soup.find(
            "meta", attrs={"property": "og:locale"}
        )
        language = (meta.get("content") or "") if meta else ""
    if language:
        facts["language"] = language.strip().replace("_", "-").split(",")[0].split("-")[0].lower()
    link = soup.find("link", rel=lambda r: r and "canonical" in (r if isinstance(r, list) else [r]))
    href = (link.get("href") or "").strip() if link else ""
    if href:
        canonical = urllib.parse.urljoin(url, href) if url else href
        if canonical.startswith(("http://", "https://")):
            facts["canonical"] = canonical
    meta = soup.find("meta", attrs={"property": "og:site_name"})
    if meta and meta.get("content"):
        facts["site"] = meta["content"].strip()
    if soup.title and soup.title.string:
        facts["title"] = soup.title.string.strip()
    return facts
