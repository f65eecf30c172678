"""The moment to play: within a matched episode passage, the second its best-matching sentence begins.

A passage is 30-60 s of speech; playing from its start makes the listener wait for the answer.
Each timed segment of the passage (a sentence, for Clout's own transcripts) is scored against the
query by meaning (embedding similarity) and by shared words, and the best one's start is returned.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from clout.sentences import ends_sentence

from .sentences import with_pairs
from .terms import content_stems

# Shared words count for less than meaning: a sentence can answer without repeating the question.
LEXICAL_WEIGHT = 0.5
PAIR_PENALTY = 0.02  # a pair must match clearly better than its first sentence alone


def lexical_scores(texts: Sequence[str], query: str) -> np.ndarray:
    """Share of the query's distinct terms each text contains."""
    wanted = content_stems(query)
    if not wanted:
        return np.zeros(len(texts))
    return np.array([len(wanted & content_stems(t)) / len(wanted) for t in texts], dtype=float)


def answer_scores(lexical: np.ndarray, similarity: np.ndarray | float) -> np.ndarray:
    """How well texts answer a query, from their share of its terms and their cosine to it: the one
    mix of words and meaning that both the moment to play and the answer card (index/answer.py) use."""
    return LEXICAL_WEIGHT * np.asarray(lexical, dtype=float) + similarity


def segment_scores(
    texts: Sequence[str],
    query: str,
    query_vector: np.ndarray | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    pairs: bool = True,
) -> np.ndarray:
    """How well each text (a segment, a sentence) answers the query: meaning plus shared words.

    A sentence the transcriber split in two matches best as the pair, so with `pairs` each text is
    also scored together with the next one, and a text scores the better of the two.
    """
    if not texts:
        return np.zeros(0)
    scored = with_pairs(texts) if pairs else list(texts)
    similarity = 0.0
    if query_vector is not None and embed is not None:
        vectors = np.asarray(embed(scored), dtype=np.float32)
        similarity = vectors @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
    scores = answer_scores(lexical_scores(scored, query), similarity)
    best = scores[: len(texts)].copy()
    if pairs:
        n = len(texts) - 1
        best[:n] = np.maximum(best[:n], scores[len(texts) :] - PAIR_PENALTY)
    return best


def best_segment(
    segments: Sequence[tuple[float, float, str]],
    query: str,
    query_vector: np.ndarray | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> int:
    """Index of the segment that best answers the query (the first on ties), scored alone and with the next."""
    return int(np.argmax(segment_scores([s[2] for s in segments], query, query_vector, embed)))


def best_start(
    segments: Sequence[tuple[float, float, str]],
    query: str,
    query_vector: np.ndarray | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> float | None:
    """Where to start playing: the start of the sentence holding the best-matching segment.

    `segments` are (start, end, text) of the passage, in time order. A caption cue can begin
    mid-sentence; stepping back to the cue where its sentence begins keeps the listener in context.
    """
    if not segments:
        return None
    i = best_segment(segments, query, query_vector, embed)
    steps = 0
    while i > 0 and steps < 2 and not ends_sentence(segments[i - 1][2], segments[i][2]):
        i -= 1
        steps += 1
    return float(segments[i][0])


__all__ = ["best_start", "best_segment", "segment_scores", "lexical_scores", "answer_scores", "LEXICAL_WEIGHT"]
