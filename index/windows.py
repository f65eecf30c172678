"""Passage windows: each passage's sentences in runs of about 40 words, embedded with its title and heading,
and the second stage of semantic search that scores a candidate passage by its best window.

Why (measured on the tuning half of tests/eval/labelled.json, README "Search"): a 150-220-word passage
embedded whole is one blurred vector, and 23 % of them (title line included) pass the model's
256-piece window, so their ends are never embedded at all. Semantic mode scored nDCG@10 0.742 there,
against 0.730 for the same model over plain 120-word chunks. Windows of at most 40 words, each with
the passage's title/heading line in front, rescoring FAISS's 100 best passages: 0.843 (60-word
windows: 0.814; the mean of a passage's 60-word windows as its one vector: 0.727; windows without the
title line did worse). FAISS keeps one vector per passage (the first stage: the candidates);
the windows rescore only those candidates, so the index, its size and its speed do not change.

A passage whose text is one window has no rows of its own: its passage vector is that window's.
The store records WINDOWS_METHOD in its meta once every passage has its windows; a store made
before (or by another method) is filled in by `KnowledgeBase.fill_windows` after the next ingest,
and searched meanwhile by passage vectors alone wherever windows are missing.
"""
from __future__ import annotations

import numpy as np

from clout.sentences import spans

WINDOW_WORDS = 40
WINDOWS_METHOD = f"sentences<={WINDOW_WORDS}w+context"
STORED_DTYPE = "<f2"  # half the disk of float32; a cosine moves by under 0.001


def window_texts(text: str, context: str = "") -> list[str]:
    """The texts a passage's windows are embedded as: runs of its sentences of at most WINDOW_WORDS
    words (a longer sentence alone), cut from the passage text as it is, each after the context line.
    One window when the passage is short enough: then it is exactly the passage's own embedding text."""
    pieces = spans(text) or [(0, len(text))]
    runs: list[tuple[int, int]] = []
    start, end, words = pieces[0][0], pieces[0][1], len(text[pieces[0][0] : pieces[0][1]].split())
    for a, b in pieces[1:]:
        n = len(text[a:b].split())
        if words + n > WINDOW_WORDS:
            runs.append((start, end))
            start, words = a, 0
        end, words = b, words + n
    runs.append((start, end))
    if len(runs) == 1:
        runs = [(0, len(text))]
    return [f"{context}\n{text[a:b]}" if context else text[a:b] for a, b in runs]


def embed_windows(chunks, embedder) -> list[np.ndarray | None]:
    """Per passage, its window vectors (float16), or None when it is a single window; one model batch."""
    texts = [window_texts(c.text, c.context) for c in chunks]
    flat = [t for ts in texts if len(ts) > 1 for t in ts]
    vectors = embedder.encode(flat, batch_size=64) if flat else np.zeros((0, embedder.dim), np.float32)
    out, at = [], 0
    for ts in texts:
        if len(ts) > 1:
            out.append(vectors[at : at + len(ts)].astype(STORED_DTYPE))
            at += len(ts)
        else:
            out.append(None)
    return out


def rescored(store, query_vector: np.ndarray, scored: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Candidates (chunk id, cosine) rescored by their best window (never below the passage's own
    score), best first; candidates without windows keep theirs."""
    if not scored:
        return scored
    windows = store.windows([c for c, _ in scored], len(query_vector))
    out = []
    for chunk_id, score in scored:
        vectors = windows.get(chunk_id)
        if vectors is not None and len(vectors):
            score = max(score, float((vectors @ query_vector).max()))
        out.append((chunk_id, score))
    return sorted(out, key=lambda item: (-item[1], item[0]))


__all__ = ["WINDOW_WORDS", "WINDOWS_METHOD", "window_texts", "embed_windows", "rescored"]
