"""Search on the search test corpus: hostile queries, quoted phrases, filters, grouping, duplicates, safe highlights."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import clout

HOSTILE = [
    '"unbalanced', 'NEAR(a b', "col:umn * -", "AND OR NOT", "*", '"', '""', "-", "NEAR", "title:", "^start",
    "'; DROP TABLE chunks; --", "a" * 5000, "emotional signature " * 300, "ünïcødé ☃ 数字", "\x00\x01", "   ",
    '"emotional" AND "signature" NOT budget', "cust* -experience", "(", ")", "{x}", "NEAR/3 boss",
]


@pytest.fixture(scope="module")
def kb(search_data):
    from clout.index.kb import KnowledgeBase

    return KnowledgeBase(search_data, readonly=True)


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "semantic"])
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(kb, query, mode):
    from clout.index.search import facets, search

    hits = search(kb, query, k=5, mode=mode)
    assert isinstance(hits, list) and len({h.doc_id for h in hits}) == len(hits)
    assert isinstance(facets(kb, query, mode=mode), dict)


def test_quoted_phrase_is_exact(kb):
    from clout.index.search import search

    hits = search(kb, '"emotional signature"', k=10)
    assert hits and all("emotional signature" in h.text.lower() for h in hits)
    assert search(kb, '"signature emotional"', k=10) == []
    # A phrase narrows what the other words find; the words still rank inside it.
    assert all("emotional signature" in h.text.lower() for h in search(kb, 'numbers "emotional signature"', k=10))


def test_paraphrase_finds_the_answer(kb):
    from clout.index.search import search

    top = search(kb, "how do I persuade a finance director who only listens to figures", k=3)
    assert "03-senior-management-buy-in" in " ".join(h.source for h in top)


def test_filters(kb):
    from clout.index.search import Filters, SearchError, search

    query = "customer experience at work"
    episodes = search(kb, query, k=20, filters=Filters(kind="episode"))
    assert episodes and {h.kind for h in episodes} == {"episode"}
    assert {h.site for h in search(kb, query, k=20, filters=Filters(site="metrics weekly"))} == {"Metrics Weekly"}
    assert {h.author for h in search(kb, query, k=20, filters=Filters(author="shaw"))} == {"Colin Shaw"}
    dated = search(kb, query, k=20, filters=Filters(date_from="2017", date_to="2017-12"))
    assert dated and all(h.date.startswith("2017") for h in dated)
    assert search(kb, query, k=20, filters=Filters(date_from="2030")) == []
    assert Filters.from_params({"show": "Leaderonomics Radio", "from": "2017-10-01"}) == Filters(
        site="Leaderonomics Radio", date_from="2017-10-01")
    with pytest.raises(SearchError, match="not 'last week'"):
        Filters(date_from="last week")
    with pytest.raises(SearchError, match="unknown search mode"):
        search(kb, query, mode="fuzzy")


def test_one_passage_per_document_and_more_from_it(kb):
    from clout.index.search import more_from_document, search

    hits = search(kb, "customer experience", k=20)
    assert len({h.doc_id for h in hits}) == len(hits) > 5
    busy = next(h for h in hits if h.more)
    more = more_from_document(kb, "customer experience", busy.doc_id, k=10)
    assert more[0].chunk_id == busy.chunk_id and len(more) > 1
    assert {h.doc_id for h in more} == {busy.doc_id} and len({h.chunk_id for h in more}) == len(more)


def test_pages_do_not_overlap(kb):
    from clout.index.search import search

    whole = [h.doc_id for h in search(kb, "colleagues and stakeholders", k=6)]
    first = [h.doc_id for h in search(kb, "colleagues and stakeholders", k=3)]
    second = [h.doc_id for h in search(kb, "colleagues and stakeholders", k=3, offset=3)]
    assert first + second == whole


def test_recorded_duplicate_never_appears(kb):
    from clout.index.search import search

    duplicate = next(d.source for d in kb.store.documents() if d.duplicate_of is not None)
    assert duplicate.endswith("02-help-when-you-have-no-clout.txt")
    for query in ("Pierre Trudeau parliamentary intern", "help you when you have no clout", '"Net Promoter Scores"'):
        for mode in ("hybrid", "lexical", "semantic"):
            sources = [h.source for h in search(kb, query, k=20, mode=mode)]
            assert duplicate not in sources and any(s.endswith("01-how-to-win-internal-support.txt") for s in sources)


def test_facets_count_other_filters_only(kb):
    from clout.index.search import Filters, facets

    both = facets(kb, "stakeholder groups", mode="lexical")
    assert set(both["kind"]) == {"article", "episode"} and both["site"]
    narrowed = facets(kb, "stakeholder groups", mode="lexical", filters=Filters(kind="episode"))
    assert narrowed["kind"] == both["kind"]  # its own filter does not shrink it
    assert set(narrowed["site"]) <= {"Leaderonomics Radio", "The Customer Conversation"}


def test_episode_hits_carry_start_and_show(kb):
    from clout.index.search import Filters, search

    hit = search(kb, "draw a circle for every team you deal with", k=1, filters=Filters(kind="episode"))[0]
    assert hit.kind == "episode" and hit.site == "Leaderonomics Radio"
    assert hit.start is not None and hit.end > hit.start and "circle" in hit.text


def test_highlight_is_escaped_markup():
    from clout.index.highlight import highlight, snippet

    marked = highlight('<script>alert("x")</script> Executives & <b>buy-in</b> &amp;', ["executive", "buy", "amp", "script"])
    assert "<script>" not in marked and "<b>" not in marked
    assert marked.count("<mark>") == 5  # script, Executives, buy, script, amp (the word, not the entity)
    assert "&lt;<mark>script</mark>&gt;" in marked and "&amp;<mark>amp</mark>;" in marked
    text = "First sentence here. " * 20 + "The emotional signature pays back. " + "Filler words follow. " * 20
    assert "emotional signature" in snippet(text, ["emotional", "signature"], 200)


def test_hostile_document_is_escaped_in_results(data_dir):
    from clout.index.kb import KnowledgeBase
    from clout.index.search import search
    from clout.document import Document

    kb = KnowledgeBase(data_dir)
    with kb.writing():
        kb.add(Document(source="evil.html", title="<img src=x onerror=alert(1)>",
                        text='Executive <script>alert("buy-in")</script> sponsorship wins budgets & hearts.'))
    hit = search(kb, "executive sponsorship <script>", k=1)[0]
    assert "<script" not in hit.highlight and "&lt;<mark>script</mark>&gt;" in hit.highlight
    assert "<mark>Executive</mark>" in hit.highlight and "<mark>sponsorship</mark>" in hit.highlight


def test_cli_search_modes_filters_and_json(search_data):
    payload = json.loads(clout("search", "--json", "--kind", "episode", "--mode", "semantic", "-k", "5",
                               "boardroom", data_dir=search_data).stdout)
    assert payload["query"] == "boardroom" and payload["results"]
    for result in payload["results"]:
        assert result["kind"] == "episode"
        assert {"doc_id", "title", "kind", "source", "url", "text", "snippet", "start", "end", "score",
                "highlight"} <= set(result)
    plain = clout("search", "--site", "Slow Kitchen", "sourdough starter", data_dir=search_data)
    assert plain.exit_code == 0 and "Keeping a Sourdough Starter Alive" in plain.stdout
    bad = clout("search", "--until", "soon", "anything", data_dir=search_data)
    assert bad.exit_code != 0 and "date_to must be a date" in bad.output


@pytest.mark.slow
def test_query_vectors_from_onnx_match_torch(tmp_path):
    from clout.index.embed import Embedder

    embedder = Embedder(cache_dir=str(tmp_path))
    assert embedder.query_encoder() is not None, embedder.query_notice
    assert list(tmp_path.glob("query-encoder-*.onnx"))
    queries = ["my CFO only cares about numbers", "emotional signature", "x" * 1500]
    onnx = np.vstack([embedder.query_encoder().encode(q) for q in queries])
    torch = embedder.encode(queries)
    assert np.min(np.sum(onnx * torch, axis=1)) >= 0.999
    assert embedder.encode_query("emotional signature") is embedder.encode_query("emotional signature")  # cached


@pytest.mark.slow
def test_sentence_vectors_are_the_models_and_are_kept_within_the_cache_bound(tmp_path, monkeypatch):
    """Choosing an episode's moment embeds its sentences; they are cached between searches, boundedly."""
    from clout.index import embed as embed_module
    from clout.index.embed import Embedder

    embedder = Embedder(cache_dir=str(tmp_path))
    texts = ["Get a sponsor first.", "Numbers win the CFO.", "Get a sponsor first.", "Map the stakeholders."]
    cached = embedder.encode_sentences(texts)
    assert cached.shape == (4, 384) and np.allclose(cached, embedder.encode(texts), atol=1e-5)
    assert np.array_equal(cached[0], cached[2])
    monkeypatch.setattr(embedder, "encode", lambda texts: pytest.fail(f"encoded again: {texts}"))
    again = embedder.encode_sentences(["Numbers win the CFO."])  # from the cache: the model is not asked
    assert np.array_equal(again[0], cached[1])
    monkeypatch.undo()
    monkeypatch.setattr(embed_module, "SENTENCE_CACHE", 2)
    embedder.encode_sentences(["one more sentence", "and another"])
    assert len(embedder._sentences) == 2 and "Get a sponsor first." not in embedder._sentences
    assert embedder.encode_sentences([]).shape == (0, 384)


