"""An SVG enclosure's script must not run on Clout's origin (issue 11), in a real Chromium (Debian's).

The same SVG served plainly by another loopback server does run: proof that the browser would run
it, so its silence on Clout's origin is Clout's doing.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from waitress.server import create_server

from conftest import clout, make_app
from test_security import SVG, VTT, item, rss

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"


def serve(app) -> tuple[str, object]:
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


def visit(browser, url: str) -> tuple[str, list[str]]:
    """The page's title after its scripts had time to run, and the URLs it requested."""
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.wait_for_timeout(1500)
    title = page.title()
    page.close()
    return title, requested


def test_an_svg_enclosure_cannot_run_script_on_clouts_origin(tmp_path, data_dir):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    show = tmp_path / "show"
    show.mkdir()
    (show / "evil.svg").write_text(SVG)
    (show / "ep.vtt").write_text(VTT)
    (show / "feed.xml").write_text(rss(item("Sponsors", "evil.svg", ("ep.vtt", "text/vtt"))))
    assert clout("ingest", str(show / "feed.xml"), data_dir=data_dir).exit_code == 0
    app = make_app(data_dir)
    episode = app.extensions["clout_kb"].store.documents()[0].id

    def plain(environ, start_response):  # a server that serves the file as its name suggests
        start_response("200 OK", [("Content-Type", "image/svg+xml")])
        return [SVG.encode()]

    clout_url, clout_server = serve(app)
    plain_url, plain_server = serve(plain)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            control_title, control_requests = visit(browser, f"{plain_url}/evil.svg")
            title, requests = visit(browser, f"{clout_url}/media/{episode}")
            browser.close()
    finally:
        clout_server.close()
        plain_server.close()
    assert control_title.startswith("LEAKED") and any("/api/search" in r for r in control_requests)
    assert not title.startswith("LEAKED") and not any("/api/search" in r for r in requests), requests
