"""Backups of a data directory: a consistent copy taken while ingest runs, and bringing one back.

The SQLite store is copied in one read transaction (one committed state) and the vector index file
as it stands (whole: it is only ever replaced by rename). The index may lag the copied store by the
batch in flight; opening the copy reconciles it from the store, the source of truth.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .faults import fault_point
from .kb import DB_FILE, LOCK_FILE, BusyError, KnowledgeBase
from .lock import holding
from .store import StoreError
from .store.backup import copy_store, is_whole, replace_store
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
    copy_store(data_dir / DB_FILE, partial)
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
    if not is_whole(source_path):
        raise StoreError(f"the backup in {backup_dir} is damaged (SQLite integrity check failed)")

    def refused(holder: str) -> BusyError:
        return BusyError(
            f"another Clout process ({holder or 'another process'}) is writing to {data_dir}; "
            "restore when it has finished"
        )

    # The restorer holds the writers' lock, under its own pid, so an ingest refused meanwhile names it.
    with holding(data_dir / LOCK_FILE, refused):
        fault_point("restore")
        replace_store(source_path, data_dir / DB_FILE)
        for name in (INDEX_FILE, SIDECAR_FILE):
            if (backup_dir / name).exists():
                tmp = data_dir / (name + ".restoring")
                shutil.copyfile(backup_dir / name, tmp)
                os.replace(tmp, data_dir / name)
    return _settle(data_dir)


def _settle(data_dir: Path) -> dict:
    """Open the copy once: its index is reconciled with its store and saved; return its figures."""
    kb = KnowledgeBase(data_dir)
    try:
        kb.save_vectors()
        return kb.stats()
    finally:
        kb.close()
