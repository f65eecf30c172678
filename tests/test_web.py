"""The web app through Flask's test client over a real knowledge base: API, OpenAPI, errors, CORS, headers, pages."""
from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import quote

import pytest

import webkb
from conftest import make_app
from clout.document import Segment
from clout.index.query import parse
from clout.index.search import highlight
from clout.web.present import paragraphs, safe_highlight, text_fragment

ROOT = Path(__file__).resolve().parents[1]
OTHER = "http://127.0.0.1:9"  # an origin this app is told to allow


@pytest.fixture(scope="module")
def app(web_data):
    return make_app(web_data, {"CLOUT_PAGE_SIZE": 3}, allowed_origins=(OTHER,))


def doc_id(app, source: str) -> int:
    return app.extensions["clout_kb"].store.document_by_source(source).id


# -- the API -------------------------------------------------------------------------------------

def test_search_filters_by_kind_and_site(client):
    episodes = client.get("/api/search?q=ask what you can do for your country&k=10&kind=episode").json["results"]
    assert episodes and {h["kind"] for h in episodes} == {"episode"}
    shows = client.get("/api/search?q=ask what you can do&k=10&site=The Buy-In Show").json["results"]
    assert [h["site"] for h in shows] == ["The Buy-In Show"]


def test_offset_pages_through_the_same_ranking(client):
    everything = client.get("/api/search?q=executive sponsor buy-in&k=6").json["results"]
    second = client.get("/api/search?q=executive sponsor buy-in&k=3&offset=3").json["results"]
    assert [h["doc_id"] for h in second] == [h["doc_id"] for h in everything[3:6]]


def test_episode_hits_carry_their_moment(client):
    hits = client.get("/api/search?q=ask not what your country can do for you&k=3&kind=episode").json["results"]
    top = next(h for h in hits if h["title"] == "Ask not: influence without authority")
    assert 0 < top["start"] <= 99 < top["end"]  # the quote is spoken at 99 s, inside the passage's time span


@pytest.mark.parametrize(
    "query, name",
    [
        ("k=0", "k"), ("k=101", "k"), ("k=ten", "k"), ("offset=-1", "offset"), ("offset=5000", "offset"),
        ("mode=fuzzy", "mode"), ("kind=video", "kind"), ("date_from=yesterday", "date_from"),
        ("q=" + "x" * 1001, "q"),
    ],
)
def test_out_of_bounds_parameters_are_400s_that_say_what_was_wrong(client, query, name):
    response = client.get(f"/api/search?{query}&q=buy-in")
    assert response.status_code == 400
    body = response.json
    assert body["ok"] is False and body["status"] == 400 and body["error"].startswith(name + " ")


