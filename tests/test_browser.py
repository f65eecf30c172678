"""The page and the widget in a real Chromium (Debian's), over real servers on 127.0.0.1.

Screenshots (light and dark, desktop and phone) are saved to test-artifacts/screenshots/ for a person to look at.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from waitress.server import create_server

import webkb

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ASK = "ask not what your country can do for you"
# A host page that tries hard to restyle everything: the widget's shadow root must not care.
HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Intranet</title>
<style>* {{ color: red !important; font-size: 30px !important; }} li, ul {{ display: none !important; }}</style></head>
<body><h1>Team intranet</h1><p>Press Ctrl-K to search.</p>
<clout-search results="6" placeholder="Search the buy-in library"></clout-search>
<script src="{clout}/widget.js" defer></script></body></html>"""


def serve(app) -> tuple[str, object]:
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


@pytest.fixture(scope="module")
def sites(corpus_data, tmp_path_factory):
    """Clout, a host page on an allowed origin, and the same page on an origin that is not allowed."""
    from clout.settings import Settings
    from clout.index.kb import KnowledgeBase
    from clout.web import create_app

    data = webkb.build(corpus_data, tmp_path_factory.mktemp("browser"))
    page = {}

    def host(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page["html"].encode()]

    allowed, allowed_server = serve(host)
    other, other_server = serve(host)
    settings = Settings(data_dir=data, allowed_origins=(allowed,))
    kb = KnowledgeBase(data, readonly=True)
    clout, clout_server = serve(create_app(settings, kb, {"CLOUT_PAGE_SIZE": 4}))
    page["html"] = HOST_PAGE.format(clout=clout)
    episode = kb.store.document_by_source("test:episode/ask-not").id
    yield {"clout": clout, "allowed": allowed, "other": other, "episode": episode}
    for server in (allowed_server, other_server, clout_server):
        server.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append("dialog: " + dialog.message))
    page.errors = errors
    yield page
    context.close()


def not_pwned(page) -> None:
    assert page.evaluate("() => window.__pwned === undefined"), "scraped markup ran"
    assert not page.errors, page.errors


def test_typing_a_question_shows_results_and_back_returns_to_the_previous_one(page, sites):
    page.goto(sites["clout"] + "/")
    page.screenshot(path=SHOTS / "page-empty-light.png")
    box = page.locator("#q")
    box.press_sequentially("executive sponsor", delay=15)
    page.wait_for_url("**/?q=executive+sponsor*")
    page.locator(".card").first.wait_for()
    assert "Finding an executive sponsor" in page.locator(".cards").inner_text()
    box.fill("")
    box.press_sequentially(ASK, delay=15)
    page.wait_for_url("**/?q=ask+not*")
    page.locator(".card .play").first.wait_for()
    page.screenshot(path=SHOTS / "page-results-light.png", full_page=True)
    page.go_back()
    page.wait_for_url("**/?q=executive+sponsor*")
    page.wait_for_function("() => document.querySelector('#q').value === 'executive sponsor'")
    page.wait_for_function("() => document.querySelector('.cards').innerText.includes('Finding an executive sponsor')")
    assert page.locator(".card").count() == 4
    page.locator("a.more").click()
    page.wait_for_function("() => document.querySelectorAll('.card').length === 8")
    assert page.evaluate("() => document.activeElement.closest('.card') === document.querySelectorAll('.card')[4]")
    not_pwned(page)


def test_play_starts_the_episode_at_the_passage(page, sites):
    page.goto(sites["clout"] + "/?q=" + ASK.replace(" ", "+") + "&site=The+Buy-In+Show")
    play = page.locator("a.play").first
    # The passage starts at 55 s; the quote asked for is spoken from 99 s, and play starts there.
    assert play.inner_text() == "▶ 1:39"
    play.click()
    page.wait_for_function(
        "() => { const a = document.querySelector('.card audio'); return a && !a.paused && a.currentTime >= 99; }", timeout=15000
    )
    assert page.evaluate("() => document.querySelector('.card audio').currentTime") < 115


