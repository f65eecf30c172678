"""Indexing work done apart from storing (index/prepare.py), as a Ray worker does it: the same store either way."""
from __future__ import annotations

import numpy as np

from clout.document import Document


def doc(source: str, text: str) -> Document:
    return Document(source=source, text=text, title="On sponsors")


def stored(kb) -> list[str]:
    return [c.text for c in kb.store.chunks([int(i) for i in kb.store.chunk_ids()]).values()]


TEXT = ("The sponsor decides what the programme needs. " * 30).strip()


def test_work_prepared_elsewhere_stores_what_adding_alone_stores(tmp_path):
    from clout.index.kb import KnowledgeBase
    from clout.index.prepare import prepare

    alone, given = KnowledgeBase(tmp_path / "a"), KnowledgeBase(tmp_path / "b")
    a = alone.add(doc("memo.txt", TEXT))
    prepared = prepare(doc("memo.txt", TEXT), given.embedder)
    b = given.add(doc("memo.txt", TEXT), prepared)
    assert (a.status, a.chunks) == (b.status, b.chunks) == ("added", len(prepared.chunks))
    ca, cb = stored(alone), stored(given)
    assert ca and ca == cb
    query = alone.embedder.encode_query("what does the sponsor decide")
    (sa, ia), (sb, ib) = alone.vectors.search(query, 5), given.vectors.search(query, 5)
    assert list(ia) == list(ib) and np.allclose(sa, sb)
    alone.close(), given.close()


def test_work_prepared_for_other_text_is_not_used(tmp_path):
    from clout.index.kb import KnowledgeBase
    from clout.index.prepare import prepare

    kb = KnowledgeBase(tmp_path / "kb")
    stale = prepare(doc("memo.txt", "An older draft about budgets and nothing else."), kb.embedder)
    kb.add(doc("memo.txt", TEXT), stale)
    texts = stored(kb)
    assert texts and all("sponsor decides" in t for t in texts)
    kb.close()
