"""Shared fixtures: real model, real SQLite and FAISS, real data from ../shared beside the checkout.

The web app comes as in the Flask tutorial: `app` (the real app over a real knowledge base, opened
read-only) → `client` (its test client). A module that needs other data or settings overrides `app`
with `make_app(...)`, and `client` follows.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLOUT_SHARED_DIR", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
DATA = SHARED / "data"
CORPUS = ROOT / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def clout(*args: str, data_dir: Path | None = None, env: dict | None = None):
    """Run the real CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    from clout.cli import _register, cli

    _register()
    argv = (["--data-dir", str(data_dir)] if data_dir else []) + list(args)
    return CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver binds loopback only, on a free port."""
    return ("127.0.0.1", 0)


@pytest.fixture
def httpserver(httpserver):
    """Like a real site, the loopback server answers 404 (not 500) for what it does not serve, such as
    robots.txt: a 5xx robots.txt rightly means "fetch nothing" to Clout."""
    httpserver.no_handler_status_code = 404
    return httpserver


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory) -> Path:
    """A data directory with the default corpus ingested once for the session. Read it, don't write it."""
    directory = tmp_path_factory.mktemp("corpus") / "data"
    result = clout("ingest", str(CORPUS), data_dir=directory)
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture
def corpus_copy(corpus_data: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus data directory, for tests that change it."""
    target = tmp_path / "data"
    shutil.copytree(corpus_data, target, ignore=shutil.ignore_patterns("write.lock"))
    return target


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def search_data(tmp_path_factory) -> Path:
    """The search test corpus (seed articles, distractors, two episodes) ingested once. Read it, don't write it."""
    from search_corpus import build

    return build(tmp_path_factory.mktemp("search") / "data")


@pytest.fixture(scope="session")
def web_data(corpus_data, tmp_path_factory) -> Path:
    """The web tests' knowledge base (tests/webkb.py): the corpus, a real-audio episode, a hostile article.
    Read it, don't write it."""
    import webkb

    return webkb.build(corpus_data, tmp_path_factory.mktemp("web"))


def make_app(data_dir: Path, config: dict | None = None, **settings):
    """The real web app over the knowledge base in data_dir, opened read-only; `settings` are Settings fields."""
    from clout.index.kb import KnowledgeBase
    from clout.settings import Settings
    from clout.web import create_app

    # Analytics write DATA_DIR/analytics.db: off unless a test asks, so the shared data directories stay unwritten.
    settings.setdefault("analytics", False)
    return create_app(Settings(data_dir=data_dir, **settings), KnowledgeBase(data_dir, readonly=True), {"TESTING": True, **(config or {})})


@pytest.fixture(scope="module")
def app(corpus_data):
    """The web app over the default corpus."""
    return make_app(corpus_data)


@pytest.fixture
def client(app):
    return app.test_client()