def test_a_large_collection_keeps_the_rarest_query_words_within_the_match_budget(kb, monkeypatch):
    """In a large collection, lexical search keeps the query's rarest words while together they match at
    most the budget, in the order they were typed; the commonest words are left to the vector side.
    The thresholds are lowered so this real (small) collection counts as large."""
    from clout.index import search as search_module
    from clout.index.query import parse
    from clout.index.search import lexical, selective

    query = parse("customer executive emotional signature")
    every = lambda w: set(lexical(kb, parse(w), limit=100_000))  # noqa: E731
    matches = {w: every(w) for w in query.words}
    counts = {w: len(m) for w, m in matches.items()}
    rarest = sorted(query.words, key=counts.get)
    assert counts[rarest[0]] >= 1 and counts[rarest[0]] < counts[rarest[-1]], counts
    assert selective(kb, query) == query  # small collection: nothing pruned

    budget = sum(counts[w] for w in rarest[:2])  # room for the two rarest words, not for a third
    assert budget + counts[rarest[2]] > budget
    monkeypatch.setattr(search_module, "LARGE_COLLECTION", 1)
    monkeypatch.setattr(search_module, "MATCH_SHARE", budget / kb.vectors.count)
    pruned = selective(kb, query)
    assert pruned.words == tuple(w for w in query.words if w in rarest[:2]), (counts, pruned.words)
    assert sum(counts[w] for w in pruned.words) <= budget
    assert (pruned.text, pruned.phrases) == (query.text, query.phrases)  # the vector side still reads it all
    found = lexical(kb, query, limit=100_000)
    assert found and set(found) <= matches[rarest[0]] | matches[rarest[1]]

    monkeypatch.setattr(search_module, "MATCH_SHARE", 0.1 / kb.vectors.count)
    if set.intersection(*matches.values()):  # a passage holds every word: they are all required
        assert selective(kb, query).every
    else:
        assert selective(kb, query).words == (rarest[0],)  # the rarest word is kept even over the budget


