"""Search analytics on the web side: each search's record handed to the recorder, and POST /api/events for the
beacons the page and the widget send (a result opened, an episode moment played and for how long).

The record holds the query, filters, outcome and timing, and the key name or the site it came from;
never an IP address or a cookie. Handing it over is a put on a bounded queue (index/recorder.py).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

from flask import Blueprint, Flask, current_app, g, request

from clout.index.analytics import low_confidence
from clout.index.vocabulary import MAX_QUERY_CHARS

from .errors import error

SEARCH_ENDPOINTS = {"api.api_search", "pages.index", "pages.results"}
MAX_PLAY_SECONDS = 6 * 3600
log = logging.getLogger(__name__)
bp = Blueprint("analytics", __name__)


def recorder():
    return current_app.extensions.get("clout_recorder")


def searched(params, hits, card=None) -> None:
    """Called by a search view with what it searched for and found (and the answer card it showed, if
    any), for the record made after the response."""
    g.searched = (params, hits, card)


def _who() -> dict:
    key = g.get("api_key")
    origin = g.get("key_origin") or ""
    if not origin:
        sent = request.headers.get("Origin", "")
        origin = sent if sent and sent != request.host_url.rstrip("/") else ""
    return {"key": key.name if key is not None else "", "site": origin[:200]}


def _after(response):
    found = g.pop("searched", None)
    if found is None or response.status_code != 200 or recorder() is None:
        return response
    params, hits, card = found
    if params.offset or not params.q:  # a further page, or the empty page: not a search of its own
        return response
    try:
        top = float(hits[0].score) if hits else None
        who = _who()
        surface = "page" if request.endpoint.startswith("pages.") else ("widget" if who["site"] else "api")
        recorder().search({
            "query": params.q, "mode": params.mode,
            "filters": json.dumps({k: v for k, v in asdict(params.filters).items() if v}, ensure_ascii=False),
            "results": len(hits), "top_score": top, "low_confidence": int(low_confidence(params.q, hits[0].text if hits else None)),
            "latency_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
            "answered": int(bool(card)), "surface": surface, "at": g.get("started_at", time.time()), **who,
        })
    except Exception:  # noqa: BLE001 - recording must never fail a search
        log.exception("analytics: could not queue a search record")
    return response


def _number(value, low: float, high: float):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError
    return float(value)


@bp.post("/events")
def events():
    """One beacon: {"type": "click"|"play", "doc_id": N, "start": s, "seconds": s, "q": "..."}; 204, or 400 naming the problem."""
    if (request.content_length or 0) > 4096:
        return error(413, "an event is at most 4096 bytes")
    try:
        body = json.loads(request.get_data(cache=True, as_text=True) or "{}")
    except ValueError:
        return error(400, "an event must be a JSON object")
    if not isinstance(body, dict) or body.get("type") not in ("click", "play"):
        return error(400, 'an event needs "type": "click" or "play"')
    doc_id = body.get("doc_id")
    if isinstance(doc_id, bool) or not isinstance(doc_id, int) or doc_id < 1:
        return error(400, '"doc_id" must be a document id')
    try:
        start = _number(body.get("start"), 0, 10 * MAX_PLAY_SECONDS)
        seconds = _number(body.get("seconds"), 0, MAX_PLAY_SECONDS) or 0.0
    except ValueError:
        return error(400, f'"start" and "seconds" must be numbers of seconds up to {MAX_PLAY_SECONDS}')
    query = body.get("q") if isinstance(body.get("q"), str) else ""
    if recorder() is not None:
        recorder().event({"type": body["type"], "doc_id": doc_id, "start": start,
                          "seconds": seconds if body["type"] == "play" else 0.0, "query": query[:MAX_QUERY_CHARS], **_who()})
    return "", 204


def install(app: Flask, settings) -> None:
    """Record searches (unless CLOUT_ANALYTICS=off) into DATA_DIR/analytics.db, and take beacons at /api/events."""
    if settings.analytics:
        from clout.index.recorder import Recorder
        from clout.index.store.analytics import ANALYTICS_FILE, AnalyticsDB

        app.extensions["clout_recorder"] = Recorder(AnalyticsDB(settings.data_dir / ANALYTICS_FILE), days=settings.analytics_days)

    @app.before_request
    def _start():
        g.started, g.started_at = time.perf_counter(), time.time()

    app.after_request(_after)
    app.register_blueprint(bp, url_prefix="/api")

