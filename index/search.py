"""Search: lexical (FTS5/BM25) and semantic (FAISS) passages fused by normalised score, one Hit per document.

The functions other code calls (CLI, `/api/search`, eval, benchmarks):

    search(kb, query, k=5, mode="hybrid", filters=None, offset=0, weights=None) -> list[Hit]
        The best passage of each of the best documents, documents offset..offset+k-1.
    more_from_document(kb, query, doc_id, k=5, mode="hybrid", weights=None) -> list[Hit]
        The document's passages ranked for the query (its best passage first).
    facets(kb, query, mode="hybrid", filters=None) -> {"kind": {value: n}, "site": {value: n}, "speaker": {name: n}}
        How many matching documents each kind, site/show and named speaker has; each count applies the other filters.
    Filters(kind="", site="", author="", date_from="", date_to="", speaker="")   Filters.from_params(mapping)
    results_json(query, hits, **extra) -> {"query", "results": [Hit.to_json()...], **extra}

mode is "hybrid" (default), "lexical" or "semantic" (vocabulary.py decides the modes, kinds and limits);
weights is (lexical, semantic) for the fusion.
Bad filters or mode raise SearchError (a ValueError) with one sentence; any query text is accepted.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

from . import fusion, windows
from .acronyms import expansions, marked
from .filters import Filters
from .highlight import highlight, snippet
from .query import Query, parse
from .vocabulary import DEFAULT_K, DEFAULT_MODE, MAX_K, MAX_OFFSET, MIN_K, MODES, SearchError, check_mode

# Chunks each retriever contributes before fusion; deeper for later pages (see _depth). 100 rather than
# 50: long documents fill the first 50 semantic candidates with their own passages (tuning half, README).
CANDIDATES = 100
MAX_CANDIDATES = 1000
# Hybrid takes half as many lexical candidates as semantic ones (50 of 100 for a first page): each
# lexical candidate is read and weighed by the query words it holds (fusion.covered), ~30 us a
# passage, and on the labelled halves, the padded store and the BEIR sample nDCG@10 moved by at most
# 0.001 from 100 to 50 (30 scored the same on the labelled halves and padded store; BEIR not run at
# 30), while /api/search at 100k took 3 ms less (README "Performance").
HYBRID_LEXICAL_DEPTH = 0.5
RRF_K = 60
# (lexical, semantic) weights of reciprocal rank fusion, used now only by a caller passing weights to a
# single mode; hybrid's mix is fusion.LEXICAL_SHARE unless weights are given (see README "Search").
WEIGHTS = (1.0, 0.7)
# In a large collection BM25 costs in proportion to the passages the query's words match: a word in
# most passages adds little to the ranking but made one query take ~90 ms at 100k chunks. So once
# the collection is large, the rarest words are kept while together they match at most this many
# (and at most this share of the passages). What BM25 costs is the absolute number of rows matched, so
# the share is only a cap for collections just past LARGE_COLLECTION: at 0.05 it kept 1,500 matches at
# 30k passages and cost nDCG@10 0.08 there (scripts/bench_quality_scale.py, README "Quality at scale").
LARGE_COLLECTION = 20_000
MATCH_BUDGET = 10_000
MATCH_SHARE = 0.5
# Threads that embed hybrid queries and search the vector index beside BM25 (see _hybrid): as many
# as `clout serve` may run request threads (clout/cli/serve.py), so no request waits on another's;
# they are started only as requests need them.
_NEAREST = ThreadPoolExecutor(max_workers=64, thread_name_prefix="clout-nearest")


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
    highlight: str = ""  # the snippet as safe HTML: escaped, with <mark> around query words
    more: int = 0  # other passages of this document among the candidates ("more from this document")
    speaker: str = ""  # who speaks at `start` in an episode
    chapter: str = ""  # the episode's chapter playing at `start`

    def to_json(self) -> dict:
        out = asdict(self)
        out["score"] = round(float(self.score), 6)
        return out


@lru_cache(maxsize=8192)
def _passages_with(store, generation: int, word: str, cap: int | None = None) -> int:
    """How many passages hold the word, counted no further than `cap` when given (cached per
    generation: the counts change only when the store does)."""
    return store.passages_with(word, cap)


@lru_cache(maxsize=4096)
def _passages_matching(store, generation: int, expression: str, cap: int) -> int:
    """How many passages match an FTS5 expression, counted no further than `cap` (cached as above)."""
    return store.passages_matching(expression, cap)


def _budget(kb) -> tuple[float, int]:
    """The match budget for this collection, and the count past which a word's passages need not be
    counted: a word in more passages than the budget is kept only when it is the rarest of all, so
    counting stops just past it (a common word's count was most of what choosing cost at 1M passages);
    only when every word is past it are they counted in full, to find the rarest."""
    budget = min(MATCH_BUDGET, MATCH_SHARE * kb.vectors.count)
    return budget, int(budget) + 1


def too_common(kb, query: Query) -> bool:
    """True when, in a large collection, every word of the query alone matches more passages than
    the match budget, so BM25 would still score more than the budget after `selective`: over a lone
    word ("are more important than" is "important" alone, in 100k of 1M passages) or over the passages
    holding every word, which FTS5 finds by walking each word's whole list ("company s open source
    software center": 50-140 ms at 1M). Hybrid then weighs the vector side's candidates by the query
    words each holds instead (see _hybrid)."""
    if kb.vectors.count < LARGE_COLLECTION or not query.words or query.phrases or query.expansions:
        return False
    budget, cap = _budget(kb)
    generation = kb.store.generation
    return all(_passages_with(kb.store, generation, w, cap) > budget for w in query.words)


def selective(kb, query: Query) -> Query:
    """The query's rarest words, within the match budget, once the collection is large; or, when each
    word alone is past the budget, every word required of a passage (`Query.every`)."""
    if kb.vectors.count < LARGE_COLLECTION or len(query.words) < 2:
        return query
    budget, cap = _budget(kb)
    generation = kb.store.generation
    counts = {w: _passages_with(kb.store, generation, w, cap) for w in query.words}
    if all(n > budget for n in counts.values()):
        # Every word alone is past the budget (at 1M, "develop their product management skills",
        # whose rarest word is in 60k passages). The passages holding every word are what
        # `fusion.covered` would rank first anyway, and fewer; only when no passage holds them all is
        # the rarest word kept alone, which takes counting each word in full. (Hybrid does not come
        # here for such a query: see too_common.)
        every = replace(query, every=True)
        if _passages_matching(kb.store, generation, every.match_expression(), 1):
            return every
        counts = {w: _passages_with(kb.store, generation, w) for w in query.words}
    kept, matched = [], 0
    for word in sorted(query.words, key=counts.get):
        if kept and matched + counts[word] > budget:
            break
        kept.append(word)
        matched += counts[word]
    return replace(query, words=tuple(w for w in query.words if w in kept))


def lexical(kb, query: Query, limit: int = CANDIDATES, filters: Filters | None = None, doc_id: int | None = None) -> list[int]:
    """Chunk ids by BM25 (text weighted above title and heading), within the filters and quoted phrases."""
    return [c for c, _ in lexical_scored(kb, query, limit, filters, doc_id)]


def lexical_scored(kb, query: Query, limit: int = CANDIDATES, filters: Filters | None = None,
                   doc_id: int | None = None) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) best first, as `lexical` ranks them."""
    query = selective(kb, query)
    words, phrases = query.match_expression(), query.phrase_expression()
    if query.words:
        expression = f"({words}) AND {phrases}" if phrases else words
    else:
        expression = phrases or words
    if not expression:
        return []
    return kb.store.match_scored(expression, limit, filters, doc_id)


def allowed_chunks(kb, query: Query, filters: Filters | None, doc_id: int | None = None) -> list[int] | None:
    """The chunk ids vector search may return, or None for all of them."""
    filters = filters or Filters()
    if not filters and not query.phrases and doc_id is None:
        return None
    return kb.store.allowed_chunks(filters, doc_id, query.phrase_expression() if query.phrases else "")


def semantic(kb, query: Query, limit: int = CANDIDATES, filters: Filters | None = None, doc_id: int | None = None) -> list[int]:
    """Chunk ids by cosine similarity of the query's embedding, within the filters and quoted phrases."""
    return [c for c, _ in semantic_scored(kb, query, limit, filters, doc_id)]


def semantic_scored(kb, query: Query, limit: int = CANDIDATES, filters: Filters | None = None,
                    doc_id: int | None = None) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity) best first, as `semantic` ranks them: the passage vectors' best
    candidates, each scored by the best of its windows."""
    return _rescored(kb, _nearest(kb, query, limit, allowed_chunks(kb, query, filters, doc_id)))


def _nearest(kb, query: Query, limit: int, only: list[int] | None) -> tuple:
    """(query vector, [(chunk id, cosine)]) from the vector index alone, within `only` as
    `allowed_chunks` gives it: no store read, so it may run on another thread (see _hybrid)."""
    if not query.text or (only is not None and not only):
        return None, []
    vector = kb.embedder.encode_query(query.text)
    scores, ids = kb.vectors.search(vector, limit, only=only)
    return vector, [(int(i), float(s)) for s, i in zip(scores, ids)]


def _rescored(kb, nearest: tuple) -> list[tuple[int, float]]:
    """Second stage: each candidate passage scored by its best ~40-word window (index/windows.py)."""
    vector, scored = nearest
    return windows.rescored(kb.store, vector, scored) if scored else []


def fuse(rankings: list[list[int]], weights: list[float] | tuple | None = None, k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: each list adds weight / (k + rank) to the items it ranks."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def ranked_chunks(kb, query: Query, mode: str = DEFAULT_MODE, filters: Filters | None = None, weights=None,
                  depth: int = CANDIDATES, doc_id: int | None = None) -> list[tuple[int, float]]:
    """(chunk id, fused score), best first: the candidates before grouping by document."""
    return _ranked(kb, query, mode, filters, weights, depth, doc_id)[0]


def _ranked(kb, query: Query, mode: str = DEFAULT_MODE, filters: Filters | None = None, weights=None,
            depth: int = CANDIDATES, doc_id: int | None = None) -> tuple[list[tuple[int, float]], dict]:
    """`ranked_chunks`, and the chunk rows already read on the way ({} when none were): what search
    shows is read from them rather than a second time."""
    check_mode(mode)
    if mode == "hybrid":
        return _hybrid(kb, query, filters, weights, depth, doc_id)
    weights = tuple(weights or WEIGHTS)
    if mode == "lexical":
        scored, rows = _lexical_ranked(kb, query, depth, filters, doc_id)
        ranking, weight = [c for c, _ in scored], weights[0]
    else:
        ranking, weight, rows = semantic(kb, query, depth, filters, doc_id), weights[1], {}
    scores = fuse([ranking], [weight])
    return sorted(scores.items(), key=lambda item: (-item[1], item[0])), rows


def _lexical_ranked(kb, query: Query, depth: int, filters, doc_id: int | None) -> tuple[list[tuple[int, float]], dict]:
    """Lexical mode's (chunk id, score) best first, and the rows read on the way ({} when none were).

    BM25's ranking; but once the large-collection shortcut has dropped query words (`selective`),
    BM25 ranked the candidates on the rarest words alone, so each is weighed, as hybrid weighs its
    lexical side, by the share of all the query's words it holds (`fusion.covered`). On the labelled
    set padded with 98,775 passages that won back most of what the shortcut cost lexical mode (tuning
    half nDCG@10 0.793 -> 0.815, against 0.821 with every word kept: README "Quality at scale")."""
    scored = lexical_scored(kb, query, depth, filters, doc_id)
    if not scored or selective(kb, query).words == query.words:
        return scored, {}
    rows = kb.store.chunks(c for c, _ in scored)
    return sorted(_covered(scored, rows, query), key=lambda item: -item[1]), rows


def _covered(scored: list[tuple[int, float]], rows: dict, query: Query) -> list[tuple[int, float]]:
    """BM25's scores weighed by the query words each passage (text, title and heading) holds, where a
    spelled-out name counts as its acronym (`fusion.covered`, `acronyms.marked`)."""
    return fusion.covered(scored, query.words, {c: marked(f"{row.text} {row.context}", query.expansions) for c, row in rows.items()})


def _hybrid(kb, query: Query, filters, weights, depth: int, doc_id: int | None) -> tuple[list[tuple[int, float]], dict]:
    """Both retrievers' candidates fused by normalised score per document (index/fusion.py), and their rows.

    The query is embedded and the vector index searched on another thread while this one runs BM25
    and weighs its passages (ONNX Runtime, FAISS and SQLite each let go of the GIL): the two sides
    took about the same time one after the other (README "Performance")."""
    nearest = _NEAREST.submit(_nearest, kb, query, depth, allowed_chunks(kb, query, filters, doc_id))
    if doc_id is None and too_common(kb, query):
        # BM25 would score past the match budget: the lexical side is the vector side's candidates,
        # each weighed by the share of the query's words it holds, as BM25's would be.
        sem = _rescored(kb, nearest.result())
        rows = kb.store.chunks(c for c, _ in sem)
        lex = sorted((item for item in _covered([(c, 1.0) for c, _ in sem], rows, query) if item[1] > 0),
                     key=lambda item: -item[1])
    else:
        lex = lexical_scored(kb, query, max(1, int(depth * HYBRID_LEXICAL_DEPTH)), filters, doc_id)
        rows = kb.store.chunks(c for c, _ in lex)
        lex = _covered(lex, rows, query)
        sem = _rescored(kb, nearest.result())
        rows.update(kb.store.chunks({c for c, _ in sem} - rows.keys()))
    text = {c: marked(row.text, query.expansions) for c, row in rows.items()}  # "net promoter score" holds "nps"
    matches = fusion.exact_matcher(query.words)
    exact = {c for c in rows if matches(text[c])} if not query.phrases else set()
    best = text[lex[0][0]] if lex and lex[0][0] in rows else None
    share = fusion.confident_share(fusion.share(weights), query.words, best)
    return fusion.fuse(lex, sem, {c: row.document_id for c, row in rows.items()}, share, exact), rows


def _depth(wanted: int) -> int:
    return min(MAX_CANDIDATES, max(CANDIDATES, 5 * wanted))


def search(kb, query: str, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, filters: Filters | None = None, offset: int = 0,
           weights=None) -> list[Hit]:
    """The best passage of each of the best documents for the query: documents offset .. offset+k-1."""
    parsed = parse(query)
    k = max(MIN_K, min(int(k), MAX_K))
    offset = max(0, min(int(offset), MAX_OFFSET))
    if not parsed.text:
        return []
    kb.refresh()
    parsed = _spelled(kb, parsed)
    ranked, chunks = _ranked(kb, parsed, mode, filters, weights, _depth(offset + k))
    best: dict[int, tuple[int, float]] = {}  # document id -> its best chunk
    extra: dict[int, int] = {}
    if not chunks:
        chunks = kb.store.chunks([c for c, _ in ranked])
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is None:  # a vector with no row is never returned
            continue
        if chunk.document_id in best:
            extra[chunk.document_id] = extra.get(chunk.document_id, 0) + 1
        else:
            best[chunk.document_id] = (chunk_id, score)
    page = [(chunks[c], score) for c, score in list(best.values())[offset : offset + k]]
    hits = _hits(kb, page, parsed, (filters or Filters()).speaker)
    for hit in hits:
        hit.more = extra.get(hit.doc_id, 0)
    return hits


def _hits(kb, page: list, query: Query, speaker: str = "") -> list[Hit]:
    """Hits of (chunk, score) pairs, what they show read together (index/shown.py `prepare`)."""
    from .shown import prepare, query_vector

    docs = [(kb.store.document_shown(chunk.document_id), chunk, score) for chunk, score in page]
    docs = [(doc, chunk, score) for doc, chunk, score in docs if doc is not None]
    segments = prepare(kb, [(doc, chunk) for doc, chunk, _ in docs], query_vector(kb, query.text))
    return [_hit(kb, doc, chunk, score, query, speaker, segments.get(doc.id)) for doc, chunk, score in docs]


def searched_for(kb, query: str) -> str | None:
    """What search looks for when it forgave a typo in the query (index/spelling.py), else None."""
    from .spelling import corrected

    parsed = parse(query)
    return corrected(kb, parsed.text) if parsed.text else None


def _spelled(kb, parsed: Query) -> Query:
    """The query with its typos forgiven (index/spelling.py) and its typed acronyms spelled out (index/acronyms.py)."""
    from .spelling import corrected

    fixed = corrected(kb, parsed.text)
    parsed = parse(fixed) if fixed else parsed
    found = expansions(kb, parsed.text, parsed.words)
    return replace(parsed, expansions=found) if found else parsed


def more_from_document(kb, query: str, doc_id: int, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, weights=None) -> list[Hit]:
    """Passages of one document ranked for the query, best first (the first is the one `search` showed)."""
    parsed = parse(query)
    k = max(MIN_K, min(int(k), MAX_K))
    if not parsed.text:
        return []
    kb.refresh()
    parsed = _spelled(kb, parsed)
    ranked = ranked_chunks(kb, parsed, mode, None, weights, _depth(k), doc_id=int(doc_id))
    chunks = kb.store.chunks([c for c, _ in ranked[:k]])
    return _hits(kb, [(chunks[c], score) for c, score in ranked[:k] if c in chunks], parsed)


def facets(kb, query: str, mode: str = DEFAULT_MODE, filters: Filters | None = None) -> dict[str, dict[str, int]]:
    """Matching documents per kind and per site/show, among the search's candidates.

    Each facet counts under the other filters, not its own, so a user filtering to one site still sees the others.
    """
    parsed = parse(query)
    filters = filters or Filters()
    out: dict[str, dict[str, int]] = {"kind": {}, "site": {}, "speaker": {}}
    if not parsed.text:
        return out
    kb.refresh()
    parsed = _spelled(kb, parsed)
    for field in out:
        others = filters.without(field)
        ranked = ranked_chunks(kb, parsed, mode, others, None, _depth(MAX_K))
        if field == "speaker":
            out[field] = kb.store.speakers_per([c for c, _ in ranked])
            continue
        docs = {c.document_id for c in kb.store.chunks([c for c, _ in ranked]).values()}
        out[field] = kb.store.documents_per(field, docs)
    return out


def _hit(kb, doc, chunk, score: float, query: Query, speaker: str = "", segments: list | None = None) -> Hit:
    start, who, centre = _episode_start(kb, doc, chunk, query, speaker, segments)
    if doc.kind != "episode":  # the snippet is centred on the sentence that answers (index/shown.py)
        from .shown import answering_sentence, query_vector

        centre = answering_sentence(kb, chunk.text, query.text, query_vector(kb, query.text))
    shown = snippet(chunk.text, query.terms, around=centre)
    return Hit(
        doc_id=doc.id, title=doc.title, kind=doc.kind, source=doc.source, url=doc.url,
        text=chunk.text, snippet=shown, start=start, end=chunk.end, score=score,
        chunk_id=chunk.id, author=doc.author, date=doc.date, site=doc.site, audio_url=doc.audio_url,
        highlight=highlight(shown, query.terms), speaker=who,
        chapter=kb.store.chapter_at(doc.id, start) if doc.kind == "episode" else "",
    )


def _episode_start(kb, doc, chunk, query: Query, speaker: str = "", segments: list | None = None) -> tuple[float | None, str, str | None]:
    """The second to play an episode passage from (where its best-matching sentence begins; with a
    speaker filter, the best of that speaker's sentences), who speaks there, and that segment's text."""
    if doc.kind != "episode" or chunk.start is None:
        return chunk.start, "", None
    from .shown import episode_moment, query_vector

    return episode_moment(kb, doc.id, chunk, query.text, query_vector(kb, query.text), speaker, segments)


def results_json(query: str, hits: list[Hit], searched_for: str | None = None, **extra) -> dict:
    """The shape `clout search --json` prints and `/api/search` returns (extra top-level fields allowed);
    `searched_for` is there only when a typo was forgiven."""
    out = {"query": query, "results": [h.to_json() for h in hits], **extra}
    if searched_for:
        out["searched_for"] = searched_for
    return out


__all__ = [
    "Hit", "Filters", "SearchError", "MODES", "search", "searched_for", "more_from_document", "facets", "results_json", "fuse",
    "snippet", "highlight",
]
