"""Search: lexical (FTS5/BM25) and semantic (FAISS) candidates fused by reciprocal rank, as Hits."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass


CANDIDATES = 50
RRF_K = 60
MAX_K = 100
SNIPPET_CHARS = 320

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    doc_id: int
    title: str
    kind: str
    source: str
    url: str
    text: str
    snippet: str
    start: float | None
    end: float | None
    score: float
    chunk_id: int = 0
    author: str = ""
    date: str = ""
    site: str = ""
    audio_url: str = ""

    def to_json(self) -> dict:
        out = asdict(self)
        out["score"] = round(float(self.score), 6)
        return out


def fts_query(query: str) -> str:
    """An FTS5 expression that matches any of the query's words; never a syntax error."""
    words = [w for w in _WORD.findall(query.lower()) if w not in {"and", "or", "not", "near"}]
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words))


def lexical(kb, query: str, limit: int = CANDIDATES) -> list[int]:
    expression = fts_query(query)
    if not expression:
        return []
    rows = kb.store.db.execute(
        "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?",
        (expression, limit),
    ).fetchall()
    return [r[0] for r in rows]


def semantic(kb, query: str, limit: int = CANDIDATES) -> list[int]:
    if not query.strip():
        return []
    _, ids = kb.vectors.search(kb.embedder.encode_query(query), limit)
    return [int(i) for i in ids]


def fuse(rankings: list[list[int]], weights: list[float] | None = None, k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: each list adds weight / (k + rank) to the items it ranks."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def snippet(text: str, query: str, limit: int = SNIPPET_CHARS) -> str:
    """The passage trimmed around the sentence that shares most words with the query."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    terms = {w for w in _WORD.findall(query.lower()) if len(w) > 2}
    sentences = [m for m in re.finditer(r"[^.!?\n]+[.!?]*", text)]
    best = max(sentences, key=lambda m: len(terms & set(_WORD.findall(m.group().lower()))), default=None)
    start = best.start() if best else 0
    start = max(0, min(start, len(text) - limit))
    piece = text[start : start + limit]
    if start + limit < len(text):
        piece = piece[: piece.rfind(" ")] + " …" if " " in piece else piece + "…"
    return ("… " if start > 0 else "") + piece.strip()


def search(kb, query: str, k: int = 10, mode: str = "hybrid") -> list[Hit]:
    """The best passage of each of the k best documents for the query."""
    query = (query or "").strip()
    k = max(1, min(int(k), MAX_K))
    if not query:
        return []
    kb.refresh()
    rankings = []
    if mode in ("hybrid", "lexical"):
        rankings.append(lexical(kb, query))
    if mode in ("hybrid", "semantic"):
        rankings.append(semantic(kb, query))
    scores = fuse(rankings)
    ordered = sorted(scores, key=scores.get, reverse=True)
    chunks = kb.store.chunks(ordered)
    hits: list[Hit] = []
    seen: set[int] = set()
    for chunk_id in ordered:
        chunk = chunks.get(chunk_id)
        if chunk is None or chunk.document_id in seen:  # a vector with no row is never returned
            continue
        doc = kb.store.document(chunk.document_id)
        if doc is None:
            continue
        seen.add(chunk.document_id)
        start = chunk.start
        if doc["kind"] == "episode" and chunk.start is not None:
            start = _moment(kb, chunk, query, start)
        hits.append(
            Hit(
                doc_id=doc["id"], title=doc["title"], kind=doc["kind"], source=doc["source"], url=doc["url"],
                text=chunk.text, snippet=snippet(chunk.text, query), start=start, end=chunk.end,
                score=scores[chunk_id], chunk_id=chunk_id, author=doc["author"], date=doc["date"], site=doc["site"],
                audio_url=doc["audio_url"],
            )
        )
        if len(hits) >= k:
            break
    return hits


def _moment(kb, chunk, query: str, default: float | None) -> float | None:
    """The second to play an episode passage from: where its best-matching sentence begins."""
    from .moments import best_start

    inside = [s for s in kb.store.segments(chunk.document_id) if s[1] > chunk.start and s[0] < chunk.end]
    moment = best_start(inside, query, kb.embedder.encode_query(query), kb.embedder.encode)
    return default if moment is None else moment


def results_json(query: str, hits: list[Hit]) -> dict:
    """The shape `clout search --json` prints and `/api/search` returns."""
    return {"query": query, "results": [h.to_json() for h in hits]}


__all__ = ["Hit", "search", "results_json", "fuse", "fts_query", "snippet"]
