"""The JSON API: /api/search returns exactly what `clout search --json` prints."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from index.search import MAX_K, results_json, search

bp = Blueprint("api", __name__)
MAX_QUERY_CHARS = 1000


def error(status: int, message: str):
    """The one error shape of the API."""
    response = jsonify({"ok": False, "status": status, "error": message})
    response.status_code = status
    return response


@bp.get("/search")
def api_search():
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        return error(400, f"q is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
    try:
        k = int(request.args.get("k", 5))
    except ValueError:
        return error(400, "k must be a whole number")
    if not 1 <= k <= MAX_K:
        return error(400, f"k must be between 1 and {MAX_K}")
    kb = current_app.extensions["clout_kb"]
    return jsonify(results_json(query, search(kb, query, k=k)))


@bp.get("/health")
def health():
    kb = current_app.extensions["clout_kb"]
    counts = kb.store.counts()
    return jsonify({"ok": True, "documents": counts["documents"], "chunks": counts["chunks"], "model": kb.embedder.name})
