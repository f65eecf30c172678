"""The sentence_vectors table: float16 vectors of passage sentences, stored at ingest, found by text key."""
from __future__ import annotations

import sqlite3

import numpy as np

_BATCH = 500  # keys per IN (...) list: well under SQLite's limit on bound parameters


def write_sentences(db: sqlite3.Connection, doc_id: int, keys: np.ndarray, vectors: np.ndarray | None) -> None:
    """Inside put_document's transaction: replace the document's sentence vectors."""
    db.execute("DELETE FROM sentence_vectors WHERE document_id = ?", (doc_id,))
    if vectors is None or not len(keys):
        return
    blobs = np.ascontiguousarray(vectors, dtype="<f2")
    db.executemany(
        "INSERT OR REPLACE INTO sentence_vectors (key, document_id, vector) VALUES (?, ?, ?)",
        [(int(k), doc_id, blobs[i].tobytes()) for i, k in enumerate(keys)],
    )


class SentenceTable:
    """Reading sentence vectors (a mixin of Store: uses self.db)."""

    def sentence_vectors(self, keys) -> dict[int, np.ndarray]:
        """{key: float32 vector} for the keys stored (by any document); absent keys are left out."""
        keys = list(dict.fromkeys(int(k) for k in keys))
        out: dict[int, np.ndarray] = {}
        try:
            for start in range(0, len(keys), _BATCH):
                part = keys[start : start + _BATCH]
                # One row per key, however many documents hold the sentence: a probe of the index each.
                for k, blob in self.db.execute(
                    f"WITH wanted(k) AS (VALUES {','.join(['(?)'] * len(part))}) "
                    "SELECT k, (SELECT vector FROM sentence_vectors WHERE key = k LIMIT 1) FROM wanted", part
                ):
                    if blob is not None:
                        out[k] = np.frombuffer(blob, dtype="<f2").astype(np.float32)
        except sqlite3.OperationalError as e:  # an old store that could not be upgraded (read-only): no table yet
            if "no such table" not in str(e):
                raise
            return {}
        return out

    def put_sentences(self, doc_id: int, keys: np.ndarray, vectors: np.ndarray | None) -> None:
        """Replace one document's sentence vectors (filling in a document stored before there were any)."""
        with self.transaction(bump=False) as db:  # search results do not change, only what they cost
            write_sentences(db, doc_id, keys, vectors)

    def sentence_count(self, doc_id: int | None = None) -> int:
        """How many sentence vectors are stored (for one document)."""
        if doc_id is None:
            return self.db.execute("SELECT COUNT(*) FROM sentence_vectors").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM sentence_vectors WHERE document_id = ?", (doc_id,)).fetchone()[0]

    def sentence_bytes(self) -> int:
        """Bytes on disk the sentence vectors take, their indexes included (SQLite's dbstat)."""
        row = self.db.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('sentence_vectors', 'sentence_vectors_document') "
            "OR name LIKE 'sqlite_autoindex_sentence_vectors%'"
        ).fetchone()
        return int(row[0] or 0)

    def documents_without_sentences(self) -> list[int]:
        """Ids of original documents with passages but no stored sentence vectors (stored before there were any)."""
        return [r[0] for r in self.db.execute(
            "SELECT d.id FROM documents d WHERE d.duplicate_of IS NULL "
            "AND EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM sentence_vectors s WHERE s.document_id = d.id) ORDER BY d.id"
        )]
