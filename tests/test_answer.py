"""The answer card (index/answer.py): verbatim quotes from real stores and the real MiniLM, its deep links,
`answer` in /api/search over a real waitress server, and `clout ask` on a real terminal, piped, and as JSON."""
from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from waitress.server import create_server

from conftest import clout, make_app

NONSENSE = "zxqv blorp frobnicate quuxly"
QUOTE_FIELDS = {"doc_id", "kind", "title", "source", "url", "text", "start", "end", "speaker", "date", "author"}


# -- deep links (pure) -----------------------------------------------------------------------------
def _hit(**fields):
    from clout.index.search import Hit

    base = dict(doc_id=7, title="T", kind="article", source="s", url="", text="", snippet="", start=None, end=None, score=1.0)
    return Hit(**{**base, **fields})


def test_text_fragment_encodes_its_own_syntax_and_spaces():
    from clout.index.answer import text_fragment

    short = "Cost-to-serve, churn & days"
    fragment = text_fragment(short)
    assert fragment == "#:~:text=Cost%2Dto%2Dserve%2C%20churn%20%26%20days"
    assert urllib.parse.unquote(fragment.split("=", 1)[1]) == short
    long = "One, two - three & four five six seven eight nine ten eleven twelve thirteen, fourteen-fifteen sixteen."
    start, end = text_fragment(long)[len("#:~:text="):].split(",")  # exactly one raw comma: textStart,textEnd
    assert urllib.parse.unquote(start) == "One, two - three" and urllib.parse.unquote(end) == "twelve thirteen, fourteen-fifteen sixteen."
    assert not set("-&, ") & set(start + end)


def test_deep_links_go_to_the_quote_and_never_to_a_local_path():
    from clout.index.answer import deep_link

    web = _hit(url="https://example.com/post?id=3#comments")
    assert deep_link(web, "Talk money.") == "https://example.com/post?id=3#:~:text=Talk%20money."
    local = _hit(source="/home/someone/notes/plan.md", url="")
    assert deep_link(local, "Talk money.") == "/documents/7#:~:text=Talk%20money."
    hostile = _hit(url="javascript:alert(1)")
    assert deep_link(hostile, "Talk money.").startswith("/documents/7#")
    episode = _hit(kind="episode", source="/srv/audio/ep.mp3", url="https://pod.example/ep", start=61.0)
    assert deep_link(episode, "Talk money.", 93.16) == "/documents/7?t=93"


# -- quotes from a real store ----------------------------------------------------------------------
def _verbatim(kb, card: dict) -> None:
    """Every quote is a span of its document's stored text; an episode's is the transcript at `start`."""
    for quote in card["quotes"]:
        assert set(quote) == QUOTE_FIELDS
        doc = kb.store.document(quote["doc_id"])
        if quote["kind"] == "article":
            assert quote["text"] in doc.text and quote["start"] is None
            continue
        segments = [s for s in doc.segments if s.text.strip()]
        transcript = " ".join(s.text.strip() for s in segments)
        assert quote["text"] in transcript
        assert 0 <= quote["start"] < quote["end"] <= max(s.end for s in segments)
        at = [s for s in segments if s.start == quote["start"]]
        assert at and quote["text"].startswith(at[0].text.strip()), quote
        assert quote["url"] == f"/documents/{doc.id}?t={int(quote['start'])}"


@pytest.mark.slow
def test_every_card_for_the_labelled_queries_quotes_its_documents_verbatim(search_data):
    from clout.index.answer import answer
    from clout.index.kb import KnowledgeBase
    from clout.index.search import search
    from search_corpus import QUERIES

    kb = KnowledgeBase(search_data, readonly=True)
    cards = 0
    kinds = set()
    for item in json.loads(QUERIES.read_text()):
        card = answer(kb, item["q"], search(kb, item["q"], k=10))
        if card is not None:
            cards += 1
            _verbatim(kb, card)
            kinds |= {q["kind"] for q in card["quotes"]}
            assert 1 <= len(card["quotes"]) <= 2
            if len(card["quotes"]) == 2:  # a pair is an article and an episode
                assert {q["kind"] for q in card["quotes"]} == {"article", "episode"}
    assert cards >= 20 and kinds == {"article", "episode"}, (cards, kinds)
    assert answer(kb, NONSENSE, search(kb, NONSENSE, k=10)) is None


