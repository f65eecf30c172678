"""One SQLite database in WAL mode: per-thread connections, write transactions that bump the generation, meta.

SQLite is the source of truth. Every write is one transaction that also bumps `generation`, so a
reader (the vector index at open, a server between requests) can tell cheaply whether it is behind.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from clout.errors import CloutError

from ..faults import fault_point
from .schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION


class StoreError(CloutError):
    """The store cannot be used as it is (wrong model, unreadable file, newer schema)."""


class Database:
    """Connections are per thread; writes are serialised by SQLite."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._migrate()
                self.db.executescript(SCHEMA)  # idempotent; executescript manages its own transaction
                with self.transaction() as db:
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            except sqlite3.OperationalError as e:  # read-only directory or file, disk full
                raise StoreError(f"cannot write to the knowledge base {self.path} ({e})") from None
        version = int(self.get_meta("schema_version") or SCHEMA_VERSION)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer Clout (schema {version}); upgrade Clout to open it")
        if version < SCHEMA_VERSION and readonly:
            # A server or a search on a data directory an older Clout wrote: upgrade it first.
            Database(self.path).close()
            self.close()

    def _migrate(self) -> None:
        """Bring a store an older Clout wrote up to this schema, one version at a time, each in one transaction."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
            return  # a new store: the schema makes it whole
        version = int(self.get_meta("schema_version") or SCHEMA_VERSION)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as db:
                for statement in MIGRATIONS.get(target, ()):
                    db.execute(statement)
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(target),))

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
        def __init__(self, store: "Database", bump: bool = True):
            self.store = store
            self.bump = bump

        def __enter__(self) -> sqlite3.Connection:
            self.db = self.store.db
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None:
                if self.bump:
                    self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                fault_point("commit")
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")
            return False

    def transaction(self, bump: bool = True) -> "_Transaction":
        """A write transaction; committing it bumps the store's generation, unless told that what it
        writes (keys, access settings) changes nothing a reader of the documents holds."""
        return Database._Transaction(self, bump)

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (after a bulk load, before measuring its size)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, **values: str) -> None:
        """Record settings the whole store depends on (the embedding model, its dimensions), together."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)
