"""What a hit shows of its passage: the sentence that answers (the snippet's centre) and, in an episode, the moment to play.

Both are chosen by one scorer, index/moments.py (meaning plus shared words), over vectors the store
holds from ingest (index/sentences.py), so choosing costs a lookup, not a run of the model.
"""
from __future__ import annotations

import numpy as np

from .highlight import SNIPPET_CHARS
from .moments import best_start, segment_scores
from .sentences import passage_sentences, segments_inside

# How many of the top document's candidate passages are rescored by their best sentence, and by how
# much another must beat the first ranked (tuning half of tests/eval/labelled.json, README "Search").
RESCORED_PASSAGES = 3
PASSAGE_MARGIN = 0.0


def answering_sentence(kb, text: str, query: str, query_vector) -> tuple[str | None, float]:
    """The passage's sentence that best answers the query and its score; (None, score) when the whole
    passage fits in a snippet (nothing to centre), the score still given."""
    sentences = passage_sentences(text)
    if not sentences:
        return None, 0.0
    scores = segment_scores(sentences, query, query_vector, kb.embedder.encode_sentences, pairs=False)
    i = int(np.argmax(scores))
    return (sentences[i] if len(" ".join(text.split())) > SNIPPET_CHARS else None), float(scores[i])


def passage_score(kb, doc, chunk, query: str, query_vector) -> float:
    """How well the passage's best sentence (an episode's best segment, alone or with the next) answers."""
    if doc.kind == "episode" and chunk.start is not None:
        texts = [s.text for s in segments_inside(kb.store.segments(doc.id), chunk.start, chunk.end)]
        scores = segment_scores(texts, query, query_vector, kb.embedder.encode_sentences)
    else:
        scores = segment_scores(passage_sentences(chunk.text), query, query_vector, kb.embedder.encode_sentences, pairs=False)
    return float(scores.max()) if len(scores) else float("-inf")


def answering_passage(kb, doc, chunks: list, query: str, query_vector):
    """Of a document's best few candidate passages (best ranked first), the one whose best sentence
    answers the query best: ranking scores whole passages, and a long question's answer can sit in
    the second one. The first is kept unless another's sentence beats its by PASSAGE_MARGIN."""
    if len(chunks) < 2:
        return chunks[0]
    scores = [passage_score(kb, doc, c, query, query_vector) for c in chunks]
    best = int(np.argmax(scores))
    return chunks[best] if scores[best] > scores[0] + PASSAGE_MARGIN else chunks[0]


def episode_moment(kb, doc_id: int, chunk, query: str, query_vector, speaker: str = "") -> tuple[float | None, str, str | None]:
    """(second to play from, who speaks there, the text of the segment there) for an episode passage:
    where its best-matching sentence begins; with a speaker filter, the best of that speaker's sentences."""
    inside = segments_inside(kb.store.segments(doc_id), chunk.start, chunk.end)
    if speaker:
        inside = [s for s in inside if s.speaker.lower() == speaker.lower()] or inside
    moment = best_start([(s.start, s.end, s.text) for s in inside], query, query_vector, kb.embedder.encode_sentences)
    start = chunk.start if moment is None else moment
    at = next((s for s in inside if s.start >= start - 1e-6), inside[0] if inside else None)
    return start, (at.speaker if at else ""), (at.text if at and moment is not None else None)


__all__ = ["answering_sentence", "answering_passage", "passage_score", "episode_moment"]
