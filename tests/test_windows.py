"""Passage windows (index/windows.py): a long passage's every sentence is embedded, and semantic search finds its tail."""
from __future__ import annotations

import sqlite3

import numpy as np

from clout.document import Document

# One ~200-word passage (one chunk) whose last two sentences are the only ones about a lighthouse keeper's telescope.
OPENING = " ".join(
    f"Sponsors of programme {n} decide what the budget covers, which teams are consulted first, and how "
    f"the steering group reports progress to the board every quarter." for n in range(1, 8)
)
TAIL = ("The old lighthouse keeper polished his brass telescope every evening. He watched the ships pass "
        "the rocks until the lamp was lit.")
LONG = f"{OPENING} {TAIL}"


def test_windows_cover_the_passage_in_short_runs_of_its_sentences():
    from clout.index.windows import WINDOW_WORDS, window_texts

    assert window_texts("One short passage. Of two sentences.", "Title") == ["Title\nOne short passage. Of two sentences."]
    windows = window_texts(LONG, "Sponsorship")
    assert len(windows) >= 4
    bodies = [w.split("\n", 1)[1] for w in windows]
    assert all(w.startswith("Sponsorship\n") for w in windows)
    assert all(len(b.split()) <= WINDOW_WORDS for b in bodies)
    assert " ".join(bodies).split() == LONG.split()  # every word, in order, cut only at sentence ends
    assert bodies[-1].endswith("until the lamp was lit.")


def test_a_long_passages_tail_is_found_by_meaning(tmp_path):
    from clout.index.kb import KnowledgeBase
    from clout.index.search import search

    kb = KnowledgeBase(tmp_path / "data")
    with kb.writing():
        kb.add(Document(source="long.md", text=LONG, title="Sponsorship"))
        kb.add(Document(source="ships.md", text="Harbour pilots guide container ships into port at high tide, "
                        "reading the charts and the weather. Tugs push the largest vessels to the quay.", title="Ports"))
        kb.add(Document(source="garden.md", text="Prune roses in late winter, just above an outward-facing bud. "
                        "Feed them in spring and water deeply in dry spells.", title="Roses"))
    [chunk] = kb.store.document_chunks(kb.store.document_by_source("long.md").id)
    windows = kb.store.windows([chunk.id], kb.embedder.dim)[chunk.id]
    assert len(windows) >= 4
    query = "who cleaned a brass spyglass at dusk by the sea"
    vector = kb.embedder.encode_query(query)
    passage_score = float(kb.vectors.search(vector, 3)[0][list(kb.vectors.search(vector, 3)[1]).index(chunk.id)])
    assert float((windows @ vector).max()) > passage_score + 0.1  # the tail, embedded on its own, is far nearer
    hits = search(kb, query, k=3, mode="semantic")
    assert hits[0].source == "long.md", [(h.source, h.score) for h in hits]
    kb.close()


def test_a_store_made_before_windows_is_filled_in_at_the_next_ingest(tmp_path):
    from clout.index.kb import KnowledgeBase
    from clout.index.windows import WINDOWS_METHOD

    data = tmp_path / "data"
    kb = KnowledgeBase(data)
    with kb.writing():
        kb.add(Document(source="long.md", text=LONG, title="Sponsorship"))
    kb.close()
    with sqlite3.connect(data / "clout.db") as db:  # what an older Clout left: no windows, no method recorded
        db.execute("DELETE FROM chunk_windows")
        db.execute("DELETE FROM meta WHERE key = 'windows'")
    reader = KnowledgeBase(data, readonly=True)
    assert any("clout ingest" in n and "window" in n for n in reader.notices), reader.notices
    reader.close()
    kb = KnowledgeBase(data)
    with kb.writing():
        assert kb.fill_windows() == 1
        assert kb.fill_windows() == 0  # recorded: nothing to do the second time
    assert kb.store.get_meta("windows") == WINDOWS_METHOD
    [chunk] = kb.store.document_chunks(kb.store.document_by_source("long.md").id)
    assert len(kb.store.windows([chunk.id], kb.embedder.dim)[chunk.id]) >= 4
    assert KnowledgeBase(data, readonly=True).notices == []
    # Removing the document removes its windows with its passages.
    assert kb.remove("long.md") == 1
    assert kb.store.windows([chunk.id], kb.embedder.dim) == {}
    kb.close()


def test_rescoring_keeps_a_passage_without_windows_at_its_own_score(tmp_path):
    from clout.index.kb import KnowledgeBase
    from clout.index.windows import rescored

    kb = KnowledgeBase(tmp_path / "data")
    vector = np.ones(kb.embedder.dim, np.float32) / np.sqrt(kb.embedder.dim)
    assert rescored(kb.store, vector, [(7, 0.5), (3, 0.6)]) == [(3, 0.6), (7, 0.5)]
    kb.close()
