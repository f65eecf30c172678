"""Backups of a data directory: a consistent copy taken while ingest runs, and bringing one back.

The SQLite store is copied with `VACUUM INTO` (one read transaction, so one committed state) and the
vector index file as it stands (whole: it is only ever replaced by rename). The index may lag the
copied store by the batch in flight; opening the copy reconciles it from the store, the source of truth.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from pathlib import Path

from .kb import DB_FILE, LOCK_FILE, BusyError, KnowledgeBase
from .store import StoreError
from .vectors import INDEX_FILE, SIDECAR_FILE


def backup(data_dir: Path, dest: Path) -> dict:
    """Copy the knowledge base in data_dir to dest (a new or empty directory); returns its figures."""
    data_dir, dest = Path(data_dir), Path(dest)
    if not (data_dir / DB_FILE).exists():
        raise StoreError(f"no knowledge base in {data_dir} to back up")
    if dest.exists() and any(dest.iterdir()):
        raise StoreError(f"{dest} is not empty; back up into a new directory")
    dest.mkdir(parents=True, exist_ok=True)
    partial = dest / (DB_FILE + ".partial")
    source = sqlite3.connect(f"file:{data_dir / DB_FILE}?mode=ro", uri=True, timeout=30)
    try:
        source.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.Error as e:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot copy the store to {dest} ({e})") from None
    finally:
        source.close()
    for name in (INDEX_FILE, SIDECAR_FILE):
        if (data_dir / name).exists():
            shutil.copyfile(data_dir / name, dest / name)
    partial.replace(dest / DB_FILE)  # last: a directory with clout.db in it is a finished backup
    return _settle(dest)


def restore(backup_dir: Path, data_dir: Path) -> dict:
    """Replace the knowledge base in data_dir with the backup's; refused while another process writes."""
    backup_dir, data_dir = Path(backup_dir), Path(data_dir)
    source_path = backup_dir / DB_FILE
    if not source_path.exists():
        raise StoreError(f"{backup_dir} holds no Clout backup (no {DB_FILE})")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError(f"the backup in {backup_dir} is damaged (SQLite integrity check failed)")
        data_dir.mkdir(parents=True, exist_ok=True)
        with open(data_dir / LOCK_FILE, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BusyError(f"another Clout process is writing to {data_dir}; restore when it has finished") from None
            target = sqlite3.connect(data_dir / DB_FILE, timeout=30)
            try:
                was = _generation(target)
                # SQLite's backup API writes through the target's own journal: readers see old or new.
                source.backup(target)
                # Generations only go forward, so a running server notices the change and reloads.
                target.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(max(was, _generation(target)) + 1),))
                target.commit()
            finally:
                target.close()
            for name in (INDEX_FILE, SIDECAR_FILE):
                if (backup_dir / name).exists():
                    tmp = data_dir / (name + ".restoring")
                    shutil.copyfile(backup_dir / name, tmp)
                    os.replace(tmp, data_dir / name)
    finally:
        source.close()
    return _settle(data_dir)


def _generation(db: sqlite3.Connection) -> int:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    except sqlite3.OperationalError:  # an empty target has no tables yet
        return 0
    return int(row[0]) if row else 0


def _settle(data_dir: Path) -> dict:
    """Open the copy once: its index is reconciled with its store and saved; return its figures."""
    kb = KnowledgeBase(data_dir)
    try:
        kb._save_vectors()
        return kb.stats()
    finally:
        kb.close()
