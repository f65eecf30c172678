"""What indexing a document costs, done apart from storing it: its chunks, their vectors, its chapters,
the vectors of the sentences query time scores (index/sentences.py) and of the windows semantic
search rescores by (index/windows.py).

A pure function of a Document and the embedder, so it can run wherever the document was loaded (a
Ray worker) and be handed to the one writer; `KnowledgeBase.add` runs it itself when given nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clout.document import EPISODE, Chapter, Chunk, Document

from .chapters import make_chapters
from .chunk import chunk_document
from .sentences import embedded, to_embed
from .windows import embed_windows


@dataclass
class Prepared:
    """A document's indexing work: `content_hash` says which text it was done for."""

    content_hash: str
    chunks: list[Chunk]
    vectors: np.ndarray
    chapters: list[Chapter] = field(default_factory=list)
    chapter_origin: str = "publisher"
    # Keys (int64) and float16 vectors of the passages' sentences: what search scores to choose what a hit shows.
    sentence_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sentence_vectors: np.ndarray | None = None
    # Per chunk, its window vectors for semantic search's second stage, or None (index/windows.py).
    windows: list = field(default_factory=list)

    def fits(self, doc: Document) -> bool:
        return self.content_hash == doc.content_hash


def prepare(doc: Document, embedder) -> Prepared:
    """Chunk and embed a document, and make an episode's chapters when its publisher gave none."""
    chunks = chunk_document(doc)
    vectors = embedder.encode([embedding_text(c) for c in chunks]) if chunks else np.zeros((0, embedder.dim), np.float32)
    chapters, origin = doc.chapters, "publisher"
    if doc.kind == EPISODE and not chapters and chunks:
        chapters, origin = make_chapters(doc.segments, chunks, vectors, embedder.encode), "made"
    keys, sentence_vectors = embedded(to_embed(doc, chunks), embedder)
    return Prepared(doc.content_hash, chunks, vectors, chapters, origin, keys, sentence_vectors,
                    windows=embed_windows(chunks, embedder))


def recorded_only(doc: Document, dim: int) -> Prepared:
    """A duplicate is recorded, not indexed: no chunks, no vectors, the publisher's chapters."""
    return Prepared(doc.content_hash, [], np.zeros((0, dim), np.float32), doc.chapters, "publisher")


def embedding_text(chunk: Chunk) -> str:
    # The title and heading tell the model what the passage is about; they are not shown.
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


__all__ = ["Prepared", "prepare", "recorded_only", "embedding_text"]
