"""Typos forgiven from the collection's own words: misspelled queries find what the right spelling finds,
correct ones are left alone, and every surface says what was searched for (escaped)."""
from __future__ import annotations

import json

import pytest

from conftest import clout, make_app

TYPOS = [("Bloom Enrgy", "Bloom Energy"), ("guerilla marketing", "guerrilla marketing"),
         ("stakholder mapping", "stakeholder mapping"), ("emotinal signature", "emotional signature")]


@pytest.fixture(scope="module")
def kb(search_data):
    from clout.index.kb import KnowledgeBase

    return KnowledgeBase(search_data, readonly=True)


@pytest.mark.parametrize("typed, meant", TYPOS)
def test_a_typo_finds_what_the_right_spelling_finds(kb, typed, meant):
    from clout.index.search import search, searched_for

    assert searched_for(kb, typed) == meant
    assert [h.doc_id for h in search(kb, typed, k=5)] == [h.doc_id for h in search(kb, meant, k=5)]


@pytest.mark.parametrize("query", ["Bloom Energy", "guerrilla marketing", "Reginald Chatman", "Tabitha Dunn Concur",
                                   "how do I get senior management buy-in", "xq", "2024"])
def test_words_the_collection_holds_are_never_changed(kb, query):
    from clout.index.search import searched_for

    assert searched_for(kb, query) is None


def test_json_says_what_was_searched_for(search_data):
    result = clout("search", "--json", "Bloom Enrgy", data_dir=search_data)
    payload = json.loads(result.stdout)
    assert payload["query"] == "Bloom Enrgy" and payload["searched_for"] == "Bloom Energy"
    assert "01-how-to-win-internal-support" in payload["results"][0]["source"]
    plain = json.loads(clout("search", "--json", "Bloom Energy", data_dir=search_data).stdout)
    assert "searched_for" not in plain
    assert clout("search", "Bloom Enrgy", data_dir=search_data).stdout.startswith("Showing results for Bloom Energy")


def test_the_page_and_api_say_it_escaped(search_data):
    client = make_app(search_data).test_client()
    api = client.get("/api/search", query_string={"q": "guerilla marketing"}).get_json()
    assert api["searched_for"] == "guerrilla marketing"
    page = client.get("/", query_string={"q": "<b>Bloom Enrgy</b>"}).get_data(as_text=True)
    assert "Showing results for <strong>&lt;b&gt;Bloom Energy&lt;/b&gt;</strong>" in page
    assert "<b>Bloom" not in page
