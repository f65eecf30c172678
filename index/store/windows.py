"""The chunk_windows table: the float16 vectors of a passage's windows (index/windows.py), one row per passage
of more than one window; they go with their chunk (ON DELETE CASCADE)."""
from __future__ import annotations

import sqlite3

import numpy as np

_BATCH = 500  # ids per IN (...) list: well under SQLite's limit on bound parameters
_DTYPE = "<f2"


class WindowTable:
    """Reading and writing window vectors (a mixin of Store: uses self.db)."""

    def put_windows(self, rows: dict[int, np.ndarray]) -> None:
        """Store {chunk id: (n, dim) vectors}; the generation is not bumped (the index does not change)."""
        if not rows:
            return
        with self.transaction(bump=False) as db:
            db.executemany(
                "INSERT OR REPLACE INTO chunk_windows (chunk_id, vectors) VALUES (?, ?)",
                [(int(c), np.ascontiguousarray(v, dtype=_DTYPE).tobytes()) for c, v in rows.items()],
            )

    def windows(self, chunk_ids, dim: int) -> dict[int, np.ndarray]:
        """{chunk id: float32 (n, dim) window vectors} of the passages that have them."""
        ids = list(dict.fromkeys(int(c) for c in chunk_ids))
        out: dict[int, np.ndarray] = {}
        try:
            for start in range(0, len(ids), _BATCH):
                part = ids[start : start + _BATCH]
                for c, blob in self.db.execute(
                    f"SELECT chunk_id, vectors FROM chunk_windows WHERE chunk_id IN ({','.join('?' * len(part))})", part
                ):
                    out[c] = np.frombuffer(blob, dtype=_DTYPE).astype(np.float32).reshape(-1, dim)
        except sqlite3.OperationalError:  # a store an older Clout wrote, opened read-only: no table yet
            return {}
        return out

    def chunks_without_windows(self, after: int = 0, limit: int = 1000) -> list[tuple[int, str, str]]:
        """(id, text, context) of passages with no window rows, ids above `after`, in id order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT c.id, c.text, c.context FROM chunks c WHERE c.id > ? "
            "AND NOT EXISTS (SELECT 1 FROM chunk_windows w WHERE w.chunk_id = c.id) ORDER BY c.id LIMIT ?",
            (after, limit),
        )]
