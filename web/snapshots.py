"""Serving from published snapshots: each request pinned to one snapshot, newer ones taken between requests.

`app.extensions["clout_kb"]` is a `Pinned` stand-in: the first time a request touches the knowledge
base it takes the follower's current one and keeps it (in `flask.g`) to the end, so a swap during a
request changes nothing for it. Responses name the snapshot that answered (`X-Clout-Snapshot`).
"""
from __future__ import annotations

from flask import Flask, g, has_app_context

HEADER = "X-Clout-Snapshot"


class Pinned:
    """Looks like a KnowledgeBase; is the snapshot this request started with."""

    def __init__(self, follower):
        self._follower = follower

    def _pin(self):
        if has_app_context():
            if "clout_snapshot" not in g:
                g.clout_snapshot = self._follower.current
            return g.clout_snapshot
        return self._follower.current

    def __getattr__(self, attr):
        return getattr(self._pin()[1], attr)


def install(app: Flask, follower) -> None:
    @app.after_request
    def name_the_snapshot(response):
        pinned = g.get("clout_snapshot")
        if pinned is not None:
            response.headers[HEADER] = pinned[0]
        return response
