"""Who may use this server: an API key on every search route when keys are required, an admin key for /admin.

A key comes as `Authorization: Bearer …` (the API, the widget's `key` attribute), in the beacon's body
(navigator.sendBeacon cannot set headers), or in the cookie the key prompt sets for a private
knowledge base's own pages: HttpOnly, SameSite=Strict, Secure over https. It is never put in a URL,
and nothing here logs it. Each request checks its key against the store, so a revoked key is refused
from the next request on.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from flask import Blueprint, Flask, current_app, g, jsonify, redirect, render_template, request, url_for

from clout.index.keys import Keys

from .errors import error

COOKIE = "clout_key"
COOKIE_DAYS = 30
# An <audio> element cannot send a header, so the widget plays a private episode from a signed URL:
# valid this long, for one document, and only while the key it was issued to is in force.
MEDIA_URL_SECONDS = 3600
# Needed before anyone has a key: the prompt itself, static files, and the widget's script (a public file).
OPEN_ENDPOINTS = {"static", "widget.script", "access.prompt", "access.enter", "access.leave"}
ADMIN_BLUEPRINTS = ("admin", "admin_api")

bp = Blueprint("access", __name__)


def _keys() -> Keys:
    # The store of this request's knowledge base: with `serve --snapshot`, the snapshot now served.
    return Keys(current_app.extensions["clout_kb"].store)


def keys_required() -> bool:
    return current_app.config["CLOUT_SETTINGS"].require_key or _keys().required


def is_admin_route(endpoint: str) -> bool:
    return endpoint.split(".")[0] in ADMIN_BLUEPRINTS


def _beacon_key() -> str:
    # The beacon's body is a small JSON text (sendBeacon sends text/plain to avoid a CORS preflight).
    if request.endpoint != "analytics.events" or (request.content_length or 0) > 4096:
        return ""
    try:
        body = json.loads(request.get_data(cache=True, as_text=True) or "{}")
    except ValueError:
        return ""
    return body.get("key", "") if isinstance(body, dict) and isinstance(body.get("key", ""), str) else ""


def presented() -> tuple[str, str]:
    """(token, where it came from): header, body or cookie; ('', '') when there is none."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), "header"
    body = _beacon_key()
    if body:
        return body, "body"
    cookie = request.cookies.get(COOKIE, "")
    return (cookie, "cookie") if cookie else ("", "")


def _same_origin(origin: str) -> bool:
    return origin == request.host_url.rstrip("/")


def refuse(status: int, message: str, first_visit: bool = False):
    """401 or 403: the API's error shape, or, for a page that wants a key, the key prompt (which says
    nothing is wrong when the person has simply not entered a key yet)."""
    if request.path.startswith("/api/") or request.path.startswith("/media/") or status == 403:
        if request.path.startswith("/api/"):
            response = error(status, message)
        else:
            from .pages import error_page

            response = current_app.make_response(error_page(status, message))
    else:
        response = current_app.make_response((render_template("key.html", next=request.full_path.rstrip("?"),
                                                              problem="" if first_visit else message), status))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="clout"'
    return response


def _check():
    g.api_key = None
    endpoint = request.endpoint or ""
    origin = request.headers.get("Origin", "")
    if request.method == "OPTIONS":  # a browser's preflight carries no key; answer it for the origins keys are bound to
        if origin and origin in _keys().bound_origins():
            g.key_origin = origin
        return None
    if endpoint in OPEN_ENDPOINTS:
        return None
    admin = is_admin_route(endpoint)
    token, where = presented()
    if not token and endpoint == "media.audio" and request.args.get("sig"):
        key = _signed_media_key()
        if key is None:
            return refuse(401, "this audio link has expired or its key was revoked")
        g.api_key = key
        return None
    key = _keys().check(token) if token else None
    if token and key is None:
        if where != "cookie":
            return refuse(401, "this API key is not valid: it is unknown, revoked or expired")
        g.forget_cookie = True  # a stale cookie: ask again (when a key is needed) rather than fail
    if key is None:
        if admin:
            return refuse(401, "this page needs an admin key")
        if keys_required():
            return refuse(401, "this knowledge base is private: a key is needed to search it", first_visit=not token)
        return None
    if admin and not key.is_admin:
        return refuse(403, f"the key {key.name!r} may only search; this needs an admin key")
    if origin and not _same_origin(origin):
        allowed = current_app.config["CLOUT_SETTINGS"].allowed_origins
        if origin not in key.origins and origin.rstrip("/") not in allowed:
            return refuse(403, f"the key {key.name!r} may not be used from {origin[:200]}")
        g.key_origin = origin
    g.api_key = key
    return None


