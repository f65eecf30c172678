"""Main text and metadata of an HTML page: what a reader came for, without the page around it."""
from __future__ import annotations

from .dates import iso_date
from .document import Document
from .errors import IngestError

MIN_ARTICLE_CHARS = 200


def extract_html(html: str | bytes, source: str, url: str = "") -> Document:
    """A Document from a page's HTML; IngestError when the page holds no article text."""
    import trafilatura

    result = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        deduplicate=True,
    )
    text = (result.text or "").strip() if result else ""
    if len(text) < MIN_ARTICLE_CHARS:
        raise IngestError(source, "no article text found on the page")
    return Document(
        source=source,
        text=text,
        title=(result.title or "").strip(),
        author=(result.author or "").strip(),
        date=iso_date(result.date),
        site=(result.sitename or result.hostname or "").strip(),
        url=(result.url or url or "").strip(),
        language=(result.language or "").strip(),
        description=(result.description or "").strip(),
    )
