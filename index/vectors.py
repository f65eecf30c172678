"""The FAISS vector index: one vector per chunk under the chunk's id, saved atomically.

The index file is derived data: it can always be rebuilt from the vectors SQLite keeps. Its header
records which store generation it reflects, how many vectors it holds, a checksum of their ids and
of the FAISS bytes; header and index are one file replaced in one rename, so a crash leaves the old
file or the new one, and a torn, stale or foreign file is caught at open and never served.
"""
from __future__ import annotations

import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INDEX_FILE = "vectors.faiss"
MAGIC = b"CLOUTVEC1\n"


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


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
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


class VectorIndex:
    """Inner-product search over normalised vectors, keyed by chunk id."""

    def __init__(self, dim: int):
        import faiss

        self.dim = dim
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids):
            self.index.remove_ids(ids)

    def search(self, query: np.ndarray, k: int, only=None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors, among the ids in `only` when given."""
        import faiss

        if self.count == 0 or (only is not None and len(only) == 0):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        if only is not None:
            only = np.asarray(only, dtype=np.int64)
            k = min(k, len(only))
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(only))
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self.index.search(query, min(k, self.count), params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    # -- persistence -------------------------------------------------------------------------
    def save(self, directory: Path, generation: int, model: str) -> None:
        import faiss

        data = faiss.serialize_index(self.index).tobytes()
        info = {
            "generation": generation,
            "count": self.count,
            "id_checksum": id_checksum(self.ids()),
            "model": model,
            "dim": self.dim,
            "file_crc32": zlib.crc32(data),
        }
        header = json.dumps(info).encode()
        _write_atomic(directory / INDEX_FILE, MAGIC + len(header).to_bytes(4, "little") + header + data)

    @classmethod
    def load(cls, directory: Path, dim: int) -> tuple["VectorIndex", dict]:
        """The saved index and its header; raises ValueError if it is missing or damaged."""
        import faiss

        index_path = directory / INDEX_FILE
        if not index_path.exists():
            raise ValueError("no saved vector index")
        blob = index_path.read_bytes()
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
            raise ValueError("the index file has no Clout header (damaged or foreign)")
        size = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "little")
        try:
            info = json.loads(blob[len(MAGIC) + 4 : len(MAGIC) + 4 + size])
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"the index header is unreadable ({e})") from None
        data = blob[len(MAGIC) + 4 + size :]
        if zlib.crc32(data) != info.get("file_crc32"):
            raise ValueError("the index file's checksum does not match (truncated or changed)")
        try:
            raw = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except Exception as e:  # faiss raises RuntimeError with C++ text
            raise ValueError(f"the index file is damaged ({str(e).splitlines()[0][:120]})") from None
        if raw.d != dim:
            raise ValueError(f"the index holds {raw.d}-dimensional vectors, not {dim}")
        self = cls.__new__(cls)
        self.dim = dim
        self.index = faiss.downcast_index(raw) if not isinstance(raw, faiss.IndexIDMap2) else raw
        if not isinstance(self.index, faiss.IndexIDMap2):
            raise ValueError("the index file is not an id-mapped index")
        return self, info
