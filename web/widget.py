"""The embeddable widget: /widget.js for any page's <script> tag, and /widget/demo with the snippet to copy."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_from_directory

from . import STATIC

bp = Blueprint("widget", __name__)


@bp.get("/widget.js")
def script():
    # A stable URL that pages paste in, so it is cached briefly rather than for a year.
    response = send_from_directory(STATIC, "widget.js", mimetype="text/javascript", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a script anyone may load; the API decides who may search
    return response


@bp.get("/widget/demo")
def demo():
    base = request.host_url.rstrip("/")
    allowed = current_app.config["CLOUT_SETTINGS"].allowed_origins
    return render_template("widget_demo.html", base=base, allowed=allowed)
