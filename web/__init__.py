"""Web: the Flask app factory; pages, JSON API, media and widget are blueprints over `index`."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, url_for

from clout.settings import Settings

STATIC = Path(__file__).parent / "static"


@lru_cache(maxsize=None)
def _digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


def asset_url(name: str) -> str:
    """A static file's URL with its content hash, so browsers may cache it for a year."""
    return url_for("static", filename=name, v=_digest(name))


def create_app(settings: Settings | None = None, kb=None, test_config: dict | None = None, follower=None) -> Flask:
    """The Clout web app over a knowledge base (opened read-only from settings.data_dir if not given),
    or over the snapshots an `index.follow.Follower` follows (`clout serve --snapshot`)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(CLOUT_SETTINGS=settings, JSON_SORT_KEYS=False, SEND_FILE_MAX_AGE_DEFAULT=365 * 24 * 3600)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if test_config:
        app.config.update(test_config)
    if follower is not None:
        from .snapshots import Pinned

        kb = Pinned(follower)
    if kb is None:
        from clout.index.kb import KnowledgeBase

        kb = KnowledgeBase(settings.data_dir, readonly=True)
    app.extensions["clout_kb"] = kb
    app.jinja_env.globals["asset_url"] = asset_url

    from . import access, admin, analytics, api, errors, media, pages, ratelimit, security, widget
    from .params import DOC_ID, DocIdConverter

    app.url_map.converters[DOC_ID] = DocIdConverter

    errors.install(app)
    access.install(app)  # first: the limiter and the origin check read the key it finds
    ratelimit.install(app, settings)
    analytics.install(app, settings)

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(media.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin.api_bp, url_prefix="/api")
    security.install(app, settings.allowed_origins, settings.allowed_hosts or security.default_hosts(settings.host))
    if follower is not None:
        from . import snapshots

        snapshots.install(app, follower)
    return app
