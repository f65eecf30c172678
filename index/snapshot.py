"""Published snapshots: immutable, checksummed copies of a knowledge base that read-only replicas serve.

`publish` writes one under a hidden name, seals it (a manifest with every file's SHA-256, then a
COMPLETE marker holding the manifest's own hash) and renames it into place, so a reader that lists
the directory sees a whole snapshot or none. On a synced bucket, where files may arrive in any order,
the marker and checksums are what tell a whole snapshot from a partial one: `verify` checks both.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from .backup import backup
from .kb import DB_FILE
from .store import StoreError
from .store.backup import seal
from .vectors import INDEX_FILE, SIDECAR_FILE

MANIFEST = "manifest.json"
COMPLETE = "COMPLETE"
FORMAT = 1
FILES = (DB_FILE, INDEX_FILE, SIDECAR_FILE)
KEEP = 3  # snapshots kept by default: the newest, and two a slow replica may still be opening


class SnapshotError(StoreError):
    """A snapshot that must not be served: incomplete, damaged, or not a Clout snapshot."""


def publish(data_dir: Path, dest: Path, keep: int = KEEP) -> dict:
    """Publish the knowledge base in data_dir as a new snapshot under dest; returns its manifest.
    Safe while an ingest runs (the store is copied in one read transaction, as `clout backup` does)."""
    data_dir, dest = Path(data_dir), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    name = _new_name(dest)
    staging = dest / f".{name}.partial"
    try:
        figures = backup(data_dir, staging)
        seal(staging / DB_FILE)
        for extra in staging.iterdir():  # the lock file and anything else the settling open left
            if extra.name not in FILES:
                extra.unlink() if extra.is_file() else shutil.rmtree(extra)
        manifest = {
            "format": FORMAT, "name": name, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": figures["model"], "dim": figures["dim"], "documents": figures["documents"],
            "chunks": figures["chunks"],
            "files": {f: {"bytes": (staging / f).stat().st_size, "sha256": _sha256(staging / f)}
                      for f in FILES if (staging / f).exists()},
        }
        body = json.dumps(manifest, indent=1).encode()
        _write_synced(staging / MANIFEST, body)
        _write_synced(staging / COMPLETE, hashlib.sha256(body).hexdigest().encode())  # last: the seal
        os.rename(staging, dest / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(dest)
    prune(dest, keep)
    return manifest


def names(root: Path) -> list[str]:
    """The snapshots under root that look finished (named, not hidden), oldest first. Names sort by time."""
    try:
        return sorted(p.name for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []


def verify(path: Path) -> dict:
    """The manifest of the snapshot at path; SnapshotError saying what is wrong when it must not be served."""
    path = Path(path)
    try:
        seal_hash = (path / COMPLETE).read_text().strip()
    except FileNotFoundError:
        raise SnapshotError(f"{path.name} is incomplete (no {COMPLETE} marker yet)") from None
    try:
        body = (path / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path.name} has no {MANIFEST}") from None
    if hashlib.sha256(body).hexdigest() != seal_hash:
        raise SnapshotError(f"{path.name}: {MANIFEST} does not match its {COMPLETE} marker")
    try:
        manifest = json.loads(body)
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise SnapshotError(f"{path.name}: {MANIFEST} is not a Clout snapshot manifest") from None
    if manifest.get("format") != FORMAT or DB_FILE not in files:
        raise SnapshotError(f"{path.name}: not a snapshot this Clout reads (format {manifest.get('format')!r})")
    for name, expected in files.items():
        file = path / name
        if not file.is_file():
            raise SnapshotError(f"{path.name}: {name} is missing")
        if file.stat().st_size != expected["bytes"]:
            raise SnapshotError(f"{path.name}: {name} is {file.stat().st_size} bytes, the manifest says {expected['bytes']}")
        if _sha256(file) != expected["sha256"]:
            raise SnapshotError(f"{path.name}: {name} does not match its checksum (damaged or still arriving)")
    return manifest


def prune(root: Path, keep: int = KEEP) -> list[str]:
    """Delete all but the newest `keep` snapshots; returns the names deleted. A replica still serving
    a deleted one keeps reading its open files (POSIX) until it moves on to the newest."""
    doomed = names(root)[:-keep] if keep > 0 else []
    for name in doomed:
        shutil.rmtree(Path(root) / name, ignore_errors=True)
    return doomed


def _new_name(dest: Path) -> str:
    """A name that sorts after every snapshot already there: UTC time to the millisecond."""
    now = time.time()
    name = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}Z"
    existing = names(dest)
    if existing and name <= existing[-1]:  # a clock that went back, or two publishes in one millisecond
        name = existing[-1] + "-1"
    return name


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["publish", "verify", "names", "prune", "SnapshotError", "MANIFEST", "COMPLETE"]
