"""Sentence vectors stored at ingest (index/sentences.py, index/store/sentences.py): what search scores a
passage's sentences with, without running the model; old stores upgraded; removed with their documents."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from clout.document import Document
from search_corpus import EPISODES, episode

# The answer ("a sponsor ... the money") shares no word with the question below but "budget"; the
# sentence sharing most of its words is another one, about the steering group.
ARTICLE = (
    "Every programme has a steering group that meets once a month. The steering group reads the status "
    "report and asks who owns each risk in the programme plan. "
    "Most programmes stall in their second quarter, when the first results are slow to arrive and the "
    "people who started them have moved on to other work. "
    "What keeps a programme alive is one senior sponsor who controls the money and defends it when cuts "
    "come. Without that person the work is the first thing cut when the budget tightens. "
    "Teams also keep a decision log, so that newcomers can see why the plan looks the way it does, and "
    "they review it whenever the group changes."
)
QUESTION = "who protects the programme budget"
ANSWER = "one senior sponsor who controls the money"


def no_model(texts, *args, **kwargs):
    raise AssertionError(f"the model was asked to embed {texts[:2]}")


@pytest.fixture
def kb(tmp_path):
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(tmp_path / "data")
    with kb.writing():
        kb.add(Document(source="memo.txt", text=ARTICLE, title="Programmes"))
        kb.add(episode(sorted(EPISODES.glob("*.json"))[0]))
    yield kb
    kb.close()


def passage_texts(kb, doc_id: int) -> list[str]:
    from clout.index.sentences import passage_sentences, segments_inside, with_pairs

    doc = kb.store.document(doc_id)
    out = []
    for chunk in kb.store.document_chunks(doc_id):
        out += passage_sentences(chunk.text)
        if doc.kind == "episode":
            out += with_pairs([s.text for s in segments_inside(doc.segments, chunk.start, chunk.end)])
    return out


def test_search_scores_stored_sentence_vectors_without_the_model(kb, monkeypatch):
    from clout.index.search import search

    episode_id = next(d for d, s, _ in kb.store.document_sources() if s.startswith("tests/data/episodes/"))
    texts = passage_texts(kb, episode_id) + passage_texts(kb, 1)
    models = kb.embedder.encode(texts)
    before = [(h.doc_id, h.start, h.snippet) for h in search(kb, QUESTION, k=5)]  # also caches the query's vector
    kb.embedder.forget_sentences()
    monkeypatch.setattr(kb.embedder, "encode", no_model)
    stored = kb.embedder.encode_sentences(texts)  # every one from the store
    assert stored.shape == models.shape and np.abs(stored - models).max() < 2e-3  # float16 of the model's
    after = [(h.doc_id, h.start, h.snippet) for h in search(kb, QUESTION, k=5)]
    assert after == before and any(start is not None for _, start, _ in after)  # the episode's moment too
    with pytest.raises(AssertionError, match="asked to embed"):
        kb.embedder.encode_sentences(["A sentence no passage holds."])  # the model is the fallback


def test_the_snippet_holds_the_sentence_that_answers(kb):
    from clout.index.highlight import snippet
    from clout.index.query import parse
    from clout.index.search import search

    hit = search(kb, QUESTION, k=1)[0]
    assert hit.source.endswith("memo.txt") and len(hit.text) > 320
    assert ANSWER in hit.snippet
    assert ANSWER not in snippet(hit.text, parse(QUESTION).terms)  # what shared words alone would show


def test_an_old_store_is_upgraded_searched_and_filled(tmp_path):
    from clout.index.kb import DB_FILE, KnowledgeBase
    from clout.index.search import search

    kb = KnowledgeBase(tmp_path / "data")
    with kb.writing():
        kb.add(Document(source="memo.txt", text=ARTICLE, title="Programmes"))
    new = search(kb, QUESTION, k=1)[0].snippet
    kb.close()
    db = sqlite3.connect(tmp_path / "data" / DB_FILE)  # as Clout before schema 4 left it
    db.execute("DROP TABLE sentence_vectors")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.commit()
    db.close()

    old = KnowledgeBase(tmp_path / "data", readonly=True)  # a server on it: upgraded first
    assert old.store.get_meta("schema_version") == "4" and old.store.sentence_count() == 0
    assert search(old, QUESTION, k=1)[0].snippet == new  # the model embeds what is not stored
    old.close()
    writer = KnowledgeBase(tmp_path / "data")
    assert writer.store.documents_without_sentences() == [1]
    assert writer.fill_sentences() == 1 and writer.store.sentence_count(1) == len(set(passage_texts(writer, 1)))
    assert writer.fill_sentences() == 0
    writer.close()


def test_sentence_vectors_go_with_their_document(kb):
    from clout.index.sentences import key

    first = "Every programme has a steering group that meets once a month."
    assert kb.store.sentence_vectors([key(first)])
    shared = Document(source="other.txt", text=first + " It decides nothing on its own, and says so.", title="Groups")
    other = kb.add(shared).doc_id
    kb.add(Document(source="memo.txt", text=ARTICLE.replace("steering group", "board"), title="Programmes"))
    assert kb.store.sentence_count(1) == len(set(passage_texts(kb, 1)))  # replaced, not added to
    assert key(first) in kb.store.sentence_vectors([key(first)])  # still the other document's
    kb.remove("other.txt")
    assert kb.store.sentence_count(other) == 0 and not kb.store.sentence_vectors([key(first)])
    episode_id = next(d for d, s, _ in kb.store.document_sources() if s.startswith("tests/data/episodes/"))
    assert kb.store.sentence_count(episode_id) > 0
    kb.remove(kb.store.document(episode_id, segments=False).source)
    kb.remove("memo.txt")
    assert kb.store.sentence_count() == 0
