"""The answer card: the one to three consecutive sentences of the top results that answer a question, quoted word for word.

    answer(kb, query, hits) -> {"quotes": [quote, ...]} or None

Candidates are the sentences of the top hits' passages: `clout.sentences` spans of an article
passage (a verbatim slice of the stored text), the timed segments of an episode passage. Each run of
one to three consecutive sentences is scored as the moment to play is (index/moments.py): meaning
(the bundled MiniLM, through `Embedder.encode_sentences`, so sentence vectors are cached or stored)
plus the share of the query's content stems it holds. A run's vector is the normalised sum of its
sentences' vectors, so only single sentences are ever encoded. When the best run scores below
CONFIDENT there is no card: a wrong answer is worse than none. When an article and an episode among
the top results make the same point (their quotes' vectors at cosine >= PAIR_SIMILARITY), the card
holds both, in the order the search ranked their documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote as percent

import numpy as np

from clout.sentences import ends_sentence, spans

from .moments import answer_scores
from .terms import content_stems

# Thresholds were chosen on the tuning half of tests/eval/labelled.json only (README "Answer card").
CONFIDENT = 0.75
PAIR_SIMILARITY = 0.55
PAIR_CONFIDENT = 0.45  # a paired quote must answer too, if less surely than the first
PRIMARY_HITS = 3  # the first quote comes from one of the first results ...
PAIR_HITS = 5  # ... the quote of the other kind from one of these
MAX_SENTENCES = 3
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
    """The card for these hits (search's, best first), or None when no run of sentences answers well enough."""
    best, others = candidates(kb, query, hits, embed)
    if best is None or best.score < CONFIDENT:
        return None
    chosen = [best]
    near = [(s, q) for s, q in others if s >= PAIR_SIMILARITY and q.score >= PAIR_CONFIDENT]
    if near:
        chosen.append(max(near, key=lambda sq: (sq[0], sq[1].score))[1])
    return {"quotes": [q.to_json() for q in sorted(chosen, key=lambda q: q.rank)]}


def candidates(kb, query: str, hits: list, embed=None) -> tuple[_Quote | None, list[tuple[float, _Quote]]]:
    """The best-scoring run of the first PRIMARY_HITS hits, and every run of the other kind among the first
    PAIR_HITS with its cosine to that best run (what `answer` thresholds, and evaluation measures)."""
    if not hits or not query.strip():
        return None, []
    embed = embed or kb.embedder.encode_sentences
    pieces = _pieces(kb, hits[:PAIR_HITS])
    texts = [p.text for ps in pieces for p in ps]
    if not texts:
        return None, []
    query_vector = np.asarray(kb.embedder.encode_query(query), dtype=np.float32).reshape(-1)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    wanted = content_stems(query)
    quotes, at = [], 0
    for rank, (hit, ps) in enumerate(zip(hits, pieces)):
        quotes.append(_runs(rank, hit, ps, vectors[at : at + len(ps)], query_vector, wanted))
        at += len(ps)
    primary = [q for qs in quotes[:PRIMARY_HITS] for q in qs]
    if not primary:
        return None, []
    best = max(primary, key=lambda q: q.score)
    others = [(float(q.vector @ best.vector), q) for qs in quotes for q in qs if q.hit.kind != best.hit.kind]
    return best, others


def _runs(rank: int, hit, pieces: list[_Piece], vectors: np.ndarray, query_vector: np.ndarray, wanted: set) -> list[_Quote]:
    """Every run of 1..MAX_SENTENCES consecutive usable pieces of one hit, scored."""
    stems = [content_stems(p.text) for p in pieces]
    out = []
    for i, first in enumerate(pieces):
        if not first.usable or not first.opens:
            continue
        total, held, words = np.zeros_like(query_vector), set(), 0
        for j in range(i, min(len(pieces), i + MAX_SENTENCES)):
            piece = pieces[j]
            if not piece.usable or piece.line != first.line:
                break
            total, held, words = total + vectors[j], held | stems[j], words + len(piece.text.split())
            if words < MIN_WORDS or not piece.closes:
                continue
            vector = total / (np.linalg.norm(total) or 1.0)
            lexical = len(wanted & held) / len(wanted) if wanted else 0.0
            score = float(answer_scores(lexical, float(vector @ query_vector))) - EXTRA_SENTENCE * (j - i)
            out.append(_quote(rank, hit, pieces[i : j + 1], score, vector))
    return out


def _quote(rank: int, hit, run: list[_Piece], score: float, vector: np.ndarray) -> _Quote:
    if hit.kind == "episode":
        return _Quote(rank, hit, " ".join(p.text for p in run), score, vector, run[0].start, run[-1].stop, run[0].speaker)
    return _Quote(rank, hit, hit.text[run[0].begin : run[-1].end], score, vector)


def _pieces(kb, hits: list) -> list[list[_Piece]]:
    chunks = kb.store.chunks([h.chunk_id for h in hits if h.kind == "episode"])
    out = []
    for hit in hits:
        chunk = chunks.get(hit.chunk_id)
        out.append(_segments(kb, hit, chunk) if hit.kind == "episode" and chunk is not None else _sentences(hit.text))
    return out


def _sentences(text: str) -> list[_Piece]:
    pieces = []
    for a, b in spans(text):
        piece = text[a:b]
        heading = len(piece.split()) <= HEADING_WORDS and not piece.rstrip("\"'”’)]»").endswith(tuple(".!?…,;:"))
        pieces.append(_Piece(piece, a, b, line=text.count("\n", 0, a), usable=not heading))
    return pieces


def _segments(kb, hit, chunk) -> list[_Piece]:
    """The passage's segments; text stripped as the transcript text joins them (index/chunk.py)."""
    inside = [s for s in kb.store.segments(hit.doc_id)
              if chunk.start is not None and s.end > chunk.start and s.start < chunk.end and s.text.strip()]
    pieces = []
    for k, s in enumerate(inside):
        before = inside[k - 1].text if k else None
        after = inside[k + 1].text if k + 1 < len(inside) else None
        pieces.append(_Piece(s.text.strip(), start=float(s.start), stop=float(s.end), speaker=s.speaker,
                             opens=before is None or ends_sentence(before, s.text),
                             closes=after is None or ends_sentence(s.text, after)))
    return pieces


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
