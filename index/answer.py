"""The answer card: the one to three consecutive sentences of the top results that answer a question, quoted word for word.

    answer(kb, query, hits) -> {"quotes": [quote, ...]} or None

Candidates are the sentences of the top hits' passages: `clout.sentences` spans of an article
passage (a verbatim slice of the stored text), the timed segments of an episode passage. Each run of
one to three consecutive sentences is scored as the moment to play is (index/moments.py): meaning
(the bundled MiniLM, through `Embedder.encode_sentences`, so sentence vectors are cached or stored)
plus the share of the query's content stems it holds. A run's vector is the normalised sum of its
sentences' vectors, so only single sentences are ever encoded. When the best run scores below
CONFIDENT there is no card: a wrong answer is worse than none. When an article and an episode among
the top results make the same point (their quotes' vectors at cosine >= PAIR_SIMILARITY, their passages'
stored vectors at >= PASSAGE_SIMILARITY), the card holds both, in the order the search ranked their documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import quote as percent

import numpy as np

from clout.sentences import ends_sentence, spans

from .embed import EmbedderError
from .moments import answer_scores
from .terms import content_stems

# Thresholds were chosen on the tuning half of tests/eval/labelled.json only (README "Answer card").
CONFIDENT = 0.75  # the best run's score: most right cards less twice the wrong ones, on the tuning half
# Pairing: the two quotes near in meaning, and the passages holding them nearer still (the stored passage
# vectors: the quotes alone are a sentence or two, worded differently in speech). The tuning half put the
# passage threshold between 0.51 (a near-topic distractor) and 0.61 (a real retelling): its middle.
PAIR_SIMILARITY = 0.35
PASSAGE_SIMILARITY = 0.56
PAIR_CONFIDENT = 0.4  # a paired quote must answer the question too, if less surely than the first
PRIMARY_HITS = 3  # the first quote comes from one of the first results ...
PAIR_HITS = 5  # ... the quote of the other kind from one of these
MAX_SENTENCES = 3
NEAR_PASSAGES = 2  # a paired document's passages read besides the one shown
KEEP = 6  # runs kept per hit: the best answers, and candidates for pairing
EXTRA_SENTENCE = 0.03  # a second or third sentence must earn its place
MIN_WORDS = 6  # "Third." alone answers nothing
HEADING_WORDS = 12  # a short line without closing punctuation is a heading (as index/chunk.py reads one)
FRAGMENT_WORDS = 4  # textStart,textEnd of this many words each, for quotes too long to spell out


@dataclass
class _Piece:
    """One sentence of an article passage or one segment of an episode passage."""

    text: str
    begin: int = 0  # offsets in the passage text (articles)
    end: int = 0
    start: float | None = None  # seconds (episodes)
    stop: float | None = None
    speaker: str = ""
    line: int = 0  # pieces on different lines (paragraphs) never join in one quote
    usable: bool = True  # a heading neither answers nor joins a quote
    opens: bool = True  # begins a sentence (a caption cue may not)
    closes: bool = True

    def __post_init__(self):
        self.words = len(self.text.split())
        self.sentences = max(1, len(spans(self.text)))  # a caption cue or segment may hold more than one
        self.stems = frozenset(content_stems(self.text))


@dataclass
class _Quote:
    rank: int
    hit: object
    text: str
    score: float
    vector: np.ndarray = field(repr=False)
    start: float | None = None
    end: float | None = None
    speaker: str = ""

    def to_json(self) -> dict:
        hit = self.hit
        return {"doc_id": hit.doc_id, "kind": hit.kind, "title": hit.title, "source": hit.source,
                "url": deep_link(hit, self.text, self.start), "text": self.text, "start": self.start, "end": self.end,
                "speaker": self.speaker, "date": hit.date, "author": hit.author}


def answer(kb, query: str, hits: list, embed=None) -> dict | None:
    """The card for these hits (search's, best first), or None when no run of sentences answers well enough.

    Without the model there is no card: its confidence was measured by meaning, so words alone could not
    say when to stay silent (a search by words alone still answers, index/shown.py)."""
    try:
        best, others = candidates(kb, query, hits, embed)
    except EmbedderError:
        return None
    if best is None or best.score < CONFIDENT:
        return None
    chosen = [best]
    near = [(s, q) for s, passage, q in others
            if s >= PAIR_SIMILARITY and passage >= PASSAGE_SIMILARITY and q.score >= PAIR_CONFIDENT]
    if near:
        chosen.append(max(near, key=lambda sq: (sq[0], sq[1].score))[1])
    return {"quotes": [q.to_json() for q in sorted(chosen, key=lambda q: q.rank)]}


def candidates(kb, query: str, hits: list, embed=None) -> tuple[_Quote | None, list[tuple[float, float, _Quote]]]:
    """The best-scoring run of the first PRIMARY_HITS hits, and the best runs of each document of the other
    kind among the first PAIR_HITS with their cosine to it and their passage's cosine to its passage
    (what `answer` thresholds, and evaluation measures).

    A paired document is read where it comes nearest the best quote, not only in the passage the search
    showed: an episode may make the article's point a minute away from where it matched the question.
    """
    if not hits or not query.strip():
        return None, []
    embed = embed or kb.embedder.encode_sentences
    query_vector = np.asarray(kb.embedder.encode_query(query), dtype=np.float32).reshape(-1)
    wanted = frozenset(content_stems(query))

    def score(ranked: list[tuple[int, object]]) -> list[_Quote]:
        # Only the passages needed are encoded, in one batch: cold, encoding is what a card costs.
        pieces = [_pieces(kb, hit) for _, hit in ranked]
        texts = [p.text for ps in pieces for p in ps]
        vectors = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, query_vector.size), np.float32)
        out, at = [], 0
        for (rank, hit), ps in zip(ranked, pieces):
            out += _runs(rank, hit, ps, vectors[at : at + len(ps)], query_vector, wanted)
            at += len(ps)
        return out

    primary = score(list(enumerate(hits[:PRIMARY_HITS])))
    if not primary:
        return None, []
    best = max(primary, key=lambda q: q.score)
    other = [(r, hit) for r, hit in enumerate(hits[:PAIR_HITS]) if hit.kind != best.hit.kind]
    todo = [(r, hit) for r, hit in other if r >= PRIMARY_HITS]  # not scored yet
    todo += [(r, near) for r, hit in other for near in _passages(kb, hit, best.vector)]
    # A passage far from the best quote's cannot pair with it: not worth encoding (stored vectors decide).
    todo = [(r, hit) for r, hit in todo if _passage_similarity(kb, hit, best.hit) >= PASSAGE_SIMILARITY]
    paired = [q for q in primary if q.hit.kind != best.hit.kind] + score(todo)
    return best, [(float(q.vector @ best.vector), _passage_similarity(kb, q.hit, best.hit), q) for q in paired]


def _passage_similarity(kb, a, b) -> float:
    vectors = []
    for hit in (a, b):
        ids, matrix = _document_vectors(kb.store, kb.store.generation, hit.doc_id)
        at = np.flatnonzero(ids == hit.chunk_id)
        if not at.size:
            return 0.0
        vectors.append(matrix[at[0]])
    return float(vectors[0] @ vectors[1])


def _passages(kb, hit, vector: np.ndarray) -> list:
    """The hit as its document's NEAR_PASSAGES passages nearest `vector` (by the stored passage vectors),
    other than the one the search showed."""
    ids, matrix = _document_vectors(kb.store, kb.store.generation, hit.doc_id)
    if len(ids) < 2:
        return []
    nearest = [int(ids[i]) for i in np.argsort(-(matrix @ vector), kind="stable")[: NEAR_PASSAGES + 1]]
    rows = kb.store.chunks([c for c in nearest if c != hit.chunk_id][:NEAR_PASSAGES])
    return [replace(hit, text=row.text, chunk_id=row.id, start=row.start, end=row.end) for row in rows.values()]


@lru_cache(maxsize=256)  # per store generation, as the store's own caches are
def _document_vectors(store, generation: int, doc_id: int) -> tuple[np.ndarray, np.ndarray]:
    ids = [c.id for c in store.document_chunks(doc_id)]
    found = {int(i): v for batch_ids, batch in store.vectors(ids) for i, v in zip(batch_ids, batch)}
    ids = [i for i in ids if i in found]
    matrix = np.stack([found[i] for i in ids]).astype(np.float32) if ids else np.zeros((0, 1), np.float32)
    return np.array(ids, dtype=np.int64), matrix


def _runs(rank: int, hit, pieces: tuple, vectors: np.ndarray, query_vector: np.ndarray, wanted: frozenset) -> list[_Quote]:
    """The best KEEP runs of 1..MAX_SENTENCES consecutive usable pieces of one hit, scored."""
    spans_ = []
    for i, first in enumerate(pieces):
        if not first.usable or not first.opens:
            continue
        words = sentences = 0
        for j in range(i, min(len(pieces), i + MAX_SENTENCES)):
            sentences += pieces[j].sentences
            if not pieces[j].usable or pieces[j].line != first.line or (j > i and sentences > MAX_SENTENCES):
                break
            words += pieces[j].words
            if words >= MIN_WORDS and pieces[j].closes:
                spans_.append((i, j))
    if not spans_:
        return []
    first, last = np.array(spans_).T
    sums = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), np.cumsum(vectors, axis=0)])
    runs = sums[last + 1] - sums[first]
    runs /= np.maximum(np.linalg.norm(runs, axis=1, keepdims=True), 1e-9)
    if wanted:
        held = [wanted & frozenset().union(*(pieces[k].stems for k in range(i, j + 1))) for i, j in spans_]
        lexical = np.array([len(h) for h in held]) / len(wanted)
    else:
        lexical = np.zeros(len(spans_))
    scores = answer_scores(lexical, runs @ query_vector) - EXTRA_SENTENCE * (last - first)
    top = np.argsort(-scores, kind="stable")[:KEEP]
    return [_quote(rank, hit, pieces[first[t] : last[t] + 1], float(scores[t]), runs[t]) for t in top]


def _quote(rank: int, hit, run, score: float, vector: np.ndarray) -> _Quote:
    if hit.kind == "episode":
        return _Quote(rank, hit, " ".join(p.text for p in run), score, vector, run[0].start, run[-1].stop, run[0].speaker)
    return _Quote(rank, hit, hit.text[run[0].begin : run[-1].end], score, vector)


def _pieces(kb, hit) -> tuple:
    if hit.kind == "episode":
        return _segments(kb.store, kb.store.generation, hit.doc_id, hit.chunk_id)
    return _sentences(hit.text)


@lru_cache(maxsize=4096)  # the same passages come back query after query
def _sentences(text: str) -> tuple:
    pieces = []
    for a, b in spans(text):
        piece = text[a:b]
        heading = len(piece.split()) <= HEADING_WORDS and not piece.rstrip("\"'”’)]»").endswith(tuple(".!?…,;:"))
        pieces.append(_Piece(piece, a, b, line=text.count("\n", 0, a), usable=not heading))
    return tuple(pieces)


@lru_cache(maxsize=1024)  # per store generation: a changed episode is read again
def _segments(store, generation: int, doc_id: int, chunk_id: int) -> tuple:
    """The passage's segments; text stripped as the transcript text joins them (index/chunk.py)."""
    chunk = store.chunks([chunk_id]).get(chunk_id)
    if chunk is None or chunk.start is None:
        return ()
    inside = [s for s in store.segments(doc_id) if s.end > chunk.start and s.start < chunk.end and s.text.strip()]
    pieces = []
    for k, s in enumerate(inside):
        before = inside[k - 1].text if k else None
        after = inside[k + 1].text if k + 1 < len(inside) else None
        pieces.append(_Piece(s.text.strip(), start=float(s.start), stop=float(s.end), speaker=s.speaker,
                             opens=before is None or ends_sentence(before, s.text),
                             closes=after is None or ends_sentence(s.text, after)))
    return tuple(pieces)


# -- deep links --------------------------------------------------------------------------------
def document_link(doc_id: int, start: float | None = None) -> str:
    """Clout's own page for a document; for an episode, the page that plays it from `start` (whole seconds)."""
    return f"/documents/{doc_id}" + (f"?t={int(start)}" if start is not None else "")


def deep_link(hit, text: str, start: float | None = None) -> str:
    """Where a quote can be read or heard: an article's web URL (else Clout's document page) with a text
    fragment for the quote; an episode's document page from `start`. Never a local path."""
    if hit.kind == "episode":
        return document_link(hit.doc_id, start if start is not None else hit.start or 0)
    web = hit.url.split("#", 1)[0] if hit.url.startswith(("http://", "https://")) else ""
    return (web or document_link(hit.doc_id)) + text_fragment(text)


def _encode(part: str) -> str:
    # Everything but unreserved characters, and "-" too: "-", "&" and "," are the fragment's own syntax.
    return percent(part, safe="").replace("-", "%2D")


def text_fragment(text: str, words: int = FRAGMENT_WORDS) -> str:
    """`#:~:text=` for the quote: spelled out when short, textStart,textEnd (first and last words) when long."""
    tokens = text.split()
    if not tokens:
        return ""
    if len(tokens) <= 3 * words:
        return "#:~:text=" + _encode(" ".join(tokens))
    return "#:~:text=" + _encode(" ".join(tokens[:words])) + "," + _encode(" ".join(tokens[-words:]))


__all__ = ["answer", "candidates", "deep_link", "document_link", "text_fragment", "CONFIDENT", "PAIR_SIMILARITY"]
