"""Response headers that keep pages and the API safe: CSP, nosniff, referrer policy, framing, CORS."""
from __future__ import annotations

from flask import Flask, g, request

# No inline script anywhere on Clout's pages; audio may come from the podcast's own host.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' https: http:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def origin_of_request() -> str:
    return request.host_url.rstrip("/")


def cross_origin_refused(allowed: tuple[str, ...]) -> bool:
    """True for an API request sent by a page on another origin that is not allowed."""
    origin = request.headers.get("Origin")
    return bool(origin) and origin != origin_of_request() and origin not in allowed


def install(app: Flask, allowed_origins: tuple[str, ...]) -> None:
    allowed = tuple(o.rstrip("/") for o in allowed_origins)

    @app.before_request
    def refuse_other_origins():
        # g.key_origin: web/access.py found a key bound to this origin (or a preflight from one).
        if request.path.startswith("/api/") and cross_origin_refused(allowed) and not g.get("key_origin"):
            from .api import error

            return error(403, f"the origin {request.headers['Origin'][:200]} is not allowed to use this API")
        return None

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        origin = request.headers.get("Origin")
        if request.path.startswith("/api/") and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Max-Age"] = "600"
            response.vary.add("Origin")
        elif request.path.startswith("/api/"):
            response.vary.add("Origin")
        return response