@pytest.mark.parametrize(
    "method, url, status",
    [("GET", "/api/nowhere", 404), ("GET", "/api/documents/99999", 404), ("POST", "/api/search", 405)],
)
def test_every_api_error_has_the_one_shape(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status and response.mimetype == "application/json"
    assert set(response.json) == {"ok", "status", "error"} and response.json["status"] == status


def test_an_unexpected_failure_is_a_500_in_the_same_shape(client, monkeypatch):
    import clout.web.api

    def broken(*args, **kwargs):  # a fault injected on purpose: the real search does not fail on demand
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(clout.web.api, "search", broken)
    response = client.get("/api/search?q=buy-in")
    assert response.status_code == 500
    assert response.json["ok"] is False and "disk on fire" not in response.json["error"]


def test_a_clout_error_inside_a_request_is_the_api_shape_or_the_error_page_and_names_no_path(web_data, tmp_path):
    """A real CloutError from inside search: the embedding model directory holds no model, so the semantic
    half of a search raises EmbedderError. The one handler answers the API in its error shape and a page
    with the error page; the directory (a path on this machine) reaches neither."""
    from clout.index.embed import Embedder
    from clout.index.kb import KnowledgeBase
    from clout.settings import Settings
    from clout.web import create_app

    not_a_model = tmp_path / "not-a-model"
    not_a_model.mkdir()
    (not_a_model / "README.txt").write_text("no weights here\n")
    kb = KnowledgeBase(web_data, embedder=Embedder(path=str(not_a_model)), readonly=True)
    client = create_app(Settings(data_dir=web_data), kb, {"TESTING": True}).test_client()

    api = client.get("/api/search?q=buy-in&mode=semantic")
    assert api.status_code == 500 and api.mimetype == "application/json"
    assert api.json == {"ok": False, "status": 500, "error": api.json["error"]} and api.json["error"]
    page = client.get("/?q=buy-in")
    assert page.status_code == 500 and page.mimetype == "text/html" and "<h1>500</h1>" in page.text
    for body in (api.text, page.text):
        assert str(not_a_model) not in body and "not-a-model" not in body
    # Words alone need no model (an episode's moment would): the same app still answers this search.
    assert client.get("/api/search?q=buy-in&mode=lexical&kind=article").json["results"]


def test_document_api_gives_transcript_and_media_url_without_local_paths(client, app, web_data):
    body = client.get(f"/api/documents/{doc_id(app, 'test:episode/ask-not')}").json
    assert body["kind"] == "episode" and len(body["segments"]) == len(webkb.BLOCK_TEXTS)
    assert body["segments"][9] == {"start": 99.0, "end": 110.0, "text": webkb.JFK}
    assert body["media_url"].endswith(f"/media/{body['doc_id']}")
    assert str(web_data.parent) not in str(body)


def test_openapi_document_is_valid_and_names_exactly_the_api_routes(client, app):
    from openapi_schema_validator import OAS30Validator
    from openapi_spec_validator import validate

    spec = client.get("/api/openapi.json").json
    validate(spec)
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    served = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served

    def check(schema_name: str, instance) -> None:
        schema = {**spec["components"]["schemas"][schema_name], "components": spec["components"]}
        OAS30Validator(schema).validate(instance)

    check("Results", client.get("/api/search?q=ask not what your country&k=5").json)
    check("Document", client.get(f"/api/documents/{doc_id(app, 'test:episode/ask-not')}").json)
    check("Health", client.get("/api/health").json)
    check("Error", client.get("/api/search?k=0").json)


# -- CORS and headers ------------------------------------------------------------------------------

def test_an_allowed_origin_may_search_and_is_told_so(client):
    response = client.get("/api/search?q=buy-in", headers={"Origin": OTHER})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == OTHER
    preflight = client.options("/api/search", headers={"Origin": OTHER, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == OTHER


def test_another_origin_gets_nothing(client):
    response = client.get("/api/search?q=buy-in", headers={"Origin": "http://127.0.0.1:8"})
    assert response.status_code == 403 and "Access-Control-Allow-Origin" not in response.headers
    assert "results" not in response.json and "127.0.0.1:8" in response.json["error"]


def test_same_origin_and_originless_requests_are_served(client):
    assert client.get("/api/search?q=buy-in", headers={"Origin": "http://localhost"}).status_code == 200
    assert client.get("/api/search?q=buy-in").status_code == 200


@pytest.mark.parametrize("url", ["/", "/?q=stakeholder payload", "/documents/1", "/widget/demo", "/nowhere"])
def test_pages_forbid_inline_script_and_framing(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), "an inline script would be blocked by the CSP"
    assert " style=" not in response.text and "<style" not in response.text


# -- scraped text ----------------------------------------------------------------------------------

def test_scraped_markup_is_shown_as_text_on_results_and_document_pages(client, app):
    # The query asks for the last sentence, where the source wrote its own <mark> tags: the snippet shows it.
    pages = [client.get("/?q=" + quote("share the stakeholder payload map with your sponsor")).text,
             client.get(f"/documents/{doc_id(app, 'test:article/payload')}").text]
    for html in pages:
        assert "&lt;script&gt;window.__pwned" in html
        assert "<script>window" not in html and "<img src=x" not in html and "<b>Evil" not in html
        assert "javascript:" not in html
    assert "<mark>stakeholder</mark>" in pages[0].lower() or "<mark>Stakeholder</mark>" in pages[0]
    assert "&lt;/mark&gt;&lt;mark&gt;" in pages[0]  # the source's own <mark> tags stay text


def test_highlight_escapes_everything_and_marks_query_words():
    assert highlight("a <b>stakeholder</b> & map", parse("stakeholder map").terms) == (
        "a &lt;b&gt;<mark>stakeholder</mark>&lt;/b&gt; &amp; <mark>map</mark>"
    )


def test_a_highlight_with_stray_tags_is_escaped_again():
    assert str(safe_highlight("<mark>ok</mark> <img src=x onerror=alert(1)>")) == (
        "<mark>ok</mark> &lt;img src=x onerror=alert(1)&gt;"
    )


def test_text_fragment_escapes_its_own_syntax():
    assert text_fragment("Co-op, bread & butter") == "#:~:text=Co%2Dop%2C%20bread%20%26%20butter"
    words = " ".join(f"w{i}" for i in range(20))
    assert text_fragment(words) == "#:~:text=w0%20w1%20w2%20w3%20w4,w15%20w16%20w17%20w18%20w19"


def test_transcript_segments_become_paragraphs_at_pauses_and_length():
    segments = [Segment(*s) for s in
                [(0.0, 2.0, "One."), (2.0, 4.0, "Two."), (10.0, 12.0, "After a pause."), (12.0, 14.0, "x" * 600), (14.0, 15.0, "End.")]]
    assert paragraphs(segments) == [(0.0, "One. Two."), (10.0, "After a pause. " + "x" * 600), (14.0, "End.")]


# -- pages -----------------------------------------------------------------------------------------

def test_results_page_without_javascript_has_cards_facets_and_more(client):
    html = client.get("/?q=" + quote("executive sponsor buy-in")).text
    assert html.count('class="card"') == 3  # CLOUT_PAGE_SIZE in this app
    assert re.search(r'class="facet" href="/\?q=executive\+sponsor\+buy-in&amp;kind=episode">Episodes <span class="count">\d+', html)
    more = re.search(r'class="more" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "offset=3" in more
    assert '<ol class="cards" start="4">' in client.get(more).text


def test_article_results_link_to_the_passage_in_the_original(client):
    html = client.get("/?q=" + quote("executive sponsor twenty minutes")).text
    assert 'href="https://journal.example/sponsor#:~:text=An%20executive%20sponsor%20is%20a,' in html


def test_episode_results_have_a_play_button_with_the_time(client, app):
    html = client.get("/?q=" + quote("ask not what your country can do for you") + "&site=The Buy-In Show").text
    episode = doc_id(app, "test:episode/ask-not")
    # The passage starts at 55 s; the quote asked for is spoken from 99 s, and play starts there.
    assert re.search(rf'<a class="play" role="button" href="/documents/{episode}\?t=99"\s+data-media="/media/{episode}" data-start="99.0"', html)
    assert "▶ 1:39" in html


def test_empty_state_offers_examples_and_no_match_says_so(client):
    assert 'class="examples"' in client.get("/").text
    html = client.get("/?q=buy-in&site=No Such Site").text
    assert "Nothing matches “buy-in” with these filters." in html


def test_a_bad_parameter_on_the_page_is_said_in_words(client):
    html = client.get("/?q=buy-in&kind=video").text
    assert 'role="alert">kind must be one of article, episode' in html


def test_document_page_opens_at_the_moment(client, app):
    episode = doc_id(app, "test:episode/ask-not")
    html = client.get(f"/documents/{episode}?t=60").text
    assert f'src="/media/{episode}#t=60.0"' in html
    assert re.search(r'<p class="current" id="now"><a class="ts" href="\?t=33" data-t="33.0"', html)
    assert html.count('class="ts"') >= 2


# -- media -----------------------------------------------------------------------------------------

def test_media_streams_the_episode_with_range_requests(client, app, web_data):
    episode = doc_id(app, "test:episode/ask-not")
    audio = (web_data.parent / "episode.wav").read_bytes()
    part = client.get(f"/media/{episode}", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == audio[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(audio)}"
    whole = client.get(f"/media/{episode}")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes" and whole.mimetype.startswith("audio/")


def test_media_redirects_remote_audio_and_serves_nothing_else(client, app):
    assert client.get(f"/media/{doc_id(app, 'test:episode/flac')}").headers["Location"] == "https://audio.example/jfk.flac"
    assert client.get(f"/media/{doc_id(app, 'test:article/payload')}").status_code == 404
    assert client.get("/media/99999").status_code == 404
    assert client.get("/media/..%2f..%2fetc%2fpasswd").status_code == 404


# -- static files and the widget -------------------------------------------------------------------

def test_static_files_are_cache_busted(client):
    html = client.get("/").text
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{10})"', html).group(1)
    response = client.get(css)
    assert response.status_code == 200 and "max-age=31536000" in response.headers["Cache-Control"]


def test_widget_is_at_most_10_kb_gzipped():
    size = len(gzip.compress((ROOT / "web" / "static" / "widget.js").read_bytes(), 9))
    print(f"widget.js: {size} bytes gzipped")
    assert size <= 10 * 1024


def test_widget_is_served_at_the_root_and_the_demo_shows_the_snippet(client):
    script = client.get("/widget.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript" and b"clout-search" in script.data
    demo = client.get("/widget/demo").text
    assert '&lt;script src="http://localhost/widget.js" defer&gt;&lt;/script&gt;' in demo
    assert "&lt;clout-search&gt;&lt;/clout-search&gt;" in demo