@pytest.mark.slow
def test_an_article_and_an_episode_making_the_same_point_are_paired(search_data):
    """Episode 05 retells article 05: the stakeholder-map question gets both, the better-ranked first."""
    from clout.index.answer import answer
    from clout.index.kb import KnowledgeBase
    from clout.index.search import search

    kb = KnowledgeBase(search_data, readonly=True)
    query = "draw a circle in the middle of a sheet of paper"
    hits = search(kb, query, k=10)
    card = answer(kb, query, hits)
    assert card is not None and [q["kind"] for q in card["quotes"]] in (["article", "episode"], ["episode", "article"])
    ranks = [next(i for i, h in enumerate(hits) if h.doc_id == q["doc_id"]) for q in card["quotes"]]
    assert ranks == sorted(ranks)
    assert all("circle" in q["text"].lower() for q in card["quotes"])
    _verbatim(kb, card)


# -- the API, over real HTTP -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(web_data):
    srv = create_server(make_app(web_data), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()


def _search(server, **params) -> dict:
    with urllib.request.urlopen(f"{server}/api/search?{urllib.parse.urlencode(params)}", timeout=60) as r:
        return json.loads(r.read())


@pytest.mark.slow
def test_the_api_answers_above_the_results_and_only_on_the_first_page(server, web_data):
    from clout.index.kb import KnowledgeBase

    query = "how do I get senior executives to buy in"
    body = _search(server, q=query)
    card = body["answer"]
    assert card is not None and card["quotes"][0]["doc_id"] in [r["doc_id"] for r in body["results"]]
    kb = KnowledgeBase(web_data, readonly=True)
    for quote in card["quotes"]:
        assert quote["text"] in " ".join(s.text.strip() for s in kb.store.document(quote["doc_id"]).segments) \
            or quote["text"] in kb.store.document(quote["doc_id"]).text
        assert quote["url"].startswith(("https://", "http://"))  # Clout's own links are made absolute for the widget
        assert not quote["source"].startswith("/")  # no local path leaves the server
    assert _search(server, q=query, offset=5)["answer"] is None
    assert _search(server, q=query, answer=0)["answer"] is None
    assert _search(server, q=NONSENSE)["answer"] is None
    with pytest.raises(urllib.error.HTTPError) as refused:  # the API promises 0 or 1 and says what was wrong
        _search(server, q=query, answer="yes")
    assert refused.value.code == 400 and "answer must be 0 or 1" in json.loads(refused.value.read())["error"]


@pytest.mark.slow
def test_hostile_scraped_text_in_a_quote_is_data_not_markup(server, web_data):
    """The hostile article's quote comes back as the characters stored: the JSON carries text, the card escapes it."""
    from webkb import PAYLOAD_TEXT

    body = _search(server, q="write the stakeholder map down and share it with your sponsor")
    quotes = [q for q in (body["answer"] or {"quotes": []})["quotes"] if q["title"].startswith("<script>")]
    assert quotes, body["answer"]
    assert quotes[0]["text"] in PAYLOAD_TEXT and "</mark><mark>" in quotes[0]["text"]
    assert quotes[0]["url"].startswith(server + "/documents/")  # its javascript: URL is never a link


# -- clout ask ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_clout_ask_prints_the_card_plain_and_as_json(search_data):
    question = "draw a circle in the middle of a sheet of paper"
    card = json.loads(clout("ask", "--json", question, data_dir=search_data).stdout)
    assert card and set(card["quotes"][0]) == QUOTE_FIELDS
    plain = clout("ask", question, data_dir=search_data)
    assert plain.exit_code == 0
    first = card["quotes"][0]
    assert f"“{first['text']}”" in plain.stdout and first["url"] in plain.stdout and "\x1b[" not in plain.stdout
    nothing = clout("ask", NONSENSE, data_dir=search_data)
    assert nothing.exit_code == 0 and "No confident answer" in nothing.stdout
    assert clout("ask", "--json", NONSENSE, data_dir=search_data).stdout.strip() == "null"


@pytest.mark.slow
def test_clout_ask_on_a_terminal_is_formatted(search_data):
    """The real command on a pseudo-terminal: rich draws a panel with colour."""
    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "clout", "--data-dir", str(search_data), "ask",
                             "draw a circle in the middle of a sheet of paper"],
                            stdin=subprocess.DEVNULL, stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    out = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(primary)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr.read()
    assert "\x1b[" in text and "╭" in text and "circle" in text.lower()


def test_answer_is_in_the_openapi_document():
    from clout.web.openapi import openapi_document

    schemas = openapi_document("http://127.0.0.1")["components"]["schemas"]
    assert set(schemas["Quote"]["required"]) == QUOTE_FIELDS
    assert "answer" in schemas["Results"]["properties"]


