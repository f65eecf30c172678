"""What a hit shows of its passage: the sentence that answers (the snippet's centre) and, in an episode, the moment to play.

Both are chosen by one scorer, index/moments.py (meaning plus shared words), over vectors the store
holds from ingest (index/sentences.py), so choosing costs a lookup, not a run of the model.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .embed import EmbedderError
from .highlight import SNIPPET_CHARS
from .moments import best_start, segment_scores
from .sentences import passage_sentences, segments_inside, with_pairs


def query_vector(kb, text: str):
    """The query's vector, or None when the model cannot be had: a search by words alone still shows
    its hits, with sentences chosen by shared words only."""
    try:
        return kb.embedder.encode_query(text)
    except EmbedderError:
        return None


def _fits(text: str) -> bool:
    """Whether the whole passage fits in a snippet: then there is no sentence to centre on."""
    return len(" ".join(text.split())) <= SNIPPET_CHARS


def answering_sentence(kb, text: str, query: str, query_vector) -> str | None:
    """The passage's sentence that best answers the query; None when the whole passage fits in a
    snippet (there is nothing to centre, and nothing is scored)."""
    if _fits(text):
        return None
    sentences = passage_sentences(text)
    if not sentences:
        return None
    scores = segment_scores(sentences, query, query_vector, kb.embedder.encode_sentences, pairs=False)
    return sentences[int(np.argmax(scores))]


def prepare(kb, shown: list, query_vector) -> dict[int, list]:
    """What choosing the sentences of a page of hits ((document, chunk) pairs) reads, read at once: the
    segments each episode's passage covers ({doc id: segments}, returned for `episode_moment`: a page
    shows one passage a document; reading every segment of an hour-long episode cost more) and the stored vectors of
    every sentence `answering_sentence` and `episode_moment` will score, in one batch (they land in the
    embedder's cache, so the hits find them there instead of each asking the store)."""
    segments: dict[int, list] = {}
    texts: list[str] = []
    passages = Counter(doc.id for doc, _ in shown)  # more than one ("more from this document"): read them all
    for doc, chunk in shown:
        if doc.kind == "episode":
            if chunk.start is None:
                continue
            if doc.id not in segments:
                span = (chunk.start, chunk.end) if passages[doc.id] == 1 else (None, None)
                segments[doc.id] = kb.store.segments(doc.id, *span)
            texts += with_pairs([s.text for s in segments_inside(segments[doc.id], chunk.start, chunk.end)])
        elif not _fits(chunk.text):
            texts += passage_sentences(chunk.text)
    if texts and query_vector is not None:
        try:
            kb.embedder.encode_sentences(texts)
        except EmbedderError:
            pass  # each hit asks again, and chooses by words alone as it would have
    return segments


def episode_moment(kb, doc_id: int, chunk, query: str, query_vector, speaker: str = "",
                   segments: list | None = None) -> tuple[float | None, str, str | None]:
    """(second to play from, who speaks there, the text of the segment there) for an episode passage:
    where its best-matching sentence begins; with a speaker filter, the best of that speaker's sentences.
    `segments` are the episode's (or at least those the passage covers), when already read."""
    inside = segments_inside(kb.store.segments(doc_id) if segments is None else segments, chunk.start, chunk.end)
    if speaker:
        inside = [s for s in inside if s.speaker.lower() == speaker.lower()] or inside
    moment = best_start([(s.start, s.end, s.text) for s in inside], query, query_vector, kb.embedder.encode_sentences)
    start = chunk.start if moment is None else moment
    at = next((s for s in inside if s.start >= start - 1e-6), inside[0] if inside else None)
    return start, (at.speaker if at else ""), (at.text if at and moment is not None else None)


__all__ = ["answering_sentence", "episode_moment", "prepare", "query_vector"]
