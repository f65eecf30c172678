"""The SQLite store, the one place Clout writes SQL: documents, chunks, full-text index, transcripts, sources.

One module per family of tables (documents.py, episodes.py, passages.py, sentences.py, transcripts.py, sources.py,
keys.py, windows.py) adds its
methods to `Store`; database.py holds the connection, the transactions and the generation they bump;
backup.py copies a store file whole. Everything else reads and writes through `Store` and gets back
Documents, ChunkRows and Sources, never rows.
"""
from __future__ import annotations

from .database import Database, StoreError
from .documents import ChunkRow, DocumentTables, StoredDocument
from .episodes import EpisodeTables
from .keys import KeyRow, KeyTables
from .passages import PassageQueries
from .sentences import SentenceTable
from .sources import Source, SourceTables
from .transcripts import TranscriptTable
from .windows import WindowTable


class Store(DocumentTables, EpisodeTables, PassageQueries, SentenceTable, TranscriptTable, SourceTables, KeyTables,
            WindowTable, Database):
    """One data directory's clout.db."""

    def counts(self) -> dict:
        """What the store holds: the figures `clout stats` and /api/health show."""
        documents = self.document_counts()
        return {
            "documents": documents["documents"], "duplicates": documents["duplicates"], "chunks": self.chunk_count(),
            "by_kind": documents["by_kind"], "transcripts": self.transcript_count(),
        }


__all__ = ["Store", "StoreError", "StoredDocument", "ChunkRow", "Source", "KeyRow"]
