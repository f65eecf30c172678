"""The SQLite store: documents, chunks (with their vectors), full-text index, transcripts.

SQLite is the source of truth. Every write is one transaction that also bumps `generation`, so a
reader (the vector index at open, a server between requests) can tell cheaply whether it is behind.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from clout.errors import CloutError

from .faults import fault_point

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    audio_url TEXT NOT NULL DEFAULT '',
    duration REAL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    fingerprint BLOB,
    duplicate_of INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    added_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_content_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_duplicate_of ON documents(duplicate_of);
CREATE TABLE IF NOT EXISTS segments (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start REAL NOT NULL,
    end REAL NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    start REAL,
    end REAL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id, position);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, title, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS transcripts (
    audio_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    segments TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (audio_hash, model)
);
"""

DOCUMENT_FIELDS = (
    "source", "kind", "title", "author", "date", "site", "url", "language", "description",
    "audio_url", "duration", "content_hash", "text",
)


class StoreError(CloutError):
    """The store cannot be used as it is (wrong model, unreadable file, newer schema)."""


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


class Store:
    """One SQLite database in WAL mode. Connections are per thread; writes are serialised by SQLite."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.db.executescript(SCHEMA)  # idempotent; executescript manages its own transaction
                with self.transaction() as db:
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            except sqlite3.OperationalError as e:  # read-only directory or file, disk full
                raise StoreError(f"cannot write to the knowledge base {self.path} ({e})") from None
        version = int(self.get_meta("schema_version") or SCHEMA_VERSION)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer Clout (schema {version}); upgrade Clout to open it")

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.readonly:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
            else:
                conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    class _Transaction:
        def __init__(self, store: "Store"):
            self.store = store

        def __enter__(self) -> sqlite3.Connection:
            self.db = self.store.db
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None:
                self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                fault_point("commit")
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")
            return False

    def transaction(self) -> "_Transaction":
        """A write transaction; committing it bumps the store's generation."""
        return Store._Transaction(self)

    # -- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    # -- documents ---------------------------------------------------------------------------
    def document_by_source(self, source: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE source = ?", (source,)).fetchone()

    def document(self, doc_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()

    def documents(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM documents ORDER BY id").fetchall()

    def fingerprints(self, kind: str, exclude_source: str = "") -> Iterator[tuple[int, str, bytes]]:
        """(id, source, fingerprint) of every original document of a kind (duplicates are not compared)."""
        yield from self.db.execute(
            "SELECT id, source, fingerprint FROM documents "
            "WHERE duplicate_of IS NULL AND fingerprint IS NOT NULL AND kind = ? AND source != ?",
            (kind, exclude_source),
        )

    def put_document(
        self,
        fields: dict,
        chunks: list[dict],
        vectors: np.ndarray,
        segments: Iterable[tuple[float, float, str]] = (),
        fingerprint: bytes | None = None,
        duplicate_of: int | None = None,
        extra: dict | None = None,
    ) -> tuple[int, list[int], list[int]]:
        """Insert or replace a document with its chunks, in one transaction.

        Returns (document id, ids of the chunks added, ids of the chunks it replaced).
        """
        now = time.time()
        values = [fields.get(k, "") if k != "duration" else fields.get(k) for k in DOCUMENT_FIELDS]
        with self.transaction() as db:
            old = db.execute("SELECT id, added_at FROM documents WHERE source = ?", (fields["source"],)).fetchone()
            removed: list[int] = []
            if old:
                doc_id = old["id"]
                removed = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id = ?", (doc_id,))]
                self._delete_chunks(db, removed)
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
                "INSERT INTO segments (document_id, position, start, end, text) VALUES (?, ?, ?, ?, ?)",
                [(doc_id, i, s, e, t) for i, (s, e, t) in enumerate(segments)],
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
        return doc_id, added, removed

    def touch_document(self, doc_id: int, extra: dict) -> None:
        """Record new fetch validators for an unchanged document."""
        with self.transaction() as db:
            db.execute("UPDATE documents SET extra = ?, updated_at = ? WHERE id = ?", (json.dumps(extra), time.time(), doc_id))

    def remove_document(self, doc_id: int) -> list[int]:
        """Delete a document; its duplicates become originals again. Returns the removed chunk ids."""
        with self.transaction() as db:
            removed = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id = ?", (doc_id,))]
            self._delete_chunks(db, removed)
            db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return removed

    @staticmethod
    def _delete_chunks(db: sqlite3.Connection, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", part)
            db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", part)

    # -- chunks ------------------------------------------------------------------------------
    def chunk_ids(self) -> np.ndarray:
        return np.fromiter((r[0] for r in self.db.execute("SELECT id FROM chunks")), dtype=np.int64)

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
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                rows = self.db.execute(
                    f"SELECT id, vector FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
                ).fetchall()
                if rows:
                    yield _unpack(rows)

    def chunks(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        ids = list(ids)
        out: dict[int, ChunkRow] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for r in self.db.execute(
                "SELECT id, document_id, position, text, context, char_start, char_end, start, end "
                f"FROM chunks WHERE id IN ({','.join('?' * len(part))})",
                part,
            ):
                out[r[0]] = ChunkRow(*r)
        return out

    def document_chunks(self, doc_id: int) -> list[ChunkRow]:
        return [
            ChunkRow(*r)
            for r in self.db.execute(
                "SELECT id, document_id, position, text, context, char_start, char_end, start, end "
                "FROM chunks WHERE document_id = ? ORDER BY position",
                (doc_id,),
            )
        ]

    def segments(self, doc_id: int) -> list[tuple[float, float, str]]:
        return [
            (r[0], r[1], r[2])
            for r in self.db.execute("SELECT start, end, text FROM segments WHERE document_id = ? ORDER BY position", (doc_id,))
        ]

    # -- transcripts -------------------------------------------------------------------------
    def get_transcript(self, audio_hash: str, model: str) -> list[tuple[float, float, str]] | None:
        row = self.db.execute(
            "SELECT segments FROM transcripts WHERE audio_hash = ? AND model = ?", (audio_hash, model)
        ).fetchone()
        return [tuple(s) for s in json.loads(row[0])] if row else None

    def put_transcript(self, audio_hash: str, model: str, language: str, segments: list) -> None:
        payload = json.dumps([[s[0], s[1], s[2]] if isinstance(s, (list, tuple)) else [s.start, s.end, s.text] for s in segments])
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO transcripts VALUES (?, ?, ?, ?, ?)", (audio_hash, model, language, payload, time.time())
            )

    # -- figures -----------------------------------------------------------------------------
    def counts(self) -> dict:
        db = self.db
        by_kind = {
            r[0]: r[1]
            for r in db.execute("SELECT kind, COUNT(*) FROM documents WHERE duplicate_of IS NULL GROUP BY kind")
        }
        return {
            "documents": db.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NULL").fetchone()[0],
            "duplicates": db.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0],
            "chunks": db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "by_kind": by_kind,
            "transcripts": db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0],
        }


def _unpack(rows) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vecs = np.vstack([np.frombuffer(r[1], dtype="<f4") for r in rows]).astype(np.float32)
    return ids, vecs
