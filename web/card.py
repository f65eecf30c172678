"""The answer card as the search page shows it: each quote's safe link, its inline player, and the
citation that "copy citation" copies (the widget builds the same citation in web/static/widget.js)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for

from .present import clock


def safe_link(url: str | None) -> str:
    """The link itself when a browser may follow it from the card: http(s), or a path on this server.
    Anything else (`javascript:`, `data:`, `//elsewhere`, a local file path) is refused: ''."""
    url = (url or "").strip()
    if url.lower().startswith(("http://", "https://")):
        return url
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return ""


def absolute(link: str) -> str:
    """A link as someone reading a pasted citation can follow it."""
    return link if urlsplit(link).scheme else request.host_url.rstrip("/") + link


def who(quote: dict) -> str:
    """Who says it: an episode's speaker at that moment (else its host), an article's author."""
    if quote.get("kind") == "episode":
        return quote.get("speaker") or quote.get("author") or ""
    return quote.get("author") or ""


def citation(quote: dict, link: str) -> str:
    """“The quote”, then who said it, where and when (and at what second of an episode), then the link."""
    episode = quote.get("kind") == "episode"
    parts = [who(quote), quote.get("title") or "", quote.get("date") or "", f"at {clock(quote.get('start'))}" if episode else ""]
    return f"“{quote.get('text', '')}”\n— {', '.join(p for p in parts if p)}\n{absolute(link)}"


def host(source: str) -> str:
    """Where a quote was published, as a reader knows it: a URL's host name; nothing for anything else."""
    return (urlsplit(source).hostname or "") if source.lower().startswith(("http://", "https://")) else ""


def card(answer: dict | None, hits=()) -> list[dict]:
    """The quotes of an answer, each with what the template needs: a link that is safe to follow (the
    quote's deep link, else Clout's own page for the document), where it was published (the site or show,
    from the search's hit for that document), the audio to play, and the citation."""
    sites = {hit.doc_id: hit.site for hit in hits}
    shown = []
    for quote in (answer or {}).get("quotes") or []:
        episode = quote.get("kind") == "episode"
        start = float(quote.get("start") or 0)
        own = url_for("pages.document", doc_id=quote["doc_id"], **({"t": int(start)} if episode else {}))
        link = safe_link(quote.get("url")) or own
        shown.append({
            "quote": quote, "episode": episode, "start": start, "link": link,
            "who": who(quote),
            "where": quote.get("site") or sites.get(quote["doc_id"]) or host(quote.get("source") or ""),
            "media": url_for("media.audio", doc_id=quote["doc_id"]) if episode else "",
            "citation": citation(quote, link),
        })
    return shown