def test_when_every_query_word_is_past_the_match_budget_passages_must_hold_them_all(data_dir, monkeypatch):
    """When each word alone matches more passages than the budget (a question of common words in a
    large collection), BM25 scores only the passages holding every word, not every passage holding
    the rarest; if no passage holds them all, the rarest word is kept alone, as before. The
    thresholds are lowered so this real (small) collection counts as large."""
    from clout.document import Document
    from clout.index import search as search_module
    from clout.index.kb import KnowledgeBase
    from clout.index.query import parse
    from clout.index.search import lexical, search, selective, too_common

    kb = KnowledgeBase(data_dir)
    with kb.writing():
        kb.add(Document(source="both.md", title="Both", text="Team leaders share the customer story at every review."))
        for i in range(3):
            kb.add(Document(source=f"team{i}.md", title=f"Team {i}", text=f"Team note {i}: the team met on day {i}."))
            kb.add(Document(source=f"story{i}.md", title=f"Story {i}", text=f"Story {i}: a story told on day {i}."))
    monkeypatch.setattr(search_module, "LARGE_COLLECTION", 1)
    monkeypatch.setattr(search_module, "MATCH_BUDGET", 2)
    monkeypatch.setattr(search_module, "MATCH_SHARE", 1.0)
    title_of = {d.id: d.title for d in kb.store.documents()}
    titles = lambda q: [title_of[kb.store.chunks([c])[c].document_id] for c in lexical(kb, q)]  # noqa: E731

    query = parse("team story")
    assert {w: kb.store.passages_with(w) for w in query.words} == {"team": 4, "story": 4}  # each past 2
    required = selective(kb, query)
    assert required.every and required.words == query.words
    assert required.match_expression() == '"team" AND "story"'
    assert titles(query) == ["Both"]
    assert [h.title for h in search(kb, query.text, mode="lexical")] == ["Both"]
    assert search(kb, query.text)[0].title == "Both"  # hybrid: the vector side still adds the rest

    apart = parse("team told")  # "told" is in three passages, none of them with "team"
    kept = selective(kb, apart)
    assert not kept.every and kept.words == ("told",)
    assert sorted(titles(apart)) == ["Story 0", "Story 1", "Story 2"]

    # Words each past the budget, hybrid leaves to the vector side: a lone common word, or common
    # words, held together or not. Lexical mode still ranks them by BM25.
    assert too_common(kb, query) and too_common(kb, apart) and too_common(kb, parse("team"))
    assert not too_common(kb, parse("team leaders"))  # "leaders" is within the budget
    monkeypatch.setattr(search_module, "MATCH_BUDGET", 10)
    assert not too_common(kb, parse("team"))
    monkeypatch.setattr(search_module, "MATCH_BUDGET", 2)
    calls = []
    monkeypatch.setattr(kb.store, "match_scored", lambda *a, **k: calls.append(a) or [])
    hits = search(kb, "team")
    assert not calls and {h.title for h in hits} >= {"Team 0", "Team 1", "Team 2"}  # from the vectors alone
    search(kb, "team", mode="lexical")
    assert calls


