"""Web: the Flask app factory; pages, JSON API and widget are blueprints over `index`."""
from __future__ import annotations

from flask import Flask

from clout.config import Settings


def create_app(settings: Settings | None = None, kb=None, test_config: dict | None = None) -> Flask:
    """The Clout web app over a knowledge base (opened read-only from settings.data_dir if not given)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(CLOUT_SETTINGS=settings, JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    if kb is None:
        from index.kb import KnowledgeBase

        kb = KnowledgeBase(settings.data_dir, readonly=True)
    app.extensions["clout_kb"] = kb

    from . import api, pages, ratelimit

    ratelimit.install(app, settings)

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    return app
