"""The answer card as the server renders it (web/card.py, _answer.html): safe links, the citation, and the
page and the fragment the page's script swaps in showing the same card."""
from __future__ import annotations

import re
import shutil
import sqlite3
from html import unescape

import pytest

from clout.web.card import citation, safe_link
from conftest import make_app

EPISODE = {"doc_id": 7, "kind": "episode", "title": "Ask not", "source": "test:episode/ask-not", "url": "https://clout.example/documents/7?t=99",
           "text": "Ask what you can do.", "start": 99.6, "end": 110.0, "speaker": "Dana Okafor", "date": "2024-03-01", "author": "Test Host"}
ARTICLE = {"doc_id": 3, "kind": "article", "title": "Stakeholders", "source": "https://journal.example/a", "date": "", "author": "Ada Example",
           "url": "https://journal.example/a#:~:text=Map%20them", "text": "Map them.", "start": None, "end": None, "speaker": None}


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>", "//evil.example/x",
                                 "/\\evil.example", "vbscript:x", "file:///etc/passwd", "documents/7", "", None])
def test_a_link_that_is_not_http_or_a_path_here_is_refused(url):
    assert safe_link(url) == ""


@pytest.mark.parametrize("url", ["https://journal.example/a#:~:text=x", "HTTP://journal.example/", "/documents/7?t=99"])
def test_http_links_and_paths_on_this_server_are_kept(url):
    assert safe_link(url) == url


def test_the_citation_names_who_said_it_where_and_at_what_second():
    assert citation(EPISODE, EPISODE["url"]) == (
        "“Ask what you can do.”\n— Dana Okafor, Ask not, 2024-03-01, at 1:39\nhttps://clout.example/documents/7?t=99")
    assert citation(ARTICLE, ARTICLE["url"]) == "“Map them.”\n— Ada Example, Stakeholders\nhttps://journal.example/a#:~:text=Map%20them"
    assert citation({**EPISODE, "speaker": None}, EPISODE["url"]).splitlines()[1].startswith("— Test Host, ")


@pytest.fixture(scope="module")
def client(web_data):
    return make_app(web_data).test_client()


def card_of(html: str) -> str:
    found = re.search(r'<section class="answer".*?</section>', html, re.S)
    return found.group(0) if found else ""


@pytest.mark.slow
def test_the_page_and_the_swapped_in_fragment_show_the_apis_card(client):
    q = "they hung the satisfaction results in the restrooms"
    answer = client.get("/api/search", query_string={"q": q}).json["answer"]
    assert answer and answer["quotes"]
    page, fragment = card_of(client.get("/", query_string={"q": q}).text), card_of(client.get("/results", query_string={"q": q}).text)
    assert page and page == fragment
    quoted = [unescape(t) for t in re.findall(r"<blockquote><p>(.*?)</p></blockquote>", page, re.S)]
    assert quoted == [quote["text"] for quote in answer["quotes"]]


@pytest.mark.slow
def test_no_card_without_an_answer(client):
    html = client.get("/", query_string={"q": "zqxv blorptangle quuxifrage"}).text
    assert 'class="answer"' not in html and "The answer, quoted" not in html


@pytest.mark.slow
def test_the_analytics_record_says_whether_the_page_showed_a_card(web_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(web_data, data, ignore=shutil.ignore_patterns("write.lock", "analytics.db*"))
    app = make_app(data, analytics=True)
    client = app.test_client()
    for q in ("they hung the satisfaction results in the restrooms", "zqxv blorptangle quuxifrage"):
        assert client.get("/", query_string={"q": q}).status_code == 200
    assert client.get("/results", query_string={"q": "they hung the satisfaction results in the restrooms"}).status_code == 200
    app.extensions["clout_recorder"].flush()
    db = sqlite3.connect(data / "analytics.db")
    try:
        recorded = db.execute("SELECT query, surface, answered FROM searches ORDER BY at").fetchall()
    finally:
        db.close()
    assert [(surface, answered) for _, surface, answered in recorded] == [("page", 1), ("page", 0), ("page", 1)]
