"""Documents, their timed segments and their chunks (each with its vector and full-text row): written together, read back as Documents."""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, fields as dataclass_fields
from typing import Iterable, Iterator

import numpy as np

from clout.document import Document, Segment

from .database import StoreError
from .episodes import PUBLISHER, write_episode
from .sentences import write_sentences

DOCUMENT_FIELDS = (
    "source", "kind", "title", "author", "date", "site", "url", "language", "description",
    "audio_url", "duration", "content_hash", "text",
)
_CHUNK_COLUMNS = "id, document_id, position, text, context, char_start, char_end, start, end"
_SHOWN_COLUMNS = ("id, source, kind, title, author, date, site, url, language, description, audio_url, duration, "
                  "content_hash, '' AS text, duplicate_of, extra, added_at, updated_at")
_BATCH = 500  # ids per IN (...) list: well under SQLite's limit on bound parameters


@dataclass(kw_only=True)
class StoredDocument(Document):
    """A Document as the store holds it: with its id, what it repeats, and when it was stored.

    `stored_hash` is the content hash recorded when it was stored: what a re-ingest compares with,
    so unchanged input costs nothing.
    """

    id: int
    stored_hash: str = ""
    duplicate_of: int | None = None
    added_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class ChunkRow:
    id: int
    document_id: int
    position: int
    text: str
    context: str
    char_start: int
    char_end: int
    start: float | None
    end: float | None


# Read from tables of their own (segments, people, chapters) or not stored with the document (voiceprints).
_DOCUMENT_ATTRS = tuple(
    f.name for f in dataclass_fields(Document)
    if f.name not in ("segments", "extra", "people", "chapters", "voiceprints")
)


