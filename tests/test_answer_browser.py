"""The answer card on the search page and in the widget, in a real Chromium over real servers on 127.0.0.1:
the quote the API chose, ▶ from the second it is spoken, "copy citation", hostile text shown as text.

Screenshots (desktop light, phone dark, the widget) are saved to test-artifacts/screenshots/ for a person to look at.
"""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import webkb
from conftest import make_app
from test_browser import HOST_PAGE, SHOTS, browser, not_pwned, open_widget, serve  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LABELLED = Path(__file__).parent / "eval" / "labelled.json"
# A labelled question that the seed article and its episode both answer: the card pairs them.
QUESTION_ID = "seed-05"
NONSENSE = "zqxv blorptangle quuxifrage"
HOSTILE = "who holds the budget and who will block you"


def labelled(question_id: str) -> dict:
    return next(q for q in json.loads(LABELLED.read_text()) if q["id"] == question_id)


def api(base: str, q: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/search?" + urllib.parse.urlencode({"q": q})) as response:
        return json.load(response)


def clock(seconds) -> str:
    s = int(seconds or 0)
    return f"{s // 60}:{s % 60:02d}"


def expected_citation(quote: dict, base: str) -> str:
    """What "copy citation" must put on the clipboard, written out here rather than taken from the code under test."""
    episode = quote["kind"] == "episode"
    who = (quote.get("speaker") or quote.get("author")) if episode else quote.get("author")
    parts = [p for p in (who, quote["title"], quote.get("date"), f"at {clock(quote['start'])}" if episode else "") if p]
    link = quote["url"] if quote["url"].startswith(("http://", "https://")) else base + quote["url"]
    return f"“{quote['text']}”\n— {', '.join(parts)}\n{link}"


@pytest.fixture(scope="module")
def sites(web_data):
    """Clout, and a third-party page on an allowed origin that embeds the widget."""
    page = {}

    def host(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page["html"].encode()]

    allowed, allowed_server = serve(host)
    clout, clout_server = serve(make_app(web_data, {"CLOUT_PAGE_SIZE": 4}, allowed_origins=(allowed,)))
    page["html"] = HOST_PAGE.format(clout=clout)
    question = labelled(QUESTION_ID)["q"]
    body = api(clout, question)
    yield {"clout": clout, "allowed": allowed, "q": question, "answer": body["answer"], "results": body["results"]}
    for server in (allowed_server, clout_server):
        server.close()


def new_page(browser, origin: str, **options):
    """A page whose context may write and read the clipboard on `origin`, collecting script errors."""
    context = browser.new_context(**{"viewport": {"width": 1200, "height": 860}, **options})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: page.errors.append("dialog: " + dialog.message))
    # Chromium reports what the Content-Security-Policy blocked on the console: the card must need nothing it blocks.
    page.on("console", lambda message: "Content Security Policy" in message.text and page.errors.append(message.text))
    return page


@pytest.fixture
def page(browser, sites):
    page = new_page(browser, sites["clout"])
    yield page
    page.context.close()


def test_the_page_shows_the_apis_answer_as_a_card_above_the_results(page, sites):
    answer = sites["answer"]
    assert answer and answer["quotes"], f"the API gave no answer for {sites['q']!r}"
    page.goto(sites["clout"] + "/?" + urllib.parse.urlencode({"q": sites["q"]}))
    card = page.get_by_role("region", name="The answer, quoted")
    quotes = card.locator("blockquote p")
    assert quotes.count() == len(answer["quotes"])
    assert quotes.first.text_content() == answer["quotes"][0]["text"]
    # The card comes before the first result, and its title links where the API's deep link goes.
    assert page.evaluate("() => !!(document.querySelector('.answer').compareDocumentPosition(document.querySelector('.card')) & 4)")
    first = answer["quotes"][0]
    href = card.locator("a.source").first.get_attribute("href")
    assert href == first["url"] or sites["clout"] + href == first["url"]
    # Where each quote was published: the site or show of that document's result.
    published = {r["doc_id"]: r["site"] for r in sites["results"]}
    for i, quote in enumerate(answer["quotes"]):
        site = published.get(quote["doc_id"])
        assert card.locator("figure").nth(i).locator(".meta .site").all_text_contents() == ([site] if site else [])
    page.screenshot(path=SHOTS / "answer-page-light.png", full_page=True)
    not_pwned(page)


def test_typing_the_question_shows_the_same_card(page, sites):
    """The page's script swaps in server-rendered results while one types: the card comes with them."""
    page.goto(sites["clout"] + "/")
    page.locator("#q").press_sequentially(sites["q"], delay=5)
    page.wait_for_url("**/?q=*")
    first = page.locator(".answer blockquote p").first
    first.wait_for()
    page.wait_for_function("(text) => document.querySelector('.answer blockquote p').textContent === text", arg=sites["answer"]["quotes"][0]["text"])
    assert page.locator(".answer button.copy").first.is_visible()  # the script shows it on swapped-in results too


