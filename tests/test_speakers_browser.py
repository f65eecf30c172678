"""Speakers and chapters in a real Chromium: the search page's and the widget's "Name, 12:34 ▶", the
document page's turns, and its chapter list seeking the player. The episode is a real two-voice
recording whose publisher gives a WebVTT transcript with voice tags and a JSON chapters file."""
from __future__ import annotations

import json
import shutil

import pytest

import conversations
from clout.ingest.captions import format_captions
from clout.document import Segment
from conftest import clout
from test_browser import SHOTS, browser, not_pwned, page, serve  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHAPTERS = [{"startTime": 0, "title": "Meet Sam"}, {"startTime": 17.5, "title": "Getting finance on side"}]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from clout.index.kb import KnowledgeBase
    from clout.settings import Settings
    from clout.web import create_app

    folder = tmp_path_factory.mktemp("talk")
    turns = conversations.build(conversations.CONVERSATIONS["finance"], folder / "finance.wav")
    vtt = format_captions([Segment(t.start, t.end, t.text, t.speaker) for t in turns], "vtt")
    (folder / "finance.vtt").write_text(vtt)
    (folder / "finance.chapters.json").write_text(json.dumps({"version": "1.2.0", "chapters": CHAPTERS}))
    (folder / "feed.xml").write_text(f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>Inside Support</title>
<item><title>Getting finance on side</title><guid>ep1</guid><enclosure url="finance.wav" type="audio/wav"/>
<podcast:person role="host">Dana Okafor</podcast:person><podcast:person role="guest">Sam Rivera</podcast:person>
<podcast:transcript url="finance.vtt" type="text/vtt"/>
<podcast:chapters url="finance.chapters.json" type="application/json+chapters"/></item></channel></rss>""")
    data = folder / "data"
    assert clout("ingest", str(folder / "feed.xml"), data_dir=data).exit_code == 0
    kb = KnowledgeBase(data, readonly=True)
    url, server = serve(create_app(Settings(data_dir=data), kb))
    sam = next(t for t in turns if t.speaker == "Sam Rivera" and "repeat call" in t.text)
    yield {"url": url, "doc": kb.store.document_by_source(str(folder / "finance.wav")).id, "sam": sam}
    server.close()


def test_the_result_says_who_speaks_and_plays_them(page, site):  # noqa: F811
    page.goto(site["url"] + "/?q=repeat+calls+cost+money")
    play = page.locator("a.play").first
    label = play.inner_text()
    assert label.startswith("Sam Rivera, 0:") and label.endswith("▶"), label
    assert "Chapter: Getting finance on side" in page.locator(".card").first.inner_text()
    page.screenshot(path=SHOTS / "speakers-results.png", full_page=True)
    play.click()
    page.wait_for_function("() => { const a = document.querySelector('.card audio'); return a && !a.paused; }", timeout=15000)
    start = page.evaluate("() => document.querySelector('.card audio').currentTime")
    assert site["sam"].start - 1 <= start <= site["sam"].end
    not_pwned(page)


def test_the_document_page_shows_turns_and_jumps_to_a_chapter(page, site):  # noqa: F811
    page.goto(f"{site['url']}/documents/{site['doc']}")
    names = page.locator(".transcript .speaker").all_inner_texts()
    assert names[:3] == ["Dana Okafor", "Sam Rivera", "Dana Okafor"], names
    assert "With Dana Okafor (host), Sam Rivera (guest)" in page.locator(".people").inner_text()
    page.locator(".chapters a.ts").nth(1).click()
    page.wait_for_function("() => { const a = document.getElementById('player'); return !a.paused && a.currentTime >= 17.5; }",
                           timeout=15000)
    assert page.evaluate("() => document.getElementById('player').currentTime") < 25
    page.screenshot(path=SHOTS / "speakers-document.png", full_page=True)
    not_pwned(page)


def test_the_widget_says_who_speaks(page, site):  # noqa: F811
    page.goto(site["url"] + "/widget/demo")
    page.locator("clout-search .trigger").first.click()
    page.locator("clout-search input").first.fill("repeat calls cost money")
    button = page.locator("clout-search li button.play").first
    button.wait_for()
    assert button.inner_text().startswith("Sam Rivera, 0:") and button.inner_text().endswith("▶")
    not_pwned(page)
