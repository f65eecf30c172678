"""The knowledge base of one data directory, and how documents get into it: chunked, embedded, checked for duplicates.

`KnowledgeBase` is what the CLI, the web app and the pipeline hold. It owns the indexing policy:
a document is chunked and embedded unless it repeats one already stored (then it is only recorded),
and when an original is removed, what repeated it is indexed in its place. Keeping the FAISS index
in step with the store is `mirror.VectorMirror`'s job; the SQL is the store's.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from clout.document import EPISODE, Chunk, Document, Voiceprint

from .dedup import Fingerprint, fingerprint, is_near_duplicate
from .embed import Embedder
from .faults import fault_point
from .lock import holding
from .mirror import VectorMirror
from .prepare import Prepared, prepare, recorded_only
from .store import Store, StoreError
from .vectors import INDEX_FILE, VectorIndex
from .windows import WINDOWS_METHOD, embed_windows

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
        # This store's sentence vectors are read before the model is asked (a view: the model and caches are shared).
        self.embedder = (embedder or Embedder()).reading(self.store.sentence_vectors)
        self.readonly = readonly
        self.notices: list[str] = []
        self._check_model()
        self.mirror = VectorMirror(self.store, self.data_dir, self.embedder.name, self.embedder.dim, readonly,
                                   self.notices, self.data_dir / LOCK_FILE)

    def _check_model(self) -> None:
        model, dim = self.store.get_meta("model"), self.store.get_meta("dim")
        if model is None:
            if not self.readonly:  # a new store: every passage will have its windows from the start
                self.store.set_meta(model=self.embedder.name, dim=str(self.embedder.dim), windows=WINDOWS_METHOD)
            return
        if self.readonly and self.store.get_meta("windows") != WINDOWS_METHOD and self.store.chunk_count():
            self.notices.append(
                f"the passages in {self.data_dir} were embedded before Clout kept window vectors, so semantic search "
                "ranks them less well: run `clout ingest` (any source, or the same one again) to embed them"
            )
        if model != self.embedder.name or int(dim or 0) != self.embedder.dim:
            raise StoreError(
                f"the knowledge base in {self.data_dir} was built with the embedding model {model} ({dim} dimensions), "
                f"but this Clout embeds with {self.embedder.name} ({self.embedder.dim}); its vectors cannot be compared. "
                "Use a new --data-dir, or re-ingest into an empty one."
            )

    # -- vectors (kept in step with the store by the mirror) -------------------------------------
    @property
    def vectors(self) -> VectorIndex:
        return self.mirror.index

    def refresh(self) -> bool:
        """For a long-running reader: pick up what another process committed. True if it changed."""
        return self.mirror.refresh()

    def check(self) -> dict:
        """Compare store and vector index; the figures `clout stats` shows."""
        return self.mirror.check()

    def save_vectors(self) -> None:
        """Save the vector index now (restructured if the collection outgrew it); normally done at a batch's end."""
        self.mirror.save()

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def writing(self):
        """Hold the data directory's write lock for a batch, and save the vectors at its end."""
        def refused(holder: str) -> BusyError:
            return BusyError(
                f"another Clout process ({holder or 'another process'}) is writing to {self.data_dir}; "
                "wait for it to finish"
            )

        with holding(self.data_dir / LOCK_FILE, refused):
            try:
                self.vectors  # repair before writing, so the batch starts from a consistent index
                yield self
            finally:
                if self.mirror.dirty:
                    self.mirror.save()

    def known(self, source: str) -> dict | None:
        """What ingest may know of a stored source before loading it again: its id, hash and fetch validators."""
        doc = self.store.document_by_source(source, segments=False)
        if doc is None:
            return None
        return {"id": doc.id, "content_hash": doc.stored_hash, "extra": doc.extra}

    def voiceprints(self, show: str) -> list[Voiceprint]:
        """The prints of the people named in a show's episodes so far (ingest names voices with them)."""
        return self.store.voiceprints(show)

    def add(self, doc: Document, prepared: Prepared | None = None) -> Added:
        """Chunk, embed and store a document; an unchanged one costs nothing. `prepared` is that work
        done elsewhere (a Ray worker): used when it was done for this text, else done here."""
        digest = doc.content_hash
        self.vectors  # loaded (and repaired) before the store changes under it
        old = self.store.document_by_source(doc.source, segments=False)
        if old is not None and old.stored_hash == digest:
            if doc.extra and old.extra != doc.extra:
                self.store.touch_document(old.id, doc.extra)
            return Added("unchanged", old.id)
        fp = fingerprint(doc.text)
        original = self._original_of(doc, fp)
        fields = {
            **{k: getattr(doc, k) for k in ("source", "kind", "title", "author", "date", "site", "url", "language",
                                             "description", "audio_url", "duration", "text")},
            "content_hash": digest,
        }
        # A duplicate is recorded, not indexed: search must never show the same passages twice.
        if original is not None:
            prepared = recorded_only(doc, self.embedder.dim)
        elif prepared is None or not prepared.fits(doc):
            prepared = prepare(doc, self.embedder)
        chunks, vectors = prepared.chunks, prepared.vectors
        chapters, origin = prepared.chapters, prepared.chapter_origin
        fault_point("embedded")
        doc_id, added, removed = self.store.put_document(
            fields,
            [asdict(c) for c in chunks],
            vectors,
            segments=doc.segments,
            fingerprint=fp.to_bytes(),
            duplicate_of=original[0] if original else None,
            extra=doc.extra,
            people=doc.people,
            chapters=chapters,
            chapter_origin=origin,
            sentences=(prepared.sentence_keys, prepared.sentence_vectors),
        )
        self.mirror.stored(removed, added, vectors)
        # Committed apart from the document: a crash between the two leaves its passages ranked by their
        # passage vectors alone until it is ingested again (search never sees a half-stored document).
        self.store.put_windows({c: w for c, w in zip(added, prepared.windows) if w is not None})
        if doc.kind == EPISODE and doc.voiceprints:
            self.store.remember_voices(doc.site, doc.voiceprints)
        if original is not None:
            return Added("duplicate", doc_id, 0, original[1])
        return Added("updated" if old is not None else "added", doc_id, len(added))

    def _original_of(self, doc: Document, fp: Fingerprint) -> tuple[int, str] | None:
        """The stored document of the same kind this one repeats, if any: same text, or nearly the same.

        Only the same kind: an episode that narrates an article is another way to take in the advice
        (it can be played from a moment), not a republished copy.
        """
        same = self.store.original_with_text(doc.kind, doc.text, exclude_source=doc.source)
        if same:
            return same
        for doc_id, source, blob in self.store.fingerprints(doc.kind, exclude_source=doc.source):
            if is_near_duplicate(fp, Fingerprint.from_bytes(blob)):
                return doc_id, source
        return None

    def remove(self, source: str) -> int:
        """Remove a document by its source; returns how many were removed (0 or 1)."""
        self.vectors  # loaded before the store changes under it
        doc = self.store.document_by_source(source, segments=False)
        if doc is None:
            return 0
        duplicates = self.store.duplicates_of(doc.id)
        removed = self.store.remove_document(doc.id)
        self.mirror.stored(removed)
        # What repeated the removed document is now the only copy: index it in its place.
        for dup in duplicates:
            self.store.remove_document(dup.id)
            self.add(dup)
            self.notices.append(f"{dup.source} was a duplicate of it and is now indexed in its place")
        return 1

    def fill_windows(self, batch: int = 500) -> int:
        """Embed the windows (index/windows.py) of passages a store made before them (or by another
        method) lacks, then record the method; returns how many passages it embedded. A no-op once done."""
        if self.readonly or self.store.get_meta("windows") == WINDOWS_METHOD:
            return 0
        done, after = 0, 0
        while rows := self.store.chunks_without_windows(after, batch):
            chunks = [Chunk(0, text, 0, len(text), context=context) for _, text, context in rows]
            vectors = embed_windows(chunks, self.embedder)
            self.store.put_windows({row[0]: v for row, v in zip(rows, vectors) if v is not None})
            done += sum(v is not None for v in vectors)
            after = rows[-1][0]
        self.store.set_meta(windows=WINDOWS_METHOD)
        return done
    def fill_sentences(self) -> int:
        """Embed and store the sentence vectors of documents stored before Clout kept them (schema 4), so
        search stops running the model on their passages; returns how many documents it did."""
        from .sentences import embedded, to_embed

        todo = self.store.documents_without_sentences()
        for doc_id in todo:
            doc = self.store.document(doc_id)
            chunks = self.store.document_chunks(doc_id)
            if doc is not None:
                self.store.put_sentences(doc_id, *embedded(to_embed(doc, chunks), self.embedder))
        return len(todo)

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
        if self.mirror.dirty and not self.readonly:
            self.mirror.save()
        self.store.close()


__all__ = ["KnowledgeBase", "Added", "BusyError", "StoreError"]
