"""How a failure becomes a response: the API's one JSON error shape, the pages' error page.

A CloutError is something the user can cause or fix: a search that cannot be run as asked is a 400
with its sentence; any other (a store that cannot be read, a model that will not load) is a 500
whose details go to the server log, since its message may name paths on this machine.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from clout.errors import CloutError
from clout.index.vocabulary import SearchError

FAILED = "Clout failed to answer this request; the server log has the details"


def error(status: int, message: str):
    """The one error shape of the API: {"ok": false, "status": N, "error": "one sentence"}."""
    response = jsonify({"ok": False, "status": status, "error": message})
    response.status_code = status
    return response


def _respond(status: int, message: str):
    if request.path.startswith("/api/"):
        return error(status, message)
    from .pages import error_page

    return error_page(status, message)


def install(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(CloutError)
    def clout_error(exc: CloutError):
        if isinstance(exc, SearchError):
            return _respond(400, str(exc))
        current_app.logger.error("%s: %s", request.path, exc)
        return _respond(500, FAILED)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        current_app.logger.exception("unexpected error on %s", request.path)
        return _respond(500, FAILED)