def _headers(response):
    if g.get("forget_cookie"):
        response.delete_cookie(COOKIE, path="/", samesite="Strict")
    origin = g.get("key_origin")
    if origin and request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.vary.add("Origin")
    if request.path.startswith("/api/") and request.method == "OPTIONS" and "Access-Control-Allow-Origin" in response.headers:
        response.headers["Access-Control-Allow-Headers"] = "Authorization"
    if request.endpoint not in OPEN_ENDPOINTS and (g.get("api_key") is not None or keys_required()):
        # What a key opened is for that key's holder only: no shared cache may keep it.
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Authorization")
        response.vary.add("Cookie")
    return response


def _media_signature(doc_id: int, name: str, expires: int) -> str:
    secret = current_app.extensions["clout_media_secret"]
    return hmac.new(secret, f"{doc_id}:{name}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def _signed_media_key():
    """The key a signed /media URL was issued to, if the signature holds, it has not expired and the key is in force."""
    args = request.args
    try:
        doc_id, expires = int(request.view_args["doc_id"]), int(args.get("exp", ""))
    except (KeyError, ValueError):
        return None
    name = args.get("by", "")
    if expires < time.time() or not hmac.compare_digest(_media_signature(doc_id, name, expires), args.get("sig", "")):
        return None
    key = _keys().named(name)
    return key if key is not None and key.in_force() else None


@bp.get("/api/media/<int:doc_id>")
def media_url(doc_id: int):
    """A URL that plays this episode without a header (for the widget's <audio>); the caller's key is not in it."""
    key = g.get("api_key")
    if key is None:
        return jsonify({"url": url_for("media.audio", doc_id=doc_id, _external=True), "expires": None})
    expires = int(time.time()) + MEDIA_URL_SECONDS
    url = url_for("media.audio", doc_id=doc_id, by=key.name, exp=expires,
                  sig=_media_signature(doc_id, key.name, expires), _external=True)
    return jsonify({"url": url, "expires": expires})


@bp.get("/key")
def prompt():
    return render_template("key.html", next=_safe_next(request.args.get("next", "")), problem="")


@bp.post("/key")
def enter():
    """The key prompt's form: a valid key goes into the cookie, and the page asked for opens."""
    token = (request.form.get("key") or "").strip()
    target = _safe_next(request.form.get("next", ""))
    key = _keys().check(token)
    if key is None:
        return render_template("key.html", next=target, problem="That key is not valid: it is unknown, revoked or expired."), 401
    response = redirect(target, code=303)
    seconds = COOKIE_DAYS * 86400
    if key.expires_at:
        seconds = max(60, min(seconds, int(key.expires_at - time.time())))
    response.set_cookie(COOKIE, token, max_age=seconds, path="/", secure=request.is_secure, httponly=True, samesite="Strict")
    return response


@bp.post("/key/forget")
def leave():
    response = redirect(url_for("access.prompt"), code=303)
    response.delete_cookie(COOKIE, path="/", samesite="Strict")
    return response


def _safe_next(target: str) -> str:
    """Only a path on this site: never another site the form could be made to send a person to."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else url_for("pages.index")


def install(app: Flask) -> None:
    """Install before the rate limiter and the origin check, which read what this decides (g.api_key, g.key_origin)."""
    app.extensions["clout_media_secret"] = secrets.token_bytes(32)  # per process: its signed URLs end with it
    app.register_blueprint(bp)
    app.before_request(_check)
    app.after_request(_headers)


__all__ = ["install", "presented", "refuse", "keys_required", "COOKIE"]
