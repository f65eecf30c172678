"""The FAISS index kept in step with the store: loaded, repaired, saved and reloaded against the store's generation.

SQLite is the source of truth and the vector index a mirror of the vectors it keeps. Writes go to
the store first, then to the in-memory index, which is saved atomically at the end of a batch. At
open, an index that disagrees with the store (a crash between the two, a damaged file, a foreign
model) is repaired from the store, and says so in `notices`.
"""
from __future__ import annotations

import ctypes
import logging
import threading
from pathlib import Path

import numpy as np

from .faults import fault_point
from .lock import holding
from .store import Store, StoreError
from .vectors import INDEX_FILE, VectorIndex, id_checksum

log = logging.getLogger(__name__)


class _Taken(Exception):
    pass


class VectorMirror:
    """The vector index of one data directory, never behind the store it mirrors for longer than a batch."""

    def __init__(self, store: Store, data_dir: Path, model: str, dim: int, readonly: bool, notices: list[str],
                 lock_file: Path):
        self.store, self.data_dir, self.model, self.dim = store, Path(data_dir), model, dim
        self.readonly = readonly
        self.notices = notices  # the knowledge base's: what was repaired, for the user to read
        self.lock_file = lock_file
        self.dirty = False  # the index holds changes its saved file lacks
        self._index: VectorIndex | None = None
        self._generation = -1  # the store generation the index reflects
        self._reload_lock = threading.Lock()

    @property
    def index(self) -> VectorIndex:
        """The index, loaded (and repaired from the store, and the repair saved) on first use."""
        if self._index is None:
            notices: list[str] = []
            self._index, self._generation = self._load(notices)
            self.notices.extend(notices)
            if notices and not self.readonly:
                self.save()
        return self._index

    def _load(self, notices: list[str]) -> tuple[VectorIndex, int]:
        """The saved index brought in line with the store, and the generation it now reflects."""
        generation = self.store.generation
        try:
            index, info = VectorIndex.load(self.data_dir, self.dim)
            if info.get("model") != self.model:
                raise ValueError(f"it was built with {info.get('model')}")
        except ValueError as e:
            if (self.data_dir / INDEX_FILE).exists() or self.store.chunk_count():
                notices.append(f"vector index not usable ({e}): rebuilt from the store")
            return self._rebuild(), generation
        if info["generation"] != generation or index.count != self.store.chunk_count():
            self._reconcile(index, notices)
        return index, generation

    def _rebuild(self) -> VectorIndex:
        """A fresh index, of the structure its size calls for, from the vectors the store keeps."""
        return VectorIndex.build(self.dim, self.store.vectors, self.store.chunk_count())

    def _reconcile(self, index: VectorIndex, notices: list[str]) -> None:
        """Bring the vector index in line with the store: add what it lacks, drop what it has extra."""
        stored, indexed = self.store.chunk_ids(), index.ids()
        missing = np.setdiff1d(stored, indexed, assume_unique=True)
        extra = np.setdiff1d(indexed, stored, assume_unique=True)
        if len(missing) == 0 and len(extra) == 0:
            return
        index.remove(extra)
        for ids, vecs in self.store.vectors(missing.tolist()):
            index.add(ids, vecs)
        notices.append(f"vector index was out of step with the store ({len(missing)} missing, {len(extra)} extra): repaired")

    def stored(self, removed: list[int], added: list[int] = (), vectors: np.ndarray | None = None) -> None:
        """The store has just committed a change: mirror it (the index must have been loaded before the change)."""
        self._index.remove(removed)
        if len(added):
            self._index.add(np.asarray(added, dtype=np.int64), vectors)
        self._generation = self.store.generation
        self.dirty = True

    def save(self) -> None:
        """Write the index file (atomically), restructured first if the collection outgrew its structure."""
        if self.index.needs_rebuild():  # retrain from the store
            self._index = self._rebuild()
            self.notices.append(f"vector index rebuilt as {self._index.kind} for {self._index.count} vectors")
        try:
            fault_point("save")
            self._index.save(self.data_dir, self.store.generation, self.model)
        except OSError as e:
            # The old index file is untouched (saves are atomic) and the store has everything:
            # the next open reconciles, so there is nothing to retry at close.
            self.dirty = False
            raise StoreError(
                f"cannot save the vector index in {self.data_dir} ({e.strerror or e}); what was ingested is stored, "
                "the previous index is still the one served, and it will be brought up to date on the next run"
            ) from None
        self.dirty = False

    def refresh(self) -> bool:
        """For a long-running reader: pick up what another process committed. True if it changed.

        One thread reloads while the others go on answering from the index they hold (older but
        whole); the new one is swapped in with a single assignment.
        """
        if self._index is not None and self.store.generation == self._generation:
            return False
        if not self._reload_lock.acquire(blocking=False):
            if self._index is None:  # nothing to answer from yet: wait for the first load
                with self._reload_lock:
                    pass
            return False
        try:
            if self._index is not None and self.store.generation == self._generation:
                return False
            notices: list[str] = []
            index, generation = self._load(notices)  # a reader never rewrites the writer's files here
            self.notices.extend(notices)
            if notices:
                self._save_if_free(index, generation)
            # The index before its generation: a reader that sees the new generation sees the new index.
            self._index = index
            self._generation = generation
            del index
            _give_back_freed_memory()
        finally:
            self._reload_lock.release()
        return True

    def _save_if_free(self, index: VectorIndex, generation: int) -> None:
        """A reader that repaired the index saves it, unless a writer holds the lock (it will save)."""
        def taken(holder: str) -> _Taken:
            return _Taken(f"{holder or 'another process'} holds the write lock")

        try:
            with holding(self.lock_file, taken):
                index.save(self.data_dir, generation, self.model)
        except (_Taken, OSError) as e:
            log.info("repaired vector index not saved: %s", e)

    def check(self) -> dict:
        """Compare store and vector index; the figures `clout stats` shows."""
        stored = self.store.chunk_ids()
        indexed = self.index.ids()
        return {
            "consistent": bool(len(stored) == len(indexed) and id_checksum(stored) == id_checksum(indexed)),
            "stored_chunks": int(len(stored)),
            "indexed_vectors": int(len(indexed)),
        }


def _give_back_freed_memory() -> None:
    """Return the pages of a replaced index to the system. glibc keeps freed memory in its arenas, so a
    server that reloads after every nightly ingest would otherwise grow by about an index each time."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