def test_lexical_mode_weighs_what_the_shortcut_dropped_by_the_query_words_each_passage_holds(data_dir, monkeypatch):
    """Once the large-collection shortcut keeps only the rarest word, BM25 alone ranks a passage that
    repeats it above one holding every word of the question; lexical mode weighs each candidate by the
    share of all the query's words it holds (as hybrid does), so the one holding them all comes first.
    The thresholds are lowered so this real (small) collection counts as large."""
    from clout.document import Document
    from clout.index import search as search_module
    from clout.index.kb import KnowledgeBase
    from clout.index.query import parse
    from clout.index.search import lexical, search, selective

    kb = KnowledgeBase(data_dir)
    with kb.writing():
        kb.add(Document(source="repeats.md", title="Repeats", text="Zebra stripes: the zebra is a striped horse of "
                                                                   "Africa, and no two zebras carry the same pattern of stripes."))
        kb.add(Document(source="holds.md", title="Holds all",
                        text="A zebra grazes the long grass of the savanna and walks a day to find water, "
                             "following the herd it was born in across the plains."))
        for i in range(2):
            kb.add(Document(source=f"common{i}.md", title=f"Common {i}",
                            text=f"Grass needs water. Field {i} of grass was given water on day {i} of the dry season."))
        for i, topic in enumerate(["budgets", "sponsors", "roadmaps", "hiring", "pricing", "surveys", "churn", "onboarding"]):
            kb.add(Document(source=f"other{i}.md", title=f"Other {i}", text=f"A note on {topic} for the quarterly review."))
    query = parse("zebra grass water")
    titles = [h.title for h in search(kb, query.text, mode="lexical")]
    assert titles.index("Holds all") < titles.index("Repeats")  # with every word, BM25 ranks them so

    monkeypatch.setattr(search_module, "LARGE_COLLECTION", 1)
    monkeypatch.setattr(search_module, "MATCH_BUDGET", 2)
    monkeypatch.setattr(search_module, "MATCH_SHARE", 1.0)
    assert selective(kb, query).words == ("zebra",)
    by_bm25 = [kb.store.chunks([c])[c].document_id for c in lexical(kb, query)]
    title_of = {d.id: d.title for d in kb.store.documents()}
    assert [title_of[d] for d in by_bm25] == ["Repeats", "Holds all"]  # BM25 over "zebra" alone
    hits = search(kb, query.text, mode="lexical")
    assert [h.title for h in hits] == ["Holds all", "Repeats"]
    kb.close()


