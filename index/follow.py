"""A read-only replica's view of a snapshot directory: the newest whole snapshot, swapped in when a newer one appears.

The follower opens a new snapshot completely (checksums verified, vectors loaded and checked against
the store) on its own thread before one assignment makes it current, so a request either holds the
old knowledge base or the new one, never a mixture and never one half open. A snapshot that fails any
check is never served: the replica keeps the one it has and logs why, once.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from .embed import Embedder
from .kb import KnowledgeBase
from .snapshot import SnapshotError, names, verify

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


class Follower:
    """The newest good snapshot under `root`, as a read-only KnowledgeBase in `kb` (None before the first)."""

    def __init__(self, root: Path, embedder: Embedder | None = None, poll_seconds: float = POLL_SECONDS):
        self.root = Path(root)
        self.embedder = embedder or Embedder()
        self.poll_seconds = poll_seconds
        self._current: tuple[str, KnowledgeBase] | None = None  # (name, kb): replaced whole, never edited
        self.refused: dict[str, str] = {}  # snapshot name -> why it is not served
        self._refused_as: dict[str, tuple] = {}  # snapshot name -> its files when it was refused
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> tuple[str, KnowledgeBase] | None:
        return self._current

    @property
    def name(self) -> str:
        return self._current[0] if self._current else ""

    def poll(self) -> bool:
        """Move to the newest good snapshot newer than the current one; True if it moved."""
        for name in reversed(names(self.root)):
            if self._current and name <= self._current[0]:
                return False
            signature = _signature(self.root / name)
            if self._refused_as.get(name) == signature:
                continue  # refused as it stands; looked at again once its files change (a sync still arriving)
            try:
                kb = self._open(name)
            except Exception as e:  # SnapshotError, or whatever SQLite or FAISS make of a file that verified but is not whole
                self.refused[name], self._refused_as[name] = str(e), signature
                log.warning("not serving snapshot %s: %s; still serving %s", name, e, self.name or "nothing")
                continue
            self.refused.pop(name, None)
            self._current = (name, kb)  # the swap: one assignment; requests that hold the old one finish on it
            log.info("serving snapshot %s (%d chunks)", name, kb.vectors.count)
            return True
        return False

    def _open(self, name: str) -> KnowledgeBase:
        path = self.root / name
        verify(path)
        kb = KnowledgeBase(path, embedder=self.embedder, readonly=True)
        figures = kb.check()  # loads the vectors now, not in the first request
        if not figures["consistent"] or kb.notices:
            raise SnapshotError(f"{name}: its vector index does not match its store ({'; '.join(kb.notices) or 'ids differ'})")
        return kb

    def start(self) -> "Follower":
        """Poll in the background until stop()."""
        def loop():
            while not self._stop.wait(self.poll_seconds):
                try:
                    self.poll()
                except Exception:  # a replica must go on serving what it has
                    log.exception("following snapshots in %s", self.root)

        self._thread = threading.Thread(target=loop, name="clout-follow", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _signature(path: Path) -> tuple:
    """What a snapshot directory holds, cheaply: its files' names, sizes and modification times."""
    try:
        return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir()))
    except OSError:
        return ()


__all__ = ["Follower", "POLL_SECONDS"]
