"""Server-rendered pages: the search page works without JavaScript."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from index.search import search

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    query = request.args.get("q", "").strip()[:1000]
    hits = search(current_app.extensions["clout_kb"], query, k=10) if query else []
    return render_template("search.html", query=query, hits=hits)
