"""Copying a store file whole: one committed state out (`VACUUM INTO`), and a backup's state in (SQLite's backup API).

These work on database files, not on an open Store: `index.backup` decides when they run (under the
data directory's write lock) and what happens to the vector index beside them.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from .database import StoreError


def copy_store(path: Path, dest: Path) -> None:
    """Write the committed state of the store at `path` to the new file `dest` (one read transaction)."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        source.execute("VACUUM INTO ?", (str(dest),))
    except sqlite3.Error as e:
        Path(dest).unlink(missing_ok=True)
        raise StoreError(f"cannot copy the store to {Path(dest).parent} ({e})") from None
    finally:
        source.close()


def is_whole(path: Path) -> bool:
    """Whether the store file at `path` passes SQLite's integrity check."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def replace_store(source_path: Path, target_path: Path) -> None:
    """Make the store at target_path hold what the one at source_path holds.

    SQLite's backup API writes through the target's own journal, so its readers see the old state or
    the new one, never a mixture. The generation only goes forward, so a running server notices the
    change and reloads.
    """
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_path, timeout=30)
        try:
            was = _generation(target)
            source.backup(target)
            target.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(max(was, _generation(target)) + 1),))
            target.commit()
        finally:
            target.close()
    finally:
        source.close()


def _generation(db: sqlite3.Connection) -> int:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    except sqlite3.OperationalError:  # an empty target has no tables yet
        return 0
    return int(row[0]) if row else 0


def seal(path: Path) -> None:
    """Make the store file at `path` one self-contained file for read-only readers: the write-ahead
    log folded in and switched off, so a reader on a read-only or shared filesystem needs no -wal or
    -shm file beside it (and the file's checksum covers everything it holds)."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=DELETE")
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError(f"the copy of the store in {Path(path).parent} failed SQLite's integrity check")
    finally:
        db.close()
