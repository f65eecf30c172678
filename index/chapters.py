"""Chapters for an episode that has none: topic boundaries in its transcript, each titled by its own words.

Boundaries follow TextTiling (Hearst, 1997) over the episode's passages, whose vectors the index
has just computed: the similarity of the passages before and after each gap, and how deep a valley
it sits in. The deepest valleys become chapter starts, no two closer than MIN_CHAPTER_SECONDS.
Each chapter is titled by its most representative sentence (the one nearest in meaning to the
chapter as a whole), shortened at a word boundary when long: never text the episode does not say.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from clout.document import Chapter, Chunk, Segment

WINDOW = 2  # passages on each side of a gap
MIN_CHAPTER_SECONDS = 120.0
SECONDS_PER_CHAPTER = 240.0  # at most one chapter per this much audio
MAX_TITLE_CHARS = 80
TITLE_WORDS = (4, 30)  # a title sentence has at least and at most this many words, when one does


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1)


def gap_similarities(vectors: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """For each gap between passage i and i+1: cosine of the blocks of `window` passages either side."""
    vectors = np.asarray(vectors, dtype=np.float64)
    out = []
    for i in range(len(vectors) - 1):
        left = vectors[max(0, i - window + 1) : i + 1].mean(axis=0)
        right = vectors[i + 1 : i + 1 + window].mean(axis=0)
        out.append(float(_unit(left) @ _unit(right)))
    return np.array(out)


def depths(similarities: np.ndarray) -> np.ndarray:
    """How far each gap's similarity lies below the highest point reached climbing each way from it."""
    out = np.zeros(len(similarities))
    for i, value in enumerate(similarities):
        left = value
        for v in similarities[i::-1]:
            if v < left:
                break
            left = v
        right = value
        for v in similarities[i:]:
            if v < right:
                break
            right = v
        out[i] = (left - value) + (right - value)
    return out


def boundaries(chunks: Sequence[Chunk], vectors: np.ndarray) -> list[int]:
    """Indexes of the passages that start a new chapter (after the first)."""
    if len(chunks) < 2 * WINDOW:
        return []
    duration = (chunks[-1].end or 0) - (chunks[0].start or 0)
    most = int(duration // SECONDS_PER_CHAPTER)
    sims = gap_similarities(vectors)
    depth = depths(sims)
    cutoff = depth.mean() + depth.std() / 2  # a valley clearly deeper than most
    chosen: list[int] = []
    for gap in np.argsort(-depth):
        if len(chosen) >= most or depth[gap] <= max(cutoff, 0.0):
            break
        start = chunks[gap + 1].start or 0.0
        edges = [chunks[0].start or 0.0, *(chunks[c].start or 0.0 for c in chosen), chunks[-1].end or 0.0]
        if all(abs(start - e) >= MIN_CHAPTER_SECONDS for e in edges):
            chosen.append(int(gap) + 1)
    return sorted(chosen)


def shorten(sentence: str, limit: int = MAX_TITLE_CHARS) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence.rstrip(".")
    cut = sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"


def title(sentences: list[str], vectors: np.ndarray) -> str:
    """The sentence nearest the centroid of all of them, preferring ones of a title's length."""
    vectors = _unit(np.asarray(vectors, dtype=np.float64))
    centre = _unit(vectors.mean(axis=0))
    scores = vectors @ centre
    lengths = np.array([len(s.split()) for s in sentences])
    fits = (lengths >= TITLE_WORDS[0]) & (lengths <= TITLE_WORDS[1])
    if fits.any():
        scores = np.where(fits, scores, -np.inf)
    return shorten(sentences[int(np.argmax(scores))])


def make_chapters(segments: Sequence[Segment], chunks: Sequence[Chunk], vectors: np.ndarray,
                  embed: Callable[[list[str]], np.ndarray]) -> list[Chapter]:
    """Chapters of an episode from its segments, its passages and their vectors; [] without speech."""
    if not chunks or not segments:
        return []
    starts = [chunks[0].start or 0.0] + [chunks[i].start or 0.0 for i in boundaries(chunks, vectors)]
    ends = starts[1:] + [float("inf")]
    texts = [s.text.strip() for s in segments]
    sentence_vectors = embed(texts)
    out = []
    for start, end in zip(starts, ends):
        inside = [i for i, s in enumerate(segments) if start <= s.start < end and texts[i]]
        if inside:
            out.append(Chapter(round(start, 2), title([texts[i] for i in inside], sentence_vectors[inside])))
    return out


__all__ = ["make_chapters", "boundaries", "gap_similarities", "depths", "title", "shorten"]