class DocumentTables:
    """The documents, segments, chunks and chunks_fts tables (a mixin of Store: uses self.db, self.transaction)."""

    # -- reading -----------------------------------------------------------------------------
    def document(self, doc_id: int, segments: bool = True) -> StoredDocument | None:
        """The document with this id (with its timed segments unless told not to), or None."""
        if not -(2**63) <= doc_id < 2**63:  # no SQLite rowid is this large; binding it would overflow
            return None
        return self._stored(self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone(), segments)

    def document_shown(self, doc_id: int) -> StoredDocument | None:
        """The document as a search hit shows it: without its text, segments, people or chapters (a
        long document's text was most of what reading ten hits' documents cost)."""
        if not -(2**63) <= doc_id < 2**63:
            return None
        row = self.db.execute(f"SELECT {_SHOWN_COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return self._stored(row, segments=False, details=False)

    def document_by_source(self, source: str, segments: bool = True) -> StoredDocument | None:
        return self._stored(self.db.execute("SELECT * FROM documents WHERE source = ?", (source,)).fetchone(), segments)

    def documents(self) -> list[StoredDocument]:
        """Every stored document, duplicates included, in the order they were first stored."""
        return [self._stored(r, True) for r in self.db.execute("SELECT * FROM documents ORDER BY id").fetchall()]

    def duplicates_of(self, doc_id: int) -> list[StoredDocument]:
        """The documents recorded as repeating this one."""
        rows = self.db.execute("SELECT * FROM documents WHERE duplicate_of = ? ORDER BY id", (doc_id,)).fetchall()
        return [self._stored(r, True) for r in rows]

    def document_sources(self) -> list[tuple[int, str, int | None]]:
        """(id, source, id of the original it repeats or None) of every document: cheap, no text."""
        return [(r[0], r[1], r[2]) for r in self.db.execute("SELECT id, source, duplicate_of FROM documents")]

    def document_counts(self) -> dict:
        """Originals, recorded duplicates, and originals per kind."""
        db = self.db
        return {
            "documents": db.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NULL").fetchone()[0],
            "duplicates": db.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0],
            "by_kind": {
                r[0]: r[1]
                for r in db.execute("SELECT kind, COUNT(*) FROM documents WHERE duplicate_of IS NULL GROUP BY kind")
            },
        }

    def original_with_text(self, kind: str, text: str, exclude_source: str) -> tuple[int, str] | None:
        """(id, source) of an original document of this kind with exactly this text, other than `exclude_source`."""
        row = self.db.execute(
            "SELECT id, source FROM documents WHERE duplicate_of IS NULL AND kind = ? AND text = ? AND source != ? LIMIT 1",
            (kind, text, exclude_source),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def fingerprints(self, kind: str, exclude_source: str = "") -> Iterator[tuple[int, str, bytes]]:
        """(id, source, fingerprint) of every original document of a kind (duplicates are not compared)."""
        yield from self.db.execute(
            "SELECT id, source, fingerprint FROM documents "
            "WHERE duplicate_of IS NULL AND fingerprint IS NOT NULL AND kind = ? AND source != ?",
            (kind, exclude_source),
        )

    def segments(self, doc_id: int, start: float | None = None, end: float | None = None) -> list[Segment]:
        """The episode's timed segments in order; with start and end, only those overlapping that span
        (as `index.sentences.segments_inside` picks them: a hit needs its passage's, not the episode's)."""
        sql, params = "SELECT start, end, text, speaker FROM segments WHERE document_id = ?", [doc_id]
        if start is not None and end is not None:
            sql, params = sql + " AND end > ? AND start < ?", [doc_id, start, end]
        return [Segment(r[0], r[1], r[2], r[3]) for r in self.db.execute(sql + " ORDER BY position", params)]

    def _stored(self, row: sqlite3.Row | None, segments: bool, details: bool = True) -> StoredDocument | None:
        if row is None:
            return None
        episode = details and row["kind"] == "episode"
        return StoredDocument(
            **{name: row[name] for name in _DOCUMENT_ATTRS},
            segments=self.segments(row["id"]) if segments else [],
            people=self.people(row["id"]) if episode else [],
            chapters=self.chapters(row["id"]) if episode else [],
            extra=json.loads(row["extra"] or "{}"),
            id=row["id"], stored_hash=row["content_hash"], duplicate_of=row["duplicate_of"],
            added_at=row["added_at"], updated_at=row["updated_at"],
        )

    # -- writing -----------------------------------------------------------------------------
    def put_document(
        self,
        fields: dict,
        chunks: list[dict],
        vectors: np.ndarray,
        segments: Iterable[Segment] = (),
        fingerprint: bytes | None = None,
        duplicate_of: int | None = None,
        extra: dict | None = None,
        people=(),
        chapters=(),
        chapter_origin: str = PUBLISHER,
        sentences: tuple[np.ndarray, np.ndarray | None] | None = None,
    ) -> tuple[int, list[int], list[int]]:
        """Insert or replace a document with its chunks (and an episode's people and chapters, and the
        (keys, vectors) of its passages' sentences), in one transaction.

        Returns (document id, ids of the chunks added, ids of the chunks it replaced); StoreError when
        SQLite cannot write (disk full, read-only), and then nothing of it is stored.
        """
        try:
            return self._put_document(fields, chunks, vectors, segments, fingerprint, duplicate_of, extra,
                                      people, chapters, chapter_origin, sentences)
        except sqlite3.OperationalError as e:  # the transaction rolled back
            raise StoreError(f"cannot store {fields['source']} in {self.path.parent} ({e})") from None

    def _put_document(self, fields, chunks, vectors, segments, fingerprint, duplicate_of, extra,
                      people=(), chapters=(), chapter_origin=PUBLISHER, sentences=None):
        now = time.time()
        values = [fields.get(k, "") if k != "duration" else fields.get(k) for k in DOCUMENT_FIELDS]
        with self.transaction() as db:
            old = db.execute("SELECT id, added_at FROM documents WHERE source = ?", (fields["source"],)).fetchone()
            removed: list[int] = []
            if old:
                doc_id = old["id"]
                removed = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id = ?", (doc_id,))]
                _delete_chunks(db, removed)
                db.execute("DELETE FROM segments WHERE document_id = ?", (doc_id,))
                assignments = ", ".join(f"{k} = ?" for k in DOCUMENT_FIELDS)
                db.execute(
                    f"UPDATE documents SET {assignments}, fingerprint = ?, duplicate_of = ?, extra = ?, updated_at = ? "
                    "WHERE id = ?",
                    (*values, fingerprint, duplicate_of, json.dumps(extra or {}), now, doc_id),
                )
            else:
                cur = db.execute(
                    f"INSERT INTO documents ({', '.join(DOCUMENT_FIELDS)}, fingerprint, duplicate_of, extra, added_at, updated_at) "
                    f"VALUES ({', '.join('?' * len(DOCUMENT_FIELDS))}, ?, ?, ?, ?, ?)",
                    (*values, fingerprint, duplicate_of, json.dumps(extra or {}), now, now),
                )
                doc_id = cur.lastrowid
            db.executemany(
                "INSERT INTO segments (document_id, position, start, end, text, speaker) VALUES (?, ?, ?, ?, ?, ?)",
                [(doc_id, i, s.start, s.end, s.text, s.speaker) for i, s in enumerate(segments)],
            )
            added: list[int] = []
            title = fields.get("title", "")
            for chunk, vector in zip(chunks, vectors):
                cur = db.execute(
                    "INSERT INTO chunks (document_id, position, text, context, char_start, char_end, start, end, vector) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc_id, chunk["position"], chunk["text"], chunk.get("context", ""), chunk["char_start"],
                        chunk["char_end"], chunk.get("start"), chunk.get("end"),
                        np.asarray(vector, dtype="<f4").tobytes(),
                    ),
                )
                db.execute(
                    "INSERT INTO chunks_fts (rowid, text, title) VALUES (?, ?, ?)",
                    (cur.lastrowid, chunk["text"], " ".join(p for p in (title, chunk.get("context", "")) if p)),
                )
                added.append(cur.lastrowid)
            write_episode(db, doc_id, people, chapters, chapter_origin,
                          [(i, tuple(c.get("speakers", ()))) for i, c in zip(added, chunks)])
            write_sentences(db, doc_id, *(sentences or (np.zeros(0, np.int64), None)))
        return doc_id, added, removed

    def touch_document(self, doc_id: int, extra: dict) -> None:
        """Record new fetch validators for an unchanged document."""
        with self.transaction() as db:
            db.execute("UPDATE documents SET extra = ?, updated_at = ? WHERE id = ?", (json.dumps(extra), time.time(), doc_id))

    def remove_document(self, doc_id: int) -> list[int]:
        """Delete a document; its duplicates become originals again. Returns the removed chunk ids."""
        with self.transaction() as db:
            removed = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id = ?", (doc_id,))]
            _delete_chunks(db, removed)
            write_sentences(db, doc_id, np.zeros(0, np.int64), None)  # what ON DELETE CASCADE would do, said plainly
            db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return removed

    def bulk_load(self, documents: list[tuple], chunks: list[tuple], segments: list[tuple] = (),
                  sentences: list[tuple] = ()) -> None:
        """Benchmarks only: ready-made rows in one transaction, with no chunking, embedding or duplicate check.

        documents: (id, source, kind, title, author, date, site, url, language, description, audio_url,
        duration, content_hash, text, extra, added_at, updated_at); chunks: (id, document_id, position,
        text, context, char_start, char_end, vector bytes, start, end), the context indexed as the
        full-text title; segments: (document_id, position, start, end, text, speaker) of episodes;
        sentences: (key, document_id, float16 vector bytes).
        """
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO documents (id, source, kind, title, author, date, site, url, language, description, "
                "audio_url, duration, content_hash, text, extra, added_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                documents,
            )
            db.executemany(
                "INSERT INTO chunks (id, document_id, position, text, context, char_start, char_end, vector, start, end) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                chunks,
            )
            db.executemany("INSERT INTO chunks_fts (rowid, text, title) VALUES (?, ?, ?)", [(c[0], c[3], c[4]) for c in chunks])
            db.executemany(
                "INSERT INTO segments (document_id, position, start, end, text, speaker) VALUES (?, ?, ?, ?, ?, ?)",
                segments,
            )
            db.executemany("INSERT OR IGNORE INTO sentence_vectors (key, document_id, vector) VALUES (?, ?, ?)", sentences)

    # -- chunks ------------------------------------------------------------------------------
    def chunk_ids(self) -> np.ndarray:
        return np.fromiter((r[0] for r in self.db.execute("SELECT id FROM chunks")), dtype=np.int64)

    def chunk_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def vectors(self, ids: Iterable[int] | None = None, batch: int = 20000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) in batches: all chunks, or the ones named."""
        if ids is None:
            last = -1
            while True:
                rows = self.db.execute(
                    "SELECT id, vector FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                ).fetchall()
                if not rows:
                    return
                last = rows[-1][0]
                yield _unpack(rows)
        else:
            ids = list(ids)
            for start in range(0, len(ids), _BATCH):
                part = ids[start : start + _BATCH]
                rows = self.db.execute(
                    f"SELECT id, vector FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
                ).fetchall()
                if rows:
                    yield _unpack(rows)

    def chunks(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        ids = list(ids)
        out: dict[int, ChunkRow] = {}
        for start in range(0, len(ids), _BATCH):
            part = ids[start : start + _BATCH]
            for r in self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
            ):
                out[r[0]] = ChunkRow(*r)
        return out

    def document_chunks(self, doc_id: int) -> list[ChunkRow]:
        return [
            ChunkRow(*r)
            for r in self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE document_id = ? ORDER BY position", (doc_id,)
            )
        ]


def _delete_chunks(db: sqlite3.Connection, ids: list[int]) -> None:
    for start in range(0, len(ids), _BATCH):
        part = ids[start : start + _BATCH]
        marks = ",".join("?" * len(part))
        db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", part)
        db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", part)


def _unpack(rows) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vecs = np.vstack([np.frombuffer(r[1], dtype="<f4") for r in rows]).astype(np.float32)
    return ids, vecs
