"""The vector index picks its structure by size, keeps recall against exact search, and keys by chunk id."""
from __future__ import annotations

import json

import numpy as np
import pytest

import clout.index.vectors as vectors
from clout.index.kb import KnowledgeBase
from clout.index.vectors import EXACT_LIMIT, SIDECAR_FILE, VectorIndex

DIM = 384


def topical_vectors(rng, n: int, topics: np.ndarray) -> np.ndarray:
    """Synthetic embeddings with the shape real ones have: each a blend of two topics plus noise."""
    a, b = topics[rng.integers(0, len(topics), n)], topics[rng.integers(0, len(topics), n)]
    x = a + 0.6 * b + 0.08 * rng.standard_normal((n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def batches_of(ids, x, size=10_000):
    return lambda: ((ids[i : i + size], x[i : i + size]) for i in range(0, len(ids), size))


@pytest.fixture(scope="module")
def collection():
    rng = np.random.default_rng(42)
    topics = rng.standard_normal((300, DIM)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    n = EXACT_LIMIT + 10_000
    x = topical_vectors(rng, n, topics)
    ids = np.arange(n, dtype=np.int64) * 3 + 7  # chunk ids are sparse, never positions
    return ids, x, topical_vectors(rng, 200, topics)


def test_small_collections_are_searched_exactly():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, DIM)).astype(np.float32)
    index = VectorIndex.build(DIM, batches_of(np.arange(500) + 100, x), 500)
    assert index.kind == "exact" and not index.needs_rebuild()
    _, ids = index.search(x[17], 3)
    assert ids[0] == 117


def test_large_collection_gets_ivf_with_recall_at_10_of_at_least_095(collection, tmp_path):
    ids, x, queries = collection
    exact = VectorIndex(DIM)
    exact.add(ids, x)
    assert exact.needs_rebuild()  # past the limit, the exact index says it should be rebuilt
    approx = VectorIndex.build(DIM, batches_of(ids, x), len(ids))
    assert approx.kind.startswith("ivf") and not approx.needs_rebuild()
    recall = np.mean([len(set(approx.search(q, 10)[1]) & set(exact.search(q, 10)[1])) / 10 for q in queries])
    assert recall >= 0.95, recall
    assert approx.index.code_size == DIM  # 8-bit codes: a quarter of float32

    # Saved and loaded whole, with the same answers and the same id set.
    approx.save(tmp_path, generation=5, model="m")
    loaded, info = VectorIndex.load(tmp_path, DIM)
    assert info["structure"] == approx.kind and info["count"] == len(ids)
    assert np.array_equal(np.sort(loaded.ids()), np.sort(ids))
    assert np.array_equal(loaded.search(queries[0], 10)[1], approx.search(queries[0], 10)[1])

    # Removing by chunk id takes exactly those vectors out.
    gone = ids[:100]
    loaded.remove(gone)
    assert loaded.count == len(ids) - 100
    assert not set(gone) & set(loaded.ids().tolist())
    assert loaded.search(x[0], 1)[1][0] != ids[0]


def test_ivf_shrinks_back_to_exact_and_grows_retrains():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4_000, DIM)).astype(np.float32)
    ids = np.arange(4_000)
    original = vectors.EXACT_LIMIT
    vectors.EXACT_LIMIT = 1_000
    try:
        index = VectorIndex.build(DIM, batches_of(ids, x), 4_000)
        assert index.kind.startswith("ivf") and not index.needs_rebuild()
        extra = rng.standard_normal((40_000, DIM)).astype(np.float32)
        index.add(np.arange(10_000, 50_000), extra)
        assert index.needs_rebuild()  # four times the size: its lists are too long now
        index.remove(np.arange(10_000, 50_000))
        index.remove(ids[:3_700])
        assert index.needs_rebuild()  # down to 300: an exact scan is better again
    finally:
        vectors.EXACT_LIMIT = original


def test_knowledge_base_switches_structure_and_keeps_answers(corpus_copy, monkeypatch):
    kb = KnowledgeBase(corpus_copy)
    query = kb.embedder.encode_query("getting senior executives to buy in")
    expected = kb.vectors.search(query, 1)[1][0]
    count = kb.vectors.count
    kb.store.close()
    monkeypatch.setattr(vectors, "EXACT_LIMIT", count // 2)  # pretend the corpus is large
    kb = KnowledgeBase(corpus_copy)
    assert kb.vectors.kind == "exact"
    with kb.writing():
        kb.mirror.dirty = True  # a batch that added nothing still saves, and the save restructures
    assert kb.vectors.kind.startswith("ivf")
    assert any("rebuilt as ivf" in n for n in kb.notices)
    assert json.loads((corpus_copy / SIDECAR_FILE).read_text())["structure"].startswith("ivf")
    reopened = KnowledgeBase(corpus_copy, readonly=True)
    assert reopened.vectors.kind.startswith("ivf") and reopened.check()["consistent"]
    assert expected in reopened.vectors.search(query, 5)[1]