def test_document_page_opens_at_t_and_timestamps_seek(page, sites):
    page.goto(sites["clout"] + f"/documents/{sites['episode']}?t=60")
    assert page.locator("#now .ts").inner_text() == "0:33"
    page.locator("a.ts", has_text="1:06").click()
    page.wait_for_function("() => { const a = document.getElementById('player'); return !a.paused && a.currentTime >= 66; }", timeout=15000)
    page.screenshot(path=SHOTS / "document-light.png")
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=SHOTS / "document-dark.png")


def test_scraped_payloads_are_shown_as_text_on_the_page(page, sites):
    page.goto(sites["clout"] + "/?q=stakeholder+payload+map")
    title = page.locator(".card h3").first.inner_text()
    assert title == webkb.PAYLOAD_TITLE
    assert "<img src=x onerror=" in page.locator(".card .passage").first.inner_text()
    page.locator(".card h3 a").first.click()
    page.wait_for_url("**/documents/**")
    assert "<script>window.__pwned='text'</script>" in page.locator(".text").inner_text()
    not_pwned(page)


def test_dark_page_and_phone_layout(browser, sites):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True)
    page = context.new_page()
    page.goto(sites["clout"] + "/?q=executive+sponsor+buy-in")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 27)"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.screenshot(path=SHOTS / "page-results-dark-phone.png", full_page=True)
    context.close()


def open_widget(page, origin: str, key: str = "Control+k"):
    page.goto(origin + "/")
    page.wait_for_function("() => customElements.get('clout-search') !== undefined")
    page.keyboard.press(key)
    box = page.locator("clout-search input")
    box.wait_for()
    return box


def test_widget_on_an_allowed_origin_searches_plays_and_is_keyboard_driven(page, sites):
    box = open_widget(page, sites["allowed"])
    assert page.evaluate("() => document.querySelector('clout-search').shadowRoot.activeElement.tagName") == "INPUT"
    box.press_sequentially("stakeholder payload map", delay=10)
    options = page.locator("clout-search li[role=option]")
    options.first.wait_for()
    assert options.first.locator("a").inner_text() == webkb.PAYLOAD_TITLE  # shown as text, in spite of the host's CSS
    assert options.first.locator("p").inner_text().count("<img src=x") == 1
    assert options.first.locator("mark").count() >= 2
    page.screenshot(path=SHOTS / "widget-light.png")
    not_pwned(page)

    box.fill(ASK)
    page.wait_for_function(
        "() => [...document.querySelector('clout-search').shadowRoot.querySelectorAll('li a')]"
        ".some(a => a.textContent === 'Ask not: influence without authority')"
    )
    titles = options.locator("a").all_inner_texts()
    target = titles.index("Ask not: influence without authority")
    for _ in range(target):
        box.press("ArrowDown")
    assert options.nth(target).get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_function(
        "() => { const a = document.querySelector('clout-search').shadowRoot.querySelector('audio');"
        " return a && !a.paused && a.currentTime >= 55; }", timeout=15000,
    )
    box.press("Escape")
    assert page.locator("clout-search .back").is_hidden()
    not_pwned(page)


def test_widget_follows_a_dark_host(browser, sites):
    context = browser.new_context(viewport={"width": 1000, "height": 700}, color_scheme="dark")
    page = context.new_page()
    box = open_widget(page, sites["allowed"], key="/")
    box.press_sequentially("executive sponsor", delay=10)
    page.locator("clout-search li[role=option]").first.wait_for()
    assert page.evaluate("() => document.querySelector('clout-search').shadowRoot.querySelector('.ui').classList.contains('dark')")
    page.screenshot(path=SHOTS / "widget-dark.png")
    for _ in range(15):  # Tab cycles inside the open dialog, never out to the host page
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.tagName") == "CLOUT-SEARCH"
    context.close()


def test_widget_on_an_origin_that_is_not_allowed_gets_nothing(page, sites):
    box = open_widget(page, sites["other"], key="/")
    box.press_sequentially("executive sponsor", delay=10)
    status = page.locator("clout-search p[role=status]")
    page.wait_for_function(
        "() => document.querySelector('clout-search').shadowRoot.querySelector('[role=status]').textContent !== ''"
    )
    assert status.inner_text() == "Search is not available on this page."
    assert page.locator("clout-search li[role=option]").count() == 0
