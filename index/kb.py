"""The knowledge base on disk: the SQLite store and the FAISS index kept in step, one data directory.

Writes go to SQLite first (the source of truth), then to the in-memory vector index, which is saved
atomically at the end of a batch. At open, a vector index that disagrees with the store (a crash
between the two, a damaged file) is repaired from the vectors SQLite keeps, and says so.
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from clout.document import Chunk, Document, Segment

from .chunk import chunk_document
from .dedup import Fingerprint, fingerprint, is_near_duplicate
from .embed import Embedder
from .faults import fault_point
from .store import Store, StoreError
from .vectors import INDEX_FILE, VectorIndex, id_checksum

log = logging.getLogger(__name__)

DB_FILE = "clout.db"
LOCK_FILE = "write.lock"


class BusyError(StoreError):
    """Another process is writing to the same data directory."""


@dataclass(frozen=True)
class Added:
    """What storing a document did: status is added, updated, unchanged or duplicate."""

    status: str
    doc_id: int
    chunks: int = 0
    duplicate_of: str = ""


class KnowledgeBase:
    def __init__(self, data_dir: Path | str, embedder: Embedder | None = None, readonly: bool = False):
        self.data_dir = Path(data_dir)
        if readonly and not (self.data_dir / DB_FILE).exists():
            raise StoreError(f"no knowledge base in {self.data_dir} yet: run `clout ingest` first")
        self.store = Store(self.data_dir / DB_FILE, readonly=readonly)
        self.embedder = embedder or Embedder()
        self.readonly = readonly
        self._vectors: VectorIndex | None = None
        self._vectors_generation = -1
        self._dirty = False
        self._reload_lock = threading.Lock()
        self.notices: list[str] = []
        self._check_model()

    # -- model ---------------------------------------------------------------------------------
    def _check_model(self) -> None:
        model, dim = self.store.get_meta("model"), self.store.get_meta("dim")
        if model is None:
            if not self.readonly:
                with self.store.transaction() as db:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (self.embedder.name,))
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('dim', ?)", (str(self.embedder.dim),))
            return
        if model != self.embedder.name or int(dim or 0) != self.embedder.dim:
            raise StoreError(
                f"the knowledge base in {self.data_dir} was built with the embedding model {model} ({dim} dimensions), "
                f"but this Clout embeds with {self.embedder.name} ({self.embedder.dim}); its vectors cannot be compared. "
                "Use a new --data-dir, or re-ingest into an empty one."
            )

    # -- vectors -------------------------------------------------------------------------------
    @property
    def vectors(self) -> VectorIndex:
        if self._vectors is None:
            self._load_vectors()
        return self._vectors

    def _load_vectors(self) -> None:
        generation = self.store.generation
        try:
            index, info = VectorIndex.load(self.data_dir, self.embedder.dim)
            if info.get("model") != self.embedder.name:
                raise ValueError(f"it was built with {info.get('model')}")
        except ValueError as e:
            if (self.data_dir / INDEX_FILE).exists() or self.store.counts()["chunks"]:
                self.notices.append(f"vector index not usable ({e}): rebuilt from the store")
            index, info = self._rebuild(), None
        if info is not None and (
            info["generation"] != generation
            or index.count != self.store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        ):
            self._reconcile(index)
        self._vectors, self._vectors_generation = index, generation
        if self.notices and not self.readonly:
            self._save_vectors()

    def _rebuild(self) -> VectorIndex:
        """A fresh index, of the structure its size calls for, from the vectors the store keeps."""
        return VectorIndex.build(self.embedder.dim, self.store.vectors, self.store.counts()["chunks"])

    def _reconcile(self, index: VectorIndex) -> None:
        """Bring the vector index in line with the store: add what it lacks, drop what it has extra."""
        stored, indexed = self.store.chunk_ids(), index.ids()
        missing = np.setdiff1d(stored, indexed, assume_unique=True)
        extra = np.setdiff1d(indexed, stored, assume_unique=True)
        if len(missing) == 0 and len(extra) == 0:
            return
        index.remove(extra)
        for ids, vecs in self.store.vectors(missing.tolist()):
            index.add(ids, vecs)
        self.notices.append(
            f"vector index was out of step with the store ({len(missing)} missing, {len(extra)} extra): repaired"
        )

    def _save_vectors(self) -> None:
        if self.vectors.needs_rebuild():  # the collection outgrew its structure: retrain from the store
            self._vectors = self._rebuild()
            self.notices.append(f"vector index rebuilt as {self._vectors.kind} for {self._vectors.count} vectors")
        try:
            fault_point("save")
            self.vectors.save(self.data_dir, self.store.generation, self.embedder.name)
        except OSError as e:
            # The old index file is untouched (saves are atomic) and the store has everything:
            # the next open reconciles, so there is nothing to retry at close.
            self._dirty = False
            raise StoreError(
                f"cannot save the vector index in {self.data_dir} ({e.strerror or e}); what was ingested is stored, "
                "the previous index is still the one served, and it will be brought up to date on the next run"
            ) from None
        self._dirty = False

    def refresh(self) -> bool:
        """For a long-running reader: pick up what another process committed. True if it changed.

        One thread reloads while the others go on answering from the index they hold (older but
        whole); the new one is swapped in with a single assignment.
        """
        if self._vectors is not None and self.store.generation == self._vectors_generation:
            return False
        if not self._reload_lock.acquire(blocking=False):
            if self._vectors is None:  # nothing to answer from yet: wait for the first load
                with self._reload_lock:
                    pass
            return False
        try:
            if self._vectors is not None and self.store.generation == self._vectors_generation:
                return False
            fresh = KnowledgeBase.__new__(KnowledgeBase)
            fresh.__dict__.update(self.__dict__)
            fresh._vectors, fresh.notices = None, []
            fresh.readonly = True  # a reader never rewrites the writer's files
            fresh._load_vectors()
            self.notices.extend(fresh.notices)
            if fresh.notices:
                self._save_if_free(fresh._vectors, fresh._vectors_generation)
            # The index before its generation: a reader that sees the new generation sees the new index.
            self._vectors = fresh._vectors
            self._vectors_generation = fresh._vectors_generation
            del fresh
            _give_back_freed_memory()
        finally:
            self._reload_lock.release()
        return True

    def _save_if_free(self, index: VectorIndex, generation: int) -> None:
        """A reader that repaired the index saves it, unless a writer holds the lock (it will save)."""
        try:
            with open(self.data_dir / LOCK_FILE, "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                index.save(self.data_dir, generation, self.embedder.name)
        except (BlockingIOError, OSError) as e:
            log.info("repaired vector index not saved: %s", e)

    def check(self) -> dict:
        """Compare store and vector index; the figures `clout stats` shows."""
        stored = self.store.chunk_ids()
        indexed = self.vectors.ids()
        return {
            "consistent": bool(len(stored) == len(indexed) and id_checksum(stored) == id_checksum(indexed)),
            "stored_chunks": int(len(stored)),
            "indexed_vectors": int(len(indexed)),
        }

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def writing(self):
        """Hold the data directory's write lock for a batch, and save the vectors at its end."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / LOCK_FILE, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "another process"
                raise BusyError(
                    f"another Clout process ({holder}) is writing to {self.data_dir}; wait for it to finish"
                ) from None
            lock.seek(0)
            lock.truncate()
            lock.write(f"pid {os.getpid()}")
            lock.flush()
            try:
                self.vectors  # repair before writing, so the batch starts from a consistent index
                yield self
            finally:
                if self._dirty:
                    self._save_vectors()

    def known(self, source: str) -> dict | None:
        row = self.store.document_by_source(source)
        if row is None:
            return None
        return {"id": row["id"], "content_hash": row["content_hash"], "extra": json.loads(row["extra"] or "{}")}

    def add(self, doc: Document) -> Added:
        """Chunk, embed and store a document; an unchanged one costs nothing."""
        digest = doc.content_hash
        vectors_index = self.vectors  # loaded (and repaired) before the store changes under it
        old = self.store.document_by_source(doc.source)
        if old is not None and old["content_hash"] == digest:
            if doc.extra and json.loads(old["extra"] or "{}") != doc.extra:
                self.store.touch_document(old["id"], doc.extra)
            return Added("unchanged", old["id"])
        fp = fingerprint(doc.text)
        original = self._original_of(doc, fp)
        fields = {
            **{k: getattr(doc, k) for k in ("source", "kind", "title", "author", "date", "site", "url", "language",
                                             "description", "audio_url", "duration", "text")},
            "content_hash": digest,
        }
        # A duplicate is recorded, not indexed: search must never show the same passages twice.
        chunks = chunk_document(doc) if original is None else []
        vectors = self.embedder.encode([_embedding_text(c) for c in chunks]) if chunks else np.zeros((0, self.embedder.dim))
        fault_point("embedded")
        try:
            doc_id, added, removed = self.store.put_document(
                fields,
                [asdict(c) for c in chunks],
                vectors,
                segments=[(s.start, s.end, s.text) for s in doc.segments],
                fingerprint=fp.to_bytes(),
                duplicate_of=original[0] if original else None,
                extra=doc.extra,
            )
        except sqlite3.OperationalError as e:  # disk full, read-only: the transaction stored nothing
            raise StoreError(f"cannot store {doc.source} in {self.data_dir} ({e})") from None
        vectors_index.remove(removed)
        vectors_index.add(np.asarray(added, dtype=np.int64), vectors)
        self._vectors_generation = self.store.generation
        self._dirty = True
        if original is not None:
            return Added("duplicate", doc_id, 0, original[1])
        return Added("updated" if old is not None else "added", doc_id, len(added))

    def _original_of(self, doc: Document, fp: Fingerprint) -> tuple[int, str] | None:
        """The stored document of the same kind this one repeats, if any: same text, or nearly the same.

        Only the same kind: an episode that narrates an article is another way to take in the advice
        (it can be played from a moment), not a republished copy.
        """
        same = self.store.db.execute(
            "SELECT id, source FROM documents WHERE duplicate_of IS NULL AND kind = ? AND text = ? AND source != ? LIMIT 1",
            (doc.kind, doc.text, doc.source),
        ).fetchone()
        if same:
            return same[0], same[1]
        for doc_id, source, blob in self.store.fingerprints(doc.kind, exclude_source=doc.source):
            if is_near_duplicate(fp, Fingerprint.from_bytes(blob)):
                return doc_id, source
        return None

    def remove(self, source: str) -> int:
        """Remove a document by its source; returns how many were removed (0 or 1)."""
        vectors_index = self.vectors
        row = self.store.document_by_source(source)
        if row is None:
            return 0
        duplicates = self.store.db.execute("SELECT * FROM documents WHERE duplicate_of = ?", (row["id"],)).fetchall()
        removed = self.store.remove_document(row["id"])
        vectors_index.remove(removed)
        self._vectors_generation = self.store.generation
        self._dirty = True
        # What repeated the removed document is now the only copy: index it in its place.
        for dup in duplicates:
            self.store.remove_document(dup["id"])
            self.add(document_from_row(dup, self.store.segments(dup["id"])))
            self.notices.append(f"{dup['source']} was a duplicate of it and is now indexed in its place")
        return 1

    def stats(self) -> dict:
        counts = self.store.counts()
        index_path = self.data_dir / INDEX_FILE
        return {
            **counts,
            "vectors": self.vectors.count,
            **self.check(),
            "index_bytes": index_path.stat().st_size if index_path.exists() else 0,
            "store_bytes": sum(p.stat().st_size for p in self.data_dir.glob(DB_FILE + "*")),
            "model": self.store.get_meta("model"),
            "dim": int(self.store.get_meta("dim") or 0),
            "data_dir": str(self.data_dir.resolve()),
        }

    def close(self) -> None:
        if self._dirty and not self.readonly:
            self._save_vectors()
        self.store.close()


def _give_back_freed_memory() -> None:
    """Return the pages of a replaced index to the system. glibc keeps freed memory in its arenas, so a
    server that reloads after every nightly ingest would otherwise grow by about an index each time."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def document_from_row(row, segments) -> Document:
    return Document(
        **{k: row[k] for k in ("source", "text", "kind", "title", "author", "date", "site", "url", "language",
                               "description", "audio_url", "duration")},
        segments=[Segment(*s) for s in segments],
        extra=json.loads(row["extra"] or "{}"),
    )


def _embedding_text(chunk: Chunk) -> str:
    # The title and heading tell the model what the passage is about; they are not shown.
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


__all__ = ["KnowledgeBase", "Added", "BusyError", "StoreError"]