def test_play_on_the_cards_episode_quote_starts_where_it_is_spoken(page, sites):
    episode = next((q for q in sites["answer"]["quotes"] if q["kind"] == "episode"), None)
    assert episode is not None, "the labelled question's card pairs no episode moment"
    page.goto(sites["clout"] + "/?" + urllib.parse.urlencode({"q": sites["q"]}))
    play = page.locator(".answer a.play-quote")
    assert play.count() == 1 and clock(episode["start"]) in play.inner_text()
    assert play.get_attribute("aria-label").startswith("Play ")
    play.focus()
    page.keyboard.press("Space")  # the keyboard works as well as a click: a role=button link answers Space
    page.wait_for_function(
        "(start) => { const a = document.querySelector('.answer audio'); return a && !a.paused && a.currentTime >= start; }",
        arg=episode["start"], timeout=15000,
    )
    assert page.evaluate("() => document.querySelector('.answer audio').currentTime") < episode["start"] + 10
    not_pwned(page)


def test_copy_citation_puts_the_quote_title_and_link_on_the_clipboard(page, sites):
    page.goto(sites["clout"] + "/?" + urllib.parse.urlencode({"q": sites["q"]}))
    for i, quote in enumerate(sites["answer"]["quotes"]):
        figure = page.locator(".answer figure").nth(i)
        figure.get_by_role("button", name="Copy citation").click()
        figure.get_by_role("status").filter(has_text="Copied").wait_for()
        assert page.evaluate("() => navigator.clipboard.readText()") == expected_citation(quote, sites["clout"])
    not_pwned(page)


def test_no_card_and_no_empty_box_for_a_nonsense_query(page, sites):
    assert api(sites["clout"], NONSENSE)["answer"] is None
    page.goto(sites["clout"] + "/?" + urllib.parse.urlencode({"q": NONSENSE}))
    assert page.locator(".answer").count() == 0
    assert page.get_by_role("region", name="The answer, quoted").count() == 0


def test_hostile_markup_in_a_quote_is_shown_as_text_and_runs_nothing(page, sites):
    answer = api(sites["clout"], HOSTILE)["answer"]
    assert answer and "<img src=x onerror=" in answer["quotes"][0]["text"], answer
    page.goto(sites["clout"] + "/?" + urllib.parse.urlencode({"q": HOSTILE}))
    card = page.locator(".answer")
    assert card.locator("blockquote p").first.text_content() == answer["quotes"][0]["text"]
    assert card.locator("img, script").count() == 0
    assert card.locator("a.source").first.text_content() == webkb.PAYLOAD_TITLE
    # The article's own URL is javascript:; the card links to Clout's page for it instead.
    href = card.locator("a.source").first.get_attribute("href")
    assert href.startswith("/documents/"), href
    not_pwned(page)


def test_the_widget_on_a_third_party_page_shows_the_same_card(browser, sites):
    page = new_page(browser, sites["allowed"])
    box = open_widget(page, sites["allowed"])
    box.fill(sites["q"])
    card = page.locator("clout-search section[aria-label=Answer]")
    card.locator("blockquote").first.wait_for()
    quotes = sites["answer"]["quotes"]
    assert card.locator("blockquote").all_text_contents() == [q["text"] for q in quotes]
    page.screenshot(path=SHOTS / "answer-widget-light.png")
    card.get_by_role("button", name="Copy citation").first.click()
    card.get_by_role("status").filter(has_text="Copied").first.wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == expected_citation(quotes[0], sites["clout"])
    episode = next((q for q in quotes if q["kind"] == "episode"), None)
    if episode is not None:
        card.locator("button.play").click()
        page.wait_for_function(
            "(start) => { const a = document.querySelector('clout-search').shadowRoot.querySelector('.ans audio');"
            " return a && !a.paused && a.currentTime >= start; }", arg=episode["start"], timeout=15000,
        )
    hostile = api(sites["clout"], HOSTILE)["answer"]["quotes"][0]
    box.fill(HOSTILE)
    page.wait_for_function("(text) => { const q = document.querySelector('clout-search').shadowRoot.querySelector('.ans blockquote');"
                           " return q && q.textContent === text; }", arg=hostile["text"])
    assert page.evaluate("() => document.querySelector('clout-search').shadowRoot.querySelectorAll('img, script').length") == 0
    assert card.locator("figure a").first.get_attribute("href").startswith(sites["clout"] + "/documents/")  # not its javascript: URL
    box.fill(NONSENSE)
    page.wait_for_function("() => document.querySelector('clout-search').shadowRoot.querySelector('.ans').hidden")
    not_pwned(page)
    page.context.close()


def test_the_card_on_a_phone_in_the_dark(browser, sites):
    page = new_page(browser, sites["clout"], viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True)
    page.goto(sites["clout"] + "/?" + urllib.parse.urlencode({"q": sites["q"]}))
    page.locator(".answer").wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.screenshot(path=SHOTS / "answer-page-dark-phone.png", full_page=True)
    page.context.close()
