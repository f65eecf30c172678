"""Search: lexical (FTS5/BM25) and semantic (FAISS) candidates fused by reciprocal rank, as Hits."""
from __future__ import annotations

import html
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
    highlight: str = ""

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


def search(kb, query: str, k: int = 10, mode: str = "hybrid", filters: "Filters | None" = None, offset: int = 0) -> list[Hit]:
    """The best passage of each of the k best documents for the query (after `offset` of them)."""
    k = max(1, min(int(k), MAX_K))
    hits: list[Hit] = []
    skipped = 0
    for chunk, doc, score in ranked_passages(kb, query, mode):
        if filters and not filters.admits(doc):
            continue
        if skipped < offset:
            skipped += 1
            continue
        text = snippet(chunk.text, query)
        hits.append(
            Hit(
                doc_id=doc["id"], title=doc["title"], kind=doc["kind"], source=doc["source"], url=doc["url"],
                text=chunk.text, snippet=text, start=chunk.start, end=chunk.end,
                score=score, chunk_id=chunk.id, author=doc["author"], date=doc["date"], site=doc["site"],
                audio_url=doc["audio_url"], highlight=highlight(text, query),
            )
        )
        if len(hits) >= k:
            break
    return hits


def ranked_passages(kb, query: str, mode: str = "hybrid"):
    """(chunk, document row, score) for the best passage of each candidate document, best first."""
    query = (query or "").strip()
    if not query:
        return
    kb.refresh()
    rankings = []
    if mode in ("hybrid", "lexical"):
        rankings.append(lexical(kb, query))
    if mode in ("hybrid", "semantic"):
        rankings.append(semantic(kb, query))
    scores = fuse(rankings)
    ordered = sorted(scores, key=scores.get, reverse=True)
    chunks = kb.store.chunks(ordered)
    seen: set[int] = set()
    for chunk_id in ordered:
        chunk = chunks.get(chunk_id)
        if chunk is None or chunk.document_id in seen:  # a vector with no row is never returned
            continue
        doc = kb.store.document(chunk.document_id)
        if doc is None:
            continue
        seen.add(chunk.document_id)
        yield chunk, doc, scores[chunk_id]


def results_json(query: str, hits: list[Hit]) -> dict:
    """The shape `clout search --json` prints and `/api/search` returns."""
    return {"query": query, "results": [h.to_json() for h in hits]}


# -- Added for the web (issue 6); kept apart so the search rewrite can absorb or replace it. --------------

MODES = ("hybrid", "lexical", "semantic")
_HIGHLIGHT_SKIP = {
    "the", "and", "for", "you", "your", "how", "what", "who", "why", "when", "can", "does", "with", "get", "are",
    "not", "our", "this", "that", "from", "have", "will", "they", "them", "into", "about", "there", "their",
}


@dataclass(frozen=True)
class Filters:
    """Which documents a search may return; empty fields admit everything."""

    kind: str = ""
    site: str = ""
    author: str = ""
    date_from: str = ""  # ISO dates compare correctly as strings
    date_to: str = ""

    def admits(self, doc) -> bool:
        return (
            (not self.kind or doc["kind"] == self.kind)
            and (not self.site or doc["site"] == self.site)
            and (not self.author or doc["author"] == self.author)
            and (not self.date_from or (doc["date"] or "") >= self.date_from)
            and (not self.date_to or (doc["date"] or "9999") <= self.date_to)
        )


def facets(kb, query: str, mode: str = "hybrid", filters: Filters | None = None) -> dict[str, dict[str, int]]:
    """How many matching documents each kind and each site/show has; a facet ignores its own filter."""
    filters = filters or Filters()
    counts: dict[str, dict[str, int]] = {"kind": {}, "site": {}}
    for _, doc, _ in ranked_passages(kb, query, mode):
        for facet in counts:
            if Filters(**{**asdict(filters), facet: ""}).admits(doc):
                value = doc[facet] or ""
                if value:
                    counts[facet][value] = counts[facet].get(value, 0) + 1
    return {facet: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for facet, values in counts.items()}


def highlight(passage: str, query: str) -> str:
    """The passage as HTML: every character escaped, <mark> around the query's words (made here, never taken from the source)."""
    terms = {w for w in _WORD.findall(query.lower()) if len(w) > 2 and w not in _HIGHLIGHT_SKIP}
    stems = {t[:5] for t in terms if len(t) > 5}
    out, last = [], 0
    for m in _WORD.finditer(passage):
        word = m.group().lower()
        if word in terms or (len(word) > 5 and word[:5] in stems):
            out.append(html.escape(passage[last : m.start()]))
            out.append(f"<mark>{html.escape(m.group())}</mark>")
            last = m.end()
    out.append(html.escape(passage[last:]))
    return "".join(out)


__all__ = ["Hit", "search", "results_json", "fuse", "fts_query", "snippet", "Filters", "facets", "highlight", "MODES"]
