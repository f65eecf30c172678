"""The JSON API: /api/search returns what `clout search --json` prints, less local paths; failures take errors.py's one shape."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from clout.index.answer import answer
from clout.index.search import results_json, search, searched_for

from .analytics import searched
from .errors import error
from .openapi import openapi_document
from .params import DOC_ID, BadParameter, parse_search
from .present import public_audio_url, public_source

bp = Blueprint("api", __name__)


def _kb():
    return current_app.extensions["clout_kb"]


@bp.get("/search")
def api_search():
    if "q" not in request.args:
        raise BadParameter("q is required: the question to search for")
    params = parse_search(request.args)
    hits = search(_kb(), params.q, k=params.k, mode=params.mode, filters=params.filters, offset=params.offset)
    card = answer(_kb(), params.q, hits) if params.answer and not params.offset else None
    searched(params, hits, card)
    body = results_json(params.q, hits, searched_for(_kb(), params.q), answer=card)
    for result in body["results"]:
        _without_local_paths(result)
    for quote in (card or {}).get("quotes", []):
        _public_quote(quote)
    return jsonify(body)


def _public_quote(quote: dict) -> None:
    """A quote of the answer card as a client may see it: no local path, and Clout's own links made absolute
    (the widget runs on other sites)."""
    if not quote["source"].startswith(("http://", "https://")):
        doc = _kb().store.document_shown(quote["doc_id"])  # source and extra: not the text
        quote["source"] = public_source(quote["source"], doc.extra if doc is not None else {})
    if quote["url"].startswith("/"):
        quote["url"] = request.host_url.rstrip("/") + quote["url"]


def _without_local_paths(result: dict) -> None:
    """A search result as `clout search --json` prints it, less this machine's paths (web/present.py)."""
    remote = ("http://", "https://")
    if result["source"].startswith(remote) and (not result["audio_url"] or result["audio_url"].startswith(remote)):
        return  # nothing local to hide: no need to read the document
    doc = _kb().store.document_shown(result["doc_id"])  # source and extra: not the text
    result["source"] = public_source(result["source"], doc.extra if doc is not None else {})
    media = url_for("media.audio", doc_id=result["doc_id"], _external=True)
    result["audio_url"] = public_audio_url(result["audio_url"], media)


def document_json(doc) -> dict:
    """A stored document as the API shows it; a local audio path is never disclosed, only its /media URL."""
    has_audio = doc.kind == "episode" and bool(doc.audio_url or doc.extra.get("audio_path"))
    return {
        "doc_id": doc.id,
        "kind": doc.kind,
        "title": doc.title,
        "source": public_source(doc.source, doc.extra),
        "url": doc.url,
        "author": doc.author,
        "date": doc.date,
        "site": doc.site,
        "duration": doc.duration,
        "media_url": url_for("media.audio", doc_id=doc.id, _external=True) if has_audio else None,
        "text": doc.text,
        # "speaker" is left out where nothing is known of who speaks (an article, an old or untagged transcript).
        "segments": [{"start": s.start, "end": s.end, "text": s.text, **({"speaker": s.speaker} if s.speaker else {})}
                     for s in doc.segments],
        "people": [{"name": p.name, "role": p.role} for p in doc.people],
        "chapters": [{"start": c.start, "title": c.title} for c in doc.chapters],
    }


@bp.get(f"/documents/<{DOC_ID}:doc_id>")
def api_document(doc_id: int):
    doc = _kb().store.document(doc_id)
    if doc is None:
        return error(404, f"there is no document {doc_id}")
    return jsonify(document_json(doc))


@bp.get("/health")
def health():
    kb = _kb()
    counts = kb.store.counts()
    return jsonify({"ok": True, "documents": counts["documents"], "chunks": counts["chunks"], "model": kb.embedder.name})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(request.host_url.rstrip("/")))
