"""Lock files in a data directory: one holder at a time, and the holder's pid recorded for whoever is refused."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


@contextmanager
def holding(path: Path, refused: Callable[[str], Exception]) -> Iterator[None]:
    """Hold the lock file at `path` for the block, or raise refused(holder) at once if another process has it.

    `holder` is what the holder wrote ("pid 1234"), or "" when it wrote nothing. Every holder writes
    its own pid, so a refusal never names a process that has long gone (the lock is released when the
    file is closed, even by a crash; the text stays behind until the next holder replaces it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise refused(lock.read().strip()) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}")
        lock.flush()
        yield