def test_no_card_without_hits_or_words():
    from clout.index.answer import answer

    assert answer(None, "anything", []) is None
    assert answer(None, "   ", [_hit(text="A sentence that would answer.")]) is None



def test_a_card_is_judged_by_its_phrases_its_moment_and_its_pair():
    from clout.index.evaluate_answer import judge

    item = {"q": "q", "answer": ["bring figures"],
            "moment": {"source": "episodes/03-*", "start": 93.16, "article": "articles/03-buy-in.txt"}}
    article = {"kind": "article", "source": "corpus/articles/03-buy-in.txt", "text": "If they want numbers, Bring  figures.",
               "start": None, "end": None}
    episode = {"kind": "episode", "source": "tests/data/episodes/03-senior", "text": "Talk money.", "start": 90.0, "end": 98.0}
    both = judge({"quotes": [article, episode]}, item)
    assert both["first_right"] and both["right"] and both["moment"] and both["paired"]
    late = dict(episode, start=110.0, end=120.0)  # spoken after the moment: not it
    alone = judge({"quotes": [late]}, item)
    assert not alone["right"] and not alone["moment"] and not alone["paired"] and alone["shown"]
    assert judge(None, item) == {**judge(None, item), "shown": False, "right": False}


@pytest.mark.slow
def test_analytics_count_a_search_as_answered_only_when_a_card_was_shown(web_data, tmp_path):
    import shutil
    import sqlite3
    import time

    from clout.index.analytics import report
    from clout.index.store.analytics import AnalyticsDB

    data = tmp_path / "data"
    shutil.copytree(web_data, data, ignore=shutil.ignore_patterns("write.lock", "analytics.db*"))
    old = sqlite3.connect(data / "analytics.db")  # recorded before the card: no `answered` column
    old.executescript("CREATE TABLE searches (at REAL NOT NULL, day TEXT NOT NULL, query TEXT NOT NULL, mode TEXT NOT NULL DEFAULT '', "
                      "filters TEXT NOT NULL DEFAULT '', results INTEGER NOT NULL, top_score REAL, low_confidence INTEGER NOT NULL DEFAULT 0, "
                      "latency_ms REAL NOT NULL, key TEXT NOT NULL DEFAULT '', site TEXT NOT NULL DEFAULT '', surface TEXT NOT NULL DEFAULT '');"
                      f"INSERT INTO searches VALUES ({time.time()}, '2026-12-01', 'old search', '', '', 3, 1.0, 0, 5.0, '', '', 'api');")
    old.close()
    app = make_app(data, analytics=True)
    client = app.test_client()
    answered = client.get("/api/search?q=how+do+I+get+senior+executives+to+buy+in").get_json()
    unanswered = client.get("/api/search", query_string={"q": NONSENSE}).get_json()
    assert answered["answer"] is not None and unanswered["answer"] is None and unanswered["results"]  # results, but no card
    assert client.get("/api/search?q=how+do+I+get+senior+executives+to+buy+in&answer=0").status_code == 200
    app.extensions["clout_recorder"].flush()
    db = sqlite3.connect(data / "analytics.db")
    assert db.execute("SELECT query, answered FROM searches ORDER BY rowid").fetchall() == [
        ("old search", 0), ("how do I get senior executives to buy in", 1), (NONSENSE, 0),
        ("how do I get senior executives to buy in", 0)]
    assert report(AnalyticsDB(data / "analytics.db"), time.time() - 86400, str)["totals"]["answered"] == 1


@pytest.mark.slow
def test_clout_eval_prints_the_card_figures_for_each_half(search_data):
    from search_corpus import QUERIES

    result = clout("eval", str(QUERIES), data_dir=search_data)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("answer card"))
    assert lines[header].split()[2:] == ["tune", "held-out", "all"]
    assert [line.split()[0] for line in lines[header + 1 : header + 6]] == [
        "coverage", "precision", "no_correct_quote", "moments_found", "pairs_found"]
    coverage = float(lines[header + 1].split()[-1])
    assert 0.5 <= coverage <= 1.0, result.stdout
    payload = json.loads(clout("eval", "--json", "--half", "tune", str(QUERIES), data_dir=search_data).stdout)
    assert [c["half"] for c in payload["card"]] == ["tune", "all"] and payload["card"][0]["queries"] >= 10
    assert "card" not in json.loads(clout("eval", "--json", "--no-card", str(QUERIES), data_dir=search_data).stdout)
