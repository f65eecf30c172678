"""The JSON API: /api/search returns exactly what `clout search --json` prints; failures take errors.py's one shape."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request, url_for

from clout.index.search import results_json, search

from .errors import error
from .openapi import openapi_document
from .params import BadParameter, parse_search

bp = Blueprint("api", __name__)


def _kb():
    return current_app.extensions["clout_kb"]


@bp.get("/search")
def api_search():
    if "q" not in request.args:
        raise BadParameter("q is required: the question to search for")
    params = parse_search(request.args)
    hits = search(_kb(), params.q, k=params.k, mode=params.mode, filters=params.filters, offset=params.offset)
    return jsonify(results_json(params.q, hits))


def document_json(row, segments) -> dict:
    """A stored document as the API shows it; a local audio path is never disclosed, only its /media URL."""
    has_audio = row["kind"] == "episode" and bool(row["audio_url"] or json.loads(row["extra"] or "{}").get("audio_path"))
    return {
        "doc_id": row["id"],
        "kind": row["kind"],
        "title": row["title"],
        "source": row["source"],
        "url": row["url"],
        "author": row["author"],
        "date": row["date"],
        "site": row["site"],
        "duration": row["duration"],
        "media_url": url_for("media.audio", doc_id=row["id"], _external=True) if has_audio else None,
        "text": row["text"],
        "segments": [{"start": s, "end": e, "text": t} for s, e, t in segments],
    }


@bp.get("/documents/<int:doc_id>")
def api_document(doc_id: int):
    row = _kb().store.document(doc_id)
    if row is None:
        return error(404, f"there is no document {doc_id}")
    return jsonify(document_json(row, _kb().store.segments(doc_id)))


@bp.get("/health")
def health():
    kb = _kb()
    counts = kb.store.counts()
    return jsonify({"ok": True, "documents": counts["documents"], "chunks": counts["chunks"], "model": kb.embedder.name})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(request.host_url.rstrip("/")))
