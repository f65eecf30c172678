"""A private knowledge base in a real Chromium: the key prompt and its cookie, the widget with a key bound to
its page's origin, and /admin/analytics (screenshot saved to test-artifacts/screenshots/admin-analytics.png)."""
from __future__ import annotations

import shutil
import time

import pytest

from conftest import clout, make_app
from test_browser import ASK, SHOTS, browser, serve  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Intranet</title></head>
<body><h1>Team intranet</h1><clout-search key="{key}" results="6"></clout-search>
<script src="{clout}/widget.js" defer></script></body></html>"""
DAY = 86400


@pytest.fixture(scope="module")
def site(web_data, tmp_path_factory):
    data = tmp_path_factory.mktemp("private-browser") / "data"
    shutil.copytree(web_data, data, ignore=shutil.ignore_patterns("write.lock", "analytics.db*"))
    page = {}

    def host(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page["html"].encode()]

    bound, bound_server = serve(host)
    other, other_server = serve(host)
    keys = {name: clout("keys", "create", name, *options, data_dir=data).stdout.strip() for name, options in (
        ("ops", ("--scope", "admin")), ("team", ()), ("intranet", ("--origin", bound)))}
    app = make_app(data, {"CLOUT_PAGE_SIZE": 4}, require_key=True, analytics=True)
    clout_url, clout_server = serve(app)
    page["html"] = HOST_PAGE.format(clout=clout_url, key=keys["intranet"])
    yield {"clout": clout_url, "bound": bound, "other": other, "keys": keys, "app": app, "data": data}
    for server in (bound_server, other_server, clout_server):
        server.close()


@pytest.fixture
def context(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context
    context.close()


def enter_key(page, base: str, key: str, path: str = "/"):
    page.goto(base + path)
    page.locator("input#key").fill(key)
    page.locator(".keyform button").click()


def test_the_private_page_asks_for_a_key_once_and_keeps_it_in_an_httponly_strict_cookie(context, site):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site["clout"] + "/?q=executive+sponsor")
    assert page.locator("h1").inner_text() == "This knowledge base is private"
    page.screenshot(path=SHOTS / "key-prompt.png")
    page.locator("input#key").fill("clout_sk_wrong")
    page.locator(".keyform button").click()
    assert "not valid" in page.locator(".problem").inner_text()
    page.locator("input#key").fill(site["keys"]["team"])
    page.locator(".keyform button").click()
    page.wait_for_url("**/?q=executive+sponsor")
    page.locator(".card").first.wait_for()
    assert "Finding an executive sponsor" in page.locator(".cards").inner_text()
    assert site["keys"]["team"] not in page.url
    [cookie] = [c for c in context.cookies() if c["name"] == "clout_key"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # http://127.0.0.1: no TLS here
    assert page.evaluate("() => document.cookie") == ""  # no script can read the key
    # Once: a new page of the same browser searches straight away, typing included.
    again = context.new_page()
    again.goto(site["clout"] + "/")
    again.locator("#q").press_sequentially("stakeholder map", delay=15)
    again.locator(".card").first.wait_for()
    # Opening a result sends a click beacon, with the cookie, to the analytics.
    doc = int(again.locator(".card").first.get_attribute("data-doc"))
    again.locator(".card a", has_text="Full text").first.click()
    again.wait_for_url("**/documents/**")
    recorder = site["app"].extensions["clout_recorder"]
    deadline = time.time() + 10
    while time.time() < deadline:
        recorder.flush()
        if recorder.db.documents_opened(0, 5):
            break
        time.sleep(0.2)
    assert recorder.db.documents_opened(0, 5) == [(doc, 1)]
    assert not errors, errors


def test_the_widget_searches_and_plays_with_a_key_bound_to_its_page_and_nowhere_else(context, site):
    page = context.new_page()
    page.goto(site["bound"] + "/")
    page.wait_for_function("() => customElements.get('clout-search') !== undefined")
    page.keyboard.press("Control+k")
    box = page.locator("clout-search input")
    box.press_sequentially(ASK, delay=10)
    page.wait_for_function(
        "() => [...document.querySelector('clout-search').shadowRoot.querySelectorAll('li a')]"
        ".some(a => a.textContent === 'Ask not: influence without authority')")
    titles = page.locator("clout-search li[role=option] a").all_inner_texts()
    for _ in range(titles.index("Ask not: influence without authority")):
        box.press("ArrowDown")
    box.press("Enter")  # plays from a signed media URL: an <audio> cannot send the key
    page.wait_for_function(
        "() => { const a = document.querySelector('clout-search').shadowRoot.querySelector('audio');"
        " return a && !a.paused && a.currentTime >= 55; }", timeout=15000)
    src = page.evaluate("() => document.querySelector('clout-search').shadowRoot.querySelector('audio').src")
    assert "sig=" in src and site["keys"]["intranet"] not in src

    elsewhere = context.new_page()
    elsewhere.goto(site["other"] + "/")
    elsewhere.wait_for_function("() => customElements.get('clout-search') !== undefined")
    elsewhere.keyboard.press("/")
    elsewhere.locator("clout-search input").press_sequentially("executive sponsor", delay=10)
    elsewhere.wait_for_function(
        "() => document.querySelector('clout-search').shadowRoot.querySelector('[role=status]').textContent !== ''")
    assert elsewhere.locator("clout-search p[role=status]").inner_text() == "Search is not available on this page."
    assert elsewhere.locator("clout-search li[role=option]").count() == 0


def test_admin_analytics_in_a_browser(context, site):
    recorder = site["app"].extensions["clout_recorder"]
    store = site["app"].extensions["clout_kb"].store
    episode = store.document_by_source("test:episode/ask-not").id
    now = time.time()
    base = {"mode": "hybrid", "filters": "", "latency_ms": 42.0, "surface": "page"}
    asked = [("How do I get finance on side?", 0, 0.012), ("how do I get Finance on side", 0, 0.011),
             ("executive sponsor", 4, 0.03), ("stakeholder map", 3, 0.028), ("budget owner <b>bold</b>", 0, None), ("influence without authority", 2, 0.013)]
    for day in range(21):
        for i in range(3 + (day * 7) % 9):
            text, results, score = asked[(day + i) % len(asked)]
            recorder.search({**base, "query": text, "results": results, "top_score": score,
                             "low_confidence": int(score is not None and score < 0.0243 and results > 0),
                             "at": now - day * DAY - 10 * i})
    for i in range(6):
        recorder.event({"type": "play", "doc_id": episode, "start": 99, "seconds": 20 + i, "at": now - i * DAY})
        recorder.event({"type": "click", "doc_id": episode, "at": now - i * DAY})
    assert recorder.flush()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site["clout"] + "/admin/analytics")
    assert page.locator("h1").inner_text() == "This knowledge base is private"
    enter_key(page, site["clout"], site["keys"]["team"], "/admin/analytics")
    assert "may only search" in page.locator("body").inner_text()  # a search key is not enough
    enter_key(page, site["clout"], site["keys"]["ops"], "/key?next=/admin/analytics")
    page.wait_for_url("**/admin/analytics")
    assert page.locator("h1").inner_text() == "What people search for"
    assert page.locator("svg rect.bar").count() == 31
    box = page.locator(".chart svg").bounding_box()
    assert box["width"] > 700 and box["height"] > 150
    gaps = page.locator("table", has=page.locator("caption", has_text="No results")).inner_text()
    assert "finance on side" in gaps.lower() and "budget owner <b>bold</b>" in gaps  # grouped; markup shown as text
    assert "Ask not: influence without authority" in page.locator("table", has=page.locator("caption", has_text="Most played")).inner_text()
    page.screenshot(path=SHOTS / "admin-analytics.png", full_page=True)
    assert not errors, errors