POLICY_TEXT = ("Our travel policies changed last year. Organizations that publish a policy early win support; "
               "the café team running the pilot proved it. Generalization helps nobody.")


def test_highlight_marks_what_the_full_text_index_matched(data_dir):
    """Highlighting stems as FTS5 does ("policy" finds "policies" and now also marks it): for each query
    word, the store finds the passage exactly when the highlight marks a word in it."""
    from clout.document import Document
    from clout.index.kb import KnowledgeBase
    from conftest import make_app

    kb = KnowledgeBase(data_dir)
    with kb.writing():
        kb.add(Document(source="policies.md", title="Travel rules", text=POLICY_TEXT))
    kb.store.close()
    client = make_app(data_dir).test_client()
    result = client.get("/api/search", query_string={"q": "policy", "mode": "lexical"}).get_json()["results"][0]
    assert "<mark>policies</mark>" in result["highlight"] and "<mark>policy</mark>" in result["highlight"]
    reader = KnowledgeBase(data_dir, readonly=True)
    for word in ["policy", "policies", "organization", "organize", "runs", "run", "cafe", "café", "general",
                 "generalize", "change", "team", "teams", "publishing", "public", "nobody", "support"]:
        found = reader.store.passages_with(word) > 0
        results = client.get("/api/search", query_string={"q": word, "mode": "lexical"}).get_json()["results"]
        assert found == bool(results), word
        assert found == ("<mark>" in (results[0]["highlight"] if results else "")), word


def test_hybrid_queries_at_once_from_many_threads_find_what_each_finds_alone(kb):
    """Hybrid search embeds and searches the vector index on its own threads beside BM25: requests on
    a server's threads at the same time each get their own results, as they get them one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from clout.index.search import search

    queries = ["emotional signature", "executive buy-in", "cheap paper mockups to test a design",
               "stakeholder mapping", "customer service", "Bloom Energy", "persuade colleagues", "budget"]

    def shown(q):
        return [(h.doc_id, h.chunk_id, round(h.score, 9), h.snippet) for h in search(kb, q, k=5)]

    alone = {q: shown(q) for q in queries}
    assert all(alone.values()) and len({tuple(v) for v in alone.values()}) > 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(shown, queries * 4))
    assert together == [alone[q] for q in queries * 4]


def test_a_query_requiring_every_word_still_lets_an_acronym_match_as_its_spelling():
    """`Query.every` (the large-collection shortcut's fallback) joins the words with AND; a typed
    acronym the collection spells out matches either way, as it does in the any-word expression."""
    from dataclasses import replace

    from clout.index.query import Query

    query = Query(text="nps survey", words=("nps", "survey"), phrases=(), expansions=(("nps", ("net", "promoter", "score")),))
    assert query.match_expression() == '"nps" OR "survey" OR "net promoter score"'
    assert replace(query, every=True).match_expression() == '("nps" OR "net promoter score") AND "survey"'
