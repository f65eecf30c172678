"""The FAISS vector index: one vector per chunk under the chunk's id, saved atomically.

The index file is derived data: it can always be rebuilt from the vectors SQLite keeps. A trailer at
the end of the file records which store generation it reflects, how many vectors it holds, a checksum
of their ids and of the FAISS bytes, so a torn, stale or foreign file is caught at open and never
served. The trailer travels in the same file, so one atomic rename replaces both together; the
sidecar `vectors.json` is a readable copy of it, for people and `clout stats`, and is never trusted.
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .threads import all_cores, one_thread_per_query

INDEX_FILE = "vectors.faiss"
SIDECAR_FILE = "vectors.json"
TRAILER_MAGIC = b"CLOUTVX1"  # then: the FAISS bytes, the JSON info, its length (8 bytes), this magic


@dataclass(frozen=True)
class IndexInfo:
    generation: int
    count: int
    id_checksum: int
    model: str
    dim: int


def id_checksum(ids: np.ndarray) -> int:
    """Order-independent checksum of a set of ids."""
    ids = np.sort(np.asarray(ids, dtype=np.int64))
    return zlib.crc32(ids.tobytes())


def _write_atomic(path: Path, *parts: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the index from a server run as another user
        with os.fdopen(fd, "wb") as f:
            for data in parts:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dirfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


# Below this many vectors an exact scan answers in a few milliseconds on one core (6.5 ms at 50k,
# 384 dimensions, measured by scripts/bench_scale.py); beyond it the inverted-file index takes over.
EXACT_LIMIT = 50_000
# Inverted lists per vector: nlist = NLIST_FACTOR * sqrt(n), the low end of the usual 4-16 * sqrt(n).
NLIST_FACTOR = 4
# Points k-means sees per list while training: more costs time and buys no measurable recall.
TRAIN_PER_LIST = 40
# Lists searched per query: NPROBE_FACTOR * sqrt(nlist) (at least MIN_NPROBE), for recall@10 >= 0.95
# against exact search. A fixed share of nlist over-probes large indexes: measured on sentence-shaped
# vectors (scripts/bench_scale.py), at 100k (nlist 1264) 1/16 of the lists gave recall 0.886, 1/4
# gave 0.953-0.972; at 1M (nlist 4000) 250 lists gave 0.974 in 4.7 ms, 500 gave 0.987 in 8.9 ms and
# 1000 (1/4) gave 0.989 in 17 ms. 9 * sqrt(nlist) is 320 lists at 100k and 569 at 1M.
NPROBE_FACTOR = 9
MIN_NPROBE = 16


def ideal_nlist(count: int) -> int:
    return max(1, int(NLIST_FACTOR * math.sqrt(max(count, 1))))


def _nprobe(nlist: int) -> int:
    return min(nlist, max(MIN_NPROBE, int(NPROBE_FACTOR * math.sqrt(nlist))))


class VectorIndex:
    """Inner-product search over normalised vectors, keyed by chunk id.

    Small collections are searched exactly (IndexFlatIP in an IndexIDMap2). Past EXACT_LIMIT the
    vectors go into an inverted-file index with 8-bit scalar quantisation (a quarter of the memory,
    no measurable loss of recall), trained on the vectors themselves; `needs_rebuild` says when the
    collection has outgrown (or shrunk below) the structure it has, and `build` makes the right one.
    """

    def __init__(self, dim: int):
        import faiss

        self.dim = dim
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @classmethod
    def build(cls, dim: int, batches: Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]], count: int) -> "VectorIndex":
        """An index of the right structure for `count` vectors; `batches()` yields (ids, vectors) afresh.

        The vectors are read twice (a training sample, then the adds) rather than held in memory.
        """
        import faiss

        self = cls(dim)
        if count > EXACT_LIMIT:
            nlist = ideal_nlist(count)
            step = max(1, count // (nlist * TRAIN_PER_LIST))
            sample = np.concatenate([v[::step] for _, v in batches()] or [np.zeros((0, dim), np.float32)])
            if len(sample) >= nlist:
                quantizer = faiss.IndexFlatIP(dim)
                ivf = faiss.IndexIVFScalarQuantizer(
                    quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
                )
                with all_cores():
                    ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
                ivf.nprobe = _nprobe(nlist)
                quantizer.this.disown()  # the IVF index frees its quantizer from here on
                ivf.own_fields = True
                self.index = ivf
        with all_cores():
            for ids, vectors in batches():
                self.add(ids, vectors)
        return self

    @property
    def kind(self) -> str:
        return "exact" if self._ivf is None else f"ivf{self._ivf.nlist},sq8"

    @property
    def _ivf(self):
        import faiss

        return self.index if isinstance(self.index, faiss.IndexIVF) else None

    def needs_rebuild(self) -> bool:
        """True when the structure no longer fits the size: grown past exact, or 4x the lists' share."""
        count, ivf = self.count, self._ivf
        if ivf is None:
            return count > EXACT_LIMIT
        return count <= EXACT_LIMIT // 2 or ideal_nlist(count) >= 2 * ivf.nlist

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        import faiss

        ivf = self._ivf
        if ivf is None:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        lists = ivf.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(ivf.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids):
            self.index.remove_ids(ids)

    def search(self, query: np.ndarray, k: int, only=None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors, among the ids in `only` when given (filters)."""
        import faiss

        if self.count == 0 or (only is not None and len(only) == 0):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        one_thread_per_query()
        params = None
        if only is not None:
            only = np.asarray(only, dtype=np.int64)
            k = min(k, len(only))
            selector = faiss.IDSelectorBatch(only)
            if self._ivf is not None:
                # The allowed ids may sit in any list: probe them all, scoring only the allowed.
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self._ivf.nlist)
            else:
                params = faiss.SearchParameters(sel=selector)
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self.index.search(query, min(k, self.count), params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    # -- persistence -------------------------------------------------------------------------
    def save(self, directory: Path, generation: int, model: str) -> None:
        import faiss

        data = faiss.serialize_index(self.index)
        info = {
            "generation": generation,
            "count": self.count,
            "id_checksum": id_checksum(self.ids()),
            "model": model,
            "dim": self.dim,
            "structure": self.kind,
            "file_crc32": zlib.crc32(data),
        }
        trailer = json.dumps(info).encode()
        _write_atomic(directory / INDEX_FILE, data, trailer, struct.pack("<Q", len(trailer)), TRAILER_MAGIC)
        _write_atomic(directory / SIDECAR_FILE, json.dumps(info, indent=1).encode())

    @classmethod
    def load(cls, directory: Path, dim: int) -> tuple["VectorIndex", dict]:
        """The saved index and its trailer's info; raises ValueError if it is missing or damaged."""
        import faiss

        index_path = directory / INDEX_FILE
        try:
            data = memoryview(index_path.read_bytes())
        except FileNotFoundError:
            raise ValueError("no saved vector index") from None
        except OSError as e:
            raise ValueError(f"the index file cannot be read ({e.strerror})") from None
        tail = len(TRAILER_MAGIC) + 8
        if len(data) < tail or bytes(data[-len(TRAILER_MAGIC):]) != TRAILER_MAGIC:
            raise ValueError("the index file is truncated or not Clout's (no trailer)")
        (size,) = struct.unpack("<Q", data[-tail : -len(TRAILER_MAGIC)])
        body_end = len(data) - tail - size
        try:
            info = json.loads(bytes(data[body_end : len(data) - tail])) if body_end > 0 else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            info = None
        if not isinstance(info, dict):
            raise ValueError("the index file's trailer is damaged")
        body = data[:body_end]
        if zlib.crc32(body) != info.get("file_crc32"):
            raise ValueError("the index file's checksum does not match (truncated or changed)")
        try:
            raw = faiss.deserialize_index(np.frombuffer(body, dtype=np.uint8))
        except Exception as e:  # faiss raises RuntimeError with C++ text
            raise ValueError(f"the index file is damaged ({str(e).splitlines()[0][:120]})") from None
        if raw.d != dim:
            raise ValueError(f"the index holds {raw.d}-dimensional vectors, not {dim}")
        # deserialize_index hands back the concrete class, and owns it: no second proxy (it would free it).
        if not isinstance(raw, (faiss.IndexIDMap2, faiss.IndexIVF)):
            raise ValueError("the index file is not an id-keyed index")
        if raw.ntotal != info.get("count"):
            raise ValueError(f"the index holds {raw.ntotal} vectors but its trailer says {info.get('count')}")
        if isinstance(raw, faiss.IndexIVF):
            raw.nprobe = _nprobe(raw.nlist)  # today's setting, not the one it was saved with
        self = cls.__new__(cls)
        self.dim, self.index = dim, raw
        return self, info
