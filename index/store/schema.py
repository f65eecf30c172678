"""The tables of a Clout store, all in one place: what a data directory's clout.db holds."""
from __future__ import annotations

# 2: who speaks (segments.speaker, chunk_speakers), an episode's people and chapters, voiceprints.
# 3: API keys (keys), stored as hashes.
# 4: sentence vectors of passages (sentence_vectors), stored at ingest for search to score.
SCHEMA_VERSION = 4

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
    speaker TEXT NOT NULL DEFAULT '',
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
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'auto',
    item_limit INTEGER,
    added_at REAL NOT NULL,
    last_sync REAL,
    last_ok REAL,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS source_items (
    source_name TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE ON UPDATE CASCADE,
    item TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (source_name, item)
);
CREATE TABLE IF NOT EXISTS chunk_speakers (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    speaker TEXT NOT NULL,
    named INTEGER NOT NULL DEFAULT 0,  -- a person's name, not "Speaker 1"
    PRIMARY KEY (chunk_id, speaker)
);
CREATE INDEX IF NOT EXISTS chunk_speakers_speaker ON chunk_speakers(speaker COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS people (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, position)
);
CREATE TABLE IF NOT EXISTS chapters (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start REAL NOT NULL,
    title TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'publisher',  -- or 'made': topic boundaries found by Clout
    PRIMARY KEY (document_id, position)
);
CREATE TABLE IF NOT EXISTS voiceprints (
    show TEXT NOT NULL,
    name TEXT NOT NULL,
    encoder TEXT NOT NULL,
    vector BLOB NOT NULL,
    seconds REAL NOT NULL,
    episodes INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (show, name, encoder)
);
-- Window vectors of passages (index/windows.py): float16, (n, dim) per passage of more than one window.
-- A table of its own needs no migration: CREATE TABLE IF NOT EXISTS adds it at the next writable open.
CREATE TABLE IF NOT EXISTS chunk_windows (
    chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    vectors BLOB NOT NULL
);
-- float16 vectors of passage sentences, by a hash of the text (index/sentences.py); one row per
-- document holding the text, so removing a document removes its own, and a shared sentence stays.
-- A rowid table: rows of 800 bytes are appended, and only the small (key, document) index is sorted.
CREATE TABLE IF NOT EXISTS sentence_vectors (
    key INTEGER NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    vector BLOB NOT NULL,
    UNIQUE (key, document_id)
);
CREATE INDEX IF NOT EXISTS sentence_vectors_document ON sentence_vectors(document_id);
CREATE TABLE IF NOT EXISTS keys (
    name TEXT PRIMARY KEY,
    scope TEXT NOT NULL,               -- 'search' or 'admin'
    digest TEXT NOT NULL UNIQUE,       -- sha256 of the token; the token itself is never stored
    origins TEXT NOT NULL DEFAULT '',  -- space-separated origins a browser may use it from ('' = any server-side use)
    rate_limit INTEGER NOT NULL DEFAULT 0,  -- requests a minute (0: the server's CLOUT_RATE_LIMIT)
    created_at REAL NOT NULL,
    expires_at REAL,
    revoked_at REAL
);
"""

# Statements that bring a store of the version before each one up to it, run once, in order.
MIGRATIONS = {
    2: ("ALTER TABLE segments ADD COLUMN speaker TEXT NOT NULL DEFAULT ''",),
    3: (),  # a new table only: SCHEMA's CREATE TABLE IF NOT EXISTS adds it after the migration
    4: (),  # likewise; documents stored before it have no sentence vectors, and search embeds theirs
}
