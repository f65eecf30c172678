"""The short texts of a passage that query time scores, and the keys their stored vectors are found by.

Choosing what a hit shows (the snippet's sentence, an episode's moment, an answer) scores sentences
of its passage by meaning, which needs their vectors. Running the model on them per query was most of
a search's time, so ingest embeds them once (index/prepare.py) and the store keeps them by key
(index/store/sentences.py); `Embedder.encode_sentences` reads them there before asking the model.

What is embedded: every sentence of every passage as the splitter finds it (clout.sentences), and for
an episode also its timed segments and each segment with the next (moments.py scores a segment
together with the next one, since a transcriber may split a sentence in two). A key is a hash of the
text with its runs of white space made one space, which the model's tokenizer does not see either.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from clout.document import EPISODE, Chunk, Document
from clout.sentences import spans

# Stored vectors are float16: half the disk of float32, and a dot product between normalised vectors
# moves by under 0.001, far below the score gaps that choose a sentence.
STORED_DTYPE = "<f2"


def normalised(text: str) -> str:
    return " ".join(text.split())


def key(text: str) -> int:
    """A signed 64-bit key for the text (SQLite's INTEGER), the same in every process."""
    digest = hashlib.blake2b(normalised(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage, white space made single: what a snippet is centred on."""
    return list(_passage_sentences(text))


@lru_cache(maxsize=256)  # a page of hits splits each passage twice: to fetch its vectors, then to score them
def _passage_sentences(text: str) -> tuple[str, ...]:
    return tuple(normalised(text[a:b]) for a, b in spans(text))


def with_pairs(singles: Sequence[str]) -> list[str]:
    """The texts moments.py scores for a run of segments: each one, then each with the next."""
    return [*singles, *(f"{a} {b}" for a, b in zip(singles, singles[1:]))]


def segments_inside(segments: Iterable, start: float, end: float) -> list:
    """The timed segments an episode passage covers (any overlap): what its moment is chosen among."""
    return [s for s in segments if s.end > start and s.start < end]


def to_embed(doc: Document, chunks: Sequence[Chunk]) -> list[str]:
    """The distinct texts (by key) whose vectors query time will ask for, for this document's passages."""
    texts: dict[int, str] = {}
    for chunk in chunks:
        found = passage_sentences(chunk.text)
        if doc.kind == EPISODE and chunk.start is not None and chunk.end is not None:
            found += with_pairs([normalised(s.text) for s in segments_inside(doc.segments, chunk.start, chunk.end)])
        for text in found:
            if text:
                texts.setdefault(key(text), text)
    return list(texts.values())


def embedded(texts: list[str], embedder) -> tuple[np.ndarray, np.ndarray]:
    """(keys as int64, vectors as float16) of the texts, in one batch of the model."""
    if not texts:
        return np.zeros(0, np.int64), np.zeros((0, embedder.dim), STORED_DTYPE)
    vectors = embedder.encode(texts, batch_size=64)
    return np.array([key(t) for t in texts], np.int64), vectors.astype(STORED_DTYPE)


__all__ = ["key", "normalised", "passage_sentences", "with_pairs", "segments_inside", "to_embed", "embedded", "STORED_DTYPE"]
