"""Response headers that keep pages and the API safe (CSP, nosniff, referrer policy, framing, CORS), and the Host names answered."""
from __future__ import annotations

import ipaddress

from flask import Flask, abort, g, request

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
# Everything that is not one of Clout's pages (JSON, audio, scripts, redirects, errors): should a
# browser ever show one as a document, nothing in it may run, load or be framed.
NOT_A_PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
# Names that always mean this machine: browsers answer `localhost` and `*.localhost` themselves.
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def origin_of_request() -> str:
    return request.host_url.rstrip("/")


def cross_origin_refused(allowed: tuple[str, ...]) -> bool:
    """True for an API request sent by a page on another origin that is not allowed."""
    origin = request.headers.get("Origin")
    return bool(origin) and origin != origin_of_request() and origin not in allowed


def default_hosts(bind: str) -> tuple[str, ...]:
    """The Host names answered when CLOUT_ALLOWED_HOSTS is not set: the address served on, and localhost."""
    return tuple(dict.fromkeys((bind.strip("[]").lower(), *LOCAL_NAMES)))


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:5000
        return host[1:host.find("]")] if "]" in host else host
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() else host


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a request's Host names this server. An IP address always does: DNS rebinding reaches a
    server through a name the attacker controls, never through an address. A name must be listed
    (`.example.com` allows its subdomains, `*` anything)."""
    name = _hostname(host)
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    if name == "localhost" or name.endswith(".localhost"):
        return True
    return any(a == "*" or name == a or (a.startswith(".") and name.endswith(a)) for a in allowed)


def install(app: Flask, allowed_origins: tuple[str, ...], allowed_hosts: tuple[str, ...] = ()) -> None:
    allowed = tuple(o.rstrip("/") for o in allowed_origins)
    hosts = tuple(h.strip().lower() for h in allowed_hosts or default_hosts("127.0.0.1"))

    @app.before_request
    def refuse_other_hosts_and_origins():
        if not host_allowed(request.host, hosts):
            abort(400, description="this server does not answer to that host name (CLOUT_ALLOWED_HOSTS lists those it does)")
        # g.key_origin: web/access.py found a key bound to this origin (or a preflight from one).
        if request.path.startswith("/api/") and cross_origin_refused(allowed) and not g.get("key_origin"):
            from .api import error

            return error(403, f"the origin {request.headers['Origin'][:200]} is not allowed to use this API")
        return None

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", CSP if response.mimetype == "text/html" else NOT_A_PAGE_CSP)
        origin = request.headers.get("Origin")
        if request.path.startswith("/api/") and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Max-Age"] = "600"
            response.vary.add("Origin")
        elif request.path.startswith("/api/"):
            response.vary.add("Origin")
        return response
